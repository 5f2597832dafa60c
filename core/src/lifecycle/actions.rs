//! User actions (OpenNebula's dispatch manager, `DispatchManagerActions.cc`, and the part of the
//! life-cycle manager it triggers, `LifeCycleActions.cc`): which states accept each request, the
//! status it leads to and the driver operations it starts. Recover lives in `recover.rs`.

use super::driver::{dispose, done};
use super::effects::{Driver, Effect as E, HostRef, Op, Record as R, Stamp as T, TmOp, VmmOp};
use super::history::HistoryAction as H;
use super::hotplug::settled;
use super::phase::{Base, Phase, Shutdown, phase, phases};
use super::{Denied, Reason, Status, Step, hotplug, recover, refuse, stay, step};
use crate::error::ErrorCode;
use crate::states::{LcmState as L, VmState as S};

/// A user (or scheduler) request on a VM.
///
/// Fields carry what the daemon knows beyond STATE/LCM_STATE and OpenNebula decides on:
/// history record actions, driver capabilities (`KEEP_SNAPSHOTS`, cold NIC attach) and the ids
/// that appear in error messages. Checks that do not depend on the state (the disk exists, the
/// host has room, quotas, a pinned VM cannot be hot-resized) are the daemon's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `terminate` / `terminate-hard`.
    Terminate {
        /// Destroy instead of shutting down.
        hard: bool,
    },
    /// `undeploy` / `undeploy-hard`.
    Undeploy {
        /// Destroy instead of shutting down.
        hard: bool,
    },
    /// `poweroff` / `poweroff-hard`.
    Poweroff {
        /// Destroy instead of shutting down.
        hard: bool,
    },
    /// `reboot` / `reboot-hard` (reset).
    Reboot {
        /// Reset instead of rebooting.
        hard: bool,
    },
    /// `hold`.
    Hold,
    /// `release`.
    Release,
    /// `stop`.
    Stop,
    /// `suspend`.
    Suspend,
    /// `resume`.
    Resume,
    /// `resched`.
    Resched,
    /// `unresched`.
    Unresched,
    /// `one.vm.deploy` (the scheduler's placement or an administrator's).
    Deploy {
        /// The `ACTION` of the VM's last history record before this deploy (`None` without
        /// history): `stop` resumes the disks from the system datastore (PROLOG_RESUME),
        /// `undeploy`/`undeploy-hard` likewise (PROLOG_UNDEPLOY), anything else is a fresh
        /// PROLOG.
        last: H,
    },
    /// `one.vm.migrate`.
    Migrate {
        /// Live migration (only from RUNNING; elsewhere the flag is ignored).
        live: bool,
        /// How a cold migration of a running VM stops it.
        mode: MigrateMode,
    },
    /// `one.vm.recover`.
    Recover {
        /// The operation.
        op: RecoverOp,
        /// What the daemon reads from the VM for it.
        vm: VmFacts,
    },
    /// `one.vm.attach`.
    DiskAttach,
    /// `one.vm.detach`.
    DiskDetach,
    /// `one.vm.attachnic`.
    NicAttach {
        /// The VM's virtualization driver attaches NICs to powered-off VMs itself.
        cold: bool,
    },
    /// `one.vm.detachnic`.
    NicDetach {
        /// The VM's virtualization driver detaches NICs from powered-off VMs itself.
        cold: bool,
    },
    /// `one.vm.snapshotcreate`.
    SnapshotCreate,
    /// `one.vm.snapshotrevert`.
    SnapshotRevert {
        /// The snapshot (for the error message).
        snap_id: i32,
    },
    /// `one.vm.snapshotdelete`.
    SnapshotDelete {
        /// The snapshot (for the error message).
        snap_id: i32,
        /// The VM's virtualization driver keeps snapshots (`KEEP_SNAPSHOTS`): allowed while
        /// powered off too.
        keep_snapshots: bool,
    },
    /// `one.vm.disksnapshotcreate`.
    DiskSnapshotCreate,
    /// `one.vm.disksnapshotrevert`.
    DiskSnapshotRevert,
    /// `one.vm.disksnapshotdelete`.
    DiskSnapshotDelete,
    /// `one.vm.diskresize`.
    DiskResize,
    /// `one.vm.resize`.
    Resize,
    /// `one.vm.disksaveas`.
    DiskSaveas,
    /// `one.vm.updateconf`.
    UpdateConf {
        /// The update changed the context (a running VM then gets a live update).
        context_changed: bool,
    },
    /// `one.vm.backup`.
    Backup,
    /// `one.vm.backupcancel`.
    BackupCancel,
    /// `one.vm.restore`.
    Restore,
}

