//! The XML-RPC transport: `POST /RPC2` on axum, request bodies decoded with `dxr`, one call
//! dispatched through [`table::METHODS`], and responses in OpenNebula's exact convention:
//! `[true, value, 0]` on success, `[false, "[method] message", code, object_id, -1]` on
//! failure, and an XML-RPC `<fault>` for transport-level problems (unknown method -506,
//! missing or mistyped parameter -501, unparsable body -503, oversized body -509, body not
//! UTF-8 -510).
//!
//! We use dxr's types with our own axum route rather than `dxr_server`'s: its fault for an
//! unknown method (404 "Unknown method.") and its refusal of requests without
//! `Content-Length` differ from what OpenNebula's clients see from oned.

pub mod params;
pub mod table;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use dxr::{Fault, FaultResponse, MethodCall, MethodResponse, Value};
use futures_util::StreamExt;

use crate::api::{ApiError, Ctx, Doc, DocStream, authn};
use one_core::error::fault;
use params::Kind;
use table::Reply;

/// The outcome of one call, before encoding.
#[derive(Debug)]
pub enum Outcome {
    /// `[true, value, 0]`.
    Success(Value),
    /// `[true, document, 0]` with the document as escaped pieces.
    Doc(Doc),
    /// `[true, document, 0]` with the document streamed as it is produced.
    Stream(DocStream),
    /// A bare value (the `system.*` introspection methods, as xmlrpc-c answers them).
    Plain(Value),
    /// `[false, "[method] message", code, id, -1]`.
    Failure {
        /// The method name for the message prefix.
        method: String,
        /// The error.
        error: ApiError,
    },
    /// An XML-RPC fault.
    Fault {
        /// Fault code.
        code: i32,
        /// Fault string.
        message: String,
    },
}

fn fault(code: i32, message: impl Into<String>) -> Outcome {
    Outcome::Fault { code, message: message.into() }
}

/// Runs one call: introspection, method lookup, authentication, argument decoding, handler.
/// Transport-free, so tests can drive every method directly.
pub fn dispatch(ctx: &Arc<Ctx>, name: &str, values: &[Value]) -> Outcome {
    if let Some(outcome) = introspection(name, values) {
        return outcome;
    }
    let Some(method) = table::find(name) else {
        return fault(fault::NO_SUCH_METHOD, format!("Method '{name}' not defined"));
    };
    let session = match values.first() {
        Some(Value::String(s)) => s,
        Some(_) => return fault(fault::TYPE, "Parameter that is supposed to be a string is not"),
        None => return fault(fault::TYPE, "Not enough parameters"),
    };
    // OpenNebula authenticates before it looks at the other parameters.
    let decoded = params::decode_args(method.params, &values[1..]);
    let caller = match authn::authenticate(ctx, session) {
        Ok(caller) => caller,
        Err(error) => return Outcome::Failure { method: name.to_owned(), error },
    };
    let args = match decoded {
        Ok(args) => args,
        Err(f) => return fault(f.code, f.message),
    };
    match (method.handler)(ctx, &caller, &args) {
        Ok(Reply::Value(value)) => {
            tracing::debug!(method = name, uid = caller.uid, "call succeeded");
            Outcome::Success(value)
        }
        Ok(Reply::Doc(doc)) => Outcome::Doc(doc),
        Ok(Reply::Stream(stream)) => Outcome::Stream(stream),
        Err(error) => {
            tracing::info!(
                method = name,
                uid = caller.uid,
                code = error.code().code(),
                "{}",
                error.message()
            );
            Outcome::Failure { method: name.to_owned(), error }
        }
    }
}

