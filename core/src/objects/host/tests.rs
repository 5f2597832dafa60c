//! Host tests: byte-for-byte comparison with OpenNebula 7.4's host.xml and hostpool.xml, both
//! read back and rebuilt from scratch through the domain rules, and the state rules.

use super::*;
use crate::template::Attribute;
use crate::xml::parse;

const HOST: &str = include_str!("../../../golden/host.xml");
const HOSTPOOL: &str = include_str!("../../../golden/hostpool.xml");

fn golden_host() -> Host {
    let pool = parse(HOSTPOOL.trim_end()).unwrap();
    hosts_from_pool(&pool).unwrap().remove(0)
}

#[test]
fn golden_documents_read_back_byte_for_byte() {
    let hosts = hosts_from_pool(&parse(HOSTPOOL.trim_end()).unwrap()).unwrap();
    assert_eq!(host_pool_xml(&hosts), HOSTPOOL.trim_end());
    let host = Host::from_xml(HOST.trim_end()).unwrap();
    assert_eq!(host.to_xml(), HOST.trim_end());
    assert!(host.monitoring.is_some() && hosts[0].monitoring.is_none());
    assert_eq!(host.share.pci_devices.len(), 22);
    assert_eq!(host.share.numa_nodes.len(), 2);
    assert_eq!(host.vms, [0, 1, 2, 3, 4]);
}

/// The system report a dummy host sends, reconstructed from the sample's results.
fn system_report(sample: &Host) -> Template {
    let mut report = Template::new();
    for a in sample.template.attributes() {
        if !matches!(a.name.as_str(), "IM_MAD" | "VM_MAD" | "RESERVED_CPU" | "RESERVED_MEM") {
            report.push(a.clone());
        }
    }
    let s = &sample.share;
    report.set("DS_LOCATION_TOTAL_MB", s.max_disk.to_string());
    report.set("DS_LOCATION_FREE_MB", s.free_disk.to_string());
    report.set("DS_LOCATION_USED_MB", s.used_disk.to_string());
    for pci in s.pci_devices.list().iter() {
        report.push(Attribute::vector(
            "PCI",
            pci.iter().filter(|(k, _)| k != "VMID").map(|(k, v)| (k, v.clone())),
        ));
    }
    for node in &s.numa_nodes {
        let node_id = node.get("NODE_ID").unwrap().to_owned();
        for a in node.attributes() {
            let Some(v) = a.value.as_vector() else { continue };
            let get = |k: &str| vector_value(v, k).unwrap().to_owned();
            let with_node = |pairs: Vec<(&'static str, String)>| {
                let mut all = vec![("NODE_ID", node_id.clone())];
                all.extend(pairs);
                all
            };
            match a.name.as_str() {
                "CORE" => {
                    let all = get("CPUS");
                    let cpus: Vec<&str> = all.split(',').map(|c| c.split(':').next().unwrap()).collect();
                    report.push(Attribute::vector(
                        "CORE",
                        with_node(vec![("ID", get("ID")), ("CPUS", cpus.join(","))]),
                    ));
                }
                "HUGEPAGE" => report.push(Attribute::vector(
                    "HUGEPAGE",
                    with_node(vec![("SIZE", get("SIZE")), ("PAGES", get("PAGES")), ("FREE", get("PAGES"))]),
                )),
                "MEMORY" => report.push(Attribute::vector(
                    "MEMORY_NODE",
                    with_node(vec![
                        ("TOTAL", get("TOTAL")),
                        ("DISTANCE", get("DISTANCE")),
                        ("FREE", "1".into()),
                    ]),
                )),
                _ => {}
            }
        }
    }
    report
}

fn default_cluster_template() -> Template {
    Template::parse("RESERVED_CPU=\"\"\nRESERVED_MEM=\"\"").unwrap()
}

