//! Users as an operator sees them: create, read, update, passwords, tokens, groups, quotas.

use oca::UpdateType::{Merge, Replace};
use one_tests::Oned;

use crate::{code, message};

#[tokio::test]
async fn allocate_info_and_defaults() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c.user_allocate("alice", "secret", "", &[]).await.unwrap();
    assert_eq!(id, 2, "new users start after oneadmin and serveradmin");
    let u = c.user_info(id).await.unwrap();
    assert_eq!((u.name.as_str(), u.gid, u.gname.as_str()), ("alice", 1, "users"));
    assert_eq!(u.groups, [1]);
    assert_eq!(u.auth_driver, "core");
    assert_eq!(
        u.password, "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b",
        "sha256 of the password"
    );
    assert!(u.enabled);
    assert_eq!(u.template.get("TOKEN_PASSWORD").map(str::len), Some(64));
    // -1 is the caller.
    assert_eq!(c.user_info(-1).await.unwrap().name, "oneadmin");
    // Explicit groups: the first is the primary one.
    let g = c.group_allocate("dev").await.unwrap();
    let bob = c.user_allocate("bob", "pw", "core", &[g, 1]).await.unwrap();
    let u = c.user_info(bob).await.unwrap();
    assert_eq!((u.gid, u.gname.as_str(), u.groups.clone()), (g, "dev", vec![1, g]));
    assert_eq!(c.group_info(g).await.unwrap().users, [bob]);
}

#[tokio::test]
async fn allocate_refuses_bad_names_passwords_groups_and_duplicates() {
    let oned = Oned::start();
    let c = oned.client();
    c.user_allocate("alice", "secret", "", &[]).await.unwrap();
    let cases: [(&str, &str, &[i32], &str); 6] = [
        ("alice", "x", &[], "[one.user.allocate] NAME is already taken by USER 2."),
        ("", "x", &[], "[one.user.allocate] Invalid NAME, it cannot be empty."),
        ("a b", "x", &[], "[one.user.allocate] Invalid NAME, char ' ' is not allowed."),
        ("carol", "", &[], "[one.user.allocate] Invalid password, it cannot be empty."),
        ("carol", "a b", &[], "[one.user.allocate] Invalid password, character ' ' is not allowed."),
        ("carol", "x", &[555], "[one.user.allocate] Error getting group [555]."),
    ];
    for (name, pw, groups, expected) in cases {
        assert_eq!(message(c.user_allocate(name, pw, "", groups).await), expected);
    }
    assert_eq!(c.userpool_info().await.unwrap().len(), 3, "nothing was created");
}

#[tokio::test]
async fn update_replaces_or_merges_the_template() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c.user_allocate("alice", "secret", "", &[]).await.unwrap();
    c.user_update(id, "A = 1\nB = [ C = 2 ]", Replace).await.unwrap();
    let t = c.user_info(id).await.unwrap().template;
    assert_eq!((t.get("A"), t.get("TOKEN_PASSWORD")), (Some("1"), None));
    c.user_update(id, "<TEMPLATE><A><![CDATA[9]]></A><D>x</D></TEMPLATE>", Merge).await.unwrap();
    let t = c.user_info(id).await.unwrap().template;
    assert_eq!((t.get("A"), t.get("D")), (Some("9"), Some("x")));
    assert_eq!(t.vector("B").unwrap(), [("C".to_owned(), "2".to_owned())]);
    use oca::Value;
    let wrong_type =
        c.call("one.user.update", vec![Value::Integer(id), Value::String("A=1".into()), Value::Integer(5)]);
    assert_eq!(message(wrong_type.await), "[one.user.update] Wrong update type");
    let broken = message(c.user_update(id, "A = \"unterminated", Replace).await);
    assert!(broken.starts_with("[one.user.update] Cannot update template. Parse error: "), "{broken}");
    assert_eq!(c.user_info(id).await.unwrap().template, t, "failed updates change nothing");
}

#[tokio::test]
async fn passwords_and_login_tokens() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c.user_allocate("alice", "old", "", &[]).await.unwrap();
    let alice = oned.client_as("alice:old");
    assert_eq!(alice.user_info(-1).await.unwrap().id, id);
    // A user may change its own password; the old one stops working.
    alice.user_passwd(id, "new").await.unwrap();
    assert_eq!(code(alice.user_info(-1).await), 0x100);
    let alice = oned.client_as("alice:new");
    // Tokens work in place of the password, can be listed, and revoked.
    let token = alice.user_login("alice", "", 3600, -1).await.unwrap();
    assert_eq!(token.len(), 64);
    let by_token = oned.client_as(&format!("alice:{token}"));
    assert_eq!(by_token.user_info(-1).await.unwrap().name, "alice");
    let u = c.user_info(id).await.unwrap();
    assert_eq!(u.login_tokens.len(), 1);
    assert_eq!(u.login_tokens[0].token, token);
    assert_eq!(u.login_tokens[0].egid, -1);
    alice.user_login("alice", &token, 0, -1).await.unwrap();
    assert_eq!(code(by_token.user_info(-1).await), 0x100, "revoked");
    assert_eq!(
        message(alice.user_login("alice", "nope", 0, -1).await),
        format!("[one.user.login] Could not find token: nope")
    );
    // A token bound to a group acts only through that group.
    let g = c.group_allocate("dev").await.unwrap();
    c.user_addgroup(id, g).await.unwrap();
    let scoped = alice.user_login("alice", "", -1, g).await.unwrap();
    let scoped = oned.client_as(&format!("alice:{scoped}"));
    assert_eq!(scoped.group_info(-1).await.unwrap().id, g);
    assert_eq!(
        message(alice.user_login("alice", "", 60, 0).await),
        "[one.user.login] EGID is not in user group list"
    );
    // An expired token fails, and changing the password revokes every token.
    let short = alice.user_login("alice", "", 1, -1).await.unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(code(oned.client_as(&format!("alice:{short}")).user_info(-1).await), 0x100);
    c.user_passwd(id, "newer").await.unwrap();
    assert!(c.user_info(id).await.unwrap().login_tokens.is_empty());
    assert_eq!(
        message(c.user_login("nobody", "", 60, -1).await),
        "[one.user.login] Error getting user Pool."
    );
}

