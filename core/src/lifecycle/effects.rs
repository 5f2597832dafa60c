//! The effects of a life-cycle step: what the daemon must do, as data, in the order to do it.
//!
//! A [`Step`](super::Step) lists effects the daemon executes literally after it has stored the
//! new status. Effects that need data from the request (the host a deploy goes to, the disk to
//! attach, the new capacity) take it from the request: the daemon validates that data before it
//! applies the step, as OpenNebula does right after its state check. History effects are no-ops
//! for a VM without history records.

use super::history::HistoryAction;

/// One thing the daemon must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Start a virtualization driver operation (its reply comes back as an
    /// [`Outcome`](super::Outcome)).
    Vmm(VmmOp),
    /// Start a transfer manager operation (its reply comes back as an
    /// [`Outcome`](super::Outcome)).
    Tm(TmOp),
    /// Kill the driver action in progress for the VM (`DRIVER_CANCEL`); the killed action's
    /// failure report then arrives in a state that ignores it.
    CancelDriver(Driver),
    /// Add the VM's capacity (CPU, memory, `RUNNING_VMS`, PCI) to a host's share and the VM to
    /// the host's `VMS` list, unless the host already counts the VM.
    Reserve(HostRef),
    /// Remove the VM's capacity from a host's share and the VM from its `VMS` list, if the host
    /// counts the VM (OpenNebula's `Host::del_capacity` guard).
    Release(HostRef),
    /// Append a history record for the host and system datastore of the request (deploy,
    /// migrate): new `SEQ`, times 0, `ACTION` none. The former last record becomes the previous
    /// one.
    OpenHistory,
    /// Append a copy of the current record (same host, datastore and drivers; times 0, `ACTION`
    /// none); the former one becomes the previous record.
    CopyHistory,
    /// Append a copy of the previous record (a migration rolled back to its source host); the
    /// former current record becomes the previous one.
    CopyPreviousHistory,
    /// OpenNebula's `close_cp_history` for an operation on a deployed VM: stamp `RETIME` of the
    /// current record if unset, stamp `ETIME`, set its `ACTION`, then append a copy that keeps
    /// the old record's `ACTION` internally, with `STIME` and `RSTIME` now (and `RETIME` now when
    /// the VM was not running).
    CloseAndCopyHistory(HistoryAction),
    /// Set the `ACTION` of a record.
    SetAction(Record, HistoryAction),
    /// Set the `ACTION` of a record when it is none (stop/undeploy completion, so a later
    /// deploy knows where the disks are).
    SetActionIfNone(Record, HistoryAction),
    /// Set a time of a record to now.
    Stamp(Record, Stamp),
    /// Set a time of a record to now if it is 0.
    StampIfUnset(Record, Stamp),
    /// Set a time of a record to 0 (the VM is running again in the same record).
    Unstamp(Record, Stamp),
    /// Close the current record when the VM is disposed of: `RETIME` now if the VM ran in it
    /// and `RETIME` is unset, `ETIME` now if unset.
    CloseHistory,
    /// Set up an operation's bookkeeping from the request (see [`Op`]).
    Begin(Op),
    /// Complete an operation's bookkeeping after the driver succeeded.
    Commit(Op),
    /// Undo an operation's bookkeeping after the driver failed.
    Rollback(Op),
    /// Drop the in-progress mark of an operation cut short by a delete, keeping its changes.
    Forget(Op),
    /// Delete the VM's system snapshots; with `unless_kept`, only when the VM's driver does not
    /// keep them (`KEEP_SNAPSHOTS`).
    DropSnapshots {
        /// Keep them if the virtualization driver keeps snapshots.
        unless_kept: bool,
    },
    /// Delete the snapshots of non-persistent disks (delete-recreate starts from fresh disks).
    DropNonPersistentDiskSnapshots,
    /// Set (`true`) or clear the `RESCHED` flag.
    SetResched(bool),
    /// Forget the hypervisor's deploy id (`DEPLOY_ID` empty).
    ClearDeployId,
    /// Set the deploy id to `one-<id>` if it is empty (recover success of a boot).
    DefaultDeployId,
    /// Recompute `AUTOMATIC_REQUIREMENTS` (and the DS/NIC ones). May fail: the daemon runs it
    /// first and, on failure, aborts the request with OpenNebula's message.
    AutomaticRequirements,
    /// Wake the scheduler: the VM is waiting for a placement.
    Schedule,
    /// Look at the images being cloned for the VM again; the daemon reports the result as
    /// [`Outcome::Cloning`](super::Outcome::Cloning).
    RecheckClonedImages,
    /// Return the VM's network leases to their networks (and its security group membership).
    ReleaseLeases,
    /// Release the VM's images (running-VM counters, persistent locks; images saved on
    /// termination). `check_state`: also update the images' states (false for delete-db).
    ReleaseImages {
        /// Update the images' states from the VM's.
        check_state: bool,
    },
    /// Set the VM's `ETIME` (exit time) to now.
    SetExitTime,
    /// The rest of disposing of a VM: VM group, VNC port, quotas, scheduled actions, virtual
    /// router membership.
    DisposeExtras,
    /// Write an informational message to the VM's log.
    Log(&'static str),
}

