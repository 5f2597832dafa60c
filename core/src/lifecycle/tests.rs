//! The state × event table: every well-formed status against every sample event, compared with
//! the hand-written expectations in `table.txt`; plus reachability, messages and effects.

use std::collections::{BTreeSet, HashMap, VecDeque};

use super::*;
use crate::states::{LcmState as L, VmState as S};

const TABLE: &str = include_str!("table.txt");

/// Every event the table talks about, by label.
pub(super) fn sample_events() -> Vec<(&'static str, Event)> {
    use Action as A;
    use Outcome as O;
    let facts = |action, snapshot| VmFacts { action, snapshot };
    let recover = |op| A::Recover { op, vm: VmFacts::NONE };
    let mut events: Vec<(&'static str, Event)> = vec![
        ("terminate", A::Terminate { hard: false }),
        ("terminate-hard", A::Terminate { hard: true }),
        ("undeploy", A::Undeploy { hard: false }),
        ("undeploy-hard", A::Undeploy { hard: true }),
        ("poweroff", A::Poweroff { hard: false }),
        ("poweroff-hard", A::Poweroff { hard: true }),
        ("reboot", A::Reboot { hard: false }),
        ("reboot-hard", A::Reboot { hard: true }),
        ("hold", A::Hold),
        ("release", A::Release),
        ("stop", A::Stop),
        ("suspend", A::Suspend),
        ("resume", A::Resume),
        ("resched", A::Resched),
        ("unresched", A::Unresched),
        ("deploy", A::Deploy { last: HistoryAction::None }),
        ("deploy/stop", A::Deploy { last: HistoryAction::Stop }),
        ("deploy/undeploy", A::Deploy { last: HistoryAction::Undeploy }),
        ("deploy/undeploy-hard", A::Deploy { last: HistoryAction::UndeployHard }),
        ("migrate", A::Migrate { live: false, mode: MigrateMode::Save }),
        ("migrate/poweroff", A::Migrate { live: false, mode: MigrateMode::Poweroff }),
        ("migrate/poweroff-hard", A::Migrate { live: false, mode: MigrateMode::PoweroffHard }),
        ("migrate/live", A::Migrate { live: true, mode: MigrateMode::Save }),
        ("rs", recover(RecoverOp::Success)),
        ("rf", recover(RecoverOp::Failure)),
        (
            "rs/poweroff-migrate",
            A::Recover { op: RecoverOp::Success, vm: facts(HistoryAction::PoweroffMigrate, None) },
        ),
        (
            "rs/snapshot-create",
            A::Recover { op: RecoverOp::Success, vm: facts(HistoryAction::None, Some(SnapshotOp::Create)) },
        ),
        (
            "rf/snapshot-create",
            A::Recover { op: RecoverOp::Failure, vm: facts(HistoryAction::None, Some(SnapshotOp::Create)) },
        ),
        ("retry", recover(RecoverOp::Retry)),
        ("delete", recover(RecoverOp::Delete)),
        ("delete-recreate", recover(RecoverOp::DeleteRecreate)),
        ("delete-db", recover(RecoverOp::DeleteDb)),
        ("disk-attach", A::DiskAttach),
        ("disk-detach", A::DiskDetach),
        ("nic-attach", A::NicAttach { cold: false }),
        ("nic-attach/cold", A::NicAttach { cold: true }),
        ("nic-detach", A::NicDetach { cold: false }),
        ("nic-detach/cold", A::NicDetach { cold: true }),
        ("snapshot-create", A::SnapshotCreate),
        ("snapshot-revert", A::SnapshotRevert { snap_id: 3 }),
        ("snapshot-delete", A::SnapshotDelete { snap_id: 3, keep_snapshots: false }),
        ("snapshot-delete/keep", A::SnapshotDelete { snap_id: 3, keep_snapshots: true }),
        ("disk-snapshot-create", A::DiskSnapshotCreate),
        ("disk-snapshot-revert", A::DiskSnapshotRevert),
        ("disk-snapshot-delete", A::DiskSnapshotDelete),
        ("disk-resize", A::DiskResize),
        ("resize", A::Resize),
        ("disk-saveas", A::DiskSaveas),
        ("updateconf", A::UpdateConf { context_changed: false }),
        ("updateconf/live", A::UpdateConf { context_changed: true }),
        ("backup", A::Backup),
        ("backup-cancel", A::BackupCancel),
        ("restore", A::Restore),
    ]
    .into_iter()
    .map(|(l, a)| (l, Event::Action(a)))
    .collect();
    let outcomes: Vec<(&'static str, Outcome)> = vec![
        ("o:save-ok", O::Save { ok: true }),
        ("o:save-fail", O::Save { ok: false }),
        ("o:boot-ok", O::Boot { ok: true }),
        ("o:boot-fail", O::Boot { ok: false }),
        ("o:shutdown-ok", O::Shutdown { ok: true }),
        ("o:shutdown-fail", O::Shutdown { ok: false }),
        ("o:prolog-ok", O::Prolog { ok: true, action: HistoryAction::None }),
        ("o:prolog-ok/poweroff-migrate", O::Prolog { ok: true, action: HistoryAction::PoweroffMigrate }),
        ("o:prolog-fail", O::Prolog { ok: false, action: HistoryAction::None }),
        ("o:epilog-ok", O::Epilog { ok: true }),
        ("o:epilog-fail", O::Epilog { ok: false }),
        ("o:cleanup-done", O::CleanupDone),
        ("o:attach-disk-ok", O::AttachDisk { ok: true }),
        ("o:attach-disk-fail", O::AttachDisk { ok: false }),
        ("o:detach-disk-ok", O::DetachDisk { ok: true }),
        ("o:detach-disk-fail", O::DetachDisk { ok: false }),
        ("o:attach-nic-ok", O::AttachNic { ok: true }),
        ("o:attach-nic-fail", O::AttachNic { ok: false }),
        ("o:detach-nic-ok", O::DetachNic { ok: true }),
        ("o:detach-nic-fail", O::DetachNic { ok: false }),
        ("o:snapshot-create-ok", O::Snapshot { op: SnapshotOp::Create, ok: true }),
        ("o:snapshot-create-fail", O::Snapshot { op: SnapshotOp::Create, ok: false }),
        ("o:snapshot-revert-ok", O::Snapshot { op: SnapshotOp::Revert, ok: true }),
        ("o:snapshot-revert-fail", O::Snapshot { op: SnapshotOp::Revert, ok: false }),
        ("o:snapshot-delete-ok", O::Snapshot { op: SnapshotOp::Delete, ok: true }),
        ("o:snapshot-delete-fail", O::Snapshot { op: SnapshotOp::Delete, ok: false }),
        ("o:disk-snapshot-ok", O::DiskSnapshot { ok: true }),
        ("o:disk-snapshot-fail", O::DiskSnapshot { ok: false }),
        ("o:disk-resize-ok", O::DiskResize { ok: true }),
        ("o:disk-resize-fail", O::DiskResize { ok: false }),
        ("o:saveas-ok", O::Saveas { ok: true }),
        ("o:saveas-fail", O::Saveas { ok: false }),
        ("o:updateconf-ok", O::UpdateConf { ok: true }),
        ("o:updateconf-fail", O::UpdateConf { ok: false }),
        ("o:resize-ok", O::Resize { ok: true }),
        ("o:resize-fail", O::Resize { ok: false }),
        ("o:backup-ok", O::Backup { ok: true }),
        ("o:backup-fail", O::Backup { ok: false }),
        ("o:restore-ok", O::Restore { ok: true }),
        ("o:restore-fail", O::Restore { ok: false }),
        ("o:cloning-ready", O::Cloning(Cloning::Ready { hold: false })),
        ("o:cloning-ready-hold", O::Cloning(Cloning::Ready { hold: true })),
        ("o:cloning-failed", O::Cloning(Cloning::Failed)),
        ("o:cloning-waiting", O::Cloning(Cloning::Waiting)),
        ("o:seen-running", O::Monitor(Seen::Running)),
        ("o:seen-poweroff", O::Monitor(Seen::Poweroff)),
        ("o:seen-suspended", O::Monitor(Seen::Suspended)),
        ("o:seen-failure", O::Monitor(Seen::Failure)),
        ("o:host-error", O::HostError),
    ];
    events.extend(outcomes.into_iter().map(|(l, o)| (l, Event::Outcome(o))));
    events
}

