//! Carries out a life-cycle step's effects on a stored VM: history records, host capacity,
//! leases, images, quotas, flags, and queues the driver operations.

use one_core::lifecycle::{Cloning, Effect, HostRef, Outcome, Record, Stamp, Status};
use one_core::objects::host::{Host, VmCapacity};
use one_core::objects::image::Image;
use one_core::objects::quotas::QuotaKind;
use one_core::objects::vm::{History, Vm, VmAction};
use one_core::objects::vnet::Vnet;
use one_core::objects::vnet_ar::LeaseOwner;
use one_core::states::{ImageState, LcmState};

use super::{Request, Step, ops};
use crate::api::usage::{Usage, refund};
use crate::api::{ApiResult, Ctx, internal};
use crate::db::{Tx, tables};
use crate::jobs::Job;

/// Executes effects for one step.
pub(super) struct Executor<'a, 'b> {
    pub(super) ctx: &'a Ctx,
    pub(super) tx: &'a Tx<'b>,
    pub(super) req: &'a Request,
    pub(super) now: i64,
    pub(super) was: Status,
}

fn record(vm: &mut Vm, which: Record) -> Option<&mut History> {
    match which {
        Record::Current => vm.current_history_mut(),
        Record::Previous => vm.previous_history_mut(),
    }
}

fn stamp_field(h: &mut History, stamp: Stamp) -> &mut i64 {
    match stamp {
        Stamp::Start => &mut h.stime,
        Stamp::End => &mut h.etime,
        Stamp::PrologStart => &mut h.pstime,
        Stamp::PrologEnd => &mut h.petime,
        Stamp::RunningStart => &mut h.rstime,
        Stamp::RunningEnd => &mut h.retime,
        Stamp::EpilogStart => &mut h.estime,
        Stamp::EpilogEnd => &mut h.eetime,
    }
}

/// The host a [`HostRef`] names, if any.
fn host_of(vm: &Vm, which: HostRef) -> Option<i32> {
    let current = vm.current_history().map(|h| h.hid);
    let previous = vm.previous_history().map(|h| h.hid);
    match which {
        HostRef::Current => current,
        HostRef::Moved => current.filter(|c| Some(*c) != previous),
        HostRef::Previous => previous.filter(|p| Some(*p) != current),
    }
}

/// The VM quota usage of a VM.
pub fn vm_usage(vm: &Vm) -> Usage {
    let disk_mb: i64 = vm.disks().iter().filter(|d| d.image_id().is_none()).filter_map(|d| d.size_mb()).sum();
    Usage::vm(vec![
        ("VMS", 1.0),
        ("CPU", vm.cpu()),
        ("MEMORY", vm.memory_mb() as f64),
        ("SYSTEM_DISK_SIZE", disk_mb as f64),
    ])
}

