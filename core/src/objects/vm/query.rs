//! The extra parameters of `one.vmpool.info`/`infoextended`: the state filter (-2 any, -1
//! any but DONE, or one STATE) and the search query `KEY=VALUE&KEY2=VALUE2`.
//!
//! OpenNebula answers the query with MySQL on a JSON copy of each VM
//! (`{"VM": {"ID": "7", ..., "TEMPLATE": {...}, "USER_TEMPLATE": {...},
//! "HISTORY_RECORDS": {"HISTORY": [{...}]}}}`, every scalar a string, DISK and NIC and repeated
//! attributes as arrays, only the current history record): each `KEY=VALUE` keeps the VMs
//! where `JSON_UNQUOTE(JSON_EXTRACT(body, '$.KEY')) LIKE '%VALUE%'`, and a part without `=`
//! searches the whole document (`$.*`). KEY is a MySQL JSON path such as `VM.NAME`,
//! `VM.TEMPLATE.NIC[0].IP`, `VM.TEMPLATE.NIC[*].IP` or `VM.USER_TEMPLATE.*`; VALUE may use
//! LIKE's `%` and `_`. We evaluate the same thing in memory (case-sensitively, as MySQL
//! compares JSON text in binary); on SQLite OpenNebula refuses queries altogether.

use super::Vm;
use crate::states::VmState;
use crate::template::{Template, Value};

/// The state filter of `one.vmpool.info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    /// -2: every VM, DONE included.
    Any,
    /// -1: every VM but DONE ones.
    NotDone,
    /// 0..=11: VMs in exactly this STATE.
    Is(VmState),
}

impl StateFilter {
    /// Reads the parameter; outside -2..=11 fails with OpenNebula's message.
    pub fn from_param(value: i32) -> Result<StateFilter, String> {
        match value {
            -2 => Ok(StateFilter::Any),
            -1 => Ok(StateFilter::NotDone),
            n => VmState::from_value(n)
                .map(StateFilter::Is)
                .ok_or_else(|| format!("Incorrect state filter {n}")),
        }
    }

    /// Whether a VM in `state` passes.
    pub fn matches(self, state: VmState) -> bool {
        match self {
            StateFilter::Any => true,
            StateFilter::NotDone => state != VmState::Done,
            StateFilter::Is(s) => state == s,
        }
    }
}

/// Whether a VM passes the state filter and every `KEY=VALUE` of `query` (empty: no search).
pub fn matches(vm: &Vm, state: StateFilter, query: &str) -> bool {
    if !state.matches(vm.state) {
        return false;
    }
    let conditions: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|part| {
            let kv: Vec<&str> = part.split('=').filter(|s| !s.is_empty()).collect();
            match kv.as_slice() {
                [] => None,
                [value] => Some(("*".to_owned(), (*value).to_owned())),
                [key, value, ..] => Some(((*key).to_owned(), (*value).to_owned())),
            }
        })
        .collect();
    if conditions.is_empty() {
        return true;
    }
    let doc = Json::Obj(vec![("VM".to_owned(), vm_json(vm))]);
    conditions.iter().all(|(key, value)| {
        let Some(path) = parse_path(key) else { return false };
        extract(&doc, &path).is_some_and(|text| like(&text, &format!("%{value}%")))
    })
}

