//! An address range (`AR`) of a virtual network: its stored attributes, validation when it is
//! added (OpenNebula's messages), the first and last addresses, the lease bookkeeping (which
//! address index is used by which VM, reservation or virtual router; holds are VM -1), and its
//! two XML forms: the stored vector of `one.vnpool.info` (with `ALLOCATED`) and the expanded
//! one of `one.vn.info` (computed `*_END`, `USED_LEASES` and `LEASES`).
//!
//! Leases live in `vnet_ar_leases.rs`, the XML forms in `vnet_ar_xml.rs`. Only the internal
//! IPAM is modelled; MAC_GLOBAL_SPACE is not (oned.conf default NO).

use std::collections::{BTreeMap, BTreeSet};

use super::vector_pairs as vp;
use super::vnet_addr::{Mac, mac_str, parse_ip, parse_ip6, parse_mac, parse_prefix6};

/// What an address range hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArType {
    /// MACs only.
    Ether,
    /// MAC + IPv4.
    Ip4,
    /// MAC + SLAAC IPv6.
    Ip6,
    /// MAC + static IPv6.
    Ip6Static,
    /// MAC + IPv4 + SLAAC IPv6.
    Ip4_6,
    /// MAC + IPv4 + static IPv6.
    Ip4_6Static,
}

impl ArType {
    /// The type for a TYPE value (case-insensitive).
    pub fn from_name(name: &str) -> Option<ArType> {
        Some(match name.to_ascii_uppercase().as_str() {
            "ETHER" => ArType::Ether,
            "IP4" => ArType::Ip4,
            "IP6" => ArType::Ip6,
            "IP6_STATIC" => ArType::Ip6Static,
            "IP4_6" => ArType::Ip4_6,
            "IP4_6_STATIC" => ArType::Ip4_6Static,
            _ => return None,
        })
    }

    /// Whether leases carry an IPv4 address.
    pub fn ipv4(self) -> bool {
        matches!(self, ArType::Ip4 | ArType::Ip4_6 | ArType::Ip4_6Static)
    }

    /// Whether leases carry SLAAC IPv6 addresses.
    pub fn ipv6(self) -> bool {
        matches!(self, ArType::Ip6 | ArType::Ip4_6)
    }

    /// Whether leases carry a static IPv6 address.
    pub fn ipv6_static(self) -> bool {
        matches!(self, ArType::Ip6Static | ArType::Ip4_6Static)
    }
}

/// Who holds a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LeaseOwner {
    /// A VM NIC; VM -1 is an address put on hold with `one.vn.hold`.
    Vm(i32),
    /// A reservation (the reserving virtual network).
    Vnet(i32),
    /// A virtual router's floating IP.
    Vrouter(i32),
}

const VM_BIT: i64 = 0x0000_0010_0000_0000;
const NET_BIT: i64 = 0x0000_0040_0000_0000;
const VROUTER_BIT: i64 = 0x0004_0000_0000_0000;

impl LeaseOwner {
    /// A hold (`one.vn.hold`).
    pub const HOLD: LeaseOwner = LeaseOwner::Vm(-1);

    /// OpenNebula's packed form in `ALLOCATED`: object type bit | 32-bit ID.
    pub fn pack(self) -> i64 {
        let (bit, id) = match self {
            LeaseOwner::Vm(id) => (VM_BIT, id),
            LeaseOwner::Vnet(id) => (NET_BIT, id),
            LeaseOwner::Vrouter(id) => (VROUTER_BIT, id),
        };
        bit | i64::from(id as u32)
    }

    /// Reads the packed form.
    pub fn unpack(packed: i64) -> Option<LeaseOwner> {
        let id = packed as u32 as i32;
        if packed & VM_BIT != 0 {
            Some(LeaseOwner::Vm(id))
        } else if packed & NET_BIT != 0 {
            Some(LeaseOwner::Vnet(id))
        } else if packed & VROUTER_BIT != 0 {
            Some(LeaseOwner::Vrouter(id))
        } else {
            None
        }
    }
}

