//! Authorization, as OpenNebula's `AuthRequest`/`AclManager` decide it: administrators pass;
//! others need the object's owner, group or other permission bit for the operation, or an ACL
//! rule that grants it. CREATE and pool-wide checks can only be granted by ACL rules.

use one_core::acl::{self, ObjectType, Operation, Requester, Rule, Target};
use one_core::objects::common::PoolObject;
use one_core::objects::group::Group;
use one_core::objects::user::User;
use one_core::perms::{Permissions, Right};

use super::{ApiError, ApiResult, Caller, Object, ZONE_ID};
use crate::db::{Tx, Visibility};

/// What authorization needs to know about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjAuth {
    /// The object's type.
    pub kind: ObjectType,
    /// Its ID, or -1 for a new object or a whole pool.
    pub oid: i32,
    /// Its owner, or -1.
    pub uid: i32,
    /// Its group, or -1.
    pub gid: i32,
    /// Its permission bits.
    pub perms: Permissions,
    /// The clusters it belongs to.
    pub cluster_ids: Vec<i32>,
    /// Its lock level (0: unlocked; 1 locks USE, MANAGE and ADMIN; 2 MANAGE and ADMIN; 3 ADMIN).
    pub lock: i32,
    /// Whether this check ignores the lock (reading, locking and unlocking do).
    pub ignore_lock: bool,
}

impl ObjAuth {
    /// A user is owned by itself, belongs to its primary group, and only the owner may use
    /// and manage it.
    pub fn user(user: &User) -> Self {
        ObjAuth {
            kind: ObjectType::User,
            oid: user.id,
            uid: user.id,
            gid: user.gid,
            perms: Permissions::from_octal(0o600),
            cluster_ids: Vec::new(),
            lock: 0,
            ignore_lock: false,
        }
    }

    /// A group is owned by oneadmin, belongs to itself, and its members may use it.
    pub fn group(group: &Group) -> Self {
        ObjAuth {
            kind: ObjectType::Group,
            oid: group.id,
            uid: 0,
            gid: group.id,
            perms: Permissions::from_octal(0o640),
            cluster_ids: Vec::new(),
            lock: 0,
            ignore_lock: false,
        }
    }

    /// Any pool object.
    pub fn of<T: PoolObject>(obj: &T) -> Self {
        let m = obj.meta();
        ObjAuth {
            kind: T::KIND,
            oid: m.id,
            uid: m.uid,
            gid: m.gid,
            perms: m.perms,
            cluster_ids: obj.cluster_ids(),
            lock: m.lock.map_or(0, |l| l.level),
            ignore_lock: false,
        }
    }

    /// The same object for an operation the lock does not block.
    pub fn no_lock(mut self) -> Self {
        self.ignore_lock = true;
        self
    }

    /// The ACL pseudo-object: only administrators (or an ACL rule on ACLs) pass.
    pub fn acl() -> Self {
        ObjAuth::pool(ObjectType::Acl)
    }

    /// A whole pool (or an object type in general): only ACL rules `TYPE/*` grant it.
    pub fn pool(kind: ObjectType) -> Self {
        ObjAuth {
            kind,
            oid: -1,
            uid: -1,
            gid: -1,
            perms: Permissions::default(),
            cluster_ids: Vec::new(),
            lock: 0,
            ignore_lock: false,
        }
    }

    /// A new object the caller wants to create, in the caller's group.
    pub fn create(kind: ObjectType, caller: &Caller) -> Self {
        ObjAuth {
            kind,
            oid: -1,
            uid: caller.uid,
            gid: caller.gid,
            perms: Permissions::default(),
            cluster_ids: Vec::new(),
            lock: 0,
            ignore_lock: false,
        }
    }
}

fn right(op: Operation) -> Option<Right> {
    match op {
        Operation::Use => Some(Right::Use),
        Operation::Manage => Some(Right::Manage),
        Operation::Admin => Some(Right::Admin),
        Operation::Create => None,
    }
}

/// Whether a lock blocks `op` on `obj`: a lock at level L blocks operations from L up
/// (USE 1, MANAGE 2, ADMIN 4, as OpenNebula compares them).
fn locked_for(op: Operation, obj: &ObjAuth) -> bool {
    !obj.ignore_lock && obj.lock > 0 && i64::from(obj.lock) <= op.bit() as i64 && op != Operation::Create
}

