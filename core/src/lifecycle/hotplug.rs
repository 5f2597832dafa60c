//! Operations on a deployed VM that leave it where it is (OpenNebula's dispatch manager:
//! disk and NIC hotplug, system and disk snapshots, disk resize, capacity resize, disk
//! save-as, configuration update, backup and restore).

use super::actions::is_running;
use super::effects::{Effect as E, HostRef, Op, Record as R, Stamp as T, TmOp, VmmOp};
use super::history::HistoryAction as H;
use super::phase::{Base, Boot, Epilog, Phase, Prolog, phase, phases};
use super::{Denied, Reason, Status, Step, refuse, stay, step};
use crate::error::ErrorCode;
use crate::states::{LcmState as L, VmState as S};

/// The settled state a hotplug operation can start from and return to: RUNNING, POWEROFF,
/// SUSPENDED, UNDEPLOYED or STOPPED.
pub(super) fn settled(from: Status) -> Option<Base> {
    match phase(from) {
        Phase::Running => Some(Base::Running),
        Phase::Poweroff => Some(Base::Poweroff),
        Phase::Suspended => Some(Base::Suspended),
        Phase::Undeployed => Some(Base::Undeployed),
        Phase::Stopped => Some(Base::Stopped),
        phases! {
            Init, Pending, Hold, Done, Failed, Cloning, CloningFailure, Idle, Unknown, Prolog(_),
            PrologFailed(_), Boot(_), BootFailed(_), LiveMigrate, Save(_), Shutdown(_), Epilog(_),
            EpilogFailed(_), Cleanup(_), Hotplug, DiskPoweroff(_), Snapshot, Nic(_), Saveas(_),
            DiskSnapshot(..), DiskResize(_), Resize, Backup(_), Restore, Obsolete
        } => None,
    }
}

pub(super) fn disk(from: Status, base: Option<Base>, op: Op) -> Result<Step, Denied> {
    let (action, reason) = if op == Op::DiskAttach {
        (H::DiskAttach, Reason::DiskAttach)
    } else {
        (H::DiskDetach, Reason::DiskDetach)
    };
    let effects = |driver| vec![E::SetResched(false), E::Begin(op), E::CloseAndCopyHistory(action), driver];
    match base {
        Some(Base::Running) => {
            let driver = if op == Op::DiskAttach { VmmOp::AttachDisk } else { VmmOp::DetachDisk };
            step(Status::active(L::Hotplug), effects(E::Vmm(driver)))
        }
        Some(Base::Poweroff) => {
            let (lcm, driver) = if op == Op::DiskAttach {
                (L::HotplugPrologPoweroff, TmOp::PrologAttach)
            } else {
                (L::HotplugEpilogPoweroff, TmOp::EpilogDetach)
            };
            step(Status::active(lcm), effects(E::Tm(driver)))
        }
        Some(Base::Suspended | Base::Undeployed | Base::Stopped) | None => {
            refuse(from, ErrorCode::Action, reason)
        }
    }
}

pub(super) fn nic(from: Status, base: Option<Base>, cold: bool, op: Op) -> Result<Step, Denied> {
    let (action, reason) = if op == Op::NicAttach {
        (H::NicAttach, Reason::NicAttach)
    } else {
        (H::NicDetach, Reason::NicDetach)
    };
    let mut effects = vec![E::SetResched(false), E::Begin(op), E::CloseAndCopyHistory(action)];
    match base {
        Some(Base::Running) => {
            effects.push(E::Vmm(if op == Op::NicAttach { VmmOp::AttachNic } else { VmmOp::DetachNic }));
            step(Status::active(L::HotplugNic), effects)
        }
        Some(Base::Poweroff) if cold => {
            effects.push(E::Vmm(if op == Op::NicAttach { VmmOp::AttachNic } else { VmmOp::DetachNic }));
            step(Status::active(L::HotplugNicPoweroff), effects)
        }
        // The driver has nothing to do for a powered-off VM: done at once.
        Some(Base::Poweroff) => {
            effects.push(E::Commit(op));
            if op == Op::NicAttach {
                effects.push(E::Stamp(R::Current, T::RunningEnd));
            }
            step(from, effects)
        }
        Some(Base::Suspended | Base::Undeployed | Base::Stopped) | None => {
            refuse(from, ErrorCode::Action, reason)
        }
    }
}

