//! `one.vm.disksaveas`: a copy of a VM's disk (or of one of its snapshots) as a new image in
//! the datastore of the disk's image. The image is created LOCKED with the VM's state change
//! in one transaction; the transfer driver copies the disk off the request path and its reply
//! makes the image READY (or ERROR) and the VM go back where it was (`lcm::ops`).

use one_core::acl::{ObjectType, Operation};
use one_core::lifecycle::{Action, Event};
use one_core::objects::datastore::Datastore;
use one_core::objects::image::Image;
use one_core::states::ImageType;
use one_core::template::Template;

use super::authz::{ObjAuth, authorize};
use super::images::{allocate_error, check_taken, datastore_list, defaults, image_error, new_usage, target};
use super::pool::{fetch, new_meta};
use super::usage::charge;
use super::vms::with_vm_then;
use super::{ApiResult, Caller, Ctx, Object, action, internal, now};
use crate::db::tables;
use crate::lcm::{self, Request};

/// What `one.vm.disksaveas` asks for.
#[derive(Debug, Clone)]
pub struct SaveAs {
    /// The disk.
    pub disk_id: i32,
    /// The new image's name.
    pub name: String,
    /// Its type (empty: the disk's image's).
    pub image_type: String,
    /// The disk snapshot to save (-1: the disk as it is).
    pub snap_id: i32,
}

/// `one.vm.disksaveas`: returns the new image's ID.
pub fn disk_saveas(ctx: &Ctx, caller: &Caller, id: i32, req: &SaveAs) -> ApiResult<i32> {
    with_vm_then(ctx, caller, id, Operation::Manage, |tx, vm| {
        let event = Event::Action(Action::DiskSaveas);
        if lcm::check(vm, &event).is_err() {
            return Err(internal("VM has to be RUNNING, POWEROFF or SUSPENDED to save disks.", id));
        }
        let cannot = |msg: &str| internal(format!("Cannot use DISK. {msg}"), id);
        let disk = vm.disk(req.disk_id).ok_or_else(|| cannot("VM disk does not exist"))?;
        let source_id = disk.image_id().ok_or_else(|| cannot("Volatile disks cannot be saved"))?;
        if disk.get("SAVE_AS_ACTIVE").is_some() {
            return Err(cannot("A disk of this VM is already being saved"));
        }
        let size = if req.snap_id < 0 {
            disk.size_mb().unwrap_or(0)
        } else {
            let snap = vm
                .snapshots
                .iter()
                .find(|s| s.disk_id == req.disk_id)
                .and_then(|s| s.get(req.snap_id))
                .ok_or_else(|| cannot(&format!("Snapshot {} does not exist", req.snap_id)))?;
            snap.size_mb
        };
        let source = fetch::<Image>(tx, source_id)?;
        if !matches!(source.image_type, ImageType::Os | ImageType::Datablock | ImageType::Cdrom) {
            return Err(action(format!("Cannot save an image of type {}", source.image_type.name()), id));
        }
        let ds = fetch::<Datastore>(tx, source.datastore_id)?;
        if ds.capacity_check(true) && size > ds.available_mb() {
            return Err(action("Not enough space in datastore", id));
        }
        let mut tmpl = Template::new();
        tmpl.set("NAME", req.name.clone());
        tmpl.set("SIZE", size.to_string());
        tmpl.set("SAVED_IMAGE_ID", source_id.to_string());
        tmpl.set("SAVED_DISK_ID", req.disk_id.to_string());
        tmpl.set("SAVED_VM_ID", id.to_string());
        tmpl.set("SAVE_AS_HOT", "YES");
        let kind = if req.image_type.is_empty() { source.image_type.name() } else { req.image_type.as_str() };
        tmpl.set("TYPE", kind);
        for key in ["TARGET", "DEV_PREFIX"] {
            if let Some(v) = source.template.get(key).filter(|v| !v.is_empty()) {
                tmpl.set(key, v);
            }
        }
        let create = ObjAuth::create(ObjectType::Image, caller);
        authorize(
            tx,
            caller,
            Object::Vm,
            &[(Operation::Create, &create), (Operation::Use, &ObjAuth::of(&ds))],
        )?;
        charge(tx, caller.uid, Object::Image, caller.uid, caller.gid, &[new_usage(ds.meta.id, size)])?;
        super::check_name(&req.name, "").map_err(allocate_error)?;
        let image_id = tx.next_oid(tables::IMAGE)?;
        let meta = new_meta(tx, ctx, caller, image_id, "")?;
        let defaults = defaults(ctx, tx, caller, "DEFAULT_IMAGE_PERSISTENT_NEW")?;
        let mut image = Image::allocate(meta, tmpl, &target(&ds), &defaults, &size.to_string(), None, now())
            .map_err(|e| image_error(e, image_id))?;
        check_taken(tx, &image)?;
        image.set_prev_state();
        tx.obj_put(tables::IMAGE, &image)?;
        datastore_list(tx, ds.meta.id, image_id, true)?;

        let mut lcm_req = Request::by(caller.uid, caller.gid);
        lcm_req.object_id = req.disk_id;
        lcm_req.snapshot_id = req.snap_id;
        lcm_req.values.set("IMAGE_ID", image_id.to_string());
        Ok((lcm::apply(ctx, tx, vm, &event, &lcm_req)?, image_id))
    })
}
