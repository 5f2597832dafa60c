//! The VM template manager: `one.template.{allocate, info, clone, delete, chmod, instantiate}`
//! and the template parts of the generic operations. Instantiating builds the VM's template
//! (the user's extra template merged in) and creates the VM with `vm_alloc::allocate_vm`;
//! the recursive variants of clone, delete and chmod also act on the images the template's
//! disks name.

use std::collections::BTreeSet;

use one_core::acl::{ObjectType, Operation};
use one_core::objects::common::PoolObject;
use one_core::objects::image::Image;
use one_core::objects::vmtemplate::VmTemplate;
use one_core::states::VmState;
use one_core::template::{Attribute, Template, Value};

use super::authz::{ObjAuth, authorize};
use super::pool::{self, Managed, Unique, check_unique, fetch, new_meta};
use super::vm_alloc::disk_image;
use super::{ApiError, ApiResult, Caller, Ctx, Object, action, internal, now, parse_template};
use crate::db::{Tx, tables};
use crate::jobs::Job;

impl Managed for VmTemplate {
    const TABLE: &'static str = tables::TEMPLATE;
    const OBJECT: Object = Object::Template;
    const UNIQUE: Unique = Unique::PerOwner;
}

/// An error's message without OpenNebula's generic prefix (what an inner request leaves in
/// `resp_msg`).
fn bare_message(e: &ApiError) -> String {
    match e {
        ApiError::Allocate { msg, .. } => msg.clone(),
        ApiError::NoExists { .. } => String::new(),
        ApiError::Authorization { detail, .. } => detail.clone(),
        other => other.message(),
    }
}

/// Refuses restricted attributes for non-administrators, with `what` naming the template.
fn check_restricted(caller: &Caller, tmpl: &Template, what: &str) -> ApiResult<()> {
    super::restricted::check(caller, Object::Template, tmpl, super::restricted::VM, what)
}

/// `one.template.allocate`.
pub fn allocate(ctx: &Ctx, caller: &Caller, text: &str) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let tmpl = parse_template(text).map_err(|e| internal(e, -1))?;
        authorize(
            tx,
            caller,
            Object::Template,
            &[(Operation::Create, &ObjAuth::create(ObjectType::Template, caller))],
        )?;
        check_restricted(caller, &tmpl, "VM Template")?;
        store_new(ctx, tx, caller, tmpl)
    })
}

/// Stores a new template owned by the caller (NAME valid and not taken by the owner's).
fn store_new(ctx: &Ctx, tx: &Tx<'_>, caller: &Caller, tmpl: Template) -> ApiResult<i32> {
    let name = tmpl.get("NAME").unwrap_or_default().to_owned();
    super::check_name(&name, "").map_err(|e| internal(e, -1))?;
    check_unique::<VmTemplate>(tx, &name, caller.uid, None)?;
    let id = tx.next_oid(tables::TEMPLATE)?;
    let meta = new_meta(tx, ctx, caller, id, "")?;
    tx.obj_put(tables::TEMPLATE, &VmTemplate::allocate(meta, tmpl, now()))?;
    Ok(id)
}

/// A copy of `tmpl` with each DISK vector passed through `f` (with its position).
fn map_disks(
    tmpl: &Template,
    mut f: impl FnMut(usize, &mut Vec<(String, String)>) -> ApiResult<()>,
) -> ApiResult<Template> {
    let mut out = Template::new();
    let mut n = 0;
    for a in tmpl.attributes() {
        match &a.value {
            Value::Vector(pairs) if a.name == "DISK" => {
                let mut pairs = pairs.clone();
                f(n, &mut pairs)?;
                n += 1;
                out.push(Attribute::vector("DISK", pairs));
            }
            _ => out.push(a.clone()),
        }
    }
    Ok(out)
}

/// The images the template's disks name (those that resolve for the caller).
fn image_ids(tx: &Tx<'_>, tmpl: &VmTemplate, caller: &Caller) -> BTreeSet<i32> {
    tmpl.template
        .get_all("DISK")
        .filter_map(|d| d.value.as_vector())
        .filter_map(|pairs| disk_image(tx, pairs, caller).ok().flatten())
        .collect()
}

/// `one.template.clone`: a copy named `name`; `recursive` also clones the disks' images
/// (named `<name>-disk-<n>`) and points the copy's disks at them.
pub fn clone(ctx: &Ctx, caller: &Caller, id: i32, name: &str, recursive: bool) -> ApiResult<i32> {
    let (new_id, jobs) =
        ctx.db.write(|tx| clone_in(ctx, tx, caller, id, name, recursive, false, &Template::new()))?;
    jobs.into_iter().for_each(|j| ctx.jobs.push(j));
    Ok(new_id)
}