/// dummy-host-0 as OpenNebula built it: allocated, monitored once, five VMs of CPU 0.1 and
/// 64 MB deployed.
fn rebuilt_host() -> Host {
    let sample = golden_host();
    let mut host = Host::new(0, "dummy-host-0", "dummy", "dummy", 0, "default");
    assert!(!host.save_state());
    assert!(host.apply_system_report(&system_report(&sample), Some(&default_cluster_template())));
    for vmid in 0..5 {
        let cap = VmCapacity::from_template(vmid, &Template::parse("CPU=0.1\nMEMORY=64\nVCPU=1").unwrap());
        host.add_capacity(&cap).unwrap();
    }
    assert!(host.save_state());
    host
}

#[test]
fn pool_rebuilt_through_the_domain_rules_matches_opennebula() {
    assert_eq!(host_pool_xml([&rebuilt_host()]), HOSTPOOL.trim_end());
}

#[test]
fn info_with_monitoring_matches_opennebula() {
    let sample = Host::from_xml(HOST.trim_end()).unwrap();
    let mut report = Template::parse(
        "FREECPU=586\nUSEDCPU=214\nFREEMEMORY=10597724\nUSEDMEMORY=6179492\n\
         NETRX=50104108822222\nNETTX=1241307203246698",
    )
    .unwrap();
    for m in &sample.monitoring.as_ref().unwrap().numa_nodes {
        let id = m.get("NODE_ID").unwrap();
        for page in m.get_all("HUGEPAGE") {
            let v = page.value.as_vector().unwrap();
            let pairs = [
                ("NODE_ID", id),
                ("SIZE", vector_value(v, "SIZE").unwrap()),
                ("FREE", vector_value(v, "FREE").unwrap()),
            ];
            report.push(Attribute::vector("HUGEPAGE", pairs.map(|(k, v)| (k, v.to_owned()))));
        }
        let mem = m.vector("MEMORY").unwrap();
        let pairs = [
            ("NODE_ID", id),
            ("USED", vector_value(mem, "USED").unwrap()),
            ("FREE", vector_value(mem, "FREE").unwrap()),
        ];
        report.push(Attribute::vector("MEMORY_NODE", pairs.map(|(k, v)| (k, v.to_owned()))));
    }
    let mut host = rebuilt_host();
    host.monitoring = Some(HostMonitoring::from_report(0, 1_795_608_566, &report));
    assert_eq!(host.to_xml(), HOST.trim_end());
}

#[test]
fn new_host_document() {
    let h = Host::new(3, "node-1", "kvm", "kvm", 0, "default");
    assert_eq!(
        h.to_xml(),
        "<HOST><ID>3</ID><NAME>node-1</NAME><STATE>0</STATE><PREV_STATE>0</PREV_STATE>\
         <IM_MAD><![CDATA[kvm]]></IM_MAD><VM_MAD><![CDATA[kvm]]></VM_MAD><CLUSTER_ID>0</CLUSTER_ID>\
         <CLUSTER>default</CLUSTER><HOST_SHARE><MEM_USAGE>0</MEM_USAGE><CPU_USAGE>0</CPU_USAGE>\
         <TOTAL_MEM>0</TOTAL_MEM><TOTAL_CPU>0</TOTAL_CPU><MAX_MEM>0</MAX_MEM><MAX_CPU>0</MAX_CPU>\
         <RUNNING_VMS>0</RUNNING_VMS><VMS_THREAD>1</VMS_THREAD><DATASTORES><DISK_USAGE><![CDATA[0]]></DISK_USAGE>\
         <FREE_DISK><![CDATA[0]]></FREE_DISK><MAX_DISK><![CDATA[0]]></MAX_DISK><USED_DISK><![CDATA[0]]></USED_DISK>\
         </DATASTORES><PCI_DEVICES></PCI_DEVICES><NUMA_NODES></NUMA_NODES></HOST_SHARE><VMS></VMS><TEMPLATE>\
         <IM_MAD><![CDATA[kvm]]></IM_MAD><RESERVED_CPU><![CDATA[]]></RESERVED_CPU><RESERVED_MEM><![CDATA[]]></RESERVED_MEM>\
         <VM_MAD><![CDATA[kvm]]></VM_MAD></TEMPLATE><MONITORING/></HOST>"
    );
    assert_eq!(Host::from_xml(&h.to_xml()).unwrap().to_xml(), h.to_xml());
    assert_eq!((h.cluster_ids(), PoolObject::state(&h)), (vec![0], 0));
    let mut with_ct = h.clone();
    with_ct.cluster_template = Some(default_cluster_template());
    assert!(with_ct.to_xml().ends_with(
        "<MONITORING/><CLUSTER_TEMPLATE><RESERVED_CPU><![CDATA[]]></RESERVED_CPU>\
         <RESERVED_MEM><![CDATA[]]></RESERVED_MEM></CLUSTER_TEMPLATE></HOST>"
    ));
    let back = Host::from_xml(&with_ct.to_xml()).unwrap();
    assert_eq!((back.to_xml(), back.cluster_template.is_some()), (with_ct.to_xml(), true));
}

