//! The VM object: the [`Vm`] data (identity, states, times, monitoring, TEMPLATE and
//! USER_TEMPLATE, history records, disk snapshots, backups), its `PoolObject` impl, and its
//! documents: the full `<VM>` of `one.vm.info` (all history records) and of
//! `one.vmpool.infoextended` (last record only), the short `<VM>` of `one.vmpool.info`
//! (`short.rs`), the pools, and reading them back.
//!
//! Submodules: `history` (records and VM action codes), `parts` (snapshots and backups),
//! `short` (the short form), `devices` (DISK/NIC views and edits, disk targets), `allocate`
//! and `parse` (building a VM from an allocate template), `requirements` (automatic
//! scheduling requirements, backup configuration), `monitor` (monitoring and capacity
//! accessors), `query` (`one.vmpool.info`'s state filter and search).

mod allocate;
mod conf;
mod devices;
mod history;
mod monitor;
mod parse;
mod parts;
mod query;
mod requirements;
mod short;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_alloc;

pub use allocate::{NewVm, format_float};
pub use conf::{UPDATECONF_ATTRS, updateconf_template};
pub use devices::{Device, DiskKind, DiskTargets, assign_disk_targets};
pub use history::{History, Placement, VmAction};
pub use parts::{Backups, DiskSnapshots, Snapshot};
pub use query::{StateFilter, matches};

use crate::acl::ObjectType;
use crate::objects::common::{Meta, PoolObject, read_ids, write_ids};
use crate::objects::{ObjectError, required_num, template_from_node};
use crate::states::{LcmState, VmState};
use crate::template::Template;
use crate::xml::{Node, XmlWriter};

/// A virtual machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Vm {
    /// ID, owner, group, name, permissions, lock.
    pub meta: Meta,
    /// Time of the last monitoring report (0: never).
    pub last_poll: i64,
    /// STATE.
    pub state: VmState,
    /// LCM_STATE (LCM_INIT unless ACTIVE).
    pub lcm_state: LcmState,
    /// STATE when the VM was last stored ([`Vm::commit_state`]).
    pub prev_state: VmState,
    /// LCM_STATE when the VM was last stored.
    pub prev_lcm_state: LcmState,
    /// Marked for rescheduling (`resched` action).
    pub resched: bool,
    /// Creation time.
    pub stime: i64,
    /// When the VM reached DONE (0 before).
    pub etime: i64,
    /// The hypervisor's name for the VM (empty until deployed).
    pub deploy_id: String,
    /// The last monitoring values (CPU, MEMORY, NETRX, ..., ID, TIMESTAMP).
    pub monitoring: Template,
    /// IDs of the VM's scheduled actions.
    pub sched_actions: Vec<i32>,
    /// The system template: CPU, MEMORY, DISK, NIC, OS, CONTEXT, ... (oned's, not editable
    /// with `one.vm.update`).
    pub template: Template,
    /// The user template (`one.vm.update` edits it).
    pub user_template: Template,
    /// History records, oldest first.
    pub history: Vec<History>,
    /// Snapshot lists of the disks that have snapshots, by disk.
    pub snapshots: Vec<DiskSnapshots>,
    /// Backup configuration and backup images.
    pub backups: Backups,
}

impl Vm {
    /// An empty VM in PENDING: no template, no history, created at `stime`.
    pub fn new(meta: Meta, stime: i64) -> Vm {
        Vm {
            meta,
            last_poll: 0,
            state: VmState::Pending,
            lcm_state: LcmState::LcmInit,
            prev_state: VmState::Pending,
            prev_lcm_state: LcmState::LcmInit,
            resched: false,
            stime,
            etime: 0,
            deploy_id: String::new(),
            monitoring: Template::new(),
            sched_actions: Vec::new(),
            template: Template::new(),
            user_template: Template::new(),
            history: Vec::new(),
            snapshots: Vec::new(),
            backups: Backups::default(),
        }
    }

