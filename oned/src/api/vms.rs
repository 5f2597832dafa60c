//! The VM manager: `one.vm.{allocate, deploy, action, migrate, recover, monitoring}` and the
//! VM pool listings. Every state change goes through the life-cycle manager (`lcm`); this
//! module checks authorization and the request's data, and queues the driver work.

use one_core::acl::Operation;
use one_core::lifecycle::{Action, Event, MigrateMode, RecoverOp, VmFacts};
use one_core::objects::common::{PoolFilter, PoolObject};
use one_core::objects::datastore::Datastore;
use one_core::objects::host::{Host, VmCapacity};
use one_core::objects::monitoring::{VmMonitoring, select_records, vm_monitoring_data_xml};
use one_core::objects::vm::{Placement, StateFilter, Vm, VmAction, matches};
use one_core::states::{DatastoreType, HostState, VmState};

use super::authz::{ObjAuth, authorize};
use super::pool::{Managed, Unique, fetch, fetch_authorized, list_query, pool_document};
use super::usage::{charge, refund};
use super::{ApiResult, Caller, Ctx, Doc, DocStream, Object, action, api, internal, now, parse_template};
use crate::db::{ListQuery, Tx, tables};
use crate::jobs::Job;
use crate::lcm::{self, Request};

pub use super::vm_alloc::system_datastores;

impl Managed for Vm {
    const TABLE: &'static str = tables::VM;
    const OBJECT: Object = Object::Vm;
    const UNIQUE: Unique = Unique::No;
    const RESTRICTED: &'static [&'static str] = &["DEPLOY_ID", "CPU_COST", "MEMORY_COST", "DISK_COST"];
}

/// The right an operation on a VM needs (OpenNebula's `VM_*_OPERATIONS` defaults).
pub fn right_for(operation: &str) -> Operation {
    match operation {
        "migrate" | "delete" | "recover" | "retry" | "deploy" | "resched" => Operation::Admin,
        _ => Operation::Manage,
    }
}

