//! OpenNebula's template language: the [`Template`] data model (attributes in insertion order,
//! single values and flat vectors), its editing API (`get`, `set`, `merge` …), name and value
//! rules, and the [`ParseError`] type. The text form lives in `text.rs`, the XML form in `xml.rs`;
//! their module docs give the grammar and the escaping rules.
//!
//! # Rules shared by every form
//!
//! * Names match `[A-Za-z0-9_]+`, are at most [`MAX_NAME_LEN`] characters and are stored
//!   upper-cased (vector keys too).
//! * Values may not contain `]]>` (oned stores them in CDATA) nor characters XML 1.0 cannot carry
//!   (control characters other than tab, newline and carriage return, U+FFFE, U+FFFF). Parsing
//!   rejects such values; the programmatic API ([`Template::set`], [`Template::push`],
//!   [`Attribute::single`], [`Attribute::vector`]) replaces each offending character, and the `>`
//!   of each `]]>`, by U+FFFD so that every template can be printed and parsed back.
//! * A template holds at most [`MAX_ATTRIBUTES`] entries (attributes plus vector pairs).

mod text;
mod xml;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

/// Longest accepted attribute or vector key name, in characters.
pub const MAX_NAME_LEN: usize = 256;

/// Most entries a parsed template may hold, counting every attribute and every vector pair.
pub const MAX_ATTRIBUTES: usize = 100_000;

/// The value of an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `NAME = "value"`.
    Single(String),
    /// `NAME = [ K1 = "v1", K2 = "v2" ]`: pairs in insertion order (keys may repeat).
    Vector(Vec<(String, String)>),
}

impl Value {
    /// The text of a single value.
    pub fn as_single(&self) -> Option<&str> {
        match self {
            Value::Single(s) => Some(s),
            Value::Vector(_) => None,
        }
    }

    /// The pairs of a vector value.
    pub fn as_vector(&self) -> Option<&[(String, String)]> {
        match self {
            Value::Single(_) => None,
            Value::Vector(pairs) => Some(pairs),
        }
    }
}

/// One `NAME = VALUE` entry of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Upper-case name.
    pub name: String,
    /// Its value.
    pub value: Value,
}

impl Attribute {
    /// A single-valued attribute; the name and value are made valid as described in the module
    /// documentation ([`sanitize_name`], [`sanitize_value`]).
    pub fn single(name: &str, value: impl Into<String>) -> Self {
        Attribute { name: sanitize_name(name), value: Value::Single(sanitize_value(value.into())) }
    }

    /// A vector attribute; names, keys and values are made valid like [`Attribute::single`].
    pub fn vector<K, V>(name: &str, pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<str>,
        V: Into<String>,
    {
        let pairs = pairs.into_iter().map(|(k, v)| (sanitize_name(k.as_ref()), sanitize_value(v.into())));
        Attribute { name: sanitize_name(name), value: Value::Vector(pairs.collect()) }
    }

    /// The same attribute with its name, keys and values made valid.
    fn sanitized(self) -> Self {
        let value = match self.value {
            Value::Single(s) => Value::Single(sanitize_value(s)),
            Value::Vector(pairs) => Value::Vector(
                pairs.into_iter().map(|(k, v)| (sanitize_name(&k), sanitize_value(v))).collect(),
            ),
        };
        Attribute { name: sanitize_name(&self.name), value }
    }

    /// True for `NAME = []`.
    fn is_empty_vector(&self) -> bool {
        matches!(&self.value, Value::Vector(pairs) if pairs.is_empty())
    }
}

/// Why a template could not be parsed. oned reports these prefixed with `Parse error: `.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// An unexpected token in the text form.
    #[error("syntax error, unexpected {found} at line {line}, column {column}, expecting {expected}")]
    Syntax {
        /// The offending token, e.g. `'='` or `end of input`.
        found: String,
        /// What the grammar allows there.
        expected: &'static str,
        /// 1-based line of the token.
        line: usize,
        /// 1-based column (in characters) of the token.
        column: usize,
    },
    /// A double-quoted string without its closing quote.
    #[error("syntax error, unterminated quoted string starting at line {line}, column {column}")]
    UnterminatedString {
        /// 1-based line of the opening quote.
        line: usize,
        /// 1-based column of the opening quote.
        column: usize,
    },
    /// A name longer than [`MAX_NAME_LEN`].
    #[error("syntax error, name longer than {MAX_NAME_LEN} characters at line {line}, column {column}")]
    NameTooLong {
        /// 1-based line where the name starts.
        line: usize,
        /// 1-based column where the name starts.
        column: usize,
    },
    /// A name (from the XML form or given to [`canonical_name`]) outside `[A-Za-z0-9_]{1,256}`.
    #[error("invalid attribute name {0:?}: names are 1 to {MAX_NAME_LEN} letters, digits or '_'")]
    InvalidName(String),
    /// A value containing `]]>`.
    #[error("value of {0} contains \"]]>\", which cannot be stored")]
    CdataEnd(String),
    /// A value containing a character XML cannot carry.
    #[error("value of {name} contains the invalid character U+{code:04X}")]
    InvalidChar {
        /// The attribute (`NAME` or `NAME/KEY`).
        name: String,
        /// The character's code point.
        code: u32,
    },
    /// More than [`MAX_ATTRIBUTES`] entries.
    #[error("template has more than {MAX_ATTRIBUTES} attributes")]
    TooManyAttributes,
    /// The XML form is not a well-formed template document.
    #[error("XML Template malformed: {0}")]
    Xml(String),
}

