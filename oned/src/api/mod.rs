//! The operations of the API, callable without HTTP: each manager module (`users`, `groups`,
//! `acls`, `system`) takes the context, the authenticated caller and typed arguments, checks
//! authorization, and runs its reads and writes in one database transaction.
//!
//! Errors are one enum, [`ApiError`], with one exhaustive mapping to OpenNebula's error codes
//! and message texts (`Request::failure_message`); the transport adds the `[method]` prefix.

pub mod acls;
pub mod authn;
pub mod authz;
pub mod bootstrap;
pub mod clusters;
pub mod datastores;
pub mod groups;
pub mod hosts;
pub mod image_jobs;
pub mod image_ops;
pub mod images;
pub mod membership;
pub mod pool;
pub mod quotas;
pub mod restricted;
pub mod system;
pub mod templates;
pub mod usage;
pub mod users;
pub mod vm_alloc;
pub mod vm_conf;
pub mod vm_devices;
pub mod vm_saveas;
pub mod vm_snapshots;
pub mod vmgroups;
pub mod vms;
pub mod vnet_ops;
pub mod vnets;

use one_core::error::ErrorCode;

use crate::config::Config;
use crate::db::{Db, DbError};

/// What every operation can reach: the database, the configuration, the drivers and the
/// queue of background work.
#[derive(Debug)]
pub struct Ctx {
    /// The database.
    pub db: Db,
    /// The configuration.
    pub config: Config,
    /// The drivers, by name.
    pub drivers: crate::drivers::Drivers,
    /// Background work (driver actions, monitoring).
    pub jobs: crate::jobs::JobQueue,
    /// Notified whenever a VM becomes PENDING (wakes the scheduler).
    pub pending: std::sync::Arc<tokio::sync::Notify>,
}

impl Ctx {
    /// A context and the receiving end of its job queue (for the runner, or a test that runs
    /// jobs itself).
    pub fn new(db: Db, config: Config) -> (Ctx, tokio::sync::mpsc::UnboundedReceiver<crate::jobs::Job>) {
        let drivers = crate::drivers::Drivers::new(&config);
        let (jobs, rx) = crate::jobs::JobQueue::new();
        let pending = std::sync::Arc::new(tokio::sync::Notify::new());
        (Ctx { db, config, drivers, jobs, pending }, rx)
    }

    /// Signals that a VM waits for a placement (the scheduler listens).
    pub fn schedule_pending(&self) {
        self.pending.notify_one();
    }
}

/// A large document produced piece by piece (`one.vmpool.infoextended` of every VM): `produce`
/// calls its argument with each piece, in order. Authorization is done before the stream is
/// returned; `produce` only reads.
pub struct DocStream {
    /// Writes the document through the given sink.
    pub produce: Producer,
}

/// The function that writes a streamed document through a sink.
pub type Producer = Box<dyn FnOnce(&mut dyn FnMut(&str)) -> ApiResult<()> + Send>;

impl std::fmt::Debug for DocStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocStream")
    }
}

/// A document given as pieces already escaped for an XML-RPC string value (pool listings
/// served from memory): the response is these pieces, shared, not copied.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// The escaped pieces, in order.
    pub pieces: Vec<bytes::Bytes>,
}

impl Doc {
    /// `<ROOT>` + listing bodies + `</ROOT>`.
    pub fn pool(root: &str, bodies: Vec<bytes::Bytes>) -> Doc {
        let mut pieces = Vec::with_capacity(bodies.len() + 2);
        pieces.push(Doc::escaped(&format!("<{root}>")));
        pieces.extend(bodies);
        pieces.push(Doc::escaped(&format!("</{root}>")));
        Doc { pieces }
    }

    /// A whole document, escaped at once.
    pub fn text(doc: &str) -> Doc {
        Doc { pieces: vec![Doc::escaped(doc)] }
    }

    fn escaped(text: &str) -> bytes::Bytes {
        let mut out = String::with_capacity(text.len() + text.len() / 5);
        one_core::xml::escape_value_to(&mut out, text);
        bytes::Bytes::from(out)
    }

    /// The document, unescaped (for tests and the transport-free dispatch).
    pub fn unescaped(&self) -> String {
        let escaped: Vec<u8> = self.pieces.iter().flat_map(|p| p.iter().copied()).collect();
        let text = String::from_utf8_lossy(&escaped);
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    }
}

/// The zone this oned serves (a solo server is zone 0).
pub const ZONE_ID: u32 = 0;

