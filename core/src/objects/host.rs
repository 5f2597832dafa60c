//! HOST and HOST_POOL documents (`one.host.info`, `one.hostpool.info`) and the host rules oned
//! applies: allocation checks, `one.host.status` transitions, system reports from monitoring,
//! reservations, VM allocations and which states may be scheduled.
//!
//! A host is shown without UID/GID/PERMISSIONS but is owned by oneadmin for authorization. Its
//! `<MONITORING>` is the latest monitoring record in `one.host.info` and always `<MONITORING/>`
//! in `one.hostpool.info` (OpenNebula lists the stored bodies, which never carry the record).

mod numa;
mod pci;
mod share;

pub use pci::PciDevices;
pub use share::{HostShare, Pairs, VmCapacity, reserved_limit};

use super::common::{Meta, PoolObject, read_ids, write_ids};
use super::monitoring::{HostMonitoring, vector_value};
use super::{ObjectError, required, required_num};
use crate::acl::ObjectType;
use crate::perms::Permissions;
use crate::states::HostState;
use crate::template::Template;
use crate::xml::{Node, XmlWriter};

/// `one.host.status` codes.
pub const STATUS_ENABLED: i32 = 0;
/// `one.host.status`: disable (monitored, not scheduled).
pub const STATUS_DISABLED: i32 = 1;
/// `one.host.status`: offline (neither monitored nor used).
pub const STATUS_OFFLINE: i32 = 2;

/// Whether the scheduler may place VMs on a host in this state (MONITORED, or the obsolete
/// MONITORING_MONITORED the classic scheduler still accepted).
pub fn schedulable(state: HostState) -> bool {
    matches!(state, HostState::Monitored | HostState::MonitoringMonitored)
}

/// Checks a host name as `one.host.allocate` does (on top of the generic name rules): 2 to 63
/// characters among letters, digits, `-`, `.` and `_`, not starting or ending with one of the
/// last three. Returns OpenNebula's message.
pub fn check_hostname(name: &str) -> Result<(), String> {
    let len = name.len();
    if !(2..=63).contains(&len) {
        return Err(
            "Invalid HOSTNAME, HOSTNAME length should be greater than 1, but smaller than 64 characters"
                .to_owned(),
        );
    }
    let special = |c: char| matches!(c, '-' | '.' | '_');
    if let Some(first) = name.chars().next().filter(|c| special(*c)) {
        return Err(format!("Invalid HOSTNAME, first character can't be '{first}'"));
    }
    if let Some(bad) = name.chars().find(|c| !c.is_ascii_alphanumeric() && !special(*c)) {
        return Err(format!("Invalid HOSTNAME, '{bad}' is invalid character for a HOSTNAME"));
    }
    if let Some(last) = name.chars().last().filter(|c| special(*c)) {
        return Err(format!("Invalid HOSTNAME, last character can't be '{last}'"));
    }
    Ok(())
}

/// Checks the drivers of `one.host.allocate`.
pub fn check_drivers(im_mad: &str, vm_mad: &str) -> Result<(), String> {
    if im_mad.is_empty() {
        Err("IM_MAD_NAME cannot be empty.".to_owned())
    } else if vm_mad.is_empty() {
        Err("VMM_MAD_NAME cannot be empty.".to_owned())
    } else {
        Ok(())
    }
}

/// A host.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// ID and name (owned by oneadmin, permissions 600; not rendered).
    pub meta: Meta,
    /// STATE.
    pub state: HostState,
    /// PREV_STATE: the state when the host was last saved.
    pub prev_state: HostState,
    /// IM_MAD: the information (monitoring) driver.
    pub im_mad: String,
    /// VM_MAD: the virtualization driver.
    pub vm_mad: String,
    /// CLUSTER_ID.
    pub cluster_id: i32,
    /// CLUSTER: the cluster's name.
    pub cluster: String,
    /// HOST_SHARE.
    pub share: HostShare,
    /// VMS: the VMs allocated on the host, ascending.
    pub vms: Vec<i32>,
    /// TEMPLATE.
    pub template: Template,
    /// The latest monitoring record (`one.host.info` only).
    pub monitoring: Option<HostMonitoring>,
    /// CLUSTER_TEMPLATE, only in documents built for a scheduler.
    pub cluster_template: Option<Template>,
}

