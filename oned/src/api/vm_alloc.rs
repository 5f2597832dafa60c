//! Creating a VM: from its template to a stored PENDING (or HOLD, or CLONING) VM with its
//! images taken, its network leases assigned, its quotas charged and its VM group role
//! joined — all in the caller's transaction, so a refusal anywhere leaves nothing behind.
//! Also used by `one.template.instantiate` and to hot-attach disks and NICs.

use std::collections::BTreeSet;

use one_core::acl::Operation;
use one_core::objects::image::Image;
use one_core::objects::quotas::QuotaKind;
use one_core::objects::vm::{DiskKind, DiskTargets, NewVm, Vm, assign_disk_targets};
use one_core::objects::vnet::Vnet;
use one_core::states::{ImageState, ImageType, VmState};
use one_core::template::Template;

use super::authz::{ObjAuth, authorize};
use super::pool::fetch;
use super::usage::{Usage, charge};
use super::{ApiError, ApiResult, Caller, Ctx, Object, authn::random_hex, now};
use crate::db::{Tx, tables};

/// A pair list's value.
fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// The owner whose objects a DISK or NIC names by name: `<PREFIX>_UID`, `<PREFIX>_UNAME`, or
/// the caller.
fn owner_of(tx: &Tx<'_>, pairs: &[(String, String)], prefix: &str, caller: &Caller) -> ApiResult<i32> {
    if let Some(uid) = get(pairs, &format!("{prefix}_UID")).and_then(|v| v.parse().ok()) {
        return Ok(uid);
    }
    if let Some(uname) = get(pairs, &format!("{prefix}_UNAME")) {
        return tx
            .user_id_by_name(uname)?
            .ok_or_else(|| super::internal(format!("User {uname} not found"), -1));
    }
    Ok(caller.uid)
}

/// The image a DISK names (IMAGE_ID, or IMAGE with its owner), if any.
pub fn disk_image(tx: &Tx<'_>, pairs: &[(String, String)], caller: &Caller) -> ApiResult<Option<i32>> {
    if let Some(id) = get(pairs, "IMAGE_ID") {
        return id.parse().map(Some).map_err(|_| super::internal(format!("Wrong IMAGE_ID {id}"), -1));
    }
    let Some(name) = get(pairs, "IMAGE") else { return Ok(None) };
    let uid = owner_of(tx, pairs, "IMAGE", caller)?;
    tx.obj_id_by_name(tables::IMAGE, name, Some(uid))?
        .map(Some)
        .ok_or_else(|| super::internal(format!("Image \"{name}\" of user {uid} does not exist"), -1))
}

/// The network a NIC names (NETWORK_ID, or NETWORK with its owner), if any.
pub fn nic_network(tx: &Tx<'_>, pairs: &[(String, String)], caller: &Caller) -> ApiResult<Option<i32>> {
    if let Some(id) = get(pairs, "NETWORK_ID") {
        return id.parse().map(Some).map_err(|_| super::internal(format!("Wrong NETWORK_ID {id}"), -1));
    }
    let Some(name) = get(pairs, "NETWORK") else { return Ok(None) };
    let uid = owner_of(tx, pairs, "NETWORK", caller)?;
    tx.obj_id_by_name(tables::NETWORK, name, Some(uid))?.map(Some).ok_or_else(|| {
        super::internal(format!("Virtual network \"{name}\" of user {uid} does not exist"), -1)
    })
}

/// What taking an image for a disk gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The image is still being copied (the VM waits in CLONING).
    pub cloning: bool,
    /// The image's type.
    pub image_type: ImageType,
    /// The disk's device prefix (empty for CD-ROMs).
    pub dev_prefix: String,
}

