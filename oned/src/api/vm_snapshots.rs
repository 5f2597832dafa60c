//! VM snapshots: system snapshots (`one.vm.snapshotcreate`/`revert`/`delete`, memory and disks
//! taken by the hypervisor) and disk snapshots (`one.vm.disksnapshotcreate`/`revert`/`delete`/
//! `rename`, taken by the transfer driver or the hypervisor). The state check comes first;
//! the snapshot's bookkeeping is begun here and completed or undone by the driver's reply.

use one_core::acl::Operation;
use one_core::lifecycle::{Action, Event};
use one_core::objects::vm::Vm;
use one_core::template::Value;

use super::vms::{with_vm, with_vm_then};
use super::{ApiResult, Caller, Ctx, action};
use crate::lcm::{self, Request};

/// The IDs of the VM's system snapshots.
fn system_snapshots(vm: &Vm) -> Vec<i32> {
    vm.template
        .get_all("SNAPSHOT")
        .filter_map(|a| match &a.value {
            Value::Vector(pairs) => {
                pairs.iter().find(|(k, _)| k == "SNAPSHOT_ID").and_then(|(_, v)| v.parse().ok())
            }
            Value::Single(_) => None,
        })
        .collect()
}

/// `one.vm.snapshotcreate`: returns the new snapshot's ID.
pub fn snapshot_create(ctx: &Ctx, caller: &Caller, id: i32, name: &str) -> ApiResult<i32> {
    with_vm_then(ctx, caller, id, Operation::Manage, |tx, vm| {
        let event = Event::Action(Action::SnapshotCreate);
        lcm::check(vm, &event)?;
        let snap_id = system_snapshots(vm).into_iter().max().map_or(0, |m| m + 1);
        let mut req = Request::by(caller.uid, caller.gid);
        req.object_id = snap_id;
        req.name = if name.is_empty() { format!("snapshot-{snap_id}") } else { name.to_owned() };
        Ok((lcm::apply(ctx, tx, vm, &event, &req)?, snap_id))
    })
}

/// `one.vm.snapshotrevert`.
pub fn snapshot_revert(ctx: &Ctx, caller: &Caller, id: i32, snap_id: i32) -> ApiResult<i32> {
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        let event = Event::Action(Action::SnapshotRevert { snap_id });
        lcm::check(vm, &event)?;
        if !system_snapshots(vm).contains(&snap_id) {
            return Err(action(
                format!("Could not revert VM {id} to snapshot {snap_id}, it does not exist."),
                id,
            ));
        }
        let mut req = Request::by(caller.uid, caller.gid);
        req.object_id = snap_id;
        lcm::apply(ctx, tx, vm, &event, &req)
    })
}

/// `one.vm.snapshotdelete`.
pub fn snapshot_delete(ctx: &Ctx, caller: &Caller, id: i32, snap_id: i32) -> ApiResult<i32> {
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        let keep_snapshots =
            vm.current_history().is_some_and(|h| ctx.drivers.vmm_caps(&h.vm_mad).keep_snapshots);
        let event = Event::Action(Action::SnapshotDelete { snap_id, keep_snapshots });
        lcm::check(vm, &event)?;
        if !system_snapshots(vm).contains(&snap_id) {
            return Err(action(
                format!("Could not delete snapshot {snap_id} for VM {id}, it does not exist."),
                id,
            ));
        }
        let mut req = Request::by(caller.uid, caller.gid);
        req.object_id = snap_id;
        lcm::apply(ctx, tx, vm, &event, &req)
    })
}

/// The disk, if it exists and can have snapshots (not volatile).
fn snapshot_disk(vm: &Vm, disk_id: i32, verb: &str) -> ApiResult<()> {
    let id = vm.meta.id;
    let disk = vm.disk(disk_id).ok_or_else(|| action("VM disk does not exist", id))?;
    if disk.image_id().is_none() {
        let kind = disk.get("TYPE").unwrap_or_default();
        return Err(action(format!("{verb} {kind}"), id));
    }
    Ok(())
}

