//! The virtual network manager: `one.vn.{allocate, delete, info, update, recover}`, the
//! network parts of the generic operations, and the network driver work (creating and
//! deleting networks) as [`Job::Vnet`]s. Address ranges, leases and reservations are in
//! `vnet_ops.rs`.
//!
//! As in OpenNebula 7.4, a new network is LOCK_CREATE until its driver has created it, then
//! READY with the template's ARs as address ranges; a deleted one is LOCK_DELETE until the
//! driver has removed it. The drivers oned knows (`dummy` and the bridge-less ones) need no
//! host work, so the jobs complete at once.

use std::collections::BTreeSet;

use one_core::acl::{ObjectType, Operation};
use one_core::objects::cluster::{Cluster, ClusterResource};
use one_core::objects::common::{PoolFilter, PoolObject};
use one_core::objects::quotas::QuotaKind;
use one_core::objects::vm::Vm;
use one_core::objects::vnet::Vnet;
use one_core::objects::vnet_ar::{LeaseFilter, LeaseOwner};
use one_core::objects::vnet_create::VnMadConf;
use one_core::states::VnetState;
use one_core::template::Template;
use one_core::xml::XmlWriter;

use super::authz::{ObjAuth, allowed, authorize, rules};
use super::image_jobs::template_error;
use super::pool::{Managed, Unique, check_unique, list_query, new_meta};
use super::usage::{Usage, refund};
use super::{ApiError, ApiResult, Caller, Ctx, Object, action, internal, parse_template};
use crate::db::{Tx, tables};
use crate::jobs::Job;

impl Managed for Vnet {
    const TABLE: &'static str = tables::NETWORK;
    const OBJECT: Object = Object::Vnet;
    const UNIQUE: Unique = Unique::PerOwner;
    const RESTRICTED: &'static [&'static str] = &["VN_MAD", "PHYDEV", "BRIDGE", "CLUSTER_IDS"];
}

/// The network driver work a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VnetTask {
    /// Create the network (LOCK_CREATE → READY or ERROR).
    Create,
    /// Remove the network (LOCK_DELETE → gone).
    Delete,
}

/// oned.conf's VN_MAD_CONF.
pub fn vn_mad_conf() -> VnMadConf {
    VnMadConf::default()
}

/// The network, read with its leases.
pub fn fetch_vnet(tx: &Tx<'_>, id: i32) -> ApiResult<Vnet> {
    tx.obj_get_listing::<Vnet>(tables::NETWORK, id)?.ok_or(ApiError::NoExists { object: Object::Vnet, id })
}

/// Stores a network (its PREV_STATE recorded).
pub fn save(tx: &Tx<'_>, vnet: &mut Vnet) -> ApiResult<()> {
    vnet.set_prev_state();
    tx.obj_put(tables::NETWORK, vnet)?;
    Ok(())
}

/// Random bits for generated MAC addresses.
pub fn rng() -> u32 {
    rand::random::<u32>()
}

/// `one.vn.allocate`: a new network in cluster `cluster_id` (-1: the default cluster).
pub fn allocate(ctx: &Ctx, caller: &Caller, text: &str, cluster_id: i32) -> ApiResult<i32> {
    let id = ctx.db.write(|tx| -> ApiResult<i32> {
        let tmpl = parse_template(text).map_err(|e| internal(e, -1))?;
        let mut cluster = super::hosts::target_cluster(tx, caller, Object::Vnet, cluster_id)?;
        authorize(
            tx,
            caller,
            Object::Vnet,
            &[(Operation::Create, &ObjAuth::create(ObjectType::Net, caller))],
        )?;
        super::restricted::check(caller, Object::Vnet, &tmpl, super::restricted::VNET, "VNET Template")?;
        let mut vnet = new_network(ctx, tx, caller, tmpl, BTreeSet::from([cluster.meta.id]), -1)?;
        cluster.add(ClusterResource::Vnet, vnet.meta.id).map_err(|e| internal(e, -1))?;
        tx.obj_put(tables::CLUSTER, &cluster)?;
        save(tx, &mut vnet)?;
        Ok(vnet.meta.id)
    })?;
    ctx.jobs.push(Job::Vnet(id, VnetTask::Create));
    Ok(id)
}