impl Action {
    /// The action for a `one.vm.action` name (`None`: OpenNebula answers
    /// `Action "<name>" is not supported`).
    pub fn from_action_name(name: &str) -> Option<Action> {
        Some(match name {
            "terminate" => Action::Terminate { hard: false },
            "terminate-hard" => Action::Terminate { hard: true },
            "undeploy" => Action::Undeploy { hard: false },
            "undeploy-hard" => Action::Undeploy { hard: true },
            "poweroff" => Action::Poweroff { hard: false },
            "poweroff-hard" => Action::Poweroff { hard: true },
            "reboot" => Action::Reboot { hard: false },
            "reboot-hard" => Action::Reboot { hard: true },
            "hold" => Action::Hold,
            "release" => Action::Release,
            "stop" => Action::Stop,
            "suspend" => Action::Suspend,
            "resume" => Action::Resume,
            "resched" => Action::Resched,
            "unresched" => Action::Unresched,
            _ => return None,
        })
    }
}

/// `one.vm.migrate`'s type: how a cold migration stops a running VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MigrateMode {
    /// 0: save the memory and restore it on the new host.
    Save,
    /// 1: shut down and boot on the new host.
    Poweroff,
    /// 2: destroy and boot on the new host.
    PoweroffHard,
}

impl MigrateMode {
    /// The mode for the request's number (anything but 1 and 2 is a save, as in OpenNebula).
    pub fn from_code(code: i32) -> MigrateMode {
        match code {
            1 => MigrateMode::Poweroff,
            2 => MigrateMode::PoweroffHard,
            _ => MigrateMode::Save,
        }
    }

    /// The history `ACTION` of a cold migration in this mode.
    pub fn history_action(self) -> H {
        match self {
            MigrateMode::Save => H::Migrate,
            MigrateMode::Poweroff => H::PoweroffMigrate,
            MigrateMode::PoweroffHard => H::PoweroffHardMigrate,
        }
    }
}

/// `one.vm.recover`'s operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecoverOp {
    /// 0: replay the pending driver reply as a failure.
    Failure,
    /// 1: replay the pending driver reply as a success.
    Success,
    /// 2: run the failed or pending driver operation again.
    Retry,
    /// 3: dispose of the VM.
    Delete,
    /// 4: clean up and go back to PENDING, keeping the id.
    DeleteRecreate,
    /// 5: dispose of the VM without touching its host.
    DeleteDb,
}

impl RecoverOp {
    /// The operation for its number (`None`: `Wrong recovery operation code`).
    pub fn from_code(code: i32) -> Option<RecoverOp> {
        Some(match code {
            0 => RecoverOp::Failure,
            1 => RecoverOp::Success,
            2 => RecoverOp::Retry,
            3 => RecoverOp::Delete,
            4 => RecoverOp::DeleteRecreate,
            5 => RecoverOp::DeleteDb,
            _ => return None,
        })
    }

    /// The operation's number.
    pub fn code(self) -> i32 {
        match self {
            RecoverOp::Failure => 0,
            RecoverOp::Success => 1,
            RecoverOp::Retry => 2,
            RecoverOp::Delete => 3,
            RecoverOp::DeleteRecreate => 4,
            RecoverOp::DeleteDb => 5,
        }
    }
}

/// What a recover needs to know about the VM beyond its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VmFacts {
    /// The `ACTION` of the current history record: which boot follows a cold migration's
    /// prolog, and whether a retried shutdown is soft (`terminate`) or a cancel.
    pub action: H,
    /// The system snapshot operation in progress (the VM's snapshot marked `ACTIVE`).
    pub snapshot: Option<SnapshotOp>,
}

