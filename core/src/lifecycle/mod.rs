//! The VM life-cycle as data plus one pure function, [`transition`]: given a VM's
//! [`Status`] (`STATE`, `LCM_STATE`) and an [`Event`], the next status and the [`Effect`]s the
//! daemon must carry out, or why OpenNebula refuses or drops the event.
//!
//! Events are either user [`Action`]s (OpenNebula's dispatch manager and the request layer in
//! front of it: `one.vm.action`, `one.vm.deploy`, `one.vm.migrate`, `one.vm.recover`, the
//! hotplug calls) or [`Outcome`]s (replies of the virtualization and transfer drivers, image
//! cloning progress and monitoring reports: OpenNebula's `LifeCycleStates.cc`). Both follow
//! OpenNebula 7.4 (`DispatchManagerActions.cc`, `LifeCycleActions.cc`, `LifeCycleStates.cc`,
//! `DispatchManagerStates.cc`, `VirtualMachineAPI.cc`) state by state, down to the error texts.
//!
//! # Paths
//!
//! Driver operations in parentheses; `→` is one step of [`transition`].
//!
//! - allocate → PENDING (HOLD when held, CLONING while images are copied, then
//!   [`Outcome::Cloning`] → PENDING/HOLD or CLONING_FAILURE). Allocation itself is not an event
//!   here: a VM starts in one of those three.
//! - deploy: PENDING/HOLD/STOPPED/UNDEPLOYED → PROLOG (TM prolog) → BOOT (VMM deploy) →
//!   RUNNING. After a stop: PROLOG_RESUME (TM prolog-resume) → BOOT_STOPPED (VMM restore). After
//!   an undeploy: PROLOG_UNDEPLOY → BOOT_UNDEPLOY (VMM deploy). Which one depends on the `ACTION`
//!   of the last history record (see [`Action::Deploy`]).
//! - terminate: RUNNING/UNKNOWN → SHUTDOWN (VMM shutdown or cancel) → EPILOG (TM epilog) →
//!   DONE; POWEROFF/SUSPENDED/STOPPED/UNDEPLOYED → EPILOG → DONE; PENDING/HOLD/CLONING* → DONE;
//!   any `*_FAILURE` → DONE (deleting).
//! - poweroff: RUNNING/UNKNOWN → SHUTDOWN_POWEROFF → POWEROFF; resume → BOOT_POWEROFF → RUNNING.
//! - suspend: RUNNING → SAVE_SUSPEND (VMM save) → SUSPENDED; resume → BOOT_SUSPENDED (restore).
//! - stop: RUNNING → SAVE_STOP → EPILOG_STOP (TM epilog-stop) → STOPPED (SUSPENDED goes straight
//!   to EPILOG_STOP); resume → PENDING.
//! - undeploy: RUNNING/UNKNOWN → SHUTDOWN_UNDEPLOY → EPILOG_UNDEPLOY → UNDEPLOYED (POWEROFF goes
//!   straight to EPILOG_UNDEPLOY); resume → PENDING.
//! - migrate: RUNNING → SAVE_MIGRATE (save, or shutdown/cancel for the poweroff modes) →
//!   PROLOG_MIGRATE (TM migrate) → BOOT_MIGRATE (restore; BOOT and deploy for the poweroff
//!   modes) → RUNNING; live: RUNNING → MIGRATE (VMM migrate) → RUNNING; POWEROFF/SUSPENDED/UNKNOWN →
//!   PROLOG_MIGRATE_POWEROFF/_SUSPEND/_UNKNOWN → POWEROFF/SUSPENDED/BOOT.
//! - hotplug: RUNNING → HOTPLUG, HOTPLUG_NIC, HOTPLUG_SNAPSHOT, HOTPLUG_SAVEAS, HOTPLUG_RESIZE,
//!   DISK_SNAPSHOT*, DISK_RESIZE, BACKUP → RUNNING; the POWEROFF, SUSPENDED, UNDEPLOYED and
//!   STOPPED variants return to where they started.
//! - failures: a failed prolog, boot or epilog parks the VM in the matching `*_FAILURE` state; a
//!   failed save or shutdown returns to RUNNING; a failed live or cold migration returns to
//!   RUNNING on the source host. `recover` (success/failure) replays the pending driver reply,
//!   `retry` re-runs it, `delete` disposes of the VM from any state, `delete-recreate` cleans up
//!   and returns to PENDING through CLEANUP_RESUBMIT.
//! - monitoring: RUNNING → UNKNOWN when the VM or its host is lost; a VM reported running leaves
//!   UNKNOWN, POWEROFF, SUSPENDED and the BOOT states for RUNNING; reported off, RUNNING/UNKNOWN
//!   go to POWEROFF and the SHUTDOWN states complete.
//!
//! # Differences from OpenNebula, and why
//!
//! - Follow-ups OpenNebula queues on another thread within the same operation are applied in
//!   the same step, so a few instants are never stored: ACTIVE/LCM_INIT between the dispatch
//!   and the life-cycle manager, SAVE_SUSPEND/SHUTDOWN_POWEROFF when monitoring reports the VM
//!   suspended/off, and CLEANUP_DELETE (a delete goes straight to DONE).
//! - snapshot-delete on a POWEROFF VM (allowed when the driver keeps snapshots) sets only the
//!   LCM state in OpenNebula, leaving STATE=POWEROFF with LCM_STATE=HOTPLUG_SNAPSHOT, and the
//!   reply then sets LCM_STATE=RUNNING on a powered-off VM. We keep POWEROFF/LCM_INIT while the
//!   driver works and accept the snapshot-delete reply in POWEROFF, so the invariant "LCM_INIT
//!   whenever STATE is not ACTIVE" holds.
//! - delete-db releases the capacity of the migration source host as well when the VM is
//!   migrating (OpenNebula releases only the current host and leaks the source's).
//! - Driver reports in a state that does not expect them are dropped ([`Denied::Ignored`]), as
//!   OpenNebula does; OpenNebula sometimes stamps a history time before noticing (a boot failure
//!   report outside BOOT*), which we do not.
//! - Not modelled here (the daemon does them around the step): quotas, VNC ports, security
//!   group and virtual network updates, NIC updates, PCI attach/detach, guest exec, plans and
//!   the 30 s guard monitoring applies after a state change.
//!
//! - FAILED (retired in 5.0) accepts only recover delete and delete-db (to DONE) and
//!   delete-recreate (no-op); OpenNebula 7 no longer has the state.
//!
//! Kept on purpose although odd, because clients can observe them: terminate and delete of a
//! DONE VM succeed and do nothing; recover success/failure in HOTPLUG replays a disk *attach*
//! reply even if a detach was running (both act on the disk marked `ATTACH=YES`); a retried
//! shutdown is soft only for a plain terminate (a poweroff or undeploy is retried with a
//! cancel); a failed cold migration recovered as failed returns to the source host and restores
//! from the checkpoint even for the poweroff modes (the copied history record has no `ACTION`).
//!
//! # Using it
//!
//! The daemon builds the event, filling in the facts it reads from the VM (the `ACTION` of
//! history records, driver capabilities), and calls [`transition`]. On
//! [`Denied::Refused`] it answers the request with the refusal's code and message; on
//! [`Denied::Ignored`] it writes the log line, if any, and does nothing. On `Ok` it validates
//! the request's data (disk exists, host has room, ...), stores [`Step::next`] and executes
//! [`Step::effects`] in order: bookkeeping first, then driver cancels and operations.
//!
//! # Conventions
//!
//! The code decides on families of states (`phase::Phase`), matched exhaustively without `_`
//! (long lists of families use the `phases!` macro). The one place that maps individual LCM
//! states to families is `phase::phase`, an exhaustive match, so a new state is a compile error
//! until it is put in a family; elsewhere single statuses are only compared for equality where
//! OpenNebula tests one state.