/// A new network (a reservation of `parent`, or -1) owned by the caller, in LOCK_CREATE, not
/// stored yet. Errors are OpenNebula's (code INTERNAL).
pub fn new_network(
    ctx: &Ctx,
    tx: &Tx<'_>,
    caller: &Caller,
    tmpl: Template,
    clusters: BTreeSet<i32>,
    parent: i32,
) -> ApiResult<Vnet> {
    let name = tmpl.get("NAME").unwrap_or_default().to_owned();
    if !name.is_empty() {
        check_unique::<Vnet>(tx, &name, caller.uid, None)?;
    }
    let id = tx.next_oid(tables::NETWORK)?;
    let meta = new_meta(tx, ctx, caller, id, "")?;
    let mut vnet =
        Vnet::allocate(meta, tmpl, clusters, parent, -1, &vn_mad_conf()).map_err(|e| internal(e, -1))?;
    super::check_name(&vnet.meta.name, "").map_err(|e| internal(e, -1))?;
    if (vnet.vlan_id_automatic && vnet.vlan_id.is_empty())
        || (vnet.outer_vlan_id_automatic && vnet.outer_vlan_id.is_empty())
    {
        let others = tx.obj_all::<Vnet>(tables::NETWORK)?;
        let used = |outer: bool| -> BTreeSet<String> {
            others.iter().map(|v| if outer { v.outer_vlan_id.clone() } else { v.vlan_id.clone() }).collect()
        };
        if vnet.vlan_id_automatic && vnet.vlan_id.is_empty() {
            vnet.vlan_id = free_vlan(&used(false)).ok_or_else(vlan_error)?;
        }
        if vnet.outer_vlan_id_automatic && vnet.outer_vlan_id.is_empty() {
            vnet.outer_vlan_id = free_vlan(&used(true)).ok_or_else(vlan_error)?;
        }
    }
    Ok(vnet)
}

fn vlan_error() -> ApiError {
    internal("Cannot automatically assign VLAN_ID to network.", -1)
}

/// The lowest VLAN ID no network uses (oned.conf's VLAN_IDS: from 2, 0, 1 and 4095 reserved).
fn free_vlan(used: &BTreeSet<String>) -> Option<String> {
    (2..4095).map(|i: u32| i.to_string()).find(|id| !used.contains(id))
}

/// `one.vn.delete`: a network without leases in use goes to LOCK_DELETE; the driver removes it.
pub fn delete(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut vnet = fetch_vnet(tx, id)?;
        authorize(tx, caller, Object::Vnet, &[(Vnet::DELETE_OP, &ObjAuth::of(&vnet))])?;
        let refuse = |m: String| action(format!("Cannot delete virtual network. {m}"), id);
        if vnet.used_leases() > 0 {
            return Err(refuse("Can not remove a virtual network with leases in use".to_owned()));
        }
        if matches!(vnet.state, VnetState::LockCreate | VnetState::LockDelete | VnetState::Done) {
            return Err(refuse(format!(
                "Can not remove a Virtual Network, wrong state {}",
                vnet.state.name()
            )));
        }
        vnet.state = VnetState::LockDelete;
        save(tx, &mut vnet)?;
        tx.acl_delete_by_resource(one_core::acl::INDIVIDUAL_ID | id as u32 as u64, ObjectType::Net.bit())?;
        Ok(())
    })?;
    ctx.jobs.push(Job::Vnet(id, VnetTask::Delete));
    Ok(id)
}

