//! Dispatch entries for `one.group.*`, `one.grouppool.info`, `one.groupquota.*`.

use super::{ID, INFO, UPDATE};
use super::{Method, int, string};
use crate::api::quotas::DEFAULT_GROUP_QUOTAS;
use crate::api::{self, Object};
use crate::rpc::params::Kind::{Int, Str};
use crate::rpc::params::req;

/// The entries.
pub static METHODS: &[Method] = &[
    Method {
        name: "one.group.allocate",
        params: &[req("name", Str)],
        handler: |ctx, c, a| int(api::groups::allocate(ctx, c, a.str(0))),
        object: Object::Group,
        help: "Allocates a new group",
    },
    Method {
        name: "one.group.delete",
        params: &[ID],
        handler: |ctx, c, a| int(api::groups::delete(ctx, c, a.int(0))),
        object: Object::Group,
        help: "Deletes a group",
    },
    Method {
        name: "one.group.info",
        params: INFO,
        handler: |ctx, c, a| string(api::groups::info(ctx, c, a.int(0))),
        object: Object::Group,
        help: "Returns group information",
    },
    Method {
        name: "one.group.update",
        params: UPDATE,
        handler: |ctx, c, a| int(api::groups::update(ctx, c, a.int(0), a.str(1), a.int_or(2, 0))),
        object: Object::Group,
        help: "Replaces or merges the group template",
    },
    Method {
        name: "one.group.addadmin",
        params: &[ID, req("user_id", Int)],
        handler: |ctx, c, a| int(api::membership::change_admin(ctx, c, a.int(0), a.int(1), true)),
        object: Object::Group,
        help: "Makes a user an administrator of the group",
    },
    Method {
        name: "one.group.deladmin",
        params: &[ID, req("user_id", Int)],
        handler: |ctx, c, a| int(api::membership::change_admin(ctx, c, a.int(0), a.int(1), false)),
        object: Object::Group,
        help: "Removes a user from the administrators of the group",
    },
    Method {
        name: "one.group.quota",
        params: &[ID, req("template", Str)],
        handler: |ctx, c, a| int(api::quotas::group_quota(ctx, c, a.int(0), a.str(1))),
        object: Object::Group,
        help: "Sets the quotas of a group",
    },
    Method {
        name: "one.grouppool.info",
        params: &[],
        handler: |ctx, c, _| string(api::groups::pool_info(ctx, c)),
        object: Object::Group,
        help: "Returns the groups the caller may see",
    },
    Method {
        name: "one.groupquota.info",
        params: &[],
        handler: |ctx, _, _| string(api::quotas::defaults_info(ctx, DEFAULT_GROUP_QUOTAS)),
        object: Object::Group,
        help: "Returns the default group quotas",
    },
    Method {
        name: "one.groupquota.update",
        params: &[req("template", Str)],
        handler: |ctx, c, a| string(api::quotas::defaults_update(ctx, c, DEFAULT_GROUP_QUOTAS, a.str(0))),
        object: Object::Group,
        help: "Sets the default group quotas",
    },
];