/// A JSON value as OpenNebula's VM JSON has them: strings, arrays, objects.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// MySQL's rendering: keys sorted by length then bytes, `", "` and `": "` separators.
    fn render(&self, out: &mut String) {
        match self {
            Json::Str(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.render(out);
                }
                out.push(']');
            }
            Json::Obj(members) => {
                let mut sorted: Vec<&(String, Json)> = members.iter().collect();
                sorted.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.cmp(&b.0)));
                out.push('{');
                for (i, (k, v)) in sorted.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    Json::Str(k.clone()).render(out);
                    out.push_str(": ");
                    v.render(out);
                }
                out.push('}');
            }
        }
    }

    fn member(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

fn s(v: impl ToString) -> Json {
    Json::Str(v.to_string())
}

/// A template as OpenNebula's `Template::to_json`: names sorted, a name that repeats (and
/// always DISK and NIC) an array, vectors objects with each key once.
fn template_json(t: &Template) -> Json {
    let mut attrs: Vec<_> = t.attributes().iter().collect();
    attrs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut members: Vec<(String, Json)> = Vec::new();
    let mut i = 0;
    while i < attrs.len() {
        let name = &attrs[i].name;
        let group: Vec<Json> = attrs[i..]
            .iter()
            .take_while(|a| &a.name == name)
            .map(|a| match &a.value {
                Value::Single(v) => s(v),
                Value::Vector(pairs) => {
                    let mut keys: Vec<(String, Json)> = Vec::new();
                    for (k, v) in pairs {
                        if !keys.iter().any(|(key, _)| key == k) {
                            keys.push((k.clone(), s(v)));
                        }
                    }
                    Json::Obj(keys)
                }
            })
            .collect();
        i += group.len();
        let value = if group.len() == 1 && name != "DISK" && name != "NIC" {
            group.into_iter().next().unwrap_or(Json::Obj(Vec::new()))
        } else {
            Json::Arr(group)
        };
        members.push((name.clone(), value));
    }
    Json::Obj(members)
}

/// The JSON copy of a VM that OpenNebula searches.
fn vm_json(vm: &Vm) -> Json {
    let m = &vm.meta;
    let mut members = vec![
        ("ID".to_owned(), s(m.id)),
        ("UID".to_owned(), s(m.uid)),
        ("GID".to_owned(), s(m.gid)),
        ("UNAME".to_owned(), s(&m.uname)),
        ("GNAME".to_owned(), s(&m.gname)),
        ("NAME".to_owned(), s(&m.name)),
        ("LAST_POLL".to_owned(), s(vm.last_poll)),
        ("STATE".to_owned(), s(vm.state.value())),
        ("LCM_STATE".to_owned(), s(vm.lcm_state.value())),
        ("PREV_STATE".to_owned(), s(vm.prev_state.value())),
        ("PREV_LCM_STATE".to_owned(), s(vm.prev_lcm_state.value())),
        ("RESCHED".to_owned(), s(u8::from(vm.resched))),
        ("STIME".to_owned(), s(vm.stime)),
        ("ETIME".to_owned(), s(vm.etime)),
        ("DEPLOY_ID".to_owned(), s(&vm.deploy_id)),
        ("TEMPLATE".to_owned(), template_json(&vm.template)),
        ("USER_TEMPLATE".to_owned(), template_json(&vm.user_template)),
    ];
    if let Some(h) = vm.current_history() {
        let record = Json::Obj(vec![
            ("OID".to_owned(), s(h.oid)),
            ("SEQ".to_owned(), s(h.seq)),
            ("HOSTNAME".to_owned(), s(&h.hostname)),
            ("HID".to_owned(), s(h.hid)),
            ("CID".to_owned(), s(h.cid)),
            ("STIME".to_owned(), s(h.stime)),
            ("ETIME".to_owned(), s(h.etime)),
            ("VM_MAD".to_owned(), s(&h.vm_mad)),
            ("TM_MAD".to_owned(), s(&h.tm_mad)),
            ("DS_ID".to_owned(), s(h.ds_id)),
            ("PSTIME".to_owned(), s(h.pstime)),
            ("PETIME".to_owned(), s(h.petime)),
            ("RSTIME".to_owned(), s(h.rstime)),
            ("RETIME".to_owned(), s(h.retime)),
            ("ESTIME".to_owned(), s(h.estime)),
            ("EETIME".to_owned(), s(h.eetime)),
            ("ACTION".to_owned(), s(h.action.value())),
            ("UID".to_owned(), s(h.uid)),
            ("GID".to_owned(), s(h.gid)),
            ("REQUEST_ID".to_owned(), s(h.request_id)),
        ]);
        members.push((
            "HISTORY_RECORDS".to_owned(),
            Json::Obj(vec![("HISTORY".to_owned(), Json::Arr(vec![record]))]),
        ));
    }
    Json::Obj(members)
}

/// A step of a JSON path.
#[derive(Debug, Clone, PartialEq)]
enum Leg {
    Member(String),
    AnyMember,
    Index(usize),
    AnyIndex,
    AnyDepth,
}

/// Parses what follows `$.` in a MySQL path: a member (`NAME`, `"a key"` or `*`), then any
/// of `.member`, `[n]`, `[*]` and `**` (any depth; not last): `VM.NAME`,
/// `VM.TEMPLATE.NIC[*].IP`, `VM**.IP`. None when malformed.
fn parse_path(key: &str) -> Option<Vec<Leg>> {
    let mut legs = Vec::new();
    let mut text = key;
    let mut first = true;
    while first || !text.is_empty() {
        if !first && let Some(r) = text.strip_prefix('[') {
            let end = r.find(']')?;
            let inside = r[..end].trim();
            legs.push(if inside == "*" { Leg::AnyIndex } else { Leg::Index(inside.parse().ok()?) });
            text = &r[end + 1..];
            continue;
        }
        if !first && let Some(r) = text.strip_prefix("**") {
            legs.push(Leg::AnyDepth);
            text = r;
            if text.is_empty() {
                return None;
            }
            continue;
        }
        let member = if first { text } else { text.strip_prefix('.')? };
        first = false;
        if let Some(r) = member.strip_prefix('*') {
            legs.push(Leg::AnyMember);
            text = r;
        } else if let Some(r) = member.strip_prefix('"') {
            let end = r.find('"')?;
            legs.push(Leg::Member(r[..end].to_owned()));
            text = &r[end + 1..];
        } else {
            let end = member.find(['.', '[', '*']).unwrap_or(member.len());
            let name = &member[..end];
            if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == ']' || c == '"') {
                return None;
            }
            legs.push(Leg::Member(name.to_owned()));
            text = &member[end..];
        }
    }
    Some(legs)
}

