//! Tests of the image life cycle: allocation rules and messages, use by VMs, clones, enable,
//! persistency, type changes and snapshot operations.

use super::*;
use crate::objects::common::Meta;
use crate::objects::image::tests::sample;
use crate::objects::image_alloc::*;
use crate::objects::image_snapshots::OrphansMode;
use crate::perms::Permissions;
use crate::states::{DatastoreType, DiskType};
use crate::template::Template;

fn image_ds() -> TargetDatastore {
    TargetDatastore {
        id: 1,
        name: "default".into(),
        ds_type: DatastoreType::Image,
        disk_type: DiskType::File,
        driver: String::new(),
        persistent_only: false,
    }
}

fn owner() -> Meta {
    Meta::oneadmin(5, "", Permissions::from_octal(0o600))
}

fn alloc(text: &str, ds: &TargetDatastore) -> Result<Image, ImageError> {
    let tmpl = Template::parse(text).unwrap();
    let size = match image_size(&tmpl, &ImageDefaults::default()) {
        Ok(ImageSize::Known(s)) => s,
        Ok(ImageSize::Stat(_)) => "100".into(),
        Err(m) => return Err(err(ErrorCode::Internal, m)),
    };
    Image::allocate(owner(), tmpl, ds, &ImageDefaults::default(), &size, None, 10)
}

fn message(r: Result<Image, ImageError>) -> String {
    r.unwrap_err().message
}

#[test]
fn allocating_a_datablock() {
    let img = alloc("NAME=data\nTYPE=datablock\nSIZE=1024\nPERSISTENT=yes\nTM_MAD=x", &image_ds()).unwrap();
    assert_eq!(img.meta.name, "data");
    assert_eq!(img.image_type, ImageType::Datablock);
    assert!(img.persistent);
    assert_eq!((img.size_mb, img.format.as_str(), img.state), (1024, "raw", ImageState::Locked));
    assert_eq!(img.template.get("DEV_PREFIX"), Some("sd"));
    for gone in ["NAME", "TYPE", "SIZE", "PERSISTENT", "TM_MAD", "PATH", "FORMAT"] {
        assert_eq!(img.template.get(gone), None, "{gone}");
    }
    let mut ds = image_ds();
    ds.driver = "qcow2".into();
    let img = alloc("NAME=d\nTYPE=DATABLOCK\nSIZE=5", &ds).unwrap();
    assert_eq!((img.format.as_str(), img.template.get("DRIVER")), ("qcow2", Some("qcow2")));
}

#[test]
fn allocating_from_a_path_or_a_source() {
    let img = alloc("NAME=os\nPATH=/tmp/x.qcow2\nFORMAT=qcow2\nDEV_PREFIX=vd", &image_ds()).unwrap();
    assert_eq!((img.path.as_str(), img.format.as_str(), img.size_mb), ("/tmp/x.qcow2", "", 100));
    assert_eq!(img.template.get("DEV_PREFIX"), Some("vd"));
    assert!(!img.persistent);
    let img = alloc("NAME=s\nSOURCE=/a\nFORMAT=raw\nSIZE=7", &image_ds()).unwrap();
    assert_eq!((img.source.as_str(), img.format.as_str()), ("/a", "raw"));
    assert_eq!(message(alloc("NAME=s\nSOURCE=/a\nSIZE=7", &image_ds())), "SOURCE needs FORMAT to be set.");
    let both = Template::parse("NAME=s\nSOURCE=/a\nPATH=/b").unwrap();
    let r = Image::allocate(owner(), both, &image_ds(), &ImageDefaults::default(), "1", None, 0);
    assert_eq!(message(r), "PATH and SOURCE cannot be both set.");
}

