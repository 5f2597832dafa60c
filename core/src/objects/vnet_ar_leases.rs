//! The leases of an address range: the addresses a lease gives a NIC, allocation (next free,
//! or a requested MAC, IP or IP6), holds, releases, reservations for another network, and
//! `one.vn.update_ar`, with OpenNebula's rules.

use std::collections::BTreeMap;

use super::vector_pairs as vp;
use super::vnet_addr::{Mac, ip_str, ip6_slaac, ip6_str, mac_str, parse_mac, parse_prefix6};
use super::vnet_ar::{AddressRange, LeaseAddr, LeaseOwner, Rng, parse_u64, split_ids};

impl AddressRange {
    // ----------------------------------------------------------------------------------------
    // Addresses of a lease
    // ----------------------------------------------------------------------------------------

    /// Writes the addresses of index `index` into a NIC or LEASE vector: MAC (unless shared),
    /// port ranges, IP, IP6_LINK/IP6_ULA/IP6_GLOBAL, IP6.
    pub fn set_addresses(&self, index: u32, pairs: &mut Vec<(String, String)>) {
        if !self.shared {
            vp::replace(pairs, "MAC", mac_str(self.mac.offset(index)));
        }
        self.set_port_ranges(index, pairs);
        if self.ar_type.ipv4() {
            vp::replace(pairs, "IP", ip_str(self.ip.wrapping_add(index)));
        }
        if self.ar_type.ipv6() {
            let mac = self.mac.offset(index);
            vp::replace(pairs, "IP6_LINK", ip6_slaac([0, 0xfe80_0000], mac));
            if self.ula6 != [0, 0] {
                vp::replace(pairs, "IP6_ULA", ip6_slaac(self.ula6, mac));
            }
            if self.global6 != [0, 0] {
                vp::replace(pairs, "IP6_GLOBAL", ip6_slaac(self.global6, mac));
            }
        }
        if self.ar_type.ipv6_static() {
            let ip6 = [self.ip6[0].wrapping_add(index), self.ip6[1], self.ip6[2], self.ip6[3]];
            vp::replace(pairs, "IP6", ip6_str(ip6));
        }
    }

    fn set_port_ranges(&self, index: u32, pairs: &mut Vec<(String, String)>) {
        if self.port_size == 0 || self.port_start == 0 {
            return;
        }
        let ini = self.port_start.wrapping_add(index.wrapping_mul(self.port_size)).wrapping_add(1);
        let end = ini.wrapping_add(self.port_size).wrapping_sub(1);
        vp::replace(pairs, "EXTERNAL_PORT_RANGE", format!("{ini}:{end}"));
        vp::replace(pairs, "INTERNAL_PORT_RANGE", format!("1-{}/{ini}", self.port_size));
    }

    /// Writes AR_ID and the range's VN_MAD, BRIDGE, PHYDEV, VLAN_ID and inherited attributes.
    fn set_vnet(&self, nic: &mut Vec<(String, String)>, inherit: &[String]) {
        vp::replace(nic, "AR_ID", self.id.to_string());
        for key in ["VN_MAD", "BRIDGE", "PHYDEV", "VLAN_ID"] {
            if let Some(v) = self.attrs.get(key).filter(|v| !v.is_empty()) {
                vp::replace(nic, key, v.as_str());
            }
        }
        for name in inherit {
            let name = name.to_ascii_uppercase();
            if let Some(v) = self.attrs.get(&name).filter(|v| !v.is_empty())
                && vp::get_set(nic, &name).is_none()
            {
                vp::replace(nic, &name, v.as_str());
            }
        }
    }

    fn allocate_index(
        &mut self,
        index: u32,
        owner: LeaseOwner,
        nic: &mut Vec<(String, String)>,
        inherit: &[String],
        mac_prefix: u32,
        rng: Rng<'_>,
    ) {
        if self.shared {
            vp::replace(nic, "MAC", mac_str(Mac { hi: mac_prefix, lo: rng() }));
            vp::replace(nic, "SHARED", "YES");
        }
        self.set_addresses(index, nic);
        self.set_vnet(nic, inherit);
        self.set_allocated(owner, index);
    }