/// `one.template.clone` inside a transaction: `persistent` makes the image copies
/// persistent, `extra` is merged into the copy. Returns the copy and the image jobs.
#[allow(clippy::too_many_arguments)]
fn clone_in(
    ctx: &Ctx,
    tx: &Tx<'_>,
    caller: &Caller,
    id: i32,
    name: &str,
    recursive: bool,
    persistent: bool,
    extra: &Template,
) -> ApiResult<(i32, Vec<Job>)> {
    let source = fetch::<VmTemplate>(tx, id)?;
    let mut tmpl = source.clone_template(name);
    if !extra.is_empty() {
        check_restricted(caller, extra, "User Template")?;
        tmpl.merge(extra);
        tmpl.set("NAME", name);
    }
    authorize(
        tx,
        caller,
        Object::Template,
        &[
            (Operation::Use, &ObjAuth::of(&source)),
            (Operation::Create, &ObjAuth::create(ObjectType::Template, caller)),
        ],
    )?;
    let new_id = store_new(ctx, tx, caller, tmpl)?;
    if !recursive {
        return Ok((new_id, Vec::new()));
    }
    let mut copy = fetch::<VmTemplate>(tx, new_id)?;
    let mut jobs = Vec::new();
    copy.template = map_disks(&copy.template, |n, pairs| {
        let Some(iid) = disk_image(tx, pairs, caller).ok().flatten() else { return Ok(()) };
        let (image, job) =
            super::images::clone_in(ctx, tx, caller, iid, &format!("{name}-disk-{n}"), -1, persistent)
                .map_err(|e| action(format!("Failed to clone images: {}", bare_message(&e)), -1))?;
        pairs.retain(|(k, _)| {
            !matches!(k.as_str(), "IMAGE" | "IMAGE_UNAME" | "IMAGE_UID" | "OPENNEBULA_MANAGED")
        });
        pairs.retain(|(k, _)| k != "IMAGE_ID");
        pairs.push(("IMAGE_ID".to_owned(), image.to_string()));
        jobs.push(job);
        Ok(())
    })?;
    tx.obj_put(tables::TEMPLATE, &copy)?;
    Ok((new_id, jobs))
}

/// `one.template.delete`; `recursive` also deletes the disks' images (failures are logged, as
/// OpenNebula does).
pub fn delete(ctx: &Ctx, caller: &Caller, id: i32, recursive: bool) -> ApiResult<i32> {
    let mut images = BTreeSet::new();
    pool::delete::<VmTemplate>(
        ctx,
        caller,
        id,
        |_, _| Ok(()),
        |tx, tmpl| {
            if recursive {
                images = image_ids(tx, tmpl, caller);
            }
            Ok(())
        },
    )?;
    for iid in images {
        if let Err(e) = super::image_ops::delete(ctx, caller, iid, false) {
            tracing::warn!(
                template = id,
                "Template {id} deleted, unable to recursively delete image {iid}: {}",
                e.message()
            );
        }
    }
    Ok(id)
}

/// `one.template.chmod`; `recursive` also changes the disks' images the same way.
pub fn chmod(ctx: &Ctx, caller: &Caller, id: i32, bits: [i32; 9], recursive: bool) -> ApiResult<i32> {
    pool::chmod::<VmTemplate>(ctx, caller, id, bits)?;
    if !recursive {
        return Ok(id);
    }
    let images =
        ctx.db.read(|tx| -> ApiResult<_> { Ok(image_ids(tx, &fetch::<VmTemplate>(tx, id)?, caller)) })?;
    let failed: Vec<String> = images
        .into_iter()
        .filter(|iid| pool::chmod::<Image>(ctx, caller, *iid, bits).is_err())
        .map(|iid| iid.to_string())
        .collect();
    if failed.is_empty() {
        Ok(id)
    } else {
        Err(action(format!("Cannot chmod image: {}", failed.join(",")), id))
    }
}

/// `one.template.info`; `extended` fills the disks with their images' attributes.
pub fn info(ctx: &Ctx, caller: &Caller, id: i32, extended: bool) -> ApiResult<String> {
    if !extended {
        return pool::info::<VmTemplate>(ctx, caller, id);
    }
    ctx.db.read(|tx| {
        let mut tmpl = fetch::<VmTemplate>(tx, id)?;
        authorize(tx, caller, Object::Template, &[(Operation::Use, &ObjAuth::of(&tmpl).no_lock())])?;
        let prefix = ctx.config.default_device_prefix();
        tmpl.template = map_disks(&tmpl.template, |_, pairs| {
            if let Some(iid) = disk_image(tx, pairs, caller).ok().flatten()
                && let Some(image) = tx.obj_get::<Image>(tables::IMAGE, iid)?
            {
                image.disk_attribute(pairs, &[], &prefix);
            }
            Ok(())
        })?;
        Ok(tmpl.to_xml())
    })
}