impl VmFacts {
    /// No history action and no snapshot in progress.
    pub const NONE: VmFacts = VmFacts { action: H::None, snapshot: None };
}

/// A system snapshot operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotOp {
    /// snapshot-create.
    Create,
    /// snapshot-revert.
    Revert,
    /// snapshot-delete.
    Delete,
}

/// Applies a user action.
pub(super) fn apply(from: Status, action: &Action) -> Result<Step, Denied> {
    match *action {
        Action::Terminate { hard } => terminate(from, hard),
        Action::Undeploy { hard } => undeploy(from, hard),
        Action::Poweroff { hard } => poweroff(from, hard),
        Action::Reboot { hard } => reboot(from, hard),
        Action::Hold => hold(from),
        Action::Release => release(from),
        Action::Stop => stop(from),
        Action::Suspend => suspend(from),
        Action::Resume => resume(from),
        Action::Resched => resched(from, true),
        Action::Unresched => resched(from, false),
        Action::Deploy { last } => deploy(from, last),
        Action::Migrate { live, mode } => migrate(from, live, mode),
        Action::Recover { op, vm } => recover::recover(from, op, vm),
        Action::DiskAttach => hotplug::disk(from, settled(from), Op::DiskAttach),
        Action::DiskDetach => hotplug::disk(from, settled(from), Op::DiskDetach),
        Action::NicAttach { cold } => hotplug::nic(from, settled(from), cold, Op::NicAttach),
        Action::NicDetach { cold } => hotplug::nic(from, settled(from), cold, Op::NicDetach),
        Action::SnapshotCreate => {
            hotplug::snapshot(from, settled(from), false, Op::SnapshotCreate, Reason::SnapshotCreate)
        }
        Action::SnapshotRevert { snap_id } => hotplug::snapshot(
            from,
            settled(from),
            false,
            Op::SnapshotRevert,
            Reason::SnapshotRevert { snap_id },
        ),
        Action::SnapshotDelete { snap_id, keep_snapshots } => hotplug::snapshot(
            from,
            settled(from),
            keep_snapshots,
            Op::SnapshotDelete,
            Reason::SnapshotDelete { snap_id },
        ),
        Action::DiskSnapshotCreate => hotplug::disk_snapshot_create(from, settled(from)),
        Action::DiskSnapshotRevert => hotplug::disk_snapshot_revert(from, settled(from)),
        Action::DiskSnapshotDelete => hotplug::disk_snapshot_delete(from, settled(from)),
        Action::DiskResize => hotplug::disk_resize(from, settled(from)),
        Action::Resize => hotplug::resize(from),
        Action::DiskSaveas => hotplug::saveas(from, settled(from)),
        Action::UpdateConf { context_changed } => hotplug::updateconf(from, context_changed),
        Action::Backup => hotplug::backup(from, settled(from)),
        Action::BackupCancel => hotplug::backup_cancel(from),
        Action::Restore => hotplug::restore(from),
    }
}

fn not_available(from: Status, action: &'static str) -> Result<Step, Denied> {
    refuse(from, ErrorCode::Action, Reason::NotAvailable { action })
}

fn hard_name(hard: bool, soft: &'static str, hard_name: &'static str) -> &'static str {
    if hard { hard_name } else { soft }
}

fn terminate(from: Status, hard: bool) -> Result<Step, Denied> {
    let action = hard_name(hard, "terminate", "terminate-hard");
    match phase(from) {
        Phase::Suspended | Phase::Poweroff => epilog(TmOp::Epilog),
        Phase::Stopped | Phase::Undeployed => epilog(TmOp::EpilogLocal),
        Phase::Init | Phase::Pending | Phase::Hold | Phase::Cloning | Phase::CloningFailure => {
            done(dispose(true))
        }
        Phase::Done => stay(from),
        Phase::Running | Phase::Unknown => shut_down(hard, Vec::new()),
        Phase::PrologFailed(_) | Phase::BootFailed(_) | Phase::EpilogFailed(_) => {
            recover::delete_active(from)
        }
        // A hard terminate overrides a (probably stuck) shutdown.
        Phase::Shutdown(Shutdown::Terminate) if hard => shut_down(true, vec![E::CancelDriver(Driver::Vmm)]),
        phases! {
            Failed, Idle, Prolog(_), Boot(_), LiveMigrate, Save(_), Shutdown(_), Epilog(_), Cleanup(_),
            Hotplug, DiskPoweroff(_), Snapshot, Nic(_), Saveas(_), DiskSnapshot(..), DiskResize(_), Resize,
            Backup(_), Restore, Obsolete
        } => refuse(from, ErrorCode::Action, Reason::CannotTerminate { action }),
    }
}

