//! Tests of VNET documents and of creating and updating networks.

use super::*;
use crate::objects::common::Lock;
use crate::objects::vnet_ar::LeaseOwner;
use crate::objects::vnet_create::VnMadConf;
use crate::perms::Permissions;

pub(crate) const PREFIX: u32 = 0x0200;

/// A network created like the one of the golden files: `net0`, dummy driver, bridge br0,
/// one IP4 range of 16 addresses from 10.0.0.10, in cluster 0, READY.
pub(crate) fn net0() -> Vnet {
    let meta = Meta::oneadmin(0, "", Permissions::from_octal(0o600));
    let tmpl =
        Template::parse("NAME=net0\nVN_MAD=dummy\nBRIDGE=br0\nAR=[TYPE=IP4,IP=10.0.0.10,SIZE=16]").unwrap();
    let conf = VnMadConf::default();
    let mut vn = Vnet::allocate(meta, tmpl, [0].into(), -1, -1, &conf).unwrap();
    assert_eq!(vn.state, VnetState::LockCreate);
    vn.set_prev_state();
    vn.finish_create(&Template::new(), &conf, PREFIX, &mut || 0).unwrap();
    vn.set_prev_state();
    vn
}

#[test]
fn vnet_xml_matches_opennebula_byte_for_byte() {
    let real = include_str!("../../golden/vnet.xml").trim_end();
    assert_eq!(net0().to_xml(), real);
}

#[test]
fn vnet_pool_xml_matches_opennebula_byte_for_byte() {
    let real = include_str!("../../golden/vnetpool.xml").trim_end();
    assert_eq!(vnet_pool_xml([&net0()]), real);
}

#[test]
fn both_forms_read_back() {
    let mut vn = net0();
    vn.meta.lock = Some(Lock { level: 3, owner: 2, time: 4, req_id: -1 });
    let mut nic = vec![("NIC_ID".to_owned(), "0".to_owned())];
    vn.nic_attribute(&mut nic, 7, &[], PREFIX, &mut || 0).unwrap();
    vn.hold_leases(&Template::parse("LEASES=[IP=10.0.0.20]").unwrap()).unwrap();
    vn.vrouters.insert(3);
    vn.parent_vid = 5;
    vn.vlan_id = "12".into();
    vn.vlan_id_automatic = true;
    // Templates read back sorted by name, so compare documents and ranges.
    let back = Vnet::from_xml(&vn.to_xml()).unwrap();
    assert_eq!((back.to_xml(), back.to_pool_xml()), (vn.to_xml(), vn.to_pool_xml()));
    assert_eq!(back.ars, vn.ars);
    let pool = crate::xml::parse(&vnet_pool_xml([&vn])).unwrap();
    let from_pool = vnets_from_pool(&pool).unwrap();
    assert_eq!((from_pool[0].to_xml(), &from_pool[0].ars), (vn.to_xml(), &vn.ars));
    assert!(vn.to_pool_xml().contains("<ALLOCATED><![CDATA[ 0 68719476743 10 73014444031]]></ALLOCATED>"));
    assert!(!vn.to_pool_xml().contains("<LEASES"));
    assert_eq!(vn.used_leases(), 2);
    assert_eq!(vn.cluster_ids(), vec![0]);
}

#[test]
fn lease_filters_apply_to_info() {
    let mut vn = net0();
    for vm in [1, 2] {
        vn.nic_attribute(&mut Vec::new(), vm, &[], PREFIX, &mut || 0).unwrap();
    }
    vn.vrouters.extend([4, 5]);
    let filter =
        LeaseFilter { vms: Some([1].into()), vnets: Some(BTreeSet::new()), vrouters: Some([5].into()) };
    let mut w = XmlWriter::new();
    vn.write_info_xml(&mut w, &filter);
    let xml = w.finish();
    assert!(xml.contains("<VROUTERS><ID>5</ID></VROUTERS>"), "{xml}");
    assert!(xml.contains("<VM><![CDATA[1]]></VM>") && !xml.contains("<VM><![CDATA[2]]></VM>"));
    assert_eq!(vn.free_by_owner(LeaseOwner::Vm(2)), 1);
}

