//! What oned does with a network's leases and ranges, with OpenNebula's rules and messages:
//! the NIC attributes a lease gives a VM (or a virtual router), releasing a VM's leases,
//! `one.vn.hold` / `release`, `add_ar` / `rm_ar` / `update_ar`, and reservations
//! (`one.vn.reserve`): parsing the request, taking the addresses from the parent network and
//! the new range of the reservation.

use std::collections::BTreeSet;

use super::vector_pairs as vp;
use super::vnet::Vnet;
use super::vnet_addr::{Mac, mac_str};
use super::vnet_ar::{AddressRange, LeaseAddr, LeaseOwner, Rng};
use crate::states::VnetState;
use crate::template::Template;

/// A `one.vn.reserve` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveRequest {
    /// How many addresses.
    pub size: u64,
    /// Add to this existing reservation instead of creating one.
    pub network_id: Option<i32>,
    /// Name of the new reservation network.
    pub name: String,
    /// Take them from this range.
    pub ar_id: Option<u32>,
    /// Starting at this address (needs `ar_id`).
    pub start: Option<LeaseAddr>,
}

/// What removing a range leaves to do: a reservation's range goes back to its parent
/// ([`Vnet::free_by_range`] on the parent with these values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedAr {
    /// The parent network, -1 when this is not a reservation.
    pub parent_vid: i32,
    /// The parent's range the addresses came from.
    pub parent_ar: Option<u32>,
    /// The range's first MAC.
    pub mac: String,
    /// Its size.
    pub size: u64,
}

/// Reads the template of `one.vn.reserve` on network `oid`, with OpenNebula's messages (code
/// ACTION). An existing target reservation is checked with [`Vnet::accepts_reservation_from`].
pub fn parse_reserve_request(tmpl: &Template, oid: i32) -> Result<ReserveRequest, String> {
    let int = |name: &str| tmpl.get(name).and_then(|v| v.trim().parse::<i64>().ok());
    let size = int("SIZE").filter(|s| *s > 0).ok_or("Reservation SIZE must be a greater than 0")?;
    let network_id = int("NETWORK_ID").map(|id| id as i32);
    if let Some(rid) = network_id {
        if rid < 0 {
            return Err("NETWORK_ID must be equal or greater than 0".into());
        }
        if rid == oid {
            return Err("Cannot add a reservation from the same network".into());
        }
    }
    let name = tmpl.get("NAME").unwrap_or_default().to_owned();
    if name.is_empty() && network_id.is_none() {
        return Err("NAME for reservation has to be set".into());
    }
    let ar_id = int("AR_ID");
    if ar_id.is_some_and(|a| a < 0) {
        return Err("AR_ID must be equal or greater than 0".into());
    }
    let text = |name: &str| tmpl.get(name).filter(|v| !v.is_empty()).map(str::to_owned);
    let start = match (text("IP"), text("IP6"), text("MAC")) {
        (Some(ip), _, _) => Some(LeaseAddr::Ip(ip)),
        (None, Some(ip6), _) => Some(LeaseAddr::Ip6(ip6)),
        (None, None, Some(mac)) => Some(LeaseAddr::Mac(mac)),
        _ => None,
    };
    if ar_id.is_none() && start.is_some() {
        return Err("AR_ID must be specified for IP/MAC based reservations".into());
    }
    Ok(ReserveRequest { size: size as u64, network_id, name, ar_id: ar_id.map(|a| a as u32), start })
}

/// The one address a LEASES=[...] vector names, or OpenNebula's message.
fn lease_addr(tmpl: &Template) -> Result<(LeaseAddr, Option<u32>), String> {
    let lease = tmpl.vector("LEASES").ok_or("Empty lease description.")?;
    let text = |k: &str| vp::get_set(lease, k).map(str::to_owned);
    let addrs: Vec<LeaseAddr> =
        [text("IP").map(LeaseAddr::Ip), text("IP6").map(LeaseAddr::Ip6), text("MAC").map(LeaseAddr::Mac)]
            .into_iter()
            .flatten()
            .collect();
    let ar_id = vp::get(lease, "AR_ID").and_then(|v| v.trim().parse::<u32>().ok());
    match addrs.len() {
        0 => Err("Missing MAC, IP or IP6.".into()),
        1 => Ok((addrs.into_iter().next().ok_or("Missing MAC, IP or IP6.")?, ar_id)),
        _ => Err("Only one attribute MAC, IP or IP6 can be set.".into()),
    }
}

