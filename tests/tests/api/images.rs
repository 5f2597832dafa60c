//! Images as an operator sees them: registration by the datastore driver off the request
//! path (LOCKED → READY, or ERROR), clones, persistency, types, deletion with quota refunds,
//! and refusals that leave everything as it was.

use oca::{Client, ImageSnapshotOp};
use one_core::objects::image::Image;
use one_core::objects::quotas::QuotaKind;
use one_core::states::{ImageState, ImageType};
use one_tests::{Oned, validate_xsd};

use crate::{code, message, wait};

/// The datastore usage (IMAGES, SIZE) charged to a user on datastore `ds`.
pub async fn ds_usage(c: &Client, uid: i32, ds: i32) -> (f64, f64) {
    let u = c.user_info(uid).await.unwrap();
    let entry = u.quotas.section(QuotaKind::Datastore).iter().find(|e| e.key == ds.to_string()).cloned();
    entry.map_or((0.0, 0.0), |e| (e.used[0], e.used[1]))
}

/// A READY image made from a PATH by the dummy driver (1024 MB, raw).
pub async fn ready_image(c: &Client, name: &str) -> Image {
    wait::monitored_datastore(c, 1).await;
    let id = c.image_allocate(&format!("NAME = \"{name}\"\nPATH = /srv/{name}.img"), 1, false).await.unwrap();
    wait::image(c, id, ImageState::Ready).await
}

