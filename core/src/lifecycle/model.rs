//! A toy world that executes effects literally, for the property tests: hosts with capacity
//! counters and `VMS` sets, a lease pool, image running-VM counters, and VMs with history
//! records, disks and NICs. It knows nothing of the transition rules; it only does what the
//! effects say and records anything an effect cannot do.

use super::*;
use crate::states::{LcmState as L, VmState as S};

/// A host's share.
#[derive(Debug, Clone, Default)]
pub(super) struct Host {
    /// The VMs it counts.
    pub vms: Vec<usize>,
    /// Capacity in use (the sum of the counted VMs' sizes, if the effects are right).
    pub used: i64,
}

/// A history record.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rec {
    /// Its host.
    pub host: usize,
    /// Its `ACTION`.
    pub action: HistoryAction,
}

/// A disk: its image and whether it is marked `ATTACH=YES`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Disk {
    pub image: usize,
    pub flagged: bool,
}

/// A VM.
#[derive(Debug, Clone)]
pub(super) struct Vm {
    pub status: Status,
    pub size: i64,
    pub old_size: Option<i64>,
    pub history: Vec<Rec>,
    pub disks: Vec<Disk>,
    /// NICs, each holding a lease; `true` when marked `ATTACH=YES`.
    pub nics: Vec<bool>,
    /// The system snapshot operation marked `ACTIVE`.
    pub snapshot: Option<SnapshotOp>,
}

/// What a request names, for the effects that take data from it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Params {
    pub host: usize,
    pub image: usize,
    pub disk: usize,
    pub nic: usize,
    pub size: i64,
}

/// The world.
#[derive(Debug, Clone)]
pub(super) struct World {
    pub hosts: Vec<Host>,
    pub images: Vec<i64>,
    pub free_leases: i64,
    pub total_leases: i64,
    pub vms: Vec<Vm>,
    /// Effects that could not be carried out as written.
    pub violations: Vec<String>,
}

impl World {
    /// `hosts` empty hosts, `images` unused images, `leases` free leases.
    pub fn new(hosts: usize, images: usize, leases: i64) -> World {
        World {
            hosts: vec![Host::default(); hosts],
            images: vec![0; images],
            free_leases: leases,
            total_leases: leases,
            vms: Vec::new(),
            violations: Vec::new(),
        }
    }

    /// Allocates a VM in `status` with disks on `images` and `nics` leases (fewer if the pool
    /// runs dry).
    pub fn allocate(&mut self, status: Status, size: i64, images: &[usize], nics: usize) {
        let nics = nics.min(usize::try_from(self.free_leases).unwrap_or(0));
        self.free_leases -= nics as i64;
        for &i in images {
            self.images[i] += 1;
        }
        self.vms.push(Vm {
            status,
            size,
            old_size: None,
            history: Vec::new(),
            disks: images.iter().map(|&image| Disk { image, flagged: false }).collect(),
            nics: vec![false; nics],
            snapshot: None,
        });
    }

    /// The event with the facts the daemon would read from the VM filled in.
    pub fn with_facts(&self, vm: usize, event: Event) -> Event {
        let v = &self.vms[vm];
        let current = v.history.last().map_or(HistoryAction::None, |r| r.action);
        match event {
            Event::Action(Action::Deploy { .. }) => Event::Action(Action::Deploy { last: current }),
            Event::Action(Action::Recover { op, .. }) => {
                Event::Action(Action::Recover { op, vm: VmFacts { action: current, snapshot: v.snapshot } })
            }
            Event::Outcome(Outcome::Prolog { ok, .. }) => {
                Event::Outcome(Outcome::Prolog { ok, action: current })
            }
            other => other,
        }
    }

    /// Whether the request's data is valid for the VM (the daemon's checks after the state
    /// check): a disk or NIC to detach exists, a lease is free for a new NIC.
    pub fn request_ok(&self, vm: usize, event: &Event, p: &Params) -> bool {
        let v = &self.vms[vm];
        match event {
            Event::Action(Action::DiskDetach) => v.disks.get(p.disk).is_some_and(|d| !d.flagged),
            Event::Action(Action::NicDetach { .. }) => v.nics.get(p.nic).is_some_and(|f| !f),
            Event::Action(Action::NicAttach { .. }) => self.free_leases > 0,
            _ => true,
        }
    }

    /// Stores the step's status and executes its effects in order.
    pub fn apply(&mut self, vm: usize, step: &Step, p: &Params) {
        self.vms[vm].status = step.next;
        for effect in &step.effects {
            self.effect(vm, *effect, p);
        }
    }

    fn host_of(&mut self, vm: usize, host: HostRef) -> Option<usize> {
        let h = &self.vms[vm].history;
        let current = h.last().map(|r| r.host);
        let previous = h.len().checked_sub(2).map(|i| h[i].host);
        match host {
            HostRef::Current => {
                if current.is_none() {
                    self.violations.push(format!("vm {vm}: current host without history"));
                }
                current
            }
            HostRef::Moved => current.filter(|c| previous.is_some_and(|p| p != *c)),
            HostRef::Previous => previous.filter(|p| current.is_some_and(|c| c != *p)),
        }
    }

