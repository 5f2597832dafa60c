//! Scenario files (`tests/scenarios/*.toml`): hosts, datastores, networks, VM groups and VMs
//! as oned would return them, the scheduler configuration, and the placements the planner
//! must make. Each file is one test case; the runner builds one-core objects from it, runs
//! the pure planner and compares.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions unwrap too

use std::collections::HashMap;

use one_core::objects::common::Meta;
use one_core::objects::datastore::Datastore;
use one_core::objects::host::Host;
use one_core::objects::vm::{NewVm, Vm};
use one_core::perms::Permissions;
use one_core::states::{DatastoreState, DatastoreType, DiskType, HostState, VmState};
use one_core::template::Template;
use scheduler::config::Config;
use scheduler::plan::{Operation, Snapshot, plan};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    description: String,
    #[serde(default)]
    config: String,
    #[serde(default)]
    host: Vec<HostSpec>,
    #[serde(default)]
    datastore: Vec<DsSpec>,
    #[serde(default)]
    vm: Vec<VmSpec>,
    #[serde(default)]
    acl: Vec<String>,
    #[serde(default)]
    vmgroup: Vec<GroupSpec>,
    #[serde(default)]
    expect: Vec<Expect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSpec {
    id: i32,
    template: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostSpec {
    id: i32,
    #[serde(default)]
    cluster: i32,
    #[serde(default = "default_cpu")]
    cpu: i64,
    #[serde(default = "default_mem")]
    memory: i64,
    #[serde(default)]
    cpu_usage: i64,
    #[serde(default)]
    mem_usage: i64,
    #[serde(default)]
    vms: Vec<i32>,
    #[serde(default = "monitored")]
    state: String,
    #[serde(default)]
    template: String,
}

fn default_cpu() -> i64 {
    800
}
fn default_mem() -> i64 {
    16 * 1024 * 1024
}
fn monitored() -> String {
    "MONITORED".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DsSpec {
    id: i32,
    #[serde(default)]
    clusters: Vec<i32>,
    #[serde(default = "default_free")]
    free_mb: i64,
    #[serde(default)]
    template: String,
}

fn default_free() -> i64 {
    1024 * 1024
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VmSpec {
    id: i32,
    template: String,
    #[serde(default)]
    uid: i32,
    #[serde(default)]
    gid: i32,
    /// RUNNING VMs with `resched` are rescheduled from `host`.
    #[serde(default)]
    resched_from: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    vm: i32,
    #[serde(default)]
    host: Option<i32>,
    #[serde(default)]
    ds: Option<i32>,
    #[serde(default)]
    unplaced: Option<String>,
    #[serde(default)]
    migrate: bool,
}

fn host(spec: &HostSpec) -> Host {
    let mut h = Host::new(spec.id, &format!("host{}", spec.id), "dummy", "dummy", spec.cluster, "c");
    h.state = match spec.state.as_str() {
        "MONITORED" => HostState::Monitored,
        "DISABLED" => HostState::Disabled,
        "ERROR" => HostState::Error,
        other => panic!("host state {other}"),
    };
    h.share.total_cpu = spec.cpu;
    h.share.max_cpu = spec.cpu;
    h.share.total_mem = spec.memory;
    h.share.max_mem = spec.memory;
    h.share.cpu_usage = spec.cpu_usage;
    h.share.mem_usage = spec.mem_usage;
    h.share.running_vms = spec.vms.len() as i64;
    h.vms = spec.vms.clone();
    h.template.merge(&Template::parse(&spec.template).expect("host template"));
    h
}

fn datastore(spec: &DsSpec) -> Datastore {
    Datastore {
        meta: Meta::oneadmin(spec.id, &format!("ds{}", spec.id), Permissions::from_octal(0o640)),
        ds_mad: String::new(),
        tm_mad: "dummy".to_owned(),
        base_path: String::new(),
        ds_type: DatastoreType::System,
        disk_type: DiskType::File,
        state: DatastoreState::Ready,
        clusters: if spec.clusters.is_empty() { vec![0] } else { spec.clusters.clone() },
        total_mb: spec.free_mb,
        free_mb: spec.free_mb,
        used_mb: 0,
        images: Vec::new(),
        template: Template::parse(&spec.template).expect("datastore template"),
    }
}

fn vm(spec: &VmSpec) -> Vm {
    let new = NewVm {
        id: spec.id,
        uid: spec.uid,
        gid: spec.gid,
        uname: format!("user{}", spec.uid),
        gname: format!("group{}", spec.gid),
        perms: Permissions::from_octal(0o600),
        hold: false,
        now: 1,
        uuid: format!("uuid-{}", spec.id),
        default_machine: None,
        random_password: "pw".to_owned(),
    };
    let mut vm =
        Vm::allocate(&new, &Template::parse(&spec.template).expect("VM template")).expect("allocate");
    vm.set_automatic_requirements(&Default::default()).expect("automatic requirements");
    if let Some(from) = spec.resched_from {
        let placement = one_core::objects::vm::Placement {
            hid: from,
            hostname: format!("host{from}"),
            cid: 0,
            vm_mad: "dummy".into(),
            tm_mad: "dummy".into(),
            ds_id: 0,
        };
        vm.add_history(&placement, 1);
        vm.state = VmState::Active;
        vm.lcm_state = one_core::states::LcmState::Running;
        vm.resched = true;
    }
    vm
}

fn run(path: &std::path::Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let s: Scenario = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let config = Config::parse(&s.config).unwrap();
    let snapshot = Snapshot {
        vms: s.vm.iter().map(vm).collect(),
        hosts: s.host.iter().map(host).collect(),
        datastores: s.datastore.iter().map(datastore).collect(),
        vnets: Vec::new(),
        vmgroups: Vec::new(),
        acl: s.acl.iter().map(|r| one_core::acl::Rule::parse(r).unwrap()).collect(),
        user_groups: HashMap::new(),
    };
    let mut snapshot = snapshot;
    for g in &s.vmgroup {
        let meta = Meta::oneadmin(g.id, "", Permissions::from_octal(0o600));
        let mut group =
            one_core::objects::vmgroup::VmGroup::allocate(meta, Template::parse(&g.template).unwrap())
                .unwrap_or_else(|e| panic!("VM group {}: {e}", g.id));
        for v in &snapshot.vms {
            let member = v.template.vector("VMGROUP").or_else(|| v.user_template.vector("VMGROUP"));
            let get = |k: &str| member.and_then(|p| p.iter().find(|(n, _)| n == k).map(|(_, x)| x.clone()));
            if get("VMGROUP_ID").and_then(|x| x.parse::<i32>().ok()) == Some(g.id)
                && let Some(role) = get("ROLE")
            {
                group.add_vm(&role, v.meta.id).unwrap();
            }
        }
        snapshot.vmgroups.push(group);
    }
    let plan = plan(&snapshot, &config);
    let name = format!("{} ({})", path.display(), s.description);
    for e in &s.expect {
        let placed = plan.placements.iter().find(|p| p.vm == e.vm);
        match (&e.unplaced, placed) {
            (Some(why), None) => {
                let got = plan.unplaced.iter().find(|(v, _, _)| *v == e.vm).map(|(_, w, _)| w.as_str());
                assert!(
                    got.is_some_and(|g| g.contains(why.as_str())),
                    "{name}: VM {} unplaced with {got:?}, expected {why}",
                    e.vm
                );
            }
            (None, Some(p)) => {
                assert_eq!(Some(p.host), e.host, "{name}: VM {} host", e.vm);
                if let Some(ds) = e.ds {
                    assert_eq!(p.ds, ds, "{name}: VM {} datastore", e.vm);
                }
                assert_eq!(p.operation == Operation::Migrate, e.migrate, "{name}: VM {} operation", e.vm);
            }
            (Some(why), Some(p)) => {
                panic!("{name}: VM {} placed on {}, expected unplaced: {why}", e.vm, p.host)
            }
            (None, None) => panic!("{name}: VM {} not placed: {:?}", e.vm, plan.unplaced),
        }
    }
    assert_eq!(
        plan.placements.len(),
        s.expect.iter().filter(|e| e.unplaced.is_none()).count(),
        "{name}: unexpected placements {:?}",
        plan.placements
    );
}

#[test]
fn every_scenario_places_as_expected() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 8, "scenarios in {}", dir.display());
    for f in files {
        run(&f);
    }
}
