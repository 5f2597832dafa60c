//! Every status sorted into a family ([`Phase`]) in one exhaustive match: the only place that
//! looks at individual LCM states. The transition code decides on families, so a new state
//! only needs a decision here (which family, which kind) and the compiler checks the rest.

use super::Status;
use crate::states::{LcmState as L, VmState as S};

/// The family of a status, with what the VM is doing and where it returns to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// INIT.
    Init,
    /// PENDING.
    Pending,
    /// HOLD.
    Hold,
    /// STOPPED.
    Stopped,
    /// SUSPENDED.
    Suspended,
    /// DONE.
    Done,
    /// FAILED (retired in OpenNebula 5.0; never produced).
    Failed,
    /// POWEROFF.
    Poweroff,
    /// UNDEPLOYED.
    Undeployed,
    /// CLONING.
    Cloning,
    /// CLONING_FAILURE.
    CloningFailure,
    /// ACTIVE/LCM_INIT (OpenNebula's instant between the dispatch and life-cycle managers).
    Idle,
    /// RUNNING.
    Running,
    /// UNKNOWN.
    Unknown,
    /// Copying disks to the host.
    Prolog(Prolog),
    /// A prolog failed.
    PrologFailed(Prolog),
    /// Starting on the host.
    Boot(Boot),
    /// A boot failed (only the kinds that have a failure state).
    BootFailed(Boot),
    /// MIGRATE (live migration).
    LiveMigrate,
    /// Saving the memory.
    Save(Save),
    /// Shutting down.
    Shutdown(Shutdown),
    /// Cleaning up on the host.
    Epilog(Epilog),
    /// An epilog failed.
    EpilogFailed(Epilog),
    /// CLEANUP_RESUBMIT / CLEANUP_DELETE.
    Cleanup(Cleanup),
    /// HOTPLUG: disk attach or detach, or a live configuration update, on a running VM.
    Hotplug,
    /// HOTPLUG_PROLOG_POWEROFF / HOTPLUG_EPILOG_POWEROFF.
    DiskPoweroff(DiskChange),
    /// HOTPLUG_SNAPSHOT.
    Snapshot,
    /// HOTPLUG_NIC (running) / HOTPLUG_NIC_POWEROFF.
    Nic(Base),
    /// HOTPLUG_SAVEAS and its variants.
    Saveas(Base),
    /// DISK_SNAPSHOT and its variants.
    DiskSnapshot(DiskSnap, Base),
    /// DISK_RESIZE and its variants.
    DiskResize(Base),
    /// HOTPLUG_RESIZE.
    Resize,
    /// BACKUP / BACKUP_POWEROFF.
    Backup(Base),
    /// RESTORE (from a backup, powered off).
    Restore,
    /// LCM states OpenNebula never enters (CANCEL, FAILURE, the two disk-snapshot reverts
    /// other than POWEROFF's).
    Obsolete,
}

/// Which prolog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prolog {
    /// PROLOG: first deploy.
    Deploy,
    /// PROLOG_RESUME: after a stop.
    Resume,
    /// PROLOG_UNDEPLOY: after an undeploy.
    Undeploy,
    /// PROLOG_MIGRATE: cold migration of a running VM.
    Migrate,
    /// PROLOG_MIGRATE_POWEROFF.
    MigratePoweroff,
    /// PROLOG_MIGRATE_SUSPEND.
    MigrateSuspend,
    /// PROLOG_MIGRATE_UNKNOWN.
    MigrateUnknown,
}

/// Which boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Boot {
    /// BOOT: first boot, or after a poweroff migration.
    Deploy,
    /// BOOT_MIGRATE: restore after a cold migration.
    Migrate,
    /// BOOT_STOPPED: restore after a stop.
    Stopped,
    /// BOOT_UNDEPLOY: boot after an undeploy.
    Undeploy,
    /// BOOT_POWEROFF: resume of a powered-off VM.
    Poweroff,
    /// BOOT_SUSPENDED: resume of a suspended VM.
    Suspended,
    /// BOOT_UNKNOWN: resume of a VM in UNKNOWN.
    Unknown,
}

/// Why the memory is being saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Save {
    /// SAVE_STOP.
    Stop,
    /// SAVE_SUSPEND.
    Suspend,
    /// SAVE_MIGRATE (also a poweroff migration's shutdown).
    Migrate,
}