/// A virtualization (VMM) driver operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VmmOp {
    /// `DEPLOY`: create the VM on the host.
    Deploy,
    /// `SHUTDOWN`: ACPI shutdown.
    Shutdown,
    /// `CANCEL`: destroy the VM.
    Cancel,
    /// `SAVE`: save the memory to the checkpoint file.
    Save,
    /// `RESTORE`: start the VM from the checkpoint file.
    Restore,
    /// `REBOOT`.
    Reboot,
    /// `RESET`.
    Reset,
    /// `MIGRATE`: live migration to the current record's host.
    Migrate,
    /// `ATTACHDISK`.
    AttachDisk,
    /// `DETACHDISK`.
    DetachDisk,
    /// `ATTACHNIC`.
    AttachNic,
    /// `DETACHNIC`.
    DetachNic,
    /// `SNAPSHOTCREATE`.
    SnapshotCreate,
    /// `SNAPSHOTREVERT`.
    SnapshotRevert,
    /// `SNAPSHOTDELETE`.
    SnapshotDelete,
    /// `DISKSNAPSHOTCREATE` (live disk snapshot).
    DiskSnapshotCreate,
    /// `RESIZEDISK`.
    DiskResize,
    /// `RESIZE` (hot CPU/memory resize).
    Resize,
    /// `UPDATECONF`.
    UpdateConf,
    /// `BACKUP`.
    Backup,
    /// `BACKUPCANCEL`.
    BackupCancel,
    /// `CLEANUP` on the current host (destroy and delete its disks); reported as
    /// [`Outcome::CleanupDone`](super::Outcome::CleanupDone) either way.
    Cleanup,
    /// `CLEANUP` on the current host and the previous one (a live migration cut short).
    CleanupBoth,
    /// `CLEANUP` on the previous host only (a cold migration cut short while saving).
    CleanupPrevious,
}

/// A transfer manager (TM) operation; its reply is a prolog/epilog or hotplug outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TmOp {
    /// Copy or link the disks to the host and build the context (`CLONE`, `LN`, `MKSWAP`,
    /// `CONTEXT`, ...).
    Prolog,
    /// Move the disks from the previous host to the current one.
    PrologMigrate,
    /// Move the disks back from the system datastore (resume after stop or undeploy).
    PrologResume,
    /// Copy the disk being attached to a powered-off VM.
    PrologAttach,
    /// Save persistent disks back and delete the VM's directory on the host.
    Epilog,
    /// Like [`TmOp::Epilog`] for a VM whose disks were moved off the host (stopped or
    /// undeployed).
    EpilogLocal,
    /// Move the disks off the host to the system datastore (stop, undeploy).
    EpilogStop,
    /// Delete the VM's disks without saving anything (delete, delete-recreate).
    EpilogDelete,
    /// Delete the VM's disks on both the current and the previous host (a cold migration cut
    /// short).
    EpilogDeleteBoth,
    /// Delete the disk being detached from a powered-off VM.
    EpilogDetach,
    /// Take a disk snapshot.
    SnapshotCreate,
    /// Revert a disk to a snapshot.
    SnapshotRevert,
    /// Delete a disk snapshot.
    SnapshotDelete,
    /// Resize a disk.
    DiskResize,
    /// Copy a disk to the new image of a disk-saveas (OpenNebula starts it once the image is
    /// registered).
    SaveAs,
    /// Copy a backup onto the VM's disks.
    Restore,
}

