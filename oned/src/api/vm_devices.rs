//! Hot-plug of a VM's devices: `one.vm.attach`/`detach` (disks), `one.vm.attachnic`/
//! `detachnic` (NICs and NIC aliases) and `one.vm.diskresize`. Each request checks the VM's
//! state first (so a wrong state is reported before anything is taken), then takes the image
//! or lease and charges quotas in the same transaction as the state change; the driver works
//! off the request path and its reply commits or undoes the change (`lcm::ops`).

use one_core::acl::Operation;
use one_core::lifecycle::{Action, Event};
use one_core::objects::vm::{DiskKind, DiskTargets, Vm, assign_disk_targets};
use one_core::template::Template;

use super::vm_alloc::{disk_kind, take_image, take_lease};
use super::vms::with_vm;
use super::{ApiResult, Caller, Ctx, action, internal, parse_template};
use crate::lcm::{self, Request};

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

fn set(pairs: &mut Vec<(String, String)>, key: &str, value: String) {
    pairs.retain(|(k, _)| k != key);
    pairs.push((key.to_owned(), value));
}

/// The vector attribute `name` of a device template (OpenNebula wants exactly one).
fn single_vector(template: &Template, name: &str) -> Option<Vec<(String, String)>> {
    let mut all = template.get_all(name);
    let first = all.next()?.value.as_vector()?.to_vec();
    all.next().is_none().then_some(first)
}

/// The VM's owner (quotas of what a hot-plug takes are the owner's, as OpenNebula does).
fn owner(vm: &Vm) -> (i32, i32) {
    (vm.meta.uid, vm.meta.gid)
}

/// A new disk's TARGET: the one asked for if free, else the first free name of its prefix.
fn attach_target(
    vm: &Vm,
    pairs: &[(String, String)],
    kind: DiskKind,
    prefix: &str,
) -> Result<String, String> {
    let mut existing: Vec<DiskTargets> = vm
        .disks()
        .iter()
        .map(|d| DiskTargets {
            disk_id: d.disk_id().unwrap_or(-1),
            kind: DiskKind::Other,
            dev_prefix: String::new(),
            target: d.target().map(str::to_owned),
        })
        .collect();
    let context = vm.context().map(|c| DiskTargets {
        disk_id: c.disk_id().unwrap_or(-1),
        kind: DiskKind::Cdrom,
        dev_prefix: String::new(),
        target: c.target().map(str::to_owned),
    });
    if let Some(t) = get(pairs, "TARGET") {
        let taken = existing.iter().chain(context.as_ref()).any(|d| d.target.as_deref() == Some(t));
        return if taken { Err(format!("Target {t} is already in use.")) } else { Ok(t.to_owned()) };
    }
    let new_id = get(pairs, "DISK_ID").and_then(|v| v.parse().ok()).unwrap_or(-1);
    // Existing disks keep their targets: only the new one is given a name.
    let kind = if kind == DiskKind::Other { DiskKind::Datablock } else { kind };
    existing.push(DiskTargets { disk_id: new_id, kind, dev_prefix: prefix.to_owned(), target: None });
    let q35 = vm
        .template
        .vector("OS")
        .is_some_and(|os| os.iter().any(|(k, v)| k == "MACHINE" && v.contains("q35")));
    let assigned = assign_disk_targets(vm.meta.id, &existing, context.as_ref(), q35)?;
    assigned
        .into_iter()
        .find(|(id, _)| *id == new_id)
        .map(|(_, t)| t)
        .ok_or_else(|| "Cannot assign a target to the new disk".to_owned())
}

/// `one.vm.attach`: a new disk (an image, or a volatile disk) on a running or powered-off VM.
pub fn attach_disk(ctx: &Ctx, caller: &Caller, id: i32, text: &str) -> ApiResult<i32> {
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        if vm.current_history().is_none() {
            return Err(action("VM is not running in any host", id));
        }
        let template = parse_template(text).map_err(|e| internal(e, id))?;
        let event = Event::Action(Action::DiskAttach);
        lcm::check(vm, &event)?;
        let mut pairs = single_vector(&template, "DISK")
            .ok_or_else(|| action("Internal error parsing DISK attribute", id))?;
        let disk_id = vm.next_disk_id();
        set(&mut pairs, "DISK_ID", disk_id.to_string());
        let taken = take_image(ctx, tx, caller, owner(vm), id, &mut pairs, true)?;
        if taken.as_ref().is_some_and(|t| t.cloning) {
            return Err(action("Cannot attach an image that is still being copied", id));
        }
        let prefix = match &taken {
            Some(t) => t.dev_prefix.clone(),
            None => {
                get(&pairs, "DEV_PREFIX").map_or_else(|| ctx.config.default_device_prefix(), str::to_owned)
            }
        };
        let kind = disk_kind(taken.map(|t| t.image_type));
        let target = attach_target(vm, &pairs, kind, &prefix).map_err(|e| action(e, id))?;
        set(&mut pairs, "TARGET", target);
        if let Some(h) = vm.current_history() {
            set(&mut pairs, "CLUSTER_ID", h.cid.to_string());
        }
        pairs.sort();
        let mut req = Request::by(caller.uid, caller.gid);
        req.device = Some(("DISK".to_owned(), pairs));
        req.object_id = disk_id;
        lcm::apply(ctx, tx, vm, &event, &req)
    })
}