impl Executor<'_, '_> {
    /// Runs one effect; returns the job a driver effect queues.
    pub(super) fn run(&mut self, vm: &mut Vm, effect: &Effect) -> ApiResult<Option<Job>> {
        let vid = vm.meta.id;
        let now = self.now;
        match *effect {
            Effect::Vmm(op) => return Ok(Some(Job::Vm(vid, Step::Vmm(op)))),
            Effect::Tm(op) => return Ok(Some(Job::Vm(vid, Step::Tm(op)))),
            Effect::CancelDriver(driver) => {
                // Driver calls run to completion on their own thread; their late replies find
                // the VM in a state that ignores them.
                tracing::info!(vm = vid, "cancelling the running {driver:?} action");
            }
            Effect::Reserve(which) => self.capacity(vm, which, true)?,
            Effect::Release(which) => self.capacity(vm, which, false)?,
            Effect::OpenHistory => {
                let placement = self
                    .req
                    .placement
                    .clone()
                    .ok_or_else(|| internal("a placement is required to deploy or migrate", vid))?;
                vm.add_history(&placement, now);
            }
            Effect::CopyHistory => {
                vm.copy_history(now);
            }
            Effect::CopyPreviousHistory => {
                vm.copy_previous_history(now);
            }
            Effect::CloseAndCopyHistory(action) => {
                let running = self.was.lcm == LcmState::Running;
                if let Some(h) = vm.current_history_mut() {
                    if h.retime == 0 {
                        h.retime = now;
                    }
                    h.etime = now;
                    h.set_action(action, self.req.uid, self.req.gid, -1);
                }
                if let Some(h) = vm.copy_history(now) {
                    h.set_internal_action(action);
                    h.rstime = now;
                    if !running {
                        h.retime = now;
                    }
                }
            }
            Effect::SetAction(which, action) => {
                let (uid, gid) = (self.req.uid, self.req.gid);
                if let Some(h) = record(vm, which) {
                    h.set_action(action, uid, gid, -1);
                }
            }
            Effect::SetActionIfNone(which, action) => {
                let (uid, gid) = (self.req.uid, self.req.gid);
                if let Some(h) = record(vm, which)
                    && h.action == VmAction::None
                {
                    h.set_action(action, uid, gid, -1);
                }
            }
            Effect::Stamp(which, stamp) => {
                if let Some(h) = record(vm, which) {
                    *stamp_field(h, stamp) = now;
                }
            }
            Effect::StampIfUnset(which, stamp) => {
                if let Some(h) = record(vm, which) {
                    let f = stamp_field(h, stamp);
                    if *f == 0 {
                        *f = now;
                    }
                }
            }
            Effect::Unstamp(which, stamp) => {
                if let Some(h) = record(vm, which) {
                    *stamp_field(h, stamp) = 0;
                }
            }
            Effect::CloseHistory => {
                if let Some(h) = vm.current_history_mut() {
                    if h.rstime > 0 && h.retime == 0 {
                        h.retime = now;
                    }
                    if h.etime == 0 {
                        h.etime = now;
                    }
                }
            }
            Effect::Begin(op) => ops::begin(self, vm, op)?,
            Effect::Commit(op) => ops::commit(self, vm, op)?,
            Effect::Rollback(op) => ops::rollback(self, vm, op)?,
            Effect::Forget(op) => ops::forget(vm, op),
            Effect::DropSnapshots { .. } => {
                // No driver keeps system snapshots of a VM that leaves its host.
                vm.template.remove("SNAPSHOT");
            }
            Effect::DropNonPersistentDiskSnapshots => {
                let persistent: Vec<i32> =
                    vm.disks().iter().filter(|d| d.is_persistent()).filter_map(|d| d.disk_id()).collect();
                vm.snapshots.retain(|s| persistent.contains(&s.disk_id));
            }
            Effect::SetResched(on) => vm.resched = on,
            Effect::ClearDeployId => vm.deploy_id.clear(),
            Effect::DefaultDeployId => {
                if vm.deploy_id.is_empty() {
                    vm.deploy_id = format!("one-{vid}");
                }
            }
            Effect::AutomaticRequirements => {
                let system_ds = crate::api::vms::system_datastores(self.tx)?;
                vm.set_automatic_requirements(&system_ds).map_err(|e| internal(e, vid))?;
            }
            Effect::Schedule => self.ctx.schedule_pending(),
            Effect::RecheckClonedImages => {
                let outcome = self.cloning(vm)?;
                return Ok(Some(Job::Vm(vid, Step::Outcome(outcome))));
            }
            Effect::ReleaseLeases => self.release_leases(vm)?,
            Effect::ReleaseImages { .. } => self.release_images(vm)?,
            Effect::SetExitTime => vm.etime = now,
            Effect::DisposeExtras => {
                let mut usages = vec![vm_usage(vm)];
                if let Some(h) = vm.current_history() {
                    usages.push(vm_usage(vm).in_cluster(h.cid));
                }
                refund(self.tx, vm.meta.uid, vm.meta.gid, &usages)?;
                crate::api::vmgroups::leave(self.tx, vm)?;
            }
            Effect::Log(msg) => tracing::info!(vm = vid, "{msg}"),
        }
        Ok(None)
    }

