//! Where expressions read attributes: the [`Attributes`] trait, the resolution of a name into
//! the values of an object's document, and two sources besides one-core's objects: a parsed
//! XML document ([`XmlObject`]) and a wrapper adding IDs to a name ([`WithIds`]).
//!
//! # Resolution
//!
//! OpenNebula turns a bare name into the XPath union of the name under each of the object's
//! lookup prefixes ([`HOST_PATHS`], [`DATASTORE_PATHS`], [`VNET_PATHS`]); a name starting with
//! `/` is an absolute path. A union yields its nodes in **document order**, not in the order
//! of the prefixes: for a host, `/HOST/CLUSTER_ID` (early in the document) comes before a
//! `TEMPLATE/CLUSTER_ID`, and `HOST_SHARE` values before `TEMPLATE` ones. A single-valued
//! comparison uses the first value (the first that reads as a number for numeric ones); `@>`
//! looks at all of them. An element with children yields its text content: the texts of all
//! its descendants joined.
//!
//! [`resolve`] walks a document given as [`El`] elements and calls back with each value, in
//! document order, stopping as soon as the callback breaks: no allocation unless a name
//! selects an element with children or uses `*` inside a template.

use std::ops::ControlFlow;

use super::ast::Name;
use super::elements::El;
use crate::xml::Node;

/// Whether to go on: `ControlFlow::Break(())` stops a walk.
pub type Flow = ControlFlow<()>;

/// One value an attribute name resolves to, borrowed from its object.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AttrValue<'a> {
    /// A text, as stored.
    Text(&'a str),
    /// A number the object keeps as one; its text is its decimal form.
    Int(i64),
}

impl AttrValue<'_> {
    /// Calls `f` with the value's text (numbers are written into a stack buffer).
    pub fn with_text<R>(self, f: impl FnOnce(&str) -> R) -> R {
        match self {
            AttrValue::Text(s) => f(s),
            AttrValue::Int(v) => {
                let mut buf = [0u8; 20];
                f(int_text(v, &mut buf))
            }
        }
    }

    /// The value's text, owned.
    pub fn to_text(self) -> String {
        self.with_text(str::to_owned)
    }
}

/// Writes `v` in decimal into `buf` (20 bytes hold any i64).
fn int_text(v: i64, buf: &mut [u8; 20]) -> &str {
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
}

