//! The image manager: `one.image.allocate` and `one.image.clone` (this file), the other image
//! operations (`image_ops.rs`) and the datastore driver work they start (`image_jobs.rs`).
//!
//! A new image is stored LOCKED, in its datastore's IMAGES list and charged to the owner's
//! DATASTORE quota, all in the request's transaction; the copy runs off the request path as a
//! [`Job::Image`], which makes the image READY (or ERROR) when the driver answers.

use one_core::acl::{ObjectType, Operation};
use one_core::error::ErrorCode;
use one_core::objects::datastore::Datastore;
use one_core::objects::image::Image;
use one_core::objects::image_alloc::{ImageDefaults, ImageSize, TargetDatastore, image_size};
use one_core::objects::image_ops::ImageError;
use one_core::objects::quotas::QuotaKind;
use one_core::states::{DatastoreType, ImageState, ImageType};
use one_core::template::Template;

use super::authz::{ObjAuth, authorize};
use super::image_jobs::ImageTask;
use super::pool::{Managed, Unique, fetch, new_meta};
use super::usage::{Usage, charge};
use super::{ApiError, ApiResult, Caller, Ctx, Object, action, internal, now, parse_template};
use crate::db::{Tx, tables};
use crate::jobs::Job;

impl Managed for Image {
    const TABLE: &'static str = tables::IMAGE;
    const OBJECT: Object = Object::Image;
    const UNIQUE: Unique = Unique::PerOwner;
    const RESTRICTED: &'static [&'static str] = super::restricted::IMAGE;
}

/// The size OpenNebula's datastore drivers report for a PATH when asked to STAT it: ours have
/// no STAT action, so a PATH image is sized by its template's SIZE, else this (what the
/// `dummy` driver answers).
pub const STAT_DEFAULT_MB: i64 = 1024;

/// An [`ImageError`] as an API error with the same code.
pub fn image_error(e: ImageError, id: i32) -> ApiError {
    match e.code {
        ErrorCode::Allocate => ApiError::Allocate { object: Object::Image, msg: e.message },
        ErrorCode::Action => action(e.message, id),
        ErrorCode::XmlRpcApi => super::api(e.message, id),
        _ => internal(e.message, id),
    }
}

/// An ALLOCATE error about an image.
pub fn allocate_error(msg: impl Into<String>) -> ApiError {
    ApiError::Allocate { object: Object::Image, msg: msg.into() }
}

/// A configuration value OpenNebula looks up in the user's, then the group's `OPENNEBULA`
/// template vector (`DEFAULT_IMAGE_PERSISTENT`, `DEFAULT_IMAGE_PERSISTENT_NEW`); oned.conf
/// sets neither by default.
pub fn user_setting(tx: &Tx<'_>, uid: i32, gid: i32, name: &str) -> ApiResult<Option<String>> {
    let lookup = |t: &Template| {
        t.vector("OPENNEBULA").and_then(|v| v.iter().find(|(k, _)| k == name)).map(|(_, v)| v.clone())
    };
    if let Some(v) = tx.user_fetch(uid)?.and_then(|u| lookup(&u.template)) {
        return Ok(Some(v));
    }
    Ok(tx.group_fetch(gid)?.and_then(|g| lookup(&g.template)))
}

/// The settings image allocation reads (`persistent_name`: which persistency default).
pub fn defaults(ctx: &Ctx, tx: &Tx<'_>, caller: &Caller, persistent_name: &str) -> ApiResult<ImageDefaults> {
    Ok(ImageDefaults {
        default_type: "OS".to_owned(),
        dev_prefix: ctx.config.default_device_prefix(),
        persistent_new: user_setting(tx, caller.uid, caller.gid, persistent_name)?,
    })
}

/// What image allocation needs to know about the target datastore.
pub fn target(ds: &Datastore) -> TargetDatastore {
    let driver = ds.template.get("DRIVER").unwrap_or_default().to_owned();
    TargetDatastore {
        id: ds.meta.id,
        name: ds.meta.name.clone(),
        ds_type: ds.ds_type,
        disk_type: ds.disk_type,
        driver,
        persistent_only: ds.template.get("PERSISTENT_ONLY").is_some_and(|v| v.eq_ignore_ascii_case("YES")),
    }
}