    fn capacity(&mut self, vm: &Vm, which: HostRef, reserve: bool) -> ApiResult<()> {
        let Some(hid) = host_of(vm, which) else { return Ok(()) };
        let Some(mut host) = self.tx.obj_get::<Host>(tables::HOST, hid)? else { return Ok(()) };
        let vid = vm.meta.id;
        let counted = host.vms.contains(&vid);
        let cap = VmCapacity::from_template(vid, &vm.template);
        let changed = if reserve && !counted {
            host.add_capacity(&cap).map_err(|e| internal(e, vid))?;
            true
        } else if !reserve && counted {
            host.del_capacity(&cap).map_err(|e| internal(e, vid))?;
            true
        } else {
            false
        };
        if changed {
            self.tx.obj_put(tables::HOST, &host)?;
        }
        Ok(())
    }

    fn release_leases(&mut self, vm: &Vm) -> ApiResult<()> {
        let vid = vm.meta.id;
        let mut networks: Vec<i32> = vm.nics().iter().filter_map(|n| n.network_id()).collect();
        networks.sort_unstable();
        networks.dedup();
        for nid in networks {
            if let Some(mut vnet) = self.tx.obj_get_listing::<Vnet>(tables::NETWORK, nid)? {
                let freed = vnet.free_by_owner(LeaseOwner::Vm(vid));
                if freed > 0 {
                    self.tx.obj_put(tables::NETWORK, &vnet)?;
                    refund(
                        self.tx,
                        vm.meta.uid,
                        vm.meta.gid,
                        &[Usage::of(QuotaKind::Network, nid, vec![("LEASES", freed as f64)])],
                    )?;
                }
            }
        }
        Ok(())
    }

    fn release_images(&mut self, vm: &Vm) -> ApiResult<()> {
        let vid = vm.meta.id;
        for disk in vm.disks() {
            let Some(iid) = disk.image_id() else { continue };
            if let Some(mut image) = self.tx.obj_get::<Image>(tables::IMAGE, iid)? {
                image.release(vid, false, self.now);
                image.set_prev_state();
                self.tx.obj_put(tables::IMAGE, &image)?;
            }
            refund(
                self.tx,
                vm.meta.uid,
                vm.meta.gid,
                &[Usage::of(QuotaKind::Image, iid, vec![("RVMS", 1.0)])],
            )?;
        }
        Ok(())
    }

    /// Where the images of a CLONING VM stand.
    fn cloning(&mut self, vm: &Vm) -> ApiResult<Outcome> {
        cloning_outcome(self.tx, vm)
    }
}

/// Where the images of a CLONING VM stand: failed if one is in ERROR (or gone), waiting while
/// one is still being copied, else ready (on hold with `SUBMIT_ON_HOLD`). The image manager
/// feeds it to the VM when an image it waits for is copied.
pub fn cloning_outcome(tx: &Tx<'_>, vm: &Vm) -> ApiResult<Outcome> {
    let mut waiting = false;
    for disk in vm.disks() {
        let Some(iid) = disk.image_id() else { continue };
        match tx.obj_get::<Image>(tables::IMAGE, iid)?.map(|i| i.state) {
            Some(ImageState::Error) | None => return Ok(Outcome::Cloning(Cloning::Failed)),
            Some(
                ImageState::Locked | ImageState::Clone | ImageState::LockedUsed | ImageState::LockedUsedPers,
            ) => {
                waiting = true;
            }
            Some(_) => {}
        }
    }
    let hold = vm.user_template.get("SUBMIT_ON_HOLD").is_some_and(|v| v.eq_ignore_ascii_case("YES"));
    Ok(Outcome::Cloning(if waiting { Cloning::Waiting } else { Cloning::Ready { hold } }))
}
