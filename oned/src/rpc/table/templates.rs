//! Dispatch entries for `one.template.*` and `one.templatepool.info`.

use one_core::objects::vmtemplate::VmTemplate;

use super::{CHOWN, ID, LOCK, Method, POOL, RENAME, UPDATE, doc, int, string};
use crate::api::templates::Instantiate;
use crate::api::{self, Object, pool};
use crate::rpc::params::Kind::{Bool, Str};
use crate::rpc::params::{opt, req};

/// The entries.
pub static METHODS: &[Method] = &[
    Method {
        name: "one.template.allocate",
        params: &[req("template", Str)],
        handler: |ctx, c, a| int(api::templates::allocate(ctx, c, a.str(0))),
        object: Object::Template,
        help: "Allocates a new virtual machine template",
    },
    Method {
        name: "one.template.clone",
        params: &[ID, req("name", Str), opt("recursive", Bool)],
        handler: |ctx, c, a| int(api::templates::clone(ctx, c, a.int(0), a.str(1), a.bool_or(2, false))),
        object: Object::Template,
        help: "Clones a virtual machine template (and its images, recursively)",
    },
    Method {
        name: "one.template.delete",
        params: &[ID, opt("recursive", Bool)],
        handler: |ctx, c, a| int(api::templates::delete(ctx, c, a.int(0), a.bool_or(1, false))),
        object: Object::Template,
        help: "Deletes a virtual machine template (and its images, recursively)",
    },
    Method {
        name: "one.template.info",
        params: &[ID, opt("extended", Bool), opt("decrypt", Bool)],
        handler: |ctx, c, a| string(api::templates::info(ctx, c, a.int(0), a.bool_or(1, false))),
        object: Object::Template,
        help: "Returns virtual machine template information",
    },
    Method {
        name: "one.template.update",
        params: UPDATE,
        handler: |ctx, c, a| int(pool::update::<VmTemplate>(ctx, c, a.int(0), a.str(1), a.int_or(2, 0))),
        object: Object::Template,
        help: "Replaces or merges the virtual machine template's contents",
    },
    Method {
        name: "one.template.rename",
        params: RENAME,
        handler: |ctx, c, a| int(pool::rename::<VmTemplate>(ctx, c, a.int(0), a.str(1))),
        object: Object::Template,
        help: "Renames a virtual machine template",
    },
    Method {
        name: "one.template.chmod",
        params: super::CHMOD_RECURSIVE,
        handler: |ctx, c, a| {
            int(api::templates::chmod(ctx, c, a.int(0), super::chmod_bits(a), a.bool_or(10, false)))
        },
        object: Object::Template,
        help: "Changes the virtual machine template's permissions (and its images', recursively)",
    },
    Method {
        name: "one.template.chown",
        params: CHOWN,
        handler: |ctx, c, a| int(pool::chown::<VmTemplate>(ctx, c, a.int(0), a.int(1), a.int(2))),
        object: Object::Template,
        help: "Changes the virtual machine template's owner and group",
    },
    Method {
        name: "one.template.lock",
        params: LOCK,
        handler: |ctx, c, a| int(pool::lock::<VmTemplate>(ctx, c, a.int(0), a.int(1), a.bool_or(2, false))),
        object: Object::Template,
        help: "Locks a virtual machine template",
    },
    Method {
        name: "one.template.unlock",
        params: &[ID],
        handler: |ctx, c, a| int(pool::unlock::<VmTemplate>(ctx, c, a.int(0))),
        object: Object::Template,
        help: "Unlocks a virtual machine template",
    },
    Method {
        name: "one.template.instantiate",
        params: &[
            ID,
            req("name", Str),
            opt("hold", Bool),
            opt("extra_template", Str),
            opt("persistent", Bool),
        ],
        handler: |ctx, c, a| {
            let req = Instantiate {
                name: a.str(1),
                hold: a.bool_or(2, false),
                extra: a.str(3),
                persistent: a.bool_or(4, false),
            };
            int(api::templates::instantiate(ctx, c, a.int(0), req))
        },
        object: Object::Template,
        help: "Creates a virtual machine from a template",
    },
    Method {
        name: "one.templatepool.info",
        params: POOL,
        handler: |ctx, c, a| {
            doc(api::templates::pool_info(ctx, c, a.int_or(0, -2), a.int_or(1, -1), a.int_or(2, -1)))
        },
        object: Object::Template,
        help: "Returns the virtual machine templates",
    },
];