/// Takes an image for VM `vid` as its disk: USE on the image, then the image's attributes on
/// the disk, its running count, and the owner's image quota. `None` for a disk without image.
pub fn take_image(
    ctx: &Ctx,
    tx: &Tx<'_>,
    caller: &Caller,
    owner: (i32, i32),
    vid: i32,
    disk: &mut Vec<(String, String)>,
    attach: bool,
) -> ApiResult<Option<Taken>> {
    let Some(iid) = disk_image(tx, disk, caller)? else { return Ok(None) };
    let mut image = fetch::<Image>(tx, iid)?;
    authorize(tx, caller, Object::Vm, &[(Operation::Use, &ObjAuth::of(&image))])?;
    let now = now();
    image.acquire(vid, attach, now).map_err(|e| super::action(e, vid))?;
    let prefix = ctx.config.default_device_prefix();
    let (image_type, dev_prefix) = image.disk_attribute(disk, &[], &prefix);
    let cloning =
        matches!(image.state, ImageState::LockedUsed | ImageState::LockedUsedPers | ImageState::Locked);
    image.set_prev_state();
    tx.obj_put(tables::IMAGE, &image)?;
    charge(
        tx,
        caller.uid,
        Object::Vm,
        owner.0,
        owner.1,
        &[Usage::of(QuotaKind::Image, iid, vec![("RVMS", 1.0)])],
    )?;
    Ok(Some(Taken { cloning, image_type, dev_prefix }))
}

/// How target assignment treats a disk of this image type (volatile disks: data blocks).
pub fn disk_kind(image_type: Option<ImageType>) -> DiskKind {
    match image_type {
        Some(ImageType::Cdrom) => DiskKind::Cdrom,
        Some(ImageType::Os) => DiskKind::Os,
        Some(
            ImageType::Kernel
            | ImageType::Ramdisk
            | ImageType::Context
            | ImageType::Filesystem
            | ImageType::Backup,
        ) => DiskKind::Other,
        Some(ImageType::Datablock) | None => DiskKind::Datablock,
    }
}

/// Gives a NIC a lease: USE on the network, the lease, the owner's lease quota.
pub fn take_lease(
    ctx: &Ctx,
    tx: &Tx<'_>,
    caller: &Caller,
    owner: (i32, i32),
    vid: i32,
    nic: &mut Vec<(String, String)>,
) -> ApiResult<()> {
    let Some(nid) = nic_network(tx, nic, caller)? else { return Ok(()) };
    let mut vnet = tx
        .obj_get_listing::<Vnet>(tables::NETWORK, nid)?
        .ok_or(ApiError::NoExists { object: Object::Vnet, id: nid })?;
    authorize(tx, caller, Object::Vm, &[(Operation::Use, &ObjAuth::of(&vnet))])?;
    let mut rng = || rand::random::<u32>();
    vnet.nic_attribute(nic, vid, &[], ctx.config.mac_prefix(), &mut rng)
        .map_err(|e| super::action(e, vid))?;
    vnet.set_prev_state();
    tx.obj_put(tables::NETWORK, &vnet)?;
    charge(
        tx,
        caller.uid,
        Object::Vm,
        owner.0,
        owner.1,
        &[Usage::of(QuotaKind::Network, nid, vec![("LEASES", 1.0)])],
    )?;
    Ok(())
}

/// The targets (`vda`, `sdb`, ...) the VM's disks get, from their images' types.
fn assign_targets(vm: &mut Vm, kinds: &[(i32, DiskKind, String)], default_prefix: &str) -> ApiResult<()> {
    let id = vm.meta.id;
    let targets: Vec<DiskTargets> = kinds
        .iter()
        .map(|(disk_id, kind, prefix)| DiskTargets {
            disk_id: *disk_id,
            kind: *kind,
            dev_prefix: if prefix.is_empty() && *kind != DiskKind::Cdrom {
                default_prefix.to_owned()
            } else {
                prefix.clone()
            },
            target: vm.disk(*disk_id).and_then(|d| d.target().map(str::to_owned)),
        })
        .collect();
    let context = vm.context().map(|c| DiskTargets {
        disk_id: c.disk_id().unwrap_or(-1),
        kind: DiskKind::Cdrom,
        dev_prefix: c.get("DEV_PREFIX").unwrap_or_default().to_owned(),
        target: c.target().map(str::to_owned),
    });
    let q35 = vm
        .template
        .vector("OS")
        .is_some_and(|os| os.iter().any(|(k, v)| k == "MACHINE" && v.contains("q35")));
    let assigned = assign_disk_targets(id, &targets, context.as_ref(), q35)
        .map_err(|e| ApiError::Allocate { object: Object::Vm, msg: e })?;
    let context_id = context.map(|c| c.disk_id);
    for (disk_id, target) in assigned {
        let set = |p: &mut Vec<(String, String)>| {
            p.retain(|(k, _)| k != "TARGET");
            p.push(("TARGET".to_owned(), target.clone()));
        };
        if Some(disk_id) == context_id {
            if let Some(mut ctx_pairs) = vm.template.vector("CONTEXT").map(<[_]>::to_vec) {
                set(&mut ctx_pairs);
                vm.template.remove("CONTEXT");
                vm.template.push(one_core::template::Attribute::vector("CONTEXT", ctx_pairs));
            }
        } else {
            vm.edit_disk(disk_id, set);
        }
    }
    Ok(())
}