/// Which leases `one.vn.info` shows (each list `None` = all): a caller without MANAGE on the
/// network only sees leases of the VMs, reservations and routers it may use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaseFilter {
    /// Visible VMs.
    pub vms: Option<BTreeSet<i32>>,
    /// Visible reservations.
    pub vnets: Option<BTreeSet<i32>>,
    /// Visible virtual routers.
    pub vrouters: Option<BTreeSet<i32>>,
}

impl LeaseFilter {
    pub(super) fn shows(&self, owner: LeaseOwner) -> bool {
        let (list, id) = match owner {
            LeaseOwner::Vm(id) => (&self.vms, id),
            LeaseOwner::Vnet(id) => (&self.vnets, id),
            LeaseOwner::Vrouter(id) => (&self.vrouters, id),
        };
        list.as_ref().is_none_or(|l| l.contains(&id))
    }
}

/// An address range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressRange {
    pub(super) attrs: BTreeMap<String, String>,
    pub(super) id: u32,
    pub(super) ar_type: ArType,
    pub(super) size: u64,
    pub(super) shared: bool,
    pub(super) ip: u32,
    pub(super) mac: Mac,
    pub(super) global6: [u32; 2],
    pub(super) ula6: [u32; 2],
    pub(super) ip6: [u32; 4],
    pub(super) port_start: u32,
    pub(super) port_size: u32,
    pub(super) security_groups: BTreeSet<i32>,
    pub(super) allocated: BTreeMap<u32, BTreeSet<i64>>,
    pub(super) next: u32,
}

/// A source of random numbers (random MACs of ETHER and IPv6 ranges and of shared leases).
pub type Rng<'a> = &'a mut dyn FnMut() -> u32;

pub(super) fn parse_u64(text: Option<&str>) -> Option<u64> {
    let t = text?;
    if t.trim().starts_with('-') {
        return None;
    }
    t.trim_start().parse().ok()
}

pub(super) fn split_ids(text: &str) -> BTreeSet<i32> {
    text.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}