impl Host {
    /// A new host as `one.host.allocate` creates it: INIT, empty share, template with
    /// `RESERVED_CPU = ""`, `RESERVED_MEM = ""`, IM_MAD and VM_MAD.
    pub fn new(id: i32, name: &str, im_mad: &str, vm_mad: &str, cluster_id: i32, cluster: &str) -> Host {
        let mut template = Template::new();
        template.set("RESERVED_CPU", "");
        template.set("RESERVED_MEM", "");
        template.set("IM_MAD", im_mad);
        template.set("VM_MAD", vm_mad);
        Host {
            meta: Meta::oneadmin(id, name, Permissions::from_octal(0o600)),
            state: HostState::Init,
            prev_state: HostState::Init,
            im_mad: im_mad.to_owned(),
            vm_mad: vm_mad.to_owned(),
            cluster_id,
            cluster: cluster.to_owned(),
            share: HostShare::default(),
            vms: Vec::new(),
            template,
            monitoring: None,
            cluster_template: None,
        }
    }

    /// `one.host.status`: 0 enables (MONITORED if the host was DISABLED and has capacity data,
    /// INIT otherwise), 1 disables, 2 sets OFFLINE (totals zeroed, TOTALCPU, TOTALMEMORY,
    /// FREECPU, FREEMEMORY, USEDCPU and USEDMEMORY removed from the template). Other codes fail
    /// with `Wrong status code` (an INTERNAL error).
    pub fn set_status(&mut self, status: i32) -> Result<(), String> {
        match status {
            STATUS_ENABLED => {
                self.state = if self.state == HostState::Disabled && self.share.total_cpu > 0 {
                    HostState::Monitored
                } else {
                    HostState::Init
                };
            }
            STATUS_DISABLED => self.state = HostState::Disabled,
            STATUS_OFFLINE => {
                self.state = HostState::Offline;
                self.share.reset_capacity();
                for name in ["TOTALCPU", "TOTALMEMORY", "FREECPU", "FREEMEMORY", "USEDCPU", "USEDMEMORY"] {
                    self.template.remove(name);
                }
            }
            _ => return Err("Wrong status code".to_owned()),
        }
        Ok(())
    }

    /// Records that the host is being saved: PREV_STATE becomes STATE. Returns whether the
    /// state changed since the last save (when OpenNebula fires host state hooks).
    pub fn save_state(&mut self) -> bool {
        let changed = self.prev_state != self.state;
        self.prev_state = self.state;
        changed
    }

    /// A monitoring failure: ERROR (unless DISABLED or OFFLINE) and the template's ERROR set to
    /// `<log_time> : Error monitoring Host <name> (<id>): <message>`; `log_time` is the
    /// `ctime`-style time OpenNebula prints (`Thu Aug 20 10:58:25 2026`).
    pub fn set_error(&mut self, message: &str, log_time: &str) {
        if !matches!(self.state, HostState::Offline | HostState::Disabled) {
            self.state = HostState::Error;
        }
        let text =
            format!("{log_time} : Error monitoring Host {} ({}): {message}", self.meta.name, self.meta.id);
        self.template.set("ERROR", text);
    }

    /// The reservations in force: the host's RESERVED_CPU/RESERVED_MEM, each falling back to
    /// the cluster template's when empty.
    pub fn reserved_capacity(&self, cluster_template: Option<&Template>) -> (String, String) {
        let pick = |name: &str| {
            let own = self.template.get(name).unwrap_or("");
            if own.is_empty() {
                cluster_template.and_then(|c| c.get(name)).unwrap_or("").to_owned()
            } else {
                own.to_owned()
            }
        };
        (pick("RESERVED_CPU"), pick("RESERVED_MEM"))
    }

    /// An attribute of the host template, or of the cluster's when the host has none.
    fn host_or_cluster(&self, name: &str, cluster_template: Option<&Template>) -> String {
        match self.template.get(name).filter(|v| !v.is_empty()) {
            Some(v) => v.to_owned(),
            None => cluster_template.and_then(|c| c.get(name)).unwrap_or("").to_owned(),
        }
    }

    /// Applies a system report (monitord's `HOST_SYSTEM`: TOTALCPU, TOTALMEMORY, CPUSPEED,
    /// HOSTNAME, ..., DS_LOCATION_*_MB, DS, PCI, CORE, HUGEPAGE, MEMORY_NODE, VM wilds).
    /// Ignored (returns false) for an OFFLINE host. Otherwise: the template's ERROR, VM and
    /// VM_POLL are dropped and the report merged in; the host becomes MONITORED unless
    /// DISABLED; VMs reported with ID -1 are listed in WILDS/TOTAL_WILDS; if TOTALCPU or
    /// TOTALMEMORY changed the totals and limits are reset (reservations from the host or
    /// `cluster_template`); the datastore, PCI (with PCI_FILTER and PCI_SHORT_ADDRESS) and NUMA
    /// parts move from the template into the share.
    pub fn apply_system_report(&mut self, report: &Template, cluster_template: Option<&Template>) -> bool {
        if self.state == HostState::Offline {
            return false;
        }
        for name in ["ERROR", "VM", "VM_POLL"] {
            self.template.remove(name);
        }
        self.template.merge(report);
        if self.state != HostState::Disabled {
            self.state = HostState::Monitored;
        }
        self.update_wilds();
        let total =
            |name: &str| self.template.get(name).and_then(super::monitoring::parse_int::<i64>).unwrap_or(0);
        let (total_cpu, total_mem) = (total("TOTALCPU"), total("TOTALMEMORY"));
        if total_cpu != self.share.total_cpu || total_mem != self.share.total_mem {
            let (rcpu, rmem) = self.reserved_capacity(cluster_template);
            self.share.set_totals(total_cpu, total_mem, &rcpu, &rmem);
        }
        let filter = self.host_or_cluster("PCI_FILTER", cluster_template);
        let short = self.host_or_cluster("PCI_SHORT_ADDRESS", cluster_template);
        self.share.take_datastores(&mut self.template);
        self.share.take_pci(&mut self.template, &filter, &short);
        self.share.take_numa(&mut self.template);
        true
    }