/// The authenticated user a call runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// User ID.
    pub uid: i32,
    /// Effective group (the primary group, or the group a login token is bound to).
    pub gid: i32,
    /// The groups the call may act through (all of the user's, or only the token's group).
    pub groups: Vec<i32>,
    /// User name.
    pub uname: String,
    /// Effective group name.
    pub gname: String,
}

impl Caller {
    /// Administrators: `oneadmin` and members of the `oneadmin` group skip permission checks.
    pub fn is_admin(&self) -> bool {
        self.uid == 0 || self.groups.contains(&0)
    }

    /// Whether the effective group is `oneadmin` (required for a few system-wide settings).
    pub fn in_oneadmin_group(&self) -> bool {
        self.gid == 0
    }
}

/// The kind of object an error is about, named as OpenNebula's messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// `user`.
    User,
    /// `group`.
    Group,
    /// `ACL`.
    Acl,
    /// Methods about no object (`one.system.*`).
    System,
    /// `host`.
    Host,
    /// `cluster`.
    Cluster,
    /// `datastore`.
    Datastore,
    /// `image`.
    Image,
    /// `virtual machine template`.
    Template,
    /// `virtual network`.
    Vnet,
    /// `virtual machine`.
    Vm,
    /// `vm group`.
    VmGroup,
}

impl Object {
    /// The name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Object::User => "user",
            Object::Group => "group",
            Object::Acl => "ACL",
            Object::System => "system",
            Object::Host => "host",
            Object::Cluster => "cluster",
            Object::Datastore => "datastore",
            Object::Image => "image",
            Object::Template => "virtual machine template",
            Object::Vnet => "virtual network",
            Object::Vm => "virtual machine",
            Object::VmGroup => "vm group",
        }
    }
}

/// A failed operation.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The session was not accepted.
    #[error("User couldn't be authenticated, aborting call.")]
    Authentication,
    /// The caller lacks a permission; `detail` lists the refused operations.
    #[error("authorization")]
    Authorization {
        /// The caller's ID.
        uid: i32,
        /// Object of the method (for the generic message).
        object: Object,
        /// What was refused (`Not authorized to perform MANAGE USER [5]`), or empty.
        detail: String,
    },
    /// The object does not exist; `id` -1 means the pool itself.
    #[error("no such object")]
    NoExists {
        /// The kind of object.
        object: Object,
        /// Its ID.
        id: i32,
    },
    /// The operation is not possible.
    #[error("{msg}")]
    Action {
        /// The message, verbatim.
        msg: String,
        /// The object involved, or -1.
        id: i32,
    },
    /// The request is inconsistent.
    #[error("{msg}")]
    Api {
        /// The message, verbatim.
        msg: String,
        /// The object involved, or -1.
        id: i32,
    },
    /// The server failed or refused the content.
    #[error("{msg}")]
    Internal {
        /// The message, verbatim.
        msg: String,
        /// The object involved, or -1.
        id: i32,
    },
    /// A new object could not be created.
    #[error("allocate")]
    Allocate {
        /// The kind of object.
        object: Object,
        /// Why.
        msg: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ApiError {
    /// OpenNebula's error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Authentication => ErrorCode::Authentication,
            ApiError::Authorization { .. } => ErrorCode::Authorization,
            ApiError::NoExists { .. } => ErrorCode::NoExists,
            ApiError::Action { .. } => ErrorCode::Action,
            ApiError::Api { .. } => ErrorCode::XmlRpcApi,
            ApiError::Internal { .. } | ApiError::Db(_) => ErrorCode::Internal,
            ApiError::Allocate { .. } => ErrorCode::Allocate,
        }
    }

    /// The message, without the `[method]` prefix.
    pub fn message(&self) -> String {
        match self {
            ApiError::Authentication => self.to_string(),
            ApiError::Authorization { uid, object, detail } if detail.is_empty() => {
                format!("User [{uid}] not authorized to perform action on {}.", object.name())
            }
            ApiError::Authorization { uid, detail, .. } => format!("User [{uid}] : {detail}."),
            ApiError::NoExists { object, id: -1 } => format!("Error getting {} Pool.", object.name()),
            ApiError::NoExists { object, id } => format!("Error getting {} [{id}].", object.name()),
            ApiError::Action { msg, .. } | ApiError::Api { msg, .. } | ApiError::Internal { msg, .. } => {
                msg.clone()
            }
            ApiError::Allocate { object, msg } if msg.is_empty() => {
                format!("Error allocating a new {}.", object.name())
            }
            ApiError::Allocate { object, msg } => format!("Error allocating a new {}. {msg}", object.name()),
            ApiError::Db(e) => format!("Internal error: {e}"),
        }
    }

    /// The object the response names (its fourth element), or -1.
    pub fn resp_id(&self) -> i32 {
        match self {
            ApiError::NoExists { id, .. }
            | ApiError::Action { id, .. }
            | ApiError::Api { id, .. }
            | ApiError::Internal { id, .. } => *id,
            ApiError::Authentication
            | ApiError::Authorization { .. }
            | ApiError::Allocate { .. }
            | ApiError::Db(_) => -1,
        }
    }
}