/// `one.vm.detach`: removes a disk (its image is given back when the driver is done).
pub fn detach_disk(ctx: &Ctx, caller: &Caller, id: i32, disk_id: i32) -> ApiResult<i32> {
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        if vm.disk(disk_id).is_none() {
            return Err(action("VM disk does not exist", id));
        }
        let mut req = Request::by(caller.uid, caller.gid);
        req.object_id = disk_id;
        lcm::apply(ctx, tx, vm, &Event::Action(Action::DiskDetach), &req)
    })
}

/// Whether the VM's virtualization driver attaches NICs to powered-off VMs.
fn cold_nic(ctx: &Ctx, vm: &Vm) -> bool {
    vm.current_history().is_some_and(|h| ctx.drivers.vmm_caps(&h.vm_mad).cold_nic_attach)
}

/// `one.vm.attachnic`: a new NIC (or NIC alias) with a lease from its network.
pub fn attach_nic(ctx: &Ctx, caller: &Caller, id: i32, text: &str) -> ApiResult<i32> {
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        let template = parse_template(text).map_err(|e| internal(e, id))?;
        let event = Event::Action(Action::NicAttach { cold: cold_nic(ctx, vm) });
        lcm::check(vm, &event)?;
        let (kind, mut pairs) = match (single_vector(&template, "NIC"), single_vector(&template, "NIC_ALIAS"))
        {
            (Some(nic), None) => ("NIC", nic),
            (None, Some(alias)) => ("NIC_ALIAS", alias),
            _ => return Err(action("Internal error parsing NIC attribute", id)),
        };
        let nic_id = vm.next_nic_id();
        set(&mut pairs, "NIC_ID", nic_id.to_string());
        if kind == "NIC_ALIAS" {
            let parent = get(&pairs, "PARENT").unwrap_or_default().to_owned();
            if !vm.nics().iter().any(|n| !n.is_alias() && n.get("NAME") == Some(parent.as_str())) {
                return Err(action(format!("Parent NIC {parent} does not exist"), id));
            }
        }
        take_lease(ctx, tx, caller, owner(vm), id, &mut pairs)?;
        pairs.sort();
        let mut req = Request::by(caller.uid, caller.gid);
        req.device = Some((kind.to_owned(), pairs));
        req.object_id = nic_id;
        lcm::apply(ctx, tx, vm, &event, &req)
    })
}

/// `one.vm.detachnic`: removes a NIC (its lease is freed when the driver is done).
pub fn detach_nic(ctx: &Ctx, caller: &Caller, id: i32, nic_id: i32) -> ApiResult<i32> {
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        let event = Event::Action(Action::NicDetach { cold: cold_nic(ctx, vm) });
        lcm::check(vm, &event)?;
        if vm.nic(nic_id).is_none() {
            return Err(action(format!("Could not detach NIC with NIC_ID {nic_id}, it does not exist."), id));
        }
        let mut req = Request::by(caller.uid, caller.gid);
        req.object_id = nic_id;
        lcm::apply(ctx, tx, vm, &event, &req)
    })
}

/// `one.vm.diskresize`: grows a disk to `size` MB.
pub fn resize_disk(ctx: &Ctx, caller: &Caller, id: i32, disk_id: i32, size: &str) -> ApiResult<i32> {
    let Ok(new_size) = size.trim().parse::<i64>() else {
        return Err(action("Disk SIZE is not a valid integer", id));
    };
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        let Some(disk) = vm.disk(disk_id) else { return Err(action("VM disk does not exist", id)) };
        let current = disk.size_mb().unwrap_or(0);
        if new_size <= current {
            return Err(action("New disk size has to be greater than current one", id));
        }
        let event = Event::Action(Action::DiskResize);
        lcm::check(vm, &event)?;
        let mut req = Request::by(caller.uid, caller.gid);
        req.object_id = disk_id;
        req.values.set("SIZE", new_size.to_string());
        lcm::apply(ctx, tx, vm, &event, &req)
    })
}
