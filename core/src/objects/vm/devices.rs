//! Structured views over the device vectors of a VM's TEMPLATE — DISK, CONTEXT, NIC,
//! NIC_ALIAS and PCI — and the edits oned makes to them: numbering (DISK_ID, NIC_ID), adding
//! and removing a disk or an interface (keeping the other IDs, linking aliases to their
//! parent NIC), changing a device's attributes, and assigning disk TARGETs (`vda`, `sdb`, ...)
//! the way OpenNebula does.

use std::collections::BTreeSet;

use super::Vm;
use crate::template::{Attribute, Template, Value};

/// A device vector of the VM template (DISK, CONTEXT, NIC, NIC_ALIAS or PCI), read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device<'a> {
    kind: &'a str,
    pairs: &'a [(String, String)],
}

impl<'a> Device<'a> {
    /// The vector's name: `DISK`, `CONTEXT`, `NIC`, `NIC_ALIAS` or `PCI`.
    pub fn kind(&self) -> &'a str {
        self.kind
    }

    /// Every attribute, in stored order.
    pub fn pairs(&self) -> &'a [(String, String)] {
        self.pairs
    }

    /// The first value of `key` (upper-case name).
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, parsed.
    pub fn get_num<T: std::str::FromStr>(&self, key: &str) -> Option<T> {
        self.get(key).and_then(|v| v.trim().parse().ok())
    }

    /// `DISK_ID` (disks and the context disk).
    pub fn disk_id(&self) -> Option<i32> {
        self.get_num("DISK_ID")
    }

    /// `NIC_ID` (NICs, aliases, PCI NICs).
    pub fn nic_id(&self) -> Option<i32> {
        self.get_num("NIC_ID")
    }

    /// `IMAGE_ID` of a disk made from an image.
    pub fn image_id(&self) -> Option<i32> {
        self.get_num("IMAGE_ID")
    }

    /// `DATASTORE_ID` of a disk's image.
    pub fn datastore_id(&self) -> Option<i32> {
        self.get_num("DATASTORE_ID")
    }

    /// `SIZE` in MB.
    pub fn size_mb(&self) -> Option<i64> {
        self.get_num("SIZE")
    }

    /// `TARGET` (`vda`, `hdb`, ...).
    pub fn target(&self) -> Option<&'a str> {
        self.get("TARGET")
    }

    /// `PERSISTENT=YES`.
    pub fn is_persistent(&self) -> bool {
        self.get("PERSISTENT").is_some_and(|v| v.eq_ignore_ascii_case("YES"))
    }

    /// `NETWORK_ID` of an interface.
    pub fn network_id(&self) -> Option<i32> {
        self.get_num("NETWORK_ID")
    }

    /// `IP` of an interface.
    pub fn ip(&self) -> Option<&'a str> {
        self.get("IP")
    }

    /// `MAC` of an interface.
    pub fn mac(&self) -> Option<&'a str> {
        self.get("MAC")
    }

    /// A NIC_ALIAS.
    pub fn is_alias(&self) -> bool {
        self.kind == "NIC_ALIAS"
    }

    /// The IDs in `SECURITY_GROUPS`.
    pub fn security_groups(&self) -> Vec<i32> {
        split_ids(self.get("SECURITY_GROUPS").unwrap_or_default())
    }
}

/// The integers of a comma-separated list (unparseable items skipped).
fn split_ids(text: &str) -> Vec<i32> {
    text.split(',').filter_map(|s| s.trim().parse().ok()).collect()
}

fn pair<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Sets `key` in a vector: replaces the first occurrence (dropping others) or appends.
pub(super) fn set_pair(pairs: &mut Vec<(String, String)>, key: &str, value: impl Into<String>) {
    let value = value.into();
    match pairs.iter().position(|(k, _)| k == key) {
        Some(i) => {
            pairs[i].1 = value;
            let mut seen = false;
            pairs.retain(|(k, _)| {
                if k != key {
                    return true;
                }
                let keep = !seen;
                seen = true;
                keep
            });
        }
        None => pairs.push((key.to_owned(), value)),
    }
}