impl AddressRange {
    /// A new range from an `AR=[...]` vector (`one.vn.add_ar`, the ARs of `one.vn.allocate`,
    /// or a reservation's range when `reservation`), with OpenNebula's validation messages.
    /// `mac_prefix` is oned.conf's MAC_PREFIX (see `vnet_addr::parse_mac_prefix`).
    pub fn from_pairs(
        id: u32,
        pairs: &[(String, String)],
        _reservation: bool,
        mac_prefix: u32,
        rng: Rng<'_>,
    ) -> Result<AddressRange, String> {
        // `_reservation` only matters with MAC_GLOBAL_SPACE, which is not modelled.
        let mut attrs: BTreeMap<String, String> = pairs.iter().cloned().collect();
        let get = |a: &BTreeMap<String, String>, k: &str| a.get(k).cloned().unwrap_or_default();
        let ar_type =
            ArType::from_name(&get(&attrs, "TYPE")).ok_or("Unknown or missing address range TYPE.")?;
        let shared = vp::is_yes(attrs.get("SHARED").map(String::as_str));
        attrs.insert("SHARED".into(), vp::yes_no(shared).into());
        if shared {
            if !matches!(ar_type, ArType::Ip4 | ArType::Ip6Static) {
                return Err("Shared ARs can be only of type IP4 or IP6_STATIC.".into());
            }
            let ipam = get(&attrs, "IPAM_MAD");
            if !ipam.is_empty() && ipam != "internal" {
                return Err("Shared ARs cannot use an external IPAM".into());
            }
        }
        let mut ar = AddressRange {
            attrs: BTreeMap::new(),
            id,
            ar_type,
            size: 0,
            shared,
            ip: 0,
            mac: Mac::default(),
            global6: [0, 0],
            ula6: [0, 0],
            ip6: [0; 4],
            port_start: 0,
            port_size: 0,
            security_groups: BTreeSet::new(),
            allocated: BTreeMap::new(),
            next: 0,
        };
        if ar_type.ipv4() {
            ar.ip = parse_ip(&get(&attrs, "IP")).ok_or("Wrong or empty IP attribute")?;
        } else {
            attrs.remove("IP");
        }
        if ar_type.ipv6() {
            ar.global6 = parse_prefix6(&get(&attrs, "GLOBAL_PREFIX"))
                .ok_or("Wrong format for IP6 global address prefix")?;
            ar.ula6 = parse_prefix6(&get(&attrs, "ULA_PREFIX"))
                .ok_or("Wrong format for IP6 unique local address prefix")?;
        } else {
            attrs.remove("GLOBAL_PREFIX");
            attrs.remove("ULA_PREFIX");
        }
        if ar_type.ipv6_static() {
            ar.ip6 = parse_ip6(&get(&attrs, "IP6")).ok_or("Wrong or empty IP6 attribute")?;
            let pl: i64 = get(&attrs, "PREFIX_LENGTH")
                .trim_start()
                .parse()
                .map_err(|_| "Wrong or empty PREFIX_LENGTH")?;
            if get(&attrs, "SIZE").is_empty() {
                let s: u64 =
                    if pl <= 64 { u64::MAX } else { 1u64.checked_shl((128 - pl) as u32).unwrap_or(1) };
                let mask = if pl <= 64 { s } else { s - 1 };
                let first = ((u64::from(ar.ip6[1]) << 32) + u64::from(ar.ip6[0])) & mask;
                attrs.insert("SIZE".into(), (s - first).to_string());
            }
        } else {
            attrs.remove("IP6");
        }
        if shared {
            ar.mac = Mac::default();
        } else {
            let text = get(&attrs, "MAC");
            ar.mac = if text.is_empty() {
                Mac { hi: mac_prefix, lo: if ar_type.ipv4() { ar.ip } else { rng() } }
            } else {
                parse_mac(&text).ok_or_else(|| format!("Wrong format for MAC attribute: {text}"))?
            };
        }
        attrs.insert("MAC".into(), mac_str(ar.mac));
        ar.size = parse_u64(attrs.get("SIZE").map(String::as_str)).ok_or("Wrong SIZE for address range")?;
        attrs.insert("NEXT_INDEX".into(), "0".into());
        ar.security_groups = split_ids(&get(&attrs, "SECURITY_GROUPS"));
        ar.port_start = parse_u64(attrs.get("PORT_START").map(String::as_str)).map_or(0, |v| v as u32);
        ar.port_size = parse_u64(attrs.get("PORT_SIZE").map(String::as_str)).map_or(0, |v| v as u32);
        attrs.insert("AR_ID".into(), id.to_string());
        for gone in ["ALLOCATED", "USED_LEASES", "LEASES", "PARENT_NETWORK_AR_ID", "PARENT_NETWORK"] {
            attrs.remove(gone);
        }
        ar.attrs = attrs;
        Ok(ar)
    }