mod actions;
mod driver;
mod effects;
mod history;
mod hotplug;
mod monitor;
mod outcome;
mod phase;
mod recover;

#[cfg(test)]
mod model;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use actions::{Action, MigrateMode, RecoverOp, SnapshotOp, VmFacts};
pub use effects::{Driver, Effect, HostRef, Op, Record, Stamp, TmOp, VmmOp};
pub use history::HistoryAction;
pub use outcome::{Cloning, Outcome, Seen};

use crate::error::ErrorCode;
use crate::states::{LcmState, VmState};

/// A VM's `STATE` and `LCM_STATE`. `lcm` is LCM_INIT whenever `state` is not ACTIVE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status {
    /// `STATE`.
    pub state: VmState,
    /// `LCM_STATE` (meaningful while `state` is ACTIVE).
    pub lcm: LcmState,
}

impl Status {
    /// A status other than ACTIVE (LCM_STATE is LCM_INIT).
    pub const fn of(state: VmState) -> Status {
        Status { state, lcm: LcmState::LcmInit }
    }

    /// An ACTIVE status.
    pub const fn active(lcm: LcmState) -> Status {
        Status { state: VmState::Active, lcm }
    }

    /// The name OpenNebula's messages use (`VirtualMachine::state_str`): the LCM state's name
    /// when ACTIVE, the state's otherwise.
    pub fn name(self) -> &'static str {
        if self.state == VmState::Active { self.lcm.name() } else { self.state.name() }
    }

    /// Every well-formed status: each state other than ACTIVE with LCM_INIT, and ACTIVE with
    /// each LCM state.
    pub fn all() -> Vec<Status> {
        let mut all: Vec<Status> =
            VmState::ALL.iter().filter(|s| **s != VmState::Active).map(|s| Status::of(*s)).collect();
        all.extend(LcmState::ALL.iter().map(|l| Status::active(*l)));
        all
    }

    /// The status with LCM_STATE cleared when STATE is not ACTIVE.
    fn normalized(self) -> Status {
        if self.state == VmState::Active { self } else { Status::of(self.state) }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Something that happens to a VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// A user (or scheduler) request.
    Action(Action),
    /// A driver reply, image progress or monitoring report.
    Outcome(Outcome),
}