    /// What oned does each time it stores a VM: PREV_STATE and PREV_LCM_STATE take the current
    /// states (so stored documents show them equal). Returns whether the states had changed
    /// since the last store — when OpenNebula fires its state hooks.
    pub fn commit_state(&mut self) -> bool {
        let changed = self.prev_state != self.state || self.prev_lcm_state != self.lcm_state;
        self.prev_state = self.state;
        self.prev_lcm_state = self.lcm_state;
        changed
    }

    /// Renders the full `<VM>` with the given history records; `sched_actions_xml` (rendered
    /// `<SCHED_ACTION>` elements) goes at the end of `<TEMPLATE>`, as in `one.vm.info`.
    fn write_full(&self, w: &mut XmlWriter, history: &[History], sched_actions_xml: &str) {
        w.open("VM");
        self.meta.write_identity(w);
        self.meta.perms.write_xml(w);
        w.num("LAST_POLL", self.last_poll).num("STATE", self.state.value());
        w.num("LCM_STATE", self.lcm_state.value()).num("PREV_STATE", self.prev_state.value());
        w.num("PREV_LCM_STATE", self.prev_lcm_state.value()).num("RESCHED", u8::from(self.resched));
        w.num("STIME", self.stime).num("ETIME", self.etime).text("DEPLOY_ID", &self.deploy_id);
        self.meta.write_lock(w);
        self.monitoring.write_xml(w, "MONITORING");
        write_ids(w, "SCHED_ACTIONS", &self.sched_actions);
        if sched_actions_xml.is_empty() {
            self.template.write_xml(w, "TEMPLATE");
        } else {
            let rendered = self.template.to_xml("TEMPLATE");
            let body = rendered.strip_suffix("</TEMPLATE>").unwrap_or(&rendered);
            w.raw(body).raw(sched_actions_xml).close("TEMPLATE");
        }
        self.user_template.write_xml(w, "USER_TEMPLATE");
        if history.is_empty() {
            w.empty("HISTORY_RECORDS");
        } else {
            w.open("HISTORY_RECORDS");
            for h in history {
                h.write_xml(w);
            }
            w.close("HISTORY_RECORDS");
        }
        for s in &self.snapshots {
            s.write_xml(w);
        }
        self.backups.write_xml(w);
        w.close("VM");
    }

    /// The `<VM>` of `one.vm.info` with the VM's scheduled actions (rendered `<SCHED_ACTION>`
    /// elements, which OpenNebula shows inside `<TEMPLATE>`); every history record.
    pub fn write_info_xml(&self, w: &mut XmlWriter, sched_actions_xml: &str) {
        self.write_full(w, &self.history, sched_actions_xml);
    }

    /// The `<VM>` a history record keeps for accounting: the full form without history
    /// records and scheduled actions.
    pub fn write_accounting_xml(&self, w: &mut XmlWriter) {
        self.write_full(w, &[], "");
    }

    /// The `<VM>` of `one.vmpool.infoextended`: the full form with only the current history
    /// record and no scheduled actions in the template.
    pub fn write_extended_xml(&self, w: &mut XmlWriter) {
        let last = self.history.len().saturating_sub(1);
        self.write_full(w, &self.history[last..], "");
    }
}

