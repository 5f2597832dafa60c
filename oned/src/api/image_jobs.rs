//! The datastore driver work of images, off the request path: copying a new image in
//! (`cp` / `mkfs`), cloning one, removing one and snapshot operations. Each job reads the
//! image and its datastore, calls the datastore's DS driver (blocking, outside any
//! transaction), then records the outcome in one transaction as OpenNebula's image manager
//! does: READY with the driver's SOURCE and FORMAT, or ERROR with the message in the
//! template's ERROR attribute. VMs waiting in CLONING for the image go on.

use one_core::lifecycle::Event;
use one_core::objects::datastore::Datastore;
use one_core::objects::image::Image;
use one_core::objects::image_ops::SnapshotOp;
use one_core::objects::quotas::QuotaKind;
use one_core::objects::vm::Vm;
use one_core::states::{ImageState, VmState};
use one_core::template::Template;
use one_drivers::{DriverError, DsAction, DsReply, DsRequest};

use super::images::{datastore_list, ds_usage};
use super::usage::{Usage, charge, refund};
use super::{ApiResult, Ctx, Object, now};
use crate::db::{Tx, tables};
use crate::jobs::Job;
use crate::lcm::{self, Request};
use crate::monitor::{ctime, datastore_driver, datastore_ref};

/// The driver work a job does on an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageTask {
    /// Bring a new image into its datastore: copy its PATH (`cp`) or create it empty (`mkfs`).
    Register,
    /// Copy the image it is cloned from (`clone`).
    Clone,
    /// Remove it from the datastore (`rm`), then from the pool.
    Remove,
    /// A snapshot operation on its TARGET_SNAPSHOT.
    Snapshot(SnapshotOp),
}

/// The template a driver request carries: the image's, with SIZE, FORMAT, PATH and FS.
fn request_template(image: &Image) -> Template {
    let mut t = image.template.clone();
    t.set("SIZE", image.size_mb.to_string());
    for (name, value) in [("FORMAT", &image.format), ("PATH", &image.path), ("FS", &image.fs)] {
        if !value.is_empty() {
            t.set(name, value.as_str());
        }
    }
    t
}

/// What a job reads before calling the driver.
struct Work {
    image: Image,
    ds: Datastore,
    clone_source: Option<String>,
}

/// Runs an image job: the driver, then its outcome.
pub fn run(ctx: &Ctx, id: i32, task: ImageTask) {
    let found = ctx.db.read(|tx| -> ApiResult<Option<Work>> {
        let Some(image) = tx.obj_get::<Image>(tables::IMAGE, id)? else { return Ok(None) };
        let Some(ds) = tx.obj_get::<Datastore>(tables::DATASTORE, image.datastore_id)? else {
            return Ok(None);
        };
        let clone_source = match task {
            ImageTask::Clone => tx.obj_get::<Image>(tables::IMAGE, image.cloning_id)?.map(|s| s.source),
            _ => None,
        };
        Ok(Some(Work { image, ds, clone_source }))
    });
    let work = match found {
        Ok(Some(w)) => w,
        Ok(None) => return tracing::info!(image = id, "{task:?}: the image or its datastore is gone"),
        Err(e) => return tracing::error!(image = id, "{task:?}: {}", e.message()),
    };
    let action = match task {
        ImageTask::Register if work.image.path.is_empty() => DsAction::Mkfs,
        ImageTask::Register => DsAction::Copy,
        ImageTask::Clone => DsAction::Clone,
        ImageTask::Remove => DsAction::Remove,
        ImageTask::Snapshot(SnapshotOp::Delete) => DsAction::SnapshotDelete,
        ImageTask::Snapshot(SnapshotOp::Revert) => DsAction::SnapshotRevert,
        ImageTask::Snapshot(SnapshotOp::Flatten) => DsAction::SnapshotFlatten,
    };
    let request = DsRequest {
        action,
        image_id: id,
        image_xml: one_core::objects::common::PoolObject::to_xml(&work.image),
        template: request_template(&work.image),
        datastore: datastore_ref(&work.ds),
        clone_source: work.clone_source,
        snapshot_id: work.image.target_snapshot,
    };
    let reply = datastore_driver(ctx, &work.ds).and_then(|d| d.execute(&request));
    if let Err(e) = &reply {
        tracing::warn!(image = id, "{action:?} failed: {}", e.message);
    }
    let written = ctx.db.write(|tx| finish(ctx, tx, id, task, action, &reply));
    match written {
        Ok(jobs) => jobs.into_iter().for_each(|j| ctx.jobs.push(j)),
        Err(e) => tracing::error!(image = id, "cannot record {action:?}: {}", e.message()),
    }
    ctx.jobs.push(Job::MonitorDatastore(work.ds.meta.id));
}

