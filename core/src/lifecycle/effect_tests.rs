//! The effects of selected steps, and rules every step of the cross product follows.

use super::super::*;
use super::sample_events;
use crate::states::{LcmState as L, VmState as S};

fn effects(from: Status, event: Event) -> Vec<Effect> {
    match transition(from, &event) {
        Ok(step) => step.effects,
        Err(denied) => panic!("{from} {event:?}: {denied:?}"),
    }
}

fn act(from: Status, action: Action) -> Vec<Effect> {
    effects(from, Event::Action(action))
}

fn out(from: Status, outcome: Outcome) -> Vec<Effect> {
    effects(from, Event::Outcome(outcome))
}

const RUNNING: Status = Status::active(L::Running);

#[test]
fn deploy_opens_a_record_reserves_the_host_and_starts_the_prolog() {
    use Effect as E;
    assert_eq!(
        act(Status::of(S::Pending), Action::Deploy { last: HistoryAction::None }),
        vec![
            E::OpenHistory,
            E::Reserve(HostRef::Current),
            E::Stamp(Record::Current, Stamp::Start),
            E::Stamp(Record::Current, Stamp::PrologStart),
            E::Tm(TmOp::Prolog),
        ]
    );
    let resume = act(Status::of(S::Pending), Action::Deploy { last: HistoryAction::Stop });
    assert_eq!(resume.last(), Some(&E::Tm(TmOp::PrologResume)));
    assert_eq!(
        out(Status::active(L::PrologResume), Outcome::Prolog { ok: true, action: HistoryAction::None })
            .last(),
        Some(&E::Vmm(VmmOp::Restore))
    );
}

#[test]
fn terminate_shuts_down_or_destroys() {
    let soft = act(RUNNING, Action::Terminate { hard: false });
    assert!(soft.contains(&Effect::Vmm(VmmOp::Shutdown)));
    assert!(soft.contains(&Effect::SetAction(Record::Current, HistoryAction::Terminate)));
    let hard = act(Status::active(L::Shutdown), Action::Terminate { hard: true });
    // The stuck shutdown is cancelled before the destroy starts.
    assert_eq!(hard[hard.len() - 2..], [Effect::CancelDriver(Driver::Vmm), Effect::Vmm(VmmOp::Cancel)]);
    assert!(hard.contains(&Effect::SetAction(Record::Current, HistoryAction::TerminateHard)));
    // Stopped disks are already off the host.
    assert_eq!(
        act(Status::of(S::Stopped), Action::Terminate { hard: true }).last(),
        Some(&Effect::Tm(TmOp::EpilogLocal))
    );
}

#[test]
fn migrations_hold_both_hosts_until_the_vm_has_left() {
    let live = act(RUNNING, Action::Migrate { live: true, mode: MigrateMode::Save });
    assert!(live.contains(&Effect::Reserve(HostRef::Moved)));
    assert!(!live.iter().any(|e| matches!(e, Effect::Release(_))));
    assert!(
        out(Status::active(L::Migrate), Outcome::Boot { ok: true })
            .contains(&Effect::Release(HostRef::Previous))
    );
    let failed = out(Status::active(L::Migrate), Outcome::Boot { ok: false });
    assert!(failed.contains(&Effect::Release(HostRef::Moved)));
    assert!(failed.contains(&Effect::CopyPreviousHistory));
    let cold = act(RUNNING, Action::Migrate { live: false, mode: MigrateMode::PoweroffHard });
    assert!(cold.contains(&Effect::Vmm(VmmOp::Cancel)));
    assert!(cold.contains(&Effect::SetAction(Record::Previous, HistoryAction::PoweroffHardMigrate)));
    let saved = out(Status::active(L::SaveMigrate), Outcome::Shutdown { ok: true });
    assert!(saved.contains(&Effect::Release(HostRef::Previous)));
    assert_eq!(saved.last(), Some(&Effect::Tm(TmOp::PrologMigrate)));
    let off = act(Status::of(S::Poweroff), Action::Migrate { live: true, mode: MigrateMode::Save });
    assert!(
        off.contains(&Effect::Reserve(HostRef::Moved)) && off.contains(&Effect::Release(HostRef::Previous))
    );
}

#[test]
fn recover_and_retry_use_the_vm_facts() {
    let boot =
        act(Status::active(L::BootFailure), Action::Recover { op: RecoverOp::Success, vm: VmFacts::NONE });
    assert_eq!(boot.first(), Some(&Effect::DefaultDeployId));
    let retry = |action| {
        act(
            Status::active(L::ShutdownPoweroff),
            Action::Recover { op: RecoverOp::Retry, vm: VmFacts { action, snapshot: None } },
        )
    };
    assert_eq!(retry(HistoryAction::Terminate), vec![Effect::Vmm(VmmOp::Shutdown)]);
    // OpenNebula retries anything but a plain terminate with a cancel.
    assert_eq!(retry(HistoryAction::Poweroff), vec![Effect::Vmm(VmmOp::Cancel)]);
    let snap = act(
        Status::active(L::HotplugSnapshot),
        Action::Recover {
            op: RecoverOp::Failure,
            vm: VmFacts { action: HistoryAction::None, snapshot: Some(SnapshotOp::Create) },
        },
    );
    assert_eq!(snap, vec![Effect::Rollback(Op::SnapshotCreate)]);
    // Back to the source host after a failed cold migration.
    let back = act(
        Status::active(L::PrologMigrateFailure),
        Action::Recover { op: RecoverOp::Failure, vm: VmFacts::NONE },
    );
    assert!(back.contains(&Effect::Release(HostRef::Moved)));
    assert!(back.contains(&Effect::CopyPreviousHistory));
    assert!(back.contains(&Effect::Reserve(HostRef::Moved)));
    assert_eq!(back.last(), Some(&Effect::Vmm(VmmOp::Restore)));
}