/// Something expressions can be evaluated against: it resolves names to values.
pub trait Attributes {
    /// Calls `f` with every value `name` resolves to, in document order, until `f` breaks;
    /// returns `Break` if it did. No call at all means the attribute is missing.
    fn for_each_value(&self, name: &Name, f: &mut dyn FnMut(AttrValue<'_>) -> Flow) -> Flow;

    /// For a pseudo-attribute that holds a set of numbers (a host's `CURRENT_VMS`), calls `f`
    /// with each member until it breaks and returns `Some`; `None` (the default) for ordinary
    /// names.
    ///
    /// A numeric `=`, `!=`, `>` or `<` on such a name compares the literal if it is a member
    /// and -1 otherwise (OpenNebula's scheduler does exactly that), so `CURRENT_VMS = 5` is
    /// true when VM 5 is in the set and `CURRENT_VMS != 5` when it is not; `=` with a string
    /// is false and `!=` true. `@>` ignores this and looks at [`Attributes::for_each_value`].
    fn for_each_member(&self, name: &Name, f: &mut dyn FnMut(i64) -> Flow) -> Option<Flow> {
        let _ = (name, f);
        None
    }
}

impl<T: Attributes + ?Sized> Attributes for &T {
    fn for_each_value(&self, name: &Name, f: &mut dyn FnMut(AttrValue<'_>) -> Flow) -> Flow {
        (**self).for_each_value(name, f)
    }

    fn for_each_member(&self, name: &Name, f: &mut dyn FnMut(i64) -> Flow) -> Option<Flow> {
        (**self).for_each_member(name, f)
    }
}

/// The lookup prefixes of a host (OpenNebula 6.x/7.x scheduler): TEMPLATE, HOST_SHARE,
/// HOST_SHARE/DATASTORES, MONITORING/CAPACITY, MONITORING/SYSTEM, the HOST element,
/// CLUSTER_TEMPLATE.
pub const HOST_PATHS: &[&[&str]] = &[
    &["HOST", "TEMPLATE"],
    &["HOST", "HOST_SHARE"],
    &["HOST", "HOST_SHARE", "DATASTORES"],
    &["HOST", "MONITORING", "CAPACITY"],
    &["HOST", "MONITORING", "SYSTEM"],
    &["HOST"],
    &["HOST", "CLUSTER_TEMPLATE"],
];

/// The lookup prefixes of a datastore: TEMPLATE, then the DATASTORE element.
pub const DATASTORE_PATHS: &[&[&str]] = &[&["DATASTORE", "TEMPLATE"], &["DATASTORE"]];

/// The lookup prefixes of a virtual network: TEMPLATE, then the VNET element.
pub const VNET_PATHS: &[&[&str]] = &[&["VNET", "TEMPLATE"], &["VNET"]];

/// The most prefixes a source may have.
pub const MAX_PATHS: usize = 32;

/// The candidate paths of a lookup: each prefix followed by the name's segments.
struct Candidates<'n> {
    prefixes: &'n [&'n [&'n str]],
    name: &'n Name,
}

impl Candidates<'_> {
    fn len(&self, p: usize) -> usize {
        self.prefixes[p].len() + self.name.len()
    }

    /// Segment `d` of path `p` (`d < len(p)`).
    fn segment(&self, p: usize, d: usize) -> &str {
        let prefix = self.prefixes[p];
        match prefix.get(d) {
            Some(s) => s,
            None => self.name.segment(d - prefix.len()).unwrap_or_default(),
        }
    }
}

/// Calls `f` with every value `name` resolves to in the document whose root element is
/// `root`, under `prefixes` (ignored for an absolute name), in document order.
pub(super) fn resolve(
    root: El<'_>,
    prefixes: &[&[&str]],
    name: &Name,
    f: &mut dyn FnMut(AttrValue<'_>) -> Flow,
) -> Flow {
    if !name.is_resolvable() {
        return Flow::Continue(());
    }
    let absolute: &[&[&str]] = &[&[]];
    let prefixes = if name.is_absolute() { absolute } else { &prefixes[..prefixes.len().min(MAX_PATHS)] };
    let cands = Candidates { prefixes, name };
    let alive = match prefixes.len() {
        0 => 0,
        n => u32::MAX >> (MAX_PATHS - n),
    };
    // The document node has one child, the root element.
    visit(root, 0, alive, &cands, f)
}

/// `el` is a child at depth `d` (its name is segment `d` of the paths); `alive` are the paths
/// that led to its parent.
fn visit(
    el: El<'_>,
    d: usize,
    alive: u32,
    cands: &Candidates<'_>,
    f: &mut dyn FnMut(AttrValue<'_>) -> Flow,
) -> Flow {
    let name = el.name();
    let (mut full, mut deeper) = (false, 0u32);
    for p in (0..cands.prefixes.len()).filter(|p| alive & (1 << p) != 0) {
        let seg = cands.segment(p, d);
        if seg == name || seg == "*" {
            if cands.len(p) == d + 1 {
                full = true;
            } else {
                deeper |= 1 << p;
            }
        }
    }
    if full {
        emit(el, f)?;
    }
    if deeper == 0 {
        return Flow::Continue(());
    }
    let mut wanted: [&str; MAX_PATHS] = [""; MAX_PATHS];
    let mut count = 0;
    for p in (0..cands.prefixes.len()).filter(|p| deeper & (1 << p) != 0) {
        let seg = cands.segment(p, d + 1);
        if !wanted[..count].contains(&seg) {
            wanted[count] = seg;
            count += 1;
        }
    }
    el.children_named(&mut wanted[..count], &mut |child| visit(child, d + 1, deeper, cands, f))
}

/// Calls `f` with the value of a selected element: its text, or its text content.
pub(super) fn emit(el: El<'_>, f: &mut dyn FnMut(AttrValue<'_>) -> Flow) -> Flow {
    match el.leaf() {
        Some(v) => f(v),
        None => {
            let mut text = String::new();
            content(el, &mut text);
            f(AttrValue::Text(&text))
        }
    }
}

/// Appends the text content of `el` (every descendant text, in document order).
fn content(el: El<'_>, out: &mut String) {
    match el.leaf() {
        Some(v) => v.with_text(|t| out.push_str(t)),
        None => {
            if let El::Xml(node) = el {
                out.push_str(&node.text);
            }
            let _ = el.children(&mut |child| {
                content(child, out);
                Flow::Continue(())
            });
        }
    }
}

/// A parsed XML document and its lookup prefixes, e.g. a host as oned sent it with
/// [`HOST_PATHS`]. Slower than the typed objects (it follows the tree as parsed), but it
/// resolves every name the same way.
#[derive(Debug, Clone, Copy)]
pub struct XmlObject<'a> {
    root: &'a Node,
    prefixes: &'a [&'a [&'a str]],
}

impl<'a> XmlObject<'a> {
    /// The document whose root element is `root`; bare names are looked up under each of
    /// `prefixes` (at most [`MAX_PATHS`] are used).
    pub fn new(root: &'a Node, prefixes: &'a [&'a [&'a str]]) -> Self {
        XmlObject { root, prefixes }
    }
}

impl Attributes for XmlObject<'_> {
    fn for_each_value(&self, name: &Name, f: &mut dyn FnMut(AttrValue<'_>) -> Flow) -> Flow {
        resolve(El::Xml(self.root), self.prefixes, name, f)
    }
}

/// A source with extra IDs for one name: what the scheduler needs for `CURRENT_VMS`, a
/// host's VMs plus the VMs dispatched to it earlier in the cycle:
/// `WithIds::new(&host, "CURRENT_VMS", &dispatched)`.
///
/// If the base treats `name` as a set of members ([`Attributes::for_each_member`]), the IDs
/// join the members; otherwise they are extra values of `name`, after the base's. Other names
/// resolve as in the base.
#[derive(Debug)]
pub struct WithIds<'a, A: ?Sized> {
    base: &'a A,
    name: &'a str,
    ids: &'a [i32],
}

impl<A: ?Sized> Clone for WithIds<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: ?Sized> Copy for WithIds<'_, A> {}

impl<'a, A: Attributes + ?Sized> WithIds<'a, A> {
    /// `base` with `ids` added to `name`.
    pub fn new(base: &'a A, name: &'a str, ids: &'a [i32]) -> Self {
        WithIds { base, name, ids }
    }

