//! The VM group manager: `one.vmgroup.{allocate, update, delete, roleadd, roledelete,
//! roleupdate}` and the group parts of the generic operations (info, rename, chmod, chown,
//! lock, unlock, `one.vmgrouppool.info`), plus the two places VMs meet groups: a VM allocated
//! with `VMGROUP = [ VMGROUP_ID | VMGROUP_NAME, ROLE ]` joins the role in the allocating
//! transaction ([`authorize_vm`], [`join`]), and leaves it when it is disposed of ([`leave`]).
//!
//! As in OpenNebula, deleting a group is not refused while VMs are in it: the VMs keep their
//! `VMGROUP` attribute and leaving a group that is gone does nothing.

use one_core::acl::{ObjectType, Operation};
use one_core::objects::vm::Vm;
use one_core::objects::vmgroup::VmGroup;
use one_core::template::{Attribute, Template};

use super::authz::{ObjAuth, authorize};
use super::pool::{self, Managed, Unique, fetch_authorized, new_meta};
use super::{ApiError, ApiResult, Caller, Ctx, Doc, Object, action, check_name, internal, parse_template};
use crate::db::{Tx, tables};

impl Managed for VmGroup {
    const TABLE: &'static str = tables::VM_GROUP;
    const OBJECT: Object = Object::VmGroup;
    const UNIQUE: Unique = Unique::PerOwner;
}

/// `one.vmgroup.allocate`: NAME valid and not taken by another group of the caller, roles
/// and rules consistent (INTERNAL errors with OpenNebula's messages).
pub fn allocate(ctx: &Ctx, caller: &Caller, text: &str) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let tmpl = parse_template(text).map_err(|e| internal(e, -1))?;
        authorize(
            tx,
            caller,
            Object::VmGroup,
            &[(Operation::Create, &ObjAuth::create(ObjectType::Vmgroup, caller))],
        )?;
        let name = tmpl.get("NAME").unwrap_or_default();
        check_name(name, "").map_err(|e| internal(e, -1))?;
        if let Some(other) = tx.obj_id_by_name(tables::VM_GROUP, name, Some(caller.uid))? {
            return Err(internal(format!("NAME is already taken by VMGroup {other}."), -1));
        }
        let id = tx.next_oid(tables::VM_GROUP)?;
        let meta = new_meta(tx, ctx, caller, id, "")?;
        let group = VmGroup::allocate(meta, tmpl).map_err(|e| internal(e, -1))?;
        tx.obj_put(tables::VM_GROUP, &group)?;
        Ok(id)
    })
}

/// `one.vmgroup.update`: replaces (0) or merges (1) the template; refused while the group
/// has VMs, and the rules must hold for the roles (`Cannot update template. ...`).
pub fn update(ctx: &Ctx, caller: &Caller, id: i32, text: &str, kind: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut group = fetch_authorized::<VmGroup>(tx, caller, id, Operation::Manage)?;
        group.template = super::updated_template(&group.template, text, kind, &[], caller, id)?;
        group.check_update().map_err(|e| internal(format!("Cannot update template. {e}"), id))?;
        tx.obj_put(tables::VM_GROUP, &group)?;
        Ok(id)
    })
}

/// `one.vmgroup.delete`.
pub fn delete(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<i32> {
    pool::delete::<VmGroup>(ctx, caller, id, |_, _| Ok(()), |_, _| Ok(()))
}

/// The first attribute named ROLE of a role call's template, which must be a vector.
fn role_vector(text: &str, id: i32) -> ApiResult<Vec<(String, String)>> {
    let tmpl = parse_template(text).map_err(|e| action(e, id))?;
    tmpl.get_all("ROLE")
        .next()
        .and_then(|a| a.value.as_vector())
        .map(<[_]>::to_vec)
        .ok_or_else(|| action("No ROLE attribute in template", id))
}

/// Runs a role change on group `id` (MANAGE) and stores it; refusals are ACTION errors.
fn change_roles(
    ctx: &Ctx,
    caller: &Caller,
    id: i32,
    change: impl FnOnce(&mut VmGroup) -> ApiResult<()>,
) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut group = fetch_authorized::<VmGroup>(tx, caller, id, Operation::Manage)?;
        change(&mut group)?;
        tx.obj_put(tables::VM_GROUP, &group)?;
        Ok(id)
    })
}

/// `one.vmgroup.roleadd`: a new role from the template's ROLE vector.
pub fn role_add(ctx: &Ctx, caller: &Caller, id: i32, text: &str) -> ApiResult<i32> {
    change_roles(ctx, caller, id, |g| {
        let role = role_vector(text, id)?;
        g.add_role(&role).map(|_| ()).map_err(|e| action(e, id))
    })
}

