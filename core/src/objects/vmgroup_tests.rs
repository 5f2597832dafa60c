//! Tests of VM_GROUP documents, roles, the VMs of roles and the affinity rule checks.

use std::collections::BTreeSet;

use super::*;
use crate::objects::common::Lock;
use crate::perms::Permissions;

fn meta() -> Meta {
    Meta::oneadmin(3, "", Permissions::from_octal(0o600))
}

fn group(text: &str) -> Result<VmGroup, String> {
    VmGroup::allocate(meta(), Template::parse(text).unwrap())
}

fn pairs(text: &str) -> Vec<(String, String)> {
    Template::parse(text).unwrap().vector("ROLE").unwrap().to_vec()
}

const WEB: &str = "NAME = app\nROLE = [ NAME = web, POLICY = ANTI_AFFINED, HOST_AFFINED = \"1,2\" ]\n\
    ROLE = [ NAME = db, POLICY = AFFINED, ID = 9, VMS = \"4,5\" ]\nROLE = [ NAME = cache ]\n\
    ANTI_AFFINED = \"db, cache\"\nLABEL = x";

#[test]
fn the_document_follows_opennebula_element_order() {
    let mut g = group(WEB).unwrap();
    g.add_vm("db", 12).unwrap();
    g.add_vm("db", 7).unwrap();
    let perms = "<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A>\
        <GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U>\
        <OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>";
    let expected = format!(
        "<VM_GROUP><ID>3</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME>\
         <NAME>app</NAME>{perms}<ROLES>\
         <ROLE><HOST_AFFINED><![CDATA[1,2]]></HOST_AFFINED><ID><![CDATA[0]]></ID>\
         <NAME><![CDATA[web]]></NAME><POLICY><![CDATA[ANTI_AFFINED]]></POLICY></ROLE>\
         <ROLE><ID><![CDATA[1]]></ID><NAME><![CDATA[db]]></NAME><POLICY><![CDATA[AFFINED]]></POLICY>\
         <VMS><![CDATA[7,12]]></VMS></ROLE>\
         <ROLE><ID><![CDATA[2]]></ID><NAME><![CDATA[cache]]></NAME></ROLE></ROLES>\
         <TEMPLATE><ANTI_AFFINED><![CDATA[db, cache]]></ANTI_AFFINED><LABEL><![CDATA[x]]></LABEL></TEMPLATE>\
         </VM_GROUP>"
    );
    assert_eq!(g.to_xml(), expected);
    assert_eq!(VmGroup::from_xml(&expected).unwrap(), g);
    g.meta.lock = Some(Lock { level: 2, owner: 0, time: 9, req_id: -1 });
    let xml = g.to_xml();
    assert!(xml.contains("</PERMISSIONS><LOCK><LOCKED>2</LOCKED>"), "{xml}");
    assert!(xml.contains("</LOCK><ROLES>"), "{xml}");
    assert_eq!(VmGroup::from_xml(&xml).unwrap(), g);
    let pool = crate::xml::parse(&vmgroup_pool_xml([&g, &g])).unwrap();
    assert_eq!(vmgroups_from_pool(&pool).unwrap(), vec![g.clone(), g]);
    assert_eq!(vmgroup_pool_xml([]), "<VM_GROUP_POOL></VM_GROUP_POOL>");
}

#[test]
fn allocate_builds_roles_with_ids_and_no_vms() {
    let g = group(WEB).unwrap();
    assert_eq!(g.meta.name, "app");
    assert_eq!(g.template.get("NAME"), None);
    assert_eq!(g.template.get_all("ROLE").count(), 0);
    let ids: Vec<(i32, &str)> = g.roles.iter().map(|r| (r.id, r.name.as_str())).collect();
    assert_eq!(ids, [(0, "web"), (1, "db"), (2, "cache")]);
    assert!(g.roles.iter().all(|r| r.vms.is_empty()), "VMS given by the user are dropped");
    assert_eq!(g.role(0).unwrap().policy(), Policy::AntiAffined);
    assert_eq!(g.role_named("db").unwrap().policy(), Policy::Affined);
    assert_eq!(g.role(2).unwrap().policy(), Policy::None);
    assert_eq!(g.role(0).unwrap().host_affined(), BTreeSet::from([1, 2]));
    assert_eq!(g.next_role_id(), 3);
    // A single ROLE value is dropped; no role at all is fine.
    let g = group("NAME = empty\nROLE = oops").unwrap();
    assert!(g.roles.is_empty() && g.template.is_empty());
    // Unknown policies count as NONE, as in OpenNebula; case does not matter.
    let g = group("NAME = p\nROLE = [ NAME = a, POLICY = affined ]\nROLE = [ NAME = b, POLICY = spread ]")
        .unwrap();
    assert_eq!((g.roles[0].policy(), g.roles[1].policy()), (Policy::Affined, Policy::None));
    // The first of repeated keys wins.
    let g = group("NAME = p\nROLE = [ NAME = a, NAME = b ]").unwrap();
    assert_eq!(g.roles[0].name, "a");
}

