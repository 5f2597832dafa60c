//! Dispatch entries for `one.vn.*` and `one.vnpool.info`.

use one_core::objects::vnet::Vnet;

use super::{CHMOD, CHOWN, ID, INFO, LOCK, Method, POOL, RENAME, UPDATE, doc, int, string};
use crate::api::{self, Object, pool};
use crate::rpc::params::Kind::{Bool, Int, Str};
use crate::rpc::params::{Param, opt, req};

const ID_TEMPLATE: &[Param] = &[ID, req("template", Str)];

/// The entries.
pub static METHODS: &[Method] = &[
    Method {
        name: "one.vn.allocate",
        params: &[req("template", Str), opt("cluster_id", Int)],
        handler: |ctx, c, a| int(api::vnets::allocate(ctx, c, a.str(0), a.int_or(1, -1))),
        object: Object::Vnet,
        help: "Allocates a new virtual network",
    },
    Method {
        name: "one.vn.delete",
        params: &[ID],
        handler: |ctx, c, a| int(api::vnets::delete(ctx, c, a.int(0))),
        object: Object::Vnet,
        help: "Deletes a virtual network",
    },
    Method {
        name: "one.vn.info",
        params: INFO,
        handler: |ctx, c, a| string(api::vnets::info(ctx, c, a.int(0))),
        object: Object::Vnet,
        help: "Returns virtual network information",
    },
    Method {
        name: "one.vn.update",
        params: UPDATE,
        handler: |ctx, c, a| int(api::vnets::update(ctx, c, a.int(0), a.str(1), a.int_or(2, 0))),
        object: Object::Vnet,
        help: "Replaces or merges the virtual network template",
    },
    Method {
        name: "one.vn.rename",
        params: RENAME,
        handler: |ctx, c, a| int(pool::rename::<Vnet>(ctx, c, a.int(0), a.str(1))),
        object: Object::Vnet,
        help: "Renames a virtual network",
    },
    Method {
        name: "one.vn.chmod",
        params: CHMOD,
        handler: |ctx, c, a| int(pool::chmod::<Vnet>(ctx, c, a.int(0), super::chmod_bits(a))),
        object: Object::Vnet,
        help: "Changes the virtual network's permissions",
    },
    Method {
        name: "one.vn.chown",
        params: CHOWN,
        handler: |ctx, c, a| int(pool::chown::<Vnet>(ctx, c, a.int(0), a.int(1), a.int(2))),
        object: Object::Vnet,
        help: "Changes the virtual network's owner and group",
    },
    Method {
        name: "one.vn.lock",
        params: LOCK,
        handler: |ctx, c, a| int(pool::lock::<Vnet>(ctx, c, a.int(0), a.int(1), a.bool_or(2, false))),
        object: Object::Vnet,
        help: "Locks a virtual network",
    },
    Method {
        name: "one.vn.unlock",
        params: &[ID],
        handler: |ctx, c, a| int(pool::unlock::<Vnet>(ctx, c, a.int(0))),
        object: Object::Vnet,
        help: "Unlocks a virtual network",
    },
    Method {
        name: "one.vn.add_ar",
        params: ID_TEMPLATE,
        handler: |ctx, c, a| int(api::vnet_ops::add_ar(ctx, c, a.int(0), a.str(1))),
        object: Object::Vnet,
        help: "Adds an address range to a virtual network",
    },
    Method {
        name: "one.vn.rm_ar",
        params: &[ID, req("ar_id", Int), opt("force", Bool)],
        handler: |ctx, c, a| {
            int(api::vnet_ops::rm_ar(ctx, c, a.int(0), a.int(1), a.bool_or(2, false), false))
        },
        object: Object::Vnet,
        help: "Removes an address range from a virtual network",
    },
    Method {
        name: "one.vn.update_ar",
        params: ID_TEMPLATE,
        handler: |ctx, c, a| int(api::vnet_ops::update_ar(ctx, c, a.int(0), a.str(1))),
        object: Object::Vnet,
        help: "Updates an address range of a virtual network",
    },
    Method {
        name: "one.vn.free_ar",
        params: &[ID, req("ar_id", Int)],
        handler: |ctx, c, a| int(api::vnet_ops::rm_ar(ctx, c, a.int(0), a.int(1), false, true)),
        object: Object::Vnet,
        help: "Frees a reserved address range of a virtual network",
    },
    Method {
        name: "one.vn.reserve",
        params: ID_TEMPLATE,
        handler: |ctx, c, a| int(api::vnet_ops::reserve(ctx, c, a.int(0), a.str(1))),
        object: Object::Vnet,
        help: "Reserves addresses of a virtual network",
    },
    Method {
        name: "one.vn.hold",
        params: ID_TEMPLATE,
        handler: |ctx, c, a| int(api::vnet_ops::hold(ctx, c, a.int(0), a.str(1))),
        object: Object::Vnet,
        help: "Puts a lease of a virtual network on hold",
    },
    Method {
        name: "one.vn.release",
        params: ID_TEMPLATE,
        handler: |ctx, c, a| int(api::vnet_ops::release(ctx, c, a.int(0), a.str(1))),
        object: Object::Vnet,
        help: "Releases a held lease of a virtual network",
    },
    Method {
        name: "one.vn.recover",
        params: &[ID, req("operation", Int)],
        handler: |ctx, c, a| int(api::vnets::recover(ctx, c, a.int(0), a.int(1))),
        object: Object::Vnet,
        help: "Recovers a virtual network: 0 failure, 1 success, 2 delete, 3 retry",
    },
    Method {
        name: "one.vnpool.info",
        params: POOL,
        handler: |ctx, c, a| {
            doc(pool::pool_info::<Vnet>(ctx, c, a.int_or(0, -2), a.int_or(1, -1), a.int_or(2, -1)))
        },
        object: Object::Vnet,
        help: "Returns the virtual networks",
    },
];