    /// A range as stored (the vector of `one.vnpool.info`, with `ALLOCATED`).
    pub fn from_stored(attrs: BTreeMap<String, String>) -> Result<AddressRange, String> {
        let get = |k: &str| attrs.get(k).cloned().unwrap_or_default();
        let bad = |k: &str| format!("address range attribute {k} \"{}\" is not valid", get(k));
        let ar_type = ArType::from_name(&get("TYPE")).ok_or_else(|| bad("TYPE"))?;
        let size = parse_u64(Some(&get("SIZE"))).ok_or_else(|| bad("SIZE"))?;
        let mut next = parse_u64(Some(&get("NEXT_INDEX"))).unwrap_or(0);
        if next >= size {
            next = 0;
        }
        let mut ar = AddressRange {
            id: get("AR_ID").trim().parse().map_err(|_| bad("AR_ID"))?,
            ar_type,
            size,
            shared: vp::is_yes(attrs.get("SHARED").map(String::as_str)),
            ip: if ar_type.ipv4() { parse_ip(&get("IP")).ok_or_else(|| bad("IP"))? } else { 0 },
            mac: parse_mac(&get("MAC")).ok_or_else(|| bad("MAC"))?,
            global6: parse_prefix6(&get("GLOBAL_PREFIX")).ok_or_else(|| bad("GLOBAL_PREFIX"))?,
            ula6: parse_prefix6(&get("ULA_PREFIX")).ok_or_else(|| bad("ULA_PREFIX"))?,
            ip6: if ar_type.ipv6_static() {
                parse_ip6(&get("IP6")).ok_or_else(|| bad("IP6"))?
            } else {
                [0; 4]
            },
            port_start: parse_u64(attrs.get("PORT_START").map(String::as_str)).map_or(0, |v| v as u32),
            port_size: parse_u64(attrs.get("PORT_SIZE").map(String::as_str)).map_or(0, |v| v as u32),
            security_groups: split_ids(&get("SECURITY_GROUPS")),
            allocated: BTreeMap::new(),
            next: next as u32,
            attrs: BTreeMap::new(),
        };
        let allocated = get("ALLOCATED");
        let mut words = allocated.split_whitespace();
        while let Some(index) = words.next() {
            let owner = words.next().ok_or_else(|| bad("ALLOCATED"))?;
            let index: u32 = index.parse().map_err(|_| bad("ALLOCATED"))?;
            let owner: i64 = owner.parse().map_err(|_| bad("ALLOCATED"))?;
            ar.allocated.entry(index).or_default().insert(owner);
        }
        if ar.used() > ar.size {
            return Err(bad("ALLOCATED"));
        }
        ar.attrs = attrs;
        Ok(ar)
    }

    /// Its ID.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Its type.
    pub fn ar_type(&self) -> ArType {
        self.ar_type
    }

    /// Number of addresses.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether it is a shared range (every lease gets a random MAC, addresses may repeat).
    pub fn shared(&self) -> bool {
        self.shared
    }

    /// Addresses in use (holds and reservations included).
    pub fn used(&self) -> u64 {
        self.allocated.len() as u64
    }

    /// Free addresses.
    pub fn available(&self) -> u64 {
        self.size.saturating_sub(self.used())
    }

    /// A stored attribute (`""` when absent).
    pub fn attr(&self, name: &str) -> &str {
        self.attrs.get(name).map_or("", String::as_str)
    }

    /// The stored attributes, sorted by name.
    pub fn attrs(&self) -> &BTreeMap<String, String> {
        &self.attrs
    }

    /// The security groups its leases add to NICs.
    pub fn security_groups(&self) -> &BTreeSet<i32> {
        &self.security_groups
    }

    /// The reservation's parent range (`PARENT_NETWORK_AR_ID`), if this is a reservation.
    pub fn parent_ar(&self) -> Option<u32> {
        self.attrs.get("PARENT_NETWORK_AR_ID").and_then(|v| v.trim().parse().ok())
    }

