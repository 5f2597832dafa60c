//! Operations on existing images: `one.image.delete`, `enable`, `persistent`, `chtype`,
//! `chown` (which moves the DATASTORE quota usage) and the snapshot operations, with
//! OpenNebula's checks and messages. Deleting and snapshot operations need the datastore
//! driver: the image is marked (DELETE, LOCKED) in the request's transaction and a
//! [`Job::Image`] finishes the work.

use one_core::acl::Operation;
use one_core::objects::datastore::Datastore;
use one_core::objects::image::Image;
use one_core::objects::image_ops::SnapshotOp;
use one_core::states::{ImageState, ImageType};

use super::authz::{ObjAuth, authorize};
use super::image_jobs::{ImageTask, drop_image, release_cloning};
use super::images::{defaults, ds_usage, image_error};
use super::pool::{fetch, fetch_authorized};
use super::usage::{charge, refund};
use super::{ApiResult, Caller, Ctx, Object, action, internal, now};
use crate::db::{Tx, tables};
use crate::jobs::Job;

/// Runs `f` on an image the caller may MANAGE, then stores it (its PREV_STATE recorded) and
/// queues the job `f` returns.
fn with_image(
    ctx: &Ctx,
    caller: &Caller,
    id: i32,
    f: impl FnOnce(&Tx<'_>, &mut Image) -> ApiResult<Option<Job>>,
) -> ApiResult<i32> {
    let job = ctx.db.write(|tx| -> ApiResult<Option<Job>> {
        let mut image = fetch_authorized::<Image>(tx, caller, id, Operation::Manage)?;
        let job = f(tx, &mut image)?;
        image.set_prev_state();
        tx.obj_put(tables::IMAGE, &image)?;
        Ok(job)
    })?;
    if let Some(job) = job {
        ctx.jobs.push(job);
    }
    Ok(id)
}

/// Why an image cannot be deleted in its state (OpenNebula's `delete_image` checks).
fn delete_check(image: &Image) -> Result<(), String> {
    let vms = || format!("There are {} VMs using it.", image.running_vms);
    match image.state {
        ImageState::Ready if image.running_vms != 0 && image.image_type != ImageType::Backup => Err(vms()),
        ImageState::Clone => Err(format!("There are {} active clone operations.", image.cloning_ops)),
        ImageState::Used | ImageState::UsedPers | ImageState::LockedUsed | ImageState::LockedUsedPers => {
            Err(vms())
        }
        ImageState::Init
        | ImageState::Ready
        | ImageState::Disabled
        | ImageState::Error
        | ImageState::Delete
        | ImageState::Locked => Ok(()),
    }
}

/// `one.image.delete`: an image nothing uses. One without SOURCE is dropped at once; otherwise
/// it goes to DELETE and the datastore driver removes it (then the image, its quota usage and
/// its place in the datastore go). `force` deletes a locked image and ignores a driver error.
pub fn delete(ctx: &Ctx, caller: &Caller, id: i32, force: bool) -> ApiResult<i32> {
    let job = ctx.db.write(|tx| -> ApiResult<Option<Job>> {
        let mut image = fetch::<Image>(tx, id)?;
        let locked = image.meta.lock.is_some();
        if locked && !force {
            return Err(internal(
                "Image locked, use --force flag to remove the image. Force delete may leave some files on Datastore",
                id,
            ));
        }
        let op = if locked { Operation::Admin } else { Operation::Manage };
        authorize(tx, caller, Object::Image, &[(op, &ObjAuth::of(&image))])?;
        if tx.obj_get::<Datastore>(tables::DATASTORE, image.datastore_id)?.is_none() {
            return Err(action("Cannot delete image. Datastore no longer exists cannot remove image", id));
        }
        delete_check(&image).map_err(|e| action(format!("Cannot delete image. {e}"), id))?;
        let cloning_id = if image.state == ImageState::Locked { image.cloning_id } else { -1 };
        let job = if image.source.is_empty() {
            drop_image(tx, &image)?;
            None
        } else {
            if force {
                image.template.set("FORCE_DELETE", "YES");
            }
            image.set_state(ImageState::Delete, now());
            image.cloning_id = -1;
            image.set_prev_state();
            tx.obj_put(tables::IMAGE, &image)?;
            Some(Job::Image(id, ImageTask::Remove))
        };
        if cloning_id != -1 {
            release_cloning(tx, cloning_id, id)?;
        }
        tx.acl_delete_by_resource(one_core::acl::INDIVIDUAL_ID | id as u32 as u64, one_core::acl::ObjectType::Image.bit())?;
        Ok(job)
    })?;
    if let Some(job) = job {
        ctx.jobs.push(job);
    }
    Ok(id)
}

/// `one.image.enable`: READY ↔ DISABLED.
pub fn enable(ctx: &Ctx, caller: &Caller, id: i32, enable: bool) -> ApiResult<i32> {
    with_image(ctx, caller, id, |_, image| {
        image.enable(enable, now()).map_err(|e| internal(e, id))?;
        Ok(None)
    })
}

/// `one.image.persistent`.
pub fn persistent(ctx: &Ctx, caller: &Caller, id: i32, persistent: bool) -> ApiResult<i32> {
    with_image(ctx, caller, id, |tx, image| {
        if image.persistent == persistent {
            return Ok(None);
        }
        let ds = tx
            .obj_get::<Datastore>(tables::DATASTORE, image.datastore_id)?
            .ok_or_else(|| internal("Datastore no longer exists.", id))?;
        let only = ds.template.get("PERSISTENT_ONLY").is_some_and(|v| v.eq_ignore_ascii_case("YES"));
        image.set_persistent(persistent, &ds.ds_mad, only).map_err(|e| image_error(e, id))?;
        Ok(None)
    })
}

/// `one.image.chtype`.
pub fn chtype(ctx: &Ctx, caller: &Caller, id: i32, type_name: &str) -> ApiResult<i32> {
    with_image(ctx, caller, id, |tx, image| {
        let defaults = defaults(ctx, tx, caller, "DEFAULT_IMAGE_PERSISTENT_NEW")?;
        image.change_type(type_name, &defaults).map_err(|e| image_error(e, id))?;
        Ok(None)
    })
}

/// `one.image.snapshotdelete`, `snapshotrevert` and `snapshotflatten`: the image is LOCKED
/// while the datastore driver works on snapshot `snap_id`.
pub fn snapshot(ctx: &Ctx, caller: &Caller, id: i32, op: SnapshotOp, snap_id: i32) -> ApiResult<i32> {
    with_image(ctx, caller, id, |_, image| {
        image.begin_snapshot_op(op, snap_id, now()).map_err(|e| action(e, id))?;
        Ok(Some(Job::Image(id, ImageTask::Snapshot(op))))
    })
}

/// `one.image.chown`: also moves the image's DATASTORE usage to the new owner and group.
pub fn chown(ctx: &Ctx, caller: &Caller, id: i32, uid: i32, gid: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let (before, mut image) = super::pool::chown_in::<Image>(tx, caller, id, uid, gid)?;
        let (old, new) = ((before.meta.uid, before.meta.gid), (image.meta.uid, image.meta.gid));
        if old != new {
            let usage = [ds_usage(&image)];
            refund(tx, old.0, old.1, &usage)?;
            charge(tx, caller.uid, Object::Image, new.0, new.1, &usage)?;
        }
        image.set_prev_state();
        tx.obj_put(tables::IMAGE, &image)?;
        Ok(id)
    })
}