pub(super) fn snapshot(
    from: Status,
    base: Option<Base>,
    keep: bool,
    op: Op,
    reason: Reason,
) -> Result<Step, Denied> {
    let driver = if op == Op::SnapshotCreate {
        VmmOp::SnapshotCreate
    } else if op == Op::SnapshotRevert {
        VmmOp::SnapshotRevert
    } else {
        VmmOp::SnapshotDelete
    };
    let effects = vec![E::Begin(op), E::SetResched(false), E::Vmm(driver)];
    match base {
        Some(Base::Running) => step(Status::active(L::HotplugSnapshot), effects),
        // Deviation: OpenNebula sets only LCM_STATE=HOTPLUG_SNAPSHOT on the POWEROFF VM; we
        // keep POWEROFF/LCM_INIT and accept the reply there (see the module doc).
        Some(Base::Poweroff) if keep && op == Op::SnapshotDelete => step(from, effects),
        Some(Base::Poweroff | Base::Suspended | Base::Undeployed | Base::Stopped) | None => {
            refuse(from, ErrorCode::Action, reason)
        }
    }
}

pub(super) fn disk_snapshot_create(from: Status, base: Option<Base>) -> Result<Step, Denied> {
    let (lcm, driver) = match base {
        Some(Base::Poweroff) => (L::DiskSnapshotPoweroff, E::Tm(TmOp::SnapshotCreate)),
        Some(Base::Suspended) => (L::DiskSnapshotSuspended, E::Tm(TmOp::SnapshotCreate)),
        Some(Base::Running) => (L::DiskSnapshot, E::Vmm(VmmOp::DiskSnapshotCreate)),
        Some(Base::Undeployed | Base::Stopped) | None => {
            return refuse(from, ErrorCode::Action, Reason::SnapshotCreate);
        }
    };
    step(
        Status::active(lcm),
        vec![E::Begin(Op::DiskSnapshotCreate), E::CloseAndCopyHistory(H::DiskSnapshotCreate), driver],
    )
}

pub(super) fn disk_snapshot_revert(from: Status, base: Option<Base>) -> Result<Step, Denied> {
    match base {
        Some(Base::Poweroff) => step(
            Status::active(L::DiskSnapshotRevertPoweroff),
            vec![
                E::Begin(Op::DiskSnapshotRevert),
                E::CloseAndCopyHistory(H::DiskSnapshotRevert),
                E::Tm(TmOp::SnapshotRevert),
            ],
        ),
        Some(Base::Running | Base::Suspended | Base::Undeployed | Base::Stopped) | None => {
            refuse(from, ErrorCode::Action, Reason::DiskSnapshotRevert)
        }
    }
}

pub(super) fn disk_snapshot_delete(from: Status, base: Option<Base>) -> Result<Step, Denied> {
    let lcm = match base {
        Some(Base::Poweroff) => L::DiskSnapshotDeletePoweroff,
        Some(Base::Suspended) => L::DiskSnapshotDeleteSuspended,
        Some(Base::Running) => L::DiskSnapshotDelete,
        Some(Base::Undeployed | Base::Stopped) | None => {
            return refuse(from, ErrorCode::Action, Reason::DiskSnapshotDelete);
        }
    };
    // The transfer manager deletes the snapshot even on a running VM.
    step(
        Status::active(lcm),
        vec![
            E::Begin(Op::DiskSnapshotDelete),
            E::CloseAndCopyHistory(H::DiskSnapshotDelete),
            E::Tm(TmOp::SnapshotDelete),
        ],
    )
}

pub(super) fn disk_resize(from: Status, base: Option<Base>) -> Result<Step, Denied> {
    let history = E::CloseAndCopyHistory(H::DiskResize);
    let (lcm, effects) = match base {
        Some(Base::Poweroff) => (L::DiskResizePoweroff, vec![history, E::Tm(TmOp::DiskResize)]),
        // An undeployed VM has no running record to close.
        Some(Base::Undeployed) => (L::DiskResizeUndeployed, vec![E::Tm(TmOp::DiskResize)]),
        Some(Base::Running) => (L::DiskResize, vec![history, E::Vmm(VmmOp::DiskResize)]),
        Some(Base::Suspended | Base::Stopped) | None => {
            return refuse(from, ErrorCode::Action, Reason::DiskResize);
        }
    };
    let mut all = vec![E::Begin(Op::DiskResize)];
    all.extend(effects);
    step(Status::active(lcm), all)
}

pub(super) fn resize(from: Status) -> Result<Step, Denied> {
    // The new capacity replaces the old one on the host the VM is counted on.
    let on_host = || vec![E::Release(HostRef::Current), E::Begin(Op::Resize), E::Reserve(HostRef::Current)];
    match phase(from) {
        phases! {
            Init, Pending, Hold, Undeployed, Cloning, CloningFailure
        } => step(from, vec![E::Begin(Op::Resize)]),
        Phase::Poweroff => {
            let mut effects = on_host();
            effects.push(E::CloseAndCopyHistory(H::Resize));
            step(from, effects)
        }
        Phase::Running => {
            let mut effects = on_host();
            effects.extend([E::SetResched(false), E::CloseAndCopyHistory(H::Resize), E::Vmm(VmmOp::Resize)]);
            step(Status::active(L::HotplugResize), effects)
        }
        phases! {
            Stopped, Suspended, Done, Failed, Idle, Unknown, Prolog(_), PrologFailed(_), Boot(_),
            BootFailed(_), LiveMigrate, Save(_), Shutdown(_), Epilog(_), EpilogFailed(_), Cleanup(_),
            Hotplug, DiskPoweroff(_), Snapshot, Nic(_), Saveas(_), DiskSnapshot(..), DiskResize(_), Resize,
            Backup(_), Restore, Obsolete
        } => refuse(from, ErrorCode::Action, Reason::Resize),
    }
}

