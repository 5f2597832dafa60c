//! The Rust OCA: a client for OpenNebula's XML-RPC API with a typed call for every method
//! oned serves. scheduler, sunstone, onecli and the tests talk to oned only through it.
//!
//! [`Client::call`] sends any method with the session string prepended and turns OpenNebula's
//! response convention into `Result`: `[true, value, 0]` gives the value, `[false, message,
//! code, ...]` gives [`OcaError::Api`], and an XML-RPC fault gives [`OcaError::Fault`].
//! The typed calls (in `users`, `groups`, `acls`, `system`) parse the XML documents into
//! `one_core` objects; each also has an `_xml` variant returning the raw document.

mod acls;
mod groups;
mod images;
mod infra;
mod system;
mod templates;
mod transport;
mod users;
mod vmgroups;
mod vms;
mod vnets;

pub use dxr::Value;
pub use images::ImageSnapshotOp;
pub use infra::ClusterMember;
pub use one_core;
pub use vms::VmFilter;
pub use vnets::VnetRecover;

use one_core::error::ErrorCode;

/// The default endpoint, as OpenNebula's clients assume.
pub const DEFAULT_ENDPOINT: &str = "http://localhost:2633/RPC2";

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum OcaError {
    /// oned answered `[false, message, code, ...]`.
    #[error("{message}")]
    Api {
        /// OpenNebula's error code (0x100 ... 0x8000), as sent.
        code: i32,
        /// The message, including the `[method]` prefix.
        message: String,
        /// The object the error names, or -1.
        id: i32,
    },
    /// oned answered with an XML-RPC fault (unknown method, bad parameters, ...).
    #[error("XML-RPC fault {code}: {message}")]
    Fault {
        /// Fault code.
        code: i32,
        /// Fault string.
        message: String,
    },
    /// The request did not reach oned, or its answer was not XML-RPC.
    #[error("cannot reach {endpoint}: {detail}")]
    Transport {
        /// The endpoint.
        endpoint: String,
        /// What failed.
        detail: String,
    },
    /// The answer was XML-RPC but not what the method returns.
    #[error("unexpected response to {method}: {detail}")]
    Unexpected {
        /// The method.
        method: String,
        /// What was wrong.
        detail: String,
    },
}

impl OcaError {
    /// The OpenNebula error code of an API error.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            OcaError::Api { code, .. } => ErrorCode::from_code(*code),
            _ => None,
        }
    }
}

/// The result of a call.
pub type OcaResult<T> = Result<T, OcaError>;

/// How `*.update` treats the template it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateType {
    /// Replace the whole template (0).
    Replace,
    /// Merge: replace only the attributes given (1).
    Merge,
}

impl UpdateType {
    fn value(self) -> Value {
        Value::Integer(match self {
            UpdateType::Replace => 0,
            UpdateType::Merge => 1,
        })
    }
}

/// A connection to oned as one user.
#[derive(Debug, Clone)]
pub struct Client {
    endpoint: String,
    session: String,
    http: transport::Http,
}

impl Client {
    /// A client for `endpoint` (e.g. `http://127.0.0.1:2633/RPC2`) with session `user:secret`.
    pub fn new(endpoint: &str, session: &str) -> OcaResult<Client> {
        let http = transport::Http::new(endpoint)
            .map_err(|detail| OcaError::Transport { endpoint: endpoint.to_owned(), detail })?;
        Ok(Client { endpoint: endpoint.to_owned(), session: session.to_owned(), http })
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The session string.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// Calls a method that takes no session and answers a bare value (`system.listMethods`,
    /// `system.methodSignature`, `system.methodHelp`).
    pub async fn call_plain(&self, method: &str, params: Vec<Value>) -> OcaResult<Value> {
        self.http.call(method, params).await.map_err(|e| self.map_error(e))
    }

    fn map_error(&self, e: transport::Failure) -> OcaError {
        match e {
            transport::Failure::Fault(code, message) => OcaError::Fault { code, message },
            transport::Failure::Transport(detail) => {
                OcaError::Transport { endpoint: self.endpoint.clone(), detail }
            }
        }
    }

    /// Calls `method` with the session string followed by `params`.
    pub async fn call(&self, method: &str, params: Vec<Value>) -> OcaResult<Value> {
        let mut all = Vec::with_capacity(params.len() + 1);
        all.push(Value::String(self.session.clone()));
        all.extend(params);
        let response: Value = self.http.call(method, all).await.map_err(|e| self.map_error(e))?;
        let unexpected =
            |detail: &str| OcaError::Unexpected { method: method.to_owned(), detail: detail.to_owned() };
        let Value::Array(items) = response else { return Err(unexpected("not an array")) };
        let mut items = items.into_iter();
        match (items.next(), items.next(), items.next(), items.next()) {
            (Some(Value::Boolean(true)), Some(value), _, _) => Ok(value),
            (Some(Value::Boolean(false)), Some(Value::String(message)), Some(Value::Integer(code)), id) => {
                Err(OcaError::Api {
                    code,
                    message,
                    id: match id {
                        Some(Value::Integer(id)) => id,
                        _ => -1,
                    },
                })
            }
            _ => Err(unexpected("not [success, value, code]")),
        }
    }

    /// Calls a method that returns an integer (an object ID).
    pub async fn call_int(&self, method: &str, params: Vec<Value>) -> OcaResult<i32> {
        match self.call(method, params).await? {
            Value::Integer(i) => Ok(i),
            Value::Long(l) => i32::try_from(l).map_err(|_| OcaError::Unexpected {
                method: method.to_owned(),
                detail: format!("{l} does not fit an ID"),
            }),
            other => Err(OcaError::Unexpected {
                method: method.to_owned(),
                detail: format!("not an integer: {other:?}"),
            }),
        }
    }

    /// Calls a method that returns a string (an XML document, a version, a token).
    pub async fn call_string(&self, method: &str, params: Vec<Value>) -> OcaResult<String> {
        match self.call(method, params).await? {
            Value::String(s) => Ok(s),
            other => Err(OcaError::Unexpected {
                method: method.to_owned(),
                detail: format!("not a string: {other:?}"),
            }),
        }
    }
}

/// Parses a returned XML document.
fn parse_doc(method: &str, xml: &str) -> OcaResult<one_core::xml::Node> {
    one_core::xml::parse(xml)
        .map_err(|e| OcaError::Unexpected { method: method.to_owned(), detail: e.to_string() })
}

/// Maps a document-reading error.
fn object_error(method: &str, e: one_core::objects::ObjectError) -> OcaError {
    OcaError::Unexpected { method: method.to_owned(), detail: e.to_string() }
}

fn int(v: i32) -> Value {
    Value::Integer(v)
}

fn string(s: &str) -> Value {
    Value::String(s.to_owned())
}
