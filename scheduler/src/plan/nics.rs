//! Networks for automatic NICs (`NETWORK_MODE = "auto"`): for a VM on a host, each such NIC
//! gets the best-ranked network in the host's cluster that the owner may USE, that meets the
//! NIC's SCHED_REQUIREMENTS and still has a free lease (counting this plan's), a different one
//! per NIC with `different_vnets`.

use std::collections::HashMap;

use one_core::acl::{ObjectType, Operation as Right};
use one_core::objects::vm::Vm;
use one_core::objects::vnet::Vnet;

use super::acl::{Acl, Object};
use super::expr::{Rank, Req};
use super::hosts::HostView;
use crate::config::{Config, Policy};

/// The network rank expression of a policy.
fn nic_rank(policy: &Policy) -> String {
    match policy.policy {
        0 => "USED_LEASES".to_owned(),
        1 => "- USED_LEASES".to_owned(),
        2 => policy.rank.clone(),
        _ => "PRIORITY".to_owned(),
    }
}

/// Free leases of every network during planning.
pub struct Leases<'a> {
    vnets: Vec<&'a Vnet>,
    free: HashMap<i32, i64>,
}

impl<'a> Leases<'a> {
    /// The networks as fetched.
    pub fn new(vnets: &'a [Vnet]) -> Leases<'a> {
        let free = vnets.iter().map(|v| (v.meta.id, v.size() as i64 - v.used_leases() as i64)).collect();
        Leases { vnets: vnets.iter().collect(), free }
    }

    /// Networks for the VM's automatic NICs on `host` (`Some(vec![])` when it has none);
    /// `None` when one of them finds no network.
    pub fn choose(
        &self,
        vm: &Vm,
        host: &HostView<'_>,
        acl: &mut Acl<'_>,
        config: &Config,
    ) -> Option<Vec<(i32, i32)>> {
        let mut chosen: Vec<(i32, i32)> = Vec::new();
        for nic in vm.nics() {
            let auto = nic.get("NETWORK_MODE").is_some_and(|m| m.eq_ignore_ascii_case("auto"));
            if !auto || nic.get("NETWORK_ID").is_some_and(|n| !n.is_empty()) {
                continue;
            }
            let nic_id = nic.nic_id()?;
            let auto_req = vm.template.get("AUTOMATIC_NIC_REQUIREMENTS").unwrap_or_default();
            let text = one_core::expr::combine_requirements(auto_req, nic.get("SCHED_REQUIREMENTS"));
            let req = Req::parse(&text).ok()?;
            let rank_text =
                nic.get("SCHED_RANK").map_or_else(|| nic_rank(&config.default_nic_sched), str::to_owned);
            let rank = Rank::parse(&rank_text).unwrap_or_else(|_| Rank::zero());
            let mut best: Option<(i64, i32)> = None;
            for v in &self.vnets {
                let id = v.meta.id;
                let taken = chosen.iter().filter(|(_, n)| *n == id).count() as i64;
                if !v.clusters.contains(&host.host.cluster_id)
                    || self.free.get(&id).copied().unwrap_or(0) - taken <= 0
                    || (config.different_vnets && taken > 0)
                {
                    continue;
                }
                let m = &v.meta;
                let obj = Object {
                    kind: ObjectType::Net,
                    oid: id,
                    uid: m.uid,
                    gid: m.gid,
                    perms: m.perms,
                    clusters: v.clusters.iter().copied().collect(),
                };
                if !acl.allows(vm.meta.uid, vm.meta.gid, Right::Use, &obj) || !req.on_vnet(v) {
                    continue;
                }
                let key = (rank.on_vnet(v), id);
                if best.is_none_or(|b| key > b) {
                    best = Some(key);
                }
            }
            chosen.push((nic_id, best?.1));
        }
        Some(chosen)
    }

    /// Takes the chosen leases.
    pub fn take(&mut self, nics: &[(i32, i32)]) {
        for (_, net) in nics {
            if let Some(f) = self.free.get_mut(net) {
                *f -= 1;
            }
        }
    }
}
