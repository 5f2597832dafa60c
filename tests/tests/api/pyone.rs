//! OpenNebula's own Python client (pyone, from PyPI) against the real oned.

use std::process::Command;

use one_tests::{Oned, python};

#[tokio::test]
async fn pyone_drives_users_groups_and_acls() {
    let oned = Oned::start();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pyone/users_groups_acls.py");
    let out = Command::new(python())
        .arg(&script)
        .env("ONE_XMLRPC", oned.endpoint())
        .env("ONE_SESSION", oned.session())
        .env_remove("ONEAPI_PROTOCOL")
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pyone script failed:\n{stdout}\n{stderr}\noned log:\n{}", oned.log());
    assert!(stdout.contains("pyone: all checks passed"), "{stdout}");
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
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pyone/infra_vms.py");
    let out = Command::new(python())
        .arg(&script)
        .env("ONE_XMLRPC", oned.endpoint())
        .env("ONE_SESSION", oned.session())
        .env_remove("ONEAPI_PROTOCOL")
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pyone script failed:\n{stdout}\n{stderr}\noned log:\n{}", oned.log());
    assert!(stdout.contains("pyone: all checks passed"), "{stdout}");
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