/// `system.listMethods`, `system.methodSignature` and `system.methodHelp`, from the table;
/// they take no session string and answer bare values, as xmlrpc-c does.
fn introspection(name: &str, values: &[Value]) -> Option<Outcome> {
    let method_arg = || match values.first() {
        Some(Value::String(s)) => {
            table::find(s).ok_or_else(|| fault(fault::NO_SUCH_METHOD, format!("Method '{s}' not defined")))
        }
        Some(_) => Err(fault(fault::TYPE, "Parameter that is supposed to be a string is not")),
        None => Err(fault(fault::TYPE, "Not enough parameters")),
    };
    let outcome = match name {
        "system.listMethods" => Outcome::Plain(Value::Array(
            table::METHODS.iter().map(|m| Value::String(m.name.to_owned())).collect(),
        )),
        "system.methodSignature" => match method_arg() {
            Ok(m) => {
                let mut sig =
                    vec![Value::String("array".into()), Value::String(Kind::Str.signature().into())];
                sig.extend(m.params.iter().map(|p| Value::String(p.kind.signature().into())));
                Outcome::Plain(Value::Array(vec![Value::Array(sig)]))
            }
            Err(f) => f,
        },
        "system.methodHelp" => match method_arg() {
            Ok(m) => Outcome::Plain(Value::String(m.help.to_owned())),
            Err(f) => f,
        },
        _ => return None,
    };
    Some(outcome)
}

const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// The response body for an outcome.
pub fn encode(outcome: Outcome) -> String {
    // Documents (pool listings of thousands of objects) are the large answers: write them
    // directly instead of through dxr's serializer.
    if let Outcome::Success(Value::String(doc)) = &outcome {
        let mut out = String::with_capacity(doc.len() + doc.len() / 4 + 256);
        out.push_str(XML_HEAD);
        out.push_str(DOC_HEAD);
        one_core::xml::escape_value_to(&mut out, doc);
        out.push_str(DOC_TAIL);
        return out;
    }
    let xml = match outcome {
        Outcome::Success(value) => {
            MethodResponse { value: Value::Array(vec![Value::Boolean(true), value, Value::Integer(0)]) }
                .to_xml()
        }
        Outcome::Plain(value) => MethodResponse { value }.to_xml(),
        Outcome::Doc(doc) => return encode(Outcome::Success(Value::String(doc.unescaped()))),
        Outcome::Stream(_) => {
            return encode(Outcome::Fault {
                code: fault::INTERNAL,
                message: "Internal error: unexpected stream".into(),
            });
        }
        Outcome::Failure { method, error } => MethodResponse {
            value: Value::Array(vec![
                Value::Boolean(false),
                Value::String(format!("[{method}] {}", error.message())),
                Value::Integer(error.code().code()),
                Value::Integer(error.resp_id()),
                Value::Long(-1),
            ]),
        }
        .to_xml(),
        Outcome::Fault { code, message } => FaultResponse { fault: Fault::new(code, message) }.to_xml(),
    };
    let body = xml.unwrap_or_else(|e| {
        tracing::error!("cannot encode a response: {e}");
        let fallback = FaultResponse {
            fault: Fault::new(fault::INTERNAL, "Internal error encoding the response".into()),
        };
        fallback.to_xml().unwrap_or_default()
    });
    format!("{XML_HEAD}{body}")
}

/// Decodes a request body and dispatches it.
pub fn handle(ctx: &Arc<Ctx>, body: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(body) else {
        return fault(fault::INVALID_UTF8, "XML-RPC request body is not valid UTF-8");
    };
    match MethodCall::from_xml(text) {
        Ok(call) => dispatch(ctx, &call.name, &call.params),
        Err(_) => {
            // dxr's error repeats the whole body; say what is wrong instead.
            let detail = match one_core::xml::parse(text) {
                Err(e) => e.to_string(),
                Ok(_) => "not a valid XML-RPC <methodCall>".to_owned(),
            };
            fault(fault::PARSE, format!("XML-RPC parse error: {detail}"))
        }
    }
}

/// The most a request body is drained for, past the limit, so the client still reads the
/// fault; beyond it the connection is closed.
const DRAIN_LIMIT: usize = 1 << 30;

