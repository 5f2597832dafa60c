//! Every acknowledged write survives `kill -9`, and IDs are never reused, even across restarts.

use one_core::acl::Rule;
use one_tests::Oned;

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let mut oned = Oned::start();
    let c = oned.client();
    let mut users = Vec::new();
    for i in 0..25 {
        users.push(c.user_allocate(&format!("u{i}"), "pw", "", &[]).await.unwrap());
    }
    let g = c.group_allocate("dev").await.unwrap();
    c.user_chgrp(users[0], g).await.unwrap();
    c.user_update(users[1], "KEY = \"value\"", oca::UpdateType::Merge).await.unwrap();
    let token = c.user_login("u2", "", 3600, -1).await.unwrap();
    let rule = c.acl_addrule(&Rule::parse("#3 HOST/* USE #0").unwrap()).await.unwrap();
    // The last write is acknowledged; kill at once, with no chance to flush.
    c.user_passwd(users[3], "last").await.unwrap();
    oned.kill9();
    oned.restart();

    let c = oned.client();
    let names: Vec<String> = c.userpool_info().await.unwrap().into_iter().map(|u| u.name).collect();
    for i in 0..25 {
        assert!(names.contains(&format!("u{i}")), "u{i} lost");
    }
    assert_eq!(c.user_info(users[0]).await.unwrap().gid, g);
    assert_eq!(c.user_info(users[1]).await.unwrap().template.get("KEY"), Some("value"));
    oned.client_as(&format!("u2:{token}")).user_info(-1).await.unwrap();
    oned.client_as("u3:last").user_info(-1).await.unwrap();
    assert!(c.acl_info().await.unwrap().iter().any(|e| e.id == rule));
}

#[tokio::test]
async fn ids_are_never_reused() {
    let mut oned = Oned::start();
    let c = oned.client();
    let u = c.user_allocate("a", "pw", "", &[]).await.unwrap();
    let g = c.group_allocate("g").await.unwrap();
    let r = c.acl_addrule(&Rule::parse("@1 HOST/#5 USE #0").unwrap()).await.unwrap();
    c.user_delete(u).await.unwrap();
    c.group_delete(g).await.unwrap();
    c.acl_delrule(r).await.unwrap();
    oned.kill9();
    oned.restart();
    let c = oned.client();
    assert_eq!(c.user_allocate("a", "pw", "", &[]).await.unwrap(), u + 1);
    // The new group adds three rules; the explicit one comes after them.
    let g2 = c.group_allocate("g").await.unwrap();
    assert_eq!(g2, g + 1);
    assert!(c.acl_addrule(&Rule::parse("@1 HOST/#5 USE #0").unwrap()).await.unwrap() > r + 3);
    // Failed allocations do not consume IDs either.
    assert!(c.user_allocate("a", "pw", "", &[]).await.is_err());
    assert_eq!(c.user_allocate("b", "pw", "", &[]).await.unwrap(), u + 2);
}

#[tokio::test]
async fn bootstrap_runs_once() {
    let mut oned = Oned::start();
    let first = oned.client().user_info(0).await.unwrap();
    std::fs::write(oned.dir.join("one_auth"), "oneadmin:another\n").unwrap();
    oned.restart();
    let again = oned.client().user_info(0).await.unwrap();
    assert_eq!(first.password, again.password, "credentials are only read for a new database");
    assert!(oned.dir.join("data/.one/sunstone_auth").exists());
}