/// Terminate of a VM that is not running: straight to the epilog.
fn epilog(op: TmOp) -> Result<Step, Denied> {
    step(
        Status::active(L::Epilog),
        vec![E::SetAction(R::Current, H::Terminate), E::Stamp(R::Current, T::EpilogStart), E::Tm(op)],
    )
}

/// Terminate of a running VM (`prefix` cancels an earlier shutdown).
fn shut_down(hard: bool, mut effects: Vec<E>) -> Result<Step, Denied> {
    let (action, op) = if hard { (H::TerminateHard, VmmOp::Cancel) } else { (H::Terminate, VmmOp::Shutdown) };
    effects.extend([E::SetAction(R::Current, action), E::SetResched(false), E::Vmm(op)]);
    step(Status::active(L::Shutdown), effects)
}

fn undeploy(from: Status, hard: bool) -> Result<Step, Denied> {
    let name = hard_name(hard, "undeploy", "undeploy-hard");
    let (action, op) = if hard { (H::UndeployHard, VmmOp::Cancel) } else { (H::Undeploy, VmmOp::Shutdown) };
    let shutdown = |mut effects: Vec<E>| {
        effects.extend([E::SetResched(false), E::SetAction(R::Current, action), E::Vmm(op)]);
        step(Status::active(L::ShutdownUndeploy), effects)
    };
    match phase(from) {
        Phase::Running | Phase::Unknown => shutdown(Vec::new()),
        Phase::Shutdown(Shutdown::Undeploy) if hard => shutdown(vec![E::CancelDriver(Driver::Vmm)]),
        // From POWEROFF the disks go straight to the system datastore (always ACTION undeploy).
        Phase::Poweroff => step(
            Status::active(L::EpilogUndeploy),
            vec![
                E::SetAction(R::Current, H::Undeploy),
                E::Stamp(R::Current, T::EpilogStart),
                E::Tm(TmOp::EpilogStop),
            ],
        ),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Undeployed, Cloning, CloningFailure,
            Idle, Prolog(_), PrologFailed(_), Boot(_), BootFailed(_), LiveMigrate, Save(_), Shutdown(_),
            Epilog(_), EpilogFailed(_), Cleanup(_), Hotplug, DiskPoweroff(_), Snapshot, Nic(_), Saveas(_),
            DiskSnapshot(..), DiskResize(_), Resize, Backup(_), Restore, Obsolete
        } => not_available(from, name),
    }
}

fn poweroff(from: Status, hard: bool) -> Result<Step, Denied> {
    let name = hard_name(hard, "poweroff", "poweroff-hard");
    let (action, op) = if hard { (H::PoweroffHard, VmmOp::Cancel) } else { (H::Poweroff, VmmOp::Shutdown) };
    let shutdown = |mut effects: Vec<E>| {
        effects.extend([E::SetResched(false), E::SetAction(R::Current, action), E::Vmm(op)]);
        step(Status::active(L::ShutdownPoweroff), effects)
    };
    if running_or_unknown(from) {
        shutdown(Vec::new())
    } else if hard && from == Status::active(L::ShutdownPoweroff) {
        shutdown(vec![E::CancelDriver(Driver::Vmm)])
    } else {
        not_available(from, name)
    }
}

fn reboot(from: Status, hard: bool) -> Result<Step, Denied> {
    if !is_running(from) {
        return not_available(from, hard_name(hard, "reboot", "reboot-hard"));
    }
    // Rebooting cancels a pending reschedule.
    step(from, vec![E::Vmm(if hard { VmmOp::Reset } else { VmmOp::Reboot }), E::SetResched(false)])
}

