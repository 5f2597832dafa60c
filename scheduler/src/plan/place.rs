//! The placement loop (see the module doc of `plan`): VMs in priority order, each tried on the
//! best-ranked matching hosts of its requirement/rank group until one has room, a system
//! datastore and networks; counters move with every placement.

use std::collections::{BTreeSet, HashMap};

use one_core::acl::{ObjectType, Operation as Right};
use one_core::objects::vm::Vm;

use super::acl::{Acl, Object};
use one_core::expr::combine_requirements as combine;

use super::expr::{Rank, Req};
use super::hosts::HostView;
use super::needs::{Kind, Needs, kind, needs};
use super::storage::Storage;
use super::{Operation, Placement, Plan, Snapshot};
use crate::config::{Config, Policy};

const NO_CAPACITY: &str = "Cannot dispatch VM: Not enough capacity in Host or System DS, dispatch limit reached, or limit of free leases reached";

/// The host rank expression of a policy.
fn host_rank(policy: &Policy) -> String {
    match policy.policy {
        0 => "RUNNING_VMS".to_owned(),
        1 => "- RUNNING_VMS".to_owned(),
        2 => "FREE_CPU".to_owned(),
        3 => policy.rank.clone(),
        _ => "PRIORITY".to_owned(),
    }
}

/// The system datastore rank expression of a policy.
fn ds_rank(policy: &Policy) -> String {
    match policy.policy {
        0 => "- FREE_MB".to_owned(),
        1 => "FREE_MB".to_owned(),
        2 => policy.rank.clone(),
        _ => "PRIORITY".to_owned(),
    }
}

/// What the placement loop computes once per VM.
struct Prepared {
    kind: Kind,
    needs: Needs,
    req_text: String,
    rank_text: String,
}

/// VMs sharing requirements and rank: the matching hosts, best first.
struct Group {
    req: Req,
    rank: Rank,
    /// `(−score, −host id)`: best first, ties to the highest ID as OpenNebula's sort leaves
    /// them.
    order: BTreeSet<(i64, i32)>,
    /// Host index → its key in `order`.
    keys: HashMap<usize, (i64, i32)>,
    /// Hosts that met the requirements when the group was made.
    matched: usize,
    /// The smallest CPU and memory any VM of the group needs (hosts below go away).
    min_cpu: i64,
    min_mem: i64,
}

pub struct Planner<'a> {
    snapshot: &'a Snapshot,
    config: &'a Config,
    hosts: Vec<HostView<'a>>,
    by_id: HashMap<i32, usize>,
    storage: Storage<'a>,
    acl: Acl<'a>,
    groups: Vec<Group>,
    group_of: HashMap<(String, String), usize>,
    /// Host index → groups that list it.
    member_of: Vec<Vec<usize>>,
    leases: super::nics::Leases<'a>,
    plan: Plan,
}

fn host_object(v: &HostView<'_>) -> Object {
    let m = &v.host.meta;
    Object {
        kind: ObjectType::Host,
        oid: m.id,
        uid: m.uid,
        gid: m.gid,
        perms: m.perms,
        clusters: vec![v.host.cluster_id],
    }
}

fn ds_object(ds: &one_core::objects::datastore::Datastore) -> Object {
    let m = &ds.meta;
    Object {
        kind: ObjectType::Datastore,
        oid: m.id,
        uid: m.uid,
        gid: m.gid,
        perms: m.perms,
        clusters: ds.clusters.clone(),
    }
}

