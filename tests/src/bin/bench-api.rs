//! API benchmark: starts the `oned` binary of the same build profile on loopback and prints
//! figures for writes (user allocations, each committed to disk before its answer), reads
//! (`one.user.info` from concurrent clients), pool listings, and oned's memory.
//!
//! Run with `cargo build --release --workspace && target/release/bench-api [USERS] [CLIENTS]`.
//! Results are recorded in BENCHMARKS.md; nothing here asserts on time.

use std::time::{Duration, Instant};

use one_tests::Oned;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let users: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let oned = Oned::start();
    let admin = oned.client();
    println!("oned pid {} on port {}, idle RSS {} KiB", oned.pid(), oned.port, rss_kib(oned.pid()));

    let start = Instant::now();
    for i in 0..users {
        admin.user_allocate(&format!("user{i}"), "pw", "", &[]).await.expect("allocate");
    }
    let elapsed = start.elapsed();
    println!(
        "one.user.allocate: {users} sequential calls in {:.2} s = {:.0} calls/s ({:.2} ms each, durable)",
        elapsed.as_secs_f64(),
        users as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / users as f64
    );

    let run_for = Duration::from_secs(3);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = oca::Client::new(&oned.endpoint(), &oned.session()).expect("client");
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while start.elapsed() < run_for {
                let id = 2 + ((n as usize * clients + c) % users) as i32;
                client.user_info(id).await.expect("info");
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("task");
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "one.user.info: {clients} clients, {total} calls in {secs:.2} s = {:.0} calls/s",
        total as f64 / secs
    );

    let start = Instant::now();
    let rounds = 20;
    let mut size = 0;
    for _ in 0..rounds {
        size = admin.userpool_info_xml().await.expect("pool").len();
    }
    println!(
        "one.userpool.info with {} users: {:.1} ms per call ({} KiB document)",
        users + 2,
        start.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds),
        size / 1024
    );
    println!("oned RSS after the run: {} KiB", rss_kib(oned.pid()));
}
