//! VM groups as an operator sees them: groups with roles and affinity rules, their documents
//! checked against vm_group.xsd and vm_group_pool.xsd, every method's refusals with
//! OpenNebula's codes and messages, and VMs joining a role at allocation and leaving it when
//! they are done.

use std::collections::BTreeSet;

use oca::UpdateType;
use one_core::objects::vmgroup::{Policy, VmGroup};
use one_core::states::{LcmState, VmState};
use one_tests::Oned;

use super::cloud::{dummy_host, running_vm, wait_vm};
use crate::images::{api_error, check_xsd};

const APP: &str = "NAME = app\n\
    ROLE = [ NAME = web, POLICY = ANTI_AFFINED, HOST_AFFINED = \"0,1\" ]\n\
    ROLE = [ NAME = db, POLICY = AFFINED ]\n\
    ROLE = [ NAME = cache ]\n\
    AFFINED = \"db, cache\"\n\
    LABEL = demo";

/// The role names and IDs of a group.
fn roles(g: &VmGroup) -> Vec<(i32, &str)> {
    g.roles.iter().map(|r| (r.id, r.name.as_str())).collect()
}

/// The VMs of the group's role `name`.
async fn role_vms(c: &oca::Client, id: i32, name: &str) -> Vec<i32> {
    let g = c.vmgroup_info(id).await.unwrap();
    g.role_named(name).unwrap().vms.iter().copied().collect()
}

