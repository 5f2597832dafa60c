//! VM groups as requirements (OpenNebula's `do_vm_groups`): a VM in a role gets extra
//! requirements ANDed to its own:
//! - anti-affined role: `CURRENT_VMS != x` for every other VM of the role;
//! - anti-affined roles (group rule): the same for every VM of the other roles of the rule;
//! - affined role, or roles joined by an AFFINED rule: the hosts where members already run
//!   (`ID = h | ...`), or, when none runs, the host of the first pending member (the leader;
//!   the others get `CURRENT_VMS = <leader>`);
//! - `HOST_AFFINED` / `HOST_ANTI_AFFINED`: `ID = h | ...` / `ID != h & ...`.
//!
//! CURRENT_VMS counts the VMs placed in this cycle, so the rules hold within a cycle too.
//! Unlike OpenNebula, a leader does not reserve its followers' capacity.

use std::collections::{BTreeSet, HashMap};

use one_core::objects::vm::Vm;
use one_core::objects::vmgroup::{Policy, VmGroup};

use super::Snapshot;

/// The VM's group and role (`VMGROUP = [ VMGROUP_ID, ROLE ]`).
fn membership(vm: &Vm) -> Option<(i32, String)> {
    let pairs = vm.template.vector("VMGROUP").or_else(|| vm.user_template.vector("VMGROUP"))?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim());
    Some((get("VMGROUP_ID")?.parse().ok()?, get("ROLE")?.to_owned()))
}

fn all_of(parts: &[String]) -> String {
    parts.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(" & ")
}

fn hosts_clause(hosts: &BTreeSet<i32>) -> String {
    hosts.iter().map(|h| format!("ID = {h}")).collect::<Vec<_>>().join(" | ")
}

fn not_with(vms: impl Iterator<Item = i32>) -> Option<String> {
    let parts: Vec<String> = vms.map(|x| format!("CURRENT_VMS != {x}")).collect();
    (!parts.is_empty()).then(|| parts.join(" & "))
}

/// Extra requirements per VM of `order` (the VMs this plan considers, in order).
pub fn requirements(snapshot: &Snapshot, order: &[&Vm]) -> HashMap<i32, String> {
    let mut out = HashMap::new();
    if snapshot.vmgroups.is_empty() {
        return out;
    }
    let groups: HashMap<i32, &VmGroup> = snapshot.vmgroups.iter().map(|g| (g.meta.id, g)).collect();
    // Where each running VM is.
    let host_of: HashMap<i32, i32> =
        snapshot.hosts.iter().flat_map(|h| h.vms.iter().map(move |v| (*v, h.meta.id))).collect();
    let pending: BTreeSet<i32> = order.iter().map(|v| v.meta.id).collect();
    // The first pending VM of each affined set (in the plan's order) leads it.
    let first_pending = |vms: &BTreeSet<i32>| order.iter().map(|v| v.meta.id).find(|id| vms.contains(id));
    for vm in order {
        let Some((gid, role_name)) = membership(vm) else { continue };
        let Some(group) = groups.get(&gid) else { continue };
        let Some(role) = group.role_named(&role_name) else { continue };
        let id = vm.meta.id;
        let mut parts: Vec<String> = Vec::new();
        // Affinity within the role, and with the roles an AFFINED rule joins to it.
        let mut affined: BTreeSet<i32> = BTreeSet::new();
        if role.policy() == Policy::Affined {
            affined.extend(role.vms.iter().copied());
        }
        for rule in group.merged_affined_rules().into_iter().filter(|r| r.contains(&role.id)) {
            for rid in rule {
                if let Some(r) = group.role(rid) {
                    affined.extend(r.vms.iter().copied());
                }
            }
        }
        affined.remove(&id);
        if !affined.is_empty() {
            let running: BTreeSet<i32> = affined.iter().filter_map(|v| host_of.get(v).copied()).collect();
            if !running.is_empty() {
                parts.push(hosts_clause(&running));
            } else {
                let mut members = affined.clone();
                members.insert(id);
                let members: BTreeSet<i32> = members.into_iter().filter(|v| pending.contains(v)).collect();
                if let Some(leader) = first_pending(&members).filter(|l| *l != id) {
                    parts.push(format!("CURRENT_VMS = {leader}"));
                }
            }
        }
        // Anti-affinity within the role and with the roles of ANTI_AFFINED rules.
        let mut apart: BTreeSet<i32> = BTreeSet::new();
        if role.policy() == Policy::AntiAffined {
            apart.extend(role.vms.iter().copied());
        }
        for rule in group.rules(Policy::AntiAffined).into_iter().filter(|r| r.contains(&role.id)) {
            for rid in rule.into_iter().filter(|r| *r != role.id) {
                if let Some(r) = group.role(rid) {
                    apart.extend(r.vms.iter().copied());
                }
            }
        }
        apart.remove(&id);
        if let Some(clause) = not_with(apart.into_iter()) {
            parts.push(clause);
        }
        let allowed = role.host_affined();
        if !allowed.is_empty() {
            parts.push(hosts_clause(&allowed));
        }
        let denied = role.host_anti_affined();
        if !denied.is_empty() {
            parts.push(denied.iter().map(|h| format!("ID != {h}")).collect::<Vec<_>>().join(" & "));
        }
        if !parts.is_empty() {
            out.insert(id, all_of(&parts));
        }
    }
    out
}
