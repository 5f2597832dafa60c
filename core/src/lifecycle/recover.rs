//! `one.vm.recover`: replaying the pending driver reply (success/failure), retrying it, and
//! disposing of a VM from any state (delete, delete-recreate, delete-db), with OpenNebula's
//! clean-up of whatever the VM was doing (`LifeCycleManager::clean_up_vm`).

use super::actions::{RecoverOp, VmFacts};
use super::driver::{dispose, done, resubmit};
use super::effects::{Driver, Effect as E, HostRef, Op, Record as R, Stamp as T, TmOp, VmmOp};
use super::history::HistoryAction as H;
use super::outcome::{self, Outcome};
use super::phase::{Base, Boot, Cleanup, DiskChange, DiskSnap, Epilog, Phase, Prolog, Save, phase, phases};
use super::{Denied, Reason, Status, Step, refuse, stay, step};
use crate::error::ErrorCode;
use crate::states::{LcmState as L, VmState as S};

/// Applies a recover operation.
pub(super) fn recover(from: Status, op: RecoverOp, vm: VmFacts) -> Result<Step, Denied> {
    match op {
        RecoverOp::Failure | RecoverOp::Success => replay(from, op == RecoverOp::Success, vm),
        RecoverOp::Retry => retry(from, vm),
        RecoverOp::Delete => delete(from),
        RecoverOp::DeleteRecreate => delete_recreate(from),
        RecoverOp::DeleteDb => delete_db(from),
    }
}

/// Recover success/failure: the reply the VM waits for, as if the driver had sent it.
fn replay(from: Status, ok: bool, vm: VmFacts) -> Result<Step, Denied> {
    let outcome = match phase(from) {
        Phase::CloningFailure => return step(from, vec![E::RecheckClonedImages]),
        Phase::Idle | Phase::Running | Phase::Obsolete => return stay(from),
        Phase::Cleanup(Cleanup::Delete) => return done(dispose(true)),
        Phase::Cleanup(Cleanup::Resubmit) => return resubmit(),
        Phase::Unknown => return step(Status::active(L::Running), Vec::new()),
        Phase::Prolog(_) | Phase::PrologFailed(_) => Outcome::Prolog { ok, action: vm.action },
        Phase::Epilog(_) | Phase::EpilogFailed(_) => Outcome::Epilog { ok },
        Phase::Saveas(_) => Outcome::Saveas { ok },
        Phase::DiskPoweroff(DiskChange::Attach) | Phase::Hotplug => Outcome::AttachDisk { ok },
        Phase::DiskPoweroff(DiskChange::Detach) => Outcome::DetachDisk { ok },
        Phase::Boot(_) | Phase::BootFailed(_) | Phase::LiveMigrate => {
            if ok {
                return with_first(E::DefaultDeployId, outcome::apply(from, &Outcome::Boot { ok }));
            }
            Outcome::Boot { ok }
        }
        Phase::Backup(_) => Outcome::Backup { ok },
        Phase::Shutdown(_) => Outcome::Shutdown { ok },
        Phase::Save(_) => Outcome::Save { ok },
        Phase::Nic(_) => Outcome::AttachNic { ok },
        Phase::Snapshot => match vm.snapshot {
            Some(op) => Outcome::Snapshot { op, ok },
            None => return stay(from),
        },
        Phase::Resize => Outcome::Resize { ok },
        Phase::DiskSnapshot(..) => Outcome::DiskSnapshot { ok },
        Phase::DiskResize(_) => Outcome::DiskResize { ok },
        Phase::Restore => Outcome::Restore { ok },
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning
        } => return refuse(from, ErrorCode::Action, Reason::Recover),
    };
    // A reply the state does not take (a HOTPLUG that was a configuration update) is a no-op.
    match outcome::apply(from, &outcome) {
        Err(Denied::Ignored { .. }) => stay(from),
        Err(Denied::Refused(refusal)) => Err(Denied::Refused(refusal)),
        Ok(step) => Ok(step),
    }
}

fn with_first(first: E, result: Result<Step, Denied>) -> Result<Step, Denied> {
    result.map(|mut s| {
        s.effects.insert(0, first);
        s
    })
}

