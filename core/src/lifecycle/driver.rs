//! Driver replies (OpenNebula's `LifeCycleStates.cc` and the dispatch manager's completions in
//! `DispatchManagerStates.cc`): what each reply does in each state, and the steps shared with
//! the user actions (disposing of a VM, resubmitting it, moving it between hosts).

use super::actions::base_status;
use super::effects::{Effect as E, HostRef, Op, Record as R, Stamp as T, TmOp, VmmOp};
use super::history::HistoryAction as H;
use super::phase::{
    Base, Boot, Cleanup, DiskChange, DiskSnap, Epilog, Phase, Prolog, Save, Shutdown, phases,
};
use super::{Denied, SnapshotOp, Status, Step, ignore, stay, step};
use crate::states::{LcmState as L, VmState as S};

fn pick(ok: bool, yes: &'static str, no: &'static str) -> &'static str {
    if ok { yes } else { no }
}

fn commit(ok: bool, op: Op) -> E {
    if ok { E::Commit(op) } else { E::Rollback(op) }
}

/// Disposing of a VM (OpenNebula's `free_vm_resources`), to be followed by DONE.
pub(super) fn dispose(check_images: bool) -> Vec<E> {
    vec![
        E::CloseHistory,
        E::ReleaseLeases,
        E::ReleaseImages { check_state: check_images },
        E::SetExitTime,
        E::DisposeExtras,
    ]
}

/// The VM is DONE after `effects`.
pub(super) fn done(effects: Vec<E>) -> Result<Step, Denied> {
    step(Status::of(S::Done), effects)
}

/// Back to PENDING after a delete-recreate's clean-up.
pub(super) fn resubmit() -> Result<Step, Denied> {
    step(Status::of(S::Pending), vec![E::ClearDeployId, E::Schedule])
}

/// Return to `base`. `via_dm`: through the dispatch manager's completion, which closes the
/// running period (POWEROFF, SUSPENDED) or records why the disks left the host (UNDEPLOYED,
/// STOPPED); otherwise the state is set directly.
pub(super) fn settle(base: Base, mut effects: Vec<E>, via_dm: bool) -> Result<Step, Denied> {
    if via_dm {
        match base {
            Base::Running => {}
            Base::Poweroff | Base::Suspended => effects.push(E::Stamp(R::Current, T::RunningEnd)),
            Base::Undeployed => effects.push(E::SetActionIfNone(R::Current, H::Undeploy)),
            Base::Stopped => effects.push(E::SetActionIfNone(R::Current, H::Stop)),
        }
    }
    step(base_status(base), effects)
}

/// The memory is saved (or the VM shut down) on the source host: move the disks.
pub(super) fn start_prolog_migrate(mut effects: Vec<E>) -> Result<Step, Denied> {
    effects.extend([
        E::Stamp(R::Previous, T::End),
        E::Stamp(R::Previous, T::RunningEnd),
        E::Stamp(R::Current, T::PrologStart),
        E::Release(HostRef::Previous),
        E::Tm(TmOp::PrologMigrate),
    ]);
    step(Status::active(L::PrologMigrate), effects)
}

/// A migration failed before the VM left its source host: keep it running there, in a new
/// record copied from the source's.
fn revert_migrate(log: &'static str) -> Result<Step, Denied> {
    step(
        Status::active(L::Running),
        vec![
            E::Stamp(R::Current, T::End),
            E::Release(HostRef::Moved),
            E::Stamp(R::Previous, T::End),
            E::Stamp(R::Previous, T::RunningEnd),
            E::CopyPreviousHistory,
            E::Stamp(R::Current, T::Start),
            E::Stamp(R::Current, T::RunningStart),
            E::Log(log),
        ],
    )
}

const SAVE_FAILED: &str = "Fail to save VM state while migrating. Assuming that the VM is still RUNNING.";