fn hold(from: Status) -> Result<Step, Denied> {
    if from != Status::of(S::Pending) {
        return not_available(from, "hold");
    }
    step(Status::of(S::Hold), Vec::new())
}

fn release(from: Status) -> Result<Step, Denied> {
    if from != Status::of(S::Hold) {
        return not_available(from, "release");
    }
    step(Status::of(S::Pending), vec![E::AutomaticRequirements, E::Schedule])
}

fn stop(from: Status) -> Result<Step, Denied> {
    if is_running(from) {
        step(
            Status::active(L::SaveStop),
            vec![E::SetResched(false), E::SetAction(R::Current, H::Stop), E::Vmm(VmmOp::Save)],
        )
    } else if from == Status::of(S::Suspended) {
        // The memory is already saved: straight to moving the disks off the host.
        step(
            Status::active(L::EpilogStop),
            vec![
                E::SetAction(R::Current, H::Stop),
                E::Stamp(R::Current, T::EpilogStart),
                E::Tm(TmOp::EpilogStop),
            ],
        )
    } else {
        not_available(from, "stop")
    }
}

fn suspend(from: Status) -> Result<Step, Denied> {
    if !is_running(from) {
        return not_available(from, "suspend");
    }
    step(
        Status::active(L::SaveSuspend),
        vec![E::SetResched(false), E::SetAction(R::Current, H::Suspend), E::Vmm(VmmOp::Save)],
    )
}

fn resume(from: Status) -> Result<Step, Denied> {
    // Resuming a powered-off or suspended VM boots it in a new history record.
    let new_record = |op| {
        vec![
            E::Stamp(R::Current, T::End),
            E::CopyHistory,
            E::Stamp(R::Current, T::Start),
            E::Stamp(R::Current, T::RunningStart),
            E::SetAction(R::Current, H::Resume),
            E::Vmm(op),
        ]
    };
    match phase(from) {
        Phase::Stopped | Phase::Undeployed => {
            step(Status::of(S::Pending), vec![E::AutomaticRequirements, E::Schedule])
        }
        Phase::Suspended => step(Status::active(L::BootSuspended), new_record(VmmOp::Restore)),
        Phase::Poweroff => step(Status::active(L::BootPoweroff), new_record(VmmOp::Deploy)),
        Phase::Unknown => step(Status::active(L::BootUnknown), vec![E::Vmm(VmmOp::Deploy)]),
        phases! {
            Init, Pending, Hold, Done, Failed, Cloning, CloningFailure, Idle, Running, Prolog(_),
            PrologFailed(_), Boot(_), BootFailed(_), LiveMigrate, Save(_), Shutdown(_), Epilog(_),
            EpilogFailed(_), Cleanup(_), Hotplug, DiskPoweroff(_), Snapshot, Nic(_), Saveas(_),
            DiskSnapshot(..), DiskResize(_), Resize, Backup(_), Restore, Obsolete
        } => not_available(from, "resume"),
    }
}

fn resched(from: Status, on: bool) -> Result<Step, Denied> {
    if !running_or_unknown(from) && from != Status::of(S::Poweroff) {
        return not_available(from, if on { "resched" } else { "unresched" });
    }
    let effects = if on {
        vec![E::AutomaticRequirements, E::SetResched(true), E::Schedule]
    } else {
        vec![E::SetResched(false)]
    };
    step(from, effects)
}

fn deploy(from: Status, last: H) -> Result<Step, Denied> {
    match phase(from) {
        Phase::Pending | Phase::Hold | Phase::Stopped | Phase::Undeployed => {}
        phases! {
            Init, Suspended, Done, Failed, Poweroff, Cloning, CloningFailure, Idle, Running, Unknown,
            Prolog(_), PrologFailed(_), Boot(_), BootFailed(_), LiveMigrate, Save(_), Shutdown(_),
            Epilog(_), EpilogFailed(_), Cleanup(_), Hotplug, DiskPoweroff(_), Snapshot, Nic(_), Saveas(_),
            DiskSnapshot(..), DiskResize(_), Resize, Backup(_), Restore, Obsolete
        } => return refuse(from, ErrorCode::Action, Reason::Deploy),
    }
    // As OpenNebula: a stop or an undeploy left the disks in the system datastore; any other
    // last action means a fresh copy.
    let (lcm, op) = if last == H::Stop {
        (L::PrologResume, TmOp::PrologResume)
    } else if last == H::Undeploy || last == H::UndeployHard {
        (L::PrologUndeploy, TmOp::PrologResume)
    } else {
        (L::Prolog, TmOp::Prolog)
    };
    step(
        Status::active(lcm),
        vec![
            E::OpenHistory,
            E::Reserve(HostRef::Current),
            E::Stamp(R::Current, T::Start),
            E::Stamp(R::Current, T::PrologStart),
            E::Tm(op),
        ],
    )
}