/// Recover retry: run the pending or failed driver operation again.
fn retry(from: Status, vm: VmFacts) -> Result<Step, Denied> {
    let again = |lcm: L, effect: E| step(Status::active(lcm), vec![effect]);
    let same = |effect: E| step(from, vec![effect]);
    match phase(from) {
        Phase::BootFailed(kind) => match kind {
            Boot::Deploy => again(L::Boot, E::Vmm(VmmOp::Deploy)),
            Boot::Migrate => again(L::BootMigrate, E::Vmm(VmmOp::Restore)),
            Boot::Undeploy => again(L::BootUndeploy, E::Vmm(VmmOp::Deploy)),
            Boot::Stopped => again(L::BootStopped, E::Vmm(VmmOp::Restore)),
            Boot::Poweroff | Boot::Suspended | Boot::Unknown => stay(from),
        },
        Phase::PrologFailed(kind) => match kind {
            Prolog::Migrate => again(L::PrologMigrate, E::Tm(TmOp::PrologMigrate)),
            Prolog::MigratePoweroff => again(L::PrologMigratePoweroff, E::Tm(TmOp::PrologMigrate)),
            Prolog::MigrateSuspend => again(L::PrologMigrateSuspend, E::Tm(TmOp::PrologMigrate)),
            Prolog::MigrateUnknown => again(L::PrologMigrateUnknown, E::Tm(TmOp::PrologMigrate)),
            Prolog::Resume => again(L::PrologResume, E::Tm(TmOp::PrologResume)),
            Prolog::Undeploy => again(L::PrologUndeploy, E::Tm(TmOp::PrologResume)),
            Prolog::Deploy => again(L::Prolog, E::Tm(TmOp::Prolog)),
        },
        Phase::EpilogFailed(kind) => match kind {
            Epilog::Terminate => again(L::Epilog, E::Tm(TmOp::Epilog)),
            Epilog::Stop => again(L::EpilogStop, E::Tm(TmOp::EpilogStop)),
            Epilog::Undeploy => again(L::EpilogUndeploy, E::Tm(TmOp::EpilogStop)),
        },
        Phase::Boot(kind) => match kind {
            Boot::Migrate | Boot::Suspended | Boot::Stopped | Boot::Undeploy => same(E::Vmm(VmmOp::Restore)),
            Boot::Deploy | Boot::Poweroff | Boot::Unknown => same(E::Vmm(VmmOp::Deploy)),
        },
        // OpenNebula retries with a soft shutdown only for a plain terminate.
        Phase::Shutdown(_) => {
            same(E::Vmm(if vm.action == H::Terminate { VmmOp::Shutdown } else { VmmOp::Cancel }))
        }
        Phase::Save(_) => same(E::Vmm(VmmOp::Save)),
        Phase::LiveMigrate => same(E::Vmm(VmmOp::Migrate)),
        Phase::Prolog(kind) => match kind {
            Prolog::Deploy => same(E::Tm(TmOp::Prolog)),
            Prolog::Migrate | Prolog::MigratePoweroff | Prolog::MigrateSuspend | Prolog::MigrateUnknown => {
                same(E::Tm(TmOp::PrologMigrate))
            }
            Prolog::Resume | Prolog::Undeploy => same(E::Tm(TmOp::PrologResume)),
        },
        Phase::Epilog(kind) => match kind {
            Epilog::Terminate => same(E::Tm(TmOp::Epilog)),
            Epilog::Stop | Epilog::Undeploy => same(E::Tm(TmOp::EpilogStop)),
        },
        phases! {
            Idle, Running, Unknown, Cleanup(_), Hotplug, DiskPoweroff(_), Snapshot, Nic(_), Saveas(_),
            DiskSnapshot(..), DiskResize(_), Resize, Backup(_), Restore, Obsolete
        } => stay(from),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure
        } => refuse(from, ErrorCode::Action, Reason::Retry),
    }
}

/// Recover delete (`DispatchManager::delete_vm`).
fn delete(from: Status) -> Result<Step, Denied> {
    match phase(from) {
        Phase::Suspended | Phase::Poweroff => {
            let mut effects = vec![E::Release(HostRef::Current), E::Tm(TmOp::EpilogDelete)];
            effects.extend(dispose(true));
            done(effects)
        }
        Phase::Stopped | Phase::Undeployed => {
            let mut effects = vec![E::Tm(TmOp::EpilogDelete)];
            effects.extend(dispose(true));
            done(effects)
        }
        // FAILED is never produced; disposing of it is the only sensible way out.
        phases! {
            Init, Pending, Hold, Cloning, CloningFailure, Failed
        } => done(dispose(true)),
        Phase::Done => stay(from),
        phases! {
            Idle, Running, Unknown, Prolog(_), PrologFailed(_), Boot(_), BootFailed(_), LiveMigrate,
            Save(_), Shutdown(_), Epilog(_), EpilogFailed(_), Cleanup(_), Hotplug, DiskPoweroff(_),
            Snapshot, Nic(_), Saveas(_), DiskSnapshot(..), DiskResize(_), Resize, Backup(_), Restore,
            Obsolete
        } => delete_active(from),
    }
}