/// Whether `caller` may perform `op` on `obj` under `rules`.
pub fn allowed(rules: &[Rule], caller: &Caller, op: Operation, obj: &ObjAuth) -> bool {
    if locked_for(op, obj) {
        return false;
    }
    if caller.is_admin() {
        return true;
    }
    if let Some(r) = right(op)
        && obj.oid >= 0
    {
        if obj.uid == caller.uid && obj.perms.owner_has(r) {
            return true;
        }
        if obj.gid >= 0 && caller.groups.contains(&obj.gid) && obj.perms.group_has(r) {
            return true;
        }
        if obj.perms.other_has(r) {
            return true;
        }
    }
    let who = Requester { uid: caller.uid, gids: caller.groups.clone() };
    let target = Target {
        kind: obj.kind,
        oid: (obj.oid >= 0).then_some(obj.oid),
        uid: obj.uid,
        gid: obj.gid,
        cluster_ids: obj.cluster_ids.clone(),
    };
    acl::rules_allow(rules, &who, &target, op, ZONE_ID)
}

/// Checks every `(op, object)` pair; the error lists each refusal as OpenNebula does
/// (`Not authorized to perform MANAGE USER [5]; Not authorized to perform USE GROUP [100]`).
pub fn authorize(
    tx: &Tx<'_>,
    caller: &Caller,
    object: Object,
    items: &[(Operation, &ObjAuth)],
) -> ApiResult<()> {
    if caller.is_admin() {
        // Administrators pass every check but locks (`<TYPE> is locked. [id]`).
        let locked: Vec<String> = items
            .iter()
            .filter(|(op, obj)| locked_for(*op, obj))
            .map(|(_, obj)| format!("{} is locked. [{}]", obj.kind.name(), obj.oid))
            .collect();
        return if locked.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Authorization { uid: caller.uid, object, detail: locked.join("; ") })
        };
    }
    let rules: Vec<Rule> = tx.acl_list()?.into_iter().map(|e| e.rule).collect();
    let refused: Vec<String> = items
        .iter()
        .filter(|(op, obj)| !allowed(&rules, caller, *op, obj))
        .map(|(op, obj)| {
            let id = if obj.oid >= 0 { format!(" [{}]", obj.oid) } else { String::new() };
            format!("Not authorized to perform {} {}{id}", op.name(), obj.kind.name())
        })
        .collect();
    if refused.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Authorization { uid: caller.uid, object, detail: refused.join("; ") })
    }
}

/// What of pool `kind` the caller may see in listings: everything for administrators and
/// holders of a `TYPE/*` USE rule, otherwise their own objects, those their groups or others
/// may use, and those USE rules name by group, ID or cluster.
pub fn visibility(rules: &[Rule], caller: &Caller, kind: ObjectType) -> Visibility {
    let mut v = Visibility {
        all: caller.is_admin(),
        uid: caller.uid,
        groups: caller.groups.clone(),
        ..Visibility::default()
    };
    if v.all {
        return v;
    }
    let id = |x: i32| u64::from(x as u32);
    for rule in rules {
        let applies = rule.user == acl::ALL_ID
            || rule.user == acl::INDIVIDUAL_ID | id(caller.uid)
            || caller.groups.iter().any(|g| rule.user == acl::GROUP_ID | id(*g));
        let zone_ok = rule.zone == acl::ALL_ID || rule.zone == acl::INDIVIDUAL_ID | u64::from(ZONE_ID);
        if !(applies && zone_ok && rule.grants(Operation::Use) && rule.resource & kind.bit() != 0) {
            continue;
        }
        let target = (rule.resource & 0xFFFF_FFFF) as u32 as i32;
        let flags = rule.resource & (acl::INDIVIDUAL_ID | acl::GROUP_ID | acl::ALL_ID | acl::CLUSTER_ID);
        if flags == acl::ALL_ID {
            v.all = true;
        } else if flags == acl::GROUP_ID {
            v.acl_gids.push(target);
        } else if flags == acl::INDIVIDUAL_ID {
            v.acl_oids.push(target);
        } else if flags == acl::CLUSTER_ID {
            v.acl_cids.push(target);
        }
    }
    v
}

