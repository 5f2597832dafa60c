//! Carrying out a plan: `one.vm.deploy` for pending VMs (with the networks of automatic NICs)
//! and `one.vm.migrate` for rescheduled ones, several calls in flight at once; and writing
//! `SCHED_MESSAGE` into the user template of VMs that could not be placed (only when it
//! changes, so a waiting VM is not rewritten every cycle). oned refuses a deploy of a VM that
//! is no longer PENDING, so a plan made from a stale snapshot never deploys a VM twice.

use std::sync::Arc;

use oca::{Client, UpdateType};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::plan::{Operation, Placement, Plan};

/// What a dispatch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Calls oned accepted.
    pub dispatched: usize,
    /// Calls oned refused (the VM or host changed since the snapshot).
    pub refused: usize,
    /// SCHED_MESSAGEs written.
    pub messages: usize,
}

fn extra_template(p: &Placement) -> String {
    p.nics
        .iter()
        .map(|(nic, net)| {
            format!("NIC = [ NIC_ID = \"{nic}\", NETWORK_ID = \"{net}\", NETWORK_MODE = \"auto\" ]\n")
        })
        .collect()
}

async fn place(client: &Client, cfg: &Config, p: &Placement) -> Result<(), oca::OcaError> {
    match p.operation {
        Operation::Deploy => client.vm_deploy_extra(p.vm, p.host, false, p.ds, &extra_template(p)).await,
        Operation::Migrate => {
            client.vm_migrate_mode(p.vm, p.host, cfg.live_rescheds, false, -1, cfg.cold_migrate_mode).await
        }
    }
    .map(|_| ())
}

/// The SCHED_MESSAGE value: OpenNebula's `<time> : <message>`.
fn stamped(message: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    format!("{} : {message}", one_core::time::ctime(now))
}

/// Dispatches a plan: placements in order, at most `dispatch_threads` calls at once.
pub async fn run(client: &Client, cfg: &Config, plan: Plan) -> Outcome {
    let slots = Arc::new(Semaphore::new(cfg.dispatch_threads.max(1)));
    let mut tasks = Vec::with_capacity(plan.placements.len());
    for p in plan.placements {
        let Ok(slot) = slots.clone().acquire_owned().await else { break };
        let (client, cfg) = (client.clone(), cfg.clone());
        tasks.push(tokio::spawn(async move {
            let result = place(&client, &cfg, &p).await;
            drop(slot);
            if let Err(e) = &result {
                tracing::warn!(vm = p.vm, host = p.host, "not dispatched: {e}");
            }
            result.is_ok()
        }));
    }
    let mut out = Outcome::default();
    for t in tasks {
        match t.await {
            Ok(true) => out.dispatched += 1,
            _ => out.refused += 1,
        }
    }
    for (vm, message, current) in plan.unplaced {
        if current.as_deref().and_then(|c| c.split_once(" : ").map(|(_, m)| m)) == Some(message.as_str()) {
            continue;
        }
        let text = format!("SCHED_MESSAGE = \"{}\"", stamped(&message).replace('"', "'"));
        match client.vm_update(vm, &text, UpdateType::Merge).await {
            Ok(_) => out.messages += 1,
            Err(e) => tracing::debug!(vm, "cannot write SCHED_MESSAGE: {e}"),
        }
        tracing::info!(vm, "{message}");
    }
    out
}
