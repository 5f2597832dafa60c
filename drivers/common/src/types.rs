//! The requests and replies that cross the driver boundary. Objects travel as their
//! OpenNebula XML documents (as OpenNebula's drivers receive them) plus the few fields every
//! driver needs, so drivers do not depend on oned's internals.

use one_core::template::Template;

/// A driver failure, with the driver's message (it ends up in the VM's or host's template).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DriverError {
    /// What failed, for the operator.
    pub message: String,
}

impl DriverError {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        DriverError { message: message.into() }
    }
}

/// The host an action or monitoring round is about.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRef {
    /// Host ID.
    pub id: i32,
    /// Host name (how it is reached).
    pub name: String,
    /// Its monitoring driver.
    pub im_mad: String,
    /// Its virtualization driver.
    pub vm_mad: String,
    /// Its template (driver settings such as `KVM_TYPE` or the dummy's capacity).
    pub template: Template,
}

/// The VM an action is about.
#[derive(Debug, Clone, PartialEq)]
pub struct VmRef {
    /// VM ID.
    pub id: i32,
    /// Its hypervisor-side ID (empty before the first deploy).
    pub deploy_id: String,
    /// The full `<VM>` document.
    pub xml: String,
    /// The VM's TEMPLATE (disks, NICs, capacity, OS, ...).
    pub template: Template,
    /// The VM's USER_TEMPLATE.
    pub user_template: Template,
}

/// A VM action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VmmAction {
    /// Create and start the domain.
    Deploy,
    /// ACPI shutdown.
    Shutdown,
    /// Hard power off.
    Cancel,
    /// Save the memory to the checkpoint and stop the domain.
    Save,
    /// Start the domain from the checkpoint.
    Restore,
    /// ACPI reboot.
    Reboot,
    /// Hard reset.
    Reset,
    /// Live-migrate to the target host.
    Migrate,
    /// Hot-attach a disk.
    AttachDisk,
    /// Hot-detach a disk.
    DetachDisk,
    /// Hot-attach a NIC.
    AttachNic,
    /// Hot-detach a NIC.
    DetachNic,
    /// Take a VM snapshot.
    SnapshotCreate,
    /// Revert to a VM snapshot.
    SnapshotRevert,
    /// Delete a VM snapshot.
    SnapshotDelete,
    /// Take a disk snapshot while running.
    DiskSnapshotCreate,
    /// Resize a disk while running.
    DiskResize,
    /// Change CPU or memory while running.
    Resize,
    /// Apply configuration changes.
    UpdateConf,
    /// Destroy whatever is left of the domain (delete and recover).
    Cleanup,
}

impl VmmAction {
    /// The name OpenNebula's drivers use (`DEPLOY`, `SHUTDOWN`, ...).
    pub fn name(self) -> &'static str {
        match self {
            VmmAction::Deploy => "DEPLOY",
            VmmAction::Shutdown => "SHUTDOWN",
            VmmAction::Cancel => "CANCEL",
            VmmAction::Save => "SAVE",
            VmmAction::Restore => "RESTORE",
            VmmAction::Reboot => "REBOOT",
            VmmAction::Reset => "RESET",
            VmmAction::Migrate => "MIGRATE",
            VmmAction::AttachDisk => "ATTACHDISK",
            VmmAction::DetachDisk => "DETACHDISK",
            VmmAction::AttachNic => "ATTACHNIC",
            VmmAction::DetachNic => "DETACHNIC",
            VmmAction::SnapshotCreate => "SNAPSHOTCREATE",
            VmmAction::SnapshotRevert => "SNAPSHOTREVERT",
            VmmAction::SnapshotDelete => "SNAPSHOTDELETE",
            VmmAction::DiskSnapshotCreate => "DISKSNAPSHOTCREATE",
            VmmAction::DiskResize => "RESIZEDISK",
            VmmAction::Resize => "RESIZE",
            VmmAction::UpdateConf => "UPDATECONF",
            VmmAction::Cleanup => "CLEANUP",
        }
    }
}

/// A VM action request.
#[derive(Debug, Clone, PartialEq)]
pub struct VmmRequest {
    /// What to do.
    pub action: VmmAction,
    /// The VM.
    pub vm: VmRef,
    /// The host it runs on (for migrations: the source).
    pub host: HostRef,
    /// For migrations: the destination.
    pub target: Option<HostRef>,
    /// The system datastore ID.
    pub system_ds: i32,
    /// The disk or NIC ID a hotplug action is about, or the snapshot ID.
    pub object_id: i32,
}

/// What a VM action returned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VmmReply {
    /// The hypervisor-side ID, for actions that start a domain.
    pub deploy_id: Option<String>,
    /// Other information (a snapshot's hypervisor ID, ...).
    pub info: Option<String>,
}