pub(super) fn save(p: Phase, ok: bool) -> Result<Step, Denied> {
    let kind = match p {
        Phase::Save(kind) => kind,
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Boot(..), BootFailed(..),
            LiveMigrate, Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug,
            DiskPoweroff(..), Snapshot, Nic(..), Saveas(..), DiskSnapshot(..), DiskResize(..), Resize,
            Backup(..), Restore, Obsolete
        } => {
            return ignore(Some(pick(
                ok,
                "save_success_action, VM in a wrong state",
                "save_failure_action, VM in a wrong state",
            )));
        }
    };
    let drop = E::DropSnapshots { unless_kept: true };
    match (kind, ok) {
        (Save::Migrate, true) => start_prolog_migrate(vec![drop]),
        (Save::Migrate, false) => revert_migrate(SAVE_FAILED),
        (Save::Suspend, true) => settle(Base::Suspended, vec![drop], true),
        (Save::Stop, true) => step(
            Status::active(L::EpilogStop),
            vec![
                drop,
                E::Stamp(R::Current, T::EpilogStart),
                E::Stamp(R::Current, T::RunningEnd),
                E::Tm(TmOp::EpilogStop),
            ],
        ),
        (Save::Suspend | Save::Stop, false) => step(
            Status::active(L::Running),
            vec![
                E::SetAction(R::Current, H::None),
                E::Log("Fail to save VM state. Assuming that the VM is still RUNNING."),
            ],
        ),
    }
}

pub(super) fn boot(from: Status, p: Phase, ok: bool) -> Result<Step, Denied> {
    match p {
        Phase::LiveMigrate if ok => step(
            Status::active(L::Running),
            vec![
                E::Stamp(R::Current, T::RunningStart),
                E::Stamp(R::Previous, T::End),
                E::Stamp(R::Previous, T::RunningEnd),
                E::Release(HostRef::Previous),
                E::DropSnapshots { unless_kept: true },
            ],
        ),
        Phase::LiveMigrate => {
            revert_migrate("Fail to live migrate VM. Assuming that the VM is still RUNNING.")
        }
        Phase::Boot(_) | Phase::BootFailed(_) if ok => step(
            Status::active(L::Running),
            vec![
                E::SetAction(R::Current, H::None),
                E::Unstamp(R::Current, T::End),
                E::Unstamp(R::Current, T::RunningEnd),
            ],
        ),
        Phase::Boot(kind) => {
            let mut effects = Vec::new();
            let next = match kind {
                Boot::Deploy => Status::active(L::BootFailure),
                Boot::Migrate => Status::active(L::BootMigrateFailure),
                Boot::Unknown => Status::active(L::Unknown),
                Boot::Poweroff => Status::of(S::Poweroff),
                Boot::Suspended => Status::of(S::Suspended),
                Boot::Stopped => {
                    effects.push(E::Stamp(R::Current, T::End));
                    Status::active(L::BootStoppedFailure)
                }
                Boot::Undeploy => {
                    effects.push(E::Stamp(R::Current, T::End));
                    Status::active(L::BootUndeployFailure)
                }
            };
            effects.push(E::Stamp(R::Current, T::RunningEnd));
            step(next, effects)
        }
        // A recover failure in a failure state stays there.
        Phase::BootFailed(_) => step(from, vec![E::Stamp(R::Current, T::RunningEnd)]),
        // OpenNebula drops a boot report for a running VM silently.
        Phase::Running if ok => ignore(None),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Save(..), Shutdown(..),
            Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug, DiskPoweroff(..), Snapshot, Nic(..),
            Saveas(..), DiskSnapshot(..), DiskResize(..), Resize, Backup(..), Restore, Obsolete
        } => ignore(Some(pick(
            ok,
            "deploy_success_action, VM in a wrong state",
            "deploy_failure_action, VM in a wrong state",
        ))),
    }
}

