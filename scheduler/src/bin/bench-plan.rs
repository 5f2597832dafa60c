//! Benchmark of the planner alone: HOSTS simulated hosts and VMS pending VMs with a
//! requirements expression and a rank expression, planned in one cycle without limits.
//! Prints placements per second and the cycle time (BENCHMARKS.md records them); asserts
//! nothing about time.
//!
//! `cargo build --release -p scheduler && target/release/bench-plan [HOSTS] [VMS]`
//! (defaults 2500 20000).

use std::time::Instant;

use one_core::objects::common::Meta;
use one_core::objects::datastore::Datastore;
use one_core::objects::host::Host;
use one_core::objects::monitoring::HostMonitoring;
use one_core::objects::vm::{NewVm, Vm};
use one_core::perms::Permissions;
use one_core::states::{DatastoreState, DatastoreType, DiskType, HostState};
use one_core::template::Template;
use scheduler::config::Config;
use scheduler::plan::{Snapshot, plan};

fn host(id: i32) -> Host {
    let mut h = Host::new(id, &format!("host-{id}"), "dummy", "dummy", 0, "default");
    h.state = HostState::Monitored;
    // A mixed fleet: 8 to 64 cores, 16 to 256 GB, racks r0..r49, some with GPUs.
    let cores = [8, 16, 32, 64][id as usize % 4];
    h.share.total_cpu = cores * 100;
    h.share.max_cpu = cores * 100;
    h.share.total_mem = cores * 4 * 1024 * 1024;
    h.share.max_mem = h.share.total_mem;
    let gpu = if id % 10 == 0 { "YES" } else { "NO" };
    h.template.merge(
        &Template::parse(&format!("RACK = \"r{}\"\nGPU = \"{gpu}\"\nHYPERVISOR = \"kvm\"", id % 50))
            .unwrap_or_default(),
    );
    let mut report = Template::new();
    report.set("FREECPU", (cores * 100).to_string());
    report.set("USEDCPU", "0");
    report.set("FREEMEMORY", h.share.total_mem.to_string());
    report.set("USEDMEMORY", "0");
    h.monitoring = Some(HostMonitoring::from_report(id, 1, &report));
    h
}

fn vm(id: i32) -> Vm {
    let new = NewVm {
        id,
        uid: 0,
        gid: 0,
        uname: "oneadmin".into(),
        gname: "oneadmin".into(),
        perms: Permissions::from_octal(0o600),
        hold: false,
        now: 1,
        uuid: format!("uuid-{id}"),
        default_machine: None,
        random_password: "pw".into(),
    };
    let cpu = [0.5, 1.0, 2.0, 4.0][id as usize % 4];
    let mem = [512, 1024, 2048, 4096][id as usize % 4];
    let text = format!(
        "NAME = vm-{id}\nCPU = {cpu}\nMEMORY = {mem}\nDISK = [ TYPE = fs, SIZE = 1024 ]\n\
         SCHED_REQUIREMENTS = \"HYPERVISOR = kvm & !(GPU = YES) & (RACK = \\\"r1*\\\" | RACK = \\\"r2*\\\" | FREE_CPU > 3000)\"\n\
         SCHED_RANK = \"FREE_CPU - RUNNING_VMS * 100\""
    );
    let mut v = Vm::allocate(&new, &Template::parse(&text).unwrap_or_default()).expect("VM");
    let _ = v.set_automatic_requirements(&Default::default());
    v
}

fn main() {
    let mut args = std::env::args().skip(1);
    let hosts: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2500);
    let vms: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let ds = Datastore {
        meta: Meta::oneadmin(0, "system", Permissions::from_octal(0o640)),
        ds_mad: String::new(),
        tm_mad: "dummy".into(),
        base_path: String::new(),
        ds_type: DatastoreType::System,
        disk_type: DiskType::File,
        state: DatastoreState::Ready,
        clusters: vec![0],
        total_mb: 1 << 40,
        free_mb: 1 << 40,
        used_mb: 0,
        images: Vec::new(),
        template: Template::new(),
    };
    let start = Instant::now();
    let snapshot = Snapshot {
        vms: (0..vms).map(vm).collect(),
        hosts: (0..hosts).map(host).collect(),
        datastores: vec![ds],
        ..Snapshot::default()
    };
    println!(
        "bench-plan: {hosts} hosts, {vms} pending VMs (built in {:.2} s)",
        start.elapsed().as_secs_f64()
    );
    println!("requirements: {}", snapshot.vms[0].user_template.get("SCHED_REQUIREMENTS").unwrap_or_default());
    println!("rank: {}", snapshot.vms[0].user_template.get("SCHED_RANK").unwrap_or_default());
    let config = Config::default();
    for round in 1..=3 {
        let start = Instant::now();
        let p = plan(&snapshot, &config);
        let secs = start.elapsed().as_secs_f64();
        println!(
            "round {round}: {} placed, {} unplaced in {:.1} ms: {:.0} placements/s",
            p.placements.len(),
            p.unplaced.len(),
            secs * 1000.0,
            p.placements.len() as f64 / secs
        );
    }
}
