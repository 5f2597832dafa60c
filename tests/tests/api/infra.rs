//! Hosts, clusters and datastores over the API: monitoring and host states, capacity,
//! cluster membership, the default datastores, and bad input refused with OpenNebula's codes
//! and messages without changing anything.

use oca::{ClusterMember, UpdateType};
use one_core::states::{DatastoreType, HostState};
use one_tests::Oned;

use super::cloud::{dummy_host, running_vm, wait_host};
use super::{code, message};

#[tokio::test]
async fn hosts_report_capacity_and_change_state_on_request() {
    let oned = Oned::start_configured("monitoring_interval = 1\n");
    let c = oned.client();
    let h = c.host_allocate("node1", "dummy", "dummy", -1).await.unwrap();
    let host = wait_host(&c, h, HostState::Monitored).await;
    assert_eq!((host.share.total_cpu, host.share.total_mem), (800, 16 * 1024 * 1024));
    assert_eq!((host.share.max_cpu, host.share.max_mem), (800, 16 * 1024 * 1024));
    assert_eq!(host.cluster_id, 0);
    assert_eq!(host.template.get("HYPERVISOR"), Some("dummy"));
    assert!(host.monitoring.is_some(), "the last monitoring record is shown");

    c.host_status(h, 1).await.unwrap();
    assert_eq!(c.host_info(h).await.unwrap().state, HostState::Disabled);
    c.host_status(h, 2).await.unwrap();
    let off = c.host_info(h).await.unwrap();
    assert_eq!((off.state, off.share.total_cpu), (HostState::Offline, 0));
    // An OFFLINE host takes no VM.
    let vm = c.vm_allocate("NAME = v\nCPU = 1\nMEMORY = 64", false).await.unwrap();
    let r = c.vm_deploy(vm, h, false, -1).await;
    assert_eq!(message(r), "[one.vm.deploy] Host is offline, cannot use it to deploy VM");
    c.host_status(h, 0).await.unwrap();
    wait_host(&c, h, HostState::Monitored).await;
    assert_eq!(code(c.host_status(h, 7).await), 0x2000);

    // The host's template sets its capacity (DUMMY_*) and a failing probe puts it in ERROR.
    c.host_update(h, "DUMMY_CPU = 1600\nDUMMY_FAIL = MONITOR", UpdateType::Merge).await.unwrap();
    let failed = wait_host(&c, h, HostState::Error).await;
    assert!(failed.template.vector("ERROR").is_some() || failed.template.get("ERROR").is_some());
    c.host_update(h, "DUMMY_FAIL = \"\"", UpdateType::Merge).await.unwrap();
    let back = wait_host(&c, h, HostState::Monitored).await;
    assert_eq!(back.share.total_cpu, 1600);

    // One record per round: the history is kept.
    let doc = c.host_monitoring_xml(h).await.unwrap();
    assert!(doc.matches("<MONITORING>").count() >= 2, "{doc}");
}

#[tokio::test]
async fn hosts_with_vms_stay_and_names_are_unique() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let vm = running_vm(&c, "NAME = v\nCPU = 1\nMEMORY = 64", h).await.meta.id;
    let before = c.host_info_xml(h).await.unwrap();
    assert_eq!(
        message(c.host_delete(h).await),
        "[one.host.delete] Cannot delete host. Can not remove a host with running VMs"
    );
    let r = c.host_allocate("node1", "dummy", "dummy", -1).await;
    assert_eq!(code(r), 0x4000);
    assert_eq!(
        message(c.host_allocate("node2", "nope", "dummy", -1).await),
        "[one.host.allocate] Error allocating a new host. Cannot find driver nope."
    );
    assert_eq!(code(c.host_allocate("node2", "dummy", "dummy", 42).await), 0x0400);
    assert_eq!(c.hostpool_info().await.unwrap().len(), 1);
    assert_eq!(c.host_info_xml(h).await.unwrap(), before);

    c.vm_action("terminate-hard", vm).await.unwrap();
    super::cloud::wait_vm(&c, vm, one_core::states::VmState::Done, one_core::states::LcmState::LcmInit).await;
    c.host_rename(h, "node9").await.unwrap();
    assert_eq!(c.host_info(h).await.unwrap().meta.name, "node9");
    c.host_delete(h).await.unwrap();
    assert_eq!(code(c.host_info(h).await), 0x0400);
    assert!(c.cluster_info(0).await.unwrap().hosts.is_empty(), "the cluster forgets the host");
}