    // ----------------------------------------------------------------------------------------
    // Leases
    // ----------------------------------------------------------------------------------------

    /// Gives `owner` the next free address (not for shared ranges), writing it into `nic`.
    pub fn allocate(
        &mut self,
        owner: LeaseOwner,
        nic: &mut Vec<(String, String)>,
        inherit: &[String],
        mac_prefix: u32,
        rng: Rng<'_>,
    ) -> bool {
        if self.shared || self.used() >= self.size {
            return false;
        }
        let Some(index) = self.next_free() else { return false };
        self.allocate_index(index, owner, nic, inherit, mac_prefix, rng);
        true
    }

    /// Gives `owner` a requested free MAC (not for shared ranges).
    pub fn allocate_by_mac(
        &mut self,
        mac: &str,
        owner: LeaseOwner,
        nic: &mut Vec<(String, String)>,
        inherit: &[String],
        mac_prefix: u32,
        rng: Rng<'_>,
    ) -> bool {
        let Some(index) = self.index_of_mac(mac, true).filter(|_| !self.shared) else { return false };
        self.allocate_index(index, owner, nic, inherit, mac_prefix, rng);
        true
    }

    /// Gives `owner` a requested IPv4 address (free, unless the range is shared).
    pub fn allocate_by_ip(
        &mut self,
        ip: &str,
        owner: LeaseOwner,
        nic: &mut Vec<(String, String)>,
        inherit: &[String],
        mac_prefix: u32,
        rng: Rng<'_>,
    ) -> bool {
        let Some(index) = self.index_of_ip(ip, !self.shared) else { return false };
        self.allocate_index(index, owner, nic, inherit, mac_prefix, rng);
        true
    }

    /// Gives `owner` a requested static IPv6 address (free, unless the range is shared).
    pub fn allocate_by_ip6(
        &mut self,
        ip6: &str,
        owner: LeaseOwner,
        nic: &mut Vec<(String, String)>,
        inherit: &[String],
        mac_prefix: u32,
        rng: Rng<'_>,
    ) -> bool {
        let Some(index) = self.index_of_ip6(ip6, !self.shared) else { return false };
        self.allocate_index(index, owner, nic, inherit, mac_prefix, rng);
        true
    }

    /// Puts a free address on hold (`one.vn.hold`), by MAC, IP or IP6.
    pub fn hold(&mut self, addr: &LeaseAddr) -> bool {
        let index = match addr {
            LeaseAddr::Mac(m) if !self.shared => self.index_of_mac(m, true),
            LeaseAddr::Mac(_) => None,
            LeaseAddr::Ip(ip) => self.index_of_ip(ip, true),
            LeaseAddr::Ip6(ip) => self.index_of_ip6(ip, true),
        };
        let Some(index) = index else { return false };
        self.set_allocated(LeaseOwner::HOLD, index);
        true
    }

    /// Frees the lease `owner` has on an address. A MAC outside the range, or an address not
    /// leased by `owner`, frees nothing.
    pub fn free(&mut self, owner: LeaseOwner, addr: &LeaseAddr) -> bool {
        let index = match addr {
            LeaseAddr::Mac(m) => {
                if m.is_empty() {
                    return false;
                }
                let mac = parse_mac(m).unwrap_or_default();
                let index = mac.lo.wrapping_sub(self.mac.lo);
                (self.mac.lo <= mac.lo && u64::from(index) < self.size).then_some(index)
            }
            LeaseAddr::Ip(ip) => self.index_of_ip(ip, false),
            LeaseAddr::Ip6(ip) => self.index_of_ip6(ip, false),
        };
        index.is_some_and(|i| self.free_allocated(owner, i))
    }

    /// Frees every lease of `owner`; returns how many.
    pub fn free_by_owner(&mut self, owner: LeaseOwner) -> u64 {
        let packed = owner.pack();
        let mut freed = 0;
        self.allocated.retain(|_, owners| {
            if owners.remove(&packed) {
                freed += 1;
            }
            !owners.is_empty()
        });
        self.sync();
        freed
    }