/// The datastore usage of an image (IMAGES 1, SIZE with its snapshots).
pub fn ds_usage(image: &Image) -> Usage {
    let size = image.size_mb + image.snapshots.total_size();
    Usage::of(QuotaKind::Datastore, image.datastore_id, vec![("IMAGES", 1.0), ("SIZE", size as f64)])
}

/// Adds (or removes) an image in its datastore's IMAGES list.
pub fn datastore_list(tx: &Tx<'_>, ds_id: i32, image_id: i32, add: bool) -> ApiResult<()> {
    if let Some(mut ds) = tx.obj_get::<Datastore>(tables::DATASTORE, ds_id)? {
        ds.images.retain(|i| *i != image_id);
        if add {
            ds.images.push(image_id);
            ds.images.sort_unstable();
        }
        tx.obj_put(tables::DATASTORE, &ds)?;
    }
    Ok(())
}

/// `one.image.allocate`: a new image in datastore `ds_id`; `skip_capacity` (administrators
/// only) skips the free space check.
pub fn allocate(ctx: &Ctx, caller: &Caller, text: &str, ds_id: i32, skip_capacity: bool) -> ApiResult<i32> {
    let (id, job) = ctx.db.write(|tx| {
        let mut tmpl = parse_template(text).map_err(|e| internal(e, -1))?;
        let ds = fetch::<Datastore>(tx, ds_id)?;
        if matches!(ds.ds_type, DatastoreType::System | DatastoreType::Backup) {
            return Err(allocate_error("New images can only be allocated in a files or image datastore."));
        }
        let check = ds.capacity_check(true) && !(skip_capacity && caller.is_admin());
        let defaults = defaults(ctx, tx, caller, "DEFAULT_IMAGE_PERSISTENT_NEW")?;
        let size = match image_size(&tmpl, &defaults).map_err(|e| internal(e, -1))? {
            ImageSize::Known(text) => text,
            ImageSize::Stat(_) => tmpl
                .get("SIZE")
                .filter(|s| s.trim().parse::<i64>().is_ok_and(|n| n >= 0))
                .map_or_else(|| STAT_DEFAULT_MB.to_string(), |s| s.trim().to_owned()),
        };
        let size_mb: i64 =
            size.trim().parse().map_err(|_| internal(format!("Cannot parse image SIZE: {size}"), -1))?;
        if check && size_mb > ds.available_mb() {
            return Err(action("Not enough space in datastore", -1));
        }
        tmpl.set("SIZE", size.as_str());
        super::restricted::check(caller, Object::Image, &tmpl, super::restricted::IMAGE, "Template")?;
        authorize(
            tx,
            caller,
            Object::Image,
            &[
                (Operation::Create, &ObjAuth::create(ObjectType::Image, caller)),
                (Operation::Use, &ObjAuth::of(&ds)),
            ],
        )?;
        charge(tx, caller.uid, Object::Image, caller.uid, caller.gid, &[new_usage(ds_id, size_mb)])?;
        super::check_name(tmpl.get("NAME").unwrap_or_default(), "").map_err(allocate_error)?;
        let id = tx.next_oid(tables::IMAGE)?;
        let meta = new_meta(tx, ctx, caller, id, "")?;
        let mut image = Image::allocate(meta, tmpl, &target(&ds), &defaults, &size, None, now())
            .map_err(|e| image_error(e, id))?;
        check_taken(tx, &image)?;
        // A SOURCE given in the template needs no copy (nor does a BACKUP image).
        let job = if image.state == ImageState::Locked && image.path.is_empty() && !image.source.is_empty() {
            image.set_state_unlock(now());
            None
        } else if image.state == ImageState::Locked {
            Some(Job::Image(id, ImageTask::Register))
        } else {
            None
        };
        image.set_prev_state();
        tx.obj_put(tables::IMAGE, &image)?;
        datastore_list(tx, ds_id, id, true)?;
        Ok((id, job))
    })?;
    if let Some(job) = job {
        ctx.jobs.push(job);
    }
    Ok(id)
}

/// The usage a new image of `size_mb` charges to the DATASTORE quota.
pub fn new_usage(ds_id: i32, size_mb: i64) -> Usage {
    Usage::of(QuotaKind::Datastore, ds_id, vec![("IMAGES", 1.0), ("SIZE", size_mb as f64)])
}

/// A new image's name must not be taken by another image of the owner.
pub fn check_taken(tx: &Tx<'_>, image: &Image) -> ApiResult<()> {
    if let Some(other) = tx.obj_id_by_name(tables::IMAGE, &image.meta.name, Some(image.meta.uid))? {
        return Err(allocate_error(format!("NAME is already taken by IMAGE {other}.")));
    }
    Ok(())
}