pub(super) fn shutdown(p: Phase, ok: bool) -> Result<Step, Denied> {
    let drop = E::DropSnapshots { unless_kept: true };
    match p {
        Phase::Shutdown(kind) if ok => match kind {
            Shutdown::Terminate => step(
                Status::active(L::Epilog),
                vec![
                    drop,
                    E::Stamp(R::Current, T::EpilogStart),
                    E::Stamp(R::Current, T::RunningEnd),
                    E::Tm(TmOp::Epilog),
                ],
            ),
            Shutdown::Poweroff => settle(Base::Poweroff, vec![drop], true),
            Shutdown::Undeploy => step(
                Status::active(L::EpilogUndeploy),
                vec![
                    drop,
                    E::Stamp(R::Current, T::EpilogStart),
                    E::Stamp(R::Current, T::RunningEnd),
                    E::Tm(TmOp::EpilogStop),
                ],
            ),
        },
        Phase::Shutdown(_) => step(
            Status::active(L::Running),
            vec![
                E::SetAction(R::Current, H::None),
                E::Log("Fail to shutdown VM. Assuming that the VM is still RUNNING."),
            ],
        ),
        // A poweroff migration shuts the VM down instead of saving it.
        Phase::Save(Save::Migrate) if ok => start_prolog_migrate(vec![drop]),
        Phase::Save(Save::Migrate) => revert_migrate(SAVE_FAILED),
        phases! {
            Save(Save::Stop | Save::Suspend), Init, Pending, Hold, Stopped, Suspended, Done, Failed,
            Poweroff, Undeployed, Cloning, CloningFailure, Idle, Running, Unknown, Prolog(..),
            PrologFailed(..), Boot(..), BootFailed(..), LiveMigrate, Epilog(..), EpilogFailed(..),
            Cleanup(..), Hotplug, DiskPoweroff(..), Snapshot, Nic(..), Saveas(..), DiskSnapshot(..),
            DiskResize(..), Resize, Backup(..), Restore, Obsolete
        } => ignore(Some(pick(
            ok,
            "shutdown_success_action, VM in a wrong state",
            "shutdown_failure_action, VM in a wrong state",
        ))),
    }
}

/// The status of a failed prolog.
fn prolog_failed_status(kind: Prolog) -> Status {
    Status::active(match kind {
        Prolog::Deploy => L::PrologFailure,
        Prolog::Resume => L::PrologResumeFailure,
        Prolog::Undeploy => L::PrologUndeployFailure,
        Prolog::Migrate => L::PrologMigrateFailure,
        Prolog::MigratePoweroff => L::PrologMigratePoweroffFailure,
        Prolog::MigrateSuspend => L::PrologMigrateSuspendFailure,
        Prolog::MigrateUnknown => L::PrologMigrateUnknownFailure,
    })
}

pub(super) fn prolog(from: Status, p: Phase, ok: bool, action: H) -> Result<Step, Denied> {
    match p {
        Phase::Prolog(kind) | Phase::PrologFailed(kind) if ok => prolog_done(kind, action, Vec::new()),
        Phase::Prolog(kind) => step(prolog_failed_status(kind), Vec::new()),
        Phase::PrologFailed(kind) => match kind {
            // A recover failure of a failed migration goes back to the source host and
            // completes there (the copied record has no ACTION, so a cold migration restores).
            Prolog::Migrate | Prolog::MigratePoweroff | Prolog::MigrateSuspend | Prolog::MigrateUnknown => {
                let back = vec![
                    E::Stamp(R::Current, T::PrologEnd),
                    E::Stamp(R::Current, T::End),
                    E::Release(HostRef::Moved),
                    E::CopyPreviousHistory,
                    E::Stamp(R::Current, T::Start),
                    E::Stamp(R::Current, T::PrologStart),
                    E::Reserve(HostRef::Moved),
                ];
                prolog_done(kind, H::None, back)
            }
            Prolog::Deploy | Prolog::Resume | Prolog::Undeploy => stay(from),
        },
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Boot(..), BootFailed(..), LiveMigrate, Save(..),
            Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug, DiskPoweroff(..), Snapshot,
            Nic(..), Saveas(..), DiskSnapshot(..), DiskResize(..), Resize, Backup(..), Restore, Obsolete
        } => ignore(Some(pick(
            ok,
            "prolog_success_action, VM in a wrong state",
            "prolog_failure_action, VM in a wrong state",
        ))),
    }
}

