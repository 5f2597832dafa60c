//! VNET and VNET_POOL documents (`one.vn.info` with each range's LEASES, `one.vnpool.info`
//! with the stored ranges) and reading both back. Creating and updating a network is in
//! `vnet_create.rs`; leases, ranges and reservations in `vnet_leases.rs`; one address range in
//! `vnet_ar*.rs`.

use std::collections::{BTreeMap, BTreeSet};

use super::common::{Meta, PoolObject, read_ids, write_ids};
use super::vnet_ar::{AddressRange, LeaseFilter};
use super::{ObjectError, required};
use crate::acl::ObjectType;
use crate::states::VnetState;
use crate::template::Template;
use crate::xml::{Node, XmlWriter};

/// A virtual network (or a reservation: a network whose ranges come from a parent's).
#[derive(Debug, Clone, PartialEq)]
pub struct Vnet {
    /// Identity, ownership, permissions, lock.
    pub meta: Meta,
    /// Clusters it belongs to.
    pub clusters: BTreeSet<i32>,
    /// `BRIDGE`.
    pub bridge: String,
    /// `BRIDGE_TYPE` (`linux`, `openvswitch`, ...).
    pub bridge_type: String,
    /// `STATE`.
    pub state: VnetState,
    /// `PREV_STATE`.
    pub prev_state: VnetState,
    /// The network a reservation reserves from, -1.
    pub parent_vid: i32,
    /// The network template it was instantiated from, -1.
    pub template_id: i32,
    /// Network driver (`VN_MAD`).
    pub vn_mad: String,
    /// `PHYDEV`.
    pub phydev: String,
    /// `VLAN_ID` ("" when none).
    pub vlan_id: String,
    /// `OUTER_VLAN_ID` ("" when none).
    pub outer_vlan_id: String,
    /// Whether oned picks the VLAN ID (`AUTOMATIC_VLAN_ID`).
    pub vlan_id_automatic: bool,
    /// Whether oned picks the outer VLAN ID.
    pub outer_vlan_id_automatic: bool,
    /// Virtual routers with leases.
    pub vrouters: BTreeSet<i32>,
    /// VMs whose NICs are up to date.
    pub updated_vms: BTreeSet<i32>,
    /// VMs whose NICs need an update.
    pub outdated_vms: BTreeSet<i32>,
    /// VMs being updated.
    pub updating_vms: BTreeSet<i32>,
    /// VMs whose update failed.
    pub error_vms: BTreeSet<i32>,
    /// The network's template.
    pub template: Template,
    /// Address ranges, by ID.
    pub ars: Vec<AddressRange>,
}

fn ids(set: &BTreeSet<i32>) -> Vec<i32> {
    set.iter().copied().collect()
}

impl Vnet {
    /// Records the current state as PREV_STATE, as oned does each time it saves a network
    /// (after deciding whether a state hook fires).
    pub fn set_prev_state(&mut self) {
        self.prev_state = self.state;
    }

    /// Leases in use in every range (`USED_LEASES`).
    pub fn used_leases(&self) -> u64 {
        self.ars.iter().map(AddressRange::used).sum()
    }

    /// Addresses in every range.
    pub fn size(&self) -> u64 {
        self.ars.iter().map(AddressRange::size).sum()
    }

    /// The security groups of the network (template SECURITY_GROUPS).
    pub fn security_groups(&self) -> BTreeSet<i32> {
        let sgs = self.template.get("SECURITY_GROUPS").unwrap_or_default();
        sgs.split(',').filter_map(|s| s.trim().parse().ok()).collect()
    }

    /// Whether it is a reservation.
    pub fn is_reservation(&self) -> bool {
        self.parent_vid != -1
    }

    /// The range with this ID.
    pub fn ar(&self, id: u32) -> Option<&AddressRange> {
        self.ars.iter().find(|a| a.id() == id)
    }

    /// The range with this ID, for changes.
    pub fn ar_mut(&mut self, id: u32) -> Option<&mut AddressRange> {
        self.ars.iter_mut().find(|a| a.id() == id)
    }

    /// The ID the next range gets (one more than the highest).
    pub fn next_ar_id(&self) -> u32 {
        self.ars.iter().map(|a| a.id() + 1).max().unwrap_or(0)
    }