/// `one.image.clone`: a copy of image `id` named `name` in datastore `ds_id` (-1: the same).
pub fn clone(ctx: &Ctx, caller: &Caller, id: i32, name: &str, ds_id: i32) -> ApiResult<i32> {
    let (new_id, job) = ctx.db.write(|tx| clone_in(ctx, tx, caller, id, name, ds_id, false))?;
    ctx.jobs.push(job);
    Ok(new_id)
}

/// `one.image.clone` inside a transaction (also used by `one.template.clone` with
/// `persistent`); returns the new image and the copy job to queue once committed.
pub fn clone_in(
    ctx: &Ctx,
    tx: &Tx<'_>,
    caller: &Caller,
    id: i32,
    name: &str,
    ds_id: i32,
    persistent: bool,
) -> ApiResult<(i32, Job)> {
    let mut source = fetch::<Image>(tx, id)?;
    if !matches!(source.image_type, ImageType::Os | ImageType::Datablock | ImageType::Cdrom) {
        return Err(action(format!("{} images cannot be cloned.", source.image_type.name()), -1));
    }
    if !source.snapshots.list.is_empty() {
        return Err(action("Cannot clone images with snapshots", -1));
    }
    let mut tmpl = source.clone_template(name);
    let mut defaults = defaults(ctx, tx, caller, "DEFAULT_IMAGE_PERSISTENT")?;
    if persistent {
        tmpl.set("PERSISTENT", "YES");
    } else if let Some(configured) = defaults.persistent_new.as_deref().filter(|v| !v.is_empty()) {
        // Not a new image: the configured default wins over the source's persistency.
        let yes = configured.eq_ignore_ascii_case("YES");
        tmpl.set("PERSISTENT", if yes { "YES" } else { "NO" });
    }
    defaults.persistent_new = None;
    let ds_id = if ds_id == -1 { source.datastore_id } else { ds_id };
    let ds = fetch::<Datastore>(tx, ds_id)?;
    let wrong_ds = || action("Clone only supported for IMAGE_DS Datastores", -1);
    if ds.ds_type != DatastoreType::Image {
        return Err(wrong_ds());
    }
    let orig = if ds_id == source.datastore_id {
        None
    } else {
        let orig = fetch::<Datastore>(tx, source.datastore_id)?;
        if orig.ds_type != DatastoreType::Image {
            return Err(wrong_ds());
        }
        if orig.ds_mad != ds.ds_mad {
            return Err(action("Clone only supported to same DS_MAD Datastores", -1));
        }
        Some(orig)
    };
    if ds.capacity_check(true) && source.size_mb > ds.available_mb() {
        return Err(action("Not enough space in datastore", -1));
    }
    let create = ObjAuth::create(ObjectType::Image, caller);
    let (src_auth, ds_auth) = (ObjAuth::of(&source), ObjAuth::of(&ds));
    let mut checks =
        vec![(Operation::Create, &create), (Operation::Use, &src_auth), (Operation::Use, &ds_auth)];
    let orig_auth = orig.as_ref().map(ObjAuth::of);
    if let Some(o) = &orig_auth {
        checks.push((Operation::Use, o));
    }
    authorize(tx, caller, Object::Image, &checks)?;
    charge(tx, caller.uid, Object::Image, caller.uid, caller.gid, &[new_usage(ds_id, source.size_mb)])?;
    super::check_name(name, "").map_err(allocate_error)?;
    let new_id = tx.next_oid(tables::IMAGE)?;
    let meta = new_meta(tx, ctx, caller, new_id, "")?;
    let size = source.size_mb.to_string();
    let now = now();
    let mut image = Image::allocate(meta, tmpl, &target(&ds), &defaults, &size, Some(id), now)
        .map_err(|e| image_error(e, new_id))?;
    check_taken(tx, &image)?;
    source.can_clone().map_err(allocate_error)?;
    source.start_clone(false, new_id, now).map_err(allocate_error)?;
    source.set_prev_state();
    tx.obj_put(tables::IMAGE, &source)?;
    image.set_prev_state();
    tx.obj_put(tables::IMAGE, &image)?;
    datastore_list(tx, ds_id, new_id, true)?;
    Ok((new_id, Job::Image(new_id, ImageTask::Clone)))
}
