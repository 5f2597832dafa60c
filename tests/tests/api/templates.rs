//! VM templates as an operator sees them: create, read, clone (with images), delete (with
//! images), recursive chmod, and instantiate — including VMs that wait in CLONING for their
//! images — with OpenNebula's refusals.

use oca::UpdateType;
use one_core::states::{ImageState, VmState};
use one_tests::Oned;

use crate::images::{api_error, check_xsd, ready_image};
use crate::{code, message, wait};

#[tokio::test]
async fn allocate_info_update_rename_and_listing() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c
        .template_allocate("NAME = tiny\nCPU = 0.1\nMEMORY = 64\nDISK = [ SIZE = 10, TYPE = fs ]")
        .await
        .unwrap();
    assert_eq!(id, 0);
    let t = c.template_info(id, false).await.unwrap();
    assert_eq!(
        (t.meta.name.as_str(), t.template.get("MEMORY"), t.template.get("NAME")),
        ("tiny", Some("64"), None)
    );
    check_xsd(&c.template_info_xml(id, false).await.unwrap(), "vmtemplate.xsd");
    c.template_update(id, "MEMORY = 128", UpdateType::Merge).await.unwrap();
    assert_eq!(c.template_info(id, false).await.unwrap().template.get("MEMORY"), Some("128"));
    c.template_rename(id, "small").await.unwrap();
    c.template_lock(id, 2).await.unwrap();
    let locked = c.template_info_xml(id, false).await.unwrap();
    assert!(locked.contains("<LOCK><LOCKED>2</LOCKED>"), "{locked}");
    check_xsd(&locked, "vmtemplate.xsd");
    c.template_unlock(id).await.unwrap();
    let copy = c.template_clone(id, "small-copy", false).await.unwrap();
    assert_eq!(c.template_info(copy, false).await.unwrap().template.get("MEMORY"), Some("128"));
    let pool = c.templatepool_info(-2, -1, -1).await.unwrap();
    assert_eq!(pool.iter().map(|t| t.meta.name.as_str()).collect::<Vec<_>>(), ["small-copy", "small"]);
    check_xsd(&c.templatepool_info_xml(-2, -1, -1).await.unwrap(), "vmtemplate_pool.xsd");
    c.template_delete(copy, false).await.unwrap();
    assert_eq!(c.templatepool_info(-2, -1, -1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let oned = Oned::start();
    let c = oned.client();
    let alice_id = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let alice = oned.client_as("alice:pw");
    let id = c.template_allocate("NAME = tiny\nCPU = 1\nMEMORY = 64").await.unwrap();
    let router = c.template_allocate("NAME = vr\nVROUTER = YES\nCPU = 1\nMEMORY = 64").await.unwrap();
    let before = (
        c.templatepool_info_xml(-2, -1, -1).await.unwrap(),
        c.vmpool_info_xml(&Default::default()).await.unwrap(),
    );
    let m = |method: &str| format!("[one.template.{method}]");
    let cases: Vec<(i32, String, Result<i32, oca::OcaError>)> = vec![
        (
            0x2000,
            format!("{} Invalid NAME, it cannot be empty", m("allocate")),
            c.template_allocate("CPU = 1").await,
        ),
        (
            0x2000,
            format!("{} NAME is already taken by TEMPLATE {id}.", m("allocate")),
            c.template_allocate("NAME = tiny").await,
        ),
        (0x2000, format!("{} Parse error: ", m("allocate")), c.template_allocate("NAME = \"x").await),
        (
            0x200,
            format!(
                "{} User [{alice_id}] : VM Template includes a restricted attribute DISK/READ_IOPS_SEC.",
                m("allocate")
            ),
            alice.template_allocate("NAME = r\nDISK = [ IMAGE_ID = 0, READ_IOPS_SEC = 5 ]").await,
        ),
        (
            0x400,
            format!("{} Error getting virtual machine template [42].", m("instantiate")),
            c.template_instantiate(42, "", false, "", false).await,
        ),
        (
            0x800,
            format!("{} Virtual router templates cannot be instantiated", m("instantiate")),
            c.template_instantiate(router, "", false, "", false).await,
        ),
        (
            0x200,
            format!("{} User [{alice_id}] : Not authorized to perform USE TEMPLATE [{id}]", m("instantiate")),
            alice.template_instantiate(id, "", false, "", false).await,
        ),
        (
            0x2000,
            format!("{} Parse error: ", m("instantiate")),
            c.template_instantiate(id, "", false, "A = \"x", false).await,
        ),
        (
            0x2000,
            format!("{} NAME is already taken by TEMPLATE {id}.", m("clone")),
            c.template_clone(router, "tiny", false).await,
        ),
        (
            0x400,
            format!("{} Error getting virtual machine template [42].", m("clone")),
            c.template_clone(42, "x", false).await,
        ),
        (
            0x400,
            format!("{} Error getting virtual machine template [42].", m("delete")),
            c.template_delete(42, true).await,
        ),
        (
            0x400,
            format!("{} Error getting virtual machine template [42].", m("chmod")),
            c.template_chmod(42, [1; 9], true).await,
        ),
        (
            0x400,
            format!("{} Error getting virtual machine template [42].", m("info")),
            c.template_info_xml(42, true).await.map(|_| 0),
        ),
        (
            0x400,
            format!("{} Error getting virtual machine template [42].", m("update")),
            c.template_update(42, "A=1", UpdateType::Merge).await,
        ),
        (
            0x400,
            format!("{} Error getting virtual machine template [42].", m("rename")),
            c.template_rename(42, "x").await,
        ),
        (
            0x400,
            format!("{} Error getting virtual machine template [42].", m("chown")),
            c.template_chown(42, 0, 0).await,
        ),
        (
            0x400,
            format!("{} Error getting virtual machine template [42].", m("lock")),
            c.template_lock(42, 1).await,
        ),
        (
            0x400,
            format!("{} Error getting virtual machine template [42].", m("unlock")),
            c.template_unlock(42).await,
        ),
    ];
    for (expected_code, expected, r) in cases {
        let (got, msg) = api_error(r);
        assert_eq!(got, expected_code, "{msg}");
        assert!(msg.starts_with(&expected), "{msg}\nexpected: {expected}");
    }
    let after = (
        c.templatepool_info_xml(-2, -1, -1).await.unwrap(),
        c.vmpool_info_xml(&Default::default()).await.unwrap(),
    );
    assert_eq!(after, before);
}

#[tokio::test]
async fn instantiate_merges_names_holds_and_counts_quotas() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c.template_allocate("NAME = tiny\nCPU = 0.5\nMEMORY = 64").await.unwrap();
    let vm = c.template_instantiate(id, "", false, "", false).await.unwrap();
    let v = c.vm_info(vm).await.unwrap();
    assert_eq!((v.meta.name.clone(), v.state), (format!("tiny-{vm}"), VmState::Pending));
    assert_eq!(v.template.get("TEMPLATE_ID"), Some("0"));
    check_xsd(&c.vm_info_xml(vm).await.unwrap(), "vm.xsd");
    let web = c.template_instantiate(id, "web", true, "MEMORY = 128\nLABEL = x", false).await.unwrap();
    let v = c.vm_info(web).await.unwrap();
    assert_eq!((v.meta.name.as_str(), v.state), ("web", VmState::Hold));
    assert_eq!(v.template.get("MEMORY"), Some("128"));
    assert_eq!(
        c.template_info(id, false).await.unwrap().template.get("MEMORY"),
        Some("64"),
        "the template is unchanged"
    );

    // Another user needs USE on the template, and is held to the VM quota.
    let alice_id = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    c.template_chmod(id, [-1, -1, -1, -1, -1, -1, 1, -1, -1], false).await.unwrap();
    c.user_quota(alice_id, "VM = [ VMS = 1 ]").await.unwrap();
    let alice = oned.client_as("alice:pw");
    let own = alice.template_instantiate(id, "", false, "", false).await.unwrap();
    assert_eq!(c.vm_info(own).await.unwrap().meta.uname, "alice");
    assert_eq!(
        message(alice.template_instantiate(id, "", false, "", false).await),
        format!(
            "[one.template.instantiate] User [{alice_id}] : user [{alice_id}] limit of 1 reached for VMS quota in VM."
        )
    );
    assert_eq!(c.vmpool_info(&Default::default()).await.unwrap().len(), 3);
}

