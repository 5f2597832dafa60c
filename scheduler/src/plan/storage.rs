//! Datastores during planning: which system datastores may take a VM on a host (enabled, in
//! the host's cluster, monitored when shared, meeting the VM's DS requirements, ranked by its
//! SCHED_DS_RANK or the DS policy) and whether they, and the image datastores its disks live
//! on, have room: OpenNebula's strict test `need == 0 || need < FREE_MB`, with LIMIT_MB
//! capping FREE_MB, counting what this plan already placed.

use std::collections::HashMap;

use one_core::objects::datastore::Datastore;
use one_core::states::{DatastoreState, DatastoreType};

use super::hosts::HostView;

/// A datastore during planning.
#[derive(Debug)]
pub struct DsView<'a> {
    /// The datastore as fetched.
    pub ds: &'a Datastore,
    /// MB this plan took from it (shared system datastores and image datastores).
    pub taken_mb: i64,
}

impl DsView<'_> {
    /// Shared by all hosts (`SHARED`, YES when missing): space counted on the datastore;
    /// otherwise on each host.
    pub fn shared(&self) -> bool {
        self.ds.template.get("SHARED").is_none_or(|v| !v.eq_ignore_ascii_case("NO"))
    }

    /// FREE_MB, capped by LIMIT_MB, less what this plan took.
    pub fn free_mb(&self) -> i64 {
        let mut free = self.ds.free_mb;
        if let Some(limit) = self.ds.template.get("LIMIT_MB").and_then(|v| v.trim().parse::<i64>().ok()) {
            free = free.min(limit - self.ds.used_mb).max(0);
        }
        free - self.taken_mb
    }

    /// Whether monitoring reported its space.
    pub fn monitored(&self) -> bool {
        self.ds.free_mb != 0 || self.ds.total_mb != 0 || self.ds.used_mb != 0
    }
}

/// OpenNebula's capacity test.
pub fn room(need_mb: i64, free_mb: i64) -> bool {
    need_mb == 0 || need_mb < free_mb
}

/// The datastores of a plan.
pub struct Storage<'a> {
    /// By ID.
    pub all: HashMap<i32, DsView<'a>>,
    /// The system datastores that may take VMs (enabled; monitored if shared), by ID.
    pub system: Vec<i32>,
}

impl<'a> Storage<'a> {
    /// The datastores as fetched.
    pub fn new(datastores: &'a [Datastore]) -> Storage<'a> {
        let all: HashMap<i32, DsView<'a>> =
            datastores.iter().map(|ds| (ds.meta.id, DsView { ds, taken_mb: 0 })).collect();
        let mut system: Vec<i32> = all
            .values()
            .filter(|v| v.ds.ds_type == DatastoreType::System && v.ds.state == DatastoreState::Ready)
            .filter(|v| !v.shared() || v.monitored())
            .map(|v| v.ds.meta.id)
            .collect();
        system.sort_unstable();
        Storage { all, system }
    }

    /// Whether the image datastores have room for `image_mb` (`(datastore, mb)`).
    pub fn image_room(&self, image_mb: &[(i32, i64)]) -> Result<(), String> {
        for (id, mb) in image_mb {
            if let Some(v) = self.all.get(id)
                && !room(*mb, v.free_mb())
            {
                return Err(format!("Image Datastore {id} does not have enough capacity"));
            }
        }
        Ok(())
    }

    /// Takes `image_mb` from the image datastores.
    pub fn take_image(&mut self, image_mb: &[(i32, i64)]) {
        for (id, mb) in image_mb {
            if let Some(v) = self.all.get_mut(id) {
                v.taken_mb += mb;
            }
        }
    }

    /// The first of `ranked` (system datastores, best first) in the host's cluster with room
    /// for `need_mb` (`skip_capacity` for VMs whose disks are already there).
    pub fn pick(
        &self,
        ranked: &[i32],
        host: &HostView<'_>,
        need_mb: i64,
        skip_capacity: bool,
    ) -> Option<i32> {
        ranked.iter().copied().find(|id| {
            let Some(v) = self.all.get(id) else { return false };
            if !v.ds.clusters.contains(&host.host.cluster_id) {
                return false;
            }
            if skip_capacity {
                return true;
            }
            if v.shared() {
                room(need_mb, v.free_mb())
            } else {
                room(need_mb, host.local_ds_free.get(id).copied().unwrap_or(0))
            }
        })
    }

    /// Takes `need_mb` from system datastore `id` (on `host` when it is not shared).
    pub fn take(&mut self, id: i32, host: &mut HostView<'_>, need_mb: i64) {
        let Some(v) = self.all.get_mut(&id) else { return };
        if v.shared() {
            v.taken_mb += need_mb;
        } else if let Some(free) = host.local_ds_free.get_mut(&id) {
            *free -= need_mb;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_capacity_test_is_strict() {
        assert!(room(0, 0));
        assert!(room(10, 11));
        assert!(!room(10, 10));
    }
}
