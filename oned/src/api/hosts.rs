//! The host manager: `one.host.{allocate, delete, status, monitoring}`,
//! `one.hostpool.monitoring`, and the host parts of the generic operations. Hosts belong to
//! exactly one cluster; monitoring (see `monitor`) brings them from INIT to MONITORED.

use one_core::acl::{ObjectType, Operation};
use one_core::objects::cluster::{Cluster, ClusterResource, DEFAULT_CLUSTER_ID, NONE_CLUSTER_ID};
use one_core::objects::common::PoolObject;
use one_core::objects::host::{Host, check_drivers, check_hostname};
use one_core::objects::monitoring::{HostMonitoring, host_monitoring_data_xml, select_records};
use one_core::states::HostState;

use super::authz::{ObjAuth, authorize};
use super::pool::{self, Managed, Unique, fetch, fetch_authorized};
use super::{ApiError, ApiResult, Caller, Ctx, Object, internal, now};
use crate::db::{Tx, tables};
use crate::jobs::Job;

impl Managed for Host {
    const TABLE: &'static str = tables::HOST;
    const OBJECT: Object = Object::Host;
    const UNIQUE: Unique = Unique::Global;
    const LOCKABLE: bool = false;
    const MANAGE_OP: Operation = Operation::Admin;
    const DELETE_OP: Operation = Operation::Admin;
}

impl Managed for Cluster {
    const TABLE: &'static str = tables::CLUSTER;
    const OBJECT: Object = Object::Cluster;
    const UNIQUE: Unique = Unique::Global;
    const LOCKABLE: bool = false;
    const DELETE_OP: Operation = Operation::Admin;
}

fn allocate_error(object: Object, msg: impl Into<String>) -> ApiError {
    ApiError::Allocate { object, msg: msg.into() }
}

/// The cluster a new object goes to (`-1`: the default cluster); checks ADMIN on it.
pub fn target_cluster(tx: &Tx<'_>, caller: &Caller, object: Object, cluster_id: i32) -> ApiResult<Cluster> {
    let cid = if cluster_id == NONE_CLUSTER_ID { DEFAULT_CLUSTER_ID } else { cluster_id };
    let cluster = fetch::<Cluster>(tx, cid)?;
    authorize(tx, caller, object, &[(Operation::Admin, &ObjAuth::of(&cluster))])?;
    Ok(cluster)
}

/// `one.host.allocate`: a new host in INIT, monitored at once.
pub fn allocate(
    ctx: &Ctx,
    caller: &Caller,
    name: &str,
    im_mad: &str,
    vm_mad: &str,
    cluster_id: i32,
) -> ApiResult<i32> {
    let id = ctx.db.write(|tx| {
        authorize(
            tx,
            caller,
            Object::Host,
            &[(Operation::Create, &ObjAuth::create(ObjectType::Host, caller))],
        )?;
        let mut cluster = target_cluster(tx, caller, Object::Host, cluster_id)?;
        check_hostname(name).map_err(|e| allocate_error(Object::Host, e))?;
        check_drivers(im_mad, vm_mad).map_err(|e| allocate_error(Object::Host, e))?;
        if !ctx.drivers.has_host_drivers(im_mad, vm_mad) {
            let missing = if ctx.drivers.im(im_mad).is_err() { im_mad } else { vm_mad };
            return Err(allocate_error(Object::Host, format!("Cannot find driver {missing}.")));
        }
        if let Some(other) = tx.obj_id_by_name(tables::HOST, name, None)? {
            return Err(allocate_error(Object::Host, format!("NAME is already taken by HOST {other}.")));
        }
        let id = tx.next_oid(tables::HOST)?;
        let host = Host::new(id, name, im_mad, vm_mad, cluster.meta.id, &cluster.meta.name);
        cluster.add(ClusterResource::Host, id).map_err(|e| internal(e, id))?;
        tx.obj_put(tables::HOST, &host)?;
        tx.obj_put(tables::CLUSTER, &cluster)?;
        Ok(id)
    })?;
    ctx.jobs.push(Job::MonitorHost(id));
    Ok(id)
}