/// The state monitoring reports for a VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportedState {
    /// Running (also paused for migration, booting, ...).
    Running,
    /// Not running on the host (shut down from inside, or missing).
    Poweroff,
    /// Paused by the user or pm-suspended.
    Suspended,
    /// Crashed or in error.
    Failure,
}

/// One VM in a host report.
#[derive(Debug, Clone, PartialEq)]
pub struct VmReport {
    /// VM ID.
    pub id: i32,
    /// Hypervisor-side ID.
    pub deploy_id: String,
    /// Its state.
    pub state: ReportedState,
    /// Monitoring values (CPU, MEMORY, NETRX, NETTX, DISKRDBYTES, ...).
    pub monitoring: Template,
}

/// One monitoring round of a host.
#[derive(Debug, Clone, PartialEq)]
pub struct HostReport {
    /// Total CPU, in percent (100 per core).
    pub total_cpu: i64,
    /// Total memory, KiB.
    pub total_memory: i64,
    /// CPU in use, percent.
    pub used_cpu: i64,
    /// Memory in use, KiB.
    pub used_memory: i64,
    /// Other host information: HYPERVISOR, CPUSPEED, MODELNAME, NETRX, NETTX, PCI, NUMA, ...
    pub info: Template,
    /// The VMs found on the host.
    pub vms: Vec<VmReport>,
}

/// A transfer action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TmAction {
    /// Bring the disks to the host before the first boot.
    Prolog,
    /// Move the disks to the new host of a cold migration.
    PrologMigrate,
    /// Bring the disks back from the system datastore (resume from STOPPED/UNDEPLOYED).
    PrologResume,
    /// Remove the disks (saving persistent ones back).
    Epilog,
    /// Move the disks off the host to the system datastore (stop, undeploy).
    EpilogStop,
    /// Remove the disks of a VM being deleted.
    EpilogDelete,
    /// Prepare a live migration on the destination.
    PreMigrate,
    /// Finish a live migration on the source.
    PostMigrate,
    /// Copy a hot-attached disk to the host.
    AttachDisk,
    /// Remove a detached disk from the host.
    DetachDisk,
    /// Snapshot a disk.
    SnapshotCreate,
    /// Revert a disk to a snapshot.
    SnapshotRevert,
    /// Delete a disk snapshot.
    SnapshotDelete,
    /// Copy a disk into a new image.
    SaveAs,
    /// Resize a disk.
    Resize,
}

/// A transfer request.
#[derive(Debug, Clone, PartialEq)]
pub struct TmRequest {
    /// What to do.
    pub action: TmAction,
    /// The VM.
    pub vm: VmRef,
    /// Where the disks go (or are).
    pub host: HostRef,
    /// For migrations: where they come from.
    pub source: Option<HostRef>,
    /// The system datastore ID.
    pub system_ds: i32,
    /// The disk an action is about (-1: all).
    pub disk_id: i32,
}

/// The datastore an image action or monitoring round is about.
#[derive(Debug, Clone, PartialEq)]
pub struct DatastoreRef {
    /// Datastore ID.
    pub id: i32,
    /// Its DS_MAD.
    pub ds_mad: String,
    /// Its TM_MAD.
    pub tm_mad: String,
    /// Where it keeps images.
    pub base_path: String,
    /// Its template.
    pub template: Template,
}

/// An image action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DsAction {
    /// Register an image from PATH.
    Copy,
    /// Create an empty datablock.
    Mkfs,
    /// Clone an image.
    Clone,
    /// Remove an image.
    Remove,
    /// Delete an image snapshot.
    SnapshotDelete,
    /// Revert an image to a snapshot.
    SnapshotRevert,
    /// Flatten an image's snapshots.
    SnapshotFlatten,
}

/// An image action request.
#[derive(Debug, Clone, PartialEq)]
pub struct DsRequest {
    /// What to do.
    pub action: DsAction,
    /// The image ID.
    pub image_id: i32,
    /// The `<IMAGE>` document.
    pub image_xml: String,
    /// The image's template (PATH, SIZE, FORMAT, FS, ...).
    pub template: Template,
    /// The datastore.
    pub datastore: DatastoreRef,
    /// For clones: the source image's SOURCE.
    pub clone_source: Option<String>,
    /// For snapshot actions: the snapshot ID.
    pub snapshot_id: i32,
}

/// What an image action returned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DsReply {
    /// Where the image now lives (SOURCE).
    pub source: Option<String>,
    /// Its format (raw, qcow2).
    pub format: Option<String>,
    /// Its size in MB.
    pub size_mb: Option<i64>,
}

/// A datastore's capacity, MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DsCapacity {
    /// Total.
    pub total_mb: i64,
    /// Free.
    pub free_mb: i64,
    /// Used.
    pub used_mb: i64,
}