#[test]
fn allocate_refuses_bad_roles_and_rules_with_opennebula_messages() {
    let cases = [
        ("ROLE = [ NAME = a ]", "No NAME in template for VM group."),
        ("NAME = g\nROLE = [ POLICY = AFFINED ]", "Missing NAME in VM group role"),
        ("NAME = g\nROLE = [ NAME = a ]\nROLE = [ NAME = a ]", "Role already exists"),
        (
            "NAME = g\nROLE = [ NAME = a ]\nAFFINED = \"a, b\"",
            "Some roles used in AFFINED attribute (a, b) are not defined",
        ),
        (
            "NAME = g\nROLE = [ NAME = a ]\nAFFINED = \"a\"\nANTI_AFFINED = \"a,\"\nANTI_AFFINED = \"a, \"",
            "Some roles used in ANTI_AFFINED attribute (a, ) are not defined",
        ),
        (
            "NAME = g\nROLE = [ NAME = a ]\nROLE = [ NAME = b ]\nAFFINED = \"a,b\"\nAFFINED = \"b, a\"",
            "Duplicated AFFINED rule (b, a) detected.",
        ),
        (
            "NAME = g\nROLE = [ NAME = a ]\nANTI_AFFINED = \"a\"\nANTI_AFFINED = \"a,a\"",
            "Duplicated ANTI_AFFINED rule (a,a) detected.",
        ),
        (
            "NAME = g\nROLE = [ NAME = a, POLICY = anti_affined ]\nROLE = [ NAME = b ]\nAFFINED = \"b,a\"",
            "Role a is in an AFFINED rule but the role policy is ANTI_AFFINED",
        ),
        (
            "NAME = g\nROLE = [ NAME = a ]\nROLE = [ NAME = b ]\nROLE = [ NAME = c ]\n\
             AFFINED = \"c, b\"\nANTI_AFFINED = \"a, c\"\nANTI_AFFINED = \"b\"",
            "Roles defined in AFFINED and ANTI_AFFINED rules: b c",
        ),
    ];
    for (text, msg) in cases {
        assert_eq!(group(text), Err(msg.to_owned()), "{text}");
    }
    // Vector rules are not rules.
    assert!(group("NAME = g\nAFFINED = [ X = y ]").is_ok());
}

#[test]
fn roles_are_added_deleted_and_updated_with_their_checks() {
    let mut g = group("NAME = g\nROLE = [ NAME = a ]\nROLE = [ NAME = b ]\nAFFINED = \"a,b\"").unwrap();
    let before = g.clone();
    assert_eq!(g.add_role(&pairs("ROLE = [ NAME = a ]")), Err("Role already exists".into()));
    assert_eq!(g.add_role(&pairs("ROLE = [ POLICY = NONE ]")), Err("Missing NAME in VM group role".into()));
    assert_eq!(g, before, "nothing changed");
    assert_eq!(g.add_role(&pairs("ROLE = [ NAME = c, ID = 7, VMS = \"1\" ]")), Ok(2));
    assert!(g.role(2).unwrap().vms.is_empty());

    // A role a rule names cannot go; an unknown one neither.
    assert_eq!(g.del_role(0), Err("Some roles used in AFFINED attribute (a,b) are not defined".into()));
    assert_eq!(g.del_role(9), Err("Unable to delete role 9, the role doesn't exists".into()));
    g.add_vm("c", 40).unwrap();
    assert_eq!(g.del_role(2), Err("Unable to delete role 2, the role has assigned VMs ".into()));
    assert_eq!(
        g.update_role(2, &pairs("ROLE = [ POLICY = AFFINED ]")),
        Err("VMGroup 3 Role 2 has VMs, unable to update".into())
    );
    assert!(g.del_vm("c", 40) && !g.del_vm("c", 40));
    g.del_role(2).unwrap();
    assert_eq!(g.next_role_id(), 2, "the highest ID is free again, as in OpenNebula");

    // Updates merge, may rename, never touch VMS or ID.
    assert_eq!(g.update_role(5, &pairs("ROLE = [ NAME = x ]")), Err("VMGroup 3 doesn't have role 5".into()));
    assert_eq!(
        g.update_role(1, &pairs("ROLE = [ NAME = a ]")),
        Err("VMGroup 3 Role 1 can not update name, role with name a already exists".into())
    );
    assert_eq!(
        g.update_role(1, &pairs("ROLE = [ POLICY = ANTI_AFFINED ]")),
        Err("Role b is in an AFFINED rule but the role policy is ANTI_AFFINED".into())
    );
    assert_eq!(g.role(1).unwrap().policy(), Policy::None, "a refused update changes nothing");
    g.update_role(1, &pairs("ROLE = [ NAME = b, HOST_ANTI_AFFINED = \"3, x, 4\", VMS = \"8\", ID = 6 ]"))
        .unwrap();
    let b = g.role(1).unwrap();
    assert_eq!((b.name.as_str(), b.vms.len()), ("b", 0));
    assert_eq!(b.host_anti_affined(), BTreeSet::from([3, 4]));
    assert!(b.host_allowed(1) && !b.host_allowed(3));
    g.template = Template::parse("X = 1").unwrap();
    g.update_role(1, &pairs("ROLE = [ NAME = bee ]")).unwrap();
    assert_eq!(g.role(1).unwrap().name, "bee");
    g.update_role(1, &pairs("ROLE = [ NAME = \"\" ]")).unwrap();
    assert_eq!(g.role(1).unwrap().name, "bee", "an empty NAME keeps the name");
}

