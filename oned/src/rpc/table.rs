//! The dispatch table: every XML-RPC method oned serves, with its parameters (after the
//! session string) and the function it calls. Handlers only unpack arguments, call the
//! manager and wrap the result.

use dxr::Value;

use super::params::Kind::{Bool, Int, IntArray, Str};
use super::params::{Args, Param, opt, req};
use crate::api::quotas::{DEFAULT_GROUP_QUOTAS, DEFAULT_USER_QUOTAS};
use crate::api::{self, ApiResult, Caller, Ctx, Object};

/// A handler: runs the call as `caller` with decoded arguments.
pub type Handler = fn(&Ctx, &Caller, &Args) -> ApiResult<Value>;

/// One API method.
#[derive(Debug)]
pub struct Method {
    /// Full method name, e.g. `one.user.info`.
    pub name: &'static str,
    /// Parameters after the session string.
    pub params: &'static [Param],
    /// What it does.
    pub handler: Handler,
    /// The object its errors name.
    pub object: Object,
    /// One line of help (`system.methodHelp`).
    pub help: &'static str,
}

fn int(r: ApiResult<i32>) -> ApiResult<Value> {
    r.map(Value::Integer)
}

fn string(r: ApiResult<String>) -> ApiResult<Value> {
    r.map(Value::String)
}

const ID: Param = req("id", Int);
const INFO: &[Param] = &[ID, opt("decrypt", Bool)];
const UPDATE: &[Param] = &[ID, req("template", Str), opt("type", Int)];
const ID_GID: &[Param] = &[ID, req("group_id", Int)];

/// Every method, in the order `system.listMethods` reports them.
pub static METHODS: &[Method] = &[
    Method {
        name: "one.system.version",
        params: &[],
        handler: |_, _, _| Ok(Value::String(api::system::VERSION.to_owned())),
        object: Object::System,
        help: "Returns the OpenNebula version",
    },
    Method {
        name: "one.system.config",
        params: &[],
        handler: |ctx, c, _| Ok(Value::String(api::system::config(ctx, c))),
        object: Object::System,
        help: "Returns the configuration",
    },
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
    Method {
        name: "one.acl.addrule",
        params: &[req("user", Str), req("resource", Str), req("rights", Str), opt("zone", Str)],
        handler: |ctx, c, a| int(api::acls::add_rule(ctx, c, a.str(0), a.str(1), a.str(2), a.str(3))),
        object: Object::Acl,
        help: "Adds an ACL rule",
    },
    Method {
        name: "one.acl.delrule",
        params: &[ID],
        handler: |ctx, c, a| int(api::acls::del_rule(ctx, c, a.int(0))),
        object: Object::Acl,
        help: "Deletes an ACL rule",
    },
    Method {
        name: "one.acl.info",
        params: &[],
        handler: |ctx, c, _| string(api::acls::info(ctx, c)),
        object: Object::Acl,
        help: "Returns the ACL rules",
    },
];

/// The method with this name.
pub fn find(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_optional_parameters_come_last() {
        let mut seen = HashSet::new();
        for m in METHODS {
            assert!(seen.insert(m.name), "{} listed twice", m.name);
            assert!(m.name.starts_with("one."));
            let first_optional = m.params.iter().position(|p| p.optional).unwrap_or(m.params.len());
            assert!(m.params[first_optional..].iter().all(|p| p.optional), "{}", m.name);
        }
    }
}
