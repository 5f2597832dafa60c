//! The objects oned serves, as data plus their XML documents: each submodule renders an
//! object (and its pool) in OpenNebula's element names and order, and reads it back for
//! clients. Checked byte for byte against real OpenNebula 7.4 responses where we have them.

pub mod acl_pool;
pub mod cluster;
pub mod common;
pub mod datastore;
pub mod group;
pub mod host;
pub mod image;
pub mod image_alloc;
pub mod image_disk;
pub mod image_ops;
pub mod image_snapshots;
pub mod monitoring;
pub mod quotas;
pub mod user;
pub mod vector_pairs;
pub mod vm;
pub mod vmgroup;
pub mod vmgroup_rules;
pub mod vmtemplate;
pub mod vnet;
pub mod vnet_addr;
pub mod vnet_ar;
pub mod vnet_ar_leases;
pub mod vnet_ar_xml;
pub mod vnet_create;
pub mod vnet_leases;

use crate::template::Template;
use crate::xml::{Node, XmlWriter};

/// A document could not be read as the expected object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ObjectError(pub String);

/// The text of a required child element.
pub(crate) fn required<'a>(node: &'a Node, name: &str) -> Result<&'a str, ObjectError> {
    node.child_text(name).ok_or_else(|| ObjectError(format!("<{}> has no <{name}>", node.name)))
}

/// A required child element parsed as a number.
pub(crate) fn required_num<T: std::str::FromStr>(node: &Node, name: &str) -> Result<T, ObjectError> {
    let text = required(node, name)?;
    text.trim().parse().map_err(|_| ObjectError(format!("<{name}> \"{text}\" is not a number")))
}

/// The `<ID>` children of an IDS-like element.
pub(crate) fn ids_from_node(node: &Node) -> Result<Vec<i32>, ObjectError> {
    node.children_named("ID")
        .map(|c| c.text.trim().parse().map_err(|_| ObjectError(format!("ID \"{}\" is not a number", c.text))))
        .collect()
}

/// A `<TEMPLATE>` element read back as a template (an absent element is an empty template).
pub(crate) fn template_from_node(node: Option<&Node>) -> Result<Template, ObjectError> {
    let Some(node) = node else { return Ok(Template::new()) };
    // Re-render the element and parse it with the template reader, which knows the XML form.
    let mut w = XmlWriter::new();
    write_node(&mut w, node);
    Template::parse_xml(&w.finish()).map_err(|e| ObjectError(format!("<{}>: {e}", node.name)))
}

fn write_node(w: &mut XmlWriter, node: &Node) {
    if node.children.is_empty() {
        w.cdata(&node.name, &node.text);
    } else {
        w.open(&node.name);
        for c in &node.children {
            write_node(w, c);
        }
        w.close(&node.name);
    }
}
