//! Reading a snapshot of the cloud from oned, the way OpenNebula's scheduler does: the pending
//! VMs (and those flagged for rescheduling), the hosts with their last monitoring record and
//! their cluster's template, the datastores, networks, VM groups, users and ACL rules. The
//! scheduler keeps nothing between cycles.

use std::collections::HashMap;

use oca::{Client, OcaResult, VmFilter};
use one_core::objects::monitoring::HostMonitoring;

use crate::plan::Snapshot;

/// Reads everything a cycle needs. `max_vm` limits the pending VMs read (0: all).
pub async fn snapshot(client: &Client, max_vm: usize) -> OcaResult<Snapshot> {
    let pending = VmFilter {
        ownership: -2,
        start: if max_vm > 0 { 0 } else { -1 },
        end: if max_vm > 0 { -(max_vm.min(i32::MAX as usize) as i32) } else { -1 },
        state: 1,
        query: String::new(),
    };
    let mut vms = client.vmpool_info_extended(&pending).await?;
    vms.extend(resched(client).await?);
    let mut hosts = client.hostpool_info().await?;
    let monitoring = last_monitoring(client).await?;
    let clusters: HashMap<i32, one_core::template::Template> =
        client.clusterpool_info().await?.into_iter().map(|c| (c.meta.id, c.template)).collect();
    for host in &mut hosts {
        if let Some(record) = monitoring.get(&host.meta.id) {
            host.monitoring = Some(record.clone());
        }
        host.cluster_template = clusters.get(&host.cluster_id).cloned();
    }
    let datastores = client.datastorepool_info().await?;
    let vnets = client.vnpool_info(-2, -1, -1).await?;
    let vmgroups = client.vmgrouppool_info(-2, -1, -1).await?;
    let users = client.userpool_info().await?;
    let user_groups = users.into_iter().map(|u| (u.id, u.groups)).collect();
    let acl = client.acl_info().await?.into_iter().map(|e| e.rule).collect();
    Ok(Snapshot { vms, hosts, datastores, vnets, vmgroups, acl, user_groups })
}

/// VMs flagged for rescheduling (`one.vm.action resched`) that may move: RUNNING, UNKNOWN or
/// POWEROFF.
async fn resched(client: &Client) -> OcaResult<Vec<one_core::objects::vm::Vm>> {
    let flagged = VmFilter { query: "VM.RESCHED=1".to_owned(), ..VmFilter::default() };
    let ids: Vec<String> = client
        .vmpool_info(&flagged)
        .await?
        .into_iter()
        .filter(|v| v.resched)
        .map(|v| v.meta.id.to_string())
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let xml = client.vmpool_info_set_xml(&ids.join(","), true).await?;
    let node = one_core::xml::parse(&xml).map_err(|e| unexpected("one.vmpool.infoset", e))?;
    one_core::objects::vm::vms_from_pool(&node).map_err(|e| unexpected("one.vmpool.infoset", e))
}

/// The last monitoring record of every host.
async fn last_monitoring(client: &Client) -> OcaResult<HashMap<i32, HostMonitoring>> {
    let xml = client.hostpool_monitoring_xml(0).await?;
    let node = one_core::xml::parse(&xml).map_err(|e| unexpected("one.hostpool.monitoring", e))?;
    let mut out = HashMap::new();
    for m in node.children_named("MONITORING") {
        if let Ok(Some(record)) = HostMonitoring::from_node(m) {
            out.insert(record.id, record);
        }
    }
    Ok(out)
}

fn unexpected(method: &str, e: impl std::fmt::Display) -> oca::OcaError {
    oca::OcaError::Unexpected { method: method.to_owned(), detail: e.to_string() }
}