#[test]
fn status_transitions() {
    let mut h = rebuilt_host();
    assert_eq!(h.state, HostState::Monitored);
    h.set_status(STATUS_DISABLED).unwrap();
    assert_eq!(h.state, HostState::Disabled);
    // A DISABLED host stays DISABLED when reports arrive, and is MONITORED when re-enabled.
    h.apply_system_report(&Template::parse("TOTALCPU=800\nTOTALMEMORY=16777216").unwrap(), None);
    assert_eq!(h.state, HostState::Disabled);
    h.set_status(STATUS_ENABLED).unwrap();
    assert_eq!(h.state, HostState::Monitored);
    // Enabling a host that is not DISABLED sends it back to INIT.
    h.set_status(STATUS_ENABLED).unwrap();
    assert_eq!(h.state, HostState::Init);
    h.set_status(STATUS_OFFLINE).unwrap();
    assert_eq!(h.state, HostState::Offline);
    assert_eq!((h.share.total_cpu, h.share.max_cpu, h.share.total_mem, h.share.max_mem), (0, 0, 0, 0));
    assert_eq!((h.template.get("TOTALCPU"), h.template.get("TOTALMEMORY")), (None, None));
    assert_eq!(h.share.cpu_usage, 50, "allocations survive");
    assert!(!h.apply_system_report(&Template::parse("TOTALCPU=800").unwrap(), None));
    assert_eq!(h.state, HostState::Offline);
    h.set_status(STATUS_DISABLED).unwrap();
    h.set_status(STATUS_ENABLED).unwrap();
    assert_eq!(h.state, HostState::Init, "no capacity data after OFFLINE");
    assert_eq!(h.set_status(3), Err("Wrong status code".to_owned()));
    assert!(h.apply_system_report(&Template::parse("TOTALCPU=400\nTOTALMEMORY=1024").unwrap(), None));
    assert_eq!((h.state, h.share.total_cpu, h.share.max_mem), (HostState::Monitored, 400, 1024));
    assert!(schedulable(h.state));
    for s in [HostState::Init, HostState::Error, HostState::Disabled, HostState::Offline] {
        assert!(!schedulable(s), "{s}");
    }
}