/// What `one.template.instantiate` asks for.
#[derive(Debug, Clone, Copy)]
pub struct Instantiate<'a> {
    /// The VM's name ("": OpenNebula's default, `<template name>-<vm id>`).
    pub name: &'a str,
    /// Start the VM on HOLD.
    pub hold: bool,
    /// Template merged into the template's contents.
    pub extra: &'a str,
    /// Instantiate a private persistent copy of the template (and of its images).
    pub persistent: bool,
}

/// `one.template.instantiate`: a new VM from template `id`; returns the VM's ID.
pub fn instantiate(ctx: &Ctx, caller: &Caller, id: i32, req: Instantiate<'_>) -> ApiResult<i32> {
    let (vid, pending, jobs) = ctx.db.write(|tx| {
        let source = fetch::<VmTemplate>(tx, id)?;
        if source.is_vrouter() {
            return Err(action("Virtual router templates cannot be instantiated", id));
        }
        let mut jobs = Vec::new();
        let (tid, extra) = if req.persistent {
            let name =
                if req.name.is_empty() { format!("{}-copy", source.meta.name) } else { req.name.to_owned() };
            let extra = parse_template(req.extra).map_err(|e| internal(e, id))?;
            let (copy, image_jobs) = clone_in(ctx, tx, caller, id, &name, true, true, &extra)?;
            jobs = image_jobs;
            (copy, format!("CLONING_TEMPLATE_ID={id}\n"))
        } else {
            (id, req.extra.to_owned())
        };
        let tmpl = fetch::<VmTemplate>(tx, tid)?;
        let extra_tmpl = parse_template(&extra).map_err(|e| internal(e, tid))?;
        check_restricted(caller, &extra_tmpl, "User Template")?;
        let vm_tmpl = tmpl.instantiate_template(&extra_tmpl, req.name);
        let create = ObjAuth::create(ObjectType::Template, caller);
        let used = ObjAuth::of(&tmpl);
        let mut checks = vec![(Operation::Use, &used)];
        if !extra.is_empty() {
            checks.push((Operation::Create, &create));
        }
        authorize(tx, caller, Object::Template, &checks)?;
        let vm = super::vm_alloc::allocate_vm(ctx, tx, caller, &vm_tmpl, req.hold).map_err(|e| match e {
            ApiError::Allocate { msg, .. } => ApiError::Allocate { object: Object::Template, msg },
            other => other,
        })?;
        Ok((vm.meta.id, vm.state == VmState::Pending, jobs))
    })?;
    jobs.into_iter().for_each(|j| ctx.jobs.push(j));
    if pending {
        ctx.schedule_pending();
    }
    Ok(vid)
}

/// `one.templatepool.info`.
pub fn pool_info(ctx: &Ctx, caller: &Caller, flag: i32, start: i32, end: i32) -> ApiResult<super::Doc> {
    pool::pool_info::<VmTemplate>(ctx, caller, flag, start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disks_are_rewritten_in_place_and_counted() {
        let t =
            Template::parse("CPU=1\nDISK=[IMAGE_ID=3]\nNIC=[NETWORK_ID=0]\nDISK=[SIZE=10,TYPE=fs]").unwrap();
        let mut seen = Vec::new();
        let out = map_disks(&t, |n, pairs| {
            seen.push(n);
            pairs.push(("N".to_owned(), n.to_string()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![0, 1]);
        let disks: Vec<_> = out.get_all("DISK").filter_map(|d| d.value.as_vector()).collect();
        assert_eq!(disks[1].last().unwrap(), &("N".to_owned(), "1".to_owned()));
        assert_eq!(out.get("CPU"), Some("1"));
        assert_eq!(out.get_all("NIC").count(), 1);
    }

    #[test]
    fn inner_errors_lose_their_generic_prefix() {
        let e = ApiError::Allocate { object: Object::Image, msg: "NAME is already taken by IMAGE 1.".into() };
        assert_eq!(bare_message(&e), "NAME is already taken by IMAGE 1.");
        assert_eq!(bare_message(&ApiError::NoExists { object: Object::Image, id: 3 }), "");
    }
}