/// `one.vmgroup.roledelete`: removes a role without VMs.
pub fn role_delete(ctx: &Ctx, caller: &Caller, id: i32, role_id: i32) -> ApiResult<i32> {
    change_roles(ctx, caller, id, |g| g.del_role(role_id).map_err(|e| action(e, id)))
}

/// `one.vmgroup.roleupdate`: merges the template's ROLE vector into a role without VMs.
pub fn role_update(ctx: &Ctx, caller: &Caller, id: i32, role_id: i32, text: &str) -> ApiResult<i32> {
    change_roles(ctx, caller, id, |g| {
        let role = role_vector(text, id)?;
        g.update_role(role_id, &role).map_err(|e| action(e, id))
    })
}

/// `one.vmgrouppool.info`.
pub fn pool_info(ctx: &Ctx, caller: &Caller, flag: i32, start: i32, end: i32) -> ApiResult<Doc> {
    pool::pool_info::<VmGroup>(ctx, caller, flag, start, end)
}

/// A non-empty value of a vector.
fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// The group a VMGROUP vector names: VMGROUP_NAME owned by VMGROUP_UID (or the user
/// VMGROUP_UNAME names, or `owner`), else VMGROUP_ID.
fn named_group(tx: &Tx<'_>, pairs: &[(String, String)], owner: i32) -> ApiResult<Option<VmGroup>> {
    if let Some(name) = value(pairs, "VMGROUP_NAME") {
        let uid = match value(pairs, "VMGROUP_UID").and_then(|v| v.trim().parse().ok()) {
            Some(uid) => Some(uid),
            None => match value(pairs, "VMGROUP_UNAME") {
                Some(uname) => tx.user_id_by_name(uname)?,
                None => Some(owner),
            },
        };
        let Some(uid) = uid else { return Ok(None) };
        let Some(id) = tx.obj_id_by_name(tables::VM_GROUP, name, Some(uid))? else { return Ok(None) };
        return Ok(tx.obj_get(tables::VM_GROUP, id)?);
    }
    match value(pairs, "VMGROUP_ID").and_then(|v| v.trim().parse().ok()) {
        Some(id) => Ok(tx.obj_get(tables::VM_GROUP, id)?),
        None => Ok(None),
    }
}

/// Part of a VM's allocation: the caller needs USE on the group the template's VMGROUP
/// names (a group that cannot be found is reported later, by [`join`]).
pub fn authorize_vm(tx: &Tx<'_>, caller: &Caller, template: &Template) -> ApiResult<()> {
    let Some(pairs) = template.vector("VMGROUP") else { return Ok(()) };
    if let Some(group) = named_group(tx, pairs, caller.uid)? {
        authorize(tx, caller, Object::Vm, &[(Operation::Use, &ObjAuth::of(&group))])?;
    }
    Ok(())
}

/// Part of a VM's allocation: takes VMGROUP out of the VM's user template, adds the VM to
/// the role it names and keeps VMGROUP (with VMGROUP_ID set) in the VM's TEMPLATE. Refusals
/// are allocation errors with OpenNebula's messages.
pub fn join(tx: &Tx<'_>, vm: &mut Vm) -> ApiResult<()> {
    let first = vm.user_template.vector("VMGROUP").map(<[_]>::to_vec);
    vm.user_template.remove("VMGROUP");
    let Some(mut pairs) = first else { return Ok(()) };
    let refuse = |msg: &str| ApiError::Allocate { object: Object::Vm, msg: msg.to_owned() };
    let Some(role) = value(&pairs, "ROLE").map(str::to_owned) else {
        return Err(refuse("Missing role name in VM Group definition"));
    };
    let Some(mut group) = named_group(tx, &pairs, vm.meta.uid)? else {
        return Err(refuse("Cannot find VM Group to associate the VM"));
    };
    group.add_vm(&role, vm.meta.id).map_err(|e| refuse(&e))?;
    tx.obj_put(tables::VM_GROUP, &group)?;
    pairs.retain(|(k, _)| k != "VMGROUP_ID");
    pairs.push(("VMGROUP_ID".to_owned(), group.meta.id.to_string()));
    vm.template.remove("VMGROUP");
    vm.template.push(Attribute::vector("VMGROUP", pairs));
    Ok(())
}

/// Part of disposing of a VM (DONE): removes it from the role its VMGROUP names, if the
/// group still exists.
pub fn leave(tx: &Tx<'_>, vm: &Vm) -> ApiResult<()> {
    let Some(pairs) = vm.template.vector("VMGROUP") else { return Ok(()) };
    let Some(id) = value(pairs, "VMGROUP_ID").and_then(|v| v.trim().parse().ok()) else { return Ok(()) };
    let Some(role) = value(pairs, "ROLE") else { return Ok(()) };
    if let Some(mut group) = tx.obj_get::<VmGroup>(tables::VM_GROUP, id)?
        && group.del_vm(role, vm.meta.id)
    {
        tx.obj_put(tables::VM_GROUP, &group)?;
    }
    Ok(())
}
