//! The ACL manager: `one.acl.{addrule, delrule, info}`. Only administrators (or holders of an
//! ACL rule on ACLs) may call them.

use one_core::acl::{Operation, Rule};
use one_core::objects::acl_pool::acl_pool_xml;

use super::authz::{ObjAuth, authorize};
use super::{ApiResult, Caller, Ctx, Object, internal};
use crate::db::pools;

/// `one.acl.addrule`: each field is a hex number (`0x100000005`, as every client sends) or the
/// symbolic form of rule strings (`#5`, `VM+IMAGE/@101`, `USE+MANAGE`, `*`); no zone means
/// this zone. Returns the rule's ID.
pub fn add_rule(
    ctx: &Ctx,
    caller: &Caller,
    user: &str,
    resource: &str,
    rights: &str,
    zone: &str,
) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        authorize(tx, caller, Object::Acl, &[(Operation::Manage, &ObjAuth::acl())])?;
        let rule = Rule::parse_fields(user, resource, rights, Some(zone))
            .map_err(|e| internal(format!("Rule is malformed: {e}"), -1))?;
        if tx.acl_find(&rule)?.is_some() {
            return Err(internal(format!("Rule {rule} already exists"), -1));
        }
        rule.validate().map_err(|e| internal(format!("Rule {rule} is malformed: {e}"), -1))?;
        let id = tx.next_oid(pools::ACL)?;
        tx.acl_insert(id, &rule)?;
        Ok(id)
    })
}

/// `one.acl.delrule`.
pub fn del_rule(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        authorize(tx, caller, Object::Acl, &[(Operation::Manage, &ObjAuth::acl())])?;
        if !tx.acl_delete(id)? {
            return Err(internal(format!("Rule {id} does not exist"), id));
        }
        Ok(id)
    })
}

/// `one.acl.info`: every rule.
pub fn info(ctx: &Ctx, caller: &Caller) -> ApiResult<String> {
    ctx.db.read(|tx| {
        authorize(tx, caller, Object::Acl, &[(Operation::Manage, &ObjAuth::acl())])?;
        Ok(acl_pool_xml(&tx.acl_list()?))
    })
}
