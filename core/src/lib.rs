//! `one-core`: the pure wire model that oned, the client crate and every other process agree on.
//!
//! Nothing here performs I/O. It owns:
//! - [`template`]: OpenNebula's template language (text and XML forms), parse and print;
//! - [`xml`]: the XML writer used to render objects and a small tree parser for reading them;
//! - [`expr`]: the scheduler's requirement and rank expressions, parsed and evaluated against
//!   hosts, datastores and networks;
//! - [`error`]: OpenNebula's API error codes and the XML-RPC fault codes;
//! - [`states`]: object states and types with OpenNebula's numeric values;
//! - [`perms`]: the 9-bit owner/group/other permissions;
//! - [`acl`]: ACL rules, their string form, their 64-bit encoding and rule matching;
//! - [`objects`]: the objects served over the API (users, groups, ACLs, hosts, clusters,
//!   datastores, images, templates, networks, VMs) with their XML and their pure rules;
//! - [`lifecycle`]: the VM life-cycle as one transition function over states and events;
//! - [`time`]: times as OpenNebula writes them in messages.

pub mod acl;
pub mod error;
pub mod expr;
pub mod lifecycle;
pub mod objects;
pub mod perms;
pub mod states;
pub mod template;
pub mod time;
pub mod xml;