    fn extra(&self, f: &mut dyn FnMut(i64) -> Flow) -> Flow {
        self.ids.iter().try_for_each(|&id| f(i64::from(id)))
    }
}

impl<A: Attributes + ?Sized> Attributes for WithIds<'_, A> {
    fn for_each_value(&self, name: &Name, f: &mut dyn FnMut(AttrValue<'_>) -> Flow) -> Flow {
        self.base.for_each_value(name, f)?;
        if name.as_str() == self.name && self.base.for_each_member(name, &mut |_| Flow::Break(())).is_none() {
            return self.extra(&mut |id| f(AttrValue::Int(id)));
        }
        Flow::Continue(())
    }

    fn for_each_member(&self, name: &Name, f: &mut dyn FnMut(i64) -> Flow) -> Option<Flow> {
        let base = self.base.for_each_member(name, f)?;
        if name.as_str() != self.name || base.is_break() {
            return Some(base);
        }
        Some(self.extra(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_render_in_decimal() {
        let mut buf = [0u8; 20];
        for v in [0, 7, -7, 1234567890, i64::MAX, i64::MIN] {
            assert_eq!(int_text(v, &mut buf), v.to_string());
        }
        assert_eq!(AttrValue::Int(-42).to_text(), "-42");
    }

    #[test]
    fn xml_documents_resolve_in_document_order() {
        let doc = crate::xml::parse(
            "<HOST><ID>3</ID><HOST_SHARE><ID>x</ID><DATASTORES><DS><ID>100</ID></DS></DATASTORES></HOST_SHARE>\
             <TEMPLATE><ID>t</ID><V><A>1</A><B>2</B></V></TEMPLATE><VMS><ID>8</ID><ID>9</ID></VMS></HOST>",
        )
        .unwrap();
        let host = XmlObject::new(&doc, HOST_PATHS);
        let values = |name: &str| {
            let mut out = Vec::new();
            let _ = host.for_each_value(&Name::new(name), &mut |v| {
                out.push(v.to_text());
                Flow::Continue(())
            });
            out
        };
        assert_eq!(values("ID"), ["3", "x", "t"], "document order, not prefix order");
        assert_eq!(values("VMS/ID"), ["8", "9"]);
        assert_eq!(values("DS/ID"), ["100"]);
        assert_eq!(values("V"), ["12"], "an element with children gives its text content");
        assert_eq!(values("/HOST/TEMPLATE/*"), ["t", "12"]);
        assert_eq!(values("/HOST/VMS/ID"), ["8", "9"]);
        assert_eq!(values("/ID"), Vec::<String>::new());
        assert_eq!(values("NOPE"), Vec::<String>::new());
        assert_eq!(values("DS[ID=100]"), Vec::<String>::new());
    }
}
