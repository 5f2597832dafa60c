//! Address ranges, leases and reservations of virtual networks: `one.vn.{add_ar, rm_ar,
//! free_ar, update_ar, hold, release, reserve}`, with OpenNebula's authorization levels,
//! state checks and messages. A reservation takes addresses from its parent network into a
//! network of its own and charges them to the reservation owner's NETWORK quota; removing
//! the reservation's range gives them back.

use one_core::acl::Operation;
use one_core::objects::cluster::{Cluster, ClusterResource};
use one_core::objects::quotas::QuotaKind;
use one_core::objects::vnet::Vnet;
use one_core::objects::vnet_ar::LeaseOwner;
use one_core::objects::vnet_leases::parse_reserve_request;
use one_core::states::VnetState;
use one_core::template::Template;

use super::authz::{ObjAuth, authorize};
use super::usage::{Usage, charge, refund};
use super::vnets::{VnetTask, fetch_vnet, new_network, rng, save};
use super::{ApiError, ApiResult, Caller, Ctx, Object, action, internal, parse_template};
use crate::db::{Tx, tables};
use crate::jobs::Job;

/// The right the range calls need: ADMIN on networks not instantiated from a network
/// template (all of ours), else MANAGE.
fn ar_right(vnet: &Vnet) -> Operation {
    if vnet.template_id == -1 { Operation::Admin } else { Operation::Manage }
}

/// Runs `f` on network `id` (the caller needs `op` on it, or `op_of` decides) with the
/// request's template, once the network is READY (or UPDATE_FAILURE); stores the network.
fn with_usable(
    ctx: &Ctx,
    caller: &Caller,
    id: i32,
    text: &str,
    method: &str,
    op_of: fn(&Vnet) -> Operation,
    f: impl FnOnce(&mut Vnet, &Template) -> Result<(), String>,
) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut vnet = fetch_vnet(tx, id)?;
        authorize(tx, caller, Object::Vnet, &[(op_of(&vnet), &ObjAuth::of(&vnet))])?;
        let tmpl = parse_template(text).map_err(|e| internal(e, id))?;
        vnet.check_usable(method).map_err(|e| action(e, id))?;
        if method == "one.vn.add_ar" && !caller.is_admin() {
            for ar in tmpl.get_all("AR").filter_map(|a| a.value.as_vector()) {
                if let Some(name) = super::restricted::find_in_ar(ar, super::restricted::VNET) {
                    return Err(ApiError::Authorization {
                        uid: caller.uid,
                        object: Object::Vnet,
                        detail: format!("AR includes a restricted attribute {name}"),
                    });
                }
            }
        }
        f(&mut vnet, &tmpl).map_err(|e| internal(e, id))?;
        save(tx, &mut vnet)?;
        Ok(id)
    })
}

/// `one.vn.add_ar`: the template's first AR becomes a new range.
pub fn add_ar(ctx: &Ctx, caller: &Caller, id: i32, text: &str) -> ApiResult<i32> {
    let prefix = ctx.config.mac_prefix();
    with_usable(ctx, caller, id, text, "one.vn.add_ar", ar_right, |vnet, tmpl| {
        let mut rng = rng;
        vnet.add_ar(tmpl, prefix, &mut rng).map(|_| ())
    })
}

/// `one.vn.update_ar`: changes the range AR/AR_ID names.
pub fn update_ar(ctx: &Ctx, caller: &Caller, id: i32, text: &str) -> ApiResult<i32> {
    with_usable(
        ctx,
        caller,
        id,
        text,
        "one.vn.update_ar",
        |_| Operation::Manage,
        |vnet, tmpl| vnet.update_ar(tmpl, &[]),
    )
}

/// `one.vn.hold`: puts LEASES/IP (IP6, MAC) on hold.
pub fn hold(ctx: &Ctx, caller: &Caller, id: i32, text: &str) -> ApiResult<i32> {
    with_usable(
        ctx,
        caller,
        id,
        text,
        "one.vn.hold",
        |_| Operation::Manage,
        |vnet, tmpl| vnet.hold_leases(tmpl),
    )
}

/// `one.vn.release`: frees a held address.
pub fn release(ctx: &Ctx, caller: &Caller, id: i32, text: &str) -> ApiResult<i32> {
    with_usable(
        ctx,
        caller,
        id,
        text,
        "one.vn.release",
        |_| Operation::Manage,
        |vnet, tmpl| vnet.release_leases(tmpl),
    )
}

