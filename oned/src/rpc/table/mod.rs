//! The dispatch table: every XML-RPC method oned serves, with its parameters (after the
//! session string) and the function it calls. Handlers only unpack arguments, call the
//! manager and wrap the result. The entries live in one file per object family; [`METHODS`]
//! is the one table they make together.

mod acls;
mod groups;
mod hosts;
mod images;
mod system;
mod templates;
mod users;
mod vm_ops;
mod vmgroups;
mod vms;
mod vnets;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use dxr::Value;

use super::params::Kind::{Bool, Int, Str};
use super::params::{Args, Param, opt, req};
use crate::api::{ApiResult, Caller, Ctx, Doc, DocStream, Object};

/// What a handler answers: a value, a document in escaped pieces, or a document streamed as
/// it is read.
pub enum Reply {
    /// The value (an ID, a document, a token...).
    Value(Value),
    /// A document as escaped pieces (pool listings from memory).
    Doc(Doc),
    /// A large document, produced in pieces.
    Stream(DocStream),
}

/// A handler: runs the call as `caller` with decoded arguments.
pub type Handler = fn(&Arc<Ctx>, &Caller, &Args) -> ApiResult<Reply>;

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

pub(super) fn int(r: ApiResult<i32>) -> ApiResult<Reply> {
    r.map(|v| Reply::Value(Value::Integer(v)))
}

pub(super) fn string(r: ApiResult<String>) -> ApiResult<Reply> {
    r.map(|v| Reply::Value(Value::String(v)))
}

pub(super) fn doc(r: ApiResult<Doc>) -> ApiResult<Reply> {
    r.map(Reply::Doc)
}

pub(super) fn stream(r: ApiResult<DocStream>) -> ApiResult<Reply> {
    r.map(Reply::Stream)
}

pub(super) const ID: Param = req("id", Int);
pub(super) const INFO: &[Param] = &[ID, opt("decrypt", Bool)];
pub(super) const UPDATE: &[Param] = &[ID, req("template", Str), opt("type", Int)];
pub(super) const ID_GID: &[Param] = &[ID, req("group_id", Int)];
pub(super) const RENAME: &[Param] = &[ID, req("name", Str)];
pub(super) const CHOWN: &[Param] = &[ID, req("user_id", Int), req("group_id", Int)];
/// `chmod` with `one.template.chmod`'s trailing `recursive` flag.
pub(super) const CHMOD_RECURSIVE: &[Param] = &[
    ID,
    req("owner_u", Int),
    req("owner_m", Int),
    req("owner_a", Int),
    req("group_u", Int),
    req("group_m", Int),
    req("group_a", Int),
    req("other_u", Int),
    req("other_m", Int),
    req("other_a", Int),
    opt("recursive", Bool),
];
pub(super) const CHMOD: &[Param] = CHMOD_RECURSIVE.split_at(10).0;
pub(super) const LOCK: &[Param] = &[ID, req("level", Int), opt("test", Bool)];
pub(super) const POOL: &[Param] = &[opt("filter", Int), opt("start", Int), opt("end", Int)];

/// The nine chmod values after the ID.
pub(super) fn chmod_bits(a: &Args) -> [i32; 9] {
    std::array::from_fn(|i| a.int(i + 1))
}

/// Every method, in the order `system.listMethods` reports them.
pub static METHODS: LazyLock<Vec<&'static Method>> = LazyLock::new(|| {
    [
        system::METHODS,
        users::METHODS,
        groups::METHODS,
        acls::METHODS,
        hosts::METHODS,
        vms::METHODS,
        vm_ops::METHODS,
        images::METHODS,
        templates::METHODS,
        vnets::METHODS,
        vmgroups::METHODS,
    ]
    .into_iter()
    .flatten()
    .collect()
});

static BY_NAME: LazyLock<HashMap<&'static str, &'static Method>> =
    LazyLock::new(|| METHODS.iter().map(|m| (m.name, *m)).collect());

/// The method with this name.
pub fn find(name: &str) -> Option<&'static Method> {
    BY_NAME.get(name).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_optional_parameters_come_last() {
        let mut seen = HashSet::new();
        for m in METHODS.iter() {
            assert!(seen.insert(m.name), "{} listed twice", m.name);
            assert!(m.name.starts_with("one."));
            let first_optional = m.params.iter().position(|p| p.optional).unwrap_or(m.params.len());
            assert!(m.params[first_optional..].iter().all(|p| p.optional), "{}", m.name);
        }
    }
}