/// The result of an accepted event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The VM's status afterwards (the same status for accepted events that change none).
    pub next: Status,
    /// What to do, in order.
    pub effects: Vec<Effect>,
}

/// Why an event does not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// A request OpenNebula refuses: answer with [`Refusal::code`] and [`Refusal::message`].
    Refused(Refusal),
    /// A driver or monitoring report OpenNebula drops in this state, writing `log` to the VM's
    /// log when set.
    Ignored {
        /// OpenNebula's log line (`"save_success_action, VM in a wrong state"`, ...).
        log: Option<String>,
    },
}

/// A refused request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The error code of the failed response.
    pub code: ErrorCode,
    /// Which of OpenNebula's messages applies.
    pub reason: Reason,
    /// The status the request found.
    pub status: Status,
}

/// Which refusal message (each names OpenNebula's text; `S` is [`Status::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// `Error performing action "<action>": This action is not available for state S`.
    NotAvailable {
        /// The `one.vm.action` name.
        action: &'static str,
    },
    /// `Error performing action "<action>": Could not terminate VM <id>, wrong state S.`
    CannotTerminate {
        /// `terminate` or `terminate-hard`.
        action: &'static str,
    },
    /// `Deploy action is not available for state S`.
    Deploy,
    /// `Migrate action is not available for state S`.
    Migrate,
    /// `Could not attach a new disk to VM <id>, wrong state S.`
    DiskAttach,
    /// `Could not detach disk from VM <id>, wrong state S.`
    DiskDetach,
    /// `Could not add a new NIC to VM <id>, wrong state S.`
    NicAttach,
    /// `Could not detach NIC from VM <id>, wrong state S.`
    NicDetach,
    /// `Could not create a new snapshot for VM <id>, wrong state S.` (system and disk snapshots)
    SnapshotCreate,
    /// `Could not revert VM <id> to snapshot <snap>, wrong state S.`
    SnapshotRevert {
        /// The snapshot requested.
        snap_id: i32,
    },
    /// `Could not delete snapshot <snap> for VM <id>, wrong state S.`
    SnapshotDelete {
        /// The snapshot requested.
        snap_id: i32,
    },
    /// `Could not revert to disk snapshot for VM <id>, wrong state S.`
    DiskSnapshotRevert,
    /// `Could not delete disk snapshot from VM <id>, wrong state S.`
    DiskSnapshotDelete,
    /// `Could not resize disk for VM <id>, wrong state S.`
    DiskResize,
    /// `Cannot resize a VM in state S`
    Resize,
    /// `VM has to be RUNNING, POWEROFF or SUSPENDED to save disks.`
    DiskSaveas,
    /// `configuration cannot be updated in state S`
    UpdateConf,
    /// `Could not perform a recover operation on VM <id>, wrong state S.`
    Recover,
    /// `Could not perform a retry on VM <id>, wrong state S.`
    Retry,
    /// `Cannot delete-recreate a VM already in DONE state`
    DeleteRecreateDone,
    /// `Could not create a new backup for VM <id>, wrong state S.`
    Backup,
    /// `Could not cancel backup for VM <id>, no backup in progress`
    BackupCancel,
    /// `Could not restore VM, it must be in poweroff`
    Restore,
}

