//! oned with its scheduler (the real `one-scheduler` binary, started by oned as a child
//! process) and simulated hosts: VMs land where their requirements and rank send them, hosts
//! are never over-committed, bad expressions leave a SCHED_MESSAGE, a stale plan never
//! deploys a VM twice, and the scheduler follows oned through a `kill -9`.

use oca::{UpdateType, VmFilter};
use one_core::states::{LcmState as L, VmState as S};
use one_tests::Oned;

use super::cloud::{dummy_host, wait_vm};
use super::wait::until;

/// A free loopback port for the scheduler's poke listener.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(2634)
}

/// oned with the scheduler on a 1 s interval.
fn oned_with_scheduler(extra: &str) -> Oned {
    let dir = tempfile::tempdir().unwrap();
    let sched = dir.path().join("sched.toml");
    std::fs::write(&sched, format!("interval = 1\n{extra}")).unwrap();
    let config = format!(
        "monitoring_interval = 1\n[scheduler]\nenabled = true\nconfig = \"{}\"\npoke = \"127.0.0.1:{}\"\n",
        sched.display(),
        free_port()
    );
    let oned = Oned::start_configured(&config);
    std::mem::forget(dir); // the scheduler reads its file at start; the OS cleans /tmp
    oned
}

async fn all(c: &oca::Client) -> Vec<one_core::objects::vm::Vm> {
    c.vmpool_info_extended(&VmFilter { state: -2, ..VmFilter::default() }).await.unwrap()
}

#[tokio::test]
async fn requirements_and_rank_choose_the_host_and_capacity_holds() {
    let oned = oned_with_scheduler("");
    let c = oned.client();
    let mut hosts = Vec::new();
    for (name, tmpl) in [
        ("node-a", "RACK = \"r1\"\nSPEED = 1"),
        ("node-b", "RACK = \"r1\"\nSPEED = 5"),
        ("node-c", "RACK = \"r2\"\nSPEED = 9"),
    ] {
        let h = dummy_host(&c, name).await;
        c.host_update(h, &format!("{tmpl}\nDUMMY_CPU = 400"), UpdateType::Merge).await.unwrap();
        hosts.push(h);
    }
    for h in &hosts {
        until("the hosts report their new size", || async {
            (c.host_info(*h).await.unwrap().share.max_cpu == 400).then_some(())
        })
        .await;
    }
    // Host "b" is the fastest of rack r1: every VM that fits goes there first.
    let t = "CPU = 1\nMEMORY = 128\nSCHED_REQUIREMENTS = \"RACK = \\\"r1\\\"\"\nSCHED_RANK = \"SPEED\"";
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(c.vm_allocate(t, false).await.unwrap());
    }
    // 4 fit on b (400 CPU), then 4 on a; the last 2 wait with a message.
    until("8 VMs running", || async {
        let running = all(&c).await.iter().filter(|v| v.lcm_state == L::Running).count();
        (running == 8).then_some(())
    })
    .await;
    let vms = all(&c).await;
    let on = |h: i32| vms.iter().filter(|v| v.history.last().is_some_and(|r| r.hid == h)).count();
    assert_eq!((on(hosts[0]), on(hosts[1]), on(hosts[2])), (4, 4, 0));
    for h in &hosts {
        let host = c.host_info(*h).await.unwrap();
        assert!(host.share.cpu_usage <= host.share.max_cpu, "host {h} over-committed");
    }
    let waiting = until("a SCHED_MESSAGE on the VMs that do not fit", || async {
        let w: Vec<_> = all(&c).await.into_iter().filter(|v| v.state == S::Pending).collect();
        (w.len() == 2 && w.iter().all(|v| v.user_template.get("SCHED_MESSAGE").is_some())).then_some(w)
    })
    .await;
    let m = waiting[0].user_template.get("SCHED_MESSAGE").unwrap();
    assert!(m.contains("Cannot dispatch VM: Not enough capacity"), "{m}");
    // Room appears: the next cycle places one of them.
    c.vm_action("terminate-hard", ids[0]).await.unwrap();
    until("a waiting VM placed", || async {
        let p = all(&c).await.iter().filter(|v| v.state == S::Pending).count();
        (p == 1).then_some(())
    })
    .await;
}