/// The life-cycle manager's delete of an ACTIVE VM: clean up what it is doing, then DONE
/// (OpenNebula passes through CLEANUP_DELETE; we do not store it).
pub(super) fn delete_active(from: Status) -> Result<Step, Denied> {
    let mut effects = clean_up(from, true);
    effects.extend(dispose(true));
    done(effects)
}

/// Recover delete-recreate (`DispatchManager::delete_recreate`).
fn delete_recreate(from: Status) -> Result<Step, Denied> {
    let pending = |mut effects: Vec<E>| {
        effects.extend([E::SetAction(R::Current, H::DeleteRecreate), E::Schedule]);
        step(Status::of(S::Pending), effects)
    };
    match phase(from) {
        Phase::Init | Phase::Pending | Phase::Cloning | Phase::CloningFailure | Phase::Failed => stay(from),
        Phase::Stopped | Phase::Undeployed => pending(vec![E::DropNonPersistentDiskSnapshots]),
        Phase::Hold => pending(Vec::new()),
        Phase::Done => refuse(from, ErrorCode::Action, Reason::DeleteRecreateDone),
        Phase::Cleanup(Cleanup::Resubmit) => resubmit(),
        // OpenNebula logs "clean_action, VM in a wrong state" and does nothing.
        Phase::Cleanup(Cleanup::Delete) => stay(from),
        phases! {
            Poweroff, Suspended, Idle, Running, Unknown, Prolog(_), PrologFailed(_), Boot(_),
            BootFailed(_), LiveMigrate, Save(_), Shutdown(_), Epilog(_), EpilogFailed(_), Hotplug,
            DiskPoweroff(_), Snapshot, Nic(_), Saveas(_), DiskSnapshot(..), DiskResize(_), Resize,
            Backup(_), Restore, Obsolete
        } => {
            let mut effects = clean_up(from, false);
            effects.extend([E::DropNonPersistentDiskSnapshots, E::DropSnapshots { unless_kept: false }]);
            step(Status::active(L::CleanupResubmit), effects)
        }
    }
}

/// Recover delete-db (`DispatchManager::delete_vm_db`): no driver is involved.
fn delete_db(from: Status) -> Result<Step, Denied> {
    let mut effects = Vec::new();
    match phase(from) {
        Phase::Done => return stay(from),
        // Deviation: the source host of a migration is released too (OpenNebula leaks it).
        Phase::LiveMigrate | Phase::Save(Save::Migrate) => {
            effects.extend([E::Release(HostRef::Current), E::Release(HostRef::Previous)]);
        }
        phases! {
            Suspended, Poweroff, Idle, Running, Unknown, Prolog(_), PrologFailed(_), Boot(_),
            BootFailed(_), Save(_), Shutdown(_), Epilog(_), EpilogFailed(_), Cleanup(_), Hotplug,
            DiskPoweroff(_), Snapshot, Nic(_), Saveas(_), DiskSnapshot(..), DiskResize(_), Resize,
            Backup(_), Restore, Obsolete
        } => effects.push(E::Release(HostRef::Current)),
        phases! {
            Init, Pending, Hold, Stopped, Undeployed, Cloning, CloningFailure, Failed
        } => {}
    }
    effects.extend(dispose(false));
    done(effects)
}