/// The system datastores (all of them: every image datastore works with any here).
pub fn system_datastores(_tx: &Tx<'_>) -> ApiResult<BTreeSet<i32>> {
    Ok(BTreeSet::new())
}

/// Allocates VM `template` owned by `caller` (`hold`: start on HOLD). Returns the stored VM.
pub fn allocate_vm(
    ctx: &Ctx,
    tx: &Tx<'_>,
    caller: &Caller,
    template: &Template,
    hold: bool,
) -> ApiResult<Vm> {
    authorize(
        tx,
        caller,
        Object::Vm,
        &[(Operation::Create, &ObjAuth::create(one_core::acl::ObjectType::Vm, caller))],
    )?;
    super::vmgroups::authorize_vm(tx, caller, template)?;
    let id = tx.next_oid(tables::VM)?;
    let meta = super::pool::new_meta(tx, ctx, caller, id, "")?;
    let new = NewVm {
        id,
        uid: caller.uid,
        gid: caller.gid,
        uname: caller.uname.clone(),
        gname: caller.gname.clone(),
        perms: meta.perms,
        hold,
        now: now(),
        uuid: uuid_v4(),
        default_machine: None,
        random_password: random_hex()[..16].to_owned(),
    };
    let mut vm =
        Vm::allocate(&new, template).map_err(|msg| ApiError::Allocate { object: Object::Vm, msg })?;
    super::check_name(&vm.meta.name, "").map_err(|msg| ApiError::Allocate { object: Object::Vm, msg })?;
    let owner = (caller.uid, caller.gid);

    // Disks: images (or volatile disks), then their targets.
    let mut cloning = false;
    let mut kinds = Vec::new();
    for disk in vm.disks().iter().map(|d| (d.disk_id().unwrap_or(-1), d.pairs().to_vec())).collect::<Vec<_>>()
    {
        let (disk_id, mut pairs) = disk;
        let taken = take_image(ctx, tx, caller, owner, id, &mut pairs, false)?;
        cloning |= taken.as_ref().is_some_and(|t| t.cloning);
        let prefix = match &taken {
            Some(t) => t.dev_prefix.clone(),
            None => get(&pairs, "DEV_PREFIX").unwrap_or_default().to_owned(),
        };
        kinds.push((disk_id, disk_kind(taken.map(|t| t.image_type)), prefix));
        vm.edit_disk(disk_id, |p| *p = pairs);
    }
    assign_targets(&mut vm, &kinds, &ctx.config.default_device_prefix())?;

    // NICs: leases.
    for nic_id in vm.nics().iter().filter_map(|n| n.nic_id()).collect::<Vec<_>>() {
        let mut pairs = vm.nic(nic_id).map(|n| n.pairs().to_vec()).unwrap_or_default();
        take_lease(ctx, tx, caller, owner, id, &mut pairs)?;
        vm.edit_nic(nic_id, |p| *p = pairs);
    }

    let system_ds = system_datastores(tx)?;
    vm.set_automatic_requirements(&system_ds)
        .map_err(|msg| ApiError::Allocate { object: Object::Vm, msg })?;
    // The XSD requires TM_MAD_SYSTEM; it gets its value at deploy.
    if vm.template.get("TM_MAD_SYSTEM").is_none() {
        vm.template.set("TM_MAD_SYSTEM", "");
    }
    charge(tx, caller.uid, Object::Vm, owner.0, owner.1, &[crate::lcm::vm_usage(&vm)])?;
    if cloning {
        vm.state = VmState::Cloning;
    }
    super::vmgroups::join(tx, &mut vm)?;
    crate::lcm::save(tx, &mut vm)?;
    Ok(vm)
}

/// A random UUID (version 4) for OS/UUID.
pub fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h[..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..].concat()
    )
}