fn migrate(from: Status, live: bool, mode: MigrateMode) -> Result<Step, Denied> {
    let (lcm, from_unknown) = match phase(from) {
        Phase::Running if live => {
            return step(
                Status::active(L::Migrate),
                vec![
                    E::OpenHistory,
                    E::SetResched(false),
                    E::Reserve(HostRef::Moved),
                    E::Stamp(R::Current, T::Start),
                    E::SetAction(R::Previous, H::LiveMigrate),
                    E::Vmm(VmmOp::Migrate),
                ],
            );
        }
        Phase::Running => {
            let action = mode.history_action();
            let op = match mode {
                MigrateMode::Save => VmmOp::Save,
                MigrateMode::Poweroff => VmmOp::Shutdown,
                MigrateMode::PoweroffHard => VmmOp::Cancel,
            };
            return step(
                Status::active(L::SaveMigrate),
                vec![
                    E::OpenHistory,
                    E::SetResched(false),
                    E::Reserve(HostRef::Moved),
                    E::Stamp(R::Current, T::Start),
                    E::SetAction(R::Current, action),
                    E::SetAction(R::Previous, action),
                    E::Vmm(op),
                ],
            );
        }
        Phase::Poweroff => (L::PrologMigratePoweroff, false),
        Phase::Suspended => (L::PrologMigrateSuspend, false),
        Phase::Unknown => (L::PrologMigrateUnknown, true),
        phases! {
            Init, Pending, Hold, Stopped, Done, Failed, Undeployed, Cloning, CloningFailure, Idle,
            Prolog(_), PrologFailed(_), Boot(_), BootFailed(_), LiveMigrate, Save(_), Shutdown(_),
            Epilog(_), EpilogFailed(_), Cleanup(_), Hotplug, DiskPoweroff(_), Snapshot, Nic(_), Saveas(_),
            DiskSnapshot(..), DiskResize(_), Resize, Backup(_), Restore, Obsolete
        } => return refuse(from, ErrorCode::Action, Reason::Migrate),
    };
    // Not running: the VM moves with its disks, straight to the transfer.
    let mut effects = vec![E::OpenHistory];
    if from_unknown {
        effects.push(E::SetAction(R::Previous, H::Migrate));
    }
    effects.extend([
        E::Stamp(R::Previous, T::RunningEnd),
        E::Stamp(R::Previous, T::End),
        E::SetResched(false),
        E::DropSnapshots { unless_kept: true },
        E::SetAction(R::Current, H::Migrate),
        E::Reserve(HostRef::Moved),
        E::Release(HostRef::Previous),
        E::Stamp(R::Current, T::Start),
        E::Stamp(R::Current, T::PrologStart),
        E::Tm(TmOp::PrologMigrate),
    ]);
    step(Status::active(lcm), effects)
}

/// ACTIVE/RUNNING.
pub(super) fn is_running(from: Status) -> bool {
    from == Status::active(L::Running)
}

/// ACTIVE/RUNNING or ACTIVE/UNKNOWN.
fn running_or_unknown(from: Status) -> bool {
    from == Status::active(L::Running) || from == Status::active(L::Unknown)
}

/// The status an operation returns to, set directly (no dispatch-manager completion).
pub(super) fn base_status(base: Base) -> Status {
    match base {
        Base::Running => Status::active(L::Running),
        Base::Poweroff => Status::of(S::Poweroff),
        Base::Suspended => Status::of(S::Suspended),
        Base::Undeployed => Status::of(S::Undeployed),
        Base::Stopped => Status::of(S::Stopped),
    }
}
