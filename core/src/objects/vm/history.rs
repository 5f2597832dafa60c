//! A VM's history records (`HISTORY_RECORDS/HISTORY`): one record per placement on a host
//! (deploy, migration, and the few actions that open a new record on the same host), the
//! [`VmAction`] codes stored in their `ACTION`, their full and short XML, and the [`Vm`]
//! methods that open, copy and close records and tell where the VM currently is.

use super::Vm;
use crate::objects::{ObjectError, required, required_num};
use crate::xml::{Node, XmlWriter};

/// Declares [`VmAction`] with its wire numbers and OpenNebula's names.
macro_rules! vm_actions {
    ($($(#[$meta:meta])* $variant:ident = $value:literal => $text:literal,)+) => {
        /// The action recorded in a history record's `ACTION` (OpenNebula's `VMActions`):
        /// what closed the record, and who asked for it (`UID`, `GID`, `REQUEST_ID`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum VmAction {
            $($(#[$meta])* $variant,)+
        }

        impl VmAction {
            /// Every action, by number.
            pub const ALL: &'static [VmAction] = &[$(VmAction::$variant,)+];

            /// The number on the wire.
            pub fn value(self) -> i32 {
                match self {
                    $(VmAction::$variant => $value,)+
                }
            }

            /// The action for a number on the wire (3, 4 and 12 are retired and unknown).
            pub fn from_value(value: i32) -> Option<VmAction> {
                match value {
                    $($value => Some(VmAction::$variant),)+
                    _ => None,
                }
            }

            /// OpenNebula's name (`live-migrate`, `disk-attach`, ...; `none` for 0).
            pub fn name(self) -> &'static str {
                match self {
                    $(VmAction::$variant => $text,)+
                }
            }

            /// The action with this OpenNebula name.
            pub fn from_name(name: &str) -> Option<VmAction> {
                match name {
                    $($text => Some(VmAction::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

vm_actions! {
    /// No action (an open record, or one closed by the system).
    None = 0 => "none",
    /// Cold migration (`one.vm.migrate`).
    Migrate = 1 => "migrate",
    /// Live migration.
    LiveMigrate = 2 => "live-migrate",
    /// `undeploy`.
    Undeploy = 5 => "undeploy",
    /// `undeploy-hard`.
    UndeployHard = 6 => "undeploy-hard",
    /// `hold`.
    Hold = 7 => "hold",
    /// `release`.
    Release = 8 => "release",
    /// `stop`.
    Stop = 9 => "stop",
    /// `suspend`.
    Suspend = 10 => "suspend",
    /// `resume`.
    Resume = 11 => "resume",
    /// `one.vm.recover` delete.
    Delete = 13 => "delete",
    /// `one.vm.recover` delete-recreate.
    DeleteRecreate = 14 => "delete-recreate",
    /// `reboot`.
    Reboot = 15 => "reboot",
    /// `reboot-hard`.
    RebootHard = 16 => "reboot-hard",
    /// `resched`.
    Resched = 17 => "resched",
    /// `unresched`.
    Unresched = 18 => "unresched",
    /// `poweroff`.
    Poweroff = 19 => "poweroff",
    /// `poweroff-hard`.
    PoweroffHard = 20 => "poweroff-hard",
    /// `one.vm.attach`.
    DiskAttach = 21 => "disk-attach",
    /// `one.vm.detach`.
    DiskDetach = 22 => "disk-detach",
    /// `one.vm.attachnic`.
    NicAttach = 23 => "nic-attach",
    /// `one.vm.detachnic`.
    NicDetach = 24 => "nic-detach",
    /// `one.vm.disksnapshotcreate`.
    DiskSnapshotCreate = 25 => "disk-snapshot-create",
    /// `one.vm.disksnapshotdelete`.
    DiskSnapshotDelete = 26 => "disk-snapshot-delete",
    /// `terminate`.
    Terminate = 27 => "terminate",
    /// `terminate-hard`.
    TerminateHard = 28 => "terminate-hard",
    /// `one.vm.diskresize`.
    DiskResize = 29 => "disk-resize",
    /// `one.vm.deploy`.
    Deploy = 30 => "deploy",
    /// `one.vm.chown`.
    Chown = 31 => "chown",
    /// `one.vm.chmod`.
    Chmod = 32 => "chmod",
    /// `one.vm.updateconf`.
    Updateconf = 33 => "updateconf",
    /// `one.vm.rename`.
    Rename = 34 => "rename",
    /// `one.vm.resize`.
    Resize = 35 => "resize",
    /// `one.vm.update`.
    Update = 36 => "update",
    /// `one.vm.snapshotcreate`.
    SnapshotCreate = 37 => "snapshot-create",
    /// `one.vm.snapshotdelete`.
    SnapshotDelete = 38 => "snapshot-delete",
    /// `one.vm.snapshotrevert`.
    SnapshotRevert = 39 => "snapshot-revert",
    /// `one.vm.disksaveas`.
    DiskSaveas = 40 => "disk-saveas",
    /// `one.vm.disksnapshotrevert`.
    DiskSnapshotRevert = 41 => "disk-snapshot-revert",
    /// `one.vm.recover`.
    Recover = 42 => "recover",
    /// `one.vm.recover` retry.
    Retry = 43 => "retry",
    /// Internal: monitoring.
    Monitor = 44 => "monitor",
    /// `one.vm.disksnapshotrename`.
    DiskSnapshotRename = 45 => "disk-snapshot-rename",
    /// `one.vm.attachnic` with a NIC_ALIAS.
    AliasAttach = 46 => "alias-attach",
    /// `one.vm.detachnic` of a NIC_ALIAS.
    AliasDetach = 47 => "alias-detach",
    /// Migration of a VM by powering it off.
    PoweroffMigrate = 48 => "poweroff-migrate",
    /// Migration of a VM by powering it off hard.
    PoweroffHardMigrate = 49 => "poweroff-hard-migrate",
    /// `one.vm.backup`.
    Backup = 50 => "backup",
    /// `one.vm.updatenic`.
    NicUpdate = 51 => "nic-update",
    /// `one.vm.backupcancel`.
    BackupCancel = 52 => "backup-cancel",
    /// `one.vm.schedadd`.
    SchedAdd = 53 => "sched-add",
    /// `one.vm.schedupdate`.
    SchedUpdate = 54 => "sched-update",
    /// `one.vm.scheddelete`.
    SchedDelete = 55 => "sched-delete",
    /// `one.vm.attachsg`.
    SgAttach = 56 => "sg-attach",
    /// `one.vm.detachsg`.
    SgDetach = 57 => "sg-detach",
    /// `one.vm.attachpci`.
    PciAttach = 58 => "pci-attach",
    /// `one.vm.detachpci`.
    PciDetach = 59 => "pci-detach",
    /// `one.vm.restore`.
    Restore = 60 => "restore",
    /// `one.vm.exec`.
    Exec = 61 => "exec",
    /// `one.vm.retryexec`.
    ExecRetry = 62 => "exec-retry",
    /// `one.vm.cancelexec`.
    ExecCancel = 63 => "exec-cancel",
    /// `one.vm.vmgroupadd`.
    VmgroupAdd = 64 => "vmgroup-add",
    /// `one.vm.vmgroupdel`.
    VmgroupDel = 65 => "vmgroup-del",
}

impl std::fmt::Display for VmAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a history record places the VM: host, cluster, drivers and system datastore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Host ID.
    pub hid: i32,
    /// Host name.
    pub hostname: String,
    /// The host's cluster.
    pub cid: i32,
    /// Virtualization driver (`kvm`, `dummy`).
    pub vm_mad: String,
    /// Transfer driver of the system datastore.
    pub tm_mad: String,
    /// System datastore ID.
    pub ds_id: i32,
}

/// One history record. Times are seconds since the epoch, 0 when unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// The VM's ID.
    pub oid: i32,
    /// Sequence number, from 0.
    pub seq: i32,
    /// Host name.
    pub hostname: String,
    /// Host ID.
    pub hid: i32,
    /// Cluster ID.
    pub cid: i32,
    /// When the record was opened.
    pub stime: i64,
    /// When it was closed (0 while open).
    pub etime: i64,
    /// Virtualization driver.
    pub vm_mad: String,
    /// Transfer driver.
    pub tm_mad: String,
    /// System datastore ID.
    pub ds_id: i32,
    /// Scheduler plan that placed the VM (-2: none, -1: the placement plan).
    pub plan_id: i32,
    /// Action of that plan (-1: none).
    pub action_id: i32,
    /// Prolog start.
    pub pstime: i64,
    /// Prolog end.
    pub petime: i64,
    /// Running start.
    pub rstime: i64,
    /// Running end.
    pub retime: i64,
    /// Epilog start.
    pub estime: i64,
    /// Epilog end.
    pub eetime: i64,
    /// The action that closed the record.
    pub action: VmAction,
    /// Who did it (-1: oned itself).
    pub uid: i32,
    /// The group it was done as (-1: oned itself).
    pub gid: i32,
    /// The request that did it (-1: none).
    pub request_id: i32,
}

impl History {
    /// A new open record: no times, no action, no plan (`PLAN_ID` -2, `ACTION_ID` -1),
    /// done by nobody (`UID`, `GID`, `REQUEST_ID` -1).
    pub fn new(oid: i32, seq: i32, placement: &Placement) -> History {
        History {
            oid,
            seq,
            hostname: placement.hostname.clone(),
            hid: placement.hid,
            cid: placement.cid,
            stime: 0,
            etime: 0,
            vm_mad: placement.vm_mad.clone(),
            tm_mad: placement.tm_mad.clone(),
            ds_id: placement.ds_id,
            plan_id: -2,
            action_id: -1,
            pstime: 0,
            petime: 0,
            rstime: 0,
            retime: 0,
            estime: 0,
            eetime: 0,
            action: VmAction::None,
            uid: -1,
            gid: -1,
            request_id: -1,
        }
    }

    /// Where this record places the VM.
    pub fn placement(&self) -> Placement {
        Placement {
            hid: self.hid,
            hostname: self.hostname.clone(),
            cid: self.cid,
            vm_mad: self.vm_mad.clone(),
            tm_mad: self.tm_mad.clone(),
            ds_id: self.ds_id,
        }
    }

    /// Records the action that closes the record and who asked for it.
    pub fn set_action(&mut self, action: VmAction, uid: i32, gid: i32, request_id: i32) {
        self.action = action;
        self.uid = uid;
        self.gid = gid;
        self.request_id = request_id;
    }

    /// Records an action taken by oned itself (`UID`, `GID`, `REQUEST_ID` -1).
    pub fn set_internal_action(&mut self, action: VmAction) {
        self.set_action(action, -1, -1, -1);
    }

    /// Closes the record at `now`: sets `ETIME`, and ends whichever of the prolog, running and
    /// epilog phases was started and not ended.
    pub fn close(&mut self, now: i64) {
        self.etime = now;
        for (start, end) in [
            (self.pstime, &mut self.petime),
            (self.rstime, &mut self.retime),
            (self.estime, &mut self.eetime),
        ] {
            if start != 0 && *end == 0 {
                *end = now;
            }
        }
    }

    /// True while the record is open (no `ETIME`).
    pub fn is_open(&self) -> bool {
        self.etime == 0
    }

    /// Renders the full `<HISTORY>` of `one.vm.info` (vm.xsd).
    pub fn write_xml(&self, w: &mut XmlWriter) {
        self.write_accounting_xml(w, "");
    }

    /// Renders the `<HISTORY>` of `one.vmpool.accounting` (acct.xsd): the full record
    /// followed by `vm_xml`, the VM's `<VM>` without history as it was when the record was
    /// last written.
    pub fn write_accounting_xml(&self, w: &mut XmlWriter, vm_xml: &str) {
        w.open("HISTORY").num("OID", self.oid).num("SEQ", self.seq).text("HOSTNAME", &self.hostname);
        w.num("HID", self.hid).num("CID", self.cid).num("STIME", self.stime).num("ETIME", self.etime);
        w.cdata("VM_MAD", &self.vm_mad).cdata("TM_MAD", &self.tm_mad).num("DS_ID", self.ds_id);
        w.num("PLAN_ID", self.plan_id).num("ACTION_ID", self.action_id);
        w.num("PSTIME", self.pstime).num("PETIME", self.petime);
        w.num("RSTIME", self.rstime).num("RETIME", self.retime);
        w.num("ESTIME", self.estime).num("EETIME", self.eetime);
        w.num("ACTION", self.action.value()).num("UID", self.uid).num("GID", self.gid);
        w.num("REQUEST_ID", self.request_id).raw(vm_xml).close("HISTORY");
    }

    /// Renders the short `<HISTORY>` of `one.vmpool.info` (vm_pool.xsd).
    pub fn write_short_xml(&self, w: &mut XmlWriter) {
        w.open("HISTORY").num("OID", self.oid).num("SEQ", self.seq).cdata("HOSTNAME", &self.hostname);
        w.num("HID", self.hid).num("CID", self.cid).num("DS_ID", self.ds_id);
        w.cdata("VM_MAD", &self.vm_mad).cdata("TM_MAD", &self.tm_mad);
        w.cdata("ACTION", &self.action.value().to_string()).close("HISTORY");
    }

    /// Reads a `<HISTORY>` element, full or short: OID, SEQ, HOSTNAME and HID are required,
    /// the rest defaults as in a new record (times 0, CID -1, DS_ID 0).
    pub fn from_node(node: &Node) -> Result<History, ObjectError> {
        let num = |name: &str, default: i64| -> Result<i64, ObjectError> {
            match node.child(name) {
                Some(_) => required_num(node, name),
                None => Ok(default),
            }
        };
        let int = |name: &str, default: i32| -> Result<i32, ObjectError> {
            match node.child(name) {
                Some(_) => required_num(node, name),
                None => Ok(default),
            }
        };
        let action_value = int("ACTION", 0)?;
        let action = VmAction::from_value(action_value)
            .ok_or_else(|| ObjectError(format!("<ACTION> {action_value} is not a VM action")))?;
        Ok(History {
            oid: required_num(node, "OID")?,
            seq: required_num(node, "SEQ")?,
            hostname: required(node, "HOSTNAME")?.to_owned(),
            hid: required_num(node, "HID")?,
            cid: int("CID", -1)?,
            stime: num("STIME", 0)?,
            etime: num("ETIME", 0)?,
            vm_mad: node.child_text("VM_MAD").unwrap_or_default().to_owned(),
            tm_mad: node.child_text("TM_MAD").unwrap_or_default().to_owned(),
            ds_id: int("DS_ID", 0)?,
            plan_id: int("PLAN_ID", -2)?,
            action_id: int("ACTION_ID", -1)?,
            pstime: num("PSTIME", 0)?,
            petime: num("PETIME", 0)?,
            rstime: num("RSTIME", 0)?,
            retime: num("RETIME", 0)?,
            estime: num("ESTIME", 0)?,
            eetime: num("EETIME", 0)?,
            action,
            uid: int("UID", -1)?,
            gid: int("GID", -1)?,
            request_id: int("REQUEST_ID", -1)?,
        })
    }
}

impl Vm {
    /// The current (last) history record.
    pub fn current_history(&self) -> Option<&History> {
        self.history.last()
    }

    /// The current history record, for changes.
    pub fn current_history_mut(&mut self) -> Option<&mut History> {
        self.history.last_mut()
    }

    /// The record before the current one (the source host of a migration).
    pub fn previous_history(&self) -> Option<&History> {
        self.history.len().checked_sub(2).map(|i| &self.history[i])
    }

    /// The previous history record, for changes.
    pub fn previous_history_mut(&mut self) -> Option<&mut History> {
        let i = self.history.len().checked_sub(2)?;
        self.history.get_mut(i)
    }

    /// The host the VM is on (or was last on), from the current record.
    pub fn host_id(&self) -> Option<i32> {
        self.current_history().map(|h| h.hid)
    }

    /// The name of that host.
    pub fn hostname(&self) -> Option<&str> {
        self.current_history().map(|h| h.hostname.as_str())
    }

    /// The cluster of that host.
    pub fn cluster_id(&self) -> Option<i32> {
        self.current_history().map(|h| h.cid)
    }

    /// The system datastore of the current record.
    pub fn system_ds_id(&self) -> Option<i32> {
        self.current_history().map(|h| h.ds_id)
    }

    /// Opens a new record on `placement` (deploy, migration), started at `stime`: its `SEQ`
    /// follows the current record's (0 for the first).
    pub fn add_history(&mut self, placement: &Placement, stime: i64) -> &mut History {
        let seq = self.current_history().map_or(0, |h| h.seq + 1);
        let mut record = History::new(self.meta.id, seq, placement);
        record.stime = stime;
        self.history.push(record);
        let last = self.history.len() - 1;
        &mut self.history[last]
    }

    /// Opens a new record on the same host as the current one, keeping its plan, started at
    /// `stime` (OpenNebula does this when an action such as a resume from POWEROFF restarts
    /// the VM in place). Returns `None` when the VM has no history.
    pub fn copy_history(&mut self, stime: i64) -> Option<&mut History> {
        let current = self.current_history()?;
        let (placement, plan_id, action_id) = (current.placement(), current.plan_id, current.action_id);
        let record = self.add_history(&placement, stime);
        record.plan_id = plan_id;
        record.action_id = action_id;
        Some(record)
    }

    /// Opens a new record on the host of the previous record (a failed migration going
    /// back), started at `stime`. Returns `None` without two records.
    pub fn copy_previous_history(&mut self, stime: i64) -> Option<&mut History> {
        let previous = self.previous_history()?;
        let (placement, plan_id, action_id) = (previous.placement(), previous.plan_id, previous.action_id);
        let record = self.add_history(&placement, stime);
        record.plan_id = plan_id;
        record.action_id = action_id;
        Some(record)
    }
}

/// Reads the `<HISTORY>` records of a `<HISTORY_RECORDS>` element (absent: none).
pub(super) fn read_history(node: Option<&Node>) -> Result<Vec<History>, ObjectError> {
    node.map_or(Ok(Vec::new()), |records| records.children_named("HISTORY").map(History::from_node).collect())
}