impl Vnet {
    /// The state check of the AR, lease and reservation calls: `Could not execute
    /// <method>Virtual Network is in wrong state: <STATE>` (sic) unless READY or
    /// UPDATE_FAILURE (code ACTION).
    pub fn check_usable(&self, method: &str) -> Result<(), String> {
        match self.state {
            VnetState::Ready | VnetState::UpdateFailure => Ok(()),
            s => Err(format!("Could not execute {method}Virtual Network is in wrong state: {}", s.name())),
        }
    }

    /// Gives a VM's NIC a lease: the network's attributes (NETWORK, NETWORK_ID, BRIDGE,
    /// VN_MAD, PHYDEV, VLAN IDs, PARENT_NETWORK_ID, TARGET `one-<vm>-<nic>`, CLUSTER_ID,
    /// BRIDGE_TYPE), the address (the requested IP, IP6 or MAC, else the next free one), the
    /// range's attributes (AR_ID ...), the network attributes oned.conf says NICs inherit,
    /// and the union of the security groups. The VM is then UPDATED for this network. On
    /// failure (`Cannot get IP/MAC lease from virtual network <id>.`) the network is unchanged.
    pub fn nic_attribute(
        &mut self,
        nic: &mut Vec<(String, String)>,
        vm_id: i32,
        inherit: &[String],
        mac_prefix: u32,
        rng: Rng<'_>,
    ) -> Result<(), String> {
        vp::replace(nic, "NETWORK", self.meta.name.as_str());
        vp::replace(nic, "NETWORK_ID", self.meta.id.to_string());
        vp::replace(nic, "BRIDGE", self.bridge.as_str());
        for (key, value) in [
            ("VN_MAD", &self.vn_mad),
            ("PHYDEV", &self.phydev),
            ("VLAN_ID", &self.vlan_id),
            ("OUTER_VLAN_ID", &self.outer_vlan_id),
        ] {
            if !value.is_empty() {
                vp::replace(nic, key, value.as_str());
            }
        }
        if self.parent_vid != -1 {
            vp::replace(nic, "PARENT_NETWORK_ID", self.parent_vid.to_string());
        }
        if vp::get_set(nic, "TARGET").is_none() {
            let nic_id = vp::get(nic, "NIC_ID").unwrap_or_default().to_owned();
            vp::replace(nic, "TARGET", format!("one-{vm_id}-{nic_id}"));
        }
        let clusters: Vec<String> = self.clusters.iter().map(i32::to_string).collect();
        vp::replace(nic, "CLUSTER_ID", clusters.join(","));
        if !self.bridge_type.is_empty() {
            vp::replace(nic, "BRIDGE_TYPE", self.bridge_type.as_str());
        }
        let floating_only =
            vp::is_yes(vp::get_set(nic, "FLOATING_IP")) && vp::is_yes(vp::get_set(nic, "FLOATING_ONLY"));
        let leased = if floating_only {
            vp::replace(nic, "MAC", mac_str(Mac { hi: mac_prefix, lo: rng() }));
            for key in ["IP", "IP6_LINK", "IP6_ULA", "IP6_GLOBAL"] {
                vp::remove(nic, key);
            }
            true
        } else {
            self.lease_for(LeaseOwner::Vm(vm_id), nic, inherit, mac_prefix, rng)
        };
        super::image_disk::inherit_into(nic, &self.template, inherit);
        let mut sgs: BTreeSet<i32> = vp::get(nic, "SECURITY_GROUPS")
            .unwrap_or_default()
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        sgs.extend(self.security_groups());
        if let Some(ar) = vp::get(nic, "AR_ID").and_then(|a| a.trim().parse().ok()).and_then(|a| self.ar(a)) {
            sgs.extend(ar.security_groups().iter().copied());
        }
        let sgs: Vec<String> = sgs.iter().map(i32::to_string).collect();
        vp::replace(nic, "SECURITY_GROUPS", sgs.join(","));
        if !leased {
            return Err(self.lease_error());
        }
        self.updated_vms.insert(vm_id);
        Ok(())
    }

