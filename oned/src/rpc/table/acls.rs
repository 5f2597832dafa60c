//! Dispatch entries for `one.acl.*`.

use super::ID;
use super::{Method, int, string};
use crate::api::{self, Object};
use crate::rpc::params::Kind::Str;
use crate::rpc::params::{opt, req};

/// The entries.
pub static METHODS: &[Method] = &[
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