/// The disks are in place: boot (or settle, for a VM migrated while off or suspended).
fn prolog_done(kind: Prolog, action: H, mut effects: Vec<E>) -> Result<Step, Denied> {
    let (lcm, op) = match kind {
        Prolog::Resume => (L::BootStopped, VmmOp::Restore),
        Prolog::Undeploy => (L::BootUndeploy, VmmOp::Deploy),
        Prolog::Migrate if action == H::PoweroffMigrate || action == H::PoweroffHardMigrate => {
            (L::Boot, VmmOp::Deploy)
        }
        Prolog::Migrate => (L::BootMigrate, VmmOp::Restore),
        Prolog::MigrateUnknown | Prolog::Deploy => (L::Boot, VmmOp::Deploy),
        Prolog::MigratePoweroff | Prolog::MigrateSuspend => {
            effects.extend([E::DropSnapshots { unless_kept: true }, E::Stamp(R::Current, T::PrologEnd)]);
            let base = if kind == Prolog::MigratePoweroff { Base::Poweroff } else { Base::Suspended };
            return settle(base, effects, true);
        }
    };
    effects.extend([E::Stamp(R::Current, T::PrologEnd), E::Stamp(R::Current, T::RunningStart), E::Vmm(op)]);
    step(Status::active(lcm), effects)
}

/// The status of a failed epilog.
fn epilog_failed_status(kind: Epilog) -> Status {
    Status::active(match kind {
        Epilog::Terminate => L::EpilogFailure,
        Epilog::Stop => L::EpilogStopFailure,
        Epilog::Undeploy => L::EpilogUndeployFailure,
    })
}

pub(super) fn epilog(from: Status, p: Phase, ok: bool) -> Result<Step, Denied> {
    match p {
        Phase::Cleanup(Cleanup::Resubmit) => resubmit(),
        Phase::Epilog(kind) | Phase::EpilogFailed(kind) if ok => {
            let mut effects = vec![
                E::Stamp(R::Current, T::EpilogEnd),
                E::Stamp(R::Current, T::End),
                E::Release(HostRef::Current),
            ];
            match kind {
                Epilog::Stop => settle(Base::Stopped, effects, true),
                Epilog::Undeploy => settle(Base::Undeployed, effects, true),
                Epilog::Terminate => {
                    effects.extend(dispose(true));
                    done(effects)
                }
            }
        }
        Phase::Epilog(kind) => step(epilog_failed_status(kind), Vec::new()),
        Phase::EpilogFailed(_) => stay(from),
        phases! {
            Cleanup(Cleanup::Delete), Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff,
            Undeployed, Cloning, CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..),
            Boot(..), BootFailed(..), LiveMigrate, Save(..), Shutdown(..), Hotplug, DiskPoweroff(..),
            Snapshot, Nic(..), Saveas(..), DiskSnapshot(..), DiskResize(..), Resize, Backup(..), Restore,
            Obsolete
        } => ignore(Some(pick(
            ok,
            "epilog_success_action, VM in a wrong state",
            "epilog_failure_action, VM in a wrong state",
        ))),
    }
}

pub(super) fn disk(p: Phase, ok: bool, change: DiskChange) -> Result<Step, Denied> {
    let op = match change {
        DiskChange::Attach => Op::DiskAttach,
        DiskChange::Detach => Op::DiskDetach,
    };
    let wrong = match (change, ok) {
        (DiskChange::Attach, true) => "attach_success_action, VM in a wrong state",
        (DiskChange::Attach, false) => "attach_failure_action, VM in a wrong state",
        (DiskChange::Detach, true) => "detach_success_action, VM in a wrong state",
        (DiskChange::Detach, false) => "detach_failure_action, VM in a wrong state",
    };
    match p {
        Phase::Hotplug => step(Status::active(L::Running), vec![commit(ok, op)]),
        Phase::DiskPoweroff(c) if c == change => settle(Base::Poweroff, vec![commit(ok, op)], true),
        phases! {
            DiskPoweroff(..), Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed,
            Cloning, CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Boot(..),
            BootFailed(..), LiveMigrate, Save(..), Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..),
            Snapshot, Nic(..), Saveas(..), DiskSnapshot(..), DiskResize(..), Resize, Backup(..), Restore,
            Obsolete
        } => ignore(Some(wrong)),
    }
}

