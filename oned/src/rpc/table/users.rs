//! Dispatch entries for `one.user.*`, `one.userpool.info`, `one.userquota.*`.

use super::{ID, ID_GID, INFO, UPDATE};
use super::{Method, int, string};
use crate::api::quotas::DEFAULT_USER_QUOTAS;
use crate::api::{self, Object};
use crate::rpc::params::Kind::{Bool, Int, IntArray, Str};
use crate::rpc::params::{opt, req};

/// The entries.
pub static METHODS: &[Method] = &[
    Method {
        name: "one.user.allocate",
        params: &[req("name", Str), req("password", Str), opt("driver", Str), opt("groups", IntArray)],
        handler: |ctx, c, a| int(api::users::allocate(ctx, c, a.str(0), a.str(1), a.str(2), a.ints(3))),
        object: Object::User,
        help: "Allocates a new user",
    },
    Method {
        name: "one.user.delete",
        params: &[ID],
        handler: |ctx, c, a| int(api::users::delete(ctx, c, a.int(0))),
        object: Object::User,
        help: "Deletes a user",
    },
    Method {
        name: "one.user.info",
        params: INFO,
        handler: |ctx, c, a| string(api::users::info(ctx, c, a.int(0))),
        object: Object::User,
        help: "Returns user information",
    },
    Method {
        name: "one.user.update",
        params: UPDATE,
        handler: |ctx, c, a| int(api::users::update(ctx, c, a.int(0), a.str(1), a.int_or(2, 0))),
        object: Object::User,
        help: "Replaces or merges the user template",
    },
    Method {
        name: "one.user.passwd",
        params: &[ID, req("password", Str)],
        handler: |ctx, c, a| int(api::users::passwd(ctx, c, a.int(0), a.str(1))),
        object: Object::User,
        help: "Changes the password of a user",
    },
    Method {
        name: "one.user.chauth",
        params: &[ID, req("driver", Str), opt("password", Str)],
        handler: |ctx, c, a| int(api::users::chauth(ctx, c, a.int(0), a.str(1), a.str(2))),
        object: Object::User,
        help: "Changes the authentication driver of a user",
    },
    Method {
        name: "one.user.enable",
        params: &[ID, req("enable", Bool)],
        handler: |ctx, c, a| int(api::users::enable(ctx, c, a.int(0), a.bool_or(1, true))),
        object: Object::User,
        help: "Enables or disables a user",
    },
    Method {
        name: "one.user.login",
        params: &[req("username", Str), req("token", Str), req("valid", Int), opt("egid", Int)],
        handler: |ctx, c, a| string(api::users::login(ctx, c, a.str(0), a.str(1), a.int(2), a.int_or(3, -1))),
        object: Object::User,
        help: "Creates or revokes a login token",
    },
    Method {
        name: "one.user.chgrp",
        params: ID_GID,
        handler: |ctx, c, a| int(api::membership::chgrp(ctx, c, a.int(0), a.int(1))),
        object: Object::User,
        help: "Changes the primary group of a user",
    },
    Method {
        name: "one.user.addgroup",
        params: ID_GID,
        handler: |ctx, c, a| int(api::membership::change_membership(ctx, c, a.int(0), a.int(1), true)),
        object: Object::User,
        help: "Adds a user to a secondary group",
    },
    Method {
        name: "one.user.delgroup",
        params: ID_GID,
        handler: |ctx, c, a| int(api::membership::change_membership(ctx, c, a.int(0), a.int(1), false)),
        object: Object::User,
        help: "Removes a user from a secondary group",
    },
    Method {
        name: "one.user.quota",
        params: &[ID, req("template", Str)],
        handler: |ctx, c, a| int(api::quotas::user_quota(ctx, c, a.int(0), a.str(1))),
        object: Object::User,
        help: "Sets the quotas of a user",
    },
    Method {
        name: "one.userpool.info",
        params: &[],
        handler: |ctx, c, _| string(api::users::pool_info(ctx, c)),
        object: Object::User,
        help: "Returns the users the caller may see",
    },
    Method {
        name: "one.userquota.info",
        params: &[],
        handler: |ctx, _, _| string(api::quotas::defaults_info(ctx, DEFAULT_USER_QUOTAS)),
        object: Object::User,
        help: "Returns the default user quotas",
    },
    Method {
        name: "one.userquota.update",
        params: &[req("template", Str)],
        handler: |ctx, c, a| string(api::quotas::defaults_update(ctx, c, DEFAULT_USER_QUOTAS, a.str(0))),
        object: Object::User,
        help: "Sets the default user quotas",
    },
];
