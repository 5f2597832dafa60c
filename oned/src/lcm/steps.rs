//! Driver operations of a VM, run off the request path: build the driver request from the
//! stored VM and its hosts, call the driver, and feed its reply back as a life-cycle outcome.
//! At start-up, VMs left in a transient state by a crash get their pending operation queued
//! again (the dummy operations are idempotent; real drivers check what is there).

use one_core::lifecycle::{Outcome, SnapshotOp, TmOp, VmmOp};
use one_core::objects::host::Host;
use one_core::objects::vm::{Vm, VmAction};
use one_core::states::{LcmState, VmState};
use one_drivers::{TmAction, TmRequest, VmRef, VmmAction, VmmRequest};

use super::{Request, on_outcome};
use one_core::objects::common::PoolObject;

use crate::api::{ApiResult, Ctx};
use crate::db::tables;
use crate::jobs::Job;
use crate::monitor::host_ref;

/// A queued piece of a VM's life-cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// A virtualization driver operation.
    Vmm(VmmOp),
    /// A transfer driver operation.
    Tm(TmOp),
    /// An outcome decided by oned itself (image cloning progress).
    Outcome(Outcome),
}

fn vm_ref(vm: &Vm) -> VmRef {
    VmRef {
        id: vm.meta.id,
        deploy_id: vm.deploy_id.clone(),
        xml: vm.to_xml(),
        template: vm.template.clone(),
        user_template: vm.user_template.clone(),
    }
}

/// What runs a VMM operation, and the outcome its reply makes.
fn vmm_action(op: VmmOp, ok: bool) -> (Option<VmmAction>, Outcome) {
    use VmmAction as A;
    match op {
        VmmOp::Deploy => (Some(A::Deploy), Outcome::Boot { ok }),
        VmmOp::Restore => (Some(A::Restore), Outcome::Boot { ok }),
        VmmOp::Migrate => (Some(A::Migrate), Outcome::Boot { ok }),
        VmmOp::Shutdown => (Some(A::Shutdown), Outcome::Shutdown { ok }),
        VmmOp::Cancel => (Some(A::Cancel), Outcome::Shutdown { ok }),
        VmmOp::Save => (Some(A::Save), Outcome::Save { ok }),
        // A reboot changes no state: its reply is only seen as the VM running.
        VmmOp::Reboot => (Some(A::Reboot), Outcome::Monitor(one_core::lifecycle::Seen::Running)),
        VmmOp::Reset => (Some(A::Reset), Outcome::Monitor(one_core::lifecycle::Seen::Running)),
        VmmOp::AttachDisk => (Some(A::AttachDisk), Outcome::AttachDisk { ok }),
        VmmOp::DetachDisk => (Some(A::DetachDisk), Outcome::DetachDisk { ok }),
        VmmOp::AttachNic => (Some(A::AttachNic), Outcome::AttachNic { ok }),
        VmmOp::DetachNic => (Some(A::DetachNic), Outcome::DetachNic { ok }),
        VmmOp::SnapshotCreate => (Some(A::SnapshotCreate), Outcome::Snapshot { op: SnapshotOp::Create, ok }),
        VmmOp::SnapshotRevert => (Some(A::SnapshotRevert), Outcome::Snapshot { op: SnapshotOp::Revert, ok }),
        VmmOp::SnapshotDelete => (Some(A::SnapshotDelete), Outcome::Snapshot { op: SnapshotOp::Delete, ok }),
        VmmOp::DiskSnapshotCreate => (Some(A::DiskSnapshotCreate), Outcome::DiskSnapshot { ok }),
        VmmOp::DiskResize => (Some(A::DiskResize), Outcome::DiskResize { ok }),
        VmmOp::Resize => (Some(A::Resize), Outcome::Resize { ok }),
        VmmOp::UpdateConf => (Some(A::UpdateConf), Outcome::UpdateConf { ok }),
        VmmOp::Cleanup | VmmOp::CleanupBoth | VmmOp::CleanupPrevious => {
            (Some(A::Cleanup), Outcome::CleanupDone)
        }
        VmmOp::Backup => (None, Outcome::Backup { ok }),
        VmmOp::BackupCancel => (None, Outcome::Backup { ok }),
    }
}