/// The driver removed network `vnet`: it leaves the pool and its clusters, and a reservation
/// gives its addresses back to its parent (the owner's lease quota shrinks).
fn deleted(tx: &Tx<'_>, vnet: &Vnet) -> ApiResult<()> {
    let id = vnet.meta.id;
    tx.obj_delete(tables::NETWORK, id)?;
    for cid in &vnet.clusters {
        if let Some(mut cluster) = tx.obj_get::<Cluster>(tables::CLUSTER, *cid)? {
            let _ = cluster.del(ClusterResource::Vnet, id);
            tx.obj_put(tables::CLUSTER, &cluster)?;
        }
    }
    if vnet.parent_vid != -1
        && let Some(mut parent) = tx.obj_get_listing::<Vnet>(tables::NETWORK, vnet.parent_vid)?
    {
        let freed = parent.free_by_owner(LeaseOwner::Vnet(id));
        save(tx, &mut parent)?;
        if freed > 0 {
            let usage = Usage::of(QuotaKind::Network, vnet.parent_vid, vec![("LEASES", freed as f64)]);
            refund(tx, vnet.meta.uid, vnet.meta.gid, &[usage])?;
        }
    }
    Ok(())
}

/// Runs a network job.
pub fn run(ctx: &Ctx, id: i32, task: VnetTask) {
    let result = ctx.db.write(|tx| {
        let Some(mut vnet) = tx.obj_get_listing::<Vnet>(tables::NETWORK, id)? else { return Ok(()) };
        match (task, vnet.state) {
            (VnetTask::Create, VnetState::LockCreate) => {
                let mut rng = rng;
                if let Err(e) =
                    vnet.finish_create(&Template::new(), &vn_mad_conf(), ctx.config.mac_prefix(), &mut rng)
                {
                    template_error(&mut vnet.template, &e);
                }
                save(tx, &mut vnet)
            }
            (VnetTask::Delete, VnetState::LockDelete) => deleted(tx, &vnet),
            (task, state) => {
                tracing::info!(vnet = id, "ignoring {task:?}: the network is {}", state.name());
                Ok(())
            }
        }
    });
    if let Err(e) = result {
        tracing::error!(vnet = id, "{task:?}: {}", e.message());
    }
}

/// Queues again the creation or removal of networks a previous oned left in LOCK_CREATE or
/// LOCK_DELETE (their jobs were lost with the process). Returns how many.
pub fn recover_interrupted(ctx: &Ctx) -> usize {
    let found = ctx.db.read(|tx| -> ApiResult<Vec<(i32, VnetTask)>> {
        let create = tx.obj_ids_in_state(tables::NETWORK, VnetState::LockCreate.value())?;
        let delete = tx.obj_ids_in_state(tables::NETWORK, VnetState::LockDelete.value())?;
        Ok(create
            .into_iter()
            .map(|id| (id, VnetTask::Create))
            .chain(delete.into_iter().map(|id| (id, VnetTask::Delete)))
            .collect())
    });
    let tasks = found.unwrap_or_else(|e| {
        tracing::error!("cannot list interrupted network operations: {}", e.message());
        Vec::new()
    });
    for (id, task) in &tasks {
        tracing::info!(vnet = id, "resuming {task:?} interrupted by a restart");
        ctx.jobs.push(Job::Vnet(*id, *task));
    }
    tasks.len()
}

