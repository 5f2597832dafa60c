//! Driver and monitoring outcomes as data, and their dispatch: what the virtualization and
//! transfer drivers reply, how image cloning progresses and what monitoring sees.

use super::driver::{
    backup, boot, cleanup_done, disk, disk_resize, disk_snapshot, epilog, nic, prolog, resize, restore, save,
    saveas, shutdown, snapshot, update_conf,
};
use super::effects::Op;
use super::history::HistoryAction as H;
use super::monitor::{cloned, lost, monitor};
use super::phase::{DiskChange, phase};
use super::{Denied, SnapshotOp, Status, Step};

/// A driver reply, image cloning progress or monitoring report about a VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// VMM `SAVE` replied.
    Save {
        /// It succeeded.
        ok: bool,
    },
    /// VMM `DEPLOY`, `RESTORE` or `MIGRATE` replied (OpenNebula's deploy success/failure).
    Boot {
        /// It succeeded.
        ok: bool,
    },
    /// VMM `SHUTDOWN` or `CANCEL` replied.
    Shutdown {
        /// It succeeded.
        ok: bool,
    },
    /// A TM prolog (deploy, resume, migrate) replied.
    Prolog {
        /// It succeeded.
        ok: bool,
        /// The `ACTION` of the current history record: after a cold migration,
        /// `poweroff-migrate`/`poweroff-hard-migrate` boot afresh, anything else restores.
        action: H,
    },
    /// A TM epilog (terminate, stop, undeploy, delete) replied.
    Epilog {
        /// It succeeded.
        ok: bool,
    },
    /// VMM `CLEANUP` replied (either way).
    CleanupDone,
    /// VMM `ATTACHDISK` or TM prolog-attach replied.
    AttachDisk {
        /// It succeeded.
        ok: bool,
    },
    /// VMM `DETACHDISK` or TM epilog-detach replied.
    DetachDisk {
        /// It succeeded.
        ok: bool,
    },
    /// VMM `ATTACHNIC` replied.
    AttachNic {
        /// It succeeded.
        ok: bool,
    },
    /// VMM `DETACHNIC` replied.
    DetachNic {
        /// It succeeded.
        ok: bool,
    },
    /// VMM `SNAPSHOTCREATE`, `SNAPSHOTREVERT` or `SNAPSHOTDELETE` replied.
    Snapshot {
        /// Which one.
        op: SnapshotOp,
        /// It succeeded.
        ok: bool,
    },
    /// A disk snapshot operation (VMM or TM) replied.
    DiskSnapshot {
        /// It succeeded.
        ok: bool,
    },
    /// VMM `RESIZEDISK` or TM resize replied.
    DiskResize {
        /// It succeeded.
        ok: bool,
    },
    /// The TM copy of a disk-saveas replied.
    Saveas {
        /// It succeeded.
        ok: bool,
    },
    /// VMM `UPDATECONF` replied.
    UpdateConf {
        /// It succeeded.
        ok: bool,
    },
    /// VMM `RESIZE` replied.
    Resize {
        /// It succeeded.
        ok: bool,
    },
    /// VMM `BACKUP` replied.
    Backup {
        /// It succeeded.
        ok: bool,
    },
    /// The TM restore of a backup replied.
    Restore {
        /// It succeeded.
        ok: bool,
    },
    /// The images a CLONING VM waits for were (re)examined.
    Cloning(Cloning),
    /// Monitoring saw the VM in this state.
    Monitor(Seen),
    /// The VM's host went to ERROR.
    HostError,
}

/// Where the images of a CLONING VM stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cloning {
    /// All are ready; `hold` when the VM was submitted on hold (`SUBMIT_ON_HOLD`).
    Ready {
        /// Go to HOLD instead of PENDING.
        hold: bool,
    },
    /// One or more failed.
    Failed,
    /// Some are still being copied.
    Waiting,
}

/// A VM state reported by monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Seen {
    /// Running.
    Running,
    /// Off (or missing with `MISSING_STATE=POWEROFF`).
    Poweroff,
    /// Paused.
    Suspended,
    /// In error (or missing with `MISSING_STATE=UNKNOWN`).
    Failure,
}

/// Applies a driver or monitoring outcome.
pub(super) fn apply(from: Status, outcome: &Outcome) -> Result<Step, Denied> {
    let p = phase(from);
    match *outcome {
        Outcome::Save { ok } => save(p, ok),
        Outcome::Boot { ok } => boot(from, p, ok),
        Outcome::Shutdown { ok } => shutdown(p, ok),
        Outcome::Prolog { ok, action } => prolog(from, p, ok, action),
        Outcome::Epilog { ok } => epilog(from, p, ok),
        Outcome::CleanupDone => cleanup_done(p),
        Outcome::AttachDisk { ok } => disk(p, ok, DiskChange::Attach),
        Outcome::DetachDisk { ok } => disk(p, ok, DiskChange::Detach),
        Outcome::AttachNic { ok } => nic(p, ok, Op::NicAttach),
        Outcome::DetachNic { ok } => nic(p, ok, Op::NicDetach),
        Outcome::Snapshot { op, ok } => snapshot(from, p, op, ok),
        Outcome::DiskSnapshot { ok } => disk_snapshot(p, ok),
        Outcome::DiskResize { ok } => disk_resize(p, ok),
        Outcome::Saveas { ok } => saveas(p, ok),
        Outcome::UpdateConf { ok } => update_conf(p, ok),
        Outcome::Resize { ok } => resize(from, p, ok),
        Outcome::Backup { ok } => backup(p, ok),
        Outcome::Restore { ok } => restore(from, p, ok),
        Outcome::Cloning(cloning) => cloned(p, cloning),
        Outcome::Monitor(seen) => monitor(from, p, seen),
        Outcome::HostError => lost(p),
    }
}