#[tokio::test]
async fn recursive_clone_chmod_and_delete_follow_the_images() {
    let oned = Oned::start();
    let c = oned.client();
    let img = ready_image(&c, "disk").await.meta.id;
    let id = c
        .template_allocate(&format!(
            "NAME = t\nCPU = 0.1\nMEMORY = 64\nDISK = [ IMAGE_ID = {img} ]\nDISK = [ SIZE = 5, TYPE = fs ]"
        ))
        .await
        .unwrap();
    // Extended info resolves the image.
    let ext = c.template_info(id, true).await.unwrap();
    let disk = ext.template.vector("DISK").unwrap();
    assert!(disk.iter().any(|(k, v)| k == "IMAGE" && v == "disk"), "{disk:?}");
    assert!(disk.iter().any(|(k, _)| k == "SOURCE"), "{disk:?}");
    check_xsd(&c.template_info_xml(id, true).await.unwrap(), "vmtemplate.xsd");

    let copy = c.template_clone(id, "t2", true).await.unwrap();
    let copy_disk = c.template_info(copy, false).await.unwrap().template.vector("DISK").unwrap().to_vec();
    let new_img: i32 = copy_disk.iter().find(|(k, _)| k == "IMAGE_ID").unwrap().1.parse().unwrap();
    assert_ne!(new_img, img);
    let cloned = wait::image(&c, new_img, ImageState::Ready).await;
    assert_eq!(cloned.meta.name, "t2-disk-0");

    c.template_chmod(copy, [1, 1, 0, 1, 0, 0, 1, 0, 0], true).await.unwrap();
    assert_eq!(c.image_info(new_img).await.unwrap().meta.perms.octal(), 0o644);

    c.template_delete(copy, true).await.unwrap();
    wait::image_gone(&c, new_img).await;
    assert!(c.image_info(img).await.is_ok(), "the original template's image stays");
    assert_eq!(code(c.template_info(copy, false).await), 0x400);

    // A persistent instantiation uses a private copy of the template and of its images.
    let vm = c.template_instantiate(id, "mine", true, "", true).await.unwrap();
    let v = c.vm_info(vm).await.unwrap();
    let copy_id: i32 = v.template.get("TEMPLATE_ID").unwrap().parse().unwrap();
    assert_ne!(copy_id, id);
    assert_eq!(c.template_info(copy_id, false).await.unwrap().meta.name, "mine");
    let pimg = c
        .imagepool_info(-2, -1, -1)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.meta.name == "mine-disk-0")
        .unwrap();
    assert!(pimg.persistent);
}