fn status_named(name: &str) -> Status {
    if let Some(state) = VmState::from_name(name).filter(|s| *s != VmState::Active) {
        return Status::of(state);
    }
    Status::active(LcmState::from_name(name).unwrap_or_else(|| panic!("table: unknown status {name}")))
}

/// Expected next status per (status, label), from `table.txt`.
fn expectations(labels: &BTreeSet<&str>) -> HashMap<(Status, String), Status> {
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    let expand = |groups: &HashMap<String, Vec<String>>, list: &str| -> Vec<String> {
        let mut out = Vec::new();
        for item in list.split(',').map(str::trim) {
            match groups.get(item) {
                Some(members) => out.extend(members.iter().cloned()),
                None => out.push(item.to_string()),
            }
        }
        out
    };
    let mut explicit: HashMap<(Status, String), Status> = HashMap::new();
    let mut wild: Vec<(String, String, String)> = Vec::new();
    for line in TABLE.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some(def) = line.strip_prefix('@').filter(|_| !line.contains('|')) {
            let (name, members) = def.split_once('=').expect("group definition");
            let members = expand(&groups, members);
            groups.insert(format!("@{}", name.trim()), members);
            continue;
        }
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(cols.len(), 3, "table line: {line}");
        for event in expand(&groups, cols[1]) {
            assert!(labels.contains(event.as_str()), "table: unknown event {event}");
            for from in expand(&groups, cols[0]) {
                if from.starts_with('*') {
                    wild.push((from, event.clone(), cols[2].to_string()));
                    continue;
                }
                let status = status_named(&from);
                let next = if cols[2] == "=" { status } else { status_named(cols[2]) };
                let old = explicit.insert((status, event.clone()), next);
                assert!(old.is_none() || old == Some(next), "table: {from} {event} listed twice");
            }
        }
    }
    for (from, event, next) in wild {
        for status in Status::all() {
            let applies = from == "*" || (from == "*ACTIVE" && status.state == VmState::Active);
            if applies {
                let next = if next == "=" { status } else { status_named(&next) };
                explicit.entry((status, event.clone())).or_insert(next);
            }
        }
    }
    // Variants inherit their base label's rows.
    for label in labels {
        if let Some((base, _)) = label.split_once('/') {
            for status in Status::all() {
                if let Some(next) = explicit.get(&(status, base.to_string())).copied() {
                    explicit.entry((status, label.to_string())).or_insert(next);
                }
            }
        }
    }
    explicit
}