impl Refusal {
    /// OpenNebula's message for VM `vid` (the response text before the `[one.vm.x]` prefix).
    pub fn message(&self, vid: i32) -> String {
        let s = self.status.name();
        match self.reason {
            Reason::NotAvailable { action } => {
                format!("Error performing action \"{action}\": This action is not available for state {s}")
            }
            Reason::CannotTerminate { action } => {
                format!(
                    "Error performing action \"{action}\": Could not terminate VM {vid}, wrong state {s}."
                )
            }
            Reason::Deploy => format!("Deploy action is not available for state {s}"),
            Reason::Migrate => format!("Migrate action is not available for state {s}"),
            Reason::DiskAttach => format!("Could not attach a new disk to VM {vid}, wrong state {s}."),
            Reason::DiskDetach => format!("Could not detach disk from VM {vid}, wrong state {s}."),
            Reason::NicAttach => format!("Could not add a new NIC to VM {vid}, wrong state {s}."),
            Reason::NicDetach => format!("Could not detach NIC from VM {vid}, wrong state {s}."),
            Reason::SnapshotCreate => {
                format!("Could not create a new snapshot for VM {vid}, wrong state {s}.")
            }
            Reason::SnapshotRevert { snap_id } => {
                format!("Could not revert VM {vid} to snapshot {snap_id}, wrong state {s}.")
            }
            Reason::SnapshotDelete { snap_id } => {
                format!("Could not delete snapshot {snap_id} for VM {vid}, wrong state {s}.")
            }
            Reason::DiskSnapshotRevert => {
                format!("Could not revert to disk snapshot for VM {vid}, wrong state {s}.")
            }
            Reason::DiskSnapshotDelete => {
                format!("Could not delete disk snapshot from VM {vid}, wrong state {s}.")
            }
            Reason::DiskResize => format!("Could not resize disk for VM {vid}, wrong state {s}."),
            Reason::Resize => format!("Cannot resize a VM in state {s}"),
            Reason::DiskSaveas => "VM has to be RUNNING, POWEROFF or SUSPENDED to save disks.".to_string(),
            Reason::UpdateConf => format!("configuration cannot be updated in state {s}"),
            Reason::Recover => format!("Could not perform a recover operation on VM {vid}, wrong state {s}."),
            Reason::Retry => format!("Could not perform a retry on VM {vid}, wrong state {s}."),
            Reason::DeleteRecreateDone => "Cannot delete-recreate a VM already in DONE state".to_string(),
            Reason::Backup => format!("Could not create a new backup for VM {vid}, wrong state {s}."),
            Reason::BackupCancel => format!("Could not cancel backup for VM {vid}, no backup in progress"),
            Reason::Restore => "Could not restore VM, it must be in poweroff".to_string(),
        }
    }
}

/// The life-cycle step for `event` on a VM in `from`.
///
/// `Ok` carries the next status and the effects (an accepted event may change nothing);
/// `Err` says whether OpenNebula refuses the request (and with which error) or drops the
/// report. A `from` whose STATE is not ACTIVE is read with LCM_INIT.
pub fn transition(from: Status, event: &Event) -> Result<Step, Denied> {
    let from = from.normalized();
    match event {
        Event::Action(action) => actions::apply(from, action),
        Event::Outcome(outcome) => outcome::apply(from, outcome),
    }
}

/// An accepted step. Driver effects (cancels and operations) go after the bookkeeping, in
/// their own order, so the VM is stored before any driver can reply.
fn step(next: Status, mut effects: Vec<Effect>) -> Result<Step, Denied> {
    effects.sort_by_key(|e| matches!(e, Effect::Vmm(_) | Effect::Tm(_) | Effect::CancelDriver(_)));
    Ok(Step { next, effects })
}

/// An accepted event that changes nothing.
fn stay(from: Status) -> Result<Step, Denied> {
    step(from, Vec::new())
}

/// A refused request.
fn refuse(from: Status, code: ErrorCode, reason: Reason) -> Result<Step, Denied> {
    Err(Denied::Refused(Refusal { code, reason, status: from }))
}

/// A dropped report.
fn ignore(log: Option<&str>) -> Result<Step, Denied> {
    Err(Denied::Ignored { log: log.map(str::to_string) })
}