/// Reads the body up to `limit` bytes; past that, reads and drops the rest (up to
/// [`DRAIN_LIMIT`]) and returns the total size.
async fn read_body(body: Body, limit: usize) -> Result<Vec<u8>, usize> {
    let mut stream = body.into_data_stream();
    let mut data = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        total = total.saturating_add(chunk.len());
        if total <= limit {
            data.extend_from_slice(&chunk);
        } else {
            data = Vec::new();
            if total > DRAIN_LIMIT {
                break;
            }
        }
    }
    if total > limit { Err(total) } else { Ok(data) }
}

async fn rpc(State(ctx): State<Arc<Ctx>>, body: Body) -> Response {
    let limit = ctx.config.max_request_bytes;
    let outcome = match read_body(body, limit).await {
        Ok(data) => {
            let ctx = ctx.clone();
            tokio::task::spawn_blocking(move || handle(&ctx, &data))
                .await
                .unwrap_or_else(|e| fault(fault::INTERNAL, format!("Internal error: {e}")))
        }
        Err(size) => fault(
            fault::LIMIT_EXCEEDED,
            format!(
                "XML-RPC request too large: {size} bytes or more, the limit is {limit} bytes (max_request_bytes)"
            ),
        ),
    };
    let body = match outcome {
        Outcome::Doc(doc) => pieces(doc),
        Outcome::Stream(stream) => streamed(stream),
        other => Body::from(tokio::task::spawn_blocking(move || encode(other)).await.unwrap_or_default()),
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

const DOC_HEAD: &str =
    "<methodResponse><params><param><value><array><data><value><boolean>1</boolean></value><value><string>";
const DOC_TAIL: &str =
    "</string></value><value><i4>0</i4></value></data></array></value></param></params></methodResponse>";

/// A response body made of a document's escaped pieces, shared with the listings they come
/// from: nothing is copied or escaped here, and the exact length is known up front (a
/// `Content-Length` response, written with vectored writes).
fn pieces(doc: Doc) -> Body {
    let head = Bytes::from(format!("{XML_HEAD}{DOC_HEAD}"));
    let tail = Bytes::from_static(DOC_TAIL.as_bytes());
    let all: std::collections::VecDeque<Bytes> =
        std::iter::once(head).chain(doc.pieces).chain(std::iter::once(tail)).collect();
    let remaining = all.iter().map(|b| b.len() as u64).sum();
    Body::new(Pieces { all, remaining })
}

/// The body of [`pieces`].
struct Pieces {
    all: std::collections::VecDeque<Bytes>,
    remaining: u64,
}

impl http_body::Body for Pieces {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let next = self.all.pop_front();
        if let Some(piece) = &next {
            self.remaining -= piece.len() as u64;
        }
        std::task::Poll::Ready(next.map(|piece| Ok(http_body::Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.all.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

/// How many encoded pieces may wait for a slow client.
const STREAM_BUFFER: usize = 16;

/// A response body written as the document is produced, on a blocking thread; memory stays
/// bounded by [`STREAM_BUFFER`] pieces whatever the document's size.
fn streamed(stream: DocStream) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<String>(STREAM_BUFFER);
    tokio::task::spawn_blocking(move || {
        let head = format!("{XML_HEAD}{DOC_HEAD}");
        if tx.blocking_send(head).is_err() {
            return;
        }
        let mut open = true;
        let mut sink = |piece: &str| {
            if open {
                let mut escaped = String::with_capacity(piece.len() + piece.len() / 4);
                one_core::xml::escape_value_to(&mut escaped, piece);
                open = tx.blocking_send(escaped).is_ok();
            }
        };
        match (stream.produce)(&mut sink) {
            Ok(()) => {
                let _ = tx.blocking_send(DOC_TAIL.to_owned());
            }
            // The status line is gone: cut the response short so the client sees an error.
            Err(e) => tracing::error!("streamed response failed: {}", e.message()),
        }
    });
    let pieces = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|piece| (Ok::<_, std::convert::Infallible>(piece), rx))
    });
    Body::from_stream(pieces)
}

/// The HTTP routes: `POST /RPC2`.
pub fn router(ctx: Arc<Ctx>) -> Router {
    Router::new().route("/RPC2", post(rpc)).with_state(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::bootstrap::bootstrap;
    use crate::config::Config;
    use crate::db::Db;
    use params::Kind;

    fn ctx() -> Arc<Ctx> {
        let (ctx, _jobs) = Ctx::new(Db::open_in_memory().unwrap(), Config::default());
        bootstrap(&ctx, "oneadmin", "pw").unwrap();
        Arc::new(ctx)
    }

    /// Well-typed arguments for every parameter of a method.
    fn sample_args(method: &table::Method) -> Vec<Value> {
        method
            .params
            .iter()
            .map(|p| match p.kind {
                Kind::Int => Value::Integer(1),
                Kind::Bool => Value::Boolean(true),
                Kind::Str => Value::String("A = 1".into()),
                Kind::IntArray => Value::Array(vec![Value::Integer(1)]),
            })
            .collect()
    }

    #[test]
    fn no_method_in_the_table_accepts_a_bad_session() {
        let ctx = ctx();
        for method in table::METHODS.iter() {
            for session in ["oneadmin:wrong", "oneadmin", "", "nobody:pw", ":pw", "serveradmin:"] {
                let mut values = vec![Value::String(session.into())];
                values.extend(sample_args(method));
                match dispatch(&ctx, method.name, &values) {
                    Outcome::Failure { error: ApiError::Authentication, .. } => {}
                    other => panic!("{} accepted session {session:?}: {other:?}", method.name),
                }
            }
        }
    }

    #[test]
    fn every_method_answers_well_typed_calls_without_panicking() {
        let ctx = ctx();
        for method in table::METHODS.iter() {
            let mut values = vec![Value::String("oneadmin:pw".into())];
            values.extend(sample_args(method));
            match dispatch(&ctx, method.name, &values) {
                Outcome::Success(_) | Outcome::Doc(_) | Outcome::Stream(_) | Outcome::Failure { .. } => {}
                other => panic!("{}: {other:?}", method.name),
            }
            // Leaving out every parameter is a fault unless all are optional.
            let outcome = dispatch(&ctx, method.name, &values[..1]);
            let all_optional = method.params.iter().all(|p| p.optional);
            assert_eq!(
                matches!(outcome, Outcome::Fault { code: -501, .. }),
                !all_optional,
                "{}",
                method.name
            );
        }
    }

    #[test]
    fn the_fast_path_reads_back_as_dxr_encodes_it() {
        let doc = "<VM><NAME>a &amp; b > c</NAME><![CDATA[x<y]]></VM>".to_owned();
        let fast = encode(Outcome::Success(Value::String(doc.clone())));
        // Fewer escapes than dxr writes (`>` only in `]]>`), the same value for any parser.
        assert!(
            fast.contains("&lt;VM>&lt;NAME>a &amp;amp; b > c&lt;/NAME>&lt;![CDATA[x&lt;y]]&gt;&lt;/VM>"),
            "{fast}"
        );
        let expected = Value::Array(vec![Value::Boolean(true), Value::String(doc), Value::Integer(0)]);
        let back = MethodResponse::from_xml(fast.trim_start_matches(XML_HEAD)).unwrap();
        assert_eq!(back.value, expected);
        let reference = MethodResponse { value: expected.clone() }.to_xml().unwrap();
        assert_eq!(MethodResponse::from_xml(&reference).unwrap().value, back.value);
    }

    #[test]
    fn encoding_follows_the_opennebula_convention() {
        let ok = encode(Outcome::Success(Value::Integer(7)));
        assert!(
            ok.contains("<boolean>1</boolean></value><value><i4>7</i4></value><value><i4>0</i4>"),
            "{ok}"
        );
        let err = encode(Outcome::Failure {
            method: "one.user.info".into(),
            error: ApiError::NoExists { object: crate::api::Object::User, id: 4 },
        });
        assert!(err.contains("<string>[one.user.info] Error getting user [4].</string></value><value><i4>1024</i4></value><value><i4>4</i4></value><value><i8>-1</i8>"), "{err}");
    }
}
