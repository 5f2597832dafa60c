//! Shared by the benchmark binaries: a load generator running calls on several clients, and
//! waiting for VMs to run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oca::{Client, Value};

use crate::Oned;

/// Runs `call(client, n)` for `n` in `0..total` on `clients` concurrent clients (client `c`
/// takes `c`, `c + clients`, ...); returns calls per second.
pub async fn parallel<F, Fut>(oned: &Oned, clients: usize, total: usize, call: F) -> f64
where
    F: Fn(Arc<Client>, usize) -> Fut + Send + Sync + Copy + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = Arc::new(oned.client());
        tasks.push(tokio::spawn(async move {
            let mut n = c;
            while n < total {
                call(client.clone(), n).await;
                n += clients;
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

/// Waits until the VMs with IDs `0..count` are all RUNNING (ACTIVE/RUNNING), or `limit`
/// passed; how many are. Reads only the VMs not yet seen running, a page of IDs at a time, so
/// that watching perturbs oned little.
pub async fn wait_running(c: &Client, count: usize, limit: Duration) -> usize {
    const PAGE: i32 = 500;
    let start = Instant::now();
    let mut seen = 0i32;
    while (seen as usize) < count && start.elapsed() < limit {
        let last = (seen + PAGE - 1).min(count as i32 - 1);
        let params = vec![Value::Integer(-2), Value::Integer(seen), Value::Integer(last), Value::Integer(-1)];
        let doc = match c.call("one.vmpool.info", params).await {
            Ok(Value::String(doc)) => doc,
            _ => String::new(),
        };
        let before = seen;
        // Listings come newest first, as OpenNebula's do.
        let mut up: Vec<i32> = doc
            .split("<VM><ID>")
            .skip(1)
            .filter(|vm| running(vm))
            .filter_map(|vm| vm.split('<').next().and_then(|n| n.parse().ok()))
            .collect();
        up.sort_unstable();
        for id in up {
            if id == seen {
                seen += 1;
            }
        }
        if seen == before {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    seen as usize
}

/// Whether a VM document (from after its `<ID>`) says ACTIVE/RUNNING.
fn running(vm: &str) -> bool {
    let field = |name: &str| {
        let open = format!("<{name}>");
        vm.find(&open).and_then(|at| vm[at + open.len()..].split('<').next()).unwrap_or("")
    };
    field("STATE") == "3" && field("LCM_STATE") == "3"
}
