//! The datastore manager: `one.datastore.{allocate, delete, update, enable}` and the datastore
//! parts of the generic operations. Capacity comes from monitoring (see `monitor`).

use one_core::acl::{ObjectType, Operation};
use one_core::objects::cluster::{Cluster, ClusterResource};
use one_core::objects::datastore::{Datastore, FIRST_USER_DS_ID, MadConfs};

use super::authz::{ObjAuth, authorize};
use super::hosts::target_cluster;
use super::pool::{self, Managed, Unique, fetch_authorized, new_meta};
use super::{ApiError, ApiResult, Caller, Ctx, Object, internal, parse_template};
use crate::db::tables;
use crate::jobs::Job;

impl Managed for Datastore {
    const TABLE: &'static str = tables::DATASTORE;
    const OBJECT: Object = Object::Datastore;
    const UNIQUE: Unique = Unique::PerOwner;
    const LOCKABLE: bool = false;
    const DELETE_OP: Operation = Operation::Admin;
}

/// The TM and DS driver settings (OpenNebula's TM_MAD_CONF and DS_MAD_CONF).
pub fn mad_confs() -> MadConfs {
    MadConfs::opennebula_defaults()
}

/// `one.datastore.allocate`.
pub fn allocate(ctx: &Ctx, caller: &Caller, text: &str, cluster_id: i32) -> ApiResult<i32> {
    let id = ctx.db.write(|tx| {
        let template = parse_template(text).map_err(|e| internal(e, -1))?;
        authorize(
            tx,
            caller,
            Object::Datastore,
            &[(Operation::Create, &ObjAuth::create(ObjectType::Datastore, caller))],
        )?;
        let mut cluster = target_cluster(tx, caller, Object::Datastore, cluster_id)?;
        let name = template.get("NAME").unwrap_or("").to_owned();
        super::check_name(&name, "").map_err(|e| ApiError::Allocate { object: Object::Datastore, msg: e })?;
        if let Some(other) = tx.obj_id_by_name(tables::DATASTORE, &name, Some(caller.uid))? {
            return Err(ApiError::Allocate {
                object: Object::Datastore,
                msg: format!("NAME is already taken by DATASTORE {other}."),
            });
        }
        let mut id = tx.next_oid(tables::DATASTORE)?;
        if id < FIRST_USER_DS_ID {
            tx.set_last_oid(tables::DATASTORE, FIRST_USER_DS_ID)?;
            id = FIRST_USER_DS_ID;
        }
        let meta = new_meta(tx, ctx, caller, id, &name)?;
        let location = ctx.config.datastore_location().display().to_string();
        let ds = Datastore::allocate(id, meta, template, vec![cluster.meta.id], &location, &mad_confs())
            .map_err(|e| ApiError::Allocate { object: Object::Datastore, msg: e })?;
        cluster.add(ClusterResource::Datastore, id).map_err(|e| internal(e, id))?;
        tx.obj_put(tables::DATASTORE, &ds)?;
        tx.obj_put(tables::CLUSTER, &cluster)?;
        Ok(id)
    })?;
    ctx.jobs.push(Job::MonitorDatastore(id));
    Ok(id)
}

/// `one.datastore.delete`: only datastores without images.
pub fn delete(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<i32> {
    pool::delete::<Datastore>(
        ctx,
        caller,
        id,
        |_, ds| ds.check_drop(),
        |tx, ds| {
            for cid in &ds.clusters {
                if let Some(mut cluster) = tx.obj_get::<Cluster>(tables::CLUSTER, *cid)? {
                    let _ = cluster.del(ClusterResource::Datastore, id);
                    tx.obj_put(tables::CLUSTER, &cluster)?;
                }
            }
            Ok(())
        },
    )
}

/// `one.datastore.update`: the template, then the fields derived from it.
pub fn update(ctx: &Ctx, caller: &Caller, id: i32, text: &str, kind: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut ds = fetch_authorized::<Datastore>(tx, caller, id, Operation::Manage)?;
        let old = ds.template.clone();
        ds.template = super::updated_template(&ds.template, text, kind, &[], caller, id)?;
        ds.post_update(&old, &mad_confs())
            .map_err(|e| internal(format!("Cannot update template. {e}"), id))?;
        tx.obj_put(tables::DATASTORE, &ds)?;
        Ok(id)
    })
}

/// `one.datastore.enable`: only system datastores can be disabled.
pub fn enable(ctx: &Ctx, caller: &Caller, id: i32, enable: bool) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut ds = fetch_authorized::<Datastore>(tx, caller, id, Operation::Manage)?;
        ds.enable(enable).map_err(|e| internal(e, id))?;
        tx.obj_put(tables::DATASTORE, &ds)?;
        Ok(id)
    })
}
