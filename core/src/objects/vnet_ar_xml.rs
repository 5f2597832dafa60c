//! The two XML forms of an address range: the stored vector (`one.vnpool.info`, with
//! ALLOCATED) and the expanded one of `one.vn.info` (computed last addresses, USED_LEASES,
//! LEASES), and rebuilding the lease map from the expanded form.

use super::vector_pairs as vp;
use super::vnet_addr::{Mac, ip_str, ip6_slaac, ip6_str, mac_str, parse_ip};
use super::vnet_ar::{AddressRange, LeaseFilter, LeaseOwner};
use crate::xml::XmlWriter;

impl AddressRange {
    // ----------------------------------------------------------------------------------------
    // XML
    // ----------------------------------------------------------------------------------------

    /// The stored form (`one.vnpool.info`): every attribute, ALLOCATED included, in CDATA.
    pub fn write_stored_xml(&self, w: &mut XmlWriter) {
        w.open("AR");
        for (k, v) in &self.attrs {
            w.cdata(k, v);
        }
        w.close("AR");
    }

    /// The expanded form (`one.vn.info`): the attributes but ALLOCATED, the computed last
    /// addresses, USED_LEASES and the LEASES `filter` lets through.
    pub fn write_info_xml(&self, w: &mut XmlWriter, filter: &LeaseFilter) {
        w.open("AR");
        for (k, v) in self.attrs.iter().filter(|(k, _)| *k != "ALLOCATED") {
            w.cdata(k, v);
        }
        let last = self.size.wrapping_sub(1);
        let mac_end = if self.shared {
            Mac::default()
        } else {
            Mac { hi: self.mac.hi, lo: self.mac.lo.wrapping_add(last as u32) }
        };
        w.cdata("MAC_END", &mac_str(mac_end));
        if self.ar_type.ipv4()
            && let Some(ip) = parse_ip(self.attr("IP"))
        {
            w.cdata("IP_END", &ip_str(ip.wrapping_add(last as u32)));
        }
        if self.ar_type.ipv6() {
            for (prefix, tag) in [(self.ula6, "IP6_ULA"), (self.global6, "IP6_GLOBAL")] {
                if prefix != [0, 0] {
                    w.cdata(tag, &ip6_slaac(prefix, self.mac));
                    w.cdata(&format!("{tag}_END"), &ip6_slaac(prefix, mac_end));
                }
            }
        }
        if self.ar_type.ipv6_static() {
            let end = [
                self.ip6[0].wrapping_add(last as u32),
                self.ip6[1].wrapping_add((last >> 32) as u32),
                self.ip6[2],
                self.ip6[3],
            ];
            w.cdata("IP6_END", &ip6_str(end));
        }
        w.num("USED_LEASES", self.used());
        if self.allocated.is_empty() {
            w.empty("LEASES");
        } else {
            w.open("LEASES");
            for (index, owner) in self.leases().filter(|(_, o)| filter.shows(*o)) {
                let mut lease: Vec<(String, String)> = Vec::new();
                let (key, id) = match owner {
                    LeaseOwner::Vm(id) => ("VM", id),
                    LeaseOwner::Vnet(id) => ("VNET", id),
                    LeaseOwner::Vrouter(id) => ("VROUTER", id),
                };
                vp::replace(&mut lease, key, id.to_string());
                self.set_addresses(index, &mut lease);
                lease.sort();
                w.open("LEASE");
                for (k, v) in &lease {
                    w.cdata(k, v);
                }
                w.close("LEASE");
            }
            w.close("LEASES");
        }
        w.close("AR");
    }

    /// Rebuilds the lease map from the LEASE elements of the expanded form (used when the
    /// stored ALLOCATED is not available): each lease's address gives its index.
    pub fn restore_leases(&mut self, leases: &[Vec<(String, String)>]) -> Result<(), String> {
        self.allocated.clear();
        for lease in leases {
            let owner = if let Some(v) = vp::get(lease, "VM") {
                LeaseOwner::Vm(v.trim().parse().map_err(|_| format!("bad lease VM \"{v}\""))?)
            } else if let Some(v) = vp::get(lease, "VNET") {
                LeaseOwner::Vnet(v.trim().parse().map_err(|_| format!("bad lease VNET \"{v}\""))?)
            } else if let Some(v) = vp::get(lease, "VROUTER") {
                LeaseOwner::Vrouter(v.trim().parse().map_err(|_| format!("bad lease VROUTER \"{v}\""))?)
            } else {
                return Err("lease without owner".into());
            };
            let index = match (vp::get(lease, "MAC"), vp::get(lease, "IP"), vp::get(lease, "IP6")) {
                (Some(m), _, _) if !self.shared => self.index_of_mac(m, false),
                (_, Some(ip), _) => self.index_of_ip(ip, false),
                (_, _, Some(ip6)) => self.index_of_ip6(ip6, false),
                _ => None,
            }
            .ok_or_else(|| format!("lease outside address range {}", self.id))?;
            self.allocated.entry(index).or_default().insert(owner.pack());
        }
        if !leases.is_empty() || self.attrs.contains_key("ALLOCATED") {
            self.attrs.insert("ALLOCATED".into(), self.allocated_text());
        }
        Ok(())
    }
}
