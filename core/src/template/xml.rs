//! The XML form of templates: reading a document such as pyone sends, and writing the
//! `<TEMPLATE>` element oned returns.
//!
//! Reading: the root element may have any name. Each child is an attribute named after the
//! element (upper-cased, same name rules as the text form): a child without element children is
//! a single value whose text (character data and CDATA joined) is kept verbatim, not trimmed;
//! `<A/>` is an empty single value. A child with element children is a vector whose pairs are
//! those children, which must themselves be leaves. Blank text between elements is ignored;
//! other text next to child elements, or a fourth level of nesting, is an error.
//!
//! Writing: attributes sorted by name and vector keys sorted by key (both stable, so repeated
//! names keep their order), every value in CDATA. An empty vector is written `<V></V>` and so
//! reads back as an empty single value; apart from that and the ordering, writing then reading
//! gives back the same template.

use super::{Attribute, MAX_ATTRIBUTES, ParseError, Value, canonical_name, check_value};
use crate::xml::{Node, XmlError, XmlWriter};

/// Parses the XML form into attributes.
pub(super) fn parse(input: &str) -> Result<Vec<Attribute>, ParseError> {
    let root = crate::xml::parse(input).map_err(|e| match e {
        XmlError::Malformed(detail) => ParseError::Xml(detail),
        other => ParseError::Xml(other.to_string()),
    })?;
    no_text(&root)?;
    let mut entries = 0;
    let mut attrs = Vec::with_capacity(root.children.len());
    for child in &root.children {
        entries += 1 + child.children.len();
        if entries > MAX_ATTRIBUTES {
            return Err(ParseError::TooManyAttributes);
        }
        let name = xml_name(child)?;
        let value = if child.children.is_empty() {
            check_value(|| name.clone(), &child.text)?;
            Value::Single(child.text.clone())
        } else {
            no_text(child)?;
            let mut pairs = Vec::with_capacity(child.children.len());
            for leaf in &child.children {
                if !leaf.children.is_empty() {
                    return Err(ParseError::Xml(format!(
                        "<{}> inside <{}> has child elements; vectors cannot be nested",
                        leaf.name, child.name
                    )));
                }
                let key = xml_name(leaf)?;
                check_value(|| format!("{name}/{key}"), &leaf.text)?;
                pairs.push((key, leaf.text.clone()));
            }
            Value::Vector(pairs)
        };
        attrs.push(Attribute { name, value });
    }
    Ok(attrs)
}

/// The canonical attribute name of an element.
fn xml_name(node: &Node) -> Result<String, ParseError> {
    canonical_name(&node.name).map_err(|e| ParseError::Xml(e.to_string()))
}

/// Rejects non-blank text in an element that holds attributes.
fn no_text(node: &Node) -> Result<(), ParseError> {
    if node.text.trim().is_empty() {
        Ok(())
    } else {
        Err(ParseError::Xml(format!("unexpected text in <{}>", node.name)))
    }
}

/// Writes `<root>` + attributes sorted by name + `</root>`.
pub(super) fn write(attrs: &[Attribute], w: &mut XmlWriter, root: &str) {
    let mut sorted: Vec<&Attribute> = attrs.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    w.open(root);
    for attr in sorted {
        match &attr.value {
            Value::Single(s) => {
                w.cdata(&attr.name, s);
            }
            Value::Vector(pairs) => {
                let mut pairs: Vec<&(String, String)> = pairs.iter().collect();
                pairs.sort_by(|a, b| a.0.cmp(&b.0));
                w.open(&attr.name);
                for (k, v) in pairs {
                    w.cdata(k, v);
                }
                w.close(&attr.name);
            }
        }
    }
    w.close(root);
}