impl<'a> Planner<'a> {
    pub fn new(snapshot: &'a Snapshot, config: &'a Config) -> Planner<'a> {
        let mut hosts: Vec<HostView<'a>> = snapshot.hosts.iter().map(HostView::new).collect();
        hosts.sort_by_key(HostView::id);
        let by_id = hosts.iter().enumerate().map(|(i, h)| (h.id(), i)).collect();
        let member_of = vec![Vec::new(); hosts.len()];
        Planner {
            snapshot,
            config,
            hosts,
            by_id,
            storage: Storage::new(&snapshot.datastores),
            acl: Acl::new(&snapshot.acl, &snapshot.user_groups),
            groups: Vec::new(),
            group_of: HashMap::new(),
            member_of,
            leases: super::nics::Leases::new(&snapshot.vnets),
            plan: Plan::default(),
        }
    }

    fn unplaced(&mut self, vm: &Vm, why: String) {
        let current = vm.user_template.get("SCHED_MESSAGE").map(str::to_owned);
        self.plan.unplaced.push((vm.meta.id, why, current));
    }

    /// The group of a requirement and rank, made on first use (`min`: the smallest CPU and
    /// memory any VM of the group needs in this plan).
    fn group(&mut self, req_text: &str, rank_text: &str, min: (i64, i64)) -> Result<usize, String> {
        let key = (req_text.to_owned(), rank_text.to_owned());
        if let Some(&g) = self.group_of.get(&key) {
            return Ok(g);
        }
        let req = Req::parse(req_text).map_err(|e| {
            format!("Cannot dispatch VM: Error in SCHED_REQUIREMENTS: '{req_text}', error: {e}")
        })?;
        let rank = Rank::parse(rank_text).unwrap_or_else(|e| {
            tracing::warn!("SCHED_RANK '{rank_text}': {e}; ranking by 0");
            Rank::zero()
        });
        let g = self.groups.len();
        let mut group = Group {
            req,
            rank,
            order: BTreeSet::new(),
            keys: HashMap::new(),
            matched: 0,
            min_cpu: min.0,
            min_mem: min.1,
        };
        for (i, h) in self.hosts.iter().enumerate() {
            if !h.enabled() || !(group.req.uses_current_vms() || group.req.on_host(h)) {
                continue;
            }
            let key = (-group.rank.on_host(h), -h.id());
            group.order.insert(key);
            group.keys.insert(i, key);
            self.member_of[i].push(g);
            group.matched += 1;
        }
        self.groups.push(group);
        self.group_of.insert(key, g);
        Ok(g)
    }

    /// Ranks a VM's system datastores, best first.
    fn system_datastores(&mut self, vm: &Vm) -> Result<Vec<i32>, String> {
        let auto = vm.template.get("AUTOMATIC_DS_REQUIREMENTS").unwrap_or_default();
        let text = combine(auto, vm.user_template.get("SCHED_DS_REQUIREMENTS"));
        let req = Req::parse(&text).map_err(|e| {
            format!("Cannot dispatch VM: Error in SCHED_DS_REQUIREMENTS: '{text}', error: {e}")
        })?;
        let rank_text = vm
            .user_template
            .get("SCHED_DS_RANK")
            .map_or_else(|| ds_rank(&self.config.default_ds_sched), str::to_owned);
        let rank = Rank::parse(&rank_text).unwrap_or_else(|_| Rank::zero());
        let (uid, gid) = (vm.meta.uid, vm.meta.gid);
        let mut authorized = 0;
        let mut ranked: Vec<(i64, i32)> = Vec::new();
        for id in &self.storage.system {
            let ds = self.storage.all[id].ds;
            if !self.acl.allows(uid, gid, Right::Use, &ds_object(ds)) {
                continue;
            }
            authorized += 1;
            if req.on_ds(ds) {
                ranked.push((-rank.on_ds(ds), -ds.meta.id));
            }
        }
        if authorized == 0 {
            return Err("Cannot dispatch VM: User is not authorized to use any system datastore".to_owned());
        }
        if ranked.is_empty() {
            return Err("Cannot dispatch VM: No system datastore meets SCHED_DS_REQUIREMENTS".to_owned());
        }
        ranked.sort_unstable();
        Ok(ranked.into_iter().map(|(_, id)| -id).collect())
    }

    /// Re-ranks a host in every group that lists it after its counters moved.
    fn rerank(&mut self, i: usize) {
        for &g in &self.member_of[i] {
            let group = &mut self.groups[g];
            let Some(old) = group.keys.get(&i).copied() else { continue };
            if !group.order.remove(&old) {
                continue;
            }
            let key = (-group.rank.on_host(&self.hosts[i]), old.1);
            group.order.insert(key);
            group.keys.insert(i, key);
        }
    }

    fn drop_host(&mut self, g: usize, i: usize) {
        let group = &mut self.groups[g];
        if let Some(key) = group.keys.remove(&i) {
            group.order.remove(&key);
        }
    }

    /// What a VM needs and which group it belongs to (`extra_req`: its affinity rules).
    fn prepare(&self, vm: &Vm, extra_req: &str) -> Prepared {
        let auto = vm.template.get("AUTOMATIC_REQUIREMENTS").unwrap_or_default();
        let user = vm.user_template.get("SCHED_REQUIREMENTS");
        let rank_text = vm
            .user_template
            .get("SCHED_RANK")
            .or_else(|| vm.user_template.get("RANK"))
            .map_or_else(|| host_rank(&self.config.default_sched), str::to_owned);
        Prepared {
            kind: kind(vm),
            needs: needs(vm, self.config.memory_system_ds_scale),
            req_text: combine(&combine(auto, user), (!extra_req.is_empty()).then_some(extra_req)),
            rank_text,
        }
    }

    /// Places one VM; `Err` says why it could not be.
    fn place(&mut self, vm: &'a Vm, p: &Prepared, min: (i64, i64)) -> Result<Placement, String> {
        let (kind, needs) = (p.kind, &p.needs);
        let g = self.group(&p.req_text, &p.rank_text, min)?;
        if self.groups[g].matched == 0 {
            return Err("Cannot dispatch VM: No host meets SCHED_REQUIREMENTS".to_owned());
        }
        if kind == Kind::Pending {
            self.storage.image_room(&needs.image_mb).map_err(|e| format!("Cannot dispatch VM: {e}"))?;
        }
        let datastores = if kind == Kind::Resched { Vec::new() } else { self.system_datastores(vm)? };
        let current = if kind == Kind::Resched { vm.host_id() } else { None };
        let (uid, gid) = (vm.meta.uid, vm.meta.gid);
        let candidates: Vec<(i64, i32)> = self.groups[g].order.iter().copied().collect();
        let (mut examined, mut authorized) = (0, 0);
        let mut full = Vec::new();
        let mut chosen = None;
        for (_, neg_id) in candidates {
            let Some(&i) = self.by_id.get(&-neg_id) else { continue };
            if Some(-neg_id) == current {
                continue;
            }
            examined += 1;
            let obj = host_object(&self.hosts[i]);
            if !self.acl.allows(uid, gid, Right::Manage, &obj) {
                continue;
            }
            authorized += 1;
            let group = &self.groups[g];
            if group.req.uses_current_vms() && !group.req.on_host(&self.hosts[i]) {
                continue;
            }
            let host = &self.hosts[i];
            let limit = self.config.max_host > 0 && host.dispatched.len() >= self.config.max_host;
            if limit || host.full_for(group.min_cpu, group.min_mem) {
                full.push(i);
                continue;
            }
            if !host.fits(needs) {
                continue;
            }
            let ds = if kind == Kind::Resched {
                -1
            } else {
                match self.storage.pick(&datastores, host, needs.system_mb, kind == Kind::Resume) {
                    Some(ds) => ds,
                    None => continue,
                }
            };
            let Some(nics) = self.leases.choose(vm, host, &mut self.acl, self.config) else { continue };
            chosen = Some((i, ds, nics));
            break;
        }
        for i in full {
            self.drop_host(g, i);
        }
        let Some((i, ds, nics)) = chosen else {
            return Err(if examined > 0 && authorized == 0 {
                "Cannot dispatch VM: User is not authorized to use any host".to_owned()
            } else {
                NO_CAPACITY.to_owned()
            });
        };
        self.hosts[i].take(vm.meta.id, needs);
        if ds >= 0 {
            let host = &mut self.hosts[i];
            self.storage.take(ds, host, needs.system_mb);
        }
        if kind == Kind::Pending {
            self.storage.take_image(&needs.image_mb);
        }
        self.leases.take(&nics);
        self.rerank(i);
        let operation = if kind == Kind::Resched { Operation::Migrate } else { Operation::Deploy };
        Ok(Placement { vm: vm.meta.id, operation, host: self.hosts[i].id(), ds, nics })
    }

    /// Plans every VM of the snapshot.
    pub fn run(mut self) -> Plan {
        let mut order: Vec<&'a Vm> = self.snapshot.vms.iter().collect();
        let priority =
            |vm: &Vm| vm.user_template.get("USER_PRIORITY").and_then(|p| p.trim().parse::<i64>().ok());
        order.sort_by_key(|vm| (std::cmp::Reverse(priority(vm).unwrap_or(0)), vm.meta.id));
        if self.config.max_vm > 0 {
            order.truncate(self.config.max_vm);
        }
        if !self.hosts.iter().any(HostView::enabled) {
            for vm in order {
                self.unplaced(vm, "Cannot dispatch VM: No hosts enabled to run VMs".to_owned());
            }
            return self.plan;
        }
        if self.storage.system.is_empty() {
            for vm in order.iter().filter(|v| kind(v) != Kind::Resched) {
                self.unplaced(vm, "Cannot dispatch VM: No system datastores found to run VMs".to_owned());
            }
        }
        let affinity = super::affinity::requirements(self.snapshot, &order);
        let prepared: Vec<Prepared> = order
            .iter()
            .map(|vm| self.prepare(vm, affinity.get(&vm.meta.id).map_or("", String::as_str)))
            .collect();
        let mut mins: HashMap<(&str, &str), (i64, i64)> = HashMap::new();
        for p in &prepared {
            let m = mins.entry((p.req_text.as_str(), p.rank_text.as_str())).or_insert((i64::MAX, i64::MAX));
            *m = (m.0.min(p.needs.cpu), m.1.min(p.needs.mem));
        }
        let mins: HashMap<(String, String), (i64, i64)> =
            mins.into_iter().map(|((r, k), m)| ((r.to_owned(), k.to_owned()), m)).collect();
        for (vm, p) in order.into_iter().zip(&prepared) {
            if self.config.max_dispatch > 0 && self.plan.placements.len() >= self.config.max_dispatch {
                break;
            }
            if self.storage.system.is_empty() && p.kind != Kind::Resched {
                continue;
            }
            let min = mins.get(&(p.req_text.clone(), p.rank_text.clone())).copied().unwrap_or((0, 0));
            match self.place(vm, p, min) {
                Ok(placement) => self.plan.placements.push(placement),
                Err(why) => self.unplaced(vm, why),
            }
        }
        self.plan
    }
}
