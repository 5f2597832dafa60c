//! The group manager: `one.group.{allocate, delete, info, update}` and `one.grouppool.info`.
//! Administrators are in `membership`, quotas in `quotas`.

use one_core::acl::{ALL_ID, GROUP_ID, INDIVIDUAL_ID, ObjectType, Operation, Rule};
use one_core::objects::group::{Group, group_pool_xml};
use one_core::objects::quotas::Quotas;
use one_core::template::Template;

use super::authz::{ObjAuth, allowed, authorize, rules};
use super::membership::add_rule_once;
use super::{
    ApiError, ApiResult, Caller, Ctx, Object, ZONE_ID, action, check_name, internal, updated_template,
};
use crate::config::ListOrder;
use crate::db::{Tx, pools};

/// Template attributes only administrators may change on groups (`GROUP_RESTRICTED_ATTR`).
pub const RESTRICTED: &[&str] = &["VM_USE_OPERATIONS", "VM_MANAGE_OPERATIONS", "VM_ADMIN_OPERATIONS"];

/// Groups below this ID are the system's (`oneadmin`, `users`) and cannot be deleted.
pub const FIRST_USER_GROUP: i32 = 100;

/// The group, or NO_EXISTS.
pub fn fetch(tx: &Tx<'_>, id: i32) -> ApiResult<Group> {
    tx.group_fetch(id)?.ok_or(ApiError::NoExists { object: Object::Group, id })
}

/// The default group quotas.
pub fn default_quotas(tx: &Tx<'_>) -> ApiResult<Quotas> {
    super::quotas::stored_defaults(tx, super::quotas::DEFAULT_GROUP_QUOTAS)
}

/// The rules that give a group the resources of the default VDC (all hosts, networks and
/// datastores of zone 0), as OpenNebula adds every new group to VDC 0.
pub fn vdc_rules(gid: i32) -> [Rule; 3] {
    let user = GROUP_ID | gid as u32 as u64;
    let zone = INDIVIDUAL_ID | u64::from(ZONE_ID);
    [
        Rule { user, resource: ObjectType::Host.bit() | ALL_ID, rights: 0x2, zone },
        Rule { user, resource: ObjectType::Net.bit() | ALL_ID, rights: 0x1, zone },
        Rule { user, resource: ObjectType::Datastore.bit() | ALL_ID, rights: 0x1, zone },
    ]
}

/// Creates a group record with its VDC rules (allocate and bootstrap).
pub fn create(tx: &Tx<'_>, id: i32, name: &str, template: Template) -> ApiResult<()> {
    let group =
        Group { id, name: name.to_owned(), template, users: vec![], admins: vec![], quotas: Quotas::new() };
    tx.group_save(&group)?;
    for rule in vdc_rules(id) {
        add_rule_once(tx, &rule)?;
    }
    Ok(())
}

/// `one.group.allocate`: a new, empty group.
pub fn allocate(ctx: &Ctx, caller: &Caller, name: &str) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        authorize(
            tx,
            caller,
            Object::Group,
            &[(Operation::Create, &ObjAuth::create(ObjectType::Group, caller))],
        )?;
        check_name(name, " ").map_err(|e| internal(e, -1))?;
        if let Some(id) = tx.group_id_by_name(name)? {
            return Err(internal(format!("NAME is already taken by GROUP {id}."), -1));
        }
        let id = tx.next_oid(pools::GROUP)?;
        create(tx, id, name, Template::new())?;
        Ok(id)
    })
}

/// `one.group.delete`: removes an empty user-created group and the ACL rules that name it.
pub fn delete(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let group = fetch(tx, id)?;
        authorize(tx, caller, Object::Group, &[(Operation::Admin, &ObjAuth::group(&group))])?;
        if id < FIRST_USER_GROUP {
            return Err(action("Cannot delete group. System Groups (ID < 100) cannot be deleted.", id));
        }
        if !group.users.is_empty() {
            return Err(action(format!("Cannot delete group. Group {id} is not empty."), id));
        }
        tx.group_delete(id)?;
        let selector = GROUP_ID | id as u32 as u64;
        let every_type = ObjectType::ALL.iter().fold(0, |bits, t| bits | t.bit());
        tx.acl_delete_by_user(selector)?;
        tx.acl_delete_by_resource(selector, every_type)?;
        tx.acl_delete_by_resource(INDIVIDUAL_ID | id as u32 as u64, ObjectType::Group.bit())?;
        Ok(id)
    })
}

/// `one.group.info`: the GROUP document (`-1` is the caller's group).
pub fn info(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<String> {
    let id = if id == -1 { caller.gid } else { id };
    ctx.db.read(|tx| {
        let group = fetch(tx, id)?;
        authorize(tx, caller, Object::Group, &[(Operation::Use, &ObjAuth::group(&group))])?;
        Ok(group.to_xml(&default_quotas(tx)?))
    })
}

/// `one.grouppool.info`: every group the caller may use.
pub fn pool_info(ctx: &Ctx, caller: &Caller) -> ApiResult<String> {
    ctx.db.read(|tx| {
        let rules = rules(tx)?;
        let mut groups: Vec<Group> = tx
            .group_list()?
            .into_iter()
            .filter(|g| allowed(&rules, caller, Operation::Use, &ObjAuth::group(g)))
            .collect();
        if ctx.config.api_list_order == ListOrder::Desc {
            groups.reverse();
        }
        Ok(group_pool_xml(&groups, &default_quotas(tx)?))
    })
}

/// `one.group.update`: replaces (type 0) or merges (type 1) the group's template.
pub fn update(ctx: &Ctx, caller: &Caller, id: i32, text: &str, kind: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut group = fetch(tx, id)?;
        authorize(tx, caller, Object::Group, &[(Operation::Admin, &ObjAuth::group(&group))])?;
        group.template = updated_template(&group.template, text, kind, RESTRICTED, caller, id)?;
        tx.group_save(&group)?;
        Ok(id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vdc_rules_match_the_ones_opennebula_shows_for_group_1() {
        let strings: Vec<String> = vdc_rules(1).iter().map(Rule::to_string).collect();
        assert_eq!(strings, ["@1 HOST/* MANAGE #0", "@1 NET/* USE #0", "@1 DATASTORE/* USE #0"]);
    }
}