    fn lease_error(&self) -> String {
        format!("Cannot get IP/MAC lease from virtual network {}.", self.meta.id)
    }

    /// A lease by the IP, IP6 or MAC the vector asks for (at most one), else the next free
    /// address, from the first range that can give it.
    fn lease_for(
        &mut self,
        owner: LeaseOwner,
        nic: &mut Vec<(String, String)>,
        inherit: &[String],
        mac_prefix: u32,
        rng: Rng<'_>,
    ) -> bool {
        let ip = vp::get_set(nic, "IP").map(str::to_owned);
        let ip6 = vp::get_set(nic, "IP6").map(str::to_owned);
        let mac = vp::get_set(nic, "MAC").map(str::to_owned);
        if [&ip, &ip6, &mac].iter().filter(|a| a.is_some()).count() > 1 {
            return false;
        }
        self.ars.iter_mut().any(|ar| match (&ip, &ip6, &mac) {
            (Some(ip), _, _) => ar.allocate_by_ip(ip, owner, nic, inherit, mac_prefix, rng),
            (_, Some(ip6), _) => ar.allocate_by_ip6(ip6, owner, nic, inherit, mac_prefix, rng),
            (_, _, Some(mac)) => ar.allocate_by_mac(mac, owner, nic, inherit, mac_prefix, rng),
            _ => ar.allocate(owner, nic, inherit, mac_prefix, rng),
        })
    }

    /// A virtual router's NIC: NETWORK and NETWORK_ID, and a lease only for a floating IP
    /// (`FLOATING_IP=YES`); the router is then listed in VROUTERS.
    pub fn vrouter_nic_attribute(
        &mut self,
        nic: &mut Vec<(String, String)>,
        vrouter_id: i32,
        inherit: &[String],
        mac_prefix: u32,
        rng: Rng<'_>,
    ) -> Result<(), String> {
        vp::replace(nic, "NETWORK", self.meta.name.as_str());
        vp::replace(nic, "NETWORK_ID", self.meta.id.to_string());
        if vp::is_yes(vp::get_set(nic, "FLOATING_IP"))
            && !self.lease_for(LeaseOwner::Vrouter(vrouter_id), nic, inherit, mac_prefix, rng)
        {
            return Err(self.lease_error());
        }
        self.vrouters.insert(vrouter_id);
        Ok(())
    }

    /// Releases the lease a NIC of `owner` holds (by its AR_ID when present): by IP (or
    /// IP6) for a SHARED lease, else by MAC (VROUTER_MAC for a router). The router leaves
    /// VROUTERS, the VM the update lists.
    pub fn free_nic_lease(&mut self, nic: &[(String, String)], owner: LeaseOwner) {
        let ar_id = vp::get(nic, "AR_ID").and_then(|a| a.trim().parse::<u32>().ok());
        let addr = if vp::is_yes(vp::get_set(nic, "SHARED")) {
            match (vp::get_set(nic, "IP"), vp::get_set(nic, "IP6")) {
                (Some(ip), _) => Some(LeaseAddr::Ip(ip.to_owned())),
                (None, Some(ip6)) => Some(LeaseAddr::Ip6(ip6.to_owned())),
                _ => None,
            }
        } else {
            let key = if matches!(owner, LeaseOwner::Vrouter(_)) { "VROUTER_MAC" } else { "MAC" };
            Some(LeaseAddr::Mac(vp::get(nic, key).unwrap_or_default().to_owned()))
        };
        let Some(addr) = addr else { return };
        for ar in self.ars.iter_mut().filter(|a| ar_id.is_none_or(|id| a.id() == id)) {
            ar.free(owner, &addr);
        }
        match owner {
            LeaseOwner::Vrouter(id) => {
                self.vrouters.remove(&id);
            }
            LeaseOwner::Vm(id) => self.clear_update_vm(id),
            LeaseOwner::Vnet(_) => {}
        }
    }