#[tokio::test]
async fn vms_wait_in_cloning_for_their_images() {
    let oned = Oned::start();
    let c = oned.client();
    wait::monitored_datastore(&c, 1).await;
    let slow =
        c.image_allocate("NAME = slow\nPATH = /srv/slow\nDUMMY_DELAY_MS = 3000", 1, false).await.unwrap();
    let t = c
        .template_allocate(&format!("NAME = t\nCPU = 0.1\nMEMORY = 64\nDISK = [ IMAGE_ID = {slow} ]"))
        .await
        .unwrap();
    let vm = c.template_instantiate(t, "", false, "", false).await.unwrap();
    assert_eq!(c.vm_info(vm).await.unwrap().state, VmState::Cloning, "the image is still being copied");
    assert_eq!(c.image_info(slow).await.unwrap().state, ImageState::LockedUsed);
    wait::vm(&c, vm, VmState::Pending, None).await;
    assert_eq!(c.image_info(slow).await.unwrap().state, ImageState::Used);

    let failing = c
        .image_allocate("NAME = bad\nPATH = /srv/bad\nDUMMY_DELAY_MS = 3000\nDUMMY_FAIL = COPY", 1, false)
        .await
        .unwrap();
    let t2 = c
        .template_allocate(&format!("NAME = t2\nCPU = 0.1\nMEMORY = 64\nDISK = [ IMAGE_ID = {failing} ]"))
        .await
        .unwrap();
    let vm2 = c.template_instantiate(t2, "", false, "", false).await.unwrap();
    assert_eq!(c.vm_info(vm2).await.unwrap().state, VmState::Cloning);
    wait::vm(&c, vm2, VmState::CloningFailure, None).await;
    assert_eq!(c.image_info(failing).await.unwrap().state, ImageState::Error);
    // Deleting an image a VM uses is refused.
    assert_eq!(
        message(c.image_delete(slow, false).await),
        "[one.image.delete] Cannot delete image. There are 1 VMs using it."
    );
}