#[test]
fn allocation_refusals() {
    let size = |t: &str| image_size(&Template::parse(t).unwrap(), &ImageDefaults::default());
    assert_eq!(
        size("NAME=x\nTYPE=DATABLOCK").unwrap_err(),
        "Cannot parse image SIZE: Wrong number or missing SIZE attribute."
    );
    assert_eq!(
        size("NAME=x\nTYPE=CDROM").unwrap_err(),
        "Cannot parse image SIZE: Either PATH or SOURCE are required for CDROM"
    );
    assert_eq!(
        size("NAME=x\nTYPE=FILESYSTEM").unwrap_err(),
        "Cannot parse image SIZE: Missing PATH attribute."
    );
    assert_eq!(size("NAME=x\nPATH=/p").unwrap(), ImageSize::Stat("/p".into()));
    let mut files = image_ds();
    files.ds_type = DatastoreType::File;
    assert_eq!(
        message(alloc("NAME=x\nSIZE=1", &files)),
        "Only IMAGES of type KERNEL, RAMDISK and CONTEXT can be registered in a FILE_DS datastore"
    );
    assert_eq!(
        message(alloc("NAME=k\nTYPE=KERNEL\nPATH=/vmlinuz", &image_ds())),
        "IMAGES of type KERNEL, RAMDISK and CONTEXT cannot be registered in an IMAGE_DS datastore"
    );
    let k = alloc("NAME=k\nTYPE=KERNEL\nPATH=/vmlinuz\nDEV_PREFIX=hd\nPERSISTENT=YES", &files).unwrap();
    assert!(!k.persistent && k.template.get("DEV_PREFIX").is_none());
    assert_eq!(message(alloc("NAME=x\nTYPE=FOO\nSIZE=1", &image_ds())), "Unknown type ");
    let mut only = image_ds();
    only.persistent_only = true;
    let e = alloc("NAME=x\nSIZE=1", &only).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::Allocate, "This Datastore only accepts persistent images.")
    );
    let t = Template::parse("NAME=c\nTYPE=CDROM").unwrap();
    let r = Image::allocate(owner(), t, &image_ds(), &ImageDefaults::default(), "1", None, 0);
    assert_eq!(message(r), "No PATH nor SOURCE in template.");
}

#[test]
fn default_persistency_and_backups() {
    let defaults = ImageDefaults { persistent_new: Some("YES".into()), ..ImageDefaults::default() };
    let t = Template::parse("NAME=x\nSIZE=1").unwrap();
    assert!(Image::allocate(owner(), t.clone(), &image_ds(), &defaults, "1", None, 0).unwrap().persistent);
    let t = Template::parse("NAME=x\nSIZE=1\nPERSISTENT=no\nPERSISTENT_TYPE=shareable").unwrap();
    let img = Image::allocate(owner(), t, &image_ds(), &defaults, "1", None, 0).unwrap();
    assert!(!img.persistent && img.template.get("PERSISTENT_TYPE").is_none());
    let mut backups = image_ds();
    backups.ds_type = DatastoreType::Backup;
    let t = Template::parse("NAME=b\nTYPE=BACKUP\nSOURCE=s\nFORMAT=raw\nVM_ID=4").unwrap();
    let b = Image::allocate(owner(), t, &backups, &defaults, "1", None, 0).unwrap();
    assert_eq!((b.state, b.running_vms, b.persistent), (ImageState::Ready, 1, true));
    assert!(b.vms.contains(&4));
    let t = Template::parse("NAME=b\nTYPE=BACKUP\nSOURCE=s\nFORMAT=raw").unwrap();
    let r = Image::allocate(owner(), t, &backups, &defaults, "1", None, 0);
    assert_eq!(message(r), "No associated VM ID for BACKUP image.");
}

#[test]
fn persistent_images_serve_one_vm() {
    let mut img = sample();
    img.persistent = true;
    img.meta.lock = Some(Lock { level: 1, owner: 0, time: 0, req_id: -1 });
    img.acquire(10, false, 1).unwrap();
    assert_eq!((img.state, img.running_vms), (ImageState::UsedPers, 1));
    assert_eq!(img.meta.lock, None, "a state change clears the lock, as in OpenNebula");
    assert_eq!(
        img.acquire(11, false, 1).unwrap_err(),
        "Cannot acquire image 3, it is persistent and already in use"
    );
    img.template.set("PERSISTENT_TYPE", "shareable");
    img.acquire(11, false, 1).unwrap();
    assert_eq!(img.running_vms, 2);
    assert!(img.release(10, false, 50));
    assert_eq!((img.state, img.modtime), (ImageState::UsedPers, 50));
    assert!(img.release(11, false, 60));
    assert_eq!((img.state, img.running_vms), (ImageState::Ready, 0));
    assert!(!img.release(11, false, 70), "READY images are not released");
}