/// Runs `f` on a VM the caller may act on with `right`, then stores it and queues its jobs.
pub fn with_vm(
    ctx: &Ctx,
    caller: &Caller,
    id: i32,
    right: Operation,
    f: impl FnOnce(&Tx<'_>, &mut Vm) -> ApiResult<Vec<Job>>,
) -> ApiResult<i32> {
    with_vm_then(ctx, caller, id, right, |tx, vm| Ok((f(tx, vm)?, id)))
}

/// As [`with_vm`], for requests that answer something else than the VM's ID (a new
/// snapshot's ID, a new image's ID).
pub fn with_vm_then<T>(
    ctx: &Ctx,
    caller: &Caller,
    id: i32,
    right: Operation,
    f: impl FnOnce(&Tx<'_>, &mut Vm) -> ApiResult<(Vec<Job>, T)>,
) -> ApiResult<T> {
    let (jobs, answer) = ctx.db.write(|tx| {
        let mut vm = fetch_authorized::<Vm>(tx, caller, id, right)?;
        f(tx, &mut vm)
    })?;
    for job in jobs {
        ctx.jobs.push(job);
    }
    Ok(answer)
}

/// `one.vm.allocate`: a new VM from a template, PENDING (or HOLD).
pub fn allocate(ctx: &Ctx, caller: &Caller, text: &str, hold: bool) -> ApiResult<i32> {
    let template = parse_template(text).map_err(|e| internal(e, -1))?;
    let vm = ctx.db.write(|tx| super::vm_alloc::allocate_vm(ctx, tx, caller, &template, hold))?;
    if vm.state == VmState::Pending {
        ctx.schedule_pending();
    }
    Ok(vm.meta.id)
}

/// The ACTION of the VM's last history record (none without history).
fn last_action(vm: &Vm) -> VmAction {
    vm.current_history().map_or(VmAction::None, |h| h.action)
}

/// Where a deploy or migration puts the VM: the host (not OFFLINE), a system datastore of the
/// host's cluster (`ds_id` -1: the cluster's first), and, with `enforce`, room on the host.
fn placement(
    tx: &Tx<'_>,
    caller: &Caller,
    vm: &Vm,
    hid: i32,
    ds_id: i32,
    enforce: bool,
) -> ApiResult<Placement> {
    let id = vm.meta.id;
    let host = fetch::<Host>(tx, hid)?;
    authorize(tx, caller, Object::Vm, &[(Operation::Manage, &ObjAuth::of(&host))])?;
    if host.state == HostState::Offline {
        return Err(action("Host is offline, cannot use it to deploy VM", id));
    }
    let ds = if ds_id < 0 {
        tx.obj_all::<Datastore>(tables::DATASTORE)?
            .into_iter()
            .find(|d| d.ds_type == DatastoreType::System && d.clusters.contains(&host.cluster_id))
            .ok_or_else(|| action(format!("No system datastore found in cluster {}", host.cluster_id), id))?
    } else {
        let ds = fetch::<Datastore>(tx, ds_id)?;
        if ds.ds_type != DatastoreType::System {
            return Err(action(format!("Datastore {ds_id} is not a system datastore"), id));
        }
        if !ds.clusters.contains(&host.cluster_id) {
            return Err(action(
                format!(
                    "Datastore {ds_id} is not in the cluster of host {hid} (cluster {})",
                    host.cluster_id
                ),
                id,
            ));
        }
        ds
    };
    authorize(tx, caller, Object::Vm, &[(Operation::Use, &ObjAuth::of(&ds))])?;
    if enforce && !host.vms.contains(&id) {
        let cap = VmCapacity::from_template(id, &vm.template);
        host.share.test_compute(cap.cpu, cap.mem).map_err(|e| action(format!("Host {hid}: {e}"), id))?;
    }
    Ok(Placement {
        hid,
        hostname: host.meta.name.clone(),
        cid: host.cluster_id,
        vm_mad: host.vm_mad.clone(),
        tm_mad: ds.tm_mad.clone(),
        ds_id: ds.meta.id,
    })
}

/// A VM placed in cluster `cid` counts in the owner's VM quotas limited to that cluster
/// (from its first deploy there), and no longer in those of the cluster it leaves.
fn cluster_quota(tx: &Tx<'_>, caller: &Caller, vm: &Vm, cid: i32) -> ApiResult<()> {
    let old = vm.current_history().map(|h| h.cid);
    if old == Some(cid) {
        return Ok(());
    }
    let usage = lcm::vm_usage(vm);
    charge(tx, caller.uid, Object::Vm, vm.meta.uid, vm.meta.gid, &[usage.clone().in_cluster(cid)])?;
    if let Some(old) = old {
        refund(tx, vm.meta.uid, vm.meta.gid, &[usage.in_cluster(old)])?;
    }
    Ok(())
}

/// The networks the scheduler chose for the VM's automatic NICs (`NETWORK_MODE = "auto"`),
/// given to `one.vm.deploy` as `NIC = [ NIC_ID, NETWORK_ID ]` vectors: each such NIC gets
/// its network and a lease, charged to the owner's quota.
fn auto_nics(ctx: &Ctx, tx: &Tx<'_>, caller: &Caller, vm: &mut Vm, extra: &str) -> ApiResult<()> {
    let id = vm.meta.id;
    if extra.trim().is_empty() {
        return Ok(());
    }
    let tmpl = parse_template(extra).map_err(|e| internal(e, id))?;
    for attr in tmpl.get_all("NIC") {
        let Some(pairs) = attr.value.as_vector() else { continue };
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim());
        let nic_id: i32 = get("NIC_ID").and_then(|v| v.parse().ok()).unwrap_or(-1);
        let net = get("NETWORK_ID").unwrap_or_default().to_owned();
        let nic = vm.nic(nic_id).ok_or_else(|| action(format!("NIC_ID {nic_id} not found"), id))?;
        let auto = nic.get("NETWORK_MODE").is_some_and(|m| m.eq_ignore_ascii_case("auto"));
        if !auto || nic.get("NETWORK_ID").is_some_and(|n| !n.is_empty()) {
            return Err(action(format!("NIC_ID {nic_id} not AUTO"), id));
        }
        let mut nic_pairs = nic.pairs().to_vec();
        nic_pairs.retain(|(k, _)| k != "NETWORK_ID");
        nic_pairs.push(("NETWORK_ID".to_owned(), net));
        let owner = (vm.meta.uid, vm.meta.gid);
        super::vm_alloc::take_lease(ctx, tx, caller, owner, id, &mut nic_pairs)?;
        nic_pairs.sort();
        vm.edit_nic(nic_id, |p| *p = nic_pairs);
    }
    Ok(())
}

/// `one.vm.deploy` (`extra`: the networks of automatic NICs, as the scheduler sends them).
pub fn deploy(
    ctx: &Ctx,
    caller: &Caller,
    id: i32,
    hid: i32,
    enforce: bool,
    ds_id: i32,
    extra: &str,
) -> ApiResult<i32> {
    with_vm(ctx, caller, id, right_for("deploy"), |tx, vm| {
        let mut req = Request::by(caller.uid, caller.gid);
        let placement = placement(tx, caller, vm, hid, ds_id, enforce)?;
        lcm::check(vm, &Event::Action(Action::Deploy { last: last_action(vm) }))?;
        cluster_quota(tx, caller, vm, placement.cid)?;
        auto_nics(ctx, tx, caller, vm, extra)?;
        vm.template.set("TM_MAD_SYSTEM", placement.tm_mad.clone());
        req.placement = Some(placement);
        lcm::apply(ctx, tx, vm, &Event::Action(Action::Deploy { last: last_action(vm) }), &req)
    })
}

/// `one.vm.action`: terminate, poweroff, suspend, resume, ...
pub fn do_action(ctx: &Ctx, caller: &Caller, name: &str, id: i32) -> ApiResult<i32> {
    let Some(act) = Action::from_action_name(name) else {
        return Err(action(format!("Action \"{name}\" is not supported"), id));
    };
    let op = name.split('-').next().unwrap_or(name);
    let pending = with_vm(ctx, caller, id, right_for(op), |tx, vm| {
        lcm::apply(ctx, tx, vm, &Event::Action(act), &Request::by(caller.uid, caller.gid))
    })?;
    if matches!(act, Action::Release | Action::Resume | Action::Resched) {
        ctx.schedule_pending();
    }
    Ok(pending)
}

/// Where and how `one.vm.migrate` moves a VM.
#[derive(Debug, Clone, Copy)]
pub struct MigrateTo {
    /// The target host.
    pub hid: i32,
    /// Live (the VM keeps running) or cold.
    pub live: bool,
    /// Check the target host's capacity.
    pub enforce: bool,
    /// The target system datastore (-1: the current one).
    pub ds_id: i32,
    /// Cold migration: 0 save, 1 poweroff, 2 poweroff-hard.
    pub mode: i32,
}

/// `one.vm.migrate`: cold (mode 0 save, 1 poweroff, 2 poweroff-hard) or live.
pub fn migrate(ctx: &Ctx, caller: &Caller, id: i32, to: MigrateTo) -> ApiResult<i32> {
    let MigrateTo { hid, live, enforce, ds_id, mode } = to;
    with_vm(ctx, caller, id, right_for("migrate"), |tx, vm| {
        if vm.host_id() == Some(hid) && (ds_id < 0 || vm.system_ds_id() == Some(ds_id)) {
            return Err(action("VM is already running on this host and datastore", id));
        }
        let ds = if ds_id < 0 { vm.system_ds_id().unwrap_or(-1) } else { ds_id };
        let mut req = Request::by(caller.uid, caller.gid);
        let to = placement(tx, caller, vm, hid, ds, enforce)?;
        let event = Event::Action(Action::Migrate { live, mode: MigrateMode::from_code(mode) });
        lcm::check(vm, &event)?;
        cluster_quota(tx, caller, vm, to.cid)?;
        req.placement = Some(to);
        lcm::apply(ctx, tx, vm, &event, &req)
    })
}

/// `one.vm.recover`: 0 failure, 1 success, 2 retry, 3 delete, 4 delete-recreate, 5 delete-db.
pub fn recover(ctx: &Ctx, caller: &Caller, id: i32, op: i32) -> ApiResult<i32> {
    let Some(rop) = RecoverOp::from_code(op) else {
        return Err(action(format!("Wrong recovery operation code {op}"), id));
    };
    let right = if rop == RecoverOp::Retry { "retry" } else { "recover" };
    let done = with_vm(ctx, caller, id, right_for(right), |tx, vm| {
        let facts = VmFacts { action: last_action(vm), snapshot: None };
        let jobs = lcm::apply(
            ctx,
            tx,
            vm,
            &Event::Action(Action::Recover { op: rop, vm: facts }),
            &Request::by(caller.uid, caller.gid),
        )?;
        if rop == RecoverOp::DeleteDb {
            tx.obj_delete(tables::VM, id)?;
            tx.monitoring_drop("vm_monitoring", id)?;
        }
        Ok(jobs)
    })?;
    if rop == RecoverOp::DeleteRecreate {
        ctx.schedule_pending();
    }
    Ok(done)
}

/// `one.vm.monitoring`: the VM's monitoring records.
pub fn monitoring(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<String> {
    ctx.db.read(|tx| {
        fetch_authorized::<Vm>(tx, caller, id, Operation::Use)?;
        records(tx, Some(&[id]), -1)
    })
}

fn records(tx: &Tx<'_>, ids: Option<&[i32]>, seconds: i64) -> ApiResult<String> {
    let mut all = Vec::new();
    let bodies = match ids {
        Some([one]) => tx.monitoring_list("vm_monitoring", Some(*one), 0)?,
        _ => tx.monitoring_list("vm_monitoring", None, 0)?,
    };
    for body in bodies {
        let node = one_core::xml::parse(&body).map_err(|e| internal(e.to_string(), -1))?;
        let r = VmMonitoring::from_node(&node).map_err(|e| internal(e.0, -1))?;
        if ids.is_none_or(|ids| ids.contains(&r.id)) {
            all.push(r);
        }
    }
    Ok(vm_monitoring_data_xml(select_records(&all, seconds, now())))
}

/// The listing query of `one.vmpool.info*`: filter flag, range and state.
fn vm_query(
    tx: &Tx<'_>,
    ctx: &Ctx,
    caller: &Caller,
    flag: i32,
    start: i32,
    end: i32,
    state: i32,
) -> ApiResult<(ListQuery, StateFilter)> {
    let filter = PoolFilter::from_params(flag, start, end).map_err(|e| api(e, -1))?;
    let states = StateFilter::from_param(state).map_err(|e| api(e, -1))?;
    let mut q = list_query::<Vm>(tx, ctx, caller, &filter)?;
    match state {
        -2 => {}
        -1 => q.not_state = Some(VmState::Done.value()),
        s => q.state = Some(s),
    }
    Ok((q, states))
}

/// `one.vmpool.info` (short bodies) and `one.vmpool.infoextended` (full ones, streamed).
pub fn pool_info(
    ctx: &Ctx,
    caller: &Caller,
    flag: i32,
    start: i32,
    end: i32,
    state: i32,
    query: &str,
) -> ApiResult<Doc> {
    ctx.db.read(|tx| {
        let (q, states) = vm_query(tx, ctx, caller, flag, start, end, state)?;
        if query.is_empty() {
            return super::pool::listing::<Vm>(tx, tables::VM, &q);
        }
        let bodies = filter_by_query(tx, &tx.obj_list_bodies(tables::VM, &q)?, states, query)?;
        Ok(Doc::text(&pool_document(Vm::POOL_ROOT, &bodies)))
    })
}

/// Keeps the listing bodies whose VM matches a `one.vmpool.info` query.
fn filter_by_query(
    tx: &Tx<'_>,
    bodies: &[String],
    states: StateFilter,
    query: &str,
) -> ApiResult<Vec<String>> {
    let mut kept = Vec::new();
    for b in bodies {
        let short = Vm::from_xml(b).map_err(|e| internal(e.0, -1))?;
        if let Some(vm) = tx.obj_get::<Vm>(tables::VM, short.meta.id)?
            && matches(&vm, states, query)
        {
            kept.push(b.clone());
        }
    }
    Ok(kept)
}

/// `one.vmpool.infoextended`: full documents, streamed so any number of VMs can be listed in
/// bounded memory.
pub fn pool_info_extended(
    ctx: &std::sync::Arc<Ctx>,
    caller: &Caller,
    flag: i32,
    start: i32,
    end: i32,
    state: i32,
    query: &str,
) -> ApiResult<DocStream> {
    let (mut q, states) = ctx.db.read(|tx| vm_query(tx, ctx, caller, flag, start, end, state))?;
    q.full = true;
    let ctx = ctx.clone();
    let query = query.to_owned();
    Ok(DocStream {
        produce: Box::new(move |sink| {
            sink("<VM_POOL>");
            ctx.db.read(|tx| -> ApiResult<()> {
                let page = q.page.take();
                let mut skipped = 0usize;
                let mut sent = 0usize;
                tx.obj_each_body(tables::VM, &q, |body| {
                    if !query.is_empty() {
                        match Vm::from_xml(body) {
                            Ok(vm) if matches(&vm, states, &query) => {}
                            _ => return Ok(()),
                        }
                    }
                    if let Some((offset, size)) = page {
                        if skipped < offset {
                            skipped += 1;
                            return Ok(());
                        }
                        if sent >= size {
                            return Ok(());
                        }
                    }
                    sent += 1;
                    sink(body);
                    Ok(())
                })?;
                Ok(())
            })?;
            sink("</VM_POOL>");
            Ok(())
        }),
    })
}

/// `one.vmpool.infoset`: the VMs with these IDs (comma-separated), short or full.
pub fn pool_info_set(ctx: &Ctx, caller: &Caller, ids: &str, extended: bool) -> ApiResult<String> {
    let ids: Vec<i32> = ids
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<i32>().map_err(|_| api(format!("Wrong VM ID \"{s}\""), -1)))
        .collect::<ApiResult<_>>()?;
    ctx.db.read(|tx| {
        let mut q = list_query::<Vm>(tx, ctx, caller, &PoolFilter::ALL)?;
        q.ids = Some(ids);
        q.full = extended;
        Ok(pool_document(Vm::POOL_ROOT, &tx.obj_list_bodies(tables::VM, &q)?))
    })
}

/// The IDs of the VMs a `(filter)` listing of the caller selects.
fn visible_ids(tx: &Tx<'_>, ctx: &Ctx, caller: &Caller, flag: i32) -> ApiResult<Vec<i32>> {
    let filter = PoolFilter::from_params(flag, -1, -1).map_err(|e| api(e, -1))?;
    let q = list_query::<Vm>(tx, ctx, caller, &filter)?;
    let bodies = tx.obj_list_bodies(tables::VM, &q)?;
    Ok(bodies.iter().filter_map(|b| Vm::from_xml(b).ok()).map(|v| v.meta.id).collect())
}

/// `one.vmpool.monitoring(filter, seconds)`.
pub fn pool_monitoring(ctx: &Ctx, caller: &Caller, flag: i32, seconds: i64) -> ApiResult<String> {
    ctx.db.read(|tx| {
        if caller.is_admin() && flag == -2 {
            return records(tx, None, seconds);
        }
        let ids = visible_ids(tx, ctx, caller, flag)?;
        records(tx, Some(&ids), seconds)
    })
}

/// `one.vmpool.accounting(filter, start_time, end_time)`: history records in the interval.
pub fn accounting(ctx: &Ctx, caller: &Caller, flag: i32, start: i64, end: i64) -> ApiResult<String> {
    ctx.db.read(|tx| {
        let bodies = if caller.is_admin() && flag == -2 {
            tx.history_list(None, start.max(0), end)?
        } else {
            let ids = visible_ids(tx, ctx, caller, flag)?;
            tx.history_list(Some(&ids), start.max(0), end)?
        };
        Ok(pool_document("HISTORY_RECORDS", &bodies))
    })
}

/// `one.vm.chown`: also moves the VM's quota usage to the new owner and group.
pub fn chown(ctx: &Ctx, caller: &Caller, id: i32, uid: i32, gid: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let (before, mut vm) = super::pool::chown_in::<Vm>(tx, caller, id, uid, gid)?;
        let (old, new) = ((before.meta.uid, before.meta.gid), (vm.meta.uid, vm.meta.gid));
        if old != new && vm.state != VmState::Done {
            let usage = [lcm::vm_usage(&vm)];
            super::usage::refund(tx, old.0, old.1, &usage)?;
            super::usage::charge(tx, caller.uid, Object::Vm, new.0, new.1, &usage)?;
        }
        lcm::save(tx, &mut vm)?;
        Ok(id)
    })
}