/// Shorthand for an ACTION error.
pub fn action(msg: impl Into<String>, id: i32) -> ApiError {
    ApiError::Action { msg: msg.into(), id }
}

/// Shorthand for an XML_RPC_API error.
pub fn api(msg: impl Into<String>, id: i32) -> ApiError {
    ApiError::Api { msg: msg.into(), id }
}

/// Shorthand for an INTERNAL error.
pub fn internal(msg: impl Into<String>, id: i32) -> ApiError {
    ApiError::Internal { msg: msg.into(), id }
}

/// The result of an operation.
pub type ApiResult<T> = Result<T, ApiError>;

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Checks an object name as OpenNebula does: not empty, none of `&|:\";/'#{}$<>`, no control
/// whitespace, at most 128 bytes; `extra` lists further forbidden characters (a space for
/// users and groups).
pub fn check_name(name: &str, extra: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Invalid NAME, it cannot be empty".to_owned());
    }
    let forbidden =
        |c: char| "&|:\\\";/'#{}$<>\t\n\u{b}\u{c}\r".contains(c) || extra.contains(c) || c.is_control();
    if let Some(c) = name.chars().find(|c| forbidden(*c)) {
        return Err(format!("Invalid NAME, char '{c}' is not allowed"));
    }
    if name.len() > 128 {
        return Err("Invalid NAME, max length is 128 chars".to_owned());
    }
    Ok(())
}

/// Parses a template argument (text or XML), with OpenNebula's `Parse error:` prefix.
pub fn parse_template(text: &str) -> Result<one_core::template::Template, String> {
    one_core::template::Template::parse(text).map_err(|e| format!("Parse error: {e}"))
}

/// Computes an object's template after `update` (type 0 replaces it, type 1 merges), as
/// `one.*.update` does. `restricted` attributes may only be changed by administrators.
pub fn updated_template(
    old: &one_core::template::Template,
    text: &str,
    kind: i32,
    restricted: &[&str],
    caller: &Caller,
    id: i32,
) -> ApiResult<one_core::template::Template> {
    if kind != 0 && kind != 1 {
        return Err(api("Wrong update type", id));
    }
    let new = parse_template(text).map_err(|e| internal(format!("Cannot update template. {e}"), id))?;
    let next = if kind == 0 {
        new
    } else {
        let mut merged = old.clone();
        merged.merge(&new);
        merged
    };
    if !caller.is_admin() {
        for name in restricted {
            let before: Vec<_> = old.get_all(name).collect();
            let after: Vec<_> = next.get_all(name).collect();
            if before != after {
                return Err(internal(
                    format!("Cannot update template. Tried to change restricted attribute: {name}"),
                    id,
                ));
            }
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_opennebula() {
        let e = ApiError::Authorization {
            uid: 3,
            object: Object::User,
            detail: "Not authorized to perform MANAGE USER [5]".into(),
        };
        assert_eq!(e.message(), "User [3] : Not authorized to perform MANAGE USER [5].");
        assert_eq!(e.code(), ErrorCode::Authorization);
        let e = ApiError::Authorization { uid: 0, object: Object::Group, detail: String::new() };
        assert_eq!(e.message(), "User [0] not authorized to perform action on group.");
        assert_eq!(ApiError::NoExists { object: Object::User, id: 7 }.message(), "Error getting user [7].");
        assert_eq!(ApiError::NoExists { object: Object::User, id: -1 }.message(), "Error getting user Pool.");
        assert_eq!(ApiError::NoExists { object: Object::User, id: 7 }.resp_id(), 7);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("alice", " ").is_ok());
        assert_eq!(check_name("", " ").unwrap_err(), "Invalid NAME, it cannot be empty");
        assert_eq!(check_name("a b", " ").unwrap_err(), "Invalid NAME, char ' ' is not allowed");
        assert_eq!(check_name("a:b", "").unwrap_err(), "Invalid NAME, char ':' is not allowed");
        assert_eq!(check_name(&"x".repeat(129), "").unwrap_err(), "Invalid NAME, max length is 128 chars");
    }
}