    fn record(&mut self, vm: usize, which: Record) -> Option<&mut Rec> {
        let h = &mut self.vms[vm].history;
        let n = h.len();
        match which {
            Record::Current => h.last_mut(),
            Record::Previous => n.checked_sub(2).map(move |i| &mut h[i]),
        }
    }

    fn effect(&mut self, vm: usize, effect: Effect, p: &Params) {
        match effect {
            Effect::Reserve(host) => {
                if let Some(h) = self.host_of(vm, host) {
                    if self.hosts[h].vms.contains(&vm) {
                        self.violations.push(format!("vm {vm}: reserved twice on host {h}"));
                    } else {
                        self.hosts[h].vms.push(vm);
                        self.hosts[h].used += self.vms[vm].size;
                    }
                }
            }
            Effect::Release(host) => {
                if let Some(h) = self.host_of(vm, host)
                    && let Some(i) = self.hosts[h].vms.iter().position(|v| *v == vm)
                {
                    self.hosts[h].vms.remove(i);
                    self.hosts[h].used -= self.vms[vm].size;
                }
            }
            Effect::OpenHistory => {
                self.vms[vm].history.push(Rec { host: p.host, action: HistoryAction::None })
            }
            Effect::CopyHistory => match self.vms[vm].history.last().copied() {
                Some(last) => self.vms[vm].history.push(Rec { host: last.host, action: HistoryAction::None }),
                None => self.violations.push(format!("vm {vm}: copy without history")),
            },
            Effect::CopyPreviousHistory => {
                let h = &self.vms[vm].history;
                match h.len().checked_sub(2).map(|i| h[i]) {
                    Some(prev) => {
                        self.vms[vm].history.push(Rec { host: prev.host, action: HistoryAction::None })
                    }
                    None => self.violations.push(format!("vm {vm}: copy of a missing previous record")),
                }
            }
            Effect::CloseAndCopyHistory(action) => {
                if let Some(last) = self.vms[vm].history.last_mut() {
                    let kept = last.action;
                    last.action = action;
                    let host = last.host;
                    self.vms[vm].history.push(Rec { host, action: kept });
                }
            }
            Effect::SetAction(which, action) => {
                if let Some(r) = self.record(vm, which) {
                    r.action = action;
                }
            }
            Effect::SetActionIfNone(which, action) => {
                if let Some(r) = self.record(vm, which).filter(|r| r.action == HistoryAction::None) {
                    r.action = action;
                }
            }
            Effect::Begin(op) => self.begin(vm, op, p),
            Effect::Commit(op) => self.finish(vm, op, true),
            Effect::Rollback(op) => self.finish(vm, op, false),
            Effect::Forget(op) => self.forget(vm, op),
            Effect::ReleaseLeases => {
                let n = self.vms[vm].nics.len() as i64;
                self.free_leases += n;
                self.vms[vm].nics.clear();
            }
            Effect::ReleaseImages { .. } => {
                for d in std::mem::take(&mut self.vms[vm].disks) {
                    self.images[d.image] -= 1;
                }
            }
            Effect::Vmm(_)
            | Effect::Tm(_)
            | Effect::CancelDriver(_)
            | Effect::Stamp(..)
            | Effect::StampIfUnset(..)
            | Effect::Unstamp(..)
            | Effect::CloseHistory
            | Effect::DropSnapshots { .. }
            | Effect::DropNonPersistentDiskSnapshots
            | Effect::SetResched(_)
            | Effect::ClearDeployId
            | Effect::DefaultDeployId
            | Effect::AutomaticRequirements
            | Effect::Schedule
            | Effect::RecheckClonedImages
            | Effect::SetExitTime
            | Effect::DisposeExtras
            | Effect::Log(_) => {}
        }
    }

    fn begin(&mut self, vm: usize, op: Op, p: &Params) {
        let v = &mut self.vms[vm];
        match op {
            Op::DiskAttach => {
                v.disks.push(Disk { image: p.image, flagged: true });
                self.images[p.image] += 1;
            }
            Op::DiskDetach => v.disks[p.disk].flagged = true,
            Op::NicAttach => {
                v.nics.push(true);
                self.free_leases -= 1;
            }
            Op::NicDetach => v.nics[p.nic] = true,
            Op::SnapshotCreate => v.snapshot = Some(SnapshotOp::Create),
            Op::SnapshotRevert => v.snapshot = Some(SnapshotOp::Revert),
            Op::SnapshotDelete => v.snapshot = Some(SnapshotOp::Delete),
            Op::Resize => {
                v.old_size = Some(v.size);
                v.size = p.size;
            }
            Op::DiskSnapshotCreate
            | Op::DiskSnapshotRevert
            | Op::DiskSnapshotDelete
            | Op::DiskResize
            | Op::Saveas
            | Op::Backup
            | Op::Restore => {}
        }
    }

