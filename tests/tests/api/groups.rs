//! Groups: allocation with the default VDC rules, update, administrators, deletion.

use oca::UpdateType::Merge;
use one_tests::Oned;

use crate::message;

async fn rule_strings(c: &oca::Client) -> Vec<String> {
    c.acl_info().await.unwrap().iter().map(|e| e.rule.to_string()).collect()
}

#[tokio::test]
async fn allocate_gives_the_default_vdc_rules() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c.group_allocate("dev").await.unwrap();
    assert_eq!(id, 100, "user groups start at 100");
    let rules = rule_strings(&c).await;
    for r in ["@100 HOST/* MANAGE #0", "@100 NET/* USE #0", "@100 DATASTORE/* USE #0"] {
        assert!(rules.contains(&r.to_owned()), "{r} missing from {rules:?}");
    }
    let g = c.group_info(id).await.unwrap();
    assert_eq!((g.name.as_str(), g.users.len(), g.admins.len()), ("dev", 0, 0));
    assert_eq!(
        message(c.group_allocate("dev").await),
        "[one.group.allocate] NAME is already taken by GROUP 100."
    );
    assert_eq!(
        message(c.group_allocate("a;b").await),
        "[one.group.allocate] Invalid NAME, char ';' is not allowed"
    );
    // The bootstrap groups are there too, newest first as OpenNebula lists them.
    let ids: Vec<i32> = c.grouppool_info().await.unwrap().iter().map(|g| g.id).collect();
    assert_eq!(ids, [100, 1, 0]);
    assert_eq!(c.group_info(1).await.unwrap().template.vector("SUNSTONE").map(<[_]>::len), Some(4));
}

#[tokio::test]
async fn update_admins_and_delete() {
    let oned = Oned::start();
    let c = oned.client();
    let g = c.group_allocate("dev").await.unwrap();
    c.group_update(g, "DESCRIPTION = \"developers\"", Merge).await.unwrap();
    assert_eq!(c.group_info(g).await.unwrap().template.get("DESCRIPTION"), Some("developers"));

    let boss = c.user_allocate("boss", "pw", "", &[g]).await.unwrap();
    let worker = c.user_allocate("worker", "pw", "", &[g]).await.unwrap();
    let outsider = c.user_allocate("outsider", "pw", "", &[]).await.unwrap();
    assert_eq!(
        message(c.group_addadmin(g, outsider).await),
        format!("[one.group.addadmin] Cannot edit group. User {outsider} is not part of Group {g}.")
    );
    c.group_addadmin(g, boss).await.unwrap();
    assert_eq!(c.group_info(g).await.unwrap().admins, [boss]);
    let rules = rule_strings(&c).await;
    assert!(rules.contains(&format!("#{boss} USER/@{g} USE+MANAGE+ADMIN+CREATE *")), "{rules:?}");

    // The group admin manages the users of its group, and only those.
    let b = oned.client_as("boss:pw");
    b.user_update(worker, "NOTE = \"managed by boss\"", Merge).await.unwrap();
    b.user_passwd(worker, "changed").await.unwrap();
    oned.client_as("worker:changed").user_info(-1).await.unwrap();
    let seen: Vec<String> = b.userpool_info().await.unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(seen, ["worker", "boss"]);
    assert_eq!(
        message(b.user_passwd(outsider, "x").await),
        format!("[one.user.passwd] User [{boss}] : Not authorized to perform MANAGE USER [{outsider}].")
    );
    // A group admin may not administer the group itself.
    assert!(message(b.group_update(g, "X=1", Merge).await).contains("Not authorized to perform ADMIN GROUP"));

    c.group_deladmin(g, boss).await.unwrap();
    assert!(c.group_info(g).await.unwrap().admins.is_empty());
    assert!(
        !rule_strings(&c).await.iter().any(|r| r.starts_with(&format!("#{boss} "))),
        "admin rules removed"
    );
    assert!(message(b.user_passwd(worker, "again").await).contains("Not authorized"));

    assert_eq!(
        message(c.group_delete(g).await),
        format!("[one.group.delete] Cannot delete group. Group {g} is not empty.")
    );
    for u in [boss, worker] {
        c.user_delete(u).await.unwrap();
    }
    c.group_delete(g).await.unwrap();
    assert!(!rule_strings(&c).await.iter().any(|r| r.contains(&format!("@{g}"))), "group rules removed");
    assert_eq!(
        message(c.group_delete(1).await),
        "[one.group.delete] Cannot delete group. System Groups (ID < 100) cannot be deleted."
    );
    assert_eq!(message(c.group_info(g).await), format!("[one.group.info] Error getting group [{g}]."));
    // IDs are not reused.
    assert_eq!(c.group_allocate("next").await.unwrap(), g + 1);
}

#[tokio::test]
async fn group_quotas() {
    let oned = Oned::start();
    let c = oned.client();
    let g = c.group_allocate("dev").await.unwrap();
    c.group_quota(g, "NETWORK = [ ID = 0, LEASES = 8 ]").await.unwrap();
    assert!(
        c.group_info_xml(g)
            .await
            .unwrap()
            .contains("<NETWORK_QUOTA><NETWORK><ID><![CDATA[0]]></ID><LEASES><![CDATA[8]]></LEASES>")
    );
    assert_eq!(
        message(c.group_quota(0, "VM=[VMS=1]").await),
        "[one.group.quota] Cannot set quotas for oneadmin group"
    );
    assert_eq!(
        message(c.group_quota(555, "VM=[VMS=1]").await),
        "[one.group.quota] User [0] not authorized to perform action on group."
    );
}