#[test]
fn every_status_against_every_event_matches_the_table() {
    let events = sample_events();
    let labels: BTreeSet<&str> = events.iter().map(|(l, _)| *l).collect();
    assert_eq!(labels.len(), events.len(), "duplicate labels");
    let expected = expectations(&labels);
    let mut failures = Vec::new();
    let mut allowed = 0;
    for status in Status::all() {
        for (label, event) in &events {
            let got = transition(status, event);
            match (expected.get(&(status, label.to_string())), &got) {
                (Some(next), Ok(step)) if step.next == *next => allowed += 1,
                (None, Err(Denied::Refused(r))) if matches!(event, Event::Action(_)) => {
                    assert_eq!(r.status, status);
                }
                (None, Err(Denied::Ignored { .. })) if matches!(event, Event::Outcome(_)) => {}
                (want, got) => failures.push(format!(
                    "{status} {label}: expected {}, got {}",
                    want.map_or("refusal".to_string(), |s| s.to_string()),
                    match got {
                        Ok(step) => step.next.to_string(),
                        Err(d) => format!("{d:?}"),
                    }
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    // The table is not vacuous: a good share of the cross product is accepted.
    assert!(allowed > 700, "only {allowed} accepted pairs");
}

/// The statuses a VM can reach from allocation (PENDING, HOLD, CLONING).
pub(super) fn reachable() -> BTreeSet<Status> {
    let events = sample_events();
    let mut seen: BTreeSet<Status> = [S::Pending, S::Hold, S::Cloning].into_iter().map(Status::of).collect();
    let mut queue: VecDeque<Status> = seen.iter().copied().collect();
    while let Some(status) = queue.pop_front() {
        for (_, event) in &events {
            if let Ok(step) = transition(status, event)
                && seen.insert(step.next)
            {
                queue.push_back(step.next);
            }
        }
    }
    seen
}

#[test]
fn reachable_statuses_are_well_formed_and_never_the_unused_ones() {
    let reachable = reachable();
    let never: Vec<Status> = [L::LcmInit, L::Cancel, L::Failure, L::CleanupDelete]
        .into_iter()
        .chain([L::DiskSnapshotRevertSuspended, L::DiskSnapshotRevert])
        .map(Status::active)
        .chain([Status::of(S::Init), Status::of(S::Failed)])
        .collect();
    let expected: BTreeSet<Status> = Status::all().into_iter().filter(|s| !never.contains(s)).collect();
    assert_eq!(reachable, expected);
    for status in &reachable {
        assert_eq!(status.state != S::Active, status.lcm == L::LcmInit, "{status}");
    }
}

#[test]
fn every_reachable_status_has_a_way_out() {
    let done = Status::of(S::Done);
    let actions: Vec<Event> =
        sample_events().into_iter().filter_map(|(_, e)| matches!(e, Event::Action(_)).then_some(e)).collect();
    for status in reachable() {
        let delete = Event::Action(Action::Recover { op: RecoverOp::Delete, vm: VmFacts::NONE });
        assert_eq!(transition(status, &delete).map(|s| s.next), Ok(done), "delete from {status}");
        // Through user actions alone, without waiting for any driver.
        let mut seen = BTreeSet::from([status]);
        let mut queue = VecDeque::from([status]);
        while let Some(s) = queue.pop_front() {
            for event in &actions {
                if let Ok(step) = transition(s, event)
                    && seen.insert(step.next)
                {
                    queue.push_back(step.next);
                }
            }
        }
        assert!(seen.contains(&done), "{status} cannot reach DONE");
    }
}

#[test]
fn refusals_carry_opennebulas_messages() {
    let refusal = |from: Status, action: Action| match transition(from, &Event::Action(action)) {
        Err(Denied::Refused(r)) => r,
        other => panic!("{from} {action:?}: {other:?}"),
    };
    let pending = Status::of(S::Pending);
    let r = refusal(pending, Action::Poweroff { hard: false });
    assert_eq!(r.code, crate::error::ErrorCode::Action);
    assert_eq!(
        r.message(7),
        "Error performing action \"poweroff\": This action is not available for state PENDING"
    );
    let r = refusal(Status::active(L::Prolog), Action::Suspend);
    assert_eq!(
        r.message(7),
        "Error performing action \"suspend\": This action is not available for state PROLOG"
    );
    let r = refusal(Status::active(L::Epilog), Action::Terminate { hard: true });
    assert_eq!(
        r.message(7),
        "Error performing action \"terminate-hard\": Could not terminate VM 7, wrong state EPILOG."
    );
    let r = refusal(Status::active(L::Running), Action::Deploy { last: HistoryAction::None });
    assert_eq!(r.message(7), "Deploy action is not available for state RUNNING");
    let r = refusal(Status::of(S::Stopped), Action::Migrate { live: true, mode: MigrateMode::Save });
    assert_eq!(r.message(7), "Migrate action is not available for state STOPPED");
    let r = refusal(Status::of(S::Suspended), Action::DiskAttach);
    assert_eq!(r.message(7), "Could not attach a new disk to VM 7, wrong state SUSPENDED.");
    let r = refusal(Status::of(S::Poweroff), Action::SnapshotRevert { snap_id: 2 });
    assert_eq!(r.message(7), "Could not revert VM 7 to snapshot 2, wrong state POWEROFF.");
    let r = refusal(Status::of(S::Poweroff), Action::SnapshotDelete { snap_id: 2, keep_snapshots: false });
    assert_eq!(r.message(7), "Could not delete snapshot 2 for VM 7, wrong state POWEROFF.");
    let r = refusal(pending, Action::Recover { op: RecoverOp::Success, vm: VmFacts::NONE });
    assert_eq!(r.message(7), "Could not perform a recover operation on VM 7, wrong state PENDING.");
    let r = refusal(pending, Action::Recover { op: RecoverOp::Retry, vm: VmFacts::NONE });
    assert_eq!(r.message(7), "Could not perform a retry on VM 7, wrong state PENDING.");
    let r =
        refusal(Status::of(S::Done), Action::Recover { op: RecoverOp::DeleteRecreate, vm: VmFacts::NONE });
    assert_eq!(r.message(7), "Cannot delete-recreate a VM already in DONE state");
    let r = refusal(Status::of(S::Done), Action::DiskSaveas);
    assert_eq!(r.code, crate::error::ErrorCode::Internal);
    assert_eq!(r.message(7), "VM has to be RUNNING, POWEROFF or SUSPENDED to save disks.");
    let r = refusal(Status::of(S::Suspended), Action::UpdateConf { context_changed: true });
    assert_eq!(r.code, crate::error::ErrorCode::Internal);
    assert_eq!(r.message(7), "configuration cannot be updated in state SUSPENDED");
    let r = refusal(Status::active(L::Migrate), Action::Resize);
    assert_eq!(r.message(7), "Cannot resize a VM in state MIGRATE");
    let r = refusal(Status::active(L::Running), Action::BackupCancel);
    assert_eq!(r.message(7), "Could not cancel backup for VM 7, no backup in progress");
}

#[test]
fn dropped_reports_carry_opennebulas_log_lines() {
    let ignored = |from: Status, outcome: Outcome| match transition(from, &Event::Outcome(outcome)) {
        Err(Denied::Ignored { log }) => log,
        other => panic!("{from} {outcome:?}: {other:?}"),
    };
    let running = Status::active(L::Running);
    assert_eq!(
        ignored(running, Outcome::Save { ok: true }).as_deref(),
        Some("save_success_action, VM in a wrong state")
    );
    assert_eq!(ignored(running, Outcome::Boot { ok: true }), None);
    assert_eq!(
        ignored(Status::of(S::Pending), Outcome::Boot { ok: false }).as_deref(),
        Some("deploy_failure_action, VM in a wrong state")
    );
    assert_eq!(
        ignored(running, Outcome::Resize { ok: false }).as_deref(),
        Some("hotplug resize fails, VM in a wrong state: RUNNING")
    );
    assert_eq!(ignored(Status::of(S::Poweroff), Outcome::Monitor(Seen::Failure)), None);
}

#[test]
fn action_names_and_codes() {
    assert_eq!(Action::from_action_name("poweroff-hard"), Some(Action::Poweroff { hard: true }));
    assert_eq!(Action::from_action_name("delete"), None);
    assert_eq!(RecoverOp::from_code(4), Some(RecoverOp::DeleteRecreate));
    assert_eq!(RecoverOp::from_code(6), None);
    for code in 0..6 {
        assert_eq!(RecoverOp::from_code(code).map(RecoverOp::code), Some(code));
    }
    assert_eq!(MigrateMode::from_code(2), MigrateMode::PoweroffHard);
    assert_eq!(MigrateMode::from_code(9), MigrateMode::Save);
    assert_eq!(Status::active(L::Running).name(), "RUNNING");
    assert_eq!(Status::of(S::Poweroff).name(), "POWEROFF");
    assert_eq!(Status::all().len(), 11 + 72);
    // A non-ACTIVE status is read with LCM_INIT whatever its LCM field says.
    let odd = Status { state: S::Poweroff, lcm: L::Running };
    assert_eq!(
        transition(odd, &Event::Action(Action::Resume)).map(|s| s.next),
        Ok(Status::active(L::BootPoweroff))
    );
}

#[path = "effect_tests.rs"]
mod effect_tests;
