//! The planner: a pure function from a snapshot of the cloud (pending and rescheduled VMs,
//! hosts, datastores, networks, VM groups, ACL rules) and the configuration to placements.
//! Nothing here talks to oned, so scenarios and benchmarks run it directly.
//!
//! For each VM, in priority order (USER_PRIORITY, then ID), as OpenNebula's scheduler:
//! candidate hosts are the MONITORED ones the owner may MANAGE, with room for the VM (from
//! the allocation counters, updated as this plan places VMs, so a host is never
//! over-committed) and meeting `AUTOMATIC_REQUIREMENTS & (SCHED_REQUIREMENTS)` and the VM
//! group's affinity rules; they are ranked by the VM's SCHED_RANK or the host policy; the
//! best one that also has a system datastore (in its cluster, meeting the DS requirements,
//! with room) and a network for each automatic NIC gets the VM. A VM that cannot be placed
//! gets a message saying why.
//!
//! Speed: VMs sharing requirements and rank share one ordered set of matching hosts, keyed by
//! rank and updated as hosts fill; requirements are evaluated once per host and set, except
//! those that mention CURRENT_VMS, re-evaluated when a host is tried.

mod acl;
mod affinity;
mod expr;
mod hosts;
pub mod needs;
mod nics;
mod place;
mod storage;

use std::collections::HashMap;

use one_core::acl::Rule;
use one_core::objects::datastore::Datastore;
use one_core::objects::host::Host;
use one_core::objects::vm::Vm;
use one_core::objects::vmgroup::VmGroup;
use one_core::objects::vnet::Vnet;

use crate::config::Config;

/// What the planner reads.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Pending VMs and VMs flagged for rescheduling.
    pub vms: Vec<Vm>,
    /// Every host (with its last monitoring record and its cluster's template).
    pub hosts: Vec<Host>,
    /// Every datastore.
    pub datastores: Vec<Datastore>,
    /// Every virtual network.
    pub vnets: Vec<Vnet>,
    /// Every VM group.
    pub vmgroups: Vec<VmGroup>,
    /// The ACL rules.
    pub acl: Vec<Rule>,
    /// Each user's groups.
    pub user_groups: HashMap<i32, Vec<i32>>,
}

/// How a placement is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `one.vm.deploy` of a pending VM.
    Deploy,
    /// `one.vm.migrate` of a rescheduled VM.
    Migrate,
}

/// One VM's placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The VM.
    pub vm: i32,
    /// Deploy or migrate.
    pub operation: Operation,
    /// The host.
    pub host: i32,
    /// The system datastore (-1: keep the current one).
    pub ds: i32,
    /// Networks for the automatic NICs: `(nic_id, network_id)`.
    pub nics: Vec<(i32, i32)>,
}

/// The outcome of planning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Placements, in the order they were decided.
    pub placements: Vec<Placement>,
    /// VMs left where they are: `(vm, why, its current SCHED_MESSAGE)`.
    pub unplaced: Vec<(i32, String, Option<String>)>,
}

/// Plans the snapshot's VMs.
pub fn plan(snapshot: &Snapshot, config: &Config) -> Plan {
    place::Planner::new(snapshot, config).run()
}
