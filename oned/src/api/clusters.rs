//! The cluster manager: `one.cluster.{allocate, delete, addhost, delhost, adddatastore,
//! deldatastore, addvnet, delvnet}`. A host is in exactly one cluster (removing it from one
//! puts it back in the default cluster); datastores and networks may be in several.

use one_core::acl::{ObjectType, Operation};
use one_core::objects::cluster::{Cluster, ClusterResource, DEFAULT_CLUSTER_ID, FIRST_USER_CLUSTER_ID};
use one_core::objects::common::PoolObject;
use one_core::objects::datastore::Datastore;
use one_core::objects::host::Host;
use one_core::objects::vnet::Vnet;

use super::authz::{ObjAuth, authorize};
use super::pool::{self, fetch};
use super::{ApiError, ApiResult, Caller, Ctx, Object, check_name, internal};
use crate::db::{Tx, tables};

/// `one.cluster.allocate`.
pub fn allocate(ctx: &Ctx, caller: &Caller, name: &str) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        authorize(
            tx,
            caller,
            Object::Cluster,
            &[(Operation::Create, &ObjAuth::create(ObjectType::Cluster, caller))],
        )?;
        check_name(name, "").map_err(|e| ApiError::Allocate { object: Object::Cluster, msg: e })?;
        if let Some(other) = tx.obj_id_by_name(tables::CLUSTER, name, None)? {
            return Err(ApiError::Allocate {
                object: Object::Cluster,
                msg: format!("NAME is already taken by CLUSTER {other}."),
            });
        }
        let mut id = tx.next_oid(tables::CLUSTER)?;
        if id < FIRST_USER_CLUSTER_ID {
            tx.set_last_oid(tables::CLUSTER, FIRST_USER_CLUSTER_ID)?;
            id = FIRST_USER_CLUSTER_ID;
        }
        tx.obj_put(tables::CLUSTER, &Cluster::new(id, name))?;
        Ok(id)
    })
}

/// `one.cluster.delete`: only empty user clusters.
pub fn delete(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<i32> {
    pool::delete::<Cluster>(ctx, caller, id, |_, c| c.check_drop(), |_, _| Ok(()))
}

/// Adds an object to a cluster (`add`) or removes it; ADMIN on both.
pub fn change(
    ctx: &Ctx,
    caller: &Caller,
    cid: i32,
    kind: ClusterResource,
    oid: i32,
    add: bool,
) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut cluster = fetch::<Cluster>(tx, cid)?;
        match kind {
            ClusterResource::Host => move_host(tx, caller, &mut cluster, oid, add)?,
            ClusterResource::Datastore => {
                let mut ds = fetch::<Datastore>(tx, oid)?;
                authorize(
                    tx,
                    caller,
                    Object::Cluster,
                    &[(Operation::Admin, &ObjAuth::of(&cluster)), (Operation::Admin, &ObjAuth::of(&ds))],
                )?;
                toggle(&mut cluster, kind, oid, add)?;
                set_member(&mut ds.clusters, cid, add);
                tx.obj_put(tables::DATASTORE, &ds)?;
            }
            ClusterResource::Vnet => {
                let mut vnet = tx
                    .obj_get_listing::<Vnet>(tables::NETWORK, oid)?
                    .ok_or(ApiError::NoExists { object: Object::Vnet, id: oid })?;
                authorize(
                    tx,
                    caller,
                    Object::Cluster,
                    &[(Operation::Admin, &ObjAuth::of(&cluster)), (Operation::Admin, &ObjAuth::of(&vnet))],
                )?;
                toggle(&mut cluster, kind, oid, add)?;
                set_member_set(&mut vnet.clusters, cid, add);
                tx.obj_put(tables::NETWORK, &vnet)?;
            }
        }
        tx.obj_put(tables::CLUSTER, &cluster)?;
        Ok(cid)
    })
}

fn toggle(cluster: &mut Cluster, kind: ClusterResource, oid: i32, add: bool) -> ApiResult<()> {
    let id = cluster.meta().id;
    if add { cluster.add(kind, oid) } else { cluster.del(kind, oid) }.map_err(|e| internal(e, id))
}

fn set_member(ids: &mut Vec<i32>, cid: i32, add: bool) {
    ids.retain(|c| *c != cid);
    if add {
        ids.push(cid);
        ids.sort_unstable();
    }
}

fn set_member_set(ids: &mut std::collections::BTreeSet<i32>, cid: i32, add: bool) {
    if add {
        ids.insert(cid);
    } else {
        ids.remove(&cid);
    }
}

/// A host moves between clusters: out of its current one, into `cluster` (or, when removed,
/// into the default cluster).
fn move_host(tx: &Tx<'_>, caller: &Caller, cluster: &mut Cluster, hid: i32, add: bool) -> ApiResult<()> {
    let mut host = fetch::<Host>(tx, hid)?;
    authorize(
        tx,
        caller,
        Object::Cluster,
        &[(Operation::Admin, &ObjAuth::of(&*cluster)), (Operation::Admin, &ObjAuth::of(&host))],
    )?;
    if !add {
        if host.cluster_id != cluster.meta().id {
            return Err(internal(
                format!("Host {hid} is not in cluster {}.", cluster.meta().id),
                cluster.meta().id,
            ));
        }
        let _ = cluster.del(ClusterResource::Host, hid);
        let mut default = fetch::<Cluster>(tx, DEFAULT_CLUSTER_ID)?;
        if cluster.meta().id == DEFAULT_CLUSTER_ID {
            // Removing a host from the default cluster leaves it there, as OpenNebula does.
            let _ = cluster.add(ClusterResource::Host, hid);
            return Ok(());
        }
        let _ = default.add(ClusterResource::Host, hid);
        host.cluster_id = DEFAULT_CLUSTER_ID;
        host.cluster = default.meta().name.clone();
        tx.obj_put(tables::CLUSTER, &default)?;
        tx.obj_put(tables::HOST, &host)?;
        return Ok(());
    }
    if host.cluster_id != cluster.meta().id {
        if let Some(mut old) = tx.obj_get::<Cluster>(tables::CLUSTER, host.cluster_id)? {
            let _ = old.del(ClusterResource::Host, hid);
            tx.obj_put(tables::CLUSTER, &old)?;
        }
        toggle(cluster, ClusterResource::Host, hid, true)?;
        host.cluster_id = cluster.meta().id;
        host.cluster = cluster.meta().name.clone();
        host.update_reserved_from_cluster(&cluster.template);
        tx.obj_put(tables::HOST, &host)?;
    }
    Ok(())
}
