//! The life-cycle manager: applies `one_core::lifecycle` to stored VMs. An event (a user
//! action, a driver reply, a monitoring report) goes through the pure transition function;
//! the resulting status is stored and its effects carried out literally, inside the caller's
//! transaction — bookkeeping (history, host capacity, leases, images, quotas) at once, driver
//! operations as jobs queued after the commit.
//!
//! - `effects`: executes bookkeeping effects;
//! - `ops`: the begin/commit/rollback bookkeeping of hotplug and snapshot operations;
//! - `steps`: runs queued driver operations and feeds their replies back;
//! - `monitoring`: what host monitoring says about VMs.

mod effects;
mod monitoring;
mod ops;
mod steps;

pub use effects::{cloning_outcome, vm_usage};
pub use monitoring::{host_failed, host_reported};
pub use steps::{Step, recover_interrupted, run_step};

use one_core::error::ErrorCode;
use one_core::lifecycle::{self, Denied, Event, Status};
use one_core::objects::vm::{Placement, Vm};
use one_core::template::Template;

use crate::api::{ApiError, ApiResult, Ctx, now};
use crate::db::{Tx, tables};
use crate::jobs::Job;

/// What a request adds to an event for its effects: who asked, where the VM goes, the device
/// or snapshot concerned, the driver's reply.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The user who asked (history `UID`), -1 for the system.
    pub uid: i32,
    /// The group (history `GID`).
    pub gid: i32,
    /// The placement of a deploy or migration.
    pub placement: Option<Placement>,
    /// A disk or NIC being attached (its vector, IDs assigned).
    pub device: Option<(String, Vec<(String, String)>)>,
    /// The disk, NIC or snapshot an operation is about.
    pub object_id: i32,
    /// A disk snapshot's ID.
    pub snapshot_id: i32,
    /// The name of a new snapshot.
    pub name: String,
    /// New values of a resize or disk resize (CPU, VCPU, MEMORY / SIZE).
    pub values: Template,
    /// The driver's reply (a snapshot's hypervisor ID).
    pub reply: Option<String>,
    /// The hypervisor's name of the VM, reported by a deploy, restore or migration.
    pub deploy_id: Option<String>,
    /// The driver's error message.
    pub error: Option<String>,
}

impl Request {
    /// A request by a user.
    pub fn by(uid: i32, gid: i32) -> Request {
        Request { uid, gid, object_id: -1, snapshot_id: -1, ..Request::default() }
    }

    /// A report of the system (drivers, monitoring).
    pub fn system() -> Request {
        Request::by(-1, -1)
    }
}

/// The VM's status.
pub fn status(vm: &Vm) -> Status {
    Status { state: vm.state, lcm: vm.lcm_state }
}

/// An API error for a refused event.
fn refused(code: ErrorCode, msg: String, id: i32) -> ApiError {
    match code {
        ErrorCode::Internal => ApiError::Internal { msg, id },
        ErrorCode::XmlRpcApi => ApiError::Api { msg, id },
        _ => ApiError::Action { msg, id },
    }
}

/// Checks that the VM's state takes an event, without changing anything: requests that
/// prepare devices or images first call this so that a wrong state is reported before
/// anything else.
pub fn check(vm: &Vm, event: &Event) -> ApiResult<()> {
    let id = vm.meta.id;
    match lifecycle::transition(status(vm), event) {
        Err(Denied::Refused(r)) => Err(refused(r.code, r.message(id), id)),
        Ok(_) | Err(Denied::Ignored { .. }) => Ok(()),
    }
}

/// Applies an event to a VM: checks it with the transition function, stores the new status
/// and carries out the effects in `tx`. Returns the driver jobs to queue once `tx` commits
/// (empty for events that are refused with an error or ignored).
pub fn apply(ctx: &Ctx, tx: &Tx<'_>, vm: &mut Vm, event: &Event, req: &Request) -> ApiResult<Vec<Job>> {
    let id = vm.meta.id;
    let from = status(vm);
    let step = match lifecycle::transition(from, event) {
        Ok(step) => step,
        Err(Denied::Refused(r)) => return Err(refused(r.code, r.message(id), id)),
        Err(Denied::Ignored { log }) => {
            if let Some(log) = log {
                tracing::info!(vm = id, "{log}");
            }
            return Ok(Vec::new());
        }
    };
    vm.state = step.next.state;
    vm.lcm_state = step.next.lcm;
    let mut jobs = Vec::new();
    let mut fx = effects::Executor { ctx, tx, req, now: now(), was: from };
    for effect in &step.effects {
        if let Some(job) = fx.run(vm, effect)? {
            jobs.push(job);
        }
    }
    if let Some(err) = &req.error {
        set_error(vm, err);
    }
    save(tx, vm)?;
    Ok(jobs)
}

/// Records a driver error in the VM's USER_TEMPLATE, as OpenNebula does.
pub fn set_error(vm: &mut Vm, message: &str) {
    vm.user_template.remove("ERROR");
    vm.user_template.push(one_core::template::Attribute::vector(
        "ERROR",
        [("MESSAGE", message.to_owned()), ("TIMESTAMP", crate::monitor::ctime(now()))],
    ));
}

/// Stores a VM (its history records too, for accounting).
pub fn save(tx: &Tx<'_>, vm: &mut Vm) -> ApiResult<()> {
    vm.commit_state();
    tx.obj_put(tables::VM, vm)?;
    tx.history_put(vm)?;
    Ok(())
}

/// Applies a driver or monitoring outcome to a VM in its own transaction and queues what
/// follows. A VM that no longer exists is ignored.
pub fn on_outcome(ctx: &Ctx, vid: i32, outcome: lifecycle::Outcome, req: &Request) {
    let result = ctx.db.write(|tx| -> ApiResult<Vec<Job>> {
        let Some(mut vm) = tx.obj_get::<Vm>(tables::VM, vid)? else { return Ok(Vec::new()) };
        if let Some(deploy_id) = &req.deploy_id {
            vm.deploy_id.clone_from(deploy_id);
        }
        apply(ctx, tx, &mut vm, &Event::Outcome(outcome), req)
    });
    match result {
        Ok(jobs) => jobs.into_iter().for_each(|j| ctx.jobs.push(j)),
        Err(e) => tracing::error!(vm = vid, "cannot apply {outcome:?}: {}", e.message()),
    }
}
