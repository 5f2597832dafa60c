//! The bookkeeping of operations a driver reply completes or undoes (the `Op` table of
//! `one_core::lifecycle`): hotplugged disks and NICs carry `ATTACH=YES` while the driver
//! works; snapshots carry `ACTIVE`/a pending mark; resizes keep the previous values.

use one_core::lifecycle::Op;
use one_core::objects::image::Image;
use one_core::objects::quotas::QuotaKind;
use one_core::objects::vm::{DiskSnapshots, Snapshot, Vm};
use one_core::objects::vnet::Vnet;
use one_core::objects::vnet_ar::LeaseOwner;
use one_core::template::{Attribute, Value};

use super::effects::Executor;
use crate::api::usage::{Usage, refund};
use crate::api::{ApiResult, internal};
use crate::db::tables;

fn set(pairs: &mut Vec<(String, String)>, key: &str, value: &str) {
    pairs.retain(|(k, _)| k != key);
    pairs.push((key.to_owned(), value.to_owned()));
}

fn unset(pairs: &mut Vec<(String, String)>, key: &str) {
    pairs.retain(|(k, _)| k != key);
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The ID of the disk or NIC marked `ATTACH=YES`.
fn attached(vm: &Vm, nic: bool) -> Option<i32> {
    let devices = if nic { vm.nics() } else { vm.disks() };
    devices
        .iter()
        .find(|d| d.get("ATTACH") == Some("YES"))
        .and_then(|d| if nic { d.nic_id() } else { d.disk_id() })
}

fn clear_attach(vm: &mut Vm, nic: bool) {
    if let Some(id) = attached(vm, nic) {
        if nic {
            vm.edit_nic(id, |p| unset(p, "ATTACH"));
        } else {
            vm.edit_disk(id, |p| unset(p, "ATTACH"));
        }
    }
}

/// The system snapshot vector with this SNAPSHOT_ID, or the ACTIVE one.
fn edit_snapshot(vm: &mut Vm, f: impl Fn(&mut Vec<(String, String)>) -> bool) -> bool {
    let mut hit = false;
    let mut attrs: Vec<Attribute> = vm.template.get_all("SNAPSHOT").cloned().collect();
    for a in &mut attrs {
        if let Value::Vector(pairs) = &mut a.value
            && !hit
        {
            hit = f(pairs);
        }
    }
    vm.template.remove("SNAPSHOT");
    for a in attrs {
        vm.template.push(a);
    }
    hit
}

fn disk_snaps(vm: &mut Vm, disk_id: i32) -> &mut DiskSnapshots {
    if let Some(pos) = vm.snapshots.iter().position(|s| s.disk_id == disk_id) {
        return &mut vm.snapshots[pos];
    }
    vm.snapshots.push(DiskSnapshots::new(disk_id, "NO"));
    vm.snapshots.sort_by_key(|s| s.disk_id);
    let pos = vm.snapshots.iter().position(|s| s.disk_id == disk_id).unwrap_or(0);
    &mut vm.snapshots[pos]
}

/// The disk with a pending disk-snapshot operation and the snapshot it is about.
fn pending_disk_snapshot(vm: &Vm) -> Option<(i32, i32)> {
    vm.disks().iter().find_map(|d| {
        (d.get("DISK_SNAPSHOT_ACTIVE") == Some("YES"))
            .then(|| (d.disk_id(), d.get_num::<i32>("DISK_SNAPSHOT_ID")))
            .and_then(|(a, b)| Some((a?, b?)))
    })
}

fn clear_disk_snapshot_mark(vm: &mut Vm) {
    if let Some((disk, _)) = pending_disk_snapshot(vm) {
        vm.edit_disk(disk, |p| {
            unset(p, "DISK_SNAPSHOT_ACTIVE");
            unset(p, "DISK_SNAPSHOT_ID");
        });
    }
}

/// Starts an operation's bookkeeping from the request.
pub(super) fn begin(x: &mut Executor<'_, '_>, vm: &mut Vm, op: Op) -> ApiResult<()> {
    let vid = vm.meta.id;
    let id = x.req.object_id;
    match op {
        Op::DiskAttach | Op::NicAttach => {
            let (kind, mut pairs) =
                x.req.device.clone().ok_or_else(|| internal("no device to attach", vid))?;
            set(&mut pairs, "ATTACH", "YES");
            if op == Op::DiskAttach {
                vm.add_disk(pairs);
            } else if kind == "NIC_ALIAS" {
                vm.add_nic_alias(pairs).map_err(|e| internal(e, vid))?;
            } else {
                vm.add_nic(pairs);
            }
        }
        Op::DiskDetach => {
            vm.edit_disk(id, |p| set(p, "ATTACH", "YES"));
        }
        Op::NicDetach => {
            vm.edit_nic(id, |p| set(p, "ATTACH", "YES"));
        }
        Op::SnapshotCreate => {
            let mut pairs = vec![
                ("ACTIVE".to_owned(), "YES".to_owned()),
                ("NAME".to_owned(), x.req.name.clone()),
                ("SNAPSHOT_ID".to_owned(), id.to_string()),
                ("SYSTEM_DISK_SIZE".to_owned(), "0".to_owned()),
                ("TIME".to_owned(), x.now.to_string()),
            ];
            pairs.sort();
            vm.template.push(Attribute::vector("SNAPSHOT", pairs));
        }
        Op::SnapshotRevert | Op::SnapshotDelete => {
            let sid = id.to_string();
            edit_snapshot(vm, |p| {
                let hit = get(p, "SNAPSHOT_ID") == Some(sid.as_str());
                if hit {
                    set(p, "ACTIVE", "YES");
                }
                hit
            });
        }
        Op::DiskSnapshotCreate => {
            let size = vm.disk(id).and_then(|d| d.size_mb()).unwrap_or(0);
            let (name, now) = (x.req.name.clone(), x.now);
            let snaps = disk_snaps(vm, id);
            let sid = snaps.next_snapshot;
            let parent = snaps.snapshots.iter().find(|s| s.active).map_or(-1, |s| s.id);
            snaps.snapshots.push(Snapshot {
                id: sid,
                name: (!name.is_empty()).then_some(name),
                date: now,
                parent,
                size_mb: size,
                active: false,
                children: Vec::new(),
            });
            snaps.next_snapshot += 1;
            vm.edit_disk(id, |p| {
                set(p, "DISK_SNAPSHOT_ACTIVE", "YES");
                set(p, "DISK_SNAPSHOT_ID", &sid.to_string());
            });
        }
        Op::DiskSnapshotRevert | Op::DiskSnapshotDelete => {
            let sid = x.req.snapshot_id;
            vm.edit_disk(id, |p| {
                set(p, "DISK_SNAPSHOT_ACTIVE", "YES");
                set(p, "DISK_SNAPSHOT_ID", &sid.to_string());
            });
        }
        Op::DiskResize => {
            let size = x.req.values.get("SIZE").unwrap_or_default().to_owned();
            vm.edit_disk(id, |p| {
                let old = get(p, "SIZE").unwrap_or("0").to_owned();
                set(p, "SIZE_PREV", &old);
                set(p, "SIZE", &size);
            });
        }
        Op::Resize => {
            for key in ["CPU", "VCPU", "MEMORY"] {
                if let Some(new) = x.req.values.get(key).map(str::to_owned) {
                    if let Some(old) = vm.template.get(key).map(str::to_owned) {
                        vm.template.set(&format!("{key}_PREV"), old);
                    }
                    vm.template.set(key, new);
                }
            }
        }
        Op::Saveas => {
            let image = x.req.values.get("IMAGE_ID").unwrap_or("-1").to_owned();
            vm.edit_disk(id, |p| {
                set(p, "SAVE_AS_ACTIVE", "YES");
                set(p, "SAVE_AS", &image);
            });
        }
        Op::Backup | Op::Restore => {}
    }
    Ok(())
}

/// Completes an operation's bookkeeping after the driver succeeded.
pub(super) fn commit(x: &mut Executor<'_, '_>, vm: &mut Vm, op: Op) -> ApiResult<()> {
    match op {
        Op::DiskAttach => clear_attach(vm, false),
        Op::NicAttach => clear_attach(vm, true),
        Op::DiskDetach => remove_attached_disk(x, vm)?,
        Op::NicDetach => remove_attached_nic(x, vm)?,
        Op::SnapshotCreate | Op::SnapshotRevert => {
            let reply = x.req.reply.clone();
            edit_snapshot(vm, |p| {
                let hit = get(p, "ACTIVE") == Some("YES");
                if hit {
                    unset(p, "ACTIVE");
                    if let (Op::SnapshotCreate, Some(h)) = (op, &reply) {
                        set(p, "HYPERVISOR_ID", h);
                        p.sort();
                    }
                }
                hit
            });
        }
        Op::SnapshotDelete => remove_active_snapshot(vm),
        Op::DiskSnapshotCreate | Op::DiskSnapshotRevert => {
            if let Some((disk, sid)) = pending_disk_snapshot(vm) {
                let snaps = disk_snaps(vm, disk);
                for s in &mut snaps.snapshots {
                    s.active = s.id == sid;
                }
                if op == Op::DiskSnapshotCreate
                    && let Some(parent) = snaps.snapshots.iter().find(|s| s.id == sid).map(|s| s.parent)
                    && let Some(p) = snaps.snapshots.iter_mut().find(|s| s.id == parent)
                    && !p.children.contains(&sid)
                {
                    p.children.push(sid);
                }
            }
            clear_disk_snapshot_mark(vm);
        }
        Op::DiskSnapshotDelete => {
            if let Some((disk, sid)) = pending_disk_snapshot(vm) {
                let snaps = disk_snaps(vm, disk);
                snaps.snapshots.retain(|s| s.id != sid);
                for s in &mut snaps.snapshots {
                    s.children.retain(|c| *c != sid);
                }
                if snaps.snapshots.is_empty() {
                    vm.snapshots.retain(|s| s.disk_id != disk);
                }
            }
            clear_disk_snapshot_mark(vm);
        }
        Op::DiskResize => {
            if let Some(id) = resizing_disk(vm) {
                vm.edit_disk(id, |p| unset(p, "SIZE_PREV"));
            }
        }
        Op::Resize => {
            for key in ["CPU_PREV", "VCPU_PREV", "MEMORY_PREV"] {
                vm.template.remove(key);
            }
        }
        Op::Saveas => finish_saveas(x, vm, true)?,
        Op::Backup | Op::Restore => {}
    }
    Ok(())
}

/// Undoes an operation's bookkeeping after the driver failed.
pub(super) fn rollback(x: &mut Executor<'_, '_>, vm: &mut Vm, op: Op) -> ApiResult<()> {
    match op {
        Op::DiskAttach => remove_attached_disk(x, vm)?,
        Op::NicAttach => remove_attached_nic(x, vm)?,
        Op::DiskDetach => clear_attach(vm, false),
        Op::NicDetach => clear_attach(vm, true),
        Op::SnapshotCreate => remove_active_snapshot(vm),
        Op::SnapshotRevert | Op::SnapshotDelete => {
            edit_snapshot(vm, |p| {
                let hit = get(p, "ACTIVE") == Some("YES");
                unset(p, "ACTIVE");
                hit
            });
        }
        Op::DiskSnapshotCreate => {
            if let Some((disk, sid)) = pending_disk_snapshot(vm) {
                let snaps = disk_snaps(vm, disk);
                snaps.snapshots.retain(|s| s.id != sid);
                if snaps.snapshots.is_empty() {
                    vm.snapshots.retain(|s| s.disk_id != disk);
                }
            }
            clear_disk_snapshot_mark(vm);
        }
        Op::DiskSnapshotRevert | Op::DiskSnapshotDelete => clear_disk_snapshot_mark(vm),
        Op::DiskResize => {
            if let Some(id) = resizing_disk(vm) {
                restore_disk_size(vm, id);
            }
        }
        Op::Resize => restore_capacity(vm),
        Op::Saveas => finish_saveas(x, vm, false)?,
        Op::Backup | Op::Restore => {}
    }
    Ok(())
}

/// Drops an operation's in-progress mark, keeping what it changed.
pub(super) fn forget(vm: &mut Vm, op: Op) {
    match op {
        Op::DiskAttach | Op::DiskDetach => clear_attach(vm, false),
        Op::NicAttach | Op::NicDetach => clear_attach(vm, true),
        Op::DiskSnapshotCreate | Op::DiskSnapshotRevert | Op::DiskSnapshotDelete => {
            clear_disk_snapshot_mark(vm)
        }
        Op::DiskResize => {
            if let Some(id) = resizing_disk(vm) {
                restore_disk_size(vm, id);
            }
        }
        Op::Resize => {
            for key in ["CPU_PREV", "VCPU_PREV", "MEMORY_PREV"] {
                vm.template.remove(key);
            }
        }
        Op::SnapshotCreate
        | Op::SnapshotRevert
        | Op::SnapshotDelete
        | Op::Saveas
        | Op::Backup
        | Op::Restore => {}
    }
}

fn remove_active_snapshot(vm: &mut Vm) {
    let keep: Vec<Attribute> = vm
        .template
        .get_all("SNAPSHOT")
        .filter(|a| a.value.as_vector().is_none_or(|p| get(p, "ACTIVE") != Some("YES")))
        .cloned()
        .collect();
    vm.template.remove("SNAPSHOT");
    for a in keep {
        vm.template.push(a);
    }
}

/// The disk being resized: the one keeping its previous size (the driver's reply comes in
/// a request of its own, which knows no disk).
fn resizing_disk(vm: &Vm) -> Option<i32> {
    vm.disks().iter().find(|d| d.get("SIZE_PREV").is_some()).and_then(|d| d.disk_id())
}

fn restore_disk_size(vm: &mut Vm, id: i32) {
    vm.edit_disk(id, |p| {
        if let Some(old) = get(p, "SIZE_PREV").map(str::to_owned) {
            set(p, "SIZE", &old);
            unset(p, "SIZE_PREV");
        }
    });
}

fn restore_capacity(vm: &mut Vm) {
    for key in ["CPU", "VCPU", "MEMORY"] {
        let prev = format!("{key}_PREV");
        if let Some(old) = vm.template.get(&prev).map(str::to_owned) {
            vm.template.set(key, old);
            vm.template.remove(&prev);
        }
    }
}

/// Removes the disk marked `ATTACH=YES` and gives its image back.
fn remove_attached_disk(x: &mut Executor<'_, '_>, vm: &mut Vm) -> ApiResult<()> {
    let Some(id) = attached(vm, false) else { return Ok(()) };
    let Some(pairs) = vm.remove_disk(id) else { return Ok(()) };
    if let Some(iid) = get(&pairs, "IMAGE_ID").and_then(|v| v.parse::<i32>().ok())
        && let Some(mut image) = x.tx.obj_get::<Image>(tables::IMAGE, iid)?
    {
        image.release(vm.meta.id, false, x.now);
        image.set_prev_state();
        x.tx.obj_put(tables::IMAGE, &image)?;
        refund(x.tx, vm.meta.uid, vm.meta.gid, &[Usage::of(QuotaKind::Image, iid, vec![("RVMS", 1.0)])])?;
    }
    Ok(())
}

/// Removes the NIC marked `ATTACH=YES` and frees its lease.
fn remove_attached_nic(x: &mut Executor<'_, '_>, vm: &mut Vm) -> ApiResult<()> {
    let Some(id) = attached(vm, true) else { return Ok(()) };
    let Some(pairs) = vm.remove_nic(id) else { return Ok(()) };
    if let Some(nid) = get(&pairs, "NETWORK_ID").and_then(|v| v.parse::<i32>().ok())
        && let Some(mut vnet) = x.tx.obj_get_listing::<Vnet>(tables::NETWORK, nid)?
    {
        vnet.free_nic_lease(&pairs, LeaseOwner::Vm(vm.meta.id));
        vnet.set_prev_state();
        x.tx.obj_put(tables::NETWORK, &vnet)?;
        refund(x.tx, vm.meta.uid, vm.meta.gid, &[Usage::of(QuotaKind::Network, nid, vec![("LEASES", 1.0)])])?;
    }
    Ok(())
}

/// The new image of a disk-saveas becomes READY (or ERROR), and the disk loses its mark.
fn finish_saveas(x: &mut Executor<'_, '_>, vm: &mut Vm, ok: bool) -> ApiResult<()> {
    let Some(disk) =
        vm.disks().iter().find(|d| d.get("SAVE_AS_ACTIVE") == Some("YES")).and_then(|d| d.disk_id())
    else {
        return Ok(());
    };
    let image_id = vm.disk(disk).and_then(|d| d.get_num::<i32>("SAVE_AS")).unwrap_or(-1);
    vm.edit_disk(disk, |p| {
        unset(p, "SAVE_AS_ACTIVE");
        unset(p, "SAVE_AS");
    });
    if let Some(mut image) = x.tx.obj_get::<Image>(tables::IMAGE, image_id)? {
        let state =
            if ok { one_core::states::ImageState::Ready } else { one_core::states::ImageState::Error };
        image.set_state(state, x.now);
        image.set_prev_state();
        x.tx.obj_put(tables::IMAGE, &image)?;
    }
    Ok(())
}