/// `one.vm.disksnapshotcreate`: returns the new disk snapshot's ID.
pub fn disk_snapshot_create(ctx: &Ctx, caller: &Caller, id: i32, disk_id: i32, name: &str) -> ApiResult<i32> {
    with_vm_then(ctx, caller, id, Operation::Manage, |tx, vm| {
        snapshot_disk(vm, disk_id, "Cannot make snapshots on disks of type:")?;
        let event = Event::Action(Action::DiskSnapshotCreate);
        lcm::check(vm, &event)?;
        let snap_id = vm.snapshots.iter().find(|s| s.disk_id == disk_id).map_or(0, |s| s.next_snapshot);
        let mut req = Request::by(caller.uid, caller.gid);
        req.object_id = disk_id;
        req.name = name.to_owned();
        Ok((lcm::apply(ctx, tx, vm, &event, &req)?, snap_id))
    })
}

/// Whether the disk has this snapshot.
fn has_disk_snapshot(vm: &Vm, disk_id: i32, snap_id: i32) -> bool {
    vm.snapshots.iter().any(|s| s.disk_id == disk_id && s.get(snap_id).is_some())
}

/// `one.vm.disksnapshotrevert` (powered-off VMs).
pub fn disk_snapshot_revert(
    ctx: &Ctx,
    caller: &Caller,
    id: i32,
    disk_id: i32,
    snap_id: i32,
) -> ApiResult<i32> {
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        snapshot_disk(vm, disk_id, "Snapshots are not supported on disks of type:")?;
        let event = Event::Action(Action::DiskSnapshotRevert);
        lcm::check(vm, &event)?;
        if !has_disk_snapshot(vm, disk_id, snap_id) {
            return Err(action(format!("Disk id ({disk_id}) or snapshot id ({snap_id}) is not valid."), id));
        }
        let mut req = Request::by(caller.uid, caller.gid);
        req.object_id = disk_id;
        req.snapshot_id = snap_id;
        lcm::apply(ctx, tx, vm, &event, &req)
    })
}

/// `one.vm.disksnapshotdelete`: not the active snapshot, nor one with children (unless the
/// disk allows orphans).
pub fn disk_snapshot_delete(
    ctx: &Ctx,
    caller: &Caller,
    id: i32,
    disk_id: i32,
    snap_id: i32,
) -> ApiResult<i32> {
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        snapshot_disk(vm, disk_id, "Snapshots are not supported on disks of type:")?;
        let event = Event::Action(Action::DiskSnapshotDelete);
        lcm::check(vm, &event)?;
        let snaps = vm.snapshots.iter().find(|s| s.disk_id == disk_id);
        let Some(snap) = snaps.and_then(|s| s.get(snap_id)) else {
            return Err(action("Snapshot does not exist", id));
        };
        let orphans_allowed = snaps.is_some_and(|s| s.allow_orphans.eq_ignore_ascii_case("YES"));
        if !orphans_allowed && snap.active {
            return Err(action("Cannot delete the active snapshot", id));
        }
        if !orphans_allowed && !snap.children.is_empty() {
            return Err(action("Cannot delete snapshot with children", id));
        }
        let mut req = Request::by(caller.uid, caller.gid);
        req.object_id = disk_id;
        req.snapshot_id = snap_id;
        lcm::apply(ctx, tx, vm, &event, &req)
    })
}

/// `one.vm.disksnapshotrename`: in any state.
pub fn disk_snapshot_rename(
    ctx: &Ctx,
    caller: &Caller,
    id: i32,
    disk_id: i32,
    snap_id: i32,
    name: &str,
) -> ApiResult<i32> {
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        snapshot_disk(vm, disk_id, "Snapshots are not supported on disks of type:")?;
        let snap = vm
            .snapshots
            .iter_mut()
            .find(|s| s.disk_id == disk_id)
            .and_then(|s| s.snapshots.iter_mut().find(|x| x.id == snap_id))
            .ok_or_else(|| action("Snapshot does not exist", id))?;
        snap.name = Some(name.to_owned());
        lcm::save(tx, vm)?;
        Ok(Vec::new())
    })
}