    /// Keeps the `VM` vectors of unknown VMs (ID -1) and lists them in WILDS (their VM_NAME,
    /// or DEPLOY_ID) and TOTAL_WILDS; other VM attributes are dropped.
    fn update_wilds(&mut self) {
        self.template.remove("WILDS");
        self.template.remove("TOTAL_WILDS");
        let wilds: Vec<_> = self
            .template
            .get_all("VM")
            .filter(|a| {
                a.value
                    .as_vector()
                    .and_then(|v| vector_value(v, "ID"))
                    .and_then(super::monitoring::parse_int::<i32>)
                    == Some(-1)
            })
            .cloned()
            .collect();
        self.template.remove("VM");
        let mut names = Vec::new();
        for w in wilds {
            let pairs = w.value.as_vector().unwrap_or_default();
            let name = vector_value(pairs, "VM_NAME").filter(|n| !n.is_empty());
            names.push(name.or_else(|| vector_value(pairs, "DEPLOY_ID")).unwrap_or("").to_owned());
            self.template.push(w);
        }
        if !names.is_empty() {
            self.template.set("TOTAL_WILDS", names.len().to_string());
            self.template.set("WILDS", names.join(", "));
        }
    }

    /// Lists the VMs monitoring found on the host that oned does not place there
    /// (ZOMBIES = "3, 7", TOTAL_ZOMBIES); an empty list removes both.
    pub fn set_zombies(&mut self, zombies: &[i32]) {
        self.template.remove("ZOMBIES");
        self.template.remove("TOTAL_ZOMBIES");
        if !zombies.is_empty() {
            let mut ids = zombies.to_vec();
            ids.sort_unstable();
            ids.dedup();
            self.template.set("TOTAL_ZOMBIES", ids.len().to_string());
            let list: Vec<String> = ids.iter().map(i32::to_string).collect();
            self.template.set("ZOMBIES", list.join(", "));
        }
    }

    /// After `one.host.update`: IM_MAD/VM_MAD follow the template (an empty one keeps the
    /// driver and is written back), and the limits, VMS_THREAD and core counts are recomputed.
    pub fn post_update(&mut self, cluster_template: Option<&Template>) {
        if let Some(im) = self.template.get("IM_MAD").filter(|v| !v.is_empty()) {
            self.im_mad = im.to_owned();
        }
        if let Some(vm) = self.template.get("VM_MAD").filter(|v| !v.is_empty()) {
            self.vm_mad = vm.to_owned();
        }
        self.template.set("IM_MAD", self.im_mad.clone());
        self.template.set("VM_MAD", self.vm_mad.clone());
        let (rcpu, rmem) = self.reserved_capacity(cluster_template);
        self.share.update_capacity(&mut self.template, &rcpu, &rmem);
    }

    /// After the cluster's template changed: applies its reservations unless the host sets
    /// both its own. Returns whether the limits were recomputed.
    pub fn update_reserved_from_cluster(&mut self, cluster_template: &Template) -> bool {
        let own = |n: &str| self.template.get(n).is_some_and(|v| !v.is_empty());
        if own("RESERVED_CPU") && own("RESERVED_MEM") {
            return false;
        }
        let (rcpu, rmem) = self.reserved_capacity(Some(cluster_template));
        self.share.update_capacity(&mut self.template, &rcpu, &rmem);
        true
    }

    /// Allocates a VM on the host (VMS list and share). Fails, changing nothing, with
    /// OpenNebula's log message when the VM is already there.
    pub fn add_capacity(&mut self, cap: &VmCapacity) -> Result<(), String> {
        match self.vms.binary_search(&cap.vmid) {
            Ok(_) => Err(format!("VM {} is already in host {}.", cap.vmid, self.meta.id)),
            Err(pos) => {
                self.vms.insert(pos, cap.vmid);
                self.share.add(cap);
                Ok(())
            }
        }
    }

