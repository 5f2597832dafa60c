//! Creating and updating a virtual network as OpenNebula does: `one.vn.allocate` (NAME,
//! VN_MAD, PHYDEV, BRIDGE, VLAN IDs, BRIDGE_TYPE from oned.conf's VN_MAD_CONF,
//! SECURITY_GROUPS), the driver's answer that makes it READY and turns the template's ARs into
//! address ranges, and `one.vn.update` with its VNET_UPDATE bookkeeping.

use std::collections::{BTreeMap, BTreeSet};

use super::common::Meta;
use super::vnet::Vnet;
use super::vnet_ar::{AddressRange, Rng};
use crate::states::VnetState;
use crate::template::{Template, Value};

/// oned.conf's `VN_MAD_CONF`: the bridge types each network driver accepts (the first is the
/// default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VnMadConf {
    /// `(NAME, BRIDGE_TYPE)` pairs, BRIDGE_TYPE as written (comma-separated).
    pub drivers: Vec<(String, String)>,
}

impl Default for VnMadConf {
    /// The table of OpenNebula 7.4's oned.conf.
    fn default() -> Self {
        let d = [
            ("dummy", "linux"),
            ("802.1Q", "linux"),
            ("fw", "linux"),
            ("ovswitch", "openvswitch,openvswitch_dpdk"),
            ("vxlan", "linux"),
            ("ovswitch_vxlan", "openvswitch"),
            ("bridge", "linux"),
            ("elastic", "linux"),
            ("nodeport", "linux"),
        ];
        VnMadConf { drivers: d.iter().map(|(n, b)| ((*n).to_owned(), (*b).to_owned())).collect() }
    }
}

impl VnMadConf {
    /// The BRIDGE_TYPE a network gets: the requested one if the driver allows it, else the
    /// driver's first; OpenNebula's messages otherwise.
    pub fn bridge_type(&self, vn_mad: &str, requested: &str) -> Result<String, String> {
        let Some((_, types)) = self.drivers.iter().find(|(n, _)| n == vn_mad) else {
            return Err(format!("VN_MAD named \"{vn_mad}\" is not defined in oned.conf"));
        };
        let valid: Vec<&str> = types.split(',').map(str::trim).collect();
        let known = |t: &&str| matches!(*t, "linux" | "openvswitch" | "openvswitch_dpdk" | "none");
        if types.trim().is_empty() || !valid.iter().all(known) {
            return Err(format!(
                "Attribute bridge type in VN_MAD_CONF for {vn_mad} is missing or has wrong value in oned.conf"
            ));
        }
        let requested = requested.trim();
        if requested.is_empty() {
            return Ok(valid[0].to_owned());
        }
        valid.iter().find(|t| **t == requested).map(|t| (*t).to_owned()).ok_or_else(|| {
            format!(
                "Attribute BRIDGE_TYPE has wrong value \"{requested}\" for VN_MAD_CONF {vn_mad} in oned.conf"
            )
        })
    }
}

impl Vnet {
    /// The new network of `one.vn.allocate` (or of a reservation, `parent_vid` set), before
    /// its driver runs: state LOCK_CREATE, with the template's ARs still in the template
    /// (they are added by [`Vnet::finish_create`]). `meta.id` must be the new ID (it names a
    /// default bridge). The caller validates the name it gets (`meta.name`, from NAME or
    /// TEMPLATE_NAME-ID) and its uniqueness (`NAME is already taken by NET <id>.`), and
    /// assigns automatic VLAN IDs.
    pub fn allocate(
        mut meta: Meta,
        mut template: Template,
        clusters: BTreeSet<i32>,
        parent_vid: i32,
        template_id: i32,
        conf: &VnMadConf,
    ) -> Result<Vnet, String> {
        let take = |t: &mut Template, name: &str| {
            let v = t.get(name).unwrap_or_default().to_owned();
            t.remove(name);
            v
        };
        template.remove("TEMPLATE_ID");
        let name = take(&mut template, "NAME");
        let prefix = take(&mut template, "TEMPLATE_NAME");
        if name.is_empty() && prefix.is_empty() {
            return Err("No NAME in template for Virtual Network.".into());
        }
        meta.name = if name.is_empty() { format!("{prefix}-{}", meta.id) } else { name };
        let vn_mad = take(&mut template, "VN_MAD");
        if vn_mad.is_empty() {
            return Err("No VN_MAD in template for Virtual Network.".into());
        }
        template.set("VN_MAD", vn_mad.as_str());
        let phydev = take(&mut template, "PHYDEV");
        template.set("PHYDEV", phydev.as_str());
        let bridge = take(&mut template, "BRIDGE");
        let (vlan_id, vlan_auto) = parse_vlan_id(&mut template, "VLAN_ID", "AUTOMATIC_VLAN_ID");
        let (outer_id, outer_auto) = parse_vlan_id(&mut template, "OUTER_VLAN_ID", "AUTOMATIC_OUTER_VLAN_ID");
        check_driver_attributes(&vn_mad, &phydev, &bridge, vlan_auto, &vlan_id, outer_auto, &outer_id)?;
        let requested = take(&mut template, "BRIDGE_TYPE");
        let bridge_type = conf.bridge_type(&vn_mad, &requested)?;
        template.set("BRIDGE_TYPE", bridge_type.as_str());
        let bridge = if bridge.is_empty() && bridge_type != "none" {
            if vlan_id.is_empty() { format!("onebr{}", meta.id) } else { format!("onebr.{vlan_id}") }
        } else {
            bridge
        };
        template.set("BRIDGE", bridge.as_str());
        let sgs = take(&mut template, "SECURITY_GROUPS");
        let sgs = if sgs.is_empty() {
            "0".to_owned()
        } else {
            let mut set: BTreeSet<i32> = sgs.split(',').filter_map(|s| s.trim().parse().ok()).collect();
            set.insert(0);
            set.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
        };
        template.set("SECURITY_GROUPS", sgs);
        Ok(Vnet {
            meta,
            clusters,
            bridge,
            bridge_type,
            state: VnetState::LockCreate,
            prev_state: VnetState::Init,
            parent_vid,
            template_id,
            vn_mad,
            phydev,
            vlan_id,
            outer_vlan_id: outer_id,
            vlan_id_automatic: vlan_auto,
            outer_vlan_id_automatic: outer_auto,
            vrouters: BTreeSet::new(),
            updated_vms: BTreeSet::new(),
            outdated_vms: BTreeSet::new(),
            updating_vms: BTreeSet::new(),
            error_vms: BTreeSet::new(),
            template,
            ars: Vec::new(),
        })
    }

