//! The documents names are resolved in, element by element: [`El`] is an element of a parsed
//! XML document or of the document one of one-core's objects would render (`objects.rs` says
//! what each object's elements are), walked without rendering anything. Template attributes
//! and vector pairs come out sorted by name, as the XML writer sorts them. Rare parts (a
//! network's address ranges) are rendered and parsed when a name reaches into them.

use std::collections::BTreeSet;

use super::attrs::{AttrValue, Flow};
use super::objects::{datastore, host, share, share_datastores, vnet};
use crate::objects::common::Lock;
use crate::objects::datastore::Datastore;
use crate::objects::host::{Host, HostShare, PciDevices};
use crate::objects::monitoring::HostMonitoring;
use crate::objects::vnet::Vnet;
use crate::objects::vnet_ar::AddressRange;
use crate::perms::Permissions;
use crate::template::{Attribute, Template, Value};
use crate::xml::{Node, XmlWriter};

/// An element of an object's document.
#[derive(Debug, Clone, Copy)]
pub(super) enum El<'a> {
    /// `<name>value</name>`.
    Leaf(&'a str, AttrValue<'a>),
    /// `<HOST>`.
    Host(&'a Host),
    /// `<HOST_SHARE>`.
    Share(&'a HostShare),
    /// `<HOST_SHARE><DATASTORES>`.
    ShareDatastores(&'a HostShare),
    /// `<HOST_SHARE><PCI_DEVICES>`.
    Pci(&'a PciDevices),
    /// `<HOST_SHARE><NUMA_NODES>`.
    Numa(&'a [Template]),
    /// A host's `<MONITORING>` record.
    Monitoring(&'a HostMonitoring),
    /// `<name><ID>…</ID>…</name>`.
    Ids(&'a str, &'a [i32]),
    /// `<name><ID>…</ID>…</name>`, ascending.
    IdSet(&'a str, &'a BTreeSet<i32>),
    /// An element holding a template's attributes (sorted by name).
    Template(&'a str, &'a Template),
    /// A vector attribute (pairs sorted by key).
    Vector(&'a str, &'a [(String, String)]),
    /// `<DATASTORE>`.
    Datastore(&'a Datastore),
    /// `<VNET>`.
    Vnet(&'a Vnet),
    /// `<PERMISSIONS>`.
    Permissions(&'a Permissions),
    /// `<LOCK>`.
    Lock(&'a Lock),
    /// `<AR_POOL>` (rendered when entered).
    ArPool(&'a [AddressRange]),
    /// A parsed element.
    Xml(&'a Node),
}

fn int(name: &str, v: impl Into<i64>) -> El<'_> {
    El::Leaf(name, AttrValue::Int(v.into()))
}

fn text<'a>(name: &'a str, v: &'a str) -> El<'a> {
    El::Leaf(name, AttrValue::Text(v))
}

/// The element of a template attribute.
pub(super) fn attribute(attr: &Attribute) -> El<'_> {
    match &attr.value {
        Value::Single(s) => text(&attr.name, s),
        Value::Vector(pairs) => El::Vector(&attr.name, pairs),
    }
}

/// The callback receiving elements.
pub(super) type Visit<'f> = &'f mut dyn FnMut(El<'_>) -> Flow;

/// The children of a sorted element (template attributes, vector pairs) named in `names`, in
/// document order: names sorted, then each name's entries in insertion order (the rendering
/// sorts stably). `*` takes every entry.
fn sorted_children<T>(
    items: &[T],
    key: impl Fn(&T) -> &str,
    to_el: impl for<'t> Fn(&'t T) -> El<'t>,
    names: &mut [&str],
    f: Visit<'_>,
) -> Flow {
    if names.contains(&"*") {
        let mut all: Vec<&T> = items.iter().collect();
        all.sort_by(|a, b| key(a).cmp(key(b)));
        return all.into_iter().try_for_each(|item| f(to_el(item)));
    }
    names.sort_unstable();
    for name in names.iter() {
        items.iter().filter(|i| key(i) == *name).try_for_each(|item| f(to_el(item)))?;
    }
    Flow::Continue(())
}

fn ids(ids: impl IntoIterator<Item = i32>, f: Visit<'_>) -> Flow {
    ids.into_iter().try_for_each(|id| f(int("ID", id)))
}

impl<'a> El<'a> {
    /// The element's name.
    pub fn name(&self) -> &'a str {
        match *self {
            El::Leaf(name, _)
            | El::Ids(name, _)
            | El::IdSet(name, _)
            | El::Template(name, _)
            | El::Vector(name, _) => name,
            El::Host(_) => "HOST",
            El::Share(_) => "HOST_SHARE",
            El::ShareDatastores(_) => "DATASTORES",
            El::Pci(_) => "PCI_DEVICES",
            El::Numa(_) => "NUMA_NODES",
            El::Monitoring(_) => "MONITORING",
            El::Datastore(_) => "DATASTORE",
            El::Vnet(_) => "VNET",
            El::Permissions(_) => "PERMISSIONS",
            El::Lock(_) => "LOCK",
            El::ArPool(_) => "AR_POOL",
            El::Xml(node) => &node.name,
        }
    }

    /// The value of an element without children.
    pub fn leaf(&self) -> Option<AttrValue<'a>> {
        match *self {
            El::Leaf(_, v) => Some(v),
            El::Xml(node) if node.children.is_empty() => Some(AttrValue::Text(&node.text)),
            _ => None,
        }
    }

    /// The children named in `names` (`*`: any), in document order.
    pub fn children_named(&self, names: &mut [&str], f: Visit<'_>) -> Flow {
        match *self {
            El::Template(_, t) => sorted_children(t.attributes(), |a| a.name.as_str(), attribute, names, f),
            El::Vector(_, pairs) => sorted_children(pairs, |p| p.0.as_str(), |p| text(&p.0, &p.1), names, f),
            _ => {
                let names = &*names;
                self.children(&mut |child| {
                    let name = child.name();
                    if names.iter().any(|n| *n == name || *n == "*") { f(child) } else { Flow::Continue(()) }
                })
            }
        }
    }

    /// Every child, in document order.
    pub fn children(&self, f: Visit<'_>) -> Flow {
        match *self {
            El::Leaf(..) => Flow::Continue(()),
            El::Template(..) | El::Vector(..) => self.children_named(&mut ["*"], f),
            El::Host(h) => host(h, f),
            El::Share(s) => share(s, f),
            El::ShareDatastores(s) => share_datastores(s, f),
            El::Pci(p) => p.list().iter().try_for_each(|d| f(El::Vector("PCI", d))),
            El::Numa(nodes) => nodes.iter().try_for_each(|n| f(El::Template("NODE", n))),
            El::Monitoring(m) => {
                f(int("TIMESTAMP", m.timestamp))?;
                f(int("ID", m.id))?;
                f(El::Template("CAPACITY", &m.capacity))?;
                f(El::Template("SYSTEM", &m.system))?;
                m.numa_nodes.iter().try_for_each(|n| f(El::Template("NUMA_NODE", n)))
            }
            El::Ids(_, list) => ids(list.iter().copied(), f),
            El::IdSet(_, set) => ids(set.iter().copied(), f),
            El::Datastore(d) => datastore(d, f),
            El::Vnet(v) => vnet(v, f),
            El::Permissions(p) => {
                const NAMES: [[&str; 3]; 3] = [
                    ["OWNER_U", "OWNER_M", "OWNER_A"],
                    ["GROUP_U", "GROUP_M", "GROUP_A"],
                    ["OTHER_U", "OTHER_M", "OTHER_A"],
                ];
                NAMES
                    .iter()
                    .zip([p.owner, p.group, p.other])
                    .flat_map(|(names, bits)| names.iter().zip(bits))
                    .try_for_each(|(name, bit)| f(int(name, u8::from(bit))))
            }
            El::Lock(l) => {
                f(int("LOCKED", l.level))?;
                f(int("OWNER", l.owner))?;
                f(int("TIME", l.time))?;
                f(int("REQ_ID", l.req_id))
            }
            El::ArPool(ars) => ars.iter().try_for_each(|ar| {
                let mut w = XmlWriter::new();
                ar.write_stored_xml(&mut w);
                match crate::xml::parse(&w.finish()) {
                    Ok(node) => f(El::Xml(&node)),
                    Err(_) => Flow::Continue(()),
                }
            }),
            El::Xml(node) => node.children.iter().try_for_each(|c| f(El::Xml(c))),
        }
    }
}