pub(super) fn saveas(from: Status, base: Option<Base>) -> Result<Step, Denied> {
    let lcm = match base {
        Some(Base::Running) => L::HotplugSaveas,
        Some(Base::Poweroff) => L::HotplugSaveasPoweroff,
        Some(Base::Suspended) => L::HotplugSaveasSuspended,
        Some(Base::Undeployed) => L::HotplugSaveasUndeployed,
        Some(Base::Stopped) => L::HotplugSaveasStopped,
        None => return refuse(from, ErrorCode::Internal, Reason::DiskSaveas),
    };
    step(Status::active(lcm), vec![E::Begin(Op::Saveas), E::Tm(TmOp::SaveAs)])
}

pub(super) fn updateconf(from: Status, context_changed: bool) -> Result<Step, Denied> {
    if !updatable(phase(from)) {
        return refuse(from, ErrorCode::Internal, Reason::UpdateConf);
    }
    if is_running(from) && context_changed {
        return step(Status::active(L::Hotplug), vec![E::SetResched(false), E::Vmm(VmmOp::UpdateConf)]);
    }
    stay(from)
}

/// The states `one.vm.updateconf` accepts (`VirtualMachine::updateconf`): not running on a
/// host, or running without an operation that reads the configuration.
fn updatable(phase: Phase) -> bool {
    match phase {
        phases! {
            Pending, Hold, Poweroff, Undeployed, Cloning, CloningFailure, Idle, Running, Shutdown(_),
            Cleanup(_), DiskPoweroff(_), Saveas(Base::Poweroff)
        } => true,
        Phase::Prolog(kind) | Phase::PrologFailed(kind) => updatable_prolog(kind),
        Phase::Epilog(kind) => match kind {
            Epilog::Terminate | Epilog::Undeploy => true,
            Epilog::Stop => false,
        },
        Phase::EpilogFailed(kind) => match kind {
            Epilog::Terminate | Epilog::Undeploy => true,
            Epilog::Stop => false,
        },
        Phase::BootFailed(kind) => match kind {
            Boot::Deploy | Boot::Undeploy => true,
            Boot::Migrate | Boot::Stopped | Boot::Poweroff | Boot::Suspended | Boot::Unknown => false,
        },
        Phase::DiskSnapshot(_, base) => base == Base::Poweroff,
        phases! {
            Init, Stopped, Suspended, Done, Failed, Unknown, Boot(_), LiveMigrate, Save(_), Hotplug,
            Snapshot, Nic(_), Saveas(_), DiskResize(_), Resize, Backup(_), Restore, Obsolete
        } => false,
    }
}

/// Which prologs, running or failed, accept a configuration update.
fn updatable_prolog(kind: Prolog) -> bool {
    match kind {
        Prolog::Deploy | Prolog::Undeploy | Prolog::MigratePoweroff => true,
        Prolog::Resume | Prolog::Migrate | Prolog::MigrateSuspend | Prolog::MigrateUnknown => false,
    }
}

pub(super) fn backup(from: Status, base: Option<Base>) -> Result<Step, Denied> {
    let lcm = match base {
        Some(Base::Running) => L::Backup,
        Some(Base::Poweroff) => L::BackupPoweroff,
        Some(Base::Suspended | Base::Undeployed | Base::Stopped) | None => {
            return refuse(from, ErrorCode::Action, Reason::Backup);
        }
    };
    step(
        Status::active(lcm),
        vec![
            E::Begin(Op::Backup),
            E::SetResched(false),
            E::CloseAndCopyHistory(H::Backup),
            E::Vmm(VmmOp::Backup),
        ],
    )
}

pub(super) fn backup_cancel(from: Status) -> Result<Step, Denied> {
    if from == Status::active(L::Backup) || from == Status::active(L::BackupPoweroff) {
        step(from, vec![E::Vmm(VmmOp::BackupCancel)])
    } else {
        refuse(from, ErrorCode::Action, Reason::BackupCancel)
    }
}

pub(super) fn restore(from: Status) -> Result<Step, Denied> {
    if from != Status::of(S::Poweroff) {
        return refuse(from, ErrorCode::Action, Reason::Restore);
    }
    step(
        Status::active(L::Restore),
        vec![E::Begin(Op::Restore), E::CloseAndCopyHistory(H::Restore), E::Tm(TmOp::Restore)],
    )
}