/// Removes `key` from a vector.
pub(super) fn remove_pair(pairs: &mut Vec<(String, String)>, key: &str) {
    pairs.retain(|(k, _)| k != key);
}

/// Rebuilds a template, letting `f` edit every attribute (returning false drops it).
pub(super) fn edit_template(t: &mut Template, mut f: impl FnMut(&mut Attribute) -> bool) {
    let mut out = Template::new();
    for attr in t.attributes() {
        let mut attr = attr.clone();
        if f(&mut attr) {
            out.push(attr);
        }
    }
    *t = out;
}

/// The vectors named `name` of a template, with their pairs.
fn vectors<'a>(t: &'a Template, name: &'a str) -> impl Iterator<Item = Device<'a>> + 'a {
    t.get_all(name).filter_map(move |a| a.value.as_vector().map(|pairs| Device { kind: name, pairs }))
}

/// True for the vectors that are network interfaces: NIC, NIC_ALIAS, and PCI with TYPE=NIC.
fn is_interface(attr: &Attribute) -> bool {
    match (attr.name.as_str(), &attr.value) {
        ("NIC" | "NIC_ALIAS", Value::Vector(_)) => true,
        ("PCI", Value::Vector(pairs)) => pair(pairs, "TYPE") == Some("NIC"),
        _ => false,
    }
}

/// Keeps the first device of each ID and sorts them by ID (OpenNebula keys them in a map).
fn by_id<'a>(
    devices: impl Iterator<Item = Device<'a>>,
    id: impl Fn(&Device<'a>) -> Option<i32>,
) -> Vec<Device<'a>> {
    let mut keyed: Vec<(i32, Device<'a>)> = devices.filter_map(|d| id(&d).map(|i| (i, d))).collect();
    keyed.sort_by_key(|(i, _)| *i);
    keyed.dedup_by_key(|(i, _)| *i);
    keyed.into_iter().map(|(_, d)| d).collect()
}