#[tokio::test]
async fn clusters_group_hosts_datastores_and_networks() {
    let oned = Oned::start();
    let c = oned.client();
    let default = c.cluster_info(0).await.unwrap();
    assert_eq!(default.meta.name, "default");
    assert_eq!(default.datastores, vec![0, 1, 2]);

    let h = dummy_host(&c, "node1").await;
    let cl = c.cluster_allocate("production").await.unwrap();
    c.cluster_member(cl, ClusterMember::Host, h, true).await.unwrap();
    c.cluster_member(cl, ClusterMember::Datastore, 0, true).await.unwrap();
    let host = c.host_info(h).await.unwrap();
    assert_eq!((host.cluster_id, host.cluster.as_str()), (cl, "production"));
    assert!(c.cluster_info(0).await.unwrap().hosts.is_empty());
    let prod = c.cluster_info(cl).await.unwrap();
    assert_eq!((prod.hosts.clone(), prod.datastores.clone()), (vec![h], vec![0]));
    assert_eq!(c.datastore_info(0).await.unwrap().clusters, vec![0, cl]);

    // A VM placed on the host uses a system datastore of the host's cluster.
    let vm = running_vm(&c, "NAME = v\nCPU = 1\nMEMORY = 64", h).await;
    assert_eq!(vm.history[0].cid, cl);

    let r = c.cluster_delete(cl).await;
    assert_eq!(code(r), 0x0800, "a cluster with hosts stays");
    assert_eq!(code(c.cluster_member(cl, ClusterMember::Host, 99, true).await), 0x0400);
    assert_eq!(code(c.cluster_allocate("production").await), 0x4000);
    c.vm_action("terminate-hard", vm.meta.id).await.unwrap();
    super::cloud::wait_vm(
        &c,
        vm.meta.id,
        one_core::states::VmState::Done,
        one_core::states::LcmState::LcmInit,
    )
    .await;
    c.cluster_member(cl, ClusterMember::Host, h, false).await.unwrap();
    assert_eq!(c.host_info(h).await.unwrap().cluster_id, 0, "a host taken out goes back to default");
    c.cluster_member(cl, ClusterMember::Datastore, 0, false).await.unwrap();
    c.cluster_rename(cl, "staging").await.unwrap();
    c.cluster_delete(cl).await.unwrap();
    assert_eq!(c.clusterpool_info().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_default_datastores_and_new_ones() {
    let oned = Oned::start();
    let c = oned.client();
    let mut all = c.datastorepool_info().await.unwrap();
    assert_eq!(all[0].meta.id, 2, "pools list newest first (API_LIST_ORDER = DESC)");
    all.sort_by_key(|d| d.meta.id);
    let kinds: Vec<(i32, &str, DatastoreType)> =
        all.iter().map(|d| (d.meta.id, d.meta.name.as_str(), d.ds_type)).collect();
    assert_eq!(
        kinds,
        [
            (0, "system", DatastoreType::System),
            (1, "default", DatastoreType::Image),
            (2, "files", DatastoreType::File)
        ]
    );
    for d in &all {
        assert_eq!(d.tm_mad, "dummy");
    }

    let ds = c.datastore_allocate("NAME = fast\nTYPE = SYSTEM_DS\nTM_MAD = dummy", -1).await.unwrap();
    let info = c.datastore_info(ds).await.unwrap();
    assert_eq!((info.ds_type, info.clusters.clone()), (DatastoreType::System, vec![0]));
    assert!(c.cluster_info(0).await.unwrap().datastores.contains(&ds));
    c.datastore_enable(ds, false).await.unwrap();
    assert_eq!(c.datastore_info(ds).await.unwrap().state, one_core::states::DatastoreState::Disabled);
    c.datastore_enable(ds, true).await.unwrap();

    let count = c.datastorepool_info().await.unwrap().len();
    assert_eq!(code(c.datastore_allocate("NAME = bad\nTYPE = IMAGE_DS", -1).await), 0x4000);
    assert_eq!(code(c.datastore_allocate("NAME = fast\nTYPE = SYSTEM_DS\nTM_MAD = dummy", -1).await), 0x4000);
    assert_eq!(code(c.datastore_allocate("NAME = [", -1).await), 0x2000);
    assert_eq!(code(c.datastore_info(77).await), 0x0400);
    assert_eq!(c.datastorepool_info().await.unwrap().len(), count, "refusals create nothing");

    c.datastore_rename(ds, "faster").await.unwrap();
    c.datastore_chmod(ds, [1, 1, 0, 1, 0, 0, 0, 0, 0]).await.unwrap();
    c.datastore_delete(ds).await.unwrap();
    assert!(!c.cluster_info(0).await.unwrap().datastores.contains(&ds));
}
