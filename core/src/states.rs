//! Object states and types with OpenNebula's numeric values and names.
//!
//! Every enum here converts to and from the number on the wire and to OpenNebula's upper-case
//! name (the one the CLI prints and error messages use). The VM life-cycle's transition
//! function is in [`crate::lifecycle`]; this module only names the states.

/// Declares a wire enum: variants with their number and OpenNebula name.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The number on the wire.
            pub fn value(self) -> i32 {
                match self {
                    $($name::$variant => $value,)+
                }
            }

            /// The value for a number on the wire.
            pub fn from_value(value: i32) -> Option<$name> {
                match value {
                    $($value => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// OpenNebula's name.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value for OpenNebula's name.
            pub fn from_name(name: &str) -> Option<$name> {
                match name {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

wire_enum! {
    /// A user's `ENABLED` flag.
    UserState {
        /// The user cannot log in.
        Disabled = 0 => "DISABLED",
        /// The user can log in.
        Enabled = 1 => "ENABLED",
    }
}

wire_enum! {
    /// A VM's `STATE`.
    VmState {
        /// Being created.
        Init = 0 => "INIT",
        /// Waiting for the scheduler.
        Pending = 1 => "PENDING",
        /// Held by the user: not scheduled.
        Hold = 2 => "HOLD",
        /// On a host; `LCM_STATE` says what it is doing.
        Active = 3 => "ACTIVE",
        /// Saved to the system datastore, off any host.
        Stopped = 4 => "STOPPED",
        /// Paused with its memory saved on its host.
        Suspended = 5 => "SUSPENDED",
        /// Gone.
        Done = 6 => "DONE",
        /// Obsolete failure state, kept for its number.
        Failed = 7 => "FAILED",
        /// Powered off on its host.
        Poweroff = 8 => "POWEROFF",
        /// Shut down with its disks in the system datastore.
        Undeployed = 9 => "UNDEPLOYED",
        /// Waiting for its images to be cloned.
        Cloning = 10 => "CLONING",
        /// An image clone failed.
        CloningFailure = 11 => "CLONING_FAILURE",
    }
}

wire_enum! {
    /// A VM's `LCM_STATE` (meaningful while `STATE` is ACTIVE).
    LcmState {
        /// No life-cycle activity.
        LcmInit = 0 => "LCM_INIT",
        /// Copying disks to the host.
        Prolog = 1 => "PROLOG",
        /// Starting on the host.
        Boot = 2 => "BOOT",
        /// Running.
        Running = 3 => "RUNNING",
        /// Live-migrating.
        Migrate = 4 => "MIGRATE",
        /// Saving before a stop.
        SaveStop = 5 => "SAVE_STOP",
        /// Saving before a suspend.
        SaveSuspend = 6 => "SAVE_SUSPEND",
        /// Saving before a cold migration.
        SaveMigrate = 7 => "SAVE_MIGRATE",
        /// Copying disks for a cold migration.
        PrologMigrate = 8 => "PROLOG_MIGRATE",
        /// Copying disks back for a resume from STOPPED.
        PrologResume = 9 => "PROLOG_RESUME",
        /// Moving disks off the host for a stop.
        EpilogStop = 10 => "EPILOG_STOP",
        /// Cleaning up after a shutdown.
        Epilog = 11 => "EPILOG",
        /// Shutting down.
        Shutdown = 12 => "SHUTDOWN",
        /// Unused.
        Cancel = 13 => "CANCEL",
        /// Unused.
        Failure = 14 => "FAILURE",
        /// Cleaning up for a resubmit.
        CleanupResubmit = 15 => "CLEANUP_RESUBMIT",
        /// Not seen by monitoring.
        Unknown = 16 => "UNKNOWN",
        /// Attaching or detaching a disk.
        Hotplug = 17 => "HOTPLUG",
        /// Shutting down to POWEROFF.
        ShutdownPoweroff = 18 => "SHUTDOWN_POWEROFF",
        /// Booting from UNKNOWN.
        BootUnknown = 19 => "BOOT_UNKNOWN",
        /// Booting from POWEROFF.
        BootPoweroff = 20 => "BOOT_POWEROFF",
        /// Booting from SUSPENDED.
        BootSuspended = 21 => "BOOT_SUSPENDED",
        /// Booting from STOPPED.
        BootStopped = 22 => "BOOT_STOPPED",
        /// Cleaning up for a delete.
        CleanupDelete = 23 => "CLEANUP_DELETE",
        /// Taking a VM snapshot.
        HotplugSnapshot = 24 => "HOTPLUG_SNAPSHOT",
        /// Attaching or detaching a NIC.
        HotplugNic = 25 => "HOTPLUG_NIC",
        /// Saving a disk as an image.
        HotplugSaveas = 26 => "HOTPLUG_SAVEAS",
        /// Saving a disk as an image while powered off.
        HotplugSaveasPoweroff = 27 => "HOTPLUG_SAVEAS_POWEROFF",
        /// Saving a disk as an image while suspended.
        HotplugSaveasSuspended = 28 => "HOTPLUG_SAVEAS_SUSPENDED",
        /// Shutting down to UNDEPLOYED.
        ShutdownUndeploy = 29 => "SHUTDOWN_UNDEPLOY",
        /// Moving disks off the host for an undeploy.
        EpilogUndeploy = 30 => "EPILOG_UNDEPLOY",
        /// Copying disks back for a resume from UNDEPLOYED.
        PrologUndeploy = 31 => "PROLOG_UNDEPLOY",
        /// Booting from UNDEPLOYED.
        BootUndeploy = 32 => "BOOT_UNDEPLOY",
        /// Attaching a disk while powered off.
        HotplugPrologPoweroff = 33 => "HOTPLUG_PROLOG_POWEROFF",
        /// Detaching a disk while powered off.
        HotplugEpilogPoweroff = 34 => "HOTPLUG_EPILOG_POWEROFF",
        /// Booting after a cold migration.
        BootMigrate = 35 => "BOOT_MIGRATE",
        /// Boot failed.
        BootFailure = 36 => "BOOT_FAILURE",
        /// Boot after a cold migration failed.
        BootMigrateFailure = 37 => "BOOT_MIGRATE_FAILURE",
        /// Disk copy for a cold migration failed.
        PrologMigrateFailure = 38 => "PROLOG_MIGRATE_FAILURE",
        /// Disk copy failed.
        PrologFailure = 39 => "PROLOG_FAILURE",
        /// Cleanup failed.
        EpilogFailure = 40 => "EPILOG_FAILURE",
        /// Moving disks for a stop failed.
        EpilogStopFailure = 41 => "EPILOG_STOP_FAILURE",
        /// Moving disks for an undeploy failed.
        EpilogUndeployFailure = 42 => "EPILOG_UNDEPLOY_FAILURE",
        /// Migrating a powered-off VM.
        PrologMigratePoweroff = 43 => "PROLOG_MIGRATE_POWEROFF",
        /// Migrating a powered-off VM failed.
        PrologMigratePoweroffFailure = 44 => "PROLOG_MIGRATE_POWEROFF_FAILURE",
        /// Migrating a suspended VM.
        PrologMigrateSuspend = 45 => "PROLOG_MIGRATE_SUSPEND",
        /// Migrating a suspended VM failed.
        PrologMigrateSuspendFailure = 46 => "PROLOG_MIGRATE_SUSPEND_FAILURE",
        /// Boot from UNDEPLOYED failed.
        BootUndeployFailure = 47 => "BOOT_UNDEPLOY_FAILURE",
        /// Boot from STOPPED failed.
        BootStoppedFailure = 48 => "BOOT_STOPPED_FAILURE",
        /// Disk copy for a resume failed.
        PrologResumeFailure = 49 => "PROLOG_RESUME_FAILURE",
        /// Disk copy for an undeploy resume failed.
        PrologUndeployFailure = 50 => "PROLOG_UNDEPLOY_FAILURE",
        /// Taking a disk snapshot while powered off.
        DiskSnapshotPoweroff = 51 => "DISK_SNAPSHOT_POWEROFF",
        /// Reverting a disk snapshot while powered off.
        DiskSnapshotRevertPoweroff = 52 => "DISK_SNAPSHOT_REVERT_POWEROFF",
        /// Deleting a disk snapshot while powered off.
        DiskSnapshotDeletePoweroff = 53 => "DISK_SNAPSHOT_DELETE_POWEROFF",
        /// Taking a disk snapshot while suspended.
        DiskSnapshotSuspended = 54 => "DISK_SNAPSHOT_SUSPENDED",
        /// Unused.
        DiskSnapshotRevertSuspended = 55 => "DISK_SNAPSHOT_REVERT_SUSPENDED",
        /// Deleting a disk snapshot while suspended.
        DiskSnapshotDeleteSuspended = 56 => "DISK_SNAPSHOT_DELETE_SUSPENDED",
        /// Taking a disk snapshot while running.
        DiskSnapshot = 57 => "DISK_SNAPSHOT",
        /// Unused.
        DiskSnapshotRevert = 58 => "DISK_SNAPSHOT_REVERT",
        /// Deleting a disk snapshot while running.
        DiskSnapshotDelete = 59 => "DISK_SNAPSHOT_DELETE",
        /// Migrating a VM in UNKNOWN.
        PrologMigrateUnknown = 60 => "PROLOG_MIGRATE_UNKNOWN",
        /// Migrating a VM in UNKNOWN failed.
        PrologMigrateUnknownFailure = 61 => "PROLOG_MIGRATE_UNKNOWN_FAILURE",
        /// Resizing a disk while running.
        DiskResize = 62 => "DISK_RESIZE",
        /// Resizing a disk while powered off.
        DiskResizePoweroff = 63 => "DISK_RESIZE_POWEROFF",
        /// Resizing a disk while undeployed.
        DiskResizeUndeployed = 64 => "DISK_RESIZE_UNDEPLOYED",
        /// Attaching or detaching a NIC while powered off.
        HotplugNicPoweroff = 65 => "HOTPLUG_NIC_POWEROFF",
        /// Resizing CPU or memory while running.
        HotplugResize = 66 => "HOTPLUG_RESIZE",
        /// Saving a disk as an image while undeployed.
        HotplugSaveasUndeployed = 67 => "HOTPLUG_SAVEAS_UNDEPLOYED",
        /// Saving a disk as an image while stopped.
        HotplugSaveasStopped = 68 => "HOTPLUG_SAVEAS_STOPPED",
        /// Backing up while running.
        Backup = 69 => "BACKUP",
        /// Backing up while powered off.
        BackupPoweroff = 70 => "BACKUP_POWEROFF",
        /// Restoring a backup.
        Restore = 71 => "RESTORE",
    }
}

wire_enum! {
    /// A host's `STATE`.
    HostState {
        /// Added, not monitored yet.
        Init = 0 => "INIT",
        /// Obsolete.
        MonitoringMonitored = 1 => "MONITORING_MONITORED",
        /// Monitored and usable.
        Monitored = 2 => "MONITORED",
        /// Monitoring failed.
        Error = 3 => "ERROR",
        /// Disabled by an operator: monitored, not scheduled.
        Disabled = 4 => "DISABLED",
        /// Obsolete.
        MonitoringError = 5 => "MONITORING_ERROR",
        /// Obsolete.
        MonitoringInit = 6 => "MONITORING_INIT",
        /// Obsolete.
        MonitoringDisabled = 7 => "MONITORING_DISABLED",
        /// Offline: neither monitored nor used.
        Offline = 8 => "OFFLINE",
    }
}

wire_enum! {
    /// An image's `STATE`.
    ImageState {
        /// Being created.
        Init = 0 => "INIT",
        /// Ready to use.
        Ready = 1 => "READY",
        /// Used by VMs (non-persistent).
        Used = 2 => "USED",
        /// Disabled by its owner.
        Disabled = 3 => "DISABLED",
        /// The datastore driver is working on it.
        Locked = 4 => "LOCKED",
        /// The datastore driver failed.
        Error = 5 => "ERROR",
        /// Being cloned.
        Clone = 6 => "CLONE",
        /// Being deleted.
        Delete = 7 => "DELETE",
        /// Used by a VM (persistent).
        UsedPers = 8 => "USED_PERS",
        /// Locked while in use.
        LockedUsed = 9 => "LOCKED_USED",
        /// Locked while in use (persistent).
        LockedUsedPers = 10 => "LOCKED_USED_PERS",
    }
}

wire_enum! {
    /// An image's `TYPE`.
    ImageType {
        /// A bootable disk.
        Os = 0 => "OS",
        /// A read-only CD-ROM.
        Cdrom = 1 => "CDROM",
        /// A data disk.
        Datablock = 2 => "DATABLOCK",
        /// A kernel file.
        Kernel = 3 => "KERNEL",
        /// An initrd file.
        Ramdisk = 4 => "RAMDISK",
        /// A context file.
        Context = 5 => "CONTEXT",
        /// A backup.
        Backup = 6 => "BACKUP",
        /// A filesystem.
        Filesystem = 7 => "FILESYSTEM",
    }
}

wire_enum! {
    /// `DISK_TYPE` of images and datastores.
    DiskType {
        /// A file.
        File = 0 => "FILE",
        /// A CD-ROM file.
        CdRom = 1 => "CD_ROM",
        /// A block device.
        Block = 2 => "BLOCK",
        /// A Ceph RBD volume.
        Rbd = 3 => "RBD",
        /// A Ceph RBD CD-ROM.
        RbdCdrom = 4 => "RBD_CDROM",
        /// A GlusterFS volume.
        Gluster = 5 => "GLUSTER",
        /// A GlusterFS CD-ROM.
        GlusterCdrom = 6 => "GLUSTER_CDROM",
        /// A Sheepdog volume.
        Sheepdog = 7 => "SHEEPDOG",
        /// A Sheepdog CD-ROM.
        SheepdogCdrom = 8 => "SHEEPDOG_CDROM",
        /// An iSCSI LUN.
        Iscsi = 9 => "ISCSI",
        /// A filesystem.
        FileSystem = 10 => "FILE_SYSTEM",
        /// No type.
        None = 255 => "NONE",
    }
}

wire_enum! {
    /// A datastore's `TYPE`.
    DatastoreType {
        /// Holds images.
        Image = 0 => "IMAGE_DS",
        /// Holds running VMs' disks.
        System = 1 => "SYSTEM_DS",
        /// Holds kernels, ramdisks and context files.
        File = 2 => "FILE_DS",
        /// Holds backups.
        Backup = 3 => "BACKUP_DS",
    }
}

wire_enum! {
    /// A datastore's `STATE`.
    DatastoreState {
        /// Usable.
        Ready = 0 => "READY",
        /// Disabled (system datastores only).
        Disabled = 1 => "DISABLED",
    }
}

wire_enum! {
    /// A virtual network's `STATE`.
    VnetState {
        /// Being created.
        Init = 0 => "INIT",
        /// Usable.
        Ready = 1 => "READY",
        /// The network driver is creating it.
        LockCreate = 2 => "LOCK_CREATE",
        /// The network driver is deleting it.
        LockDelete = 3 => "LOCK_DELETE",
        /// Deleted.
        Done = 4 => "DONE",
        /// The network driver failed.
        Error = 5 => "ERROR",
        /// Updating its VMs failed.
        UpdateFailure = 6 => "UPDATE_FAILURE",
    }
}

wire_enum! {
    /// The level of an object lock (`one.*.lock`).
    LockLevel {
        /// Not locked.
        None = 0 => "NONE",
        /// USE, MANAGE and ADMIN operations are refused.
        Use = 1 => "USE",
        /// MANAGE and ADMIN operations are refused.
        Manage = 2 => "MANAGE",
        /// ADMIN operations are refused.
        Admin = 3 => "ADMIN",
        /// Everything is refused (stored as USE).
        All = 4 => "ALL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every enum maps number → value → number and name → value → name.
    fn round_trips<T: Copy + PartialEq + std::fmt::Debug>(
        all: &[T],
        value: fn(T) -> i32,
        from_value: fn(i32) -> Option<T>,
        name: fn(T) -> &'static str,
        from_name: fn(&str) -> Option<T>,
    ) {
        for &v in all {
            assert_eq!(from_value(value(v)), Some(v));
            assert_eq!(from_name(name(v)), Some(v));
        }
    }

    #[test]
    fn numbers_and_names_round_trip() {
        round_trips(VmState::ALL, VmState::value, VmState::from_value, VmState::name, VmState::from_name);
        round_trips(
            LcmState::ALL,
            LcmState::value,
            LcmState::from_value,
            LcmState::name,
            LcmState::from_name,
        );
        round_trips(
            HostState::ALL,
            HostState::value,
            HostState::from_value,
            HostState::name,
            HostState::from_name,
        );
        round_trips(
            ImageState::ALL,
            ImageState::value,
            ImageState::from_value,
            ImageState::name,
            ImageState::from_name,
        );
        round_trips(
            DiskType::ALL,
            DiskType::value,
            DiskType::from_value,
            DiskType::name,
            DiskType::from_name,
        );
    }

    #[test]
    fn numbers_are_opennebulas() {
        assert_eq!(LcmState::ALL.len(), 72);
        for (i, s) in LcmState::ALL.iter().enumerate() {
            assert_eq!(s.value(), i as i32, "{s}");
        }
        assert_eq!(VmState::Poweroff.value(), 8);
        assert_eq!(VmState::CloningFailure.value(), 11);
        assert_eq!(HostState::Offline.value(), 8);
        assert_eq!(ImageState::LockedUsedPers.value(), 10);
        assert_eq!(DiskType::None.value(), 255);
        assert_eq!(LcmState::HotplugResize.value(), 66);
        assert_eq!(DatastoreType::from_name("SYSTEM_DS"), Some(DatastoreType::System));
        assert_eq!(VmState::from_value(12), None);
    }
}