impl Vm {
    /// The DISK vectors that have a DISK_ID, by DISK_ID.
    pub fn disks(&self) -> Vec<Device<'_>> {
        by_id(vectors(&self.template, "DISK"), Device::disk_id)
    }

    /// The DISK with this DISK_ID.
    pub fn disk(&self, disk_id: i32) -> Option<Device<'_>> {
        vectors(&self.template, "DISK").find(|d| d.disk_id() == Some(disk_id))
    }

    /// The CONTEXT vector (the context CD-ROM), if any.
    pub fn context(&self) -> Option<Device<'_>> {
        vectors(&self.template, "CONTEXT").next()
    }

    /// The network interfaces (NIC, NIC_ALIAS and PCI with TYPE=NIC) that have a NIC_ID,
    /// by NIC_ID.
    pub fn nics(&self) -> Vec<Device<'_>> {
        let all = self
            .template
            .attributes()
            .iter()
            .filter(|a| is_interface(a))
            .filter_map(|a| a.value.as_vector().map(|pairs| Device { kind: a.name.as_str(), pairs }));
        by_id(all, Device::nic_id)
    }

    /// The interface with this NIC_ID.
    pub fn nic(&self, nic_id: i32) -> Option<Device<'_>> {
        self.nics().into_iter().find(|d| d.nic_id() == Some(nic_id))
    }

    /// The PCI devices, by PCI_ID.
    pub fn pcis(&self) -> Vec<Device<'_>> {
        by_id(vectors(&self.template, "PCI"), |d| d.get_num("PCI_ID"))
    }

    /// The DISK_ID a new disk gets: one more than the highest of the disks and the context.
    pub fn next_disk_id(&self) -> i32 {
        let context = self.context().and_then(|c| c.disk_id());
        vectors(&self.template, "DISK").filter_map(|d| d.disk_id()).chain(context).max().map_or(0, |m| m + 1)
    }

    /// The NIC_ID a new interface gets: one more than the highest.
    pub fn next_nic_id(&self) -> i32 {
        self.nics().iter().filter_map(Device::nic_id).max().map_or(0, |m| m + 1)
    }

    /// Adds a DISK with the next DISK_ID and returns that ID.
    pub fn add_disk(&mut self, pairs: Vec<(String, String)>) -> i32 {
        let id = self.next_disk_id();
        let mut pairs = pairs;
        set_pair(&mut pairs, "DISK_ID", id.to_string());
        self.template.push(Attribute::vector("DISK", pairs));
        id
    }

    /// Removes the DISK with this DISK_ID (and its snapshot list); returns its attributes.
    pub fn remove_disk(&mut self, disk_id: i32) -> Option<Vec<(String, String)>> {
        let mut removed = None;
        edit_template(&mut self.template, |a| match (&a.name[..], &a.value) {
            ("DISK", Value::Vector(pairs))
                if removed.is_none()
                    && pair(pairs, "DISK_ID").and_then(|v| v.trim().parse().ok()) == Some(disk_id) =>
            {
                removed = Some(pairs.clone());
                false
            }
            _ => true,
        });
        if removed.is_some() {
            self.snapshots.retain(|s| s.disk_id != disk_id);
        }
        removed
    }

    /// Edits the attributes of the DISK with this DISK_ID; false if there is none.
    pub fn edit_disk(&mut self, disk_id: i32, f: impl FnOnce(&mut Vec<(String, String)>)) -> bool {
        self.edit_device(|a| a.name == "DISK", "DISK_ID", disk_id, f)
    }

    /// Edits the attributes of the interface with this NIC_ID; false if there is none.
    pub fn edit_nic(&mut self, nic_id: i32, f: impl FnOnce(&mut Vec<(String, String)>)) -> bool {
        self.edit_device(is_interface, "NIC_ID", nic_id, f)
    }

    fn edit_device(
        &mut self,
        select: impl Fn(&Attribute) -> bool,
        id_key: &str,
        id: i32,
        f: impl FnOnce(&mut Vec<(String, String)>),
    ) -> bool {
        let mut f = Some(f);
        edit_template(&mut self.template, |a| {
            if !select(a) {
                return true;
            }
            if let Value::Vector(pairs) = &mut a.value
                && pair(pairs, id_key).and_then(|v| v.trim().parse().ok()) == Some(id)
                && let Some(f) = f.take()
            {
                f(pairs);
            }
            true
        });
        f.is_none()
    }

    /// Adds a NIC with the next NIC_ID (and `NAME=NIC<id>` unless named; a name that looks
    /// like a generated one gets a `_` prefix); returns the NIC_ID.
    pub fn add_nic(&mut self, pairs: Vec<(String, String)>) -> i32 {
        let id = self.next_nic_id();
        let mut pairs = pairs;
        set_pair(&mut pairs, "NIC_ID", id.to_string());
        set_nic_name(&mut pairs, format!("NIC{id}"));
        self.template.push(Attribute::vector("NIC", pairs));
        id
    }

    /// Adds a NIC_ALIAS of the NIC whose NAME is the alias's `PARENT`, with the next NIC_ID,
    /// PARENT_ID, ALIAS_ID and a default name `NIC<parent>_ALIAS<id>`, and lists it in the
    /// parent's ALIAS_IDS. Fails with OpenNebula's message when there is no such parent.
    pub fn add_nic_alias(&mut self, pairs: Vec<(String, String)>) -> Result<i32, String> {
        let id = self.next_nic_id();
        let parent_name = pair(&pairs, "PARENT").unwrap_or_default().to_owned();
        let nics = self.nics();
        let max_alias =
            nics.iter().filter(|n| n.is_alias()).filter_map(|n| n.get_num::<i32>("ALIAS_ID")).max();
        let parent = nics
            .iter()
            .find(|n| !n.is_alias() && n.get("NAME") == Some(parent_name.as_str()))
            .ok_or_else(|| "Alias not found.".to_owned())?;
        let parent_id = parent.nic_id().unwrap_or_default();
        let mut alias_ids = parent.get("ALIAS_IDS").unwrap_or_default().to_owned();
        let alias_id = if alias_ids.is_empty() { 0 } else { max_alias.map_or(0, |m| m + 1) };
        if !alias_ids.is_empty() {
            alias_ids.push(',');
        }
        alias_ids.push_str(&id.to_string());
        self.edit_nic(parent_id, |p| set_pair(p, "ALIAS_IDS", alias_ids));
        let mut pairs = pairs;
        set_nic_name(&mut pairs, format!("NIC{parent_id}_ALIAS{id}"));
        set_pair(&mut pairs, "PARENT_ID", parent_id.to_string());
        set_pair(&mut pairs, "ALIAS_ID", alias_id.to_string());
        set_pair(&mut pairs, "NIC_ID", id.to_string());
        self.template.push(Attribute::vector("NIC_ALIAS", pairs));
        Ok(id)
    }

    /// Removes the interface with this NIC_ID and returns its attributes. Removing an alias
    /// takes it off its parent's ALIAS_IDS; removing a NIC removes its aliases too.
    pub fn remove_nic(&mut self, nic_id: i32) -> Option<Vec<(String, String)>> {
        let nic = self.nic(nic_id)?;
        let alias_parent = nic.is_alias().then(|| nic.get_num::<i32>("PARENT_ID")).flatten();
        let mut doomed: BTreeSet<i32> =
            split_ids(nic.get("ALIAS_IDS").unwrap_or_default()).into_iter().collect();
        if nic.is_alias() {
            doomed.clear();
        }
        doomed.insert(nic_id);
        let mut removed = None;
        edit_template(&mut self.template, |a| {
            if !is_interface(a) {
                return true;
            }
            let Value::Vector(pairs) = &a.value else { return true };
            match pair(pairs, "NIC_ID").and_then(|v| v.trim().parse::<i32>().ok()) {
                Some(id) if doomed.contains(&id) => {
                    if id == nic_id && removed.is_none() {
                        removed = Some(pairs.clone());
                    }
                    false
                }
                _ => true,
            }
        });
        if let Some(parent) = alias_parent {
            self.edit_nic(parent, |p| {
                let rest: Vec<String> = split_ids(pair(p, "ALIAS_IDS").unwrap_or_default())
                    .into_iter()
                    .filter(|&i| i != nic_id)
                    .map(|i| i.to_string())
                    .collect();
                set_pair(p, "ALIAS_IDS", rest.join(","));
            });
        }
        removed
    }
}

