//! End-to-end scheduling benchmark: oned with HOSTS simulated hosts and VMS pending VMs (with
//! a requirements and a rank expression), then the real `one-scheduler` started against it;
//! measures the time until every VM is RUNNING and prints the scheduler's cycle log lines.
//! Asserts nothing about time.
//!
//! `cargo build --release --workspace && target/release/bench-sched [HOSTS] [VMS] [CLIENTS]`
//! (defaults 2500 20000 4).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oca::{Client, Value};
use one_tests::bench::{parallel, wait_running};
use one_tests::{Oned, bin};

fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

fn i(v: i32) -> Value {
    Value::Integer(v)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let hosts: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2500);
    let vms: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(4);
    let oned = Oned::start_configured("monitoring_interval = 600\n");
    let admin = oned.client();
    println!("bench-sched: {hosts} hosts, {vms} VMs; oned pid {}", oned.pid());
    parallel(&oned, clients, hosts, |c, n| async move {
        let id = c
            .call("one.host.allocate", vec![s(&format!("host-{n}")), s("dummy"), s("dummy"), i(-1)])
            .await
            .expect("host.allocate");
        let Value::Integer(id) = id else { panic!("host id") };
        let rack = format!("RACK = \"r{}\"\nDUMMY_CPU = {}", n % 50, [800, 1600, 3200, 6400][n % 4]);
        c.call("one.host.update", vec![i(id), s(&rack), i(1)]).await.expect("host.update");
    })
    .await;
    let start = Instant::now();
    while count_monitored(&admin).await < hosts && start.elapsed() < Duration::from_secs(600) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let rate = parallel(&oned, clients, vms, |c, n| async move {
        let t = format!(
            "NAME = vm-{n}\nCPU = 0.5\nMEMORY = 256\n\
             SCHED_REQUIREMENTS = \"RACK != \\\"r49\\\" & FREE_CPU > 100\"\n\
             SCHED_RANK = \"FREE_CPU - RUNNING_VMS * 10\""
        );
        c.call("one.vm.allocate", vec![s(&t), Value::Boolean(false)]).await.expect("vm.allocate");
    })
    .await;
    println!("{vms} VMs PENDING ({rate:.0} allocations/s)");

    let auth = oned.dir.join("one_auth");
    let sched_conf = oned.dir.join("sched.toml");
    std::fs::write(&sched_conf, "interval = 1\npoke_listen = \"\"\n").expect("sched.toml");
    let log = std::fs::File::create(oned.dir.join("sched.log")).expect("log");
    let start = Instant::now();
    let mut child = Command::new(bin("one-scheduler"))
        .arg("--endpoint")
        .arg(oned.endpoint())
        .arg("--auth")
        .arg(&auth)
        .arg("--config")
        .arg(&sched_conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start one-scheduler");
    let running = wait_running(&admin, vms, Duration::from_secs(1800)).await;
    let total = start.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    println!("from {vms} PENDING to {running} RUNNING: {total:.1} s end to end");
    let text = std::fs::read_to_string(oned.dir.join("sched.log")).unwrap_or_default();
    for line in text.lines().filter(|l| l.contains("cycle:")).take(10) {
        println!("  {}", line.split("INFO").last().unwrap_or(line).trim());
    }
}

async fn count_monitored(c: &Client) -> usize {
    match c.call("one.hostpool.info", vec![]).await {
        Ok(Value::String(doc)) => doc.matches("<STATE>2</STATE>").count(),
        _ => 0,
    }
}