    /// Renders `<VNET>` as `one.vn.info` does for a caller who may only see the leases
    /// `filter` lets through (and the virtual routers in `filter.vrouters`).
    pub fn write_info_xml(&self, w: &mut XmlWriter, filter: &LeaseFilter) {
        self.write_head(w, filter.vrouters.as_ref());
        w.open("AR_POOL");
        for ar in &self.ars {
            ar.write_info_xml(w, filter);
        }
        w.close("AR_POOL").close(Self::ROOT);
    }

    fn write_head(&self, w: &mut XmlWriter, vrouters: Option<&BTreeSet<i32>>) {
        w.open(Self::ROOT);
        self.meta.write_identity(w);
        self.meta.write_lock(w);
        self.meta.perms.write_xml(w);
        write_ids(w, "CLUSTERS", &ids(&self.clusters));
        w.cdata("BRIDGE", &self.bridge).cdata("BRIDGE_TYPE", &self.bridge_type);
        w.cdata("STATE", &self.state.value().to_string());
        w.cdata("PREV_STATE", &self.prev_state.value().to_string());
        let num_or_empty = |w: &mut XmlWriter, tag: &str, v: i32| {
            if v == -1 {
                w.empty(tag);
            } else {
                w.num(tag, v);
            }
        };
        num_or_empty(w, "PARENT_NETWORK_ID", self.parent_vid);
        num_or_empty(w, "TEMPLATE_ID", self.template_id);
        for (tag, v) in [
            ("VN_MAD", &self.vn_mad),
            ("PHYDEV", &self.phydev),
            ("VLAN_ID", &self.vlan_id),
            ("OUTER_VLAN_ID", &self.outer_vlan_id),
        ] {
            if v.is_empty() {
                w.empty(tag);
            } else {
                w.cdata(tag, v);
            }
        }
        w.num("VLAN_ID_AUTOMATIC", u8::from(self.vlan_id_automatic));
        w.num("OUTER_VLAN_ID_AUTOMATIC", u8::from(self.outer_vlan_id_automatic));
        w.num("USED_LEASES", self.used_leases());
        let vrouters: Vec<i32> = match vrouters {
            Some(visible) => self.vrouters.intersection(visible).copied().collect(),
            None => ids(&self.vrouters),
        };
        write_ids(w, "VROUTERS", &vrouters);
        write_ids(w, "UPDATED_VMS", &ids(&self.updated_vms));
        write_ids(w, "OUTDATED_VMS", &ids(&self.outdated_vms));
        write_ids(w, "UPDATING_VMS", &ids(&self.updating_vms));
        write_ids(w, "ERROR_VMS", &ids(&self.error_vms));
        self.template.write_xml(w, "TEMPLATE");
    }
}