/// Why the VM is shutting down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shutdown {
    /// SHUTDOWN (terminate).
    Terminate,
    /// SHUTDOWN_POWEROFF.
    Poweroff,
    /// SHUTDOWN_UNDEPLOY.
    Undeploy,
}

/// Which epilog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Epilog {
    /// EPILOG (terminate).
    Terminate,
    /// EPILOG_STOP.
    Stop,
    /// EPILOG_UNDEPLOY.
    Undeploy,
}

/// Which clean-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cleanup {
    /// CLEANUP_RESUBMIT: delete-recreate, waiting for the clean-up to finish.
    Resubmit,
    /// CLEANUP_DELETE: delete (we go to DONE in the same step, so never stored).
    Delete,
}

/// A disk change on a powered-off VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiskChange {
    /// HOTPLUG_PROLOG_POWEROFF.
    Attach,
    /// HOTPLUG_EPILOG_POWEROFF.
    Detach,
}

/// A disk snapshot operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiskSnap {
    /// DISK_SNAPSHOT*.
    Create,
    /// DISK_SNAPSHOT_REVERT_POWEROFF.
    Revert,
    /// DISK_SNAPSHOT_DELETE*.
    Delete,
}

/// The state an operation returns to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    /// ACTIVE/RUNNING.
    Running,
    /// POWEROFF.
    Poweroff,
    /// SUSPENDED.
    Suspended,
    /// UNDEPLOYED.
    Undeployed,
    /// STOPPED.
    Stopped,
}

/// The family of a status (an ACTIVE status by its LCM state, any other by its state).
pub(crate) fn phase(status: Status) -> Phase {
    match status.state {
        S::Init => Phase::Init,
        S::Pending => Phase::Pending,
        S::Hold => Phase::Hold,
        S::Stopped => Phase::Stopped,
        S::Suspended => Phase::Suspended,
        S::Done => Phase::Done,
        S::Failed => Phase::Failed,
        S::Poweroff => Phase::Poweroff,
        S::Undeployed => Phase::Undeployed,
        S::Cloning => Phase::Cloning,
        S::CloningFailure => Phase::CloningFailure,
        S::Active => active_phase(status.lcm),
    }
}