/// The code and message of a failed call.
pub fn api_error<T: std::fmt::Debug>(r: Result<T, oca::OcaError>) -> (i32, String) {
    match r {
        Err(oca::OcaError::Api { code, message, .. }) => (code, message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Validates a document against an XSD, or fails the test showing both.
pub fn check_xsd(doc: &str, xsd: &str) {
    if let Err(e) = validate_xsd(doc, xsd) {
        panic!("{xsd}: {e}\n{doc}");
    }
}

#[tokio::test]
async fn allocate_copies_off_the_request_path() {
    let oned = Oned::start();
    let c = oned.client();
    wait::monitored_datastore(&c, 1).await;
    let id = c
        .image_allocate(
            "NAME = ubuntu\nPATH = /srv/ubuntu.qcow2\nDUMMY_DELAY_MS = 3000\nDESCRIPTION = \"a <b>\"",
            1,
            false,
        )
        .await
        .unwrap();
    assert_eq!(id, 0);
    // The call returned before the (3 s) copy: the image is LOCKED and already listed.
    let locked = c.image_info(id).await.unwrap();
    assert_eq!(locked.state, ImageState::Locked);
    assert_eq!((locked.source.as_str(), locked.size_mb), ("", 1024), "sized as the dummy STAT answers");
    check_xsd(&c.image_info_xml(id).await.unwrap(), "image.xsd");
    assert_eq!(c.datastore_info(1).await.unwrap().images, [id]);
    let img = wait::image(&c, id, ImageState::Ready).await;
    assert!(img.source.ends_with("datastores/1/0"), "{}", img.source);
    assert_eq!((img.format.as_str(), img.path.as_str()), ("raw", "/srv/ubuntu.qcow2"));
    assert_eq!((img.image_type, img.persistent, img.datastore.as_str()), (ImageType::Os, false, "default"));
    assert_eq!(img.template.get("DEV_PREFIX"), Some("sd"));
    assert_eq!(img.template.get("DESCRIPTION"), Some("a <b>"));
    assert!(img.meta.lock.is_none());
    check_xsd(&c.image_info_xml(id).await.unwrap(), "image.xsd");

    // An empty datablock is created by the driver (mkfs) with its SIZE.
    let data = c.image_allocate("NAME = data\nTYPE = DATABLOCK\nSIZE = 10", 1, false).await.unwrap();
    let data = wait::image(&c, data, ImageState::Ready).await;
    assert_eq!((data.image_type, data.size_mb, data.format.as_str()), (ImageType::Datablock, 10, "raw"));
    assert!(!data.source.is_empty());
    // A SOURCE given by the template needs no driver: READY at once.
    let ext =
        c.image_allocate("NAME = ext\nSOURCE = /dev/sdb\nFORMAT = raw\nSIZE = 5", 1, false).await.unwrap();
    let ext = c.image_info(ext).await.unwrap();
    assert_eq!((ext.state, ext.source.as_str()), (ImageState::Ready, "/dev/sdb"));
    // pyone-style XML templates work too.
    let xml = c
        .image_allocate(
            "<TEMPLATE><NAME><![CDATA[cd]]></NAME><TYPE>CDROM</TYPE><PATH>/srv/cd.iso</PATH></TEMPLATE>",
            1,
            false,
        )
        .await
        .unwrap();
    let cd = wait::image(&c, xml, ImageState::Ready).await;
    assert_eq!((cd.image_type, cd.template.get("DEV_PREFIX")), (ImageType::Cdrom, None));

    let pool = c.imagepool_info(-2, -1, -1).await.unwrap();
    assert_eq!(pool.len(), 4);
    assert_eq!(c.datastore_info(1).await.unwrap().images, [0, 1, 2, 3]);
    check_xsd(&c.imagepool_info_xml(-2, -1, -1).await.unwrap(), "image_pool.xsd");
    // Paging: offset 1, two per page.
    let page = c.imagepool_info(-2, 1, -2).await.unwrap();
    assert_eq!(page.len(), 2);
}

#[tokio::test]
async fn a_failing_driver_leaves_the_image_in_error() {
    let oned = Oned::start();
    let c = oned.client();
    wait::monitored_datastore(&c, 1).await;
    let id = c.image_allocate("NAME = broken\nPATH = /srv/x\nDUMMY_FAIL = COPY", 1, false).await.unwrap();
    let img = wait::image(&c, id, ImageState::Error).await;
    let error = img.template.get("ERROR").unwrap();
    assert!(
        error.ends_with(" : Error copying image in the datastore: COPY failed as requested by DUMMY_FAIL"),
        "{error}"
    );
    assert!(img.source.is_empty());
    check_xsd(&c.image_info_xml(id).await.unwrap(), "image.xsd");
    let mkfs =
        c.image_allocate("NAME = b2\nTYPE = DATABLOCK\nSIZE = 1\nDUMMY_FAIL = MKFS", 1, false).await.unwrap();
    let img = wait::image(&c, mkfs, ImageState::Error).await;
    assert!(
        img.template
            .get("ERROR")
            .unwrap()
            .ends_with("Error creating datablock: MKFS failed as requested by DUMMY_FAIL")
    );
    // An image the driver never stored (no SOURCE) is dropped at once.
    c.image_delete(id, false).await.unwrap();
    assert_eq!(code(c.image_info(id).await), 0x400);
    assert_eq!(c.datastore_info(1).await.unwrap().images, [mkfs]);
}

#[tokio::test]
async fn allocate_refuses_bad_input_and_changes_nothing() {
    let oned = Oned::start();
    let c = oned.client();
    wait::monitored_datastore(&c, 1).await;
    let alice_id = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    c.user_quota(alice_id, "DATASTORE = [ ID = 1, IMAGES = 1, SIZE = 100 ]").await.unwrap();
    let alice = oned.client_as("alice:pw");
    let first = alice.image_allocate("NAME = a\nTYPE = DATABLOCK\nSIZE = 10", 1, false).await.unwrap();
    wait::image(&c, first, ImageState::Ready).await;
    let limited =
        c.datastore_allocate("NAME = small\nDS_MAD = dummy\nTM_MAD = dummy\nLIMIT_MB = 5", -1).await.unwrap();
    wait::monitored_datastore(&c, limited).await;
    let snapshot = || async {
        (
            c.imagepool_info_xml(-2, -1, -1).await.unwrap(),
            c.datastorepool_info_xml().await.unwrap(),
            c.user_info_xml(alice_id).await.unwrap(),
        )
    };
    let before = snapshot().await;
    let m = "[one.image.allocate]";
    let cases: Vec<(&Client, &str, i32, i32, String)> = vec![
        (&c, "NAME = x\nPATH = /a", 99, 0x400, format!("{m} Error getting datastore [99].")),
        (
            &c,
            "NAME = x\nPATH = /a",
            0,
            0x4000,
            format!(
                "{m} Error allocating a new image. New images can only be allocated in a files or image datastore."
            ),
        ),
        (&c, "NAME = \"unterminated", 1, 0x2000, format!("{m} Parse error: ")),
        (
            &c,
            "NAME = x\nTYPE = DATABLOCK",
            1,
            0x2000,
            format!("{m} Cannot parse image SIZE: Wrong number or missing SIZE attribute."),
        ),
        (
            &c,
            "PATH = /a",
            1,
            0x4000,
            format!("{m} Error allocating a new image. Invalid NAME, it cannot be empty"),
        ),
        (
            &c,
            "NAME = \"a:b\"\nPATH = /a",
            1,
            0x4000,
            format!("{m} Error allocating a new image. Invalid NAME, char ':' is not allowed"),
        ),
        (
            &alice,
            "NAME = a\nPATH = /a",
            1,
            0x200,
            format!(
                "{m} User [{alice_id}] : user [{alice_id}] limit of 1 reached for IMAGES quota in DATASTORE with ID: 1."
            ),
        ),
        (
            &c,
            "NAME = big\nTYPE = DATABLOCK\nSIZE = 10",
            limited,
            0x800,
            format!("{m} Not enough space in datastore"),
        ),
        (
            &c,
            "NAME = k\nTYPE = KERNEL\nPATH = /k",
            1,
            0x4000,
            format!(
                "{m} Error allocating a new image. IMAGES of type KERNEL, RAMDISK and CONTEXT cannot be registered in an IMAGE_DS datastore"
            ),
        ),
        (
            &c,
            "NAME = s\nSOURCE = /x\nSIZE = 1",
            1,
            0x4000,
            format!("{m} Error allocating a new image. SOURCE needs FORMAT to be set."),
        ),
        (
            &alice,
            "NAME = s\nSOURCE = /x\nFORMAT = raw\nSIZE = 1",
            1,
            0x200,
            format!("{m} User [{alice_id}] : Template includes a restricted attribute SOURCE."),
        ),
    ];
    for (client, tmpl, ds, expected_code, expected) in cases {
        let (got_code, msg) = api_error(client.image_allocate(tmpl, ds, false).await);
        assert_eq!(got_code, expected_code, "{tmpl}: {msg}");
        assert!(msg.starts_with(&expected), "{tmpl}: {msg}");
    }
    let dup = message(alice.image_allocate("NAME = a\nPATH = /a", 1, false).await);
    assert!(dup.contains("limit of 1 reached"), "quota is checked before the name: {dup}");
    c.user_quota(alice_id, "DATASTORE = [ ID = 1, IMAGES = 5, SIZE = 100 ]").await.unwrap();
    let dup = message(alice.image_allocate("NAME = a\nPATH = /a\nSIZE = 1", 1, false).await);
    assert_eq!(dup, format!("{m} Error allocating a new image. NAME is already taken by IMAGE {first}."));
    c.user_quota(alice_id, "DATASTORE = [ ID = 1, IMAGES = 1, SIZE = 100 ]").await.unwrap();
    assert_eq!(snapshot().await, before, "refused allocations change nothing");
    // Administrators may skip the capacity check.
    assert!(c.image_allocate("NAME = big\nTYPE = DATABLOCK\nSIZE = 10", limited, true).await.is_ok());
    assert_eq!(
        code(alice.image_allocate("NAME = big\nTYPE = DATABLOCK\nSIZE = 10", limited, true).await),
        0x800
    );
}

#[tokio::test]
async fn clone_persistent_type_and_enable() {
    let oned = Oned::start();
    let c = oned.client();
    let src = ready_image(&c, "base").await.meta.id;
    let copy = c.image_clone(src, "base-copy", -1).await.unwrap();
    let cloned = wait::image(&c, copy, ImageState::Ready).await;
    assert_eq!((cloned.meta.name.as_str(), cloned.size_mb, cloned.cloning_id), ("base-copy", 1024, -1));
    assert_ne!(cloned.source, c.image_info(src).await.unwrap().source);
    let src_img = wait::image(&c, src, ImageState::Ready).await;
    assert_eq!((src_img.cloning_ops, src_img.clones.len()), (0, 0), "the source is released");
    check_xsd(&c.image_info_xml(copy).await.unwrap(), "image.xsd");

    c.image_persistent(src, true).await.unwrap();
    assert!(c.image_info(src).await.unwrap().persistent);
    // A clone of a persistent image is persistent too; the source is CLONE meanwhile.
    let slow = c.image_update(src, "DUMMY_DELAY_MS = 3000", oca::UpdateType::Merge).await;
    slow.unwrap();
    let pcopy = c.image_clone(src, "pcopy", -1).await.unwrap();
    let during = c.image_info(src).await.unwrap();
    assert_eq!((during.state, during.cloning_ops), (ImageState::Clone, 1));
    assert_eq!(
        message(c.image_delete(src, false).await),
        format!("[one.image.delete] Cannot delete image. There are 1 active clone operations.")
    );
    assert!(wait::image(&c, pcopy, ImageState::Ready).await.persistent);
    wait::image(&c, src, ImageState::Ready).await;

    c.image_chtype(copy, "DATABLOCK").await.unwrap();
    assert_eq!(c.image_info(copy).await.unwrap().image_type, ImageType::Datablock);
    assert_eq!(
        message(c.image_chtype(copy, "KERNEL").await),
        "[one.image.chtype] Cannot change image type to an incompatible type for the current datastore."
    );
    c.image_enable(copy, false).await.unwrap();
    assert_eq!(c.image_info(copy).await.unwrap().state, ImageState::Disabled);
    assert_eq!(
        message(c.image_clone(copy, "x", -1).await),
        "[one.image.clone] Error allocating a new image. Cannot clone image in state: DISABLED"
    );
    c.image_enable(copy, true).await.unwrap();
    assert_eq!(c.image_info(copy).await.unwrap().state, ImageState::Ready);
    assert_eq!(
        message(c.image_clone(copy, "y", 0).await),
        "[one.image.clone] Clone only supported for IMAGE_DS Datastores"
    );
    assert_eq!(
        message(c.image_snapshot(copy, ImageSnapshotOp::Revert, 0).await),
        "[one.image.snapshotrevert] Snapshot does not exist"
    );
    assert_eq!(code(c.image_snapshot(copy, ImageSnapshotOp::Delete, 3).await), 0x800);
    assert_eq!(c.imagepool_info(-2, -1, -1).await.unwrap().len(), 3, "refused clones created nothing");
}

#[tokio::test]
async fn delete_waits_for_the_driver_and_refunds_quotas() {
    let oned = Oned::start();
    let c = oned.client();
    wait::monitored_datastore(&c, 1).await;
    let alice_id = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let alice = oned.client_as("alice:pw");
    let id = alice.image_allocate("NAME = a\nTYPE = DATABLOCK\nSIZE = 10", 1, false).await.unwrap();
    assert_eq!(ds_usage(&c, alice_id, 1).await, (1.0, 10.0), "charged at allocation");
    wait::image(&c, id, ImageState::Ready).await;
    alice.image_delete(id, false).await.unwrap();
    wait::image_gone(&c, id).await;
    assert_eq!(ds_usage(&c, alice_id, 1).await, (0.0, 0.0), "refunded when the driver removed it");
    assert!(c.datastore_info(1).await.unwrap().images.is_empty());

    // A driver that cannot remove it leaves it in ERROR; --force removes it anyway.
    let stuck = alice
        .image_allocate("NAME = s\nTYPE = DATABLOCK\nSIZE = 2\nDUMMY_FAIL = REMOVE", 1, false)
        .await
        .unwrap();
    wait::image(&c, stuck, ImageState::Ready).await;
    alice.image_delete(stuck, false).await.unwrap();
    let img = wait::image(&c, stuck, ImageState::Error).await;
    assert!(img.template.get("ERROR").unwrap().contains("Error removing image from datastore."));
    assert_eq!(ds_usage(&c, alice_id, 1).await, (1.0, 2.0));
    alice.image_delete(stuck, true).await.unwrap();
    wait::image_gone(&c, stuck).await;
    assert_eq!(ds_usage(&c, alice_id, 1).await, (0.0, 0.0));

    // A user lock protects it unless forced.
    let locked = alice.image_allocate("NAME = l\nTYPE = DATABLOCK\nSIZE = 1", 1, false).await.unwrap();
    wait::image(&c, locked, ImageState::Ready).await;
    alice.image_lock(locked, 4).await.unwrap();
    assert_eq!(
        message(alice.image_delete(locked, false).await),
        "[one.image.delete] Image locked, use --force flag to remove the image. Force delete may leave some files on Datastore"
    );
    alice.image_unlock(locked).await.unwrap();
    assert!(alice.image_delete(locked, false).await.is_ok());
}

#[tokio::test]
async fn chown_moves_the_quota_usage() {
    let oned = Oned::start();
    let c = oned.client();
    wait::monitored_datastore(&c, 1).await;
    let alice = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let bob = c.user_allocate("bob", "pw", "", &[]).await.unwrap();
    let id = oned
        .client_as("alice:pw")
        .image_allocate("NAME = a\nTYPE = DATABLOCK\nSIZE = 7", 1, false)
        .await
        .unwrap();
    wait::image(&c, id, ImageState::Ready).await;
    c.image_chown(id, bob, -1).await.unwrap();
    assert_eq!(ds_usage(&c, alice, 1).await, (0.0, 0.0));
    assert_eq!(ds_usage(&c, bob, 1).await, (1.0, 7.0));
    assert_eq!(c.image_info(id).await.unwrap().meta.uname, "bob");
}

#[tokio::test]
async fn unknown_images_are_reported_on_every_method() {
    let oned = Oned::start();
    let c = oned.client();
    let before = c.imagepool_info_xml(-2, -1, -1).await.unwrap();
    let bits = [1, 1, 0, 0, 0, 0, 0, 0, 0];
    let results = vec![
        ("info", c.image_info_xml(42).await.map(|_| 0)),
        ("update", c.image_update(42, "A = 1", oca::UpdateType::Merge).await),
        ("rename", c.image_rename(42, "x").await),
        ("chmod", c.image_chmod(42, bits).await),
        ("chown", c.image_chown(42, 0, 0).await),
        ("lock", c.image_lock(42, 1).await),
        ("unlock", c.image_unlock(42).await),
        ("delete", c.image_delete(42, false).await),
        ("enable", c.image_enable(42, true).await),
        ("persistent", c.image_persistent(42, true).await),
        ("chtype", c.image_chtype(42, "OS").await),
        ("clone", c.image_clone(42, "x", -1).await),
        ("snapshotdelete", c.image_snapshot(42, ImageSnapshotOp::Delete, 0).await),
        ("snapshotrevert", c.image_snapshot(42, ImageSnapshotOp::Revert, 0).await),
        ("snapshotflatten", c.image_snapshot(42, ImageSnapshotOp::Flatten, 0).await),
    ];
    for (method, r) in results {
        assert_eq!(message(r), format!("[one.image.{method}] Error getting image [42]."));
    }
    assert_eq!(code(c.imagepool_info_xml(-9, -1, -1).await), 0x1000, "bad filter flag");
    assert_eq!(c.imagepool_info_xml(-2, -1, -1).await.unwrap(), before);
}

#[tokio::test]
async fn a_copy_interrupted_by_a_crash_is_resumed() {
    let mut oned = Oned::start();
    let c = oned.client();
    wait::monitored_datastore(&c, 1).await;
    let id =
        c.image_allocate("NAME = slow\nPATH = /srv/slow\nDUMMY_DELAY_MS = 5000", 1, false).await.unwrap();
    assert_eq!(c.image_info(id).await.unwrap().state, ImageState::Locked);
    // kill -9 while the driver copies: the job is lost with the process.
    oned.restart();
    let c = oned.client();
    let img = wait::image(&c, id, ImageState::Ready).await;
    assert!(!img.source.is_empty());
    assert!(oned.log().contains("resuming Register interrupted by a restart"));
}