    /// The network driver created the network (`vnet_create` succeeded): `info` (what the
    /// driver printed, possibly empty) is merged into the template, the network becomes
    /// READY and the template's ARs become its address ranges. On `Err` the network is in
    /// ERROR and the caller records the message in the template's ERROR attribute.
    pub fn finish_create(
        &mut self,
        info: &Template,
        conf: &VnMadConf,
        mac_prefix: u32,
        rng: Rng<'_>,
    ) -> Result<(), String> {
        if let Err(e) = self.update_template(info, true, conf) {
            self.state = VnetState::Error;
            return Err(e);
        }
        self.state = VnetState::Ready;
        self.template.remove("ERROR");
        let ars: Vec<Vec<(String, String)>> =
            self.template.get_all("AR").filter_map(|a| a.value.as_vector().map(<[_]>::to_vec)).collect();
        self.template.remove("AR");
        let ipam = self.template.get("IPAM_MAD").unwrap_or_default().to_owned();
        let mut error = None;
        for mut pairs in ars {
            if !ipam.is_empty() && super::vector_pairs::get_set(&pairs, "IPAM_MAD").is_none() {
                super::vector_pairs::replace(&mut pairs, "IPAM_MAD", ipam.as_str());
            }
            match AddressRange::from_pairs(self.next_ar_id(), &pairs, false, mac_prefix, rng) {
                Ok(ar) => self.ars.push(ar),
                Err(e) => error = Some(e),
            }
        }
        match error {
            Some(e) => {
                self.state = VnetState::Error;
                Err(e)
            }
            None => Ok(()),
        }
    }

    /// `one.vn.update` (`append` = update type 1): records the changed NIC-relevant
    /// attributes in VNET_UPDATE, replaces or merges the template, then keeps VN_MAD,
    /// BRIDGE_TYPE, PHYDEV, the VLAN IDs, BRIDGE and the security groups consistent, as
    /// OpenNebula's `post_update_template` does. A VNET_UPDATE marks every up-to-date VM as
    /// outdated (the caller then starts updating them).
    pub fn update_template(&mut self, new: &Template, append: bool, conf: &VnMadConf) -> Result<(), String> {
        let mut new = new.clone();
        self.set_updated_attributes(&mut new, !append);
        let old = self.template.clone();
        if append {
            self.template.merge(&new);
        } else {
            self.template = new;
        }
        if let Err(e) = self.post_update_template(conf) {
            self.template = old;
            return Err(e);
        }
        Ok(())
    }

    /// OpenNebula's `set_updated_attributes`: VNET_UPDATE=[NAME=old value] for each
    /// NIC-relevant attribute the new template adds or changes (or removes, when replacing).
    fn set_updated_attributes(&self, new: &mut Template, removed: bool) {
        const UPDATE: [&str; 15] = [
            "PHYDEV",
            "MTU",
            "VLAN_ID",
            "QINQ_TYPE",
            "CVLANS",
            "VLAN_TAGGED_ID",
            "OUTER_VLAN_ID",
            "INBOUND_AVG_BW",
            "INBOUND_PEAK_BW",
            "INBOUND_PEAK_KB",
            "OUTBOUND_AVG_BW",
            "OUTBOUND_PEAK_BW",
            "OUTBOUND_PEAK_KB",
            "SPOOFCHK",
            "TRUST",
        ];
        let mut changes: BTreeMap<String, String> = BTreeMap::new();
        for a in new.attributes() {
            if let Value::Single(v) = &a.value
                && UPDATE.contains(&a.name.as_str())
            {
                let old = self.template.get(&a.name);
                if old != Some(v.as_str()) {
                    changes.insert(a.name.clone(), old.unwrap_or_default().to_owned());
                }
            }
        }
        if removed {
            for a in self.template.attributes() {
                if let Value::Single(v) = &a.value
                    && UPDATE.contains(&a.name.as_str())
                    && new.get(&a.name).is_none()
                    && !v.is_empty()
                {
                    changes.insert(a.name.clone(), v.clone());
                }
            }
        }
        new.remove("VNET_UPDATE");
        if !changes.is_empty() {
            new.push(crate::template::Attribute::vector("VNET_UPDATE", changes));
        }
    }

