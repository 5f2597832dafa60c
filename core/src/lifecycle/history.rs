//! The `ACTION` of a VM history record (OpenNebula's `VMActions::Action`), with its number on
//! the wire and its name: the operation that closed (or is running in) the record.

/// Declares the enum, its numbers and names from one table.
macro_rules! history_actions {
    ($($(#[$doc:meta])* $variant:ident = $value:literal => $text:literal,)+) => {
        /// The `ACTION` of a history record (`HISTORY/ACTION`, `include/VMActions.h`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum HistoryAction {
            $($(#[$doc])* $variant,)+
        }

        impl HistoryAction {
            /// Every action, in numeric order.
            pub const ALL: &'static [HistoryAction] = &[$(HistoryAction::$variant,)+];

            /// The number on the wire.
            pub fn value(self) -> i32 {
                match self {
                    $(HistoryAction::$variant => $value,)+
                }
            }

            /// The action for a number on the wire (3, 4 and 12 are retired).
            pub fn from_value(value: i32) -> Option<HistoryAction> {
                match value {
                    $($value => Some(HistoryAction::$variant),)+
                    _ => None,
                }
            }

            /// OpenNebula's name (`VMActions::action_to_str`), as the CLI prints it.
            pub fn name(self) -> &'static str {
                match self {
                    $(HistoryAction::$variant => $text,)+
                }
            }

            /// The action for OpenNebula's name.
            pub fn from_name(name: &str) -> Option<HistoryAction> {
                match name {
                    $($text => Some(HistoryAction::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

history_actions! {
    /// No action (a record still open, or closed by the life-cycle itself).
    None = 0 => "none",
    /// Cold migration (saving the VM).
    Migrate = 1 => "migrate",
    /// Live migration.
    LiveMigrate = 2 => "live-migrate",
    /// Undeploy.
    Undeploy = 5 => "undeploy",
    /// Undeploy, destroying the VM.
    UndeployHard = 6 => "undeploy-hard",
    /// Hold.
    Hold = 7 => "hold",
    /// Release.
    Release = 8 => "release",
    /// Stop.
    Stop = 9 => "stop",
    /// Suspend.
    Suspend = 10 => "suspend",
    /// Resume.
    Resume = 11 => "resume",
    /// Recover delete.
    Delete = 13 => "delete",
    /// Recover delete-recreate.
    DeleteRecreate = 14 => "delete-recreate",
    /// Reboot.
    Reboot = 15 => "reboot",
    /// Reset.
    RebootHard = 16 => "reboot-hard",
    /// Set the reschedule flag.
    Resched = 17 => "resched",
    /// Clear the reschedule flag.
    Unresched = 18 => "unresched",
    /// Power off.
    Poweroff = 19 => "poweroff",
    /// Power off, destroying the VM.
    PoweroffHard = 20 => "poweroff-hard",
    /// Disk attach.
    DiskAttach = 21 => "disk-attach",
    /// Disk detach.
    DiskDetach = 22 => "disk-detach",
    /// NIC attach.
    NicAttach = 23 => "nic-attach",
    /// NIC detach.
    NicDetach = 24 => "nic-detach",
    /// Disk snapshot create.
    DiskSnapshotCreate = 25 => "disk-snapshot-create",
    /// Disk snapshot delete.
    DiskSnapshotDelete = 26 => "disk-snapshot-delete",
    /// Terminate.
    Terminate = 27 => "terminate",
    /// Terminate, destroying the VM.
    TerminateHard = 28 => "terminate-hard",
    /// Disk resize.
    DiskResize = 29 => "disk-resize",
    /// Deploy.
    Deploy = 30 => "deploy",
    /// Change owner.
    Chown = 31 => "chown",
    /// Change permissions.
    Chmod = 32 => "chmod",
    /// Update the configuration.
    Updateconf = 33 => "updateconf",
    /// Rename.
    Rename = 34 => "rename",
    /// Capacity resize.
    Resize = 35 => "resize",
    /// Update the user template.
    Update = 36 => "update",
    /// System snapshot create.
    SnapshotCreate = 37 => "snapshot-create",
    /// System snapshot delete.
    SnapshotDelete = 38 => "snapshot-delete",
    /// System snapshot revert.
    SnapshotRevert = 39 => "snapshot-revert",
    /// Save a disk as a new image.
    DiskSaveas = 40 => "disk-saveas",
    /// Disk snapshot revert.
    DiskSnapshotRevert = 41 => "disk-snapshot-revert",
    /// Recover success or failure.
    Recover = 42 => "recover",
    /// Recover retry.
    Retry = 43 => "retry",
    /// A change seen by monitoring.
    Monitor = 44 => "monitor",
    /// Disk snapshot rename.
    DiskSnapshotRename = 45 => "disk-snapshot-rename",
    /// NIC alias attach.
    AliasAttach = 46 => "alias-attach",
    /// NIC alias detach.
    AliasDetach = 47 => "alias-detach",
    /// Cold migration powering the VM off.
    PoweroffMigrate = 48 => "poweroff-migrate",
    /// Cold migration destroying the VM.
    PoweroffHardMigrate = 49 => "poweroff-hard-migrate",
    /// Backup.
    Backup = 50 => "backup",
    /// NIC update.
    NicUpdate = 51 => "nic-update",
    /// Backup cancel.
    BackupCancel = 52 => "backup-cancel",
    /// Add a scheduled action.
    SchedAdd = 53 => "sched-add",
    /// Update a scheduled action.
    SchedUpdate = 54 => "sched-update",
    /// Delete a scheduled action.
    SchedDelete = 55 => "sched-delete",
    /// Security group attach.
    SgAttach = 56 => "sg-attach",
    /// Security group detach.
    SgDetach = 57 => "sg-detach",
    /// PCI device attach.
    PciAttach = 58 => "pci-attach",
    /// PCI device detach.
    PciDetach = 59 => "pci-detach",
    /// Restore from a backup.
    Restore = 60 => "restore",
    /// Run a command in the guest.
    Exec = 61 => "exec",
    /// Retry a guest command.
    ExecRetry = 62 => "exec-retry",
    /// Cancel a guest command.
    ExecCancel = 63 => "exec-cancel",
    /// Add to a VM group.
    VmgroupAdd = 64 => "vmgroup-add",
    /// Remove from a VM group.
    VmgroupDel = 65 => "vmgroup-del",
}

impl std::fmt::Display for HistoryAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::HistoryAction;

    #[test]
    fn numbers_and_names_round_trip() {
        assert_eq!(HistoryAction::ALL.len(), 63);
        for &a in HistoryAction::ALL {
            assert_eq!(HistoryAction::from_value(a.value()), Some(a));
            assert_eq!(HistoryAction::from_name(a.name()), Some(a));
        }
        assert_eq!(HistoryAction::Stop.value(), 9);
        assert_eq!(HistoryAction::PoweroffHardMigrate.value(), 49);
        assert_eq!(HistoryAction::VmgroupDel.value(), 65);
        assert_eq!(HistoryAction::from_value(3), None);
        assert_eq!(HistoryAction::from_value(12), None);
    }
}
