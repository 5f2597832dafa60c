//! OpenNebula's own Python client (pyone, from PyPI) against the real oned: each script acts
//! as an operator would and checks what pyone parses; the Rust side then checks what oned
//! stored.

use std::process::Command;

use one_tests::{Oned, python};

/// Runs `tests/pyone/<script>` against `oned`; fails the test unless it printed `done`.
fn run_script(oned: &Oned, script: &str, done: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pyone").join(script);
    let out = Command::new(python())
        .arg(&path)
        .env("ONE_XMLRPC", oned.endpoint())
        .env("ONE_SESSION", oned.session())
        .env_remove("ONEAPI_PROTOCOL")
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} failed:\n{stdout}\n{stderr}\noned log:\n{}", oned.log());
    assert!(stdout.contains(done), "{stdout}");
}

#[tokio::test]
async fn pyone_drives_users_groups_and_acls() {
    let oned = Oned::start();
    run_script(&oned, "users_groups_acls.py", "pyone: all checks passed");
    // What pyone did is what oned stored.
    let c = oned.client();
    let users = c.userpool_info().await.unwrap();
    assert_eq!(users.len(), 2, "alice was deleted through pyone");
    assert!(c.group_info(100).await.is_err());
    assert_eq!(c.user_allocate("bob", "pw", "", &[]).await.unwrap(), 3, "pyone's user took ID 2");
}

#[tokio::test]
async fn pyone_drives_hosts_clusters_datastores_and_vms() {
    let oned = Oned::start();
    run_script(&oned, "infra_vms.py", "pyone: all checks passed");
    // What pyone did is what oned stored.
    let c = oned.client();
    let hosts = c.hostpool_info().await.unwrap();
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].meta.name, "node2");
    let all = oca::VmFilter { state: -2, ..oca::VmFilter::default() };
    let vms = c.vmpool_info(&all).await.unwrap();
    assert_eq!((vms.len(), vms[0].meta.name.as_str()), (1, "web-1"));
    assert_eq!(vms[0].state, one_core::states::VmState::Done);
}

#[tokio::test]
async fn pyone_drives_images() {
    let oned = Oned::start();
    run_script(&oned, "images.py", "pyone: image checks passed");
    let c = oned.client();
    assert!(c.imagepool_info(-2, -1, -1).await.unwrap().is_empty(), "pyone deleted its images");
    assert!(c.datastore_info(1).await.unwrap().images.is_empty());
}

#[tokio::test]
async fn pyone_drives_networks() {
    let oned = Oned::start();
    run_script(&oned, "vnets.py", "pyone: network checks passed");
    let c = oned.client();
    assert!(c.vnpool_info(-2, -1, -1).await.unwrap().is_empty(), "pyone deleted its networks");
    assert!(c.cluster_info(0).await.unwrap().vnets.is_empty());
}

#[tokio::test]
async fn pyone_runs_an_operators_day() {
    let oned = Oned::start();
    run_script(&oned, "templates.py", "pyone: operator checks passed");
    let c = oned.client();
    let vms = c.vmpool_info(&oca::VmFilter { state: -2, ..Default::default() }).await.unwrap();
    assert_eq!(vms.len(), 1);
    assert_eq!((vms[0].meta.name.as_str(), vms[0].state), ("web-1", one_core::states::VmState::Done));
    assert!(c.templatepool_info(-2, -1, -1).await.unwrap().is_empty());
    assert!(c.imagepool_info(-2, -1, -1).await.unwrap().is_empty());
}

#[tokio::test]
async fn pyone_drives_vm_groups() {
    let oned = Oned::start();
    run_script(&oned, "vmgroups.py", "pyone: vm group checks passed");
    let c = oned.client();
    assert!(c.vmgrouppool_info(-2, -1, -1).await.unwrap().is_empty(), "pyone deleted its groups");
    let all = oca::VmFilter { state: -2, ..Default::default() };
    let vms = c.vmpool_info(&all).await.unwrap();
    assert_eq!(vms.len(), 2);
    assert!(vms.iter().all(|v| v.state == one_core::states::VmState::Done));
    for v in &vms {
        let vm = c.vm_info(v.meta.id).await.unwrap();
        assert!(vm.template.vector("VMGROUP").is_some(), "done VMs keep their VMGROUP");
    }
}