#[tokio::test]
async fn groups_roles_and_rules_through_every_method() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c.vmgroup_allocate(APP).await.unwrap();
    assert_eq!(id, 0);
    let g = c.vmgroup_info(id).await.unwrap();
    assert_eq!(roles(&g), [(0, "web"), (1, "db"), (2, "cache")]);
    assert_eq!(g.role(0).unwrap().policy(), Policy::AntiAffined);
    assert_eq!(g.role(0).unwrap().host_affined(), BTreeSet::from([0, 1]));
    assert_eq!((g.template.get("NAME"), g.template.get("LABEL")), (None, Some("demo")));
    assert_eq!(g.template.get_all("ROLE").count(), 0);
    let xml = c.vmgroup_info_xml(id).await.unwrap();
    assert!(
        xml.contains("<ROLE><HOST_AFFINED><![CDATA[0,1]]></HOST_AFFINED><ID><![CDATA[0]]></ID>"),
        "{xml}"
    );
    check_xsd(&xml, "vm_group.xsd");

    // Template updates keep the roles and check the rules.
    c.vmgroup_update(id, "ANTI_AFFINED = web", UpdateType::Merge).await.unwrap();
    let g = c.vmgroup_info(id).await.unwrap();
    assert_eq!(g.template.get("ANTI_AFFINED"), Some("web"));
    assert_eq!(g.template.get("LABEL"), Some("demo"));
    c.vmgroup_update(id, "LABEL = prod\nROLE = [ NAME = ignored ]", UpdateType::Replace).await.unwrap();
    let g = c.vmgroup_info(id).await.unwrap();
    assert_eq!((g.template.get("LABEL"), g.template.get("AFFINED")), (Some("prod"), None));
    assert_eq!(g.roles.len(), 3, "roles are not changed by update");

    // Roles: add, update (merge, rename), delete; the highest ID is reused as in OpenNebula.
    c.vmgroup_role_add(id, "ROLE = [ NAME = batch, POLICY = NONE, HOST_ANTI_AFFINED = \"3\" ]")
        .await
        .unwrap();
    c.vmgroup_role_update(id, 3, "ROLE = [ NAME = jobs, POLICY = ANTI_AFFINED ]").await.unwrap();
    let g = c.vmgroup_info(id).await.unwrap();
    let jobs = g.role(3).unwrap();
    assert_eq!((jobs.name.as_str(), jobs.policy()), ("jobs", Policy::AntiAffined));
    assert_eq!(jobs.attrs.get("HOST_ANTI_AFFINED").map(String::as_str), Some("3"));
    c.vmgroup_role_delete(id, 3).await.unwrap();
    assert_eq!(c.vmgroup_role_add(id, "ROLE = [ NAME = again ]").await.unwrap(), id);
    assert_eq!(roles(&c.vmgroup_info(id).await.unwrap())[3], (3, "again"));

    // Ownership, permissions, lock, rename.
    c.vmgroup_rename(id, "shop").await.unwrap();
    c.vmgroup_chmod(id, [-1, -1, -1, 1, -1, -1, -1, -1, -1]).await.unwrap();
    let alice = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    c.vmgroup_chown(id, alice, 1).await.unwrap();
    let g = c.vmgroup_info(id).await.unwrap();
    assert_eq!(
        (g.meta.name.as_str(), g.meta.uname.as_str(), g.meta.gname.as_str()),
        ("shop", "alice", "users")
    );
    assert!(g.meta.perms.group[0]);
    c.vmgroup_lock(id, 1).await.unwrap();
    let locked = c.vmgroup_info_xml(id).await.unwrap();
    assert!(locked.contains("</PERMISSIONS><LOCK><LOCKED>1</LOCKED>"), "{locked}");
    check_xsd(&locked, "vm_group.xsd");
    c.vmgroup_unlock(id).await.unwrap();

    // Listings: filters and pages.
    let mine = c.vmgroup_allocate("NAME = solo\nROLE = [ NAME = r ]").await.unwrap();
    let third = c.vmgroup_allocate("NAME = third\nROLE = [ NAME = r ]").await.unwrap();
    let names = |v: Vec<VmGroup>| v.into_iter().map(|g| g.meta.name).collect::<Vec<_>>();
    // Newest first, OpenNebula's default listing order.
    assert_eq!(names(c.vmgrouppool_info(-2, -1, -1).await.unwrap()), ["third", "solo", "shop"]);
    assert_eq!(names(c.vmgrouppool_info(-3, -1, -1).await.unwrap()), ["third", "solo"]);
    assert_eq!(names(c.vmgrouppool_info(alice, -1, -1).await.unwrap()), ["shop"]);
    assert_eq!(names(c.vmgrouppool_info(-2, mine, mine).await.unwrap()), ["solo"]);
    assert_eq!(names(c.vmgrouppool_info(-2, 1, -2).await.unwrap()), ["solo", "shop"]);
    check_xsd(&c.vmgrouppool_info_xml(-2, -1, -1).await.unwrap(), "vm_group_pool.xsd");
    let alice_c = oned.client_as("alice:pw");
    assert_eq!(names(alice_c.vmgrouppool_info(-2, -1, -1).await.unwrap()), ["shop"], "alice sees her own");

    c.vmgroup_delete(third).await.unwrap();
    assert_eq!(c.vmgrouppool_info(-2, -1, -1).await.unwrap().len(), 2);
    assert_eq!(
        c.vmgroup_allocate("NAME = next\nROLE = [ NAME = r ]").await.unwrap(),
        third + 1,
        "IDs are not reused"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_opennebula_messages_and_changes_nothing() {
    let oned = Oned::start();
    let c = oned.client();
    let alice_id = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let alice = oned.client_as("alice:pw");
    let id = c.vmgroup_allocate(APP).await.unwrap();
    let other = c.vmgroup_allocate("NAME = other\nROLE = [ NAME = r ]").await.unwrap();
    c.vmgroup_lock(other, 2).await.unwrap();
    let before = c.vmgrouppool_info_xml(-2, -1, -1).await.unwrap();
    let m = |method: &str| format!("[one.vmgroup.{method}]");
    let no_group = |method: &str| format!("{} Error getting vm group [42].", m(method));
    let upd = |text: &'static str| c.vmgroup_update(id, text, UpdateType::Merge);
    let cases: Vec<(i32, String, Result<i32, oca::OcaError>)> = vec![
        (0x2000, format!("{} Invalid NAME, it cannot be empty", m("allocate")), c.vmgroup_allocate("ROLE = [ NAME = a ]").await),
        (0x2000, format!("{} Invalid NAME, char '|' is not allowed", m("allocate")), c.vmgroup_allocate("NAME = \"a|b\"").await),
        (0x2000, format!("{} NAME is already taken by VMGroup {id}.", m("allocate")), c.vmgroup_allocate("NAME = app").await),
        (0x2000, format!("{} Parse error: ", m("allocate")), c.vmgroup_allocate("NAME = \"x").await),
        (0x2000, format!("{} Missing NAME in VM group role", m("allocate")), c.vmgroup_allocate("NAME = g\nROLE = [ POLICY = AFFINED ]").await),
        (0x2000, format!("{} Role already exists", m("allocate")), c.vmgroup_allocate("NAME = g\nROLE = [ NAME = a ]\nROLE = [ NAME = a ]").await),
        (
            0x2000,
            format!("{} Some roles used in AFFINED attribute (a, z) are not defined", m("allocate")),
            c.vmgroup_allocate("NAME = g\nROLE = [ NAME = a ]\nAFFINED = \"a, z\"").await,
        ),
        (
            0x2000,
            format!("{} Duplicated ANTI_AFFINED rule (b,a) detected.", m("allocate")),
            c.vmgroup_allocate("NAME = g\nROLE = [ NAME = a ]\nROLE = [ NAME = b ]\nANTI_AFFINED = \"a,b\"\nANTI_AFFINED = \"b,a\"").await,
        ),
        (
            0x2000,
            format!("{} Role a is in an AFFINED rule but the role policy is ANTI_AFFINED", m("allocate")),
            c.vmgroup_allocate("NAME = g\nROLE = [ NAME = a, POLICY = ANTI_AFFINED ]\nAFFINED = \"a\"").await,
        ),
        (
            0x2000,
            format!("{} Roles defined in AFFINED and ANTI_AFFINED rules: a", m("allocate")),
            c.vmgroup_allocate("NAME = g\nROLE = [ NAME = a ]\nROLE = [ NAME = b ]\nAFFINED = \"a,b\"\nANTI_AFFINED = \"a\"").await,
        ),
        (
            0x200,
            format!("{} User [{alice_id}] : Not authorized to perform MANAGE VMGROUP [{id}].", m("update")),
            alice.vmgroup_update(id, "A = 1", UpdateType::Merge).await,
        ),
        (0x1000, format!("{} Wrong update type", m("update")), c.call_int("one.vmgroup.update", vec![oca::Value::Integer(id), oca::Value::String("A=1".into()), oca::Value::Integer(2)]).await),
        (0x2000, format!("{} Cannot update template. Parse error: ", m("update")), upd("A = \"x").await),
        (
            0x2000,
            format!("{} Cannot update template. Some roles used in ANTI_AFFINED attribute (nope) are not defined", m("update")),
            upd("ANTI_AFFINED = nope").await,
        ),
        (
            0x2000,
            format!("{} Cannot update template. Roles defined in AFFINED and ANTI_AFFINED rules: db", m("update")),
            upd("ANTI_AFFINED = db").await,
        ),
        (0x800, format!("{} No ROLE attribute in template", m("roleadd")), c.vmgroup_role_add(id, "ROLE = x\nA = [ NAME = y ]").await),
        (0x800, format!("{} Parse error: ", m("roleadd")), c.vmgroup_role_add(id, "ROLE = [ NAME = \"y ]").await),
        (0x800, format!("{} Missing NAME in VM group role", m("roleadd")), c.vmgroup_role_add(id, "ROLE = [ POLICY = NONE ]").await),
        (0x800, format!("{} Role already exists", m("roleadd")), c.vmgroup_role_add(id, "ROLE = [ NAME = web ]").await),
        (
            0x200,
            format!("{} User [0] : VMGROUP is locked. [{other}]", m("roleadd")),
            c.vmgroup_role_add(other, "ROLE = [ NAME = s ]").await,
        ),
        (0x800, format!("{} Unable to delete role 9, the role doesn't exists", m("roledelete")), c.vmgroup_role_delete(id, 9).await),
        (
            0x800,
            format!("{} Some roles used in AFFINED attribute (db, cache) are not defined", m("roledelete")),
            c.vmgroup_role_delete(id, 2).await,
        ),
        (0x800, format!("{} VMGroup {id} doesn't have role 9", m("roleupdate")), c.vmgroup_role_update(id, 9, "ROLE = [ POLICY = NONE ]").await),
        (0x800, format!("{} No ROLE attribute in template", m("roleupdate")), c.vmgroup_role_update(id, 0, "POLICY = NONE").await),
        (
            0x800,
            format!("{} VMGroup {id} Role 0 can not update name, role with name db already exists", m("roleupdate")),
            c.vmgroup_role_update(id, 0, "ROLE = [ NAME = db ]").await,
        ),
        (
            0x800,
            format!("{} Role db is in an AFFINED rule but the role policy is ANTI_AFFINED", m("roleupdate")),
            c.vmgroup_role_update(id, 1, "ROLE = [ POLICY = anti_affined ]").await,
        ),
        (
            0x800,
            format!("{} vm group cannot be renamed to other because it collides with vm group {other}", m("rename")),
            c.vmgroup_rename(id, "other").await,
        ),
        (0x800, format!("{} Invalid NAME, char '#' is not allowed", m("rename")), c.vmgroup_rename(id, "a#b").await),
        (0x800, format!("{} Wrong lock level specified", m("lock")), c.vmgroup_lock(id, 7).await),
        (0x2000, format!("{} Wrong permission value, use 0, 1 or -1", m("chmod")), c.vmgroup_chmod(id, [2; 9]).await),
        (0x400, format!("{} Error getting user [77].", m("chown")), c.vmgroup_chown(id, 77, -1).await),
        (0x400, no_group("info"), c.vmgroup_info_xml(42).await.map(|_| 0)),
        (0x400, no_group("update"), c.vmgroup_update(42, "A = 1", UpdateType::Merge).await),
        (0x400, no_group("rename"), c.vmgroup_rename(42, "x").await),
        (0x400, no_group("chmod"), c.vmgroup_chmod(42, [1; 9]).await),
        (0x400, no_group("chown"), c.vmgroup_chown(42, 0, 0).await),
        (0x400, no_group("lock"), c.vmgroup_lock(42, 1).await),
        (0x400, no_group("unlock"), c.vmgroup_unlock(42).await),
        (0x400, no_group("delete"), c.vmgroup_delete(42).await),
        (0x400, no_group("roleadd"), c.vmgroup_role_add(42, "ROLE = [ NAME = x ]").await),
        (0x400, no_group("roledelete"), c.vmgroup_role_delete(42, 0).await),
        (0x400, no_group("roleupdate"), c.vmgroup_role_update(42, 0, "ROLE = [ NAME = x ]").await),
        (0x200, format!("{} User [{alice_id}] : Not authorized to perform USE VMGROUP [{id}].", m("info")), alice.vmgroup_info_xml(id).await.map(|_| 0)),
        (0x200, format!("{} User [{alice_id}] : Not authorized to perform MANAGE VMGROUP [{id}].", m("delete")), alice.vmgroup_delete(id).await),
        (0x1000, "[one.vmgrouppool.info] Incorrect filter_flag".to_owned(), c.vmgrouppool_info_xml(-9, -1, -1).await.map(|_| 0)),
    ];
    for (expected_code, expected, r) in cases {
        let (got, msg) = api_error(r);
        assert_eq!(got, expected_code, "{msg}");
        assert!(msg.starts_with(&expected), "{msg}\nexpected: {expected}");
    }
    assert_eq!(c.vmgrouppool_info_xml(-2, -1, -1).await.unwrap(), before, "nothing changed");
}

#[tokio::test]
async fn vms_join_their_role_at_allocation_and_leave_it_when_done() {
    let oned = Oned::start_configured("monitoring_interval = 3600\n");
    let c = oned.client();
    let id = c.vmgroup_allocate(APP).await.unwrap();
    let host = dummy_host(&c, "node1").await;

    // By ID, and by name (the owner's group) through a template.
    let web = running_vm(
        &c,
        &format!("NAME = w\nCPU = 1\nMEMORY = 64\nVMGROUP = [ VMGROUP_ID = {id}, ROLE = web ]"),
        host,
    )
    .await;
    let tmpl = c
        .template_allocate("NAME = t\nCPU = 1\nMEMORY = 64\nVMGROUP = [ VMGROUP_NAME = app, ROLE = db ]")
        .await
        .unwrap();
    let db = c.template_instantiate(tmpl, "d", false, "", false).await.unwrap();
    let db2 = c
        .vm_allocate(
            &format!("NAME = d2\nCPU = 1\nMEMORY = 64\nVMGROUP = [ VMGROUP_ID = \"{id}\", ROLE = db ]"),
            true,
        )
        .await
        .unwrap();
    assert_eq!(role_vms(&c, id, "web").await, [web.meta.id]);
    assert_eq!(role_vms(&c, id, "db").await, [db, db2]);
    let xml = c.vmgroup_info_xml(id).await.unwrap();
    assert!(xml.contains(&format!("<VMS><![CDATA[{db},{db2}]]></VMS>")), "{xml}");
    check_xsd(&xml, "vm_group.xsd");
    check_xsd(&c.vmgrouppool_info_xml(-2, -1, -1).await.unwrap(), "vm_group_pool.xsd");

    // The VM keeps VMGROUP in its TEMPLATE, with the group's ID.
    let vm = c.vm_info(db).await.unwrap();
    let pairs = vm.template.vector("VMGROUP").unwrap();
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    assert_eq!((get("VMGROUP_ID"), get("ROLE"), get("VMGROUP_NAME")), (Some("0"), Some("db"), Some("app")));
    assert!(vm.user_template.vector("VMGROUP").is_none());
    check_xsd(&c.vm_info_xml(db).await.unwrap(), "vm.xsd");

    // While VMs are in the group, its template and their roles cannot change.
    let before = c.vmgroup_info_xml(id).await.unwrap();
    let (code, msg) = api_error(c.vmgroup_update(id, "A = 1", UpdateType::Merge).await);
    assert_eq!(
        (code, msg.as_str()),
        (0x2000, "[one.vmgroup.update] Cannot update template. VM Group has 3 VMs")
    );
    let (code, msg) = api_error(c.vmgroup_role_delete(id, 0).await);
    assert_eq!(
        (code, msg.as_str()),
        (0x800, "[one.vmgroup.roledelete] Unable to delete role 0, the role has assigned VMs ")
    );
    let (code, msg) = api_error(c.vmgroup_role_update(id, 1, "ROLE = [ POLICY = NONE ]").await);
    assert_eq!(
        (code, msg),
        (0x800, format!("[one.vmgroup.roleupdate] VMGroup {id} Role 1 has VMs, unable to update"))
    );
    c.vmgroup_role_update(id, 2, "ROLE = [ HOST_AFFINED = \"1\" ]").await.unwrap();
    assert_ne!(c.vmgroup_info_xml(id).await.unwrap(), before, "a role without VMs may change");

    // Refused allocations create nothing.
    let alice_id = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let alice = oned.client_as("alice:pw");
    let groups = c.vmgrouppool_info_xml(-2, -1, -1).await.unwrap();
    let all = oca::VmFilter { state: -2, ..Default::default() };
    let vm_ids =
        async || c.vmpool_info(&all).await.unwrap().into_iter().map(|v| v.meta.id).collect::<Vec<_>>();
    let vms = vm_ids().await;
    let vm_with = |g: &str| format!("NAME = x\nCPU = 1\nMEMORY = 64\nVMGROUP = [ {g} ]");
    let alloc = "[one.vm.allocate] Error allocating a new virtual machine.";
    let cases = [
        (
            0x4000,
            format!("{alloc} Missing role name in VM Group definition"),
            c.vm_allocate(&vm_with(&format!("VMGROUP_ID = {id}")), false).await,
        ),
        (
            0x4000,
            format!("{alloc} Cannot find VM Group to associate the VM"),
            c.vm_allocate(&vm_with("VMGROUP_ID = 9, ROLE = web"), false).await,
        ),
        (
            0x4000,
            format!("{alloc} Cannot find VM Group to associate the VM"),
            c.vm_allocate(&vm_with("VMGROUP_NAME = nope, ROLE = web"), false).await,
        ),
        (
            0x4000,
            format!("{alloc} Role does not exist in VM Group"),
            c.vm_allocate(&vm_with(&format!("VMGROUP_ID = {id}, ROLE = nope")), false).await,
        ),
        (
            0x200,
            format!("[one.vm.allocate] User [{alice_id}] : Not authorized to perform USE VMGROUP [{id}]."),
            alice.vm_allocate(&vm_with(&format!("VMGROUP_ID = {id}, ROLE = web")), false).await,
        ),
        (
            0x4000,
            format!("{alloc} Cannot find VM Group to associate the VM"),
            alice.vm_allocate(&vm_with("VMGROUP_NAME = app, ROLE = web"), false).await,
        ),
    ];
    for (expected_code, expected, r) in cases {
        let (got, msg) = api_error(r);
        assert_eq!((got, msg), (expected_code, expected));
    }
    assert_eq!(c.vmgrouppool_info_xml(-2, -1, -1).await.unwrap(), groups);
    assert_eq!(vm_ids().await, vms);
    // Named with its owner, and usable once the group lets others use it.
    c.vmgroup_chmod(id, [-1, -1, -1, -1, -1, -1, 1, -1, -1]).await.unwrap();
    let own =
        alice.vm_allocate(&vm_with("VMGROUP_NAME = app, VMGROUP_UID = 0, ROLE = cache"), true).await.unwrap();
    let by_uname = vm_with("VMGROUP_NAME = app, VMGROUP_UNAME = oneadmin, ROLE = cache");
    let own2 = alice.vm_allocate(&by_uname, true).await.unwrap();
    assert_eq!(role_vms(&c, id, "cache").await, [own, own2]);

    // Leaving: a running VM when terminated, a held one at once.
    c.vm_action("terminate", web.meta.id).await.unwrap();
    wait_vm(&c, web.meta.id, VmState::Done, LcmState::LcmInit).await;
    assert!(role_vms(&c, id, "web").await.is_empty());
    c.vm_action("terminate", db2).await.unwrap();
    wait_vm(&c, db2, VmState::Done, LcmState::LcmInit).await;
    assert_eq!(role_vms(&c, id, "db").await, [db]);
    c.vmgroup_role_delete(id, 0).await.unwrap();

    // As in OpenNebula, a group with VMs may be deleted; its VMs then leave nothing.
    c.vmgroup_delete(id).await.unwrap();
    c.vm_action("terminate", db).await.unwrap();
    c.vm_action("terminate", own).await.unwrap();
    c.vm_action("terminate", own2).await.unwrap();
    wait_vm(&c, db, VmState::Done, LcmState::LcmInit).await;
    assert!(c.vmgrouppool_info(-2, -1, -1).await.unwrap().is_empty());
}
