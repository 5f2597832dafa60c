//! Whether a VM's owner may use a resource, decided in the scheduler as OpenNebula's does:
//! owners in the `oneadmin` user or group may use everything; others need MANAGE on a host
//! and USE on a datastore or network, from the object's permission bits or an ACL rule
//! (which may name the object's cluster). Answers are cached per owner and object.

use std::collections::HashMap;

use one_core::acl::{ObjectType, Operation, Requester, Rule, Target, rules_allow};
use one_core::perms::{Permissions, Right};

/// The zone the scheduler works in.
const ZONE: u32 = 0;

/// An object as the ACL check sees it.
#[derive(Debug, Clone)]
pub struct Object {
    /// Its type.
    pub kind: ObjectType,
    /// Its ID.
    pub oid: i32,
    /// Owner.
    pub uid: i32,
    /// Group.
    pub gid: i32,
    /// Permission bits.
    pub perms: Permissions,
    /// Clusters it belongs to.
    pub clusters: Vec<i32>,
}

/// The ACL checks of one cycle.
pub struct Acl<'a> {
    rules: &'a [Rule],
    groups: &'a HashMap<i32, Vec<i32>>,
    cache: HashMap<(i32, i32, ObjectType, i32), bool>,
}

impl<'a> Acl<'a> {
    /// Checks against these rules and users' groups.
    pub fn new(rules: &'a [Rule], groups: &'a HashMap<i32, Vec<i32>>) -> Acl<'a> {
        Acl { rules, groups, cache: HashMap::new() }
    }

    /// Whether user `uid` (primary group `gid`) may do `op` on `obj`.
    pub fn allows(&mut self, uid: i32, gid: i32, op: Operation, obj: &Object) -> bool {
        if uid == 0 || gid == 0 {
            return true;
        }
        let key = (uid, gid, obj.kind, obj.oid);
        if let Some(hit) = self.cache.get(&key) {
            return *hit;
        }
        let groups: Vec<i32> = match self.groups.get(&uid) {
            Some(g) if !g.is_empty() => g.clone(),
            _ => vec![gid],
        };
        let right = match op {
            Operation::Use => Some(Right::Use),
            Operation::Manage => Some(Right::Manage),
            Operation::Admin => Some(Right::Admin),
            Operation::Create => None,
        };
        let by_bits = right.is_some_and(|r| {
            (obj.uid == uid && obj.perms.owner_has(r))
                || (groups.contains(&obj.gid) && obj.perms.group_has(r))
                || obj.perms.other_has(r)
        });
        let allowed = by_bits || {
            let who = Requester { uid, gids: groups };
            let target = Target {
                kind: obj.kind,
                oid: Some(obj.oid),
                uid: obj.uid,
                gid: obj.gid,
                cluster_ids: obj.clusters.clone(),
            };
            rules_allow(self.rules, &who, &target, op, ZONE)
        };
        self.cache.insert(key, allowed);
        allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(oid: i32, cluster: i32) -> Object {
        Object {
            kind: ObjectType::Host,
            oid,
            uid: 0,
            gid: 0,
            perms: Permissions::from_octal(0o600),
            clusters: vec![cluster],
        }
    }

    #[test]
    fn owners_in_oneadmin_pass_others_need_a_rule() {
        let groups = HashMap::from([(5, vec![1]), (6, vec![100])]);
        let rules =
            vec![Rule::parse("@1 HOST/* MANAGE #0").unwrap(), Rule::parse("#6 HOST/%100 MANAGE *").unwrap()];
        let mut acl = Acl::new(&rules, &groups);
        assert!(acl.allows(0, 0, Operation::Manage, &host(1, 0)));
        assert!(acl.allows(5, 1, Operation::Manage, &host(1, 0)), "users' group rule");
        assert!(!acl.allows(6, 100, Operation::Manage, &host(1, 0)));
        assert!(acl.allows(6, 100, Operation::Manage, &host(2, 100)), "a rule on the host's cluster");
        let mine = Object { uid: 6, perms: Permissions::from_octal(0o600), ..host(3, 0) };
        assert!(acl.allows(6, 100, Operation::Manage, &mine), "owner bits");
    }
}
