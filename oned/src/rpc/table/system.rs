//! Dispatch entries for `one.system.*`.

use super::{Method, string};
use crate::api::{self, Object};

/// The entries.
pub static METHODS: &[Method] = &[
    Method {
        name: "one.system.version",
        params: &[],
        handler: |_, _, _| string(Ok(api::system::VERSION.to_owned())),
        object: Object::System,
        help: "Returns the OpenNebula version",
    },
    Method {
        name: "one.system.config",
        params: &[],
        handler: |ctx, c, _| string(Ok(api::system::config(ctx, c))),
        object: Object::System,
        help: "Returns the configuration",
    },
];
