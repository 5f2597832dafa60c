//! What a plain user may do with users and groups without any ACL rule.

use one_tests::Oned;

use crate::{code, message};

#[tokio::test]
async fn a_plain_user_sees_itself_and_its_groups_only() {
    let oned = Oned::start();
    let c = oned.client();
    let g = c.group_allocate("dev").await.unwrap();
    let other = c.group_allocate("ops").await.unwrap();
    let alice = c.user_allocate("alice", "pw", "", &[1, g]).await.unwrap();
    c.user_allocate("bob", "pw", "", &[]).await.unwrap();
    let a = oned.client_as("alice:pw");
    let users: Vec<String> = a.userpool_info().await.unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(users, ["alice"]);
    let groups: Vec<i32> = a.grouppool_info().await.unwrap().into_iter().map(|g| g.id).collect();
    assert_eq!(groups, [g, 1]);
    assert_eq!(a.group_info(g).await.unwrap().name, "dev");
    assert_eq!(
        message(a.group_info(other).await),
        format!("[one.group.info] User [{alice}] : Not authorized to perform USE GROUP [{other}].")
    );
    assert_eq!(a.group_info(-1).await.unwrap().id, 1, "-1 is the caller's group");
    // Alice manages herself but does not administer herself.
    a.user_update(alice, "SSH_PUBLIC_KEY = \"ssh-ed25519 AAAA\"", oca::UpdateType::Merge).await.unwrap();
    assert_eq!(code(a.user_delete(alice).await), 0x200);
    assert_eq!(code(a.user_enable(alice, false).await), 0x200);
    assert_eq!(code(a.user_quota(alice, "VM=[VMS=99]").await), 0x200);
    assert_eq!(code(a.user_chauth(alice, "core", "x").await), 0x200);
    // Restricted attributes are for administrators.
    assert_eq!(
        message(a.user_update(alice, "VM_USE_OPERATIONS = \"deploy\"", oca::UpdateType::Merge).await),
        "[one.user.update] Cannot update template. Tried to change restricted attribute: VM_USE_OPERATIONS"
    );
    // Creating users and groups needs a CREATE rule alice does not have.
    assert_eq!(
        message(a.user_allocate("eve", "pw", "", &[]).await),
        format!("[one.user.allocate] User [{alice}] : Not authorized to perform CREATE USER.")
    );
    assert_eq!(code(a.group_allocate("mine").await), 0x200);
    // She may switch to a group she belongs to, but not to one she does not.
    a.user_chgrp(alice, g).await.unwrap();
    assert_eq!(
        message(a.user_chgrp(alice, other).await),
        format!("[one.user.chgrp] User [{alice}] : Not authorized to perform USE GROUP [{other}].")
    );
    // The configuration hides the database for users outside oneadmin.
    assert!(a.system_config_xml().await.unwrap().contains("<DB_NAME><![CDATA[***]]></DB_NAME>"));
    assert!(c.system_config_xml().await.unwrap().contains("one.db]]></DB_NAME>"));
}

#[tokio::test]
async fn members_of_oneadmin_are_administrators() {
    let oned = Oned::start();
    let c = oned.client();
    let root = c.user_allocate("root2", "pw", "", &[0]).await.unwrap();
    let r = oned.client_as("root2:pw");
    let g = r.group_allocate("made-by-root2").await.unwrap();
    r.user_allocate("someone", "pw", "", &[g]).await.unwrap();
    assert_eq!(r.acl_info().await.unwrap().len(), 9);
    assert!(r.userpool_info().await.unwrap().len() >= 4);
    assert_eq!(root, 2);
}

/// A serveradmin token made with the `openssl` command, independently of oned's code:
/// base64(AES-256-CBC("serveradmin:TARGET:EXPIRY")), key and IV the first 32 and 16
/// characters of sha256_hex(serveradmin's password).
fn server_token(password: &str, text: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let run = |args: &[&str], input: &str| {
        let mut child =
            Command::new("openssl").args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
    };
    let digest = run(&["dgst", "-sha256", "-r"], password);
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let (key, iv) = (hex(&digest[..32]), hex(&digest[..16]));
    run(&["enc", "-aes-256-cbc", "-K", &key, "-iv", &iv, "-base64", "-A"], text).trim().to_owned()
}

#[tokio::test]
async fn serveradmin_acts_on_behalf_of_users() {
    let oned = Oned::start();
    let c = oned.client();
    let alice = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let auth = std::fs::read_to_string(oned.dir.join("data/.one/sunstone_auth")).unwrap();
    let (user, password) = auth.trim().split_once(':').unwrap();
    assert_eq!(user, "serveradmin");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let token = server_token(password, &format!("serveradmin:alice:{}", now + 60));
    let as_alice = oned.client_as(&format!("serveradmin:alice:{token}"));
    let me = as_alice.user_info(-1).await.unwrap();
    assert_eq!(me.id, alice);
    assert_eq!(code(as_alice.user_info(0).await), 0x200, "with alice's rights, not serveradmin's");
    let scoped = oned.client_as(&format!("serveradmin:alice:1:{token}"));
    assert_eq!(scoped.group_info(-1).await.unwrap().id, 1);
    let expired = server_token(password, &format!("serveradmin:alice:{}", now - 1));
    assert_eq!(code(oned.client_as(&format!("serveradmin:alice:{expired}")).user_info(-1).await), 0x100);
    let forged = server_token("not-the-password", &format!("serveradmin:alice:{}", now + 60));
    assert_eq!(code(oned.client_as(&format!("serveradmin:alice:{forged}")).user_info(-1).await), 0x100);
    assert_eq!(code(oned.client_as(&format!("serveradmin:{password}")).user_info(-1).await), 0x100);
}