/// `JSON_UNQUOTE(JSON_EXTRACT(doc, path))`: None for SQL NULL (nothing found).
fn extract(doc: &Json, path: &[Leg]) -> Option<String> {
    let wildcard = path.iter().any(|l| matches!(l, Leg::AnyMember | Leg::AnyIndex | Leg::AnyDepth));
    let mut current: Vec<&Json> = vec![doc];
    for leg in path {
        let mut next = Vec::new();
        for node in current {
            match leg {
                Leg::Member(k) => next.extend(node.member(k)),
                Leg::AnyMember => {
                    if let Json::Obj(members) = node {
                        next.extend(members.iter().map(|(_, v)| v));
                    }
                }
                Leg::Index(i) => match node {
                    Json::Arr(items) => next.extend(items.get(*i)),
                    other if *i == 0 => next.push(other),
                    _ => {}
                },
                Leg::AnyIndex => {
                    if let Json::Arr(items) = node {
                        next.extend(items.iter());
                    }
                }
                Leg::AnyDepth => descendants(node, &mut next),
            }
        }
        current = next;
    }
    if current.is_empty() {
        return None;
    }
    let result =
        if wildcard { Json::Arr(current.into_iter().cloned().collect()) } else { current[0].clone() };
    match result {
        Json::Str(text) => Some(text),
        other => {
            let mut out = String::new();
            other.render(&mut out);
            Some(out)
        }
    }
}

fn descendants<'a>(node: &'a Json, out: &mut Vec<&'a Json>) {
    out.push(node);
    match node {
        Json::Arr(items) => items.iter().for_each(|i| descendants(i, out)),
        Json::Obj(members) => members.iter().for_each(|(_, v)| descendants(v, out)),
        Json::Str(_) => {}
    }
}

/// SQL LIKE: `%` any run, `_` any character, `\` escapes the next one.
fn like(text: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy)]
    enum P {
        Any,
        One,
        Char(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => P::Any,
            '_' => P::One,
            '\\' => P::Char(chars.next().unwrap_or('\\')),
            c => P::Char(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // matched[j]: the pattern prefix consumed so far matches text[..j].
    let mut matched = vec![false; text.len() + 1];
    matched[0] = true;
    for token in tokens {
        let mut next = vec![false; text.len() + 1];
        match token {
            P::Any => {
                let mut reachable = false;
                for j in 0..=text.len() {
                    reachable |= matched[j];
                    next[j] = reachable;
                }
            }
            P::One => {
                next[1..].copy_from_slice(&matched[..text.len()]);
            }
            P::Char(c) => {
                for j in 0..text.len() {
                    next[j + 1] = matched[j] && text[j] == c;
                }
            }
        }
        matched = next;
    }
    matched[text.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_handles_wildcards_and_escapes() {
        assert!(like("web-1", "%eb%"));
        assert!(like("web-1", "%w_b%"));
        assert!(!like("web-1", "%W%"));
        assert!(like("50%", "%0\\%%"));
        assert!(!like("500", "%0\\%%"));
        assert!(like("", "%%"));
        assert!(!like("ab", "a"));
    }

    #[test]
    fn paths_parse() {
        assert_eq!(parse_path("VM.NAME"), Some(vec![Leg::Member("VM".into()), Leg::Member("NAME".into())]));
        assert_eq!(
            parse_path("VM.TEMPLATE.NIC[*].IP"),
            Some(vec![
                Leg::Member("VM".into()),
                Leg::Member("TEMPLATE".into()),
                Leg::Member("NIC".into()),
                Leg::AnyIndex,
                Leg::Member("IP".into()),
            ])
        );
        assert_eq!(parse_path("*"), Some(vec![Leg::AnyMember]));
        assert_eq!(
            parse_path("VM.\"A B\"[2]"),
            Some(vec![Leg::Member("VM".into()), Leg::Member("A B".into()), Leg::Index(2)])
        );
        assert_eq!(
            parse_path("VM**.IP"),
            Some(vec![Leg::Member("VM".into()), Leg::AnyDepth, Leg::Member("IP".into())])
        );
        assert_eq!(parse_path("VM..X"), None);
        assert_eq!(parse_path("VM[x]"), None);
        assert_eq!(parse_path("VM**"), None);
        assert_eq!(parse_path(""), None);
    }

    #[test]
    fn json_renders_like_mysql() {
        let doc = Json::Obj(vec![
            ("NAME".into(), s("a\"b")),
            ("ID".into(), s(1)),
            ("L".into(), Json::Arr(vec![s("x"), Json::Obj(vec![])])),
        ]);
        let mut out = String::new();
        doc.render(&mut out);
        assert_eq!(out, r#"{"L": ["x", {}], "ID": "1", "NAME": "a\"b"}"#);
    }
}