    /// Every lease: address index and owner, in index order.
    pub fn leases(&self) -> impl Iterator<Item = (u32, LeaseOwner)> + '_ {
        self.allocated
            .iter()
            .flat_map(|(i, owners)| owners.iter().filter_map(move |o| Some((*i, LeaseOwner::unpack(*o)?))))
    }

    /// IDs of the VMs holding leases (holds, VM -1, included).
    pub fn vm_ids(&self) -> BTreeSet<i32> {
        self.leases()
            .filter_map(|(_, o)| match o {
                LeaseOwner::Vm(id) => Some(id),
                _ => None,
            })
            .collect()
    }

    /// The first MAC (the zero MAC for shared ranges).
    pub fn first_mac(&self) -> Mac {
        self.mac
    }

    // ----------------------------------------------------------------------------------------
    // Bookkeeping
    // ----------------------------------------------------------------------------------------

    /// OpenNebula's `allocated_to_attr`: NEXT_INDEX and ALLOCATED follow the leases.
    pub(super) fn sync(&mut self) {
        self.attrs.insert("NEXT_INDEX".into(), self.next.to_string());
        self.attrs.insert("ALLOCATED".into(), self.allocated_text());
    }

    /// The ALLOCATED text: ` <index> <packed owner>` for every lease.
    pub(super) fn allocated_text(&self) -> String {
        self.allocated.iter().flat_map(|(i, os)| os.iter().map(move |o| format!(" {i} {o}"))).collect()
    }

    pub(super) fn set_allocated(&mut self, owner: LeaseOwner, index: u32) {
        self.allocated.entry(index).or_default().insert(owner.pack());
        self.sync();
    }

    pub(super) fn free_allocated(&mut self, owner: LeaseOwner, index: u32) -> bool {
        let packed = owner.pack();
        let Some(owners) = self.allocated.get_mut(&index) else { return false };
        if !owners.remove(&packed) {
            return false;
        }
        if owners.is_empty() {
            self.allocated.remove(&index);
        }
        self.sync();
        true
    }

    /// Whether any index in `start..start + len` is leased.
    pub(super) fn any_leased(&self, start: u64, len: u64) -> bool {
        start <= u64::from(u32::MAX)
            && self.allocated.range(start as u32..).next().is_some_and(|(k, _)| u64::from(*k) < start + len)
    }

    /// The next free index from NEXT_INDEX, wrapping around (OpenNebula scans a 32-bit size).
    pub(super) fn next_free(&mut self) -> Option<u32> {
        let size = u64::from(self.size as u32);
        let mut next = u64::from(self.next);
        for _ in 0..size {
            if !self.allocated.contains_key(&(next as u32)) {
                self.next = ((next + 1) % size) as u32;
                return Some(next as u32);
            }
            next = (next + 1) % size;
        }
        None
    }

    /// The first free run of `rsize` indexes from NEXT_INDEX.
    pub(super) fn free_run(&mut self, rsize: u64) -> Option<u32> {
        let size = u64::from(self.size as u32);
        for i in 0..size {
            let start = (u64::from(self.next) + i) % size;
            if start + rsize <= size && !self.any_leased(start, rsize) {
                self.next = ((start + rsize) % size) as u32;
                return Some(start as u32);
            }
        }
        None
    }

    pub(super) fn index_of_mac(&self, text: &str, check_free: bool) -> Option<u32> {
        let mac = parse_mac(text)?;
        if mac.hi != self.mac.hi || mac.lo < self.mac.lo {
            return None;
        }
        let index = mac.lo - self.mac.lo;
        (u64::from(index) < self.size && !(check_free && self.allocated.contains_key(&index)))
            .then_some(index)
    }

    pub(super) fn index_of_ip(&self, text: &str, check_free: bool) -> Option<u32> {
        if !self.ar_type.ipv4() {
            return None;
        }
        let ip = parse_ip(text)?;
        let index = ip.checked_sub(self.ip)?;
        (u64::from(index) < self.size && !(check_free && self.allocated.contains_key(&index)))
            .then_some(index)
    }

    pub(super) fn index_of_ip6(&self, text: &str, check_free: bool) -> Option<u32> {
        if !self.ar_type.ipv6_static() {
            return None;
        }
        let w = parse_ip6(text)?;
        if w[3] != self.ip6[3] || w[2] != self.ip6[2] || w[1] != self.ip6[1] {
            return None;
        }
        let index = w[0].checked_sub(self.ip6[0])?;
        (u64::from(index) < self.size && !(check_free && self.allocated.contains_key(&index)))
            .then_some(index)
    }
}

/// The address a hold, release or reservation names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseAddr {
    /// By MAC.
    Mac(String),
    /// By IPv4 address.
    Ip(String),
    /// By (static) IPv6 address.
    Ip6(String),
}

#[cfg(test)]
#[path = "vnet_ar_tests.rs"]
mod tests;
