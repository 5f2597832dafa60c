//! Dispatch entries for `one.image.*` and `one.imagepool.info`.

use one_core::objects::image::Image;
use one_core::objects::image_ops::SnapshotOp;

use super::{CHMOD, CHOWN, ID, INFO, LOCK, Method, POOL, RENAME, UPDATE, doc, int, string};
use crate::api::{self, Object, pool};
use crate::rpc::params::Kind::{Bool, Int, Str};
use crate::rpc::params::{Param, opt, req};

const SNAPSHOT: &[Param] = &[ID, req("snapshot_id", Int)];

/// The entries.
pub static METHODS: &[Method] = &[
    Method {
        name: "one.image.allocate",
        params: &[req("template", Str), req("datastore_id", Int), opt("no_capacity_check", Bool)],
        handler: |ctx, c, a| int(api::images::allocate(ctx, c, a.str(0), a.int(1), a.bool_or(2, false))),
        object: Object::Image,
        help: "Allocates a new image in a datastore",
    },
    Method {
        name: "one.image.clone",
        params: &[ID, req("name", Str), opt("datastore_id", Int)],
        handler: |ctx, c, a| int(api::images::clone(ctx, c, a.int(0), a.str(1), a.int_or(2, -1))),
        object: Object::Image,
        help: "Clones an image",
    },
    Method {
        name: "one.image.delete",
        params: &[ID, opt("force", Bool)],
        handler: |ctx, c, a| int(api::image_ops::delete(ctx, c, a.int(0), a.bool_or(1, false))),
        object: Object::Image,
        help: "Deletes an image",
    },
    Method {
        name: "one.image.info",
        params: INFO,
        handler: |ctx, c, a| string(pool::info::<Image>(ctx, c, a.int(0))),
        object: Object::Image,
        help: "Returns image information",
    },
    Method {
        name: "one.image.update",
        params: UPDATE,
        handler: |ctx, c, a| int(pool::update::<Image>(ctx, c, a.int(0), a.str(1), a.int_or(2, 0))),
        object: Object::Image,
        help: "Replaces or merges the image template",
    },
    Method {
        name: "one.image.rename",
        params: RENAME,
        handler: |ctx, c, a| int(pool::rename::<Image>(ctx, c, a.int(0), a.str(1))),
        object: Object::Image,
        help: "Renames an image",
    },
    Method {
        name: "one.image.chmod",
        params: CHMOD,
        handler: |ctx, c, a| int(pool::chmod::<Image>(ctx, c, a.int(0), super::chmod_bits(a))),
        object: Object::Image,
        help: "Changes the image's permissions",
    },
    Method {
        name: "one.image.chown",
        params: CHOWN,
        handler: |ctx, c, a| int(api::image_ops::chown(ctx, c, a.int(0), a.int(1), a.int(2))),
        object: Object::Image,
        help: "Changes the image's owner and group",
    },
    Method {
        name: "one.image.lock",
        params: LOCK,
        handler: |ctx, c, a| int(pool::lock::<Image>(ctx, c, a.int(0), a.int(1), a.bool_or(2, false))),
        object: Object::Image,
        help: "Locks an image",
    },
    Method {
        name: "one.image.unlock",
        params: &[ID],
        handler: |ctx, c, a| int(pool::unlock::<Image>(ctx, c, a.int(0))),
        object: Object::Image,
        help: "Unlocks an image",
    },
    Method {
        name: "one.image.enable",
        params: &[ID, req("enable", Bool)],
        handler: |ctx, c, a| int(api::image_ops::enable(ctx, c, a.int(0), a.bool_or(1, true))),
        object: Object::Image,
        help: "Enables or disables an image",
    },
    Method {
        name: "one.image.persistent",
        params: &[ID, req("persistent", Bool)],
        handler: |ctx, c, a| int(api::image_ops::persistent(ctx, c, a.int(0), a.bool_or(1, true))),
        object: Object::Image,
        help: "Makes an image persistent or non-persistent",
    },
    Method {
        name: "one.image.chtype",
        params: &[ID, req("type", Str)],
        handler: |ctx, c, a| int(api::image_ops::chtype(ctx, c, a.int(0), a.str(1))),
        object: Object::Image,
        help: "Changes the type of an image",
    },
    Method {
        name: "one.image.snapshotdelete",
        params: SNAPSHOT,
        handler: |ctx, c, a| int(api::image_ops::snapshot(ctx, c, a.int(0), SnapshotOp::Delete, a.int(1))),
        object: Object::Image,
        help: "Deletes a snapshot of an image",
    },
    Method {
        name: "one.image.snapshotrevert",
        params: SNAPSHOT,
        handler: |ctx, c, a| int(api::image_ops::snapshot(ctx, c, a.int(0), SnapshotOp::Revert, a.int(1))),
        object: Object::Image,
        help: "Reverts an image to a snapshot",
    },
    Method {
        name: "one.image.snapshotflatten",
        params: SNAPSHOT,
        handler: |ctx, c, a| int(api::image_ops::snapshot(ctx, c, a.int(0), SnapshotOp::Flatten, a.int(1))),
        object: Object::Image,
        help: "Flattens an image's snapshot into the image",
    },
    Method {
        name: "one.imagepool.info",
        params: POOL,
        handler: |ctx, c, a| {
            doc(pool::pool_info::<Image>(ctx, c, a.int_or(0, -2), a.int_or(1, -1), a.int_or(2, -1)))
        },
        object: Object::Image,
        help: "Returns the images",
    },
];