    /// Frees every lease of `owner` (a deleted VM, a removed reservation); returns how many.
    pub fn free_by_owner(&mut self, owner: LeaseOwner) -> u64 {
        if let LeaseOwner::Vm(id) = owner {
            self.clear_update_vm(id);
        }
        self.ars.iter_mut().map(|ar| ar.free_by_owner(owner)).sum()
    }

    /// Frees a reservation's addresses in range `ar_id` of this (parent) network; returns
    /// how many (the reservation owner's network quota shrinks by as many).
    pub fn free_by_range(&mut self, ar_id: u32, owner: LeaseOwner, mac: &str, size: u64) -> u64 {
        if let LeaseOwner::Vm(id) = owner {
            self.clear_update_vm(id);
        }
        self.ar_mut(ar_id).map_or(0, |ar| ar.free_by_range(owner, mac, size))
    }

    /// Drops a VM from the update lists (the first list holding it); a network whose last
    /// failed VM goes is READY again.
    pub fn clear_update_vm(&mut self, vm_id: i32) {
        if self.updated_vms.remove(&vm_id) || self.updating_vms.remove(&vm_id) {
            return;
        }
        if self.error_vms.remove(&vm_id) {
            if self.error_vms.is_empty() && self.state == VnetState::UpdateFailure {
                self.state = VnetState::Ready;
            }
            return;
        }
        self.outdated_vms.remove(&vm_id);
    }

    /// `one.vn.hold`: LEASES=[IP|IP6|MAC=..., AR_ID?] puts the address on hold (VM -1) in the
    /// given range, or in every range that has it free.
    pub fn hold_leases(&mut self, tmpl: &Template) -> Result<(), String> {
        let (addr, ar_id) = lease_addr(tmpl)?;
        let mut held = false;
        for ar in self.ars.iter_mut().filter(|a| ar_id.is_none_or(|id| a.id() == id)) {
            held |= ar.hold(&addr);
        }
        if held { Ok(()) } else { Err("Address is not part of the address range or in use.".into()) }
    }

    /// `one.vn.release`: frees a held address (in the given range, or in every range).
    pub fn release_leases(&mut self, tmpl: &Template) -> Result<(), String> {
        let (addr, ar_id) = lease_addr(tmpl)?;
        for ar in self.ars.iter_mut().filter(|a| ar_id.is_none_or(|id| a.id() == id)) {
            ar.free(LeaseOwner::HOLD, &addr);
        }
        Ok(())
    }

    /// `one.vn.add_ar`: the first AR=[...] of the template becomes a new range (inheriting the
    /// network's IPAM_MAD); returns its ID.
    pub fn add_ar(&mut self, tmpl: &Template, mac_prefix: u32, rng: Rng<'_>) -> Result<u32, String> {
        let mut pairs =
            tmpl.vector("AR").ok_or("Wrong AR definition. AR vector attribute is missing.")?.to_vec();
        let ipam = self.template.get("IPAM_MAD").unwrap_or_default();
        if vp::get_set(&pairs, "IPAM_MAD").is_none() && !ipam.is_empty() {
            vp::replace(&mut pairs, "IPAM_MAD", ipam);
        }
        let ar = AddressRange::from_pairs(self.next_ar_id(), &pairs, false, mac_prefix, rng)?;
        let id = ar.id();
        self.ars.push(ar);
        Ok(id)
    }

    /// Adds the range a reservation got from its parent (`AddressRange::reserve`).
    pub fn add_reserved_ar(&mut self, ar: AddressRange) -> Result<(), String> {
        if self.ar(ar.id()).is_some() {
            return Err("Could not add the address range to the netwok".into());
        }
        let pos = self.ars.iter().position(|a| a.id() > ar.id()).unwrap_or(self.ars.len());
        self.ars.insert(pos, ar);
        Ok(())
    }

