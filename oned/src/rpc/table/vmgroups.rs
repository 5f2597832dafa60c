//! Dispatch entries for `one.vmgroup.*` and `one.vmgrouppool.info`.

use one_core::objects::vmgroup::VmGroup;

use super::{CHMOD, CHOWN, ID, INFO, LOCK, Method, POOL, RENAME, UPDATE, doc, int, string};
use crate::api::{Object, pool, vmgroups};
use crate::rpc::params::Kind::{Int, Str};
use crate::rpc::params::req;

/// The entries.
pub static METHODS: &[Method] = &[
    Method {
        name: "one.vmgroup.allocate",
        params: &[req("template", Str)],
        handler: |ctx, c, a| int(vmgroups::allocate(ctx, c, a.str(0))),
        object: Object::VmGroup,
        help: "Allocates a new vm group",
    },
    Method {
        name: "one.vmgroup.delete",
        params: &[ID],
        handler: |ctx, c, a| int(vmgroups::delete(ctx, c, a.int(0))),
        object: Object::VmGroup,
        help: "Deletes a vm group",
    },
    Method {
        name: "one.vmgroup.info",
        params: INFO,
        handler: |ctx, c, a| string(pool::info::<VmGroup>(ctx, c, a.int(0))),
        object: Object::VmGroup,
        help: "Returns vm group information",
    },
    Method {
        name: "one.vmgroup.update",
        params: UPDATE,
        handler: |ctx, c, a| int(vmgroups::update(ctx, c, a.int(0), a.str(1), a.int_or(2, 0))),
        object: Object::VmGroup,
        help: "Updates a vm group template",
    },
    Method {
        name: "one.vmgroup.rename",
        params: RENAME,
        handler: |ctx, c, a| int(pool::rename::<VmGroup>(ctx, c, a.int(0), a.str(1))),
        object: Object::VmGroup,
        help: "Renames a vm group",
    },
    Method {
        name: "one.vmgroup.chmod",
        params: CHMOD,
        handler: |ctx, c, a| int(pool::chmod::<VmGroup>(ctx, c, a.int(0), super::chmod_bits(a))),
        object: Object::VmGroup,
        help: "Changes permission bits of a vm group",
    },
    Method {
        name: "one.vmgroup.chown",
        params: CHOWN,
        handler: |ctx, c, a| int(pool::chown::<VmGroup>(ctx, c, a.int(0), a.int(1), a.int(2))),
        object: Object::VmGroup,
        help: "Changes ownership of a vm group",
    },
    Method {
        name: "one.vmgroup.lock",
        params: LOCK,
        handler: |ctx, c, a| int(pool::lock::<VmGroup>(ctx, c, a.int(0), a.int(1), a.bool_or(2, false))),
        object: Object::VmGroup,
        help: "Lock a VMGroup",
    },
    Method {
        name: "one.vmgroup.unlock",
        params: &[ID],
        handler: |ctx, c, a| int(pool::unlock::<VmGroup>(ctx, c, a.int(0))),
        object: Object::VmGroup,
        help: "Unlock a VMGroup",
    },
    Method {
        name: "one.vmgroup.roleadd",
        params: &[ID, req("template", Str)],
        handler: |ctx, c, a| int(vmgroups::role_add(ctx, c, a.int(0), a.str(1))),
        object: Object::VmGroup,
        help: "Add new role to VMGroup",
    },
    Method {
        name: "one.vmgroup.roledelete",
        params: &[ID, req("role_id", Int)],
        handler: |ctx, c, a| int(vmgroups::role_delete(ctx, c, a.int(0), a.int(1))),
        object: Object::VmGroup,
        help: "Delete role from VMGroup",
    },
    Method {
        name: "one.vmgroup.roleupdate",
        params: &[ID, req("role_id", Int), req("template", Str)],
        handler: |ctx, c, a| int(vmgroups::role_update(ctx, c, a.int(0), a.int(1), a.str(2))),
        object: Object::VmGroup,
        help: "Update VMGroup role",
    },
    Method {
        name: "one.vmgrouppool.info",
        params: POOL,
        handler: |ctx, c, a| {
            doc(vmgroups::pool_info(ctx, c, a.int_or(0, -2), a.int_or(1, -1), a.int_or(2, -1)))
        },
        object: Object::VmGroup,
        help: "Returns the vm group pool",
    },
];