/// What runs a TM operation, and the outcome its reply makes.
fn tm_action(op: TmOp, ok: bool, vm: &Vm) -> (Option<TmAction>, Outcome) {
    use TmAction as A;
    let action = vm.current_history().map_or(one_core::objects::vm::VmAction::None, |h| h.action);
    match op {
        TmOp::Prolog => (Some(A::Prolog), Outcome::Prolog { ok, action }),
        TmOp::PrologMigrate => (Some(A::PrologMigrate), Outcome::Prolog { ok, action }),
        TmOp::PrologResume => (Some(A::PrologResume), Outcome::Prolog { ok, action }),
        TmOp::PrologAttach => (Some(A::AttachDisk), Outcome::AttachDisk { ok }),
        TmOp::Epilog | TmOp::EpilogLocal => (Some(A::Epilog), Outcome::Epilog { ok }),
        TmOp::EpilogStop => (Some(A::EpilogStop), Outcome::Epilog { ok }),
        TmOp::EpilogDelete | TmOp::EpilogDeleteBoth => (Some(A::EpilogDelete), Outcome::Epilog { ok }),
        TmOp::EpilogDetach => (Some(A::DetachDisk), Outcome::DetachDisk { ok }),
        TmOp::SnapshotCreate => (Some(A::SnapshotCreate), Outcome::DiskSnapshot { ok }),
        TmOp::SnapshotRevert => (Some(A::SnapshotRevert), Outcome::DiskSnapshot { ok }),
        TmOp::SnapshotDelete => (Some(A::SnapshotDelete), Outcome::DiskSnapshot { ok }),
        TmOp::DiskResize => (Some(A::Resize), Outcome::DiskResize { ok }),
        TmOp::SaveAs => (Some(A::SaveAs), Outcome::Saveas { ok }),
        TmOp::Restore => (None, Outcome::Restore { ok }),
    }
}

/// The hosts of the current and previous history records.
fn hosts(ctx: &Ctx, vm: &Vm) -> ApiResult<(Option<Host>, Option<Host>)> {
    ctx.db.read(|tx| {
        let current = match vm.current_history() {
            Some(h) => tx.obj_get::<Host>(tables::HOST, h.hid)?,
            None => None,
        };
        let previous = match vm.previous_history() {
            Some(h) => tx.obj_get::<Host>(tables::HOST, h.hid)?,
            None => None,
        };
        Ok((current, previous))
    })
}

/// Runs one queued step of VM `vid` and applies its outcome.
pub fn run_step(ctx: &Ctx, vid: i32, step: &Step) {
    let found = ctx.db.read(|tx| -> ApiResult<Option<Vm>> { Ok(tx.obj_get::<Vm>(tables::VM, vid)?) });
    let Ok(Some(vm)) = found else { return };
    if let Step::Outcome(outcome) = step {
        on_outcome(ctx, vid, *outcome, &Request::system());
        return;
    }
    let (current, previous) = match hosts(ctx, &vm) {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(vm = vid, "cannot read the VM's hosts: {}", e.message());
            return;
        }
    };
    let missing_host = || one_drivers::DriverError::new(format!("VM {vid} has no host"));
    let system_ds = vm.system_ds_id().unwrap_or(0);
    let mut req = Request::system();
    let result: Result<Option<String>, one_drivers::DriverError>;
    let outcome = match *step {
        Step::Vmm(op) => {
            let (action, ok_outcome) = vmm_action(op, true);
            let (_, fail_outcome) = vmm_action(op, false);
            // A cold migration saves (or shuts down) the VM where it ran: the record before
            // the one the migration opened.
            let leaving = vm.lcm_state == LcmState::SaveMigrate;
            let (host, target): (Option<&Host>, Option<&Host>) = match op {
                VmmOp::Migrate => (previous.as_ref(), current.as_ref()),
                VmmOp::CleanupPrevious => (previous.as_ref(), None),
                VmmOp::Save | VmmOp::Shutdown | VmmOp::Cancel if leaving => (previous.as_ref(), None),
                _ => (current.as_ref(), None),
            };
            result = match (action, host) {
                (None, _) => Err(one_drivers::DriverError::new(format!("{op:?} is not supported"))),
                (Some(_), None) => Err(missing_host()),
                (Some(action), Some(host)) => ctx.drivers.vmm(&host.vm_mad).and_then(|d| {
                    let request = VmmRequest {
                        action,
                        vm: vm_ref(&vm),
                        host: host_ref(host),
                        target: target.map(host_ref),
                        system_ds,
                        object_id: vm_object(&vm),
                    };
                    let reply = d.execute(&request)?;
                    if op == VmmOp::CleanupBoth
                        && let Some(prev) = &previous
                    {
                        let _ = d.execute(&VmmRequest { host: host_ref(prev), ..request });
                    }
                    Ok(reply.deploy_id.or(reply.info))
                }),
            };
            if result.is_ok() { ok_outcome } else { fail_outcome }
        }
        Step::Tm(op) => {
            let (action, ok_outcome) = tm_action(op, true, &vm);
            let (_, fail_outcome) = tm_action(op, false, &vm);
            let driver_name = vm.current_history().map(|h| h.tm_mad.clone()).unwrap_or_default();
            result = match (action, current.as_ref()) {
                (None, _) => Err(one_drivers::DriverError::new(format!("{op:?} is not supported"))),
                (Some(_), None) => Err(missing_host()),
                (Some(action), Some(host)) => ctx.drivers.tm(&driver_name).and_then(|d| {
                    let request = TmRequest {
                        action,
                        vm: vm_ref(&vm),
                        host: host_ref(host),
                        source: previous.as_ref().map(host_ref),
                        system_ds,
                        disk_id: vm_object(&vm),
                    };
                    d.execute(&request)?;
                    if op == TmOp::EpilogDeleteBoth
                        && let Some(prev) = &previous
                    {
                        let _ = d.execute(&TmRequest { host: host_ref(prev), ..request });
                    }
                    Ok(None)
                }),
            };
            if result.is_ok() { ok_outcome } else { fail_outcome }
        }
        Step::Outcome(_) => return,
    };
    match result {
        Ok(reply) => {
            if let (Step::Vmm(VmmOp::Deploy | VmmOp::Restore | VmmOp::Migrate), Some(id)) = (step, &reply) {
                req.deploy_id = Some(id.clone());
            } else {
                req.reply = reply;
            }
        }
        Err(e) => {
            tracing::warn!(vm = vid, "{step:?} failed: {}", e.message);
            req.error = Some(e.message);
        }
    }
    on_outcome(ctx, vid, outcome, &req);
}