#[tokio::test]
async fn groups_of_a_user() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let g = c.group_allocate("dev").await.unwrap();
    c.user_addgroup(id, g).await.unwrap();
    assert_eq!(message(c.user_addgroup(id, g).await), "[one.user.addgroup] User is already in this group");
    assert_eq!(c.user_info(id).await.unwrap().groups, [1, g]);
    assert_eq!(
        message(c.user_delgroup(id, 1).await),
        "[one.user.delgroup] Cannot remove user from the primary group"
    );
    // chgrp into a group the user is in keeps the old primary group as secondary.
    c.user_chgrp(id, g).await.unwrap();
    let u = c.user_info(id).await.unwrap();
    assert_eq!((u.gid, u.groups.clone()), (g, vec![1, g]));
    c.user_delgroup(id, 1).await.unwrap();
    assert_eq!(c.user_info(id).await.unwrap().groups, [g]);
    // chgrp into a new group drops the old primary group.
    c.user_chgrp(id, 1).await.unwrap();
    assert_eq!(c.user_info(id).await.unwrap().groups, [1]);
    assert_eq!(message(c.user_chgrp(id, 777).await), "[one.user.chgrp] Error getting group [777].");
    assert_eq!(message(c.user_chgrp(id, -5).await), "[one.user.chgrp] Wrong group ID");
    assert_eq!(
        message(c.user_chgrp(0, 1).await),
        "[one.user.chgrp] user [0] oneadmin cannot be moved outside of the group [0] oneadmin"
    );
}

#[tokio::test]
async fn enable_chauth_quota_and_delete() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let alice = oned.client_as("alice:pw");
    c.user_enable(id, false).await.unwrap();
    assert!(!c.user_info(id).await.unwrap().enabled);
    assert_eq!(code(alice.user_info(-1).await), 0x100, "disabled users cannot log in");
    c.user_enable(id, true).await.unwrap();
    alice.user_info(-1).await.unwrap();
    assert_eq!(
        message(c.user_enable(0, false).await),
        "[one.user.enable] Cannot enable/disable oneadmin user"
    );

    c.user_quota(
        id,
        "VM = [ VMS = 10, CPU = 4 ]
DATASTORE = [ ID = 1, SIZE = 2048 ]",
    )
    .await
    .unwrap();
    let q = c.user_info(id).await.unwrap().quotas;
    use one_core::objects::quotas::QuotaKind;
    assert_eq!(q.section(QuotaKind::Vm).len(), 1);
    assert_eq!(q.section(QuotaKind::Datastore)[0].key, "1");
    let bad = message(c.user_quota(id, "VM = [ VMS = -7 ]").await);
    assert_eq!(bad, "[one.user.quota] Negative limits or bad format in quota VM_QUOTA = [ VMS=-7 ]");
    assert_eq!(c.user_info(id).await.unwrap().quotas, q, "refused quotas change nothing");
    assert_eq!(
        message(c.user_quota(0, "VM=[VMS=1]").await),
        "[one.user.quota] Cannot set quotas for oneadmin user"
    );

    c.user_chauth(id, "public", "").await.unwrap();
    assert_eq!(c.user_info(id).await.unwrap().auth_driver, "public");
    assert_eq!(code(alice.user_info(-1).await), 0x100, "the public driver never authenticates");
    c.user_chauth(id, "core", "again").await.unwrap();
    oned.client_as("alice:again").user_info(-1).await.unwrap();

    c.user_delete(id).await.unwrap();
    assert_eq!(message(c.user_info(id).await), format!("[one.user.info] Error getting user [{id}]."));
    assert!(!c.group_info(1).await.unwrap().users.contains(&id));
    assert_eq!(
        message(c.user_delete(0).await),
        "[one.user.delete] Cannot delete user. oneadmin cannot be deleted."
    );
}

#[tokio::test]
async fn default_quotas() {
    let oned = Oned::start();
    let c = oned.client();
    assert!(c.userquota_info().await.unwrap().is_empty());
    let q = c.userquota_update("VM = [ VMS = 5 ]").await.unwrap();
    assert_eq!(q, c.userquota_info().await.unwrap());
    assert!(c.userquota_info_xml().await.unwrap().contains("<VMS><![CDATA[5]]></VMS>"));
    // The defaults show in every user's document.
    assert!(c.user_info_xml(0).await.unwrap().contains("<DEFAULT_USER_QUOTAS><DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA><VM_QUOTA><VM>"));
    assert_eq!(
        message(c.userquota_update("VM = [ VMS = -1 ]").await),
        "[one.userquota.update] Negative limits or bad format in quota VM_QUOTA = [ VMS=-1 ]"
    );
    c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let denied = message(oned.client_as("alice:pw").userquota_update("VM=[VMS=1]").await);
    assert_eq!(
        denied,
        "[one.userquota.update] User [2] : The default quotas can only be updated by users in the oneadmin group."
    );
    c.groupquota_update("DATASTORE = [ ID = 1, IMAGES = 3 ]").await.unwrap();
    assert!(c.group_info_xml(1).await.unwrap().contains("<DEFAULT_GROUP_QUOTAS><DATASTORE_QUOTA><DATASTORE><ID><![CDATA[1]]></ID><IMAGES><![CDATA[3]]></IMAGES>"));
}