#[tokio::test]
async fn bad_expressions_leave_a_message_and_do_not_stop_the_others() {
    let oned = oned_with_scheduler("");
    let c = oned.client();
    dummy_host(&c, "node-a").await;
    let bad = c.vm_allocate("CPU = 1\nMEMORY = 64\nSCHED_REQUIREMENTS = \"CPU >\"", false).await.unwrap();
    let ok = c.vm_allocate("CPU = 1\nMEMORY = 64", false).await.unwrap();
    super::cloud::wait_running(&c, ok).await;
    let vm = until("SCHED_MESSAGE", || async {
        let v = c.vm_info(bad).await.unwrap();
        v.user_template.get("SCHED_MESSAGE").is_some().then_some(v)
    })
    .await;
    let m = vm.user_template.get("SCHED_MESSAGE").unwrap();
    assert!(
        m.contains("Error in SCHED_REQUIREMENTS: '") && m.contains("( CPU > )', error: syntax error"),
        "{m}"
    );
    assert_eq!(vm.state, S::Pending);
    // Fixed by the owner, it is placed.
    c.vm_update(bad, "SCHED_REQUIREMENTS = \"ID > -1\"", UpdateType::Merge).await.unwrap();
    super::cloud::wait_running(&c, bad).await;
}

#[tokio::test]
async fn the_scheduler_follows_oned_through_a_kill_and_never_deploys_twice() {
    let mut oned = oned_with_scheduler("");
    let c = oned.client();
    let h = dummy_host(&c, "node-a").await;
    // Slow drivers, so VMs are mid-deploy when oned dies.
    c.host_update(h, "DUMMY_DELAY_MS = 200", UpdateType::Merge).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(c.vm_allocate("CPU = 0.1\nMEMORY = 64", false).await.unwrap());
    }
    until("some VM placed", || async { all(&c).await.iter().any(|v| v.state == S::Active).then_some(()) })
        .await;
    oned.kill9();
    oned.restart();
    let c = oned.client();
    for id in &ids {
        wait_vm(&c, *id, S::Active, L::Running).await;
    }
    for vm in all(&c).await {
        assert_eq!(vm.history.len(), 1, "VM {} deployed once: {:?}", vm.meta.id, vm.history);
    }
    let host = c.host_info(h).await.unwrap();
    assert_eq!(host.share.running_vms, ids.len() as i64);
}

#[tokio::test]
async fn a_stale_plan_is_refused_by_oned_and_the_next_cycle_recovers() {
    let oned = Oned::start(); // no scheduler process: the test runs the cycle steps itself
    let c = oned.client();
    let a = dummy_host(&c, "node-a").await;
    let b = dummy_host(&c, "node-b").await;
    let vm = c.vm_allocate("CPU = 1\nMEMORY = 64", false).await.unwrap();
    let config = scheduler::config::Config { endpoint: oned.endpoint(), ..Default::default() };
    let snapshot = scheduler::fetch::snapshot(&c, 0).await.unwrap();
    let plan = scheduler::plan::plan(&snapshot, &config);
    assert_eq!(plan.placements.len(), 1);
    let target = plan.placements[0].host;
    assert_eq!(target, b, "ties go to the highest ID");
    // The host goes away between the snapshot and the dispatch.
    c.host_status(target, 2).await.unwrap();
    let out = scheduler::dispatch::run(&c, &config, plan.clone()).await;
    assert_eq!((out.dispatched, out.refused), (0, 1));
    assert_eq!(c.vm_info(vm).await.unwrap().state, S::Pending);
    // The next cycle reads the cloud again and uses the other host.
    let cycle = scheduler::run::cycle(&c, &config).await.unwrap();
    assert_eq!(cycle.outcome.dispatched, 1);
    let running = super::cloud::wait_running(&c, vm).await;
    assert_eq!(running.history.last().map(|r| r.hid), Some(a));
    // The old plan, dispatched again, deploys nothing twice.
    c.host_status(target, 0).await.unwrap();
    let out = scheduler::dispatch::run(&c, &config, plan).await;
    assert_eq!((out.dispatched, out.refused), (0, 1));
    assert_eq!(c.vm_info(vm).await.unwrap().history.len(), 1);
}