/// `one.vn.rm_ar` (`free` false: ADMIN, `force` removes a range with leases) and
/// `one.vn.free_ar` (`free` true: MANAGE, never forced). A reservation's range goes back to
/// its parent network.
pub fn rm_ar(ctx: &Ctx, caller: &Caller, id: i32, ar_id: i32, force: bool, free: bool) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut vnet = fetch_vnet(tx, id)?;
        let op = if free { Operation::Manage } else { ar_right(&vnet) };
        authorize(tx, caller, Object::Vnet, &[(op, &ObjAuth::of(&vnet))])?;
        if !matches!(vnet.state, VnetState::Ready | VnetState::UpdateFailure) {
            return Err(action(
                format!(
                    "Could not remove Adress Range, Virtual Network is in wrong state: {}",
                    vnet.state.name()
                ),
                id,
            ));
        }
        let ar_id = u32::try_from(ar_id).unwrap_or(u32::MAX);
        let removed = vnet.rm_ar(ar_id, force && !free).map_err(|e| internal(e, id))?;
        save(tx, &mut vnet)?;
        if let (true, Some(parent_ar), false) =
            (removed.parent_vid != -1, removed.parent_ar, removed.mac.is_empty())
            && let Some(mut parent) = tx.obj_get_listing::<Vnet>(tables::NETWORK, removed.parent_vid)?
        {
            let freed = parent.free_by_range(parent_ar, LeaseOwner::Vnet(id), &removed.mac, removed.size);
            save(tx, &mut parent)?;
            if freed > 0 {
                let usage = Usage::of(QuotaKind::Network, removed.parent_vid, vec![("LEASES", freed as f64)]);
                refund(tx, vnet.meta.uid, vnet.meta.gid, &[usage])?;
            }
        }
        Ok(id)
    })
}

/// `one.vn.reserve`: SIZE addresses of network `id` into a new reservation network NAME (or
/// the existing reservation NETWORK_ID), optionally from AR_ID starting at IP, IP6 or MAC.
/// Returns the reservation's ID.
pub fn reserve(ctx: &Ctx, caller: &Caller, id: i32, text: &str) -> ApiResult<i32> {
    let (rid, created) = ctx.db.write(|tx| reserve_in(ctx, tx, caller, id, text))?;
    if created {
        ctx.jobs.push(Job::Vnet(rid, VnetTask::Create));
    }
    Ok(rid)
}

fn reserve_in(ctx: &Ctx, tx: &Tx<'_>, caller: &Caller, id: i32, text: &str) -> ApiResult<(i32, bool)> {
    let tmpl = parse_template(text).map_err(|e| action(e, id))?;
    let req = parse_reserve_request(&tmpl, id).map_err(|e| action(e, id))?;
    let existing = match req.network_id {
        Some(rid) => {
            let r = fetch_vnet(tx, rid)?;
            r.accepts_reservation_from(id).map_err(|e| action(e, id))?;
            Some(r)
        }
        None => None,
    };
    let mut parent = fetch_vnet(tx, id)?;
    if parent.is_reservation() {
        return Err(action("Cannot reserve addresses from a reserved VNET", id));
    }
    let parent_auth = ObjAuth::of(&parent);
    let existing_auth = existing.as_ref().map(ObjAuth::of);
    let mut checks = vec![(Operation::Use, &parent_auth)];
    if let Some(a) = &existing_auth {
        checks.push((Operation::Manage, a));
    }
    authorize(tx, caller, Object::Vnet, &checks)?;
    let created = existing.is_none();
    let mut reservation = match existing {
        Some(r) => r,
        None => {
            new_network(ctx, tx, caller, parent.reservation_template(&req.name), parent.clusters.clone(), id)?
        }
    };
    let rid = reservation.meta.id;
    let usage = Usage::of(QuotaKind::Network, id, vec![("LEASES", req.size as f64)]);
    charge(tx, caller.uid, Object::Vnet, reservation.meta.uid, reservation.meta.gid, &[usage])?;
    let mut rng = rng;
    let ar = parent
        .reserve(&req, rid, reservation.next_ar_id(), ctx.config.mac_prefix(), &mut rng)
        .map_err(|e| action(e, id))?;
    reservation.add_reserved_ar(ar).map_err(|e| action(e, id))?;
    save(tx, &mut parent)?;
    save(tx, &mut reservation)?;
    if created {
        for cid in &parent.clusters {
            if let Some(mut cluster) = tx.obj_get::<Cluster>(tables::CLUSTER, *cid)? {
                cluster.add(ClusterResource::Vnet, rid).map_err(|e| internal(e, id))?;
                tx.obj_put(tables::CLUSTER, &cluster)?;
            }
        }
    }
    Ok((rid, created))
}