pub(super) fn nic(p: Phase, ok: bool, op: Op) -> Result<Step, Denied> {
    let wrong = match (op == Op::NicAttach, ok) {
        (true, true) => "attach_nic_success_action, VM in a wrong state",
        (true, false) => "attach_nic_failure_action, VM in a wrong state",
        (false, true) => "detach_nic_success_action, VM in a wrong state",
        (false, false) => "detach_nic_failure_action, VM in a wrong state",
    };
    match p {
        Phase::Nic(base) => settle(base, vec![commit(ok, op)], true),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Boot(..), BootFailed(..),
            LiveMigrate, Save(..), Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug,
            DiskPoweroff(..), Snapshot, Saveas(..), DiskSnapshot(..), DiskResize(..), Resize, Backup(..),
            Restore, Obsolete
        } => ignore(Some(wrong)),
    }
}

pub(super) fn snapshot(from: Status, p: Phase, op: SnapshotOp, ok: bool) -> Result<Step, Denied> {
    let op_kind = match op {
        SnapshotOp::Create => Op::SnapshotCreate,
        SnapshotOp::Revert => Op::SnapshotRevert,
        SnapshotOp::Delete => Op::SnapshotDelete,
    };
    let wrong = match (op, ok) {
        (SnapshotOp::Create, true) => "snapshot_create_success, VM in a wrong state",
        (SnapshotOp::Create, false) => "snapshot_create_failure, VM in a wrong state",
        // OpenNebula handles a failed revert as a successful one.
        (SnapshotOp::Revert, true | false) => "snapshot_revert_success, VM in a wrong state",
        (SnapshotOp::Delete, true) => "snapshot_delete_success, VM in a wrong state",
        (SnapshotOp::Delete, false) => "snapshot_delete_failure, VM in a wrong state",
    };
    match p {
        Phase::Snapshot => step(Status::active(L::Running), vec![commit(ok, op_kind)]),
        // Our POWEROFF snapshot-delete (see the module doc).
        Phase::Poweroff if op == SnapshotOp::Delete => step(from, vec![commit(ok, op_kind)]),
        phases! {
            Poweroff, Init, Pending, Hold, Stopped, Suspended, Done, Failed, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Boot(..), BootFailed(..),
            LiveMigrate, Save(..), Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug,
            DiskPoweroff(..), Nic(..), Saveas(..), DiskSnapshot(..), DiskResize(..), Resize, Backup(..),
            Restore, Obsolete
        } => ignore(Some(wrong)),
    }
}

pub(super) fn disk_snapshot(p: Phase, ok: bool) -> Result<Step, Denied> {
    let (kind, base) = match p {
        Phase::DiskSnapshot(kind, base) => (kind, base),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Boot(..), BootFailed(..),
            LiveMigrate, Save(..), Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug,
            DiskPoweroff(..), Snapshot, Nic(..), Saveas(..), DiskResize(..), Resize, Backup(..), Restore,
            Obsolete
        } => {
            return ignore(Some(pick(
                ok,
                "disk_snapshot_success, VM in a wrong state",
                "disk_snapshot_failure, VM in a wrong state",
            )));
        }
    };
    let op = match kind {
        DiskSnap::Create => Op::DiskSnapshotCreate,
        DiskSnap::Revert => Op::DiskSnapshotRevert,
        DiskSnap::Delete => Op::DiskSnapshotDelete,
    };
    settle(base, vec![commit(ok, op)], true)
}

pub(super) fn disk_resize(p: Phase, ok: bool) -> Result<Step, Denied> {
    match p {
        Phase::DiskResize(base) => settle(base, vec![commit(ok, Op::DiskResize)], true),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Boot(..), BootFailed(..),
            LiveMigrate, Save(..), Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug,
            DiskPoweroff(..), Snapshot, Nic(..), Saveas(..), DiskSnapshot(..), Resize, Backup(..), Restore,
            Obsolete
        } => ignore(Some(pick(
            ok,
            "disk_resize_success, VM in a wrong state",
            "disk_resize_failure, VM in a wrong state",
        ))),
    }
}

pub(super) fn saveas(p: Phase, ok: bool) -> Result<Step, Denied> {
    match p {
        // The saved-as states are left directly, without the dispatch manager's completion.
        Phase::Saveas(base) => settle(base, vec![commit(ok, Op::Saveas)], false),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Boot(..), BootFailed(..),
            LiveMigrate, Save(..), Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug,
            DiskPoweroff(..), Snapshot, Nic(..), DiskSnapshot(..), DiskResize(..), Resize, Backup(..),
            Restore, Obsolete
        } => ignore(Some(pick(
            ok,
            "saveas_success_action, VM in a wrong state",
            "saveas_failure_action, VM in a wrong state",
        ))),
    }
}

