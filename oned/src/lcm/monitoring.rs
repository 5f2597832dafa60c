//! What host monitoring tells the life-cycle: each VM the host reports gets its monitoring
//! values (and a record for `one.vm.monitoring`) and is seen RUNNING; a VM oned placed on the
//! host but the host no longer runs is seen off after [`MISSES`] rounds; a host in ERROR makes
//! its running VMs UNKNOWN.

use std::collections::HashMap;
use std::sync::Mutex;

use one_core::lifecycle::{Event, Outcome, Seen};
use one_core::objects::host::Host;
use one_core::objects::monitoring::VmMonitoring;
use one_core::objects::vm::Vm;
use one_core::states::{LcmState, VmState};
use one_drivers::{HostReport, ReportedState};

use super::{Request, apply};
use crate::api::{ApiResult, Ctx};
use crate::db::{Tx, tables};
use crate::jobs::Job;

/// Rounds a VM may be missing from its host before it is seen powered off (OpenNebula's
/// `times_missing`).
pub const MISSES: u32 = 5;

/// How many consecutive rounds each VM was missing.
static MISSING: Mutex<Option<HashMap<i32, u32>>> = Mutex::new(None);

fn missed(vid: i32, seen: bool) -> u32 {
    let mut guard = MISSING.lock().unwrap_or_else(|p| p.into_inner());
    let map = guard.get_or_insert_with(HashMap::new);
    if seen {
        map.remove(&vid);
        0
    } else {
        let n = map.entry(vid).or_insert(0);
        *n += 1;
        *n
    }
}

fn seen(state: ReportedState) -> Seen {
    match state {
        ReportedState::Running => Seen::Running,
        ReportedState::Poweroff => Seen::Poweroff,
        ReportedState::Suspended => Seen::Suspended,
        ReportedState::Failure => Seen::Failure,
    }
}

/// Whether the VM's state is one monitoring reports on: active on a host, or off/suspended
/// there.
fn monitored(vm: &Vm) -> bool {
    matches!(vm.state, VmState::Active | VmState::Poweroff | VmState::Suspended)
}

/// Applies a host's report to its VMs, in the host's monitoring transaction; returns the jobs
/// to queue once it commits.
pub fn host_reported(
    ctx: &Ctx,
    tx: &Tx<'_>,
    host: &Host,
    report: &HostReport,
    now: i64,
) -> ApiResult<Vec<Job>> {
    let hid = host.meta.id;
    let mut jobs = Vec::new();
    for r in &report.vms {
        let Some(mut vm) = tx.obj_get::<Vm>(tables::VM, r.id)? else { continue };
        if vm.host_id() != Some(hid) || !monitored(&vm) {
            continue;
        }
        missed(r.id, true);
        let previous = tx
            .monitoring_list("vm_monitoring", Some(r.id), now - ctx.config.monitoring_interval as i64 * 10)?
            .last()
            .and_then(|b| one_core::xml::parse(b).ok())
            .and_then(|n| VmMonitoring::from_node(&n).ok());
        let record = VmMonitoring::from_report(r.id, now, previous.as_ref(), &r.monitoring);
        let mut w = one_core::xml::XmlWriter::new();
        record.write_xml(&mut w);
        tx.monitoring_put("vm_monitoring", r.id, now, &w.finish(), now - ctx.config.monitoring_retention)?;
        let changed = vm.monitoring.attributes().iter().filter(|a| a.name != "TIMESTAMP").ne(r
            .monitoring
            .attributes()
            .iter()
            .filter(|a| a.name != "TIMESTAMP"));
        let running = vm.state == VmState::Active && vm.lcm_state == LcmState::Running;
        if changed || !running || r.state != ReportedState::Running {
            vm.apply_monitoring(&r.monitoring, now);
            jobs.extend(apply(
                ctx,
                tx,
                &mut vm,
                &Event::Outcome(Outcome::Monitor(seen(r.state))),
                &Request::system(),
            )?);
        }
    }
    // VMs oned placed here that the host did not report.
    for vid in &host.vms {
        if report.vms.iter().any(|r| r.id == *vid) {
            continue;
        }
        if missed(*vid, false) < MISSES {
            continue;
        }
        let Some(mut vm) = tx.obj_get::<Vm>(tables::VM, *vid)? else { continue };
        if vm.host_id() == Some(hid) && monitored(&vm) {
            jobs.extend(apply(
                ctx,
                tx,
                &mut vm,
                &Event::Outcome(Outcome::Monitor(Seen::Poweroff)),
                &Request::system(),
            )?);
        }
    }
    Ok(jobs)
}

/// A host went to ERROR: its VMs are lost from sight. Returns the jobs to queue once the
/// transaction commits.
pub fn host_failed(ctx: &Ctx, tx: &Tx<'_>, host: &Host) -> ApiResult<Vec<Job>> {
    let mut jobs = Vec::new();
    for vid in &host.vms {
        let Some(mut vm) = tx.obj_get::<Vm>(tables::VM, *vid)? else { continue };
        if vm.host_id() == Some(host.meta.id) {
            jobs.extend(apply(ctx, tx, &mut vm, &Event::Outcome(Outcome::HostError), &Request::system())?);
        }
    }
    Ok(jobs)
}