/// `one.vn.info`: the network with the leases the caller may see (all of them with MANAGE on
/// the network; otherwise those of its VMs and reservations, and holds).
pub fn info(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<String> {
    ctx.db.read(|tx| {
        let vnet = fetch_vnet(tx, id)?;
        let auth = ObjAuth::of(&vnet).no_lock();
        authorize(tx, caller, Object::Vnet, &[(Operation::Use, &auth)])?;
        if allowed(&rules(tx)?, caller, Operation::Manage, &auth) {
            return Ok(vnet.to_xml());
        }
        let ids = |bodies: Vec<String>, parse: fn(&str) -> Option<(i32, bool)>| -> BTreeSet<i32> {
            bodies.iter().filter_map(|b| parse(b)).filter(|(_, keep)| *keep).map(|(id, _)| id).collect()
        };
        let q = list_query::<Vm>(tx, ctx, caller, &PoolFilter::ALL)?;
        let mut vms =
            ids(tx.obj_list_bodies(tables::VM, &q)?, |b| Vm::from_xml(b).ok().map(|v| (v.meta.id, true)));
        vms.insert(-1);
        let q = list_query::<Vnet>(tx, ctx, caller, &PoolFilter::ALL)?;
        let vnets = ids(tx.obj_list_bodies(tables::NETWORK, &q)?, |b| {
            Vnet::from_xml(b).ok().map(|v| (v.meta.id, v.is_reservation()))
        });
        let filter = LeaseFilter { vms: Some(vms), vnets: Some(vnets), vrouters: None };
        let mut w = XmlWriter::new();
        vnet.write_info_xml(&mut w, &filter);
        Ok(w.finish())
    })
}

/// `one.vn.update`: the template (type 0 replaces, 1 merges), then the driver attributes kept
/// consistent and NIC-relevant changes recorded in VNET_UPDATE.
pub fn update(ctx: &Ctx, caller: &Caller, id: i32, text: &str, kind: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut vnet = fetch_vnet(tx, id)?;
        authorize(tx, caller, Object::Vnet, &[(Vnet::MANAGE_OP, &ObjAuth::of(&vnet))])?;
        super::updated_template(&vnet.template, text, kind, Vnet::RESTRICTED, caller, id)?;
        let new = parse_template(text).map_err(|e| internal(format!("Cannot update template. {e}"), id))?;
        vnet.update_template(&new, kind == 1, &vn_mad_conf())
            .map_err(|e| internal(format!("Cannot update template. {e}"), id))?;
        save(tx, &mut vnet)?;
        Ok(id)
    })
}

/// `one.vn.recover`: 0 failure, 1 success, 2 delete, 3 retry.
pub fn recover(ctx: &Ctx, caller: &Caller, id: i32, op: i32) -> ApiResult<i32> {
    let names = ["recover failure", "recover success", "recover delete", "recover retry"];
    let Some(name) = usize::try_from(op).ok().and_then(|i| names.get(i)) else {
        return Err(action("Wrong recovery operation code", id));
    };
    ctx.db.write(|tx| {
        let mut vnet = fetch_vnet(tx, id)?;
        authorize(tx, caller, Object::Vnet, &[(Operation::Manage, &ObjAuth::of(&vnet))])?;
        use VnetState as S;
        let state = vnet.state;
        let wrong =
            || internal(format!("Could not perform '{name}' on VN {id}, wrong state {}.", state.name()), id);
        match (op, state) {
            (0, S::Init | S::LockCreate | S::LockDelete) => {
                vnet.state = S::Error;
                template_error(&mut vnet.template, "Failure forced by user");
                save(tx, &mut vnet)?;
            }
            (1, S::Init | S::LockCreate | S::Error) => {
                vnet.template.remove("ERROR");
                vnet.state = S::Ready;
                save(tx, &mut vnet)?;
            }
            (1, S::UpdateFailure) => {
                vnet.template.remove("ERROR");
                vnet.state = S::Ready;
                let outdated = std::mem::take(&mut vnet.outdated_vms);
                vnet.updated_vms.extend(outdated);
                save(tx, &mut vnet)?;
            }
            (1, S::LockDelete) | (2, S::Init | S::LockCreate | S::LockDelete | S::Error) => {
                deleted(tx, &vnet)?
            }
            (3, S::UpdateFailure) => {
                vnet.state = S::Ready;
                save(tx, &mut vnet)?;
            }
            _ => return Err(wrong()),
        }
        Ok(id)
    })
}