    /// Frees up to `rsize` leases of `owner` from the MAC `mac` on (a reservation's range
    /// going back to its parent); returns how many.
    pub fn free_by_range(&mut self, owner: LeaseOwner, mac: &str, rsize: u64) -> u64 {
        if self.shared {
            return 0;
        }
        let mac = parse_mac(mac).unwrap_or_default();
        let index = mac.lo.wrapping_sub(self.mac.lo);
        if !(self.mac.lo <= mac.lo && u64::from(index) < self.size && self.allocated.contains_key(&index)) {
            return 0;
        }
        let packed = owner.pack();
        let candidates: Vec<u32> =
            self.allocated.range(index..).take(rsize as usize).map(|(i, _)| *i).collect();
        let mut freed = 0;
        for i in candidates {
            if let Some(owners) = self.allocated.get_mut(&i)
                && owners.remove(&packed)
            {
                freed += 1;
                if owners.is_empty() {
                    self.allocated.remove(&i);
                }
            }
        }
        self.sync();
        freed
    }

    /// Reserves `rsize` addresses for the reservation network `vid`: from `start` (a MAC, IP
    /// or IP6 in this range, every address of the run free) or from the first free run. Returns
    /// the new range (ID `new_id`) for the reservation, or `None`.
    pub fn reserve(
        &mut self,
        vid: i32,
        rsize: u64,
        start: Option<&LeaseAddr>,
        new_id: u32,
        mac_prefix: u32,
        rng: Rng<'_>,
    ) -> Option<AddressRange> {
        if self.shared {
            return None;
        }
        let first = match start {
            None => {
                if rsize > self.available() {
                    return None;
                }
                self.free_run(rsize)?
            }
            Some(addr) => {
                let s = match addr {
                    LeaseAddr::Mac(m) => self.index_of_mac(m, false),
                    LeaseAddr::Ip(ip) => self.index_of_ip(ip, false),
                    LeaseAddr::Ip6(ip) => self.index_of_ip6(ip, false),
                }?;
                // OpenNebula does not stop a run at the end of the range; we do.
                if u64::from(s) + rsize > self.size || self.any_leased(u64::from(s), rsize) {
                    return None;
                }
                s
            }
        };
        for j in 0..rsize {
            self.set_allocated(LeaseOwner::Vnet(vid), first.wrapping_add(j as u32));
        }
        let mut pairs: Vec<(String, String)> =
            self.attrs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        vp::replace(&mut pairs, "MAC", mac_str(self.mac.offset(first)));
        self.set_port_ranges(first, &mut pairs);
        if self.ar_type.ipv4() {
            vp::replace(&mut pairs, "IP", ip_str(self.ip.wrapping_add(first)));
        }
        if self.ar_type.ipv6_static() {
            let ip6 = [self.ip6[0].wrapping_add(first), self.ip6[1], self.ip6[2], self.ip6[3]];
            vp::replace(&mut pairs, "IP6", ip6_str(ip6));
        }
        vp::replace(&mut pairs, "SIZE", rsize.to_string());
        vp::remove(&mut pairs, "IPAM_MAD");
        let mut rar = AddressRange::from_pairs(new_id, &pairs, true, mac_prefix, rng).ok()?;
        rar.attrs.insert("PARENT_NETWORK_AR_ID".into(), self.id.to_string());
        Some(rar)
    }