/// The ACL rules, for filtering pools with [`allowed`].
pub fn rules(tx: &Tx<'_>) -> ApiResult<Vec<Rule>> {
    Ok(tx.acl_list()?.into_iter().map(|e| e.rule).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(uid: i32, groups: &[i32]) -> Caller {
        Caller { uid, gid: groups[0], groups: groups.to_vec(), uname: "u".into(), gname: "g".into() }
    }

    fn user_obj(id: i32, gid: i32) -> ObjAuth {
        ObjAuth {
            kind: ObjectType::User,
            oid: id,
            uid: id,
            gid,
            perms: Permissions::from_octal(0o600),
            cluster_ids: vec![],
            lock: 0,
            ignore_lock: false,
        }
    }

    #[test]
    fn owners_admins_and_rules() {
        let none: Vec<Rule> = vec![];
        let alice = caller(5, &[1]);
        assert!(allowed(&none, &alice, Operation::Manage, &user_obj(5, 1)), "a user manages itself");
        assert!(!allowed(&none, &alice, Operation::Admin, &user_obj(5, 1)), "but does not administer itself");
        assert!(!allowed(&none, &alice, Operation::Use, &user_obj(6, 1)), "nor sees others");
        assert!(allowed(&none, &caller(7, &[1, 0]), Operation::Admin, &user_obj(6, 1)), "oneadmin group");
        let group_admin = vec![Rule::parse("#5 USER/@100 USE+MANAGE+ADMIN+CREATE *").unwrap()];
        assert!(allowed(&group_admin, &alice, Operation::Admin, &user_obj(6, 100)));
        assert!(!allowed(&group_admin, &alice, Operation::Admin, &user_obj(6, 101)));
        let create = ObjAuth::create(ObjectType::User, &alice);
        assert!(!allowed(&none, &alice, Operation::Create, &create));
        assert!(allowed(&[Rule::parse("@1 USER/* CREATE").unwrap()], &alice, Operation::Create, &create));
        assert!(!allowed(&none, &alice, Operation::Manage, &ObjAuth::acl()));
    }

    #[test]
    fn locks_block_from_their_level_up() {
        let admin = caller(0, &[0]);
        let locked = |level| ObjAuth { lock: level, ..user_obj(5, 1) };
        assert!(!allowed(&[], &admin, Operation::Use, &locked(1)), "USE lock blocks everything");
        assert!(allowed(&[], &admin, Operation::Use, &locked(2)));
        assert!(!allowed(&[], &admin, Operation::Manage, &locked(2)));
        assert!(allowed(&[], &admin, Operation::Manage, &locked(3)));
        assert!(!allowed(&[], &admin, Operation::Admin, &locked(3)));
        assert!(allowed(&[], &admin, Operation::Manage, &locked(1).no_lock()));
    }

    #[test]
    fn visibility_from_rules() {
        let alice = caller(5, &[1]);
        let rules = [
            Rule::parse("@1 VM/@100 USE #0").unwrap(),
            Rule::parse("#5 VM/#7 USE+MANAGE #0").unwrap(),
            Rule::parse("#5 HOST/* USE #0").unwrap(),
            Rule::parse("#6 VM/* USE #0").unwrap(),
        ];
        let v = visibility(&rules, &alice, ObjectType::Vm);
        assert!(!v.all);
        assert_eq!((v.acl_gids, v.acl_oids), (vec![100], vec![7]));
        assert!(visibility(&rules, &alice, ObjectType::Host).all);
        assert!(visibility(&[], &caller(0, &[0]), ObjectType::Vm).all);
    }

    #[test]
    fn members_use_their_groups() {
        let g = Group {
            id: 100,
            name: "g".into(),
            template: Default::default(),
            users: vec![],
            admins: vec![],
            quotas: Default::default(),
        };
        let member = caller(5, &[1, 100]);
        assert!(allowed(&[], &member, Operation::Use, &ObjAuth::group(&g)));
        assert!(!allowed(&[], &member, Operation::Manage, &ObjAuth::group(&g)));
        assert!(!allowed(&[], &caller(6, &[1]), Operation::Use, &ObjAuth::group(&g)));
    }
}