#[test]
fn allocation_rules_and_messages() {
    let conf = VnMadConf::default();
    let alloc = |text: &str| {
        let meta = Meta::oneadmin(7, "", Permissions::from_octal(0o600));
        Vnet::allocate(meta, Template::parse(text).unwrap(), BTreeSet::new(), -1, -1, &conf)
    };
    for (text, msg) in [
        ("VN_MAD=dummy", "No NAME in template for Virtual Network."),
        ("NAME=n", "No VN_MAD in template for Virtual Network."),
        ("NAME=n\nVN_MAD=dummy", "BRIDGE is mandatory for driver dummy"),
        ("NAME=n\nVN_MAD=802.1Q", "PHYDEV is mandatory for driver 802.1Q"),
        ("NAME=n\nVN_MAD=vxlan\nPHYDEV=eth0", "VLAN_ID (or AUTOMATIC_VLAN_ID) is mandatory for driver vxlan"),
        (
            "NAME=n\nVN_MAD=ovswitch_vxlan",
            "OUTER_VLAN_ID (or AUTOMATIC) is mandatory for driver ovswitch_vxlan",
        ),
        ("NAME=n\nVN_MAD=nope", "VN_MAD named \"nope\" is not defined in oned.conf"),
        (
            "NAME=n\nVN_MAD=bridge\nBRIDGE_TYPE=openvswitch",
            "Attribute BRIDGE_TYPE has wrong value \"openvswitch\" for VN_MAD_CONF bridge in oned.conf",
        ),
    ] {
        assert_eq!(alloc(text).unwrap_err(), msg, "{text}");
    }
    let vn = alloc("TEMPLATE_NAME=tpl\nVN_MAD=802.1Q\nPHYDEV=eth0\nVLAN_ID=\" 42\"\nSECURITY_GROUPS=\"5,2\"")
        .unwrap();
    assert_eq!(vn.meta.name, "tpl-7");
    assert_eq!((vn.vlan_id.as_str(), vn.bridge.as_str()), ("42", "onebr.42"));
    assert_eq!(vn.template.get("SECURITY_GROUPS"), Some("0,2,5"));
    assert_eq!(vn.security_groups(), [0, 2, 5].into());
    let vn = alloc("NAME=n\nVN_MAD=802.1Q\nPHYDEV=eth0\nAUTOMATIC_VLAN_ID=yes").unwrap();
    assert!(vn.vlan_id_automatic && vn.vlan_id.is_empty());
    assert_eq!(vn.bridge, "onebr7");
    assert_eq!(vn.template.get("AUTOMATIC_VLAN_ID"), None);
    let ovs = alloc("NAME=n\nVN_MAD=ovswitch\nBRIDGE_TYPE=openvswitch_dpdk").unwrap();
    assert_eq!(ovs.bridge_type, "openvswitch_dpdk");
}

#[test]
fn a_bad_range_leaves_the_network_in_error() {
    let conf = VnMadConf::default();
    let meta = Meta::oneadmin(1, "", Permissions::from_octal(0o600));
    let tmpl =
        Template::parse("NAME=n\nVN_MAD=dummy\nBRIDGE=b\nAR=[TYPE=IP4,SIZE=2]\nAR=[TYPE=ETHER,SIZE=2]")
            .unwrap();
    let mut vn = Vnet::allocate(meta, tmpl, BTreeSet::new(), -1, -1, &conf).unwrap();
    assert_eq!(
        vn.finish_create(&Template::new(), &conf, PREFIX, &mut || 9).unwrap_err(),
        "Wrong or empty IP attribute"
    );
    assert_eq!(vn.state, VnetState::Error);
    assert_eq!(vn.ars.len(), 1);
    assert_eq!(vn.ars[0].id(), 0, "failed ranges do not use an ID");
}

#[test]
fn updates_keep_the_driver_attributes_and_track_changes() {
    let conf = VnMadConf::default();
    let mut vn = net0();
    vn.nic_attribute(&mut Vec::new(), 3, &[], PREFIX, &mut || 0).unwrap();
    assert!(vn.updated_vms.contains(&3));
    assert_eq!(
        vn.update_template(&Template::parse("MTU=1").unwrap(), false, &conf).unwrap_err(),
        "No VN_MAD in template for Virtual Network."
    );
    vn.update_template(&Template::parse("MTU=9000\nBRIDGE=br1\nVN_MAD=dummy").unwrap(), false, &conf)
        .unwrap();
    assert_eq!(vn.bridge, "br1");
    assert_eq!(vn.template.get("VN_MAD"), Some("dummy"), "VN_MAD is kept");
    assert_eq!(vn.template.get("VLAN_ID"), Some(""));
    assert_eq!(vn.template.vector("VNET_UPDATE").unwrap(), &[("MTU".to_owned(), String::new())]);
    assert!(vn.outdated_vms.contains(&3) && vn.updated_vms.is_empty());
    let e = vn
        .update_template(&Template::parse("VN_MAD=fw\nBRIDGE_TYPE=bogus").unwrap(), true, &conf)
        .unwrap_err();
    assert_eq!(e, "Attribute BRIDGE_TYPE has wrong value \"bogus\" for VN_MAD_CONF fw in oned.conf");
    assert_eq!(vn.vn_mad, "dummy");
    vn.update_template(&Template::parse("VN_MAD=ovswitch\nBRIDGE_TYPE=linux").unwrap(), true, &conf).unwrap();
    assert_eq!(
        (vn.vn_mad.as_str(), vn.bridge_type.as_str()),
        ("ovswitch", "openvswitch"),
        "reset on driver change"
    );
    assert_eq!(vn.template.get("MTU"), Some("9000"), "append keeps the rest");
    vn.update_template(&Template::parse("VN_MAD=ovswitch").unwrap(), false, &conf).unwrap();
    assert_eq!(
        vn.template.vector("VNET_UPDATE").unwrap(),
        &[("MTU".to_owned(), "9000".to_owned())],
        "removed"
    );
}

#[test]
fn states_are_read_from_cdata() {
    let xml = net0().to_xml().replace("<STATE><![CDATA[1]]></STATE>", "<STATE><![CDATA[9]]></STATE>");
    assert!(Vnet::from_xml(&xml).unwrap_err().0.contains("STATE"));
}