/// `one.host.delete`: only hosts without VMs.
pub fn delete(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<i32> {
    pool::delete::<Host>(
        ctx,
        caller,
        id,
        |_, host| {
            if host.share.running_vms > 0 || !host.vms.is_empty() {
                Err("Can not remove a host with running VMs".to_owned())
            } else {
                Ok(())
            }
        },
        |tx, host| {
            if let Some(mut cluster) = tx.obj_get::<Cluster>(tables::CLUSTER, host.cluster_id)? {
                let _ = cluster.del(ClusterResource::Host, host.meta.id);
                tx.obj_put(tables::CLUSTER, &cluster)?;
            }
            tx.monitoring_drop("host_monitoring", host.meta.id)?;
            Ok(())
        },
    )
}

/// `one.host.update`: the template, then the fields derived from it.
pub fn update(ctx: &Ctx, caller: &Caller, id: i32, text: &str, kind: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut host = fetch_authorized::<Host>(tx, caller, id, Operation::Admin)?;
        host.template = super::updated_template(&host.template, text, kind, &[], caller, id)?;
        let cluster = tx.obj_get::<Cluster>(tables::CLUSTER, host.cluster_id)?;
        host.post_update(cluster.as_ref().map(|c| &c.template));
        tx.obj_put(tables::HOST, &host)?;
        Ok(id)
    })
}

/// `one.host.status`: 0 enable, 1 disable, 2 offline.
pub fn status(ctx: &Ctx, caller: &Caller, id: i32, status: i32) -> ApiResult<i32> {
    let state = ctx.db.write(|tx| -> ApiResult<HostState> {
        let mut host = fetch_authorized::<Host>(tx, caller, id, Operation::Admin)?;
        host.set_status(status).map_err(|e| internal(e, id))?;
        tx.obj_put(tables::HOST, &host)?;
        Ok(host.state)
    })?;
    if state != HostState::Offline {
        ctx.jobs.push(Job::MonitorHost(id));
    }
    Ok(id)
}

/// The monitoring records of the hosts in `ids` (all hosts when `None`) selected by
/// `seconds`: 0 the latest of each host, negative all, otherwise those of the last `seconds`.
fn records(tx: &Tx<'_>, ids: Option<&[i32]>, seconds: i64) -> ApiResult<String> {
    let mut all: Vec<HostMonitoring> = Vec::new();
    for body in tx.monitoring_list("host_monitoring", None, 0)? {
        let node = one_core::xml::parse(&body).map_err(|e| internal(e.to_string(), -1))?;
        if let Some(r) = HostMonitoring::from_node(&node).map_err(|e| internal(e.0, -1))?
            && ids.is_none_or(|ids| ids.contains(&r.id))
        {
            all.push(r);
        }
    }
    Ok(host_monitoring_data_xml(select_records(&all, seconds, now())))
}

/// `one.host.monitoring`: the host's monitoring records.
pub fn monitoring(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<String> {
    ctx.db.read(|tx| {
        fetch_authorized::<Host>(tx, caller, id, Operation::Use)?;
        records(tx, Some(&[id]), -1)
    })
}

/// `one.hostpool.monitoring`: records of the hosts the caller may see.
pub fn pool_monitoring(ctx: &Ctx, caller: &Caller, seconds: i64) -> ApiResult<String> {
    ctx.db.read(|tx| {
        if caller.is_admin() {
            return records(tx, None, seconds);
        }
        let rules = super::authz::rules(tx)?;
        let visible: Vec<i32> = tx
            .obj_all::<Host>(tables::HOST)?
            .iter()
            .filter(|h| super::authz::allowed(&rules, caller, Operation::Use, &ObjAuth::of(*h)))
            .map(|h| h.meta().id)
            .collect();
        records(tx, Some(&visible), seconds)
    })
}