#[test]
fn non_persistent_images_count_their_vms() {
    let mut img = sample();
    img.acquire(1, false, 0).unwrap();
    img.acquire(2, false, 0).unwrap();
    img.acquire(2, false, 0).unwrap();
    assert_eq!((img.state, img.running_vms), (ImageState::Used, 2));
    img.release(1, false, 0);
    assert_eq!(img.state, ImageState::Used);
    img.release(2, false, 0);
    assert_eq!(img.state, ImageState::Ready);
    img.state = ImageState::Locked;
    assert_eq!(img.acquire(3, true, 0).unwrap_err(), "Cannot acquire image 3, it is locked");
    img.acquire(3, false, 0).unwrap();
    assert_eq!(img.state, ImageState::LockedUsed);
    img.set_state_unlock(0);
    assert_eq!(img.state, ImageState::Used);
    img.state = ImageState::Disabled;
    assert_eq!(img.acquire(4, false, 0).unwrap_err(), "Cannot acquire image 3, it is in state: DISABLED");
    img.image_type = ImageType::Kernel;
    assert_eq!(
        img.acquire(4, false, 0).unwrap_err(),
        "Image 3 (ubuntu) of type KERNEL cannot be used as DISK."
    );
}

#[test]
fn a_failed_persistent_release_is_an_error() {
    let mut img = sample();
    img.persistent = true;
    img.acquire(1, false, 0).unwrap();
    img.release(1, true, 0);
    assert_eq!(img.state, ImageState::Error);
    img.enable(true, 0).unwrap();
    assert_eq!(img.state, ImageState::Ready);
}

#[test]
fn clones_hold_the_image() {
    let mut img = sample();
    img.can_clone().unwrap();
    img.start_clone(false, 20, 0).unwrap();
    assert_eq!((img.state, img.cloning_ops), (ImageState::Used, 1));
    img.acquire(1, false, 0).unwrap();
    img.release(1, false, 0);
    assert_eq!(img.state, ImageState::Used, "still cloning");
    assert!(img.end_clone(false, 20, 0));
    assert_eq!((img.state, img.cloning_ops), (ImageState::Ready, 0));
    img.persistent = true;
    img.start_clone(true, 3, 0).unwrap();
    assert_eq!(img.state, ImageState::Clone);
    img.state = ImageState::Disabled;
    assert_eq!(img.can_clone().unwrap_err(), "Cannot clone image in state: DISABLED");
}

#[test]
fn enable_and_disable() {
    let mut img = sample();
    img.enable(false, 0).unwrap();
    assert_eq!(img.state, ImageState::Disabled);
    img.enable(false, 0).unwrap();
    img.enable(true, 0).unwrap();
    assert_eq!(img.state, ImageState::Ready);
    img.state = ImageState::UsedPers;
    assert_eq!(img.enable(false, 0).unwrap_err(), "Could not disable image: Image cannot be in state USED.");
    img.image_type = ImageType::Backup;
    assert_eq!(
        img.enable(true, 0).unwrap_err(),
        "Could not enable image: Backup images cannot be enabled or disabled."
    );
}

#[test]
fn persistency_changes() {
    let mut img = sample();
    img.set_persistent(true, "fs", false).unwrap();
    assert!(img.persistent);
    img.set_persistent(true, "lvm", false).unwrap();
    let e = img.set_persistent(false, "fs", true).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::Internal, "This Datastore only accepts persistent images.")
    );
    assert_eq!(
        img.set_persistent(false, "LVM", false).unwrap_err().message,
        "lvm datastores doesn't support change of image persistency."
    );
    img.state = ImageState::UsedPers;
    assert_eq!(
        img.set_persistent(false, "fs", false).unwrap_err().message,
        "Could not make image non-persistent: Image cannot be in state USED."
    );
    img.state = ImageState::Ready;
    img.snapshots.create("", 1, 0);
    assert_eq!(
        img.set_persistent(false, "fs", false).unwrap_err().message,
        "Could not make image non-persistent: Image has snapshots."
    );
    img.image_type = ImageType::Context;
    let e = img.set_persistent(false, "fs", false).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::Action, "KERNEL, RAMDISK and CONTEXT must be non-persistent")
    );
}