impl PoolObject for Vm {
    const ROOT: &'static str = "VM";
    const POOL_ROOT: &'static str = "VM_POOL";
    const KIND: ObjectType = ObjectType::Vm;

    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }

    /// The USER_TEMPLATE: `one.vm.update` edits it.
    #[expect(clippy::misnamed_getters, reason = "one.vm.update edits the USER_TEMPLATE, not the TEMPLATE")]
    fn template(&self) -> &Template {
        &self.user_template
    }

    #[expect(clippy::misnamed_getters, reason = "one.vm.update edits the USER_TEMPLATE, not the TEMPLATE")]
    fn template_mut(&mut self) -> &mut Template {
        &mut self.user_template
    }

    fn state(&self) -> i32 {
        self.state.value()
    }

    /// The full `<VM>` with every history record (`one.vm.info` without scheduled actions;
    /// also what oned stores).
    fn write_xml(&self, w: &mut XmlWriter) {
        self.write_full(w, &self.history, "");
    }

    /// The short `<VM>` of `one.vmpool.info`.
    fn write_pool_xml(&self, w: &mut XmlWriter) {
        self.write_short_xml(w);
    }

    /// Reads a `<VM>` in the full form, or leniently the short form of `one.vmpool.info`
    /// (absent PERMISSIONS read as none, PREV_* as the current states). `SCHED_ACTION`
    /// elements inside `<TEMPLATE>` are dropped, as OpenNebula does: they live in their
    /// own pool.
    fn from_node(node: &Node) -> Result<Vm, ObjectError> {
        let opt_num = |name: &str| -> Result<i64, ObjectError> {
            if node.child(name).is_some() { required_num(node, name) } else { Ok(0) }
        };
        let state_num: i32 = required_num(node, "STATE")?;
        let state = VmState::from_value(state_num)
            .ok_or_else(|| ObjectError(format!("unknown VM STATE {state_num}")))?;
        let lcm_num: i32 = required_num(node, "LCM_STATE")?;
        let lcm_state = LcmState::from_value(lcm_num)
            .ok_or_else(|| ObjectError(format!("unknown VM LCM_STATE {lcm_num}")))?;
        let prev_state = match node.child("PREV_STATE") {
            Some(_) => {
                let n: i32 = required_num(node, "PREV_STATE")?;
                VmState::from_value(n).ok_or_else(|| ObjectError(format!("unknown VM PREV_STATE {n}")))?
            }
            None => state,
        };
        let prev_lcm_state = match node.child("PREV_LCM_STATE") {
            Some(_) => {
                let n: i32 = required_num(node, "PREV_LCM_STATE")?;
                LcmState::from_value(n)
                    .ok_or_else(|| ObjectError(format!("unknown VM PREV_LCM_STATE {n}")))?
            }
            None => lcm_state,
        };
        let meta = Meta::from_node(node)?;
        let mut template = template_from_node(node.child("TEMPLATE"))?;
        template.remove("SCHED_ACTION");
        Ok(Vm {
            meta,
            last_poll: opt_num("LAST_POLL")?,
            state,
            lcm_state,
            prev_state,
            prev_lcm_state,
            resched: opt_num("RESCHED")? != 0,
            stime: opt_num("STIME")?,
            etime: opt_num("ETIME")?,
            deploy_id: node.child_text("DEPLOY_ID").unwrap_or_default().to_owned(),
            monitoring: template_from_node(node.child("MONITORING"))?,
            sched_actions: read_ids(node, "SCHED_ACTIONS")?,
            template,
            user_template: template_from_node(node.child("USER_TEMPLATE"))?,
            history: history::read_history(node.child("HISTORY_RECORDS"))?,
            snapshots: node
                .children_named("SNAPSHOTS")
                .map(DiskSnapshots::from_node)
                .collect::<Result<_, _>>()?,
            backups: Backups::from_node(node.child("BACKUPS"))?,
        })
    }
}

/// `<VM_POOL>` of short VMs (`one.vmpool.info`).
pub fn vm_pool_xml<'a>(vms: impl IntoIterator<Item = &'a Vm>) -> String {
    let mut w = XmlWriter::new();
    w.open("VM_POOL");
    for vm in vms {
        vm.write_short_xml(&mut w);
    }
    w.close("VM_POOL");
    w.finish()
}

/// `<VM_POOL>` of full VMs with their current history record (`one.vmpool.infoextended`).
pub fn vm_pool_extended_xml<'a>(vms: impl IntoIterator<Item = &'a Vm>) -> String {
    let mut w = XmlWriter::new();
    w.open("VM_POOL");
    for vm in vms {
        vm.write_extended_xml(&mut w);
    }
    w.close("VM_POOL");
    w.finish()
}

/// Reads a `<VM_POOL>` of either form (see [`Vm::from_node`] for the short one).
pub fn vms_from_pool(node: &Node) -> Result<Vec<Vm>, ObjectError> {
    node.children_named("VM").map(Vm::from_node).collect()
}