    fn finish(&mut self, vm: usize, op: Op, ok: bool) {
        let v = &mut self.vms[vm];
        match (op, ok) {
            (Op::DiskAttach, true) | (Op::DiskDetach, false) => {
                v.disks.iter_mut().for_each(|d| d.flagged = false)
            }
            (Op::DiskAttach, false) | (Op::DiskDetach, true) => {
                if let Some(i) = v.disks.iter().position(|d| d.flagged) {
                    let d = v.disks.remove(i);
                    self.images[d.image] -= 1;
                }
            }
            (Op::NicAttach, true) | (Op::NicDetach, false) => v.nics.iter_mut().for_each(|f| *f = false),
            (Op::NicAttach, false) | (Op::NicDetach, true) => {
                if let Some(i) = v.nics.iter().position(|f| *f) {
                    v.nics.remove(i);
                    self.free_leases += 1;
                }
            }
            (Op::SnapshotCreate | Op::SnapshotRevert | Op::SnapshotDelete, _) => v.snapshot = None,
            (Op::Resize, true) => v.old_size = None,
            (Op::Resize, false) => {
                if let Some(old) = v.old_size.take() {
                    v.size = old;
                }
            }
            (
                Op::DiskSnapshotCreate
                | Op::DiskSnapshotRevert
                | Op::DiskSnapshotDelete
                | Op::DiskResize
                | Op::Saveas
                | Op::Backup
                | Op::Restore,
                _,
            ) => {}
        }
    }

    fn forget(&mut self, vm: usize, op: Op) {
        let v = &mut self.vms[vm];
        match op {
            Op::DiskAttach | Op::DiskDetach => v.disks.iter_mut().for_each(|d| d.flagged = false),
            Op::NicAttach | Op::NicDetach => v.nics.iter_mut().for_each(|f| *f = false),
            Op::Resize => v.old_size = None,
            Op::SnapshotCreate | Op::SnapshotRevert | Op::SnapshotDelete => v.snapshot = None,
            Op::DiskSnapshotCreate
            | Op::DiskSnapshotRevert
            | Op::DiskSnapshotDelete
            | Op::DiskResize
            | Op::Saveas
            | Op::Backup
            | Op::Restore => {}
        }
    }

    /// Every invariant of the world; the first broken one.
    pub fn check(&self) -> Result<(), String> {
        if let Some(v) = self.violations.first() {
            return Err(v.clone());
        }
        for (h, host) in self.hosts.iter().enumerate() {
            let sum: i64 = host.vms.iter().map(|v| self.vms[*v].size).sum();
            if host.used != sum || host.used < 0 {
                return Err(format!("host {h}: {} used, its VMs add up to {sum}", host.used));
            }
        }
        for (i, count) in self.images.iter().enumerate() {
            let disks = self.vms.iter().flat_map(|v| &v.disks).filter(|d| d.image == i).count() as i64;
            if *count != disks || *count < 0 {
                return Err(format!("image {i}: counter {count}, {disks} disks use it"));
            }
        }
        let held: i64 = self.vms.iter().map(|v| v.nics.len() as i64).sum();
        if self.free_leases < 0 || self.free_leases + held != self.total_leases {
            return Err(format!(
                "leases: {} free, {held} held, {} in all",
                self.free_leases, self.total_leases
            ));
        }
        for (i, vm) in self.vms.iter().enumerate() {
            self.check_vm(i, vm)?;
        }
        Ok(())
    }

    fn check_vm(&self, i: usize, vm: &Vm) -> Result<(), String> {
        let s = vm.status;
        if (s.state != S::Active) != (s.lcm == L::LcmInit) {
            return Err(format!("vm {i}: STATE {} with LCM_STATE {}", s.state, s.lcm));
        }
        let on: Vec<usize> = (0..self.hosts.len()).filter(|h| self.hosts[*h].vms.contains(&i)).collect();
        let migrating = s == Status::active(L::Migrate) || s == Status::active(L::SaveMigrate);
        if on.len() > 2 || (on.len() == 2 && !migrating) {
            return Err(format!("vm {i} in {s} is counted on hosts {on:?}"));
        }
        let current = vm.history.last().map(|r| r.host);
        let expected: Option<Vec<usize>> = match s.state {
            S::Pending | S::Hold | S::Stopped | S::Undeployed | S::Done | S::Cloning | S::CloningFailure => {
                Some(Vec::new())
            }
            S::Poweroff | S::Suspended => Some(current.into_iter().collect()),
            S::Active if s.lcm == L::Running || s.lcm == L::Unknown => Some(current.into_iter().collect()),
            S::Active | S::Init | S::Failed => None,
        };
        if let Some(expected) = expected.filter(|e| *e != on) {
            return Err(format!("vm {i} in {s} is counted on hosts {on:?}, expected {expected:?}"));
        }
        if s.state == S::Done && (!vm.disks.is_empty() || !vm.nics.is_empty()) {
            return Err(format!("vm {i} is DONE with {} disks and {} NICs", vm.disks.len(), vm.nics.len()));
        }
        Ok(())
    }
}