    /// `one.vn.update_ar`: applies the updatable attributes of `update` (SIZE, prefixes,
    /// PREFIX_LENGTH, ports, security groups, any other attribute); TYPE, SHARED, MAC, IP,
    /// IP6 and the bookkeeping stay. Returns the previous values of the `inherited` attributes
    /// that changed (for the VNET_UPDATE of the network).
    pub fn update(
        &mut self,
        update: &[(String, String)],
        inherited: &[String],
    ) -> Result<BTreeMap<String, String>, String> {
        let reservation = self.parent_ar().is_some();
        let mut vup: BTreeMap<String, String> = update.iter().cloned().collect();
        for key in ["TYPE", "SHARED", "MAC"] {
            vup.insert(key.into(), self.attr(key).to_owned());
        }
        let ipam = self.attr("IPAM_MAD").to_owned();
        if !ipam.is_empty() && !self.shared {
            vup.insert("IPAM_MAD".into(), ipam);
        }
        vup.remove("IP");
        if self.ar_type.ipv4() {
            vup.insert("IP".into(), self.attr("IP").to_owned());
        }
        vup.remove("IP6");
        if self.ar_type.ipv6_static() {
            vup.insert("IP6".into(), self.attr("IP6").to_owned());
        }
        vup.insert("AR_ID".into(), self.attr("AR_ID").to_owned());
        vup.insert("ALLOCATED".into(), self.attr("ALLOCATED").to_owned());
        for gone in ["USED_LEASES", "LEASES", "PARENT_NETWORK_AR_ID"] {
            vup.remove(gone);
        }
        if reservation {
            vup.insert("PARENT_NETWORK_AR_ID".into(), self.attr("PARENT_NETWORK_AR_ID").to_owned());
        }
        for computed in
            ["MAC_END", "IP_END", "IP6_END", "IP6_ULA", "IP6_ULA_END", "IP6_GLOBAL", "IP6_GLOBAL_END"]
        {
            vup.remove(computed);
        }
        if self.ar_type.ipv6_static() {
            let ok = vup.get("PREFIX_LENGTH").is_some_and(|v| v.trim_start().parse::<i64>().is_ok());
            if !ok {
                vup.insert("PREFIX_LENGTH".into(), self.attr("PREFIX_LENGTH").to_owned());
            }
        } else {
            vup.remove("PREFIX_LENGTH");
        }
        let (mut global6, mut ula6) = (self.global6, self.ula6);
        if self.ar_type.ipv6() {
            let g = vup.get("GLOBAL_PREFIX").cloned().unwrap_or_default();
            global6 = parse_prefix6(&g).ok_or("Wrong format for IP6 global address prefix")?;
            let u = vup.get("ULA_PREFIX").cloned().unwrap_or_default();
            ula6 = parse_prefix6(&u).ok_or("Wrong format for IP6 unique local address prefix")?;
            vup.insert("GLOBAL_PREFIX".into(), g);
            vup.insert("ULA_PREFIX".into(), u);
        } else {
            vup.remove("GLOBAL_PREFIX");
            vup.remove("ULA_PREFIX");
        }
        let new_size = match vup.get("SIZE").map(String::as_str) {
            None | Some("") => self.size,
            Some(text) => {
                let n = parse_u64(Some(text))
                    .ok_or("Unable to read the SIZE attribute, it must be number >= 0")?;
                if reservation && n != self.size {
                    return Err("The SIZE of a reservation cannot be changed.".into());
                }
                if self.allocated.keys().next_back().is_some_and(|k| u64::from(*k) >= n) {
                    return Err("New SIZE cannot be applied. There are used leases that would fall outside the range."
                        .into());
                }
                n
            }
        };
        self.global6 = global6;
        self.ula6 = ula6;
        self.size = new_size;
        if u64::from(self.next) >= self.size {
            self.next = 0;
        }
        vup.insert("SIZE".into(), self.size.to_string());
        vup.insert("NEXT_INDEX".into(), self.next.to_string());
        self.security_groups = split_ids(vup.get("SECURITY_GROUPS").map_or("", String::as_str));
        self.port_start = match parse_u64(vup.get("PORT_START").map(String::as_str)) {
            Some(v) => v as u32,
            None => {
                vup.remove("PORT_START");
                0
            }
        };
        self.port_size = match parse_u64(vup.get("PORT_SIZE").map(String::as_str)) {
            Some(v) => v as u32,
            None => {
                vup.remove("PORT_SIZE");
                0
            }
        };
        let mut changed = BTreeMap::new();
        for name in inherited.iter().map(|n| n.to_ascii_uppercase()) {
            match (self.attrs.get(&name), vup.get(&name)) {
                (old, Some(new)) if old != Some(new) => {
                    changed.insert(name, old.cloned().unwrap_or_default());
                }
                (Some(old), None) => {
                    changed.insert(name, old.clone());
                }
                _ => {}
            }
        }
        self.attrs = vup;
        Ok(changed)
    }
}