#[test]
fn type_changes() {
    let d = ImageDefaults::default();
    let mut img = sample();
    img.change_type("cdrom", &d).unwrap();
    assert_eq!(img.image_type, ImageType::Cdrom);
    let e = img.change_type("KERNEL", &d).unwrap_err();
    assert_eq!(e.code, ErrorCode::Action);
    assert_eq!(e.message, "Cannot change image type to an incompatible type for the current datastore.");
    assert_eq!(img.change_type("FOO", &d).unwrap_err().message, "nknown type ", "C pointer arithmetic");
    img.change_type("", &d).unwrap();
    assert_eq!(img.image_type, ImageType::Os);
    img.snapshots.create("", 1, 0);
    assert_eq!(
        img.change_type("CDROM", &d).unwrap_err().message,
        "Image with snapshots can be only of type OS or DATABLOCK"
    );
    img.image_type = ImageType::Filesystem;
    assert_eq!(img.change_type("OS", &d).unwrap_err().message, "Cannot change type forFILESYSTEM images.");
}

#[test]
fn snapshot_operations() {
    let mut img = sample();
    for _ in 0..3 {
        let id = img.snapshots.create("", 30, 0).unwrap();
        img.snapshots.activate(id, false).unwrap();
    }
    img.state = ImageState::Used;
    assert_eq!(
        img.begin_snapshot_op(SnapshotOp::Delete, 0, 0).unwrap_err(),
        "Cannot delete snapshot in state USED"
    );
    img.state = ImageState::Ready;
    assert_eq!(
        img.begin_snapshot_op(SnapshotOp::Delete, 2, 0).unwrap_err(),
        "Cannot delete the active snapshot"
    );
    assert_eq!(img.begin_snapshot_op(SnapshotOp::Revert, 9, 0).unwrap_err(), "Snapshot does not exist");
    img.begin_snapshot_op(SnapshotOp::Revert, 0, 0).unwrap();
    assert_eq!((img.state, img.target_snapshot), (ImageState::Locked, 0));
    assert_eq!(img.end_snapshot_op(SnapshotOp::Revert, true, 0), -70);
    assert_eq!((img.state, img.target_snapshot, img.size_mb), (ImageState::Ready, -1, 30));
    assert_eq!(img.snapshots.active_id(), 0);
    img.begin_snapshot_op(SnapshotOp::Flatten, 1, 0).unwrap();
    assert_eq!(img.end_snapshot_op(SnapshotOp::Flatten, true, 0), -90);
    assert!(img.snapshots.list.is_empty() && img.snapshots.allow_orphans.is_none());
    let mut linear = sample();
    linear.snapshots = crate::objects::image_snapshots::Snapshots::new(OrphansMode::Linear);
    for _ in 0..3 {
        linear.snapshots.create("", 10, 0);
    }
    linear.begin_snapshot_op(SnapshotOp::Revert, 0, 0).unwrap();
    assert_eq!(linear.end_snapshot_op(SnapshotOp::Revert, true, 0), -90 - 20);
    assert_eq!(linear.snapshots.list.len(), 1);
    linear.image_type = ImageType::Cdrom;
    assert!(
        linear.begin_snapshot_op(SnapshotOp::Delete, 0, 0).unwrap_err().starts_with("IMAGES of type KERNEL")
    );
}

#[test]
fn clone_template_carries_the_image() {
    let mut img = sample();
    img.persistent = true;
    let t = img.clone_template("copy");
    assert_eq!(t.get("NAME"), Some("copy"));
    assert_eq!(t.get("PATH"), Some("/var/lib/one//datastores/1/0f3c"));
    assert_eq!((t.get("TYPE"), t.get("SIZE"), t.get("PERSISTENT")), (Some("OS"), Some("100"), Some("YES")));
}

#[test]
fn locked_images_get_oneds_lock() {
    let mut img = sample();
    img.state = ImageState::Locked;
    img.set_state(ImageState::Locked, 77);
    assert_eq!(img.meta.lock, Some(Lock { level: 1, owner: -1, time: 77, req_id: -1 }));
    img.set_state(ImageState::Ready, 78);
    assert_eq!(img.meta.lock, None);
    assert_eq!(state_str(ImageState::LockedUsedPers), "LOCKED_USED");
}
