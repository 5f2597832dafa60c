//! Group membership and group administrators: `one.user.{chgrp, addgroup, delgroup}` and
//! `one.group.{addadmin, deladmin}`, with the four ACL rules that make a user a group admin.

use one_core::acl::{ALL_ID, GROUP_ID, INDIVIDUAL_ID, ObjectType, Operation, Rule};

use super::authz::{ObjAuth, authorize};
use super::users::{driver_conf, fetch as fetch_user};
use super::{ApiResult, Caller, Ctx, Object, action, api, internal};
use crate::db::{Tx, pools};
use one_core::objects::user::User;

/// The rules `one.group.addadmin` creates for user `uid` in group `gid`.
pub fn admin_rules(uid: i32, gid: i32) -> [Rule; 4] {
    let user = INDIVIDUAL_ID | uid as u32 as u64;
    let group = gid as u32 as u64;
    let managed = [
        ObjectType::Vm,
        ObjectType::Net,
        ObjectType::Image,
        ObjectType::Template,
        ObjectType::Document,
        ObjectType::Secgroup,
        ObjectType::Vrouter,
        ObjectType::Vmgroup,
        ObjectType::Backupjob,
    ]
    .iter()
    .fold(0, |bits, t| bits | t.bit());
    [
        Rule { user, resource: ObjectType::User.bit() | GROUP_ID | group, rights: 0xf, zone: ALL_ID },
        Rule { user, resource: managed | GROUP_ID | group, rights: 0x3, zone: ALL_ID },
        Rule { user, resource: ObjectType::Vrouter.bit() | ALL_ID, rights: 0x8, zone: ALL_ID },
        Rule { user, resource: ObjectType::Group.bit() | INDIVIDUAL_ID | group, rights: 0x2, zone: ALL_ID },
    ]
}

/// Adds a rule unless an identical one exists (as OpenNebula only logs duplicates).
pub fn add_rule_once(tx: &Tx<'_>, rule: &Rule) -> ApiResult<()> {
    if tx.acl_find(rule)?.is_none() {
        let id = tx.next_oid(pools::ACL)?;
        tx.acl_insert(id, rule)?;
    }
    Ok(())
}

/// Removes `uid` from the administrators of `gid` (if it is one) with its four rules.
pub fn drop_admin(tx: &Tx<'_>, gid: i32, uid: i32) -> ApiResult<()> {
    let Some(mut group) = tx.group_fetch(gid)? else { return Ok(()) };
    if group.admins.contains(&uid) {
        group.admins.retain(|a| *a != uid);
        tx.group_save(&group)?;
        for rule in admin_rules(uid, gid) {
            if let Some(id) = tx.acl_find(&rule)? {
                tx.acl_delete(id)?;
            }
        }
    }
    Ok(())
}

fn driver_managed(user: &User) -> String {
    format!("Groups cannot be manually managed for auth driver {}", user.auth_driver)
}

/// Checks MANAGE on the user and `group_op` on group `gid` (which must exist).
fn authorize_with_group(
    tx: &Tx<'_>,
    caller: &Caller,
    user: &User,
    gid: i32,
    group_op: Operation,
) -> ApiResult<()> {
    let group = super::groups::fetch(tx, gid)?;
    authorize(
        tx,
        caller,
        Object::User,
        &[(Operation::Manage, &ObjAuth::user(user)), (group_op, &ObjAuth::group(&group))],
    )
}

/// `one.user.chgrp`: moves the user to another primary group.
pub fn chgrp(ctx: &Ctx, caller: &Caller, id: i32, gid: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        if gid < 0 {
            return Err(api("Wrong group ID", id));
        }
        let mut user = fetch_user(tx, id)?;
        if id == 0 {
            return Err(internal("user [0] oneadmin cannot be moved outside of the group [0] oneadmin", id));
        }
        if driver_conf(&user.auth_driver).managed_groups && !user.groups.contains(&gid) {
            return Err(api(driver_managed(&user), id));
        }
        authorize_with_group(tx, caller, &user, gid, Operation::Use)?;
        if user.gid == gid {
            return Ok(id);
        }
        let old = user.gid;
        if !user.groups.contains(&gid) {
            user.groups.retain(|g| *g != old);
            user.groups.push(gid);
            user.groups.sort_unstable();
            drop_admin(tx, old, id)?;
        }
        user.gid = gid;
        tx.user_save(&user)?;
        Ok(id)
    })
}

/// `one.user.addgroup` and `one.user.delgroup`: secondary group membership.
pub fn change_membership(ctx: &Ctx, caller: &Caller, id: i32, gid: i32, add: bool) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut user = fetch_user(tx, id)?;
        if driver_conf(&user.auth_driver).managed_groups {
            return Err(action(driver_managed(&user), id));
        }
        authorize_with_group(tx, caller, &user, gid, Operation::Manage)?;
        let member = user.groups.contains(&gid);
        if add {
            if member {
                return Err(action("User is already in this group", id));
            }
            user.groups.push(gid);
            user.groups.sort_unstable();
        } else {
            if !member {
                return Err(action("User is not part of this group", id));
            }
            if user.gid == gid {
                return Err(action("Cannot remove user from the primary group", id));
            }
            user.groups.retain(|g| *g != gid);
            drop_admin(tx, gid, id)?;
        }
        tx.user_save(&user)?;
        Ok(id)
    })
}

/// `one.group.addadmin` and `one.group.deladmin`. Returns the group ID.
pub fn change_admin(ctx: &Ctx, caller: &Caller, gid: i32, uid: i32, add: bool) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut group = super::groups::fetch(tx, gid)?;
        let user = fetch_user(tx, uid)?;
        authorize(
            tx,
            caller,
            Object::Group,
            &[(Operation::Admin, &ObjAuth::group(&group)), (Operation::Admin, &ObjAuth::user(&user))],
        )?;
        let is_admin = group.admins.contains(&uid);
        if add {
            if !user.groups.contains(&gid) {
                return Err(internal(
                    format!("Cannot edit group. User {uid} is not part of Group {gid}."),
                    gid,
                ));
            }
            if is_admin {
                return Err(internal(
                    format!("Cannot edit group. User {uid} is already an administrator of Group {gid}."),
                    gid,
                ));
            }
            group.admins.push(uid);
            group.admins.sort_unstable();
            tx.group_save(&group)?;
            for rule in admin_rules(uid, gid) {
                add_rule_once(tx, &rule)?;
            }
        } else {
            if !is_admin {
                return Err(internal(
                    format!("Cannot edit group. User {uid} is not an administrator of Group {gid}."),
                    gid,
                ));
            }
            drop_admin(tx, gid, uid)?;
        }
        Ok(gid)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_rules_are_opennebulas() {
        let strings: Vec<String> = admin_rules(5, 100).iter().map(Rule::to_string).collect();
        assert_eq!(
            strings,
            [
                "#5 USER/@100 USE+MANAGE+ADMIN+CREATE *",
                "#5 VM+NET+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VROUTER+VMGROUP+BACKUPJOB/@100 USE+MANAGE *",
                "#5 VROUTER/* CREATE *",
                "#5 GROUP/#100 MANAGE *",
            ]
        );
        let r = admin_rules(5, 100);
        assert_eq!((r[0].user, r[0].resource), (0x100000005, 0x10200000064));
        assert_eq!(r[1].resource, 0x12542d200000064);
        for rule in &r {
            rule.validate().unwrap();
        }
    }
}
