use super::*;

fn host(name: &str) -> HostRef {
    HostRef {
        id: 0,
        name: name.into(),
        im_mad: "dummy".into(),
        vm_mad: "dummy".into(),
        template: Template::new(),
    }
}

fn vm(id: i32, extra: &str) -> VmRef {
    let template = Template::parse(&format!(
        "CPU = 1\nMEMORY = 512\nDISK = [ DISK_ID = 0 ]\nDISK = [ DISK_ID = 1 ]\n{extra}"
    ))
    .unwrap();
    VmRef { id, deploy_id: String::new(), xml: String::new(), template, user_template: Template::new() }
}

fn vmm(action: VmmAction, vm: &VmRef, h: &str) -> VmmRequest {
    VmmRequest { action, vm: vm.clone(), host: host(h), target: None, system_ds: 0, object_id: -1 }
}

fn tm(action: TmAction, vm: &VmRef, h: &str) -> TmRequest {
    TmRequest { action, vm: vm.clone(), host: host(h), source: None, system_ds: 0, disk_id: -1 }
}

#[test]
fn deploy_runs_the_vm_and_monitoring_sees_it() {
    let d = Dummy::new(DummySettings::default());
    let v = vm(7, "");
    Tm::execute(&d, &tm(TmAction::Prolog, &v, "h1")).unwrap();
    assert_eq!(d.files("h1", 7), ["vms/7/disk.0", "vms/7/disk.1"]);
    let reply = Vmm::execute(&d, &vmm(VmmAction::Deploy, &v, "h1")).unwrap();
    assert_eq!(reply.deploy_id.as_deref(), Some("h1:one-7:dummy"));
    assert_eq!(d.domains("h1"), [7]);
    let report = Im::monitor(&d, &host("h1")).unwrap();
    assert_eq!((report.total_cpu, report.total_memory), (800, 16 * 1024 * 1024));
    assert_eq!(report.vms.len(), 1);
    assert_eq!(report.vms[0].state, ReportedState::Running);
    assert_eq!((report.used_cpu, report.used_memory), (50, 512 * 1024 * 3 / 4));
    Vmm::execute(&d, &vmm(VmmAction::Shutdown, &v, "h1")).unwrap();
    Tm::execute(&d, &tm(TmAction::Epilog, &v, "h1")).unwrap();
    assert!(d.domains("h1").is_empty() && d.files("h1", 7).is_empty());
}

#[test]
fn a_failing_step_leaves_nothing_half_done() {
    for step in ["WRITE", "CREATE", "LAST"] {
        let d = Dummy::new(DummySettings::default());
        let fail = if step == "LAST" { "DEPLOY".to_owned() } else { format!("DEPLOY:{step}") };
        let v = vm(3, &format!("DUMMY_FAIL = \"{fail}\""));
        let err = Vmm::execute(&d, &vmm(VmmAction::Deploy, &v, "h1")).unwrap_err();
        assert!(err.message.contains("failed"), "{}", err.message);
        assert!(d.domains("h1").is_empty(), "{step}: a domain was left");
        assert!(d.files("h1", 3).is_empty(), "{step}: files were left: {:?}", d.files("h1", 3));
    }
    let d = Dummy::new(DummySettings::default());
    let v = vm(4, "DUMMY_FAIL = \"PROLOG\"");
    assert!(Tm::execute(&d, &tm(TmAction::Prolog, &v, "h1")).is_err());
    assert!(d.files("h1", 4).is_empty(), "copied disks are removed when the prolog fails");
}