/// OpenNebula's `clean_up_vm`: stop whatever the VM is doing and free its host.
/// `dispose`: a delete (ACTION delete) rather than a delete-recreate. A VM already in
/// CLEANUP_* was cleaned up by its delete-recreate: nothing more to do.
fn clean_up(from: Status, dispose: bool) -> Vec<E> {
    if let Phase::Cleanup(_) = phase(from) {
        return Vec::new();
    }
    let action = if dispose { H::Delete } else { H::DeleteRecreate };
    let mut effects = vec![
        E::SetAction(R::Current, action),
        E::SetResched(false),
        E::DropSnapshots { unless_kept: true },
        E::StampIfUnset(R::Current, T::End),
        E::Release(HostRef::Current),
    ];
    let running_end = E::Stamp(R::Current, T::RunningEnd);
    let cancel_vmm = E::CancelDriver(Driver::Vmm);
    let cancel_tm = E::CancelDriver(Driver::Tm);
    let vmm_cleanup = [running_end, cancel_vmm, E::Vmm(VmmOp::Cleanup)];
    let tm_delete = [cancel_tm, E::Tm(TmOp::EpilogDelete)];
    match phase(from) {
        Phase::Poweroff | Phase::Suspended => effects.push(E::Vmm(VmmOp::Cleanup)),
        Phase::Prolog(Prolog::Deploy | Prolog::Resume | Prolog::Undeploy)
        | Phase::PrologFailed(Prolog::Deploy | Prolog::Resume | Prolog::Undeploy) => {
            effects.push(E::Stamp(R::Current, T::PrologEnd));
            effects.extend(tm_delete);
        }
        Phase::Prolog(_) | Phase::PrologFailed(_) => {
            effects.extend([E::Stamp(R::Current, T::PrologEnd), cancel_tm, E::Tm(TmOp::EpilogDeleteBoth)]);
        }
        phases! {
            Boot(_), BootFailed(_), Running, Unknown, Shutdown(_), Snapshot
        } => {
            effects.extend(vmm_cleanup);
        }
        Phase::Save(Save::Stop | Save::Suspend) => effects.extend(vmm_cleanup),
        Phase::Backup(Base::Running) => {
            effects.extend([running_end, E::Vmm(VmmOp::BackupCancel), E::Vmm(VmmOp::Cleanup)]);
        }
        Phase::Backup(_) => effects.extend([cancel_vmm, E::Tm(TmOp::EpilogDelete)]),
        Phase::Hotplug => {
            effects.push(E::Forget(Op::DiskAttach));
            effects.extend(vmm_cleanup);
        }
        Phase::Nic(_) => {
            effects.push(E::Forget(Op::NicAttach));
            effects.extend(vmm_cleanup);
        }
        Phase::Saveas(base) => {
            effects.push(E::Forget(Op::Saveas));
            match base {
                Base::Running => effects.extend(vmm_cleanup),
                Base::Poweroff | Base::Suspended => {
                    effects.push(running_end);
                    effects.extend(tm_delete);
                }
                Base::Undeployed | Base::Stopped => {}
            }
        }
        Phase::DiskPoweroff(_) => {
            effects.push(E::Forget(Op::DiskAttach));
            effects.extend(tm_delete);
        }
        Phase::Resize => {
            effects.push(E::Forget(Op::Resize));
            effects.extend(vmm_cleanup);
        }
        Phase::DiskSnapshot(kind, base) => {
            effects.push(E::Forget(match kind {
                DiskSnap::Create => Op::DiskSnapshotCreate,
                DiskSnap::Revert => Op::DiskSnapshotRevert,
                DiskSnap::Delete => Op::DiskSnapshotDelete,
            }));
            // A live disk snapshot runs in the hypervisor; the others (DISK_SNAPSHOT_DELETE
            // included) in the transfer manager.
            match (kind, base) {
                (DiskSnap::Create, Base::Running) => effects.extend(vmm_cleanup),
                (
                    DiskSnap::Create | DiskSnap::Revert | DiskSnap::Delete,
                    Base::Running | Base::Poweroff | Base::Suspended | Base::Undeployed | Base::Stopped,
                ) => effects.extend(tm_delete),
            }
        }
        Phase::DiskResize(Base::Running) => {
            effects.push(E::Forget(Op::DiskResize));
            effects.extend(vmm_cleanup);
        }
        Phase::DiskResize(_) => {
            effects.push(E::Forget(Op::DiskResize));
            effects.extend(tm_delete);
        }
        Phase::Restore => effects.extend(tm_delete),
        Phase::LiveMigrate | Phase::Save(Save::Migrate) => {
            effects.extend([
                running_end,
                E::Stamp(R::Previous, T::End),
                E::Stamp(R::Previous, T::RunningEnd),
                E::Release(HostRef::Previous),
                cancel_vmm,
                E::Vmm(if phase(from) == Phase::LiveMigrate {
                    VmmOp::CleanupBoth
                } else {
                    VmmOp::CleanupPrevious
                }),
            ]);
        }
        Phase::Epilog(_) | Phase::EpilogFailed(_) => {
            effects.push(E::Stamp(R::Current, T::EpilogEnd));
            effects.extend(tm_delete);
        }
        Phase::Idle | Phase::Cleanup(_) | Phase::Obsolete => {}
        phases! {
            Init, Pending, Hold, Stopped, Done, Failed, Undeployed, Cloning, CloningFailure
        } => {}
    }
    effects
}
