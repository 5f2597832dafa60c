//! `one-drivers`: what oned asks of hypervisors, hosts and storage, behind traits, with a
//! simulated implementation (`dummy`) that is a product feature (demos, the lab's quick mode,
//! scale tests), as OpenNebula's `dummy` drivers are.
//!
//! - [`Vmm`]: virtual machine actions (deploy, shutdown, save, migrate, hotplug, ...);
//! - [`Im`]: host monitoring (capacity, and the state of the VMs a host runs);
//! - [`Tm`]: moving VM disks between datastores and hosts (prolog, epilog, ...);
//! - [`Ds`]: image work in image datastores (register, clone, delete, monitor);
//! - [`plan`]: multi-step actions whose completed steps are undone when a later one fails;
//! - [`dummy`]: the simulated drivers, with configurable capacity, delay and failures.
//!
//! Driver calls are blocking (libvirt and SSH are); oned runs them off the request path.

pub mod dummy;
pub mod plan;
mod types;

pub use types::*;

/// Virtualization: runs VM actions on a host.
pub trait Vmm: Send + Sync {
    /// Runs one action; the reply carries the deploy ID for actions that start a domain.
    fn execute(&self, request: &VmmRequest) -> Result<VmmReply, DriverError>;
}

/// Information: monitors a host and the VMs it runs.
pub trait Im: Send + Sync {
    /// One monitoring round of a host.
    fn monitor(&self, host: &HostRef) -> Result<HostReport, DriverError>;
}

/// Transfer: prepares and cleans up VM disks.
pub trait Tm: Send + Sync {
    /// Runs one transfer action.
    fn execute(&self, request: &TmRequest) -> Result<(), DriverError>;
}

/// Datastore: stores images.
pub trait Ds: Send + Sync {
    /// Runs one image action.
    fn execute(&self, request: &DsRequest) -> Result<DsReply, DriverError>;
    /// Reports a datastore's capacity.
    fn monitor(&self, datastore: &DatastoreRef) -> Result<DsCapacity, DriverError>;
}