#[test]
fn vms_join_and_leave_roles_and_block_updates() {
    let mut g = group("NAME = g\nROLE = [ NAME = a, HOST_AFFINED = \"2\" ]").unwrap();
    assert_eq!(g.add_vm("zz", 1), Err("Role does not exist in VM Group".into()));
    g.add_vm("a", 5).unwrap();
    g.add_vm("a", 5).unwrap();
    assert_eq!(g.vm_count(), 1);
    g.template = Template::parse("AFFINED = \"a\"\nROLE = [ NAME = x ]").unwrap();
    assert_eq!(g.check_update(), Err("VM Group has 1 VMs".into()));
    g.del_vm("a", 5);
    assert_eq!(g.check_update(), Ok(()));
    assert_eq!(g.template.get_all("ROLE").count(), 0, "roles change only through the role calls");
    g.template = Template::parse("ANTI_AFFINED = \"a, b\"").unwrap();
    assert_eq!(
        g.check_update(),
        Err("Some roles used in ANTI_AFFINED attribute (a, b) are not defined".into())
    );
    assert!(!g.roles[0].host_allowed(1) && g.roles[0].host_allowed(2));
}

#[test]
fn rules_for_the_scheduler() {
    let g = group(
        "NAME = g\nROLE = [ NAME = a ]\nROLE = [ NAME = b ]\nROLE = [ NAME = c ]\nROLE = [ NAME = d ]\n\
         ROLE = [ NAME = e ]\nAFFINED = \"c,b\"\nAFFINED = \"a\"\nAFFINED = \"d,e\"\nAFFINED = \"a, b\"",
    )
    .unwrap();
    let sets =
        |v: &[&[i32]]| v.iter().map(|s| s.iter().copied().collect::<BTreeSet<i32>>()).collect::<Vec<_>>();
    assert_eq!(g.rules(Policy::Affined), sets(&[&[0], &[0, 1], &[1, 2], &[3, 4]]));
    assert_eq!(g.merged_affined_rules(), sets(&[&[0, 1, 2], &[3, 4]]));
    assert!(g.rules(Policy::AntiAffined).is_empty());
}

#[test]
fn roles_beyond_the_rule_limit_are_accepted_but_take_no_part_in_rules() {
    // OpenNebula reports "Maximum number of roles" but still creates the group.
    let mut text = "NAME = big\n".to_owned();
    for i in 0..34 {
        text.push_str(&format!("ROLE = [ NAME = r{i} ]\n"));
    }
    text.push_str("AFFINED = \"r32, r33\"\nANTI_AFFINED = \"r33\"\nAFFINED = \"r0, r32\"");
    let g = group(&text).unwrap();
    assert_eq!(g.roles.len(), 34);
    assert_eq!(g.rules(Policy::Affined), vec![BTreeSet::new(), BTreeSet::from([0])]);
}

#[test]
fn ids_lists_are_read_leniently() {
    assert_eq!(lenient_ids("1, 2,,x, 3y,-4"), BTreeSet::from([1, 2, 3, -4]));
    assert!(lenient_ids("").is_empty());
    assert_eq!(Policy::parse("Anti_Affined"), Policy::AntiAffined);
    assert_eq!(Policy::AntiAffined.name(), "ANTI_AFFINED");
}

#[test]
fn stored_documents_with_bad_roles_are_refused() {
    let good = group(WEB).unwrap().to_xml();
    let no_id = good.replacen("<ID><![CDATA[0]]></ID>", "", 1);
    assert!(VmGroup::from_xml(&no_id).is_err());
    let twice = good.replacen("<NAME><![CDATA[db]]></NAME>", "<NAME><![CDATA[web]]></NAME>", 1);
    assert!(VmGroup::from_xml(&twice).is_err());
}