impl PoolObject for Vnet {
    const ROOT: &'static str = "VNET";
    const POOL_ROOT: &'static str = "VNET_POOL";
    const KIND: ObjectType = ObjectType::Net;

    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }

    fn template(&self) -> &Template {
        &self.template
    }

    fn template_mut(&mut self) -> &mut Template {
        &mut self.template
    }

    fn cluster_ids(&self) -> Vec<i32> {
        ids(&self.clusters)
    }

    fn state(&self) -> i32 {
        self.state.value()
    }

    /// `one.vn.info` for a caller who sees every lease.
    fn write_xml(&self, w: &mut XmlWriter) {
        self.write_info_xml(w, &LeaseFilter::default());
    }

    /// `one.vnpool.info`: the ranges as stored, without computed addresses nor LEASES.
    fn write_pool_xml(&self, w: &mut XmlWriter) {
        self.write_head(w, None);
        w.open("AR_POOL");
        for ar in &self.ars {
            ar.write_stored_xml(w);
        }
        w.close("AR_POOL").close(Self::ROOT);
    }

    fn from_node(node: &Node) -> Result<Self, ObjectError> {
        let text = |tag: &str| node.child_text(tag).unwrap_or_default().to_owned();
        let id_or_none = |tag: &str| -> Result<i32, ObjectError> {
            let t = text(tag);
            if t.trim().is_empty() {
                return Ok(-1);
            }
            t.trim().parse().map_err(|_| ObjectError(format!("<{tag}> \"{t}\" is not a number")))
        };
        let state = |tag: &str| -> Result<VnetState, ObjectError> {
            let t = required(node, tag)?;
            t.trim()
                .parse()
                .ok()
                .and_then(VnetState::from_value)
                .ok_or_else(|| ObjectError(format!("<{tag}> \"{t}\" is not a network state")))
        };
        let set = |tag: &str| read_ids(node, tag).map(|v| v.into_iter().collect::<BTreeSet<i32>>());
        let mut ars = Vec::new();
        if let Some(pool) = node.child("AR_POOL") {
            for ar in pool.children_named("AR") {
                ars.push(ar_from_node(ar)?);
            }
        }
        Ok(Vnet {
            meta: Meta::from_node(node)?,
            clusters: set("CLUSTERS")?,
            bridge: text("BRIDGE"),
            bridge_type: text("BRIDGE_TYPE"),
            state: state("STATE")?,
            prev_state: state("PREV_STATE")?,
            parent_vid: id_or_none("PARENT_NETWORK_ID")?,
            template_id: id_or_none("TEMPLATE_ID")?,
            vn_mad: text("VN_MAD"),
            phydev: text("PHYDEV"),
            vlan_id: text("VLAN_ID"),
            outer_vlan_id: text("OUTER_VLAN_ID"),
            vlan_id_automatic: text("VLAN_ID_AUTOMATIC").trim() == "1",
            outer_vlan_id_automatic: text("OUTER_VLAN_ID_AUTOMATIC").trim() == "1",
            vrouters: set("VROUTERS")?,
            updated_vms: set("UPDATED_VMS")?,
            outdated_vms: set("OUTDATED_VMS")?,
            updating_vms: set("UPDATING_VMS")?,
            error_vms: set("ERROR_VMS")?,
            template: super::template_from_node(node.child("TEMPLATE"))?,
            ars,
        })
    }
}

/// Reads an `<AR>` in either form: the stored one (with ALLOCATED) or the expanded one of
/// `one.vn.info` (computed elements dropped, leases rebuilt from LEASES).
fn ar_from_node(node: &Node) -> Result<AddressRange, ObjectError> {
    const COMPUTED: [&str; 8] = [
        "MAC_END",
        "IP_END",
        "IP6_END",
        "IP6_ULA",
        "IP6_ULA_END",
        "IP6_GLOBAL",
        "IP6_GLOBAL_END",
        "USED_LEASES",
    ];
    let expanded = node.child("USED_LEASES").is_some();
    let attrs: BTreeMap<String, String> = node
        .children
        .iter()
        .filter(|c| {
            c.children.is_empty() && c.name != "LEASES" && !(expanded && COMPUTED.contains(&c.name.as_str()))
        })
        .map(|c| (c.name.clone(), c.text.clone()))
        .collect();
    let mut ar = AddressRange::from_stored(attrs).map_err(ObjectError)?;
    if expanded {
        let leases: Vec<Vec<(String, String)>> = node
            .child("LEASES")
            .map(|l| {
                l.children_named("LEASE")
                    .map(|lease| lease.children.iter().map(|c| (c.name.clone(), c.text.clone())).collect())
                    .collect()
            })
            .unwrap_or_default();
        ar.restore_leases(&leases).map_err(ObjectError)?;
    }
    Ok(ar)
}

/// Renders `<VNET_POOL>` (the `one.vnpool.info` form of each network) in the given order.
pub fn vnet_pool_xml<'a>(vnets: impl IntoIterator<Item = &'a Vnet>) -> String {
    let mut w = XmlWriter::new();
    w.open(Vnet::POOL_ROOT);
    for v in vnets {
        v.write_pool_xml(&mut w);
    }
    w.close(Vnet::POOL_ROOT);
    w.finish()
}

/// Reads `<VNET_POOL>`.
pub fn vnets_from_pool(node: &Node) -> Result<Vec<Vnet>, ObjectError> {
    node.children_named(Vnet::ROOT).map(Vnet::from_node).collect()
}

#[cfg(test)]
#[path = "vnet_tests.rs"]
pub(crate) mod tests;