#[test]
fn errors_and_reports() {
    let mut h = Host::new(2, "h2", "dummy", "dummy", 0, "default");
    h.set_error("ssh failed", "Thu Aug 20 10:58:25 2026");
    assert_eq!(h.state, HostState::Error);
    assert_eq!(
        h.template.get("ERROR"),
        Some("Thu Aug 20 10:58:25 2026 : Error monitoring Host h2 (2): ssh failed")
    );
    let report = Template::parse(
        "TOTALCPU=200\nTOTALMEMORY=2048\nVM=[ID=-1,VM_NAME=alien,DEPLOY_ID=x]\nVM=[ID=4,DEPLOY_ID=one-4]\n\
         VM=[ID=-1,DEPLOY_ID=dep-9]\nVM_POLL=YES",
    )
    .unwrap();
    let cluster = Template::parse("RESERVED_CPU=50\nRESERVED_MEM=10%").unwrap();
    h.apply_system_report(&report, Some(&cluster));
    assert_eq!(h.state, HostState::Monitored);
    assert_eq!(h.template.get("ERROR"), None);
    assert_eq!((h.template.get("TOTAL_WILDS"), h.template.get("WILDS")), (Some("2"), Some("alien, dep-9")));
    assert_eq!(h.template.get_all("VM").count(), 2);
    assert_eq!((h.share.max_cpu, h.share.max_mem), (150, 1843));
    // The host's own reservation wins over the cluster's; update recomputes the limits.
    h.template.set("RESERVED_CPU", "-100");
    h.template.set("VM_MAD", "");
    h.post_update(Some(&cluster));
    assert_eq!((h.share.max_cpu, h.share.max_mem, h.vm_mad.as_str()), (300, 1843, "dummy"));
    assert_eq!(h.template.get("VM_MAD"), Some("dummy"));
    // A cluster change applies only where the host has no reservation of its own.
    assert!(h.update_reserved_from_cluster(&Template::parse("RESERVED_CPU=0\nRESERVED_MEM=0").unwrap()));
    assert_eq!((h.share.max_cpu, h.share.max_mem), (300, 2048));
    h.template.set("RESERVED_MEM", "1");
    assert!(!h.update_reserved_from_cluster(&cluster));
    h.set_zombies(&[7, 3, 7]);
    assert_eq!((h.template.get("TOTAL_ZOMBIES"), h.template.get("ZOMBIES")), (Some("2"), Some("3, 7")));
    h.set_zombies(&[]);
    assert_eq!(h.template.get("ZOMBIES"), None);
}

#[test]
fn vm_allocations() {
    let mut h = Host::new(0, "h", "dummy", "dummy", 0, "default");
    let cap = VmCapacity { vmid: 9, cpu: 150, mem: 1024, disk: 20 };
    h.add_capacity(&cap).unwrap();
    h.add_capacity(&VmCapacity { vmid: 2, ..cap }).unwrap();
    assert_eq!(h.add_capacity(&cap), Err("VM 9 is already in host 0.".to_owned()));
    assert_eq!((h.vms.as_slice(), h.share.cpu_usage, h.share.running_vms), ([2, 9].as_slice(), 300, 2));
    h.del_capacity(&cap).unwrap();
    assert_eq!(h.del_capacity(&cap), Err("VM 9 is not in host 0.".to_owned()));
    assert_eq!((h.vms.as_slice(), h.share.mem_usage, h.share.disk_usage), ([2].as_slice(), 1024, 20));
}

#[test]
fn allocation_checks() {
    assert_eq!(check_hostname("node-1.example"), Ok(()));
    assert!(check_hostname("a").unwrap_err().contains("length"));
    assert_eq!(check_hostname("-ab"), Err("Invalid HOSTNAME, first character can't be '-'".to_owned()));
    assert_eq!(check_hostname("ab_"), Err("Invalid HOSTNAME, last character can't be '_'".to_owned()));
    assert_eq!(
        check_hostname("a b"),
        Err("Invalid HOSTNAME, ' ' is invalid character for a HOSTNAME".to_owned())
    );
    assert_eq!(check_drivers("", "kvm"), Err("IM_MAD_NAME cannot be empty.".to_owned()));
    assert_eq!(check_drivers("kvm", ""), Err("VMM_MAD_NAME cannot be empty.".to_owned()));
    assert_eq!(check_drivers("kvm", "kvm"), Ok(()));
}
