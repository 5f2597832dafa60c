//! The cycle loop: a cycle every `interval` seconds, and one at once when oned pokes (a
//! connection to `poke_listen`; pokes arriving during a cycle start one more right after it).
//! A cycle that fails (oned restarting, a host vanishing between fetch and dispatch) is
//! logged and the next one starts from a fresh snapshot.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oca::Client;
use tokio::sync::Notify;

use crate::config::Config;
use crate::{dispatch, fetch, plan};

/// What one cycle did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cycle {
    /// VMs in the snapshot (pending and rescheduled).
    pub considered: usize,
    /// What the dispatch did.
    pub outcome: dispatch::Outcome,
}

/// One cycle: snapshot, plan, dispatch.
pub async fn cycle(client: &Client, config: &Config) -> Result<Cycle, oca::OcaError> {
    let start = Instant::now();
    let snapshot = fetch::snapshot(client, config.max_vm).await?;
    let considered = snapshot.vms.len();
    if considered == 0 {
        return Ok(Cycle::default());
    }
    let fetched = start.elapsed();
    let plan = plan::plan(&snapshot, config);
    let planned = start.elapsed() - fetched;
    let placements = plan.placements.len();
    let outcome = dispatch::run(client, config, plan).await;
    tracing::info!(
        considered,
        placements,
        dispatched = outcome.dispatched,
        refused = outcome.refused,
        "cycle: fetch {:.0} ms, plan {:.1} ms, dispatch {:.0} ms",
        fetched.as_secs_f64() * 1000.0,
        planned.as_secs_f64() * 1000.0,
        (start.elapsed() - fetched - planned).as_secs_f64() * 1000.0
    );
    Ok(Cycle { considered, outcome })
}

/// Listens for pokes; each wakes the loop.
async fn listen(address: String, wake: Arc<Notify>) {
    let listener = match tokio::net::TcpListener::bind(&address).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("cannot listen for pokes on {address}: {e}; cycles run on the interval only");
            return;
        }
    };
    tracing::info!("listening for pokes on {address}");
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            drop(stream);
            wake.notify_one();
        }
    }
}

/// Runs cycles until the process ends (or one cycle with `once`).
pub async fn run(config: Config, session: String, once: bool) -> Result<(), String> {
    let client = Client::new(&config.endpoint, &session).map_err(|e| e.to_string())?;
    if once {
        return cycle(&client, &config).await.map(|_| ()).map_err(|e| e.to_string());
    }
    let wake = Arc::new(Notify::new());
    if !config.poke_listen.is_empty() {
        tokio::spawn(listen(config.poke_listen.clone(), wake.clone()));
    }
    let interval = Duration::from_secs(config.interval.max(1));
    tracing::info!(endpoint = config.endpoint, "scheduler started, a cycle every {} s", interval.as_secs());
    loop {
        match cycle(&client, &config).await {
            // Placed something: there may be more to place (limits); go again soon.
            Ok(c) if c.outcome.dispatched > 0 => {
                let _ = tokio::time::timeout(Duration::from_millis(100), wake.notified()).await;
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("cycle failed: {e}; retrying next cycle"),
        }
        let _ = tokio::time::timeout(interval, wake.notified()).await;
    }
}
