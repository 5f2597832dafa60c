//! A host's PCI devices (`HOST_SHARE/PCI_DEVICES`), parsed on first use. A host with dozens
//! of devices carries most of its document there, and most reads of a host (placing a VM,
//! accounting its capacity) never look at them: a host read back from its document keeps the
//! element as it was written, so reading and writing it again costs a copy, not a parse.

use std::borrow::Cow;
use std::sync::Arc;

use super::share::Pairs;
use crate::template::{Attribute, Template};
use crate::xml::XmlWriter;

/// The devices: the element as read, or the parsed list.
#[derive(Debug, Clone, Default)]
pub struct PciDevices {
    /// `<PCI_DEVICES>…</PCI_DEVICES>` as read, until the devices are needed.
    raw: Option<Arc<str>>,
    /// The devices, in discovery order, each with its VMID (-1 free).
    parsed: Vec<Pairs>,
}

impl PartialEq for PciDevices {
    fn eq(&self, other: &Self) -> bool {
        self.list() == other.list()
    }
}

fn parse_raw(raw: &str) -> Vec<Pairs> {
    let Ok(node) = crate::xml::parse(raw) else { return Vec::new() };
    let Ok(t) = crate::objects::template_from_node(Some(&node)) else { return Vec::new() };
    t.get_all("PCI").filter_map(|a| a.value.as_vector()).map(<[_]>::to_vec).collect()
}

impl PciDevices {
    /// Devices from a list.
    pub fn new(parsed: Vec<Pairs>) -> PciDevices {
        PciDevices { raw: None, parsed }
    }

    /// Devices from their element as written, parsed when first needed.
    pub fn from_raw(raw: &str) -> PciDevices {
        PciDevices { raw: Some(Arc::from(raw)), parsed: Vec::new() }
    }

    /// The devices.
    pub fn list(&self) -> Cow<'_, [Pairs]> {
        match &self.raw {
            Some(raw) => Cow::Owned(parse_raw(raw)),
            None => Cow::Borrowed(&self.parsed),
        }
    }

    /// The devices, to change.
    pub fn list_mut(&mut self) -> &mut Vec<Pairs> {
        if let Some(raw) = self.raw.take() {
            self.parsed = parse_raw(&raw);
        }
        &mut self.parsed
    }

    /// How many devices.
    pub fn len(&self) -> usize {
        self.list().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Renders `<PCI_DEVICES>`.
    pub fn write_xml(&self, w: &mut XmlWriter) {
        if let Some(raw) = &self.raw {
            w.raw(raw);
            return;
        }
        let mut pci = Template::new();
        for d in &self.parsed {
            pci.push(Attribute::vector("PCI", d.iter().map(|(k, v)| (k, v.clone()))));
        }
        pci.write_xml(w, "PCI_DEVICES");
    }
}

/// Splits a host document into the document without its `HOST_SHARE/PCI_DEVICES` element and
/// that element (`None` when there is none where a host document has it).
pub fn split(doc: &str) -> (Cow<'_, str>, Option<&str>) {
    let Some(share) = doc.find("<HOST_SHARE>") else { return (Cow::Borrowed(doc), None) };
    let Some(share_end) = doc[share..].find("</HOST_SHARE>").map(|e| share + e) else {
        return (Cow::Borrowed(doc), None);
    };
    let Some(start) = doc[share..share_end].find("<PCI_DEVICES").map(|s| share + s) else {
        return (Cow::Borrowed(doc), None);
    };
    let end = if doc[start..].starts_with("<PCI_DEVICES/>") {
        start + "<PCI_DEVICES/>".len()
    } else {
        match doc[start..share_end].find("</PCI_DEVICES>") {
            Some(e) => start + e + "</PCI_DEVICES>".len(),
            None => return (Cow::Borrowed(doc), None),
        }
    };
    let mut rest = String::with_capacity(doc.len() - (end - start));
    rest.push_str(&doc[..start]);
    rest.push_str(&doc[end..]);
    (Cow::Owned(rest), Some(&doc[start..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(address: &str) -> Pairs {
        vec![("ADDRESS".into(), address.into()), ("VMID".into(), "-1".into())]
    }

    #[test]
    fn raw_devices_render_as_read_and_parse_when_needed() {
        let parsed = PciDevices::new(vec![dev("0000:01:00:0"), dev("0000:02:00:0")]);
        let mut w = XmlWriter::new();
        parsed.write_xml(&mut w);
        let xml = w.finish();
        let mut raw = PciDevices::from_raw(&xml);
        assert_eq!(raw, parsed);
        assert_eq!(raw.len(), 2);
        let mut w = XmlWriter::new();
        raw.write_xml(&mut w);
        assert_eq!(w.finish(), xml, "written back as read");
        raw.list_mut().pop();
        assert_eq!(raw.list().as_ref(), &[dev("0000:01:00:0")]);
    }

    #[test]
    fn split_takes_the_element_out_of_host_share_only() {
        let doc = "<HOST><HOST_SHARE><A>1</A><PCI_DEVICES><PCI><X>1</X></PCI></PCI_DEVICES><NUMA_NODES/></HOST_SHARE><TEMPLATE><N><![CDATA[<PCI_DEVICES>]]></N></TEMPLATE></HOST>";
        let (rest, pci) = split(doc);
        assert_eq!(pci, Some("<PCI_DEVICES><PCI><X>1</X></PCI></PCI_DEVICES>"));
        assert_eq!(
            rest,
            "<HOST><HOST_SHARE><A>1</A><NUMA_NODES/></HOST_SHARE><TEMPLATE><N><![CDATA[<PCI_DEVICES>]]></N></TEMPLATE></HOST>"
        );
        let (rest, pci) = split("<HOST><HOST_SHARE><PCI_DEVICES/></HOST_SHARE></HOST>");
        assert_eq!((rest.as_ref(), pci), ("<HOST><HOST_SHARE></HOST_SHARE></HOST>", Some("<PCI_DEVICES/>")));
        assert_eq!(split("<HOST><NAME>x</NAME></HOST>").1, None);
    }
}