fn active_phase(lcm: L) -> Phase {
    match lcm {
        L::LcmInit => Phase::Idle,
        L::Running => Phase::Running,
        L::Unknown => Phase::Unknown,
        L::Prolog => Phase::Prolog(Prolog::Deploy),
        L::PrologResume => Phase::Prolog(Prolog::Resume),
        L::PrologUndeploy => Phase::Prolog(Prolog::Undeploy),
        L::PrologMigrate => Phase::Prolog(Prolog::Migrate),
        L::PrologMigratePoweroff => Phase::Prolog(Prolog::MigratePoweroff),
        L::PrologMigrateSuspend => Phase::Prolog(Prolog::MigrateSuspend),
        L::PrologMigrateUnknown => Phase::Prolog(Prolog::MigrateUnknown),
        L::PrologFailure => Phase::PrologFailed(Prolog::Deploy),
        L::PrologResumeFailure => Phase::PrologFailed(Prolog::Resume),
        L::PrologUndeployFailure => Phase::PrologFailed(Prolog::Undeploy),
        L::PrologMigrateFailure => Phase::PrologFailed(Prolog::Migrate),
        L::PrologMigratePoweroffFailure => Phase::PrologFailed(Prolog::MigratePoweroff),
        L::PrologMigrateSuspendFailure => Phase::PrologFailed(Prolog::MigrateSuspend),
        L::PrologMigrateUnknownFailure => Phase::PrologFailed(Prolog::MigrateUnknown),
        L::Boot => Phase::Boot(Boot::Deploy),
        L::BootMigrate => Phase::Boot(Boot::Migrate),
        L::BootStopped => Phase::Boot(Boot::Stopped),
        L::BootUndeploy => Phase::Boot(Boot::Undeploy),
        L::BootPoweroff => Phase::Boot(Boot::Poweroff),
        L::BootSuspended => Phase::Boot(Boot::Suspended),
        L::BootUnknown => Phase::Boot(Boot::Unknown),
        L::BootFailure => Phase::BootFailed(Boot::Deploy),
        L::BootMigrateFailure => Phase::BootFailed(Boot::Migrate),
        L::BootStoppedFailure => Phase::BootFailed(Boot::Stopped),
        L::BootUndeployFailure => Phase::BootFailed(Boot::Undeploy),
        L::Migrate => Phase::LiveMigrate,
        L::SaveStop => Phase::Save(Save::Stop),
        L::SaveSuspend => Phase::Save(Save::Suspend),
        L::SaveMigrate => Phase::Save(Save::Migrate),
        L::Shutdown => Phase::Shutdown(Shutdown::Terminate),
        L::ShutdownPoweroff => Phase::Shutdown(Shutdown::Poweroff),
        L::ShutdownUndeploy => Phase::Shutdown(Shutdown::Undeploy),
        L::Epilog => Phase::Epilog(Epilog::Terminate),
        L::EpilogStop => Phase::Epilog(Epilog::Stop),
        L::EpilogUndeploy => Phase::Epilog(Epilog::Undeploy),
        L::EpilogFailure => Phase::EpilogFailed(Epilog::Terminate),
        L::EpilogStopFailure => Phase::EpilogFailed(Epilog::Stop),
        L::EpilogUndeployFailure => Phase::EpilogFailed(Epilog::Undeploy),
        L::CleanupResubmit => Phase::Cleanup(Cleanup::Resubmit),
        L::CleanupDelete => Phase::Cleanup(Cleanup::Delete),
        L::Hotplug => Phase::Hotplug,
        L::HotplugPrologPoweroff => Phase::DiskPoweroff(DiskChange::Attach),
        L::HotplugEpilogPoweroff => Phase::DiskPoweroff(DiskChange::Detach),
        L::HotplugSnapshot => Phase::Snapshot,
        L::HotplugNic => Phase::Nic(Base::Running),
        L::HotplugNicPoweroff => Phase::Nic(Base::Poweroff),
        L::HotplugSaveas => Phase::Saveas(Base::Running),
        L::HotplugSaveasPoweroff => Phase::Saveas(Base::Poweroff),
        L::HotplugSaveasSuspended => Phase::Saveas(Base::Suspended),
        L::HotplugSaveasUndeployed => Phase::Saveas(Base::Undeployed),
        L::HotplugSaveasStopped => Phase::Saveas(Base::Stopped),
        L::DiskSnapshot => Phase::DiskSnapshot(DiskSnap::Create, Base::Running),
        L::DiskSnapshotPoweroff => Phase::DiskSnapshot(DiskSnap::Create, Base::Poweroff),
        L::DiskSnapshotSuspended => Phase::DiskSnapshot(DiskSnap::Create, Base::Suspended),
        L::DiskSnapshotRevertPoweroff => Phase::DiskSnapshot(DiskSnap::Revert, Base::Poweroff),
        L::DiskSnapshotDelete => Phase::DiskSnapshot(DiskSnap::Delete, Base::Running),
        L::DiskSnapshotDeletePoweroff => Phase::DiskSnapshot(DiskSnap::Delete, Base::Poweroff),
        L::DiskSnapshotDeleteSuspended => Phase::DiskSnapshot(DiskSnap::Delete, Base::Suspended),
        L::DiskResize => Phase::DiskResize(Base::Running),
        L::DiskResizePoweroff => Phase::DiskResize(Base::Poweroff),
        L::DiskResizeUndeployed => Phase::DiskResize(Base::Undeployed),
        L::HotplugResize => Phase::Resize,
        L::Backup => Phase::Backup(Base::Running),
        L::BackupPoweroff => Phase::Backup(Base::Poweroff),
        L::Restore => Phase::Restore,
        L::Cancel | L::Failure | L::DiskSnapshotRevertSuspended | L::DiskSnapshotRevert => Phase::Obsolete,
    }
}

/// An or-pattern of [`Phase`] variants written without the `Phase::` prefix, for the long
/// lists of families an arm covers: `phases!(Init, Pending, Prolog(..))`.
macro_rules! phases {
    ($($variant:ident $(($($payload:tt)*))?),+ $(,)?) => {
        $($crate::lifecycle::phase::Phase::$variant $(($($payload)*))?)|+
    };
}
pub(crate) use phases;