/// OpenNebula's driver error text: the prefix, then `: <message>` unless the message is empty
/// or starts with `-`.
fn failure(prefix: &str, e: &DriverError) -> String {
    if e.message.is_empty() || e.message.starts_with('-') {
        prefix.to_owned()
    } else {
        format!("{prefix}: {}", e.message)
    }
}

/// Records an error in an object's template as OpenNebula does: `ERROR="<time> : <message>"`.
pub fn template_error(template: &mut Template, message: &str) {
    template.remove("ERROR");
    template.set("ERROR", format!("{} : {message}", ctime(now())));
}

fn set_error(image: &mut Image, message: &str) {
    template_error(&mut image.template, message);
}

/// Applies the driver's reply; returns the VM jobs it starts.
fn finish(
    ctx: &Ctx,
    tx: &Tx<'_>,
    id: i32,
    task: ImageTask,
    action: DsAction,
    reply: &Result<DsReply, DriverError>,
) -> ApiResult<Vec<Job>> {
    let Some(mut image) = tx.obj_get::<Image>(tables::IMAGE, id)? else {
        if reply.as_ref().is_ok_and(|r| r.source.is_some()) {
            tracing::error!(image = id, "{action:?} succeeded but the image no longer exists");
        }
        return Ok(Vec::new());
    };
    let now = now();
    let was = image.state;
    match task {
        ImageTask::Register | ImageTask::Clone if image.state == ImageState::Delete => {
            tracing::info!(image = id, "ignoring the {action:?} reply: the image is being deleted");
            return Ok(Vec::new());
        }
        ImageTask::Register => registered(tx, &mut image, action, reply, now)?,
        ImageTask::Clone => {
            let cloning_id = image.cloning_id;
            match reply {
                Ok(r) => {
                    image.source = r.source.clone().unwrap_or_default();
                    if let Some(format) = r.format.as_ref().filter(|f| !f.is_empty()) {
                        image.format = format.clone();
                    }
                    image.set_state_unlock(now);
                }
                Err(e) => {
                    set_error(&mut image, &failure(&format!("Error cloning from Image {cloning_id}"), e));
                    image.set_state(ImageState::Error, now);
                }
            }
            image.cloning_id = -1;
            release_cloning(tx, cloning_id, id)?;
        }
        ImageTask::Remove => {
            let forced = image.template.get("FORCE_DELETE").is_some_and(|v| v.eq_ignore_ascii_case("YES"));
            if reply.is_ok() || forced {
                drop_image(tx, &image)?;
                return Ok(Vec::new());
            }
            set_error(
                &mut image,
                "Error removing image from datastore. Retry the operation or manually remove image source  \
                 and run the delete --force operation to completely delete the image",
            );
            image.set_state(ImageState::Error, now);
        }
        ImageTask::Snapshot(op) => {
            let delta = image.end_snapshot_op(op, reply.is_ok(), now);
            resize_usage(tx, &image, delta)?;
        }
    }
    image.set_prev_state();
    tx.obj_put(tables::IMAGE, &image)?;
    let notify = matches!(was, ImageState::LockedUsed | ImageState::LockedUsedPers) && image.state != was;
    if notify { cloning_vms(ctx, tx, &image) } else { Ok(Vec::new()) }
}

/// The reply to `cp` (SOURCE and FORMAT) or `mkfs` (SOURCE).
fn registered(
    tx: &Tx<'_>,
    image: &mut Image,
    action: DsAction,
    reply: &Result<DsReply, DriverError>,
    now: i64,
) -> ApiResult<()> {
    let prefix = if action == DsAction::Mkfs {
        "Error creating datablock"
    } else {
        "Error copying image in the datastore"
    };
    let r = match reply {
        Ok(r) => r,
        Err(e) => {
            set_error(image, &failure(prefix, e));
            image.set_state(ImageState::Error, now);
            return Ok(());
        }
    };
    let Some(source) = r.source.as_ref().filter(|s| !s.is_empty()) else {
        set_error(image, prefix);
        image.set_state(ImageState::Error, now);
        return Ok(());
    };
    image.source = source.clone();
    if action == DsAction::Copy {
        match r.format.as_ref().filter(|f| !f.is_empty()) {
            Some(f) => image.format = f.clone(),
            None => {
                set_error(image, "CP operation succeeded but image FORMAT was not returned.");
                image.set_state(ImageState::Error, now);
                return Ok(());
            }
        }
    }
    if let Some(size) = r.size_mb.filter(|s| *s > 0 && *s != image.size_mb) {
        let delta = size - image.size_mb;
        image.size_mb = size;
        resize_usage(tx, image, delta)?;
    }
    // An image a VM is saving into stays LOCKED until the VM's disk is copied in.
    if !is_saving(image) {
        image.set_state_unlock(now);
    }
    Ok(())
}

