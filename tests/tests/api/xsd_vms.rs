//! The documents of hosts, clusters, datastores and VMs validate against OpenNebula's XSDs,
//! with their optional parts filled in: monitoring, history, devices, snapshots, errors.

use oca::{ClusterMember, UpdateType, VmFilter};
use one_tests::{Oned, validate_xsd};

use super::cloud::{dummy_host, running_vm, wait_running, wait_vm};

#[tokio::test]
async fn infrastructure_and_vm_documents_validate() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let cl = c.cluster_allocate("production").await.unwrap();
    let h2 = dummy_host(&c, "node2").await;
    c.cluster_member(cl, ClusterMember::Host, h2, true).await.unwrap();
    c.cluster_update(cl, "RESERVED_CPU = \"10\"", UpdateType::Replace).await.unwrap();
    c.host_update(h, "NOTE = \"<rack 4>\"", UpdateType::Merge).await.unwrap();

    let template = "NAME = full\nCPU = 0.5\nVCPU = 2\nMEMORY = 256\n\
                    DISK = [ TYPE = fs, SIZE = 64 ]\nNIC = [ BRIDGE = br0 ]\n\
                    CONTEXT = [ NETWORK = YES ]\nGRAPHICS = [ TYPE = vnc ]\nLABELS = \"a,b\"";
    let id = running_vm(&c, template, h).await.meta.id;
    c.vm_snapshot_create(id, "s1").await.unwrap();
    wait_running(&c, id).await;
    c.vm_attach_disk(id, "DISK = [ TYPE = swap, SIZE = 16 ]").await.unwrap();
    wait_running(&c, id).await;
    let failed = c.vm_allocate("NAME = f\nCPU = 1\nMEMORY = 64\nDUMMY_FAIL = DEPLOY", false).await.unwrap();
    c.vm_deploy(failed, h, false, -1).await.unwrap();
    wait_vm(&c, failed, one_core::states::VmState::Active, one_core::states::LcmState::BootFailure).await;
    let held = c.vm_allocate("NAME = h\nCPU = 1\nMEMORY = 64", true).await.unwrap();
    c.vm_lock(held, 1).await.unwrap();
    let done = running_vm(&c, "NAME = d\nCPU = 1\nMEMORY = 64", h).await.meta.id;
    c.vm_action("terminate-hard", done).await.unwrap();
    wait_vm(&c, done, one_core::states::VmState::Done, one_core::states::LcmState::LcmInit).await;

    let all = VmFilter { state: -2, ..VmFilter::default() };
    let docs = [
        (c.host_info_xml(h).await.unwrap(), "host.xsd"),
        (c.host_info_xml(h2).await.unwrap(), "host.xsd"),
        (c.hostpool_info_xml().await.unwrap(), "host_pool.xsd"),
        (c.cluster_info_xml(0).await.unwrap(), "cluster.xsd"),
        (c.cluster_info_xml(cl).await.unwrap(), "cluster.xsd"),
        (c.clusterpool_info_xml().await.unwrap(), "cluster_pool.xsd"),
        (c.datastore_info_xml(0).await.unwrap(), "datastore.xsd"),
        (c.datastore_info_xml(1).await.unwrap(), "datastore.xsd"),
        (c.datastorepool_info_xml().await.unwrap(), "datastore_pool.xsd"),
        (c.vm_info_xml(id).await.unwrap(), "vm.xsd"),
        (c.vm_info_xml(failed).await.unwrap(), "vm.xsd"),
        (c.vm_info_xml(held).await.unwrap(), "vm.xsd"),
        (c.vm_info_xml(done).await.unwrap(), "vm.xsd"),
        (c.vmpool_info_xml(&all).await.unwrap(), "vm_pool.xsd"),
        (c.vmpool_info_extended_xml(&all).await.unwrap(), "vm_pool_extended.xsd"),
        (c.vmpool_info_set_xml(&format!("{id},{held}"), false).await.unwrap(), "vm_pool.xsd"),
        (c.vmpool_info_set_xml(&format!("{id},{held}"), true).await.unwrap(), "vm_pool_extended.xsd"),
        (c.vm_monitoring_xml(id).await.unwrap(), "monitoring_data.xsd"),
        (c.vmpool_monitoring_xml(-2, -1).await.unwrap(), "monitoring_data.xsd"),
        (c.vmpool_accounting_xml(-2, -1, -1).await.unwrap(), "acct.xsd"),
    ];
    // Host monitoring has no schema of its own: each record is the host's MONITORING element.
    for doc in [c.host_monitoring_xml(h).await.unwrap(), c.hostpool_monitoring_xml(-1).await.unwrap()] {
        let root = one_core::xml::parse(&doc).unwrap();
        assert_eq!(root.name, "MONITORING_DATA");
        let records: Vec<_> = root.children_named("MONITORING").collect();
        assert!(!records.is_empty(), "{doc}");
        for r in records {
            let names: Vec<&str> = r.children.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(&names[..3], ["TIMESTAMP", "ID", "CAPACITY"], "{doc}");
        }
    }
    for (doc, xsd) in docs {
        if let Err(e) = validate_xsd(&doc, xsd) {
            panic!("{xsd}: {e}\n{doc}");
        }
    }
}
