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