#[test]
fn save_stop_resume_and_migrate_move_the_vm() {
    let d = Dummy::new(DummySettings::default());
    let v = vm(9, "");
    Tm::execute(&d, &tm(TmAction::Prolog, &v, "a")).unwrap();
    Vmm::execute(&d, &vmm(VmmAction::Deploy, &v, "a")).unwrap();
    Vmm::execute(&d, &vmm(VmmAction::Save, &v, "a")).unwrap();
    assert!(d.domains("a").is_empty());
    Tm::execute(&d, &tm(TmAction::EpilogStop, &v, "a")).unwrap();
    assert!(d.files("a", 9).is_empty());
    assert_eq!(d.frontend_files(9).len(), 4, "{:?}", d.frontend_files(9));
    Tm::execute(&d, &tm(TmAction::PrologResume, &v, "b")).unwrap();
    Vmm::execute(&d, &vmm(VmmAction::Restore, &v, "b")).unwrap();
    assert_eq!(d.domains("b"), [9]);
    assert!(!d.files("b", 9).contains(&"vms/9/checkpoint".to_owned()), "restore consumes the checkpoint");
    let mut live = vmm(VmmAction::Migrate, &v, "b");
    live.target = Some(host("c"));
    Vmm::execute(&d, &live).unwrap();
    assert!(d.domains("b").is_empty());
    assert_eq!(d.domains("c"), [9]);
    // A restore without a checkpoint fails and leaves nothing.
    let w = vm(10, "");
    assert!(Vmm::execute(&d, &vmm(VmmAction::Restore, &w, "a")).is_err());
    assert!(d.domains("a").is_empty() && d.files("a", 10).is_empty());
}

#[test]
fn capacity_failures_and_datastores() {
    let d = Dummy::new(DummySettings::default());
    let mut big = host("big");
    big.template = Template::parse("DUMMY_CPU = 3200\nDUMMY_MEMORY = 1048576").unwrap();
    let r = Im::monitor(&d, &big).unwrap();
    assert_eq!((r.total_cpu, r.total_memory), (3200, 1_048_576));
    assert_eq!(r.info.get_all("PCI").count(), 0);
    big.template.set("DUMMY_PCI_DEVICES", "45");
    let r = Im::monitor(&d, &big).unwrap();
    let pci: Vec<_> = r.info.get_all("PCI").filter_map(|a| a.value.as_vector()).collect();
    assert_eq!(pci.len(), 45);
    let addresses: std::collections::BTreeSet<&str> =
        pci.iter().filter_map(|p| p.iter().find(|(k, _)| k == "ADDRESS").map(|(_, v)| v.as_str())).collect();
    assert_eq!(addresses.len(), 45, "every device has its own address");
    let size: usize = r.info.to_text().len();
    // ~20 KB as a template, ~38 KB once rendered in the host document (CDATA per value).
    assert!((15_000..30_000).contains(&size), "about 20 KB of template text, got {size}");
    let mut broken = host("broken");
    broken.template = Template::parse("DUMMY_FAIL = \"MONITOR\"").unwrap();
    assert!(Im::monitor(&d, &broken).is_err());

    let ds = DatastoreRef {
        id: 1,
        ds_mad: "dummy".into(),
        tm_mad: "dummy".into(),
        base_path: "/var/lib/one/datastores/1".into(),
        template: Template::parse("DUMMY_SIZE_MB = 10000").unwrap(),
    };
    let req = |action, id, t: &str| DsRequest {
        action,
        image_id: id,
        image_xml: String::new(),
        template: Template::parse(t).unwrap(),
        datastore: ds.clone(),
        clone_source: None,
        snapshot_id: -1,
    };
    let reply = Ds::execute(&d, &req(DsAction::Copy, 5, "SIZE = 300")).unwrap();
    assert_eq!(reply.source.as_deref(), Some("/var/lib/one/datastores/1/5"));
    assert_eq!(d.monitor_ds(&ds), DsCapacity { total_mb: 10000, free_mb: 9700, used_mb: 300 });
    Ds::execute(&d, &req(DsAction::Remove, 5, "")).unwrap();
    assert_eq!(d.monitor_ds(&ds).used_mb, 0);
    assert!(Ds::execute(&d, &req(DsAction::Copy, 6, "DUMMY_FAIL = \"COPY\"")).is_err());
}

impl Dummy {
    fn monitor_ds(&self, ds: &DatastoreRef) -> DsCapacity {
        Ds::monitor(self, ds).unwrap()
    }
}