/// Which driver a [`Effect::CancelDriver`] addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Driver {
    /// The virtualization driver.
    Vmm,
    /// The transfer manager driver.
    Tm,
}

/// A host named relative to the VM's history records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostRef {
    /// The host of the current (last) record.
    Current,
    /// The host of the current record, only when it differs from the previous record's (a
    /// migration between hosts, not between datastores of one host).
    Moved,
    /// The host of the previous record, only when it differs from the current record's.
    Previous,
}

/// A history record named relative to the VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Record {
    /// The current (last) record.
    Current,
    /// The one before it.
    Previous,
}

/// A time of a history record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stamp {
    /// `STIME`.
    Start,
    /// `ETIME`.
    End,
    /// `PSTIME`.
    PrologStart,
    /// `PETIME`.
    PrologEnd,
    /// `RSTIME`.
    RunningStart,
    /// `RETIME`.
    RunningEnd,
    /// `ESTIME`.
    EpilogStart,
    /// `EETIME`.
    EpilogEnd,
}

/// An operation with bookkeeping on the VM that a driver reply completes or undoes.
///
/// | Op | Begin | Commit | Rollback | Forget |
/// |---|---|---|---|---|
/// | `DiskAttach` | add the disk (`ATTACH=YES`), take its image | clear `ATTACH` | remove the `ATTACH` disk, release its image | clear `ATTACH` |
/// | `DiskDetach` | mark the disk `ATTACH=YES` | remove the `ATTACH` disk, release its image | clear `ATTACH` | clear `ATTACH` |
/// | `NicAttach` | add the NIC (`ATTACH=YES`), take its lease | clear `ATTACH` | remove the `ATTACH` NIC, free its lease | clear `ATTACH` |
/// | `NicDetach` | mark the NIC `ATTACH=YES` | remove the `ATTACH` NIC, free its lease | clear `ATTACH` | clear `ATTACH` |
/// | `SnapshotCreate` | add the snapshot as `ACTIVE` | clear `ACTIVE` | delete the `ACTIVE` snapshot | — |
/// | `SnapshotRevert` | mark the snapshot `ACTIVE` | clear `ACTIVE` | clear `ACTIVE` | — |
/// | `SnapshotDelete` | mark the snapshot `ACTIVE` | delete the `ACTIVE` snapshot | clear `ACTIVE` | — |
/// | `DiskSnapshot*` | add/mark the disk snapshot | apply it (quotas, image) | undo it | clear the mark |
/// | `DiskResize` | set the new size | keep it (quotas) | restore the old size | restore the old size |
/// | `Resize` | set the new CPU/VCPU/MEMORY, keep the old ones | drop the old ones | restore the old ones | drop the old ones |
/// | `Saveas` | mark the disk to save | unlock the new image | new image to ERROR | new image to ERROR |
/// | `Backup`, `Restore` | record the target | record the result | log the failure | — |
///
/// `Rollback(DiskAttach)` and `Commit(DiskDetach)` both remove the disk marked `ATTACH=YES`
/// (OpenNebula's `delete_attach_disk`), so a recover of HOTPLUG acts on whichever operation
/// marked the disk. Capacity changes of `Resize` are separate [`Effect::Release`] and
/// [`Effect::Reserve`] effects around the `Begin`/`Rollback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Disk attach.
    DiskAttach,
    /// Disk detach.
    DiskDetach,
    /// NIC attach.
    NicAttach,
    /// NIC detach.
    NicDetach,
    /// System snapshot create.
    SnapshotCreate,
    /// System snapshot revert.
    SnapshotRevert,
    /// System snapshot delete.
    SnapshotDelete,
    /// Disk snapshot create.
    DiskSnapshotCreate,
    /// Disk snapshot revert.
    DiskSnapshotRevert,
    /// Disk snapshot delete.
    DiskSnapshotDelete,
    /// Disk resize.
    DiskResize,
    /// Capacity resize.
    Resize,
    /// Disk save-as.
    Saveas,
    /// Backup.
    Backup,
    /// Restore from a backup.
    Restore,
}