/// Sets a NIC's NAME: `default` when unnamed, `_<name>` when the name looks generated
/// (`NIC<n>` or `NIC<n>_ALIAS<m>`).
pub(super) fn set_nic_name(pairs: &mut Vec<(String, String)>, default: String) -> String {
    match pair(pairs, "NAME").filter(|n| !n.is_empty()).map(str::to_owned) {
        Some(name) if looks_generated(&name) => {
            let name = format!("_{name}");
            set_pair(pairs, "NAME", name.clone());
            name
        }
        Some(name) => name,
        None => {
            set_pair(pairs, "NAME", default.clone());
            default
        }
    }
}

/// `^NIC[0-9]+(_ALIAS[0-9]+)?$`.
fn looks_generated(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some(rest) = name.strip_prefix("NIC") else { return false };
    match rest.split_once("_ALIAS") {
        Some((n, m)) => digits(n) && digits(m),
        None => digits(rest),
    }
}

/// What kind of image a disk holds, for target assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskKind {
    /// An OS image: the first one gets the first device of its prefix.
    Os,
    /// A CD-ROM (after OS disks; the context disk is the last CD-ROM).
    Cdrom,
    /// A data block or volatile disk (last).
    Datablock,
    /// Anything else (kernel, file system): no target assigned.
    Other,
}

/// The inputs of [`assign_disk_targets`] for one disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskTargets {
    /// The disk.
    pub disk_id: i32,
    /// Its image type.
    pub kind: DiskKind,
    /// Device prefix (`vd`, `sd`, `hd`); empty CD-ROM prefixes become `sd` on q35/virt
    /// machines and `hd` otherwise.
    pub dev_prefix: String,
    /// A TARGET the user set, if any.
    pub target: Option<String>,
}