    /// `one.vn.rm_ar` / `free_ar`: removes a range (with leases in use only when `force`).
    pub fn rm_ar(&mut self, ar_id: u32, force: bool) -> Result<RemovedAr, String> {
        if !matches!(self.state, VnetState::Ready | VnetState::UpdateFailure) {
            return Err(format!(
                "Could not remove Adress Range, Virtual Network is in wrong state: {}",
                self.state.name()
            ));
        }
        let pos = self.ars.iter().position(|a| a.id() == ar_id).ok_or("Address Range does not exist")?;
        if !force && self.ars[pos].used() > 0 {
            return Err("Address Range has leases in use".into());
        }
        let ar = self.ars.remove(pos);
        Ok(RemovedAr {
            parent_vid: self.parent_vid,
            parent_ar: ar.parent_ar(),
            mac: ar.attr("MAC").to_owned(),
            size: ar.size(),
        })
    }

    /// `one.vn.update_ar`: updates the range the first AR=[AR_ID=..., ...] names. Changed
    /// inherited attributes (oned.conf INHERIT_VNET_ATTR) go into VNET_UPDATE and the VMs
    /// with leases in the range become outdated.
    pub fn update_ar(&mut self, tmpl: &Template, inherited: &[String]) -> Result<(), String> {
        let pairs = tmpl.vector("AR").ok_or("Wrong AR definition. AR vector attribute is missing.")?;
        let ar_id = vp::get(pairs, "AR_ID")
            .and_then(|a| a.trim().parse::<u32>().ok())
            .ok_or("AR/AR_ID attribute is missing.")?;
        let ar = self.ar_mut(ar_id).ok_or_else(|| format!("Address Range with ID {ar_id} was not found."))?;
        let changed = ar.update(pairs, inherited)?;
        if changed.is_empty() {
            return Ok(());
        }
        // Holds (VM -1) are not VMs.
        let vms: BTreeSet<i32> = ar.vm_ids().into_iter().filter(|id| *id >= 0).collect();
        self.template.remove("VNET_UPDATE");
        self.template.push(crate::template::Attribute::vector("VNET_UPDATE", changed));
        for vm in vms {
            self.outdated_vms.insert(vm);
            self.updated_vms.remove(&vm);
            self.updating_vms.remove(&vm);
            self.error_vms.remove(&vm);
        }
        if self.state == VnetState::UpdateFailure {
            self.state = VnetState::Ready;
        }
        Ok(())
    }

    /// Whether an existing network `self` may receive new reservations from network `oid`
    /// (`one.vn.reserve` with NETWORK_ID).
    pub fn accepts_reservation_from(&self, oid: i32) -> Result<(), String> {
        if self.parent_vid == -1 {
            return Err("Cannot add reservations to a non-reservation VNET".into());
        }
        if self.parent_vid != oid {
            return Err(format!(
                "New reservations for virtual network {} have to be from network {}",
                self.meta.id, self.parent_vid
            ));
        }
        Ok(())
    }

    /// The template a new reservation network is allocated from: this network's, named `name`.
    pub fn reservation_template(&self, name: &str) -> Template {
        let mut t = self.template.clone();
        t.set("NAME", name);
        t
    }

    /// Takes the addresses of a reservation out of this (parent) network for network `rid`,
    /// returning the reservation's new range (ID `new_ar_id`). Messages as OpenNebula's (code
    /// ACTION); a reservation cannot itself be reserved from.
    pub fn reserve(
        &mut self,
        req: &ReserveRequest,
        rid: i32,
        new_ar_id: u32,
        mac_prefix: u32,
        rng: Rng<'_>,
    ) -> Result<AddressRange, String> {
        if self.is_reservation() {
            return Err("Cannot reserve addresses from a reserved VNET".into());
        }
        let size = req.size;
        if let Some(ar_id) = req.ar_id {
            let err = || format!("Not enough free addresses in address range {ar_id}, or it does not exist");
            let ar = self.ar_mut(ar_id).ok_or_else(err)?;
            if req.start.is_none() && ar.available() < size {
                return Err(err());
            }
            return ar.reserve(rid, size, req.start.as_ref(), new_ar_id, mac_prefix, rng).ok_or_else(err);
        }
        for ar in self.ars.iter_mut().filter(|a| a.available() >= size) {
            if let Some(rar) = ar.reserve(rid, size, None, new_ar_id, mac_prefix, rng) {
                return Ok(rar);
            }
        }
        Err("Not enough free addresses in an address range".into())
    }
}

#[cfg(test)]
#[path = "vnet_leases_tests.rs"]
mod tests;
