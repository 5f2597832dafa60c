//! ACL rules: add in hex and symbolic form, refuse duplicates and malformed rules, delete, and
//! their effect on what users may do.

use one_core::acl::Rule;
use one_tests::Oned;

use crate::{code, message};

#[tokio::test]
async fn add_list_and_delete_rules() {
    let oned = Oned::start();
    let c = oned.client();
    let ids: Vec<i32> = c.acl_info().await.unwrap().iter().map(|e| e.id).collect();
    assert_eq!(ids, [0, 3, 4, 5, 1, 2], "OpenNebula's default rules, in its order");
    let rule = Rule::parse("#5 VM+NET/@1 USE+MANAGE #0").unwrap();
    let id = c.acl_addrule(&rule).await.unwrap();
    assert_eq!(id, 6);
    let listed = c.acl_info().await.unwrap();
    assert_eq!(listed[0].id, id, "#uid rules come first");
    assert_eq!(listed[0].rule, rule);
    assert_eq!(
        message(c.acl_addrule(&rule).await),
        "[one.acl.addrule] Rule #5 VM+NET/@1 USE+MANAGE #0 already exists"
    );
    // The symbolic form is accepted field by field too.
    use oca::Value;
    let s = |v: &str| Value::String(v.into());
    let id2 = c.call_int("one.acl.addrule", vec![s("@1"), s("IMAGE/*"), s("USE"), s("*")]).await.unwrap();
    assert!(
        c.acl_info().await.unwrap().iter().any(|e| e.id == id2 && e.rule.to_string() == "@1 IMAGE/* USE *")
    );
    let malformed = c.call_int("one.acl.addrule", vec![s("0x0"), s("0x1400000000"), s("0x1")]).await;
    assert_eq!(
        message(malformed),
        "[one.acl.addrule] Rule ?? VM/* USE #0 is malformed: [user] is missing one of the INDIVIDUAL, GROUP or ALL bits"
    );
    c.acl_delrule(id).await.unwrap();
    assert_eq!(message(c.acl_delrule(id).await), format!("[one.acl.delrule] Rule {id} does not exist"));
    assert!(!c.acl_info().await.unwrap().iter().any(|e| e.id == id));
}

#[tokio::test]
async fn rules_grant_and_only_admins_manage_them() {
    let oned = Oned::start();
    let c = oned.client();
    let alice = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let bob = c.user_allocate("bob", "pw", "", &[]).await.unwrap();
    let a = oned.client_as("alice:pw");
    assert_eq!(
        message(a.user_info(bob).await),
        format!("[one.user.info] User [{alice}] : Not authorized to perform USE USER [{bob}].")
    );
    assert_eq!(
        message(a.acl_info().await),
        format!("[one.acl.info] User [{alice}] : Not authorized to perform MANAGE ACL.")
    );
    assert_eq!(code(a.acl_addrule(&Rule::parse("#2 USER/* ADMIN").unwrap()).await), 0x200);
    // A rule lets alice read and manage bob.
    let rule =
        c.acl_addrule(&Rule::parse(&format!("#{alice} USER/#{bob} USE+MANAGE #0")).unwrap()).await.unwrap();
    assert_eq!(a.user_info(bob).await.unwrap().name, "bob");
    a.user_update(bob, "NOTE = \"by alice\"", oca::UpdateType::Merge).await.unwrap();
    let names: Vec<String> = a.userpool_info().await.unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(names, ["bob", "alice"]);
    // ...but not administer him.
    assert_eq!(code(a.user_delete(bob).await), 0x200);
    // Deleting alice removes the rules that name her.
    c.user_delete(alice).await.unwrap();
    assert!(!c.acl_info().await.unwrap().iter().any(|e| e.id == rule));
}