/// Assigns TARGETs as OpenNebula does at allocate: user targets are kept (two equal ones are
/// an error), then the first OS disk, the CD-ROMs followed by the context disk (given by its
/// DISK_ID, DEV_PREFIX and TARGET), then the other disks get the first free name of their
/// prefix (`a`..`z`, `aa`, ...). Refuses more than 4 `hd` disks on non-q35 machines and more
/// than 256 `sd` disks. Returns `(disk_id, target)` for each disk given a new target.
pub fn assign_disk_targets(
    vm_id: i32,
    disks: &[DiskTargets],
    context: Option<&DiskTargets>,
    is_q35: bool,
) -> Result<Vec<(i32, String)>, String> {
    let cdrom_prefix = if is_q35 { "sd" } else { "hd" };
    let mut used: BTreeSet<String> = BTreeSet::new();
    let (mut os, mut cdroms, mut datablocks) = (Vec::new(), Vec::new(), Vec::new());
    let (mut hd, mut sd) = (0, 0);
    let duplicated = |t: &str| format!("Two disks have defined the same target {t}");
    for d in disks {
        let mut prefix = d.dev_prefix.clone();
        match d.target.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => {
                if !used.insert(t.to_owned()) {
                    return Err(duplicated(t));
                }
            }
            None => match d.kind {
                DiskKind::Os if os.is_empty() => os.push((prefix.clone(), d.disk_id)),
                DiskKind::Os | DiskKind::Datablock => datablocks.push((prefix.clone(), d.disk_id)),
                DiskKind::Cdrom => {
                    if prefix.is_empty() {
                        prefix = cdrom_prefix.to_owned();
                    }
                    cdroms.push((prefix.clone(), d.disk_id));
                }
                DiskKind::Other => {}
            },
        }
        hd += usize::from(prefix == "hd");
        sd += usize::from(prefix == "sd");
    }
    if hd > 4 && !is_q35 {
        return Err(format!("Non q35 or virt VM {vm_id} has more than 4 hd disks"));
    }
    if sd > 256 {
        return Err(format!("VM {vm_id} has more than 256 disks"));
    }
    let mut out = Vec::new();
    let mut assign = |queue: Vec<(String, i32)>, used: &mut BTreeSet<String>| {
        for (prefix, disk_id) in queue {
            let target = (0..).map(|i| format!("{prefix}{}", device_letters(i))).find(|t| !used.contains(t));
            if let Some(target) = target {
                used.insert(target.clone());
                out.push((disk_id, target));
            }
        }
    };
    assign(os, &mut used);
    if let Some(c) = context {
        match c.target.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => {
                if !used.insert(t.to_owned()) {
                    return Err(duplicated(t));
                }
            }
            None => {
                let prefix =
                    if c.dev_prefix.is_empty() { cdrom_prefix.to_owned() } else { c.dev_prefix.clone() };
                cdroms.push((prefix, c.disk_id));
            }
        }
    }
    assign(cdroms, &mut used);
    assign(datablocks, &mut used);
    Ok(out)
}

/// The letters of the `i`-th device: `a`..`z`, then `aa`, `ab`, ...
fn device_letters(i: usize) -> String {
    let mut letters = Vec::new();
    let mut n = i;
    loop {
        letters.push(b'a' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_letters_follow_spreadsheet_columns() {
        assert_eq!(device_letters(0), "a");
        assert_eq!(device_letters(25), "z");
        assert_eq!(device_letters(26), "aa");
        assert_eq!(device_letters(27), "ab");
        assert_eq!(device_letters(52), "ba");
        assert_eq!(device_letters(701), "zz");
        assert_eq!(device_letters(702), "aaa");
    }

    #[test]
    fn generated_names_are_recognised() {
        assert!(looks_generated("NIC0") && looks_generated("NIC12_ALIAS3"));
        assert!(!looks_generated("NIC") && !looks_generated("NIC1_ALIAS") && !looks_generated("eth0"));
        let mut pairs = vec![("NAME".to_owned(), "NIC4".to_owned())];
        assert_eq!(set_nic_name(&mut pairs, "NIC0".into()), "_NIC4");
        let mut pairs = vec![];
        assert_eq!(set_nic_name(&mut pairs, "NIC0".into()), "NIC0");
        assert_eq!(pairs, vec![("NAME".to_owned(), "NIC0".to_owned())]);
    }
}