pub(super) fn resize(from: Status, p: Phase, ok: bool) -> Result<Step, Denied> {
    match p {
        Phase::Resize if ok => step(Status::active(L::Running), vec![E::Commit(Op::Resize)]),
        // The old capacity goes back on the host.
        Phase::Resize => step(
            Status::active(L::Running),
            vec![E::Release(HostRef::Current), E::Rollback(Op::Resize), E::Reserve(HostRef::Current)],
        ),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Boot(..), BootFailed(..),
            LiveMigrate, Save(..), Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug,
            DiskPoweroff(..), Snapshot, Nic(..), Saveas(..), DiskSnapshot(..), DiskResize(..), Backup(..),
            Restore, Obsolete
        } => {
            if ok {
                ignore(Some("hotplug_resize_success, VM in a wrong state"))
            } else {
                ignore(Some(&format!("hotplug resize fails, VM in a wrong state: {}", from.name())))
            }
        }
    }
}

pub(super) fn cleanup_done(p: Phase) -> Result<Step, Denied> {
    match p {
        Phase::Cleanup(Cleanup::Resubmit) => resubmit(),
        phases! {
            Cleanup(Cleanup::Delete), Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff,
            Undeployed, Cloning, CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..),
            Boot(..), BootFailed(..), LiveMigrate, Save(..), Shutdown(..), Epilog(..),
            EpilogFailed(..), Hotplug, DiskPoweroff(..), Snapshot, Nic(..), Saveas(..),
            DiskSnapshot(..), DiskResize(..), Resize, Backup(..), Restore, Obsolete
        } => ignore(Some("cleanup_callback_action, VM in a wrong state")),
    }
}

pub(super) fn update_conf(p: Phase, ok: bool) -> Result<Step, Denied> {
    match p {
        Phase::Hotplug => step(Status::active(L::Running), Vec::new()),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Boot(..),
            BootFailed(..), LiveMigrate, Save(..), Shutdown(..), Epilog(..), EpilogFailed(..),
            Cleanup(..), DiskPoweroff(..), Snapshot, Nic(..), Saveas(..), DiskSnapshot(..),
            DiskResize(..), Resize, Backup(..), Restore, Obsolete
        } => ignore(Some(pick(
            ok,
            "update_conf_success, VM in a wrong state",
            "update_conf_failure, VM in a wrong state",
        ))),
    }
}

pub(super) fn backup(p: Phase, ok: bool) -> Result<Step, Denied> {
    match p {
        Phase::Backup(base) => settle(base, vec![commit(ok, Op::Backup)], false),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Boot(..),
            BootFailed(..), LiveMigrate, Save(..), Shutdown(..), Epilog(..), EpilogFailed(..),
            Cleanup(..), Hotplug, DiskPoweroff(..), Snapshot, Nic(..), Saveas(..), DiskSnapshot(..),
            DiskResize(..), Resize, Restore, Obsolete
        } => {
            ignore(Some(pick(ok, "backup_success, VM in wrong state", "backup_failure, VM in a wrong state")))
        }
    }
}

pub(super) fn restore(from: Status, p: Phase, ok: bool) -> Result<Step, Denied> {
    match p {
        Phase::Restore => step(Status::of(S::Poweroff), vec![commit(ok, Op::Restore)]),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Running, Unknown, Prolog(..), PrologFailed(..), Boot(..),
            BootFailed(..), LiveMigrate, Save(..), Shutdown(..), Epilog(..), EpilogFailed(..),
            Cleanup(..), Hotplug, DiskPoweroff(..), Snapshot, Nic(..), Saveas(..), DiskSnapshot(..),
            DiskResize(..), Resize, Backup(..), Obsolete
        } => {
            if ok {
                ignore(Some("VM restore success, VM in a wrong state"))
            } else {
                ignore(Some(&format!("restore fails, VM in a wrong state: {}", from.name())))
            }
        }
    }
}
