//! Shared by the benchmark binaries: a load generator running calls on several clients, and
//! counting VMs in a state.

use std::sync::Arc;
use std::time::Instant;

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

/// How many VMs are in `state` (`one.vmpool.info` of everyone).
pub async fn count_in_state(c: &Client, state: i32) -> usize {
    let params = vec![Value::Integer(-2), Value::Integer(-1), Value::Integer(-1), Value::Integer(state)];
    match c.call("one.vmpool.info", params).await {
        Ok(Value::String(doc)) => doc.matches("<VM><ID>").count(),
        _ => 0,
    }
}