    fn post_update_template(&mut self, conf: &VnMadConf) -> Result<(), String> {
        let t = &mut self.template;
        t.remove("TEMPLATE_ID");
        let take = |t: &mut Template, name: &str| {
            let v = t.get(name).unwrap_or_default().to_owned();
            t.remove(name);
            v
        };
        let new_vn_mad = take(t, "VN_MAD");
        if new_vn_mad.is_empty() {
            t.set("VN_MAD", self.vn_mad.as_str());
            return Err("No VN_MAD in template for Virtual Network.".into());
        }
        let mut new_br_type = take(t, "BRIDGE_TYPE");
        if new_vn_mad != self.vn_mad && new_br_type == self.bridge_type {
            new_br_type.clear();
        }
        match conf.bridge_type(&new_vn_mad, &new_br_type) {
            Ok(b) => self.bridge_type = b,
            Err(e) => {
                t.set("VN_MAD", self.vn_mad.as_str());
                t.set("BRIDGE_TYPE", self.bridge_type.as_str());
                return Err(e);
            }
        }
        self.vn_mad = new_vn_mad;
        t.set("VN_MAD", self.vn_mad.as_str());
        t.set("BRIDGE_TYPE", self.bridge_type.as_str());
        self.phydev = take(t, "PHYDEV");
        t.set("PHYDEV", self.phydev.as_str());
        t.remove("AUTOMATIC_VLAN_ID");
        t.remove("AUTOMATIC_OUTER_VLAN_ID");
        for (name, auto, value) in [
            ("VLAN_ID", self.vlan_id_automatic, &mut self.vlan_id),
            ("OUTER_VLAN_ID", self.outer_vlan_id_automatic, &mut self.outer_vlan_id),
        ] {
            if auto {
                t.remove(name);
            } else {
                *value = take(t, name);
                t.set(name, value.as_str());
            }
        }
        let new_bridge = take(t, "BRIDGE");
        if !new_bridge.is_empty() {
            self.bridge = new_bridge;
        }
        t.set("BRIDGE", self.bridge.as_str());
        if t.vector("VNET_UPDATE").is_some() {
            self.outdated_vms.append(&mut self.updated_vms);
            self.outdated_vms.append(&mut self.updating_vms);
            self.outdated_vms.append(&mut self.error_vms);
            if self.state == VnetState::UpdateFailure {
                self.state = VnetState::Ready;
            }
        }
        Ok(())
    }
}

/// OpenNebula's `parse_vlan_id`: a numeric ID is normalized in the template and turns the
/// automatic flag off; otherwise the AUTOMATIC_* flag is read (and removed).
fn parse_vlan_id(t: &mut Template, id_name: &str, auto_name: &str) -> (String, bool) {
    if let Some(id) = t.get(id_name).and_then(|v| v.trim().parse::<i32>().ok()) {
        t.set(id_name, id.to_string());
        t.remove(auto_name);
        return (id.to_string(), false);
    }
    let auto = t.get(auto_name).is_some_and(|v| v.eq_ignore_ascii_case("YES"));
    t.remove(auto_name);
    (String::new(), auto)
}

/// PHYDEV, BRIDGE and VLAN IDs each driver requires.
fn check_driver_attributes(
    vn_mad: &str,
    phydev: &str,
    bridge: &str,
    vlan_auto: bool,
    vlan_id: &str,
    outer_auto: bool,
    outer_id: &str,
) -> Result<(), String> {
    let (phy, br, vlan, outer) = match vn_mad {
        "dummy" => (false, true, false, false),
        "vxlan" | "802.1Q" => (true, false, true, false),
        "ovswitch_vxlan" => (false, false, false, true),
        _ => (false, false, false, false),
    };
    if phy && phydev.is_empty() {
        return Err(format!("PHYDEV is mandatory for driver {vn_mad}"));
    }
    if br && bridge.is_empty() {
        return Err(format!("BRIDGE is mandatory for driver {vn_mad}"));
    }
    if vlan && !vlan_auto && vlan_id.is_empty() {
        return Err(format!("VLAN_ID (or AUTOMATIC_VLAN_ID) is mandatory for driver {vn_mad}"));
    }
    if outer && !outer_auto && outer_id.is_empty() {
        return Err(format!("OUTER_VLAN_ID (or AUTOMATIC) is mandatory for driver {vn_mad}"));
    }
    Ok(())
}