    /// Frees a VM's allocation. Fails, changing nothing, when the VM is not on the host.
    pub fn del_capacity(&mut self, cap: &VmCapacity) -> Result<(), String> {
        match self.vms.binary_search(&cap.vmid) {
            Ok(pos) => {
                self.vms.remove(pos);
                self.share.del(cap);
                Ok(())
            }
            Err(_) => Err(format!("VM {} is not in host {}.", cap.vmid, self.meta.id)),
        }
    }

    fn write_body(&self, w: &mut XmlWriter, monitoring: Option<&HostMonitoring>) {
        w.open("HOST").num("ID", self.meta.id).text("NAME", &self.meta.name);
        w.num("STATE", self.state.value()).num("PREV_STATE", self.prev_state.value());
        w.cdata("IM_MAD", &self.im_mad).cdata("VM_MAD", &self.vm_mad);
        w.num("CLUSTER_ID", self.cluster_id).text("CLUSTER", &self.cluster);
        self.share.write_xml(w);
        write_ids(w, "VMS", &self.vms);
        self.template.write_xml(w, "TEMPLATE");
        HostMonitoring::write_optional(monitoring, w);
        if let Some(ct) = &self.cluster_template {
            ct.write_xml(w, "CLUSTER_TEMPLATE");
        }
        w.close("HOST");
    }
}

fn state_from(node: &Node, name: &str) -> Result<HostState, ObjectError> {
    let value: i32 = required_num(node, name)?;
    HostState::from_value(value).ok_or_else(|| ObjectError(format!("<{name}> {value} is not a host state")))
}

impl PoolObject for Host {
    const ROOT: &'static str = "HOST";
    const POOL_ROOT: &'static str = "HOST_POOL";
    const KIND: ObjectType = ObjectType::Host;

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
        if self.cluster_id >= 0 { vec![self.cluster_id] } else { Vec::new() }
    }
    fn state(&self) -> i32 {
        self.state.value()
    }

    fn write_xml(&self, w: &mut XmlWriter) {
        self.write_body(w, self.monitoring.as_ref());
    }

    /// The pool element: as `one.host.info` but with an empty `<MONITORING/>`.
    fn write_pool_xml(&self, w: &mut XmlWriter) {
        self.write_body(w, None);
    }

    /// Reads a host document, keeping its PCI devices as written until they are needed
    /// (see `PciDevices`).
    fn from_xml(xml: &str) -> Result<Host, ObjectError> {
        let (rest, pci) = pci::split(xml);
        let node = crate::xml::parse(&rest).map_err(|e| ObjectError(e.to_string()))?;
        if node.name != Self::ROOT {
            return Err(ObjectError(format!("expected <{}>, found <{}>", Self::ROOT, node.name)));
        }
        let mut host = Host::from_node(&node)?;
        if let Some(raw) = pci {
            host.share.pci_devices = PciDevices::from_raw(raw);
        }
        Ok(host)
    }

    fn from_node(node: &Node) -> Result<Host, ObjectError> {
        let name = required(node, "NAME")?;
        let share =
            node.child("HOST_SHARE").ok_or_else(|| ObjectError("<HOST> has no <HOST_SHARE>".into()))?;
        Ok(Host {
            meta: Meta::oneadmin(required_num(node, "ID")?, name, Permissions::from_octal(0o600)),
            state: state_from(node, "STATE")?,
            prev_state: state_from(node, "PREV_STATE")?,
            im_mad: required(node, "IM_MAD")?.to_owned(),
            vm_mad: required(node, "VM_MAD")?.to_owned(),
            cluster_id: required_num(node, "CLUSTER_ID")?,
            cluster: node.child_text("CLUSTER").unwrap_or("").to_owned(),
            share: HostShare::from_node(share)?,
            vms: read_ids(node, "VMS")?,
            template: super::template_from_node(node.child("TEMPLATE"))?,
            monitoring: match node.child("MONITORING") {
                Some(m) => HostMonitoring::from_node(m)?,
                None => None,
            },
            cluster_template: node
                .child("CLUSTER_TEMPLATE")
                .map(|c| super::template_from_node(Some(c)))
                .transpose()?,
        })
    }
}

/// Renders `<HOST_POOL>` (pool elements: `<MONITORING/>`), in the order given.
pub fn host_pool_xml<'a>(hosts: impl IntoIterator<Item = &'a Host>) -> String {
    let mut w = XmlWriter::new();
    w.open(Host::POOL_ROOT);
    for h in hosts {
        h.write_pool_xml(&mut w);
    }
    w.close(Host::POOL_ROOT);
    w.finish()
}

/// Reads `<HOST_POOL>`.
pub fn hosts_from_pool(node: &Node) -> Result<Vec<Host>, ObjectError> {
    node.children_named(Host::ROOT).map(Host::from_node).collect()
}

#[cfg(test)]
mod tests;
