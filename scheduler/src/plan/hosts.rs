//! The planner's view of a host: its document as fetched plus the counters this plan moves
//! (CPU and memory usage, running VMs, the VMs dispatched here in this cycle, local system
//! datastore space), so capacity is never counted twice within a cycle.

use std::collections::HashMap;

use one_core::objects::host::Host;
use one_core::states::HostState;

use super::needs::Needs;

/// A host during planning.
#[derive(Debug)]
pub struct HostView<'a> {
    /// The host as fetched.
    pub host: &'a Host,
    /// CPU_USAGE with this plan's placements.
    pub cpu_usage: i64,
    /// MEM_USAGE with this plan's placements.
    pub mem_usage: i64,
    /// RUNNING_VMS with this plan's placements.
    pub running_vms: i64,
    /// VMs placed here by this plan.
    pub dispatched: Vec<i32>,
    /// Free MB of the host-local system datastores (`HOST_SHARE/DATASTORES/DS`).
    pub local_ds_free: HashMap<i32, i64>,
}

impl<'a> HostView<'a> {
    /// The view of a host as fetched.
    pub fn new(host: &'a Host) -> HostView<'a> {
        let local_ds_free = host
            .share
            .datastores
            .iter()
            .filter_map(|d| {
                let get = |k: &str| d.iter().find(|(n, _)| n == k).and_then(|(_, v)| v.parse::<i64>().ok());
                Some((get("ID")? as i32, get("FREE_MB").unwrap_or(0)))
            })
            .collect();
        HostView {
            host,
            cpu_usage: host.share.cpu_usage,
            mem_usage: host.share.mem_usage,
            running_vms: host.share.running_vms,
            dispatched: Vec::new(),
            local_ds_free,
        }
    }

    /// The host's ID.
    pub fn id(&self) -> i32 {
        self.host.meta.id
    }

    /// Whether VMs may be placed here at all (MONITORED).
    pub fn enabled(&self) -> bool {
        self.host.state == HostState::Monitored
    }

    /// Whether the host has room for `needs` (allocations, not measured use).
    pub fn fits(&self, needs: &Needs) -> bool {
        let s = &self.host.share;
        s.max_cpu - self.cpu_usage >= needs.cpu && s.max_mem - self.mem_usage >= needs.mem
    }

    /// Whether a VM with at least `cpu` and `mem` could ever fit again in this cycle.
    pub fn full_for(&self, cpu: i64, mem: i64) -> bool {
        let s = &self.host.share;
        s.max_cpu - self.cpu_usage < cpu || s.max_mem - self.mem_usage < mem
    }

    /// Counts a VM placed here.
    pub fn take(&mut self, vm: i32, needs: &Needs) {
        self.cpu_usage += needs.cpu;
        self.mem_usage += needs.mem;
        self.running_vms += 1;
        self.dispatched.push(vm);
    }

    /// The VMs on the host, counting this plan's (`CURRENT_VMS`).
    pub fn current_vms(&self) -> impl Iterator<Item = i32> + '_ {
        self.host.vms.iter().copied().chain(self.dispatched.iter().copied())
    }
}