/// True for the characters of a name: `[A-Za-z0-9_]`.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// True when XML 1.0 can carry the character (tab, newline and carriage return are the only
/// control characters allowed).
fn is_value_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// Validates a name and returns its canonical (upper-case) form.
pub fn canonical_name(name: &str) -> Result<String, ParseError> {
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN || !name.chars().all(is_name_char) {
        return Err(ParseError::InvalidName(name.to_owned()));
    }
    Ok(name.to_ascii_uppercase())
}

/// Turns any string into a valid name: upper-cased, every other character than `[A-Za-z0-9_]`
/// replaced by `_`, cut to [`MAX_NAME_LEN`] characters, `_` if empty.
pub fn sanitize_name(name: &str) -> String {
    let out: String = name
        .chars()
        .take(MAX_NAME_LEN)
        .map(|c| if is_name_char(c) { c.to_ascii_uppercase() } else { '_' })
        .collect();
    if out.is_empty() { "_".to_owned() } else { out }
}

/// Turns any string into a valid value: characters XML cannot carry, and the `>` of every
/// `]]>`, are replaced by U+FFFD.
pub fn sanitize_value(value: String) -> String {
    if value.chars().all(is_value_char) && !value.contains("]]>") {
        return value;
    }
    let cleaned: String = value.chars().map(|c| if is_value_char(c) { c } else { '\u{FFFD}' }).collect();
    cleaned.replace("]]>", "]]\u{FFFD}")
}

/// Checks a parsed value; `name` is the attribute (`NAME` or `NAME/KEY`) for the message.
fn check_value(name: impl FnOnce() -> String, value: &str) -> Result<(), ParseError> {
    if let Some(c) = value.chars().find(|&c| !is_value_char(c)) {
        return Err(ParseError::InvalidChar { name: name(), code: u32::from(c) });
    }
    if value.contains("]]>") {
        return Err(ParseError::CdataEnd(name()));
    }
    Ok(())
}

/// An OpenNebula template: attributes in insertion order, names may repeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Template {
    attrs: Vec<Attribute>,
}

impl Template {
    /// An empty template.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses either form: XML when the first non-blank character is `<`, text otherwise.
    pub fn parse(input: &str) -> Result<Template, ParseError> {
        if input.trim_start().starts_with('<') { Self::parse_xml(input) } else { Self::parse_text(input) }
    }

    /// Parses the text form (`NAME = VALUE` lines).
    pub fn parse_text(input: &str) -> Result<Template, ParseError> {
        text::parse(input).map(|attrs| Template { attrs })
    }

    /// Parses the XML form (`<TEMPLATE><NAME>value</NAME>…</TEMPLATE>`): leaf
    /// elements are single values, elements with children are vectors, texts are kept verbatim.
    pub fn parse_xml(input: &str) -> Result<Template, ParseError> {
        xml::parse(input).map(|attrs| Template { attrs })
    }

    /// The text form, attributes in insertion order, every value quoted.
    pub fn to_text(&self) -> String {
        text::print(&self.attrs)
    }

    /// Writes `<root>` + the attributes sorted by name (vector keys sorted too) + `</root>`,
    /// every value in CDATA.
    pub fn write_xml(&self, w: &mut crate::xml::XmlWriter, root: &str) {
        xml::write(&self.attrs, w, root);
    }

    /// The XML form as a string; see [`Template::write_xml`].
    pub fn to_xml(&self, root: &str) -> String {
        let mut w = crate::xml::XmlWriter::new();
        self.write_xml(&mut w, root);
        w.finish()
    }

    /// Every attribute in insertion order.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }

    /// True when the template has no attribute.
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty()
    }

    /// The first single value named `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).find_map(|a| a.value.as_single())
    }

    /// Every attribute named `name` (case-insensitive), in insertion order.
    pub fn get_all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Attribute> + use<'a> {
        let name = name.to_ascii_uppercase();
        self.attrs.iter().filter(move |a| a.name == name)
    }

    /// The pairs of the first vector named `name` (case-insensitive).
    pub fn vector(&self, name: &str) -> Option<&[(String, String)]> {
        self.get_all(name).find_map(|a| a.value.as_vector())
    }

    /// Replaces every attribute named `name` by one single value, appended at the end.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let attr = Attribute::single(name, value);
        self.remove(&attr.name);
        self.attrs.push(attr);
    }

    /// Appends an attribute (names may repeat), made valid like [`Attribute::single`].
    pub fn push(&mut self, attr: Attribute) {
        self.attrs.push(attr.sanitized());
    }

    /// Removes every attribute named `name` (case-insensitive); returns how many there were.
    pub fn remove(&mut self, name: &str) -> usize {
        let name = name.to_ascii_uppercase();
        let before = self.attrs.len();
        self.attrs.retain(|a| a.name != name);
        before - self.attrs.len()
    }

    /// OpenNebula's update type 1: for every name present in `other`, all attributes of that
    /// name are removed, then `other`'s attributes of that name are appended, except that an
    /// empty vector (`V = []`) only deletes `V`.
    pub fn merge(&mut self, other: &Template) {
        let names: std::collections::HashSet<&str> = other.attrs.iter().map(|a| a.name.as_str()).collect();
        self.attrs.retain(|a| !names.contains(a.name.as_str()));
        self.attrs.extend(other.attrs.iter().filter(|a| !a.is_empty_vector()).cloned());
    }
}

impl FromStr for Template {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Template::parse(s)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}
