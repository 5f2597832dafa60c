//! XML-RPC over HTTP: requests are written with dxr's types, answers read with dxr too,
//! except the common large one — `[true, "<document>", 0]`, a pool listing of tens of MB —
//! which is cut out of the body and unescaped directly (dxr parses a whole response twice,
//! about 50 MB/s; this path runs at memory speed).

use dxr::{FaultResponse, MethodCall, MethodResponse, Value};

/// What went wrong below the API's own error convention.
#[derive(Debug)]
pub enum Failure {
    /// An XML-RPC fault (code, string).
    Fault(i32, String),
    /// HTTP or decoding trouble.
    Transport(String),
}

/// An HTTP client for one endpoint.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    url: reqwest::Url,
}

const SUCCESS_HEAD: &str =
    "<methodResponse><params><param><value><array><data><value><boolean>1</boolean></value><value><string>";
const SUCCESS_TAIL: &str =
    "</string></value><value><i4>0</i4></value></data></array></value></param></params></methodResponse>";

impl Http {
    /// A client for `endpoint`.
    pub fn new(endpoint: &str) -> Result<Http, String> {
        let url = reqwest::Url::parse(endpoint).map_err(|e| format!("invalid endpoint: {e}"))?;
        let client = reqwest::Client::builder().user_agent("oca-rust").build().map_err(|e| e.to_string())?;
        Ok(Http { client, url })
    }

    /// Calls `method` with `params` and returns the response value.
    pub async fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, Failure> {
        let call = MethodCall { name: std::borrow::Cow::Borrowed(method), params };
        let xml = call.to_xml().map_err(|e| Failure::Transport(e.to_string()))?;
        let body = format!("<?xml version=\"1.0\"?>\n{xml}");
        let response = self
            .client
            .post(self.url.clone())
            .header("Content-Type", "text/xml")
            .body(body)
            .send()
            .await
            .map_err(|e| Failure::Transport(e.to_string()))?;
        let text = response.text().await.map_err(|e| Failure::Transport(e.to_string()))?;
        decode(&text)
    }
}

/// Reads a response body.
pub fn decode(text: &str) -> Result<Value, Failure> {
    if let Some(doc) = fast_document(text) {
        return Ok(Value::Array(vec![Value::Boolean(true), Value::String(doc), Value::Integer(0)]));
    }
    let body = text.trim_start();
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |(_, b)| b).trim_start(),
        None => body,
    };
    // dxr's errors repeat the whole body: say what is wrong instead.
    let not_xml_rpc = |_| Failure::Transport("the answer is not an XML-RPC response".to_owned());
    if body.contains("<fault>") {
        let fault = FaultResponse::from_xml(body).map_err(not_xml_rpc)?;
        return Err(Failure::Fault(fault.fault.code(), fault.fault.string().to_owned()));
    }
    MethodResponse::from_xml(body).map(|r| r.value).map_err(not_xml_rpc)
}

/// The document of a `[true, "<document>", 0]` answer as oned writes it, if this is one.
fn fast_document(text: &str) -> Option<String> {
    let head = text.find(SUCCESS_HEAD)?;
    let prefix = text[..head].trim();
    let declaration_only = prefix.is_empty()
        || (prefix.starts_with("<?xml") && prefix.ends_with("?>") && !prefix[1..].contains('<'));
    let start = head + SUCCESS_HEAD.len();
    let end = text.rfind(SUCCESS_TAIL)?;
    if !declaration_only || end < start || !text[end + SUCCESS_TAIL.len()..].trim().is_empty() {
        return None;
    }
    let escaped = &text[start..end];
    if escaped.contains('<') {
        return None;
    }
    unescape(escaped)
}

/// Resolves `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and numeric references.
fn unescape(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let semi = after.find(';')?;
        let name = &after[..semi];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match name.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => name.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(value: Value) -> String {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}", MethodResponse { value }.to_xml().unwrap())
    }

    #[test]
    fn documents_take_the_fast_path_and_read_as_dxr_reads_them() {
        let doc = "<VM><NAME>a &amp; b > c</NAME><![CDATA[x<y]]></VM>";
        let value =
            Value::Array(vec![Value::Boolean(true), Value::String(doc.to_owned()), Value::Integer(0)]);
        let text = reference(value.clone());
        assert_eq!(fast_document(&text).as_deref(), Some(doc));
        assert_eq!(decode(&text).unwrap(), value);
        // oned's own writing: `>` unescaped outside `]]>`.
        let oned = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{SUCCESS_HEAD}&lt;A>x]]&gt;&#233;&lt;/A>{SUCCESS_TAIL}"
        );
        assert_eq!(fast_document(&oned).as_deref(), Some("<A>x]]>é</A>"));
    }

    #[test]
    fn other_answers_go_through_dxr() {
        let ids = Value::Array(vec![Value::Boolean(true), Value::Integer(7), Value::Integer(0)]);
        assert_eq!(decode(&reference(ids.clone())).unwrap(), ids);
        let failure = Value::Array(vec![
            Value::Boolean(false),
            Value::String("[one.vm.info] Error getting virtual machine [9].".into()),
            Value::Integer(1024),
            Value::Integer(9),
            Value::Long(-1),
        ]);
        assert_eq!(decode(&reference(failure.clone())).unwrap(), failure);
        let fault =
            FaultResponse { fault: dxr::Fault::new(-506, "Method 'x' not defined".into()) }.to_xml().unwrap();
        match decode(&fault) {
            Err(Failure::Fault(-506, m)) => assert_eq!(m, "Method 'x' not defined"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(decode("garbage"), Err(Failure::Transport(_))));
        // A string answer that is not oned's shape still reads.
        let odd = "<?xml version=\"1.0\"?><methodResponse><params><param><value><array><data><value><boolean>1</boolean></value><value>plain</value><value><i4>0</i4></value></data></array></value></param></params></methodResponse>";
        assert_eq!(
            decode(odd).unwrap(),
            Value::Array(vec![Value::Boolean(true), Value::String("plain".into()), Value::Integer(0)])
        );
    }
}