/// The device a hotplug or snapshot driver action is about (the disk or NIC marked
/// `ATTACH=YES`, the disk with a pending snapshot or save, the system snapshot marked
/// `ACTIVE=YES`), -1 for none.
fn vm_object(vm: &Vm) -> i32 {
    let disks = vm.disks();
    let marked = |key: &str| disks.iter().find(|d| d.get(key) == Some("YES")).and_then(|d| d.disk_id());
    marked("ATTACH")
        .or_else(|| marked("DISK_SNAPSHOT_ACTIVE"))
        .or_else(|| marked("SAVE_AS_ACTIVE"))
        .or_else(|| vm.nics().iter().find(|n| n.get("ATTACH") == Some("YES")).and_then(|n| n.nic_id()))
        .or_else(|| {
            vm.template.get_all("SNAPSHOT").filter_map(|a| a.value.as_vector()).find_map(|p| {
                let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
                (get("ACTIVE") == Some("YES")).then(|| get("SNAPSHOT_ID")?.parse().ok()).flatten()
            })
        })
        .unwrap_or(-1)
}

/// The driver step a VM in a transient state waits for, if any.
fn pending(vm: &Vm) -> Option<Step> {
    if vm.state != VmState::Active {
        return None;
    }
    use LcmState as L;
    Some(match vm.lcm_state {
        L::Prolog => Step::Tm(TmOp::Prolog),
        L::PrologMigrate | L::PrologMigratePoweroff | L::PrologMigrateSuspend | L::PrologMigrateUnknown => {
            Step::Tm(TmOp::PrologMigrate)
        }
        L::PrologResume | L::PrologUndeploy => Step::Tm(TmOp::PrologResume),
        L::Boot | L::BootUnknown | L::BootPoweroff | L::BootUndeploy => Step::Vmm(VmmOp::Deploy),
        L::BootSuspended | L::BootStopped | L::BootMigrate => Step::Vmm(VmmOp::Restore),
        L::Migrate => Step::Vmm(VmmOp::Migrate),
        L::SaveMigrate => match vm.current_history().map(|h| h.action) {
            Some(VmAction::PoweroffMigrate) => Step::Vmm(VmmOp::Shutdown),
            Some(VmAction::PoweroffHardMigrate) => Step::Vmm(VmmOp::Cancel),
            _ => Step::Vmm(VmmOp::Save),
        },
        L::SaveStop | L::SaveSuspend => Step::Vmm(VmmOp::Save),
        L::Shutdown | L::ShutdownPoweroff | L::ShutdownUndeploy => Step::Vmm(VmmOp::Shutdown),
        L::Epilog => Step::Tm(TmOp::Epilog),
        L::EpilogStop | L::EpilogUndeploy => Step::Tm(TmOp::EpilogStop),
        _ => return None,
    })
}

/// Queues the pending driver step of every VM a previous oned left in a transient state (its
/// job was lost with the process).
pub fn recover_interrupted(ctx: &Ctx) -> usize {
    let found = ctx.db.read(|tx| -> ApiResult<Vec<Vm>> {
        let ids = tx.obj_ids_in_state(tables::VM, VmState::Active.value())?;
        Ok(tx.obj_some::<Vm>(tables::VM, &ids)?)
    });
    let Ok(vms) = found else { return 0 };
    let mut n = 0;
    for vm in vms {
        if let Some(step) = pending(&vm) {
            tracing::info!(vm = vm.meta().id, "resuming {step:?} interrupted by a restart");
            ctx.jobs.push(Job::Vm(vm.meta().id, step));
            n += 1;
        }
    }
    n
}