/// Whether the image is the target of a VM's disk save (`SAVE_AS_HOT`).
fn is_saving(image: &Image) -> bool {
    image.template.get("SAVE_AS_HOT").is_some_and(|v| v.eq_ignore_ascii_case("YES"))
}

/// Queues again the driver work a previous oned left unfinished (its jobs were lost with the
/// process): copies of LOCKED images, clones, and removals of images in DELETE. Images locked
/// by a snapshot operation or a VM's disk save are left to those. Returns how many.
pub fn recover_interrupted(ctx: &Ctx) -> usize {
    let found = ctx.db.read(|tx| -> ApiResult<Vec<(i32, ImageTask)>> {
        let mut tasks = Vec::new();
        let states =
            [ImageState::Locked, ImageState::LockedUsed, ImageState::LockedUsedPers, ImageState::Delete];
        for state in states {
            for id in tx.obj_ids_in_state(tables::IMAGE, state.value())? {
                let Some(image) = tx.obj_get::<Image>(tables::IMAGE, id)? else { continue };
                let task = match state {
                    ImageState::Delete => ImageTask::Remove,
                    _ if image.target_snapshot != -1 || is_saving(&image) => continue,
                    _ if image.cloning_id != -1 => ImageTask::Clone,
                    _ => ImageTask::Register,
                };
                tasks.push((id, task));
            }
        }
        Ok(tasks)
    });
    let tasks = found.unwrap_or_else(|e| {
        tracing::error!("cannot list interrupted image operations: {}", e.message());
        Vec::new()
    });
    for (id, task) in &tasks {
        tracing::info!(image = id, "resuming {task:?} interrupted by a restart");
        ctx.jobs.push(Job::Image(*id, *task));
    }
    tasks.len()
}

/// Moves the owner's DATASTORE SIZE usage by `delta_mb` (a snapshot gone, a size learned
/// from the driver). Growth beyond a limit is only logged: the space is already taken.
fn resize_usage(tx: &Tx<'_>, image: &Image, delta_mb: i64) -> ApiResult<()> {
    let (uid, gid) = (image.meta.uid, image.meta.gid);
    let usage = |mb: i64| [Usage::of(QuotaKind::Datastore, image.datastore_id, vec![("SIZE", mb as f64)])];
    if delta_mb < 0 {
        refund(tx, uid, gid, &usage(-delta_mb))?;
    } else if delta_mb > 0
        && let Err(e) = charge(tx, uid, Object::Image, uid, gid, &usage(delta_mb))
    {
        tracing::warn!(image = image.meta.id, "size quota: {}", e.message());
    }
    Ok(())
}

/// Removes an image for good: its row, its place in the datastore and its quota usage.
pub fn drop_image(tx: &Tx<'_>, image: &Image) -> ApiResult<()> {
    tx.obj_delete(tables::IMAGE, image.meta.id)?;
    datastore_list(tx, image.datastore_id, image.meta.id, false)?;
    refund(tx, image.meta.uid, image.meta.gid, &[ds_usage(image)])
}

/// A clone of image `source_id` (image `clone_id`) finished, failed or was deleted: the
/// source's clone count goes down.
pub fn release_cloning(tx: &Tx<'_>, source_id: i32, clone_id: i32) -> ApiResult<()> {
    if let Some(mut source) = tx.obj_get::<Image>(tables::IMAGE, source_id)? {
        if source.end_clone(false, clone_id, now()) {
            source.set_prev_state();
            tx.obj_put(tables::IMAGE, &source)?;
        } else {
            tracing::warn!(image = source_id, "releasing clone {clone_id} in a wrong state");
        }
    }
    Ok(())
}

/// The VMs waiting in CLONING for `image` re-examine their images (and go PENDING, stay, or
/// fail to CLONING_FAILURE).
fn cloning_vms(ctx: &Ctx, tx: &Tx<'_>, image: &Image) -> ApiResult<Vec<Job>> {
    let mut jobs = Vec::new();
    for vid in &image.vms {
        let Some(mut vm) = tx.obj_get::<Vm>(tables::VM, *vid)? else { continue };
        if !matches!(vm.state, VmState::Cloning | VmState::CloningFailure) {
            continue;
        }
        let outcome = lcm::cloning_outcome(tx, &vm)?;
        jobs.extend(lcm::apply(ctx, tx, &mut vm, &Event::Outcome(outcome), &Request::system())?);
    }
    Ok(jobs)
}