#[test]
fn deletes_clean_up_what_the_vm_was_doing() {
    let delete = |from| act(from, Action::Recover { op: RecoverOp::Delete, vm: VmFacts::NONE });
    let migrating = delete(Status::active(L::Migrate));
    assert!(migrating.contains(&Effect::Release(HostRef::Previous)));
    assert!(migrating.contains(&Effect::Vmm(VmmOp::CleanupBoth)));
    assert!(delete(Status::active(L::PrologMigrate)).contains(&Effect::Tm(TmOp::EpilogDeleteBoth)));
    assert!(delete(Status::active(L::Hotplug)).contains(&Effect::Forget(Op::DiskAttach)));
    let db =
        act(Status::active(L::SaveMigrate), Action::Recover { op: RecoverOp::DeleteDb, vm: VmFacts::NONE });
    assert!(db.contains(&Effect::Release(HostRef::Previous)));
    assert!(db.contains(&Effect::ReleaseImages { check_state: false }));
    assert!(!db.iter().any(|e| matches!(e, Effect::Vmm(_) | Effect::Tm(_))));
    let recreate =
        act(Status::of(S::Poweroff), Action::Recover { op: RecoverOp::DeleteRecreate, vm: VmFacts::NONE });
    assert!(recreate.contains(&Effect::Vmm(VmmOp::Cleanup)));
    assert!(recreate.contains(&Effect::DropSnapshots { unless_kept: false }));
    assert_eq!(
        out(Status::active(L::CleanupResubmit), Outcome::CleanupDone),
        vec![Effect::ClearDeployId, Effect::Schedule]
    );
}

#[test]
fn completions_record_where_the_disks_went() {
    let stopped = out(Status::active(L::EpilogStop), Outcome::Epilog { ok: true });
    assert!(stopped.contains(&Effect::Release(HostRef::Current)));
    assert!(stopped.contains(&Effect::SetActionIfNone(Record::Current, HistoryAction::Stop)));
    let resized = out(Status::active(L::DiskResizeUndeployed), Outcome::DiskResize { ok: true });
    assert!(resized.contains(&Effect::SetActionIfNone(Record::Current, HistoryAction::Undeploy)));
    let off = out(Status::active(L::ShutdownPoweroff), Outcome::Shutdown { ok: true });
    assert!(off.contains(&Effect::Stamp(Record::Current, Stamp::RunningEnd)));
}

#[test]
fn nic_hotplug_on_a_powered_off_vm_without_cold_attach_is_immediate() {
    let attach = act(Status::of(S::Poweroff), Action::NicAttach { cold: false });
    assert!(attach.contains(&Effect::Begin(Op::NicAttach)));
    assert!(attach.contains(&Effect::Commit(Op::NicAttach)));
    assert!(!attach.iter().any(|e| matches!(e, Effect::Vmm(_))));
    assert_eq!(
        act(Status::of(S::Poweroff), Action::NicAttach { cold: true }).last(),
        Some(&Effect::Vmm(VmmOp::AttachNic))
    );
}

/// Rules over the whole cross product.
#[test]
fn every_step_follows_the_bookkeeping_rules() {
    let events = sample_events();
    for from in Status::all() {
        for (label, event) in &events {
            let Ok(step) = transition(from, event) else { continue };
            let has = |e: &Effect| step.effects.contains(e);
            let entering_done = step.next == Status::of(S::Done) && from != step.next;
            // Leases and images are released exactly when a VM is disposed of.
            assert_eq!(has(&Effect::ReleaseLeases), entering_done, "{from} {label}");
            assert_eq!(
                step.effects.iter().any(|e| matches!(e, Effect::ReleaseImages { .. })),
                entering_done,
                "{from} {label}"
            );
            if entering_done {
                assert!(has(&Effect::SetExitTime) && has(&Effect::CloseHistory), "{from} {label}");
            }
            // A VM put back in the queue wakes the scheduler.
            if step.next == Status::of(S::Pending) && from != step.next {
                assert!(has(&Effect::Schedule), "{from} {label}");
            }
            // Giving up the current host (without taking it back, as a resize does) leaves
            // the VM in no state that runs on a host.
            let released = step.effects.iter().position(|e| *e == Effect::Release(HostRef::Current));
            if let Some(at) = released {
                let retaken = step.effects[at..].contains(&Effect::Reserve(HostRef::Current));
                let on_host =
                    [RUNNING, Status::active(L::Unknown), Status::of(S::Poweroff), Status::of(S::Suspended)];
                assert!(retaken || !on_host.contains(&step.next), "{from} {label} -> {}", step.next);
            }
            // Bookkeeping first, driver work last.
            let driver = |e: &Effect| matches!(e, Effect::Vmm(_) | Effect::Tm(_) | Effect::CancelDriver(_));
            if let Some(first) = step.effects.iter().position(driver) {
                assert!(step.effects[first..].iter().all(driver), "{from} {label}: {:?}", step.effects);
            }
            // A history record is opened only by deploy and migrate.
            if has(&Effect::OpenHistory) {
                assert!(label.starts_with("deploy") || label.starts_with("migrate"), "{from} {label}");
            }
        }
    }
}
