//! Tests of leases, holds, ranges and reservations at the network level.

use super::*;
use crate::objects::common::{Meta, PoolObject};
use crate::objects::vnet::tests::{PREFIX, net0};
use crate::objects::vnet_create::VnMadConf;
use crate::perms::Permissions;

fn t(text: &str) -> Template {
    Template::parse(text).unwrap()
}

fn nic(text: &str) -> Vec<(String, String)> {
    if text.is_empty() {
        return Vec::new();
    }
    t(&format!("NIC=[{text}]")).vector("NIC").unwrap().to_vec()
}

#[test]
fn a_nic_gets_the_network_and_a_lease() {
    let mut vn = net0();
    vn.template.set("MTU", "1400");
    vn.template.set("SECURITY_GROUPS", "0,4");
    vn.ars[0].update(&nic("SECURITY_GROUPS=9,GATEWAY=10.0.0.1"), &[]).unwrap();
    let mut n = nic("NIC_ID=1,SECURITY_GROUPS=2");
    vn.nic_attribute(&mut n, 5, &["MTU".into(), "GATEWAY".into()], PREFIX, &mut || 0).unwrap();
    for (k, v) in [
        ("NETWORK", "net0"),
        ("NETWORK_ID", "0"),
        ("BRIDGE", "br0"),
        ("VN_MAD", "dummy"),
        ("TARGET", "one-5-1"),
        ("CLUSTER_ID", "0"),
        ("BRIDGE_TYPE", "linux"),
        ("IP", "10.0.0.10"),
        ("MAC", "02:00:0a:00:00:0a"),
        ("AR_ID", "0"),
        ("MTU", "1400"),
        ("GATEWAY", "10.0.0.1"),
        ("SECURITY_GROUPS", "0,2,4,9"),
    ] {
        assert_eq!(vp::get(&n, k), Some(v), "{k}");
    }
    assert_eq!((vp::get(&n, "PHYDEV"), vp::get(&n, "VLAN_ID")), (None, None));
    let mut requested = nic("IP=10.0.0.12");
    vn.nic_attribute(&mut requested, 6, &[], PREFIX, &mut || 0).unwrap();
    assert_eq!(vp::get(&requested, "MAC"), Some("02:00:0a:00:00:0c"));
    let mut taken = nic("IP=10.0.0.12");
    assert_eq!(
        vn.nic_attribute(&mut taken, 7, &[], PREFIX, &mut || 0).unwrap_err(),
        "Cannot get IP/MAC lease from virtual network 0."
    );
    let mut both = nic("IP=10.0.0.13,MAC=02:00:0a:00:00:0d");
    assert!(vn.nic_attribute(&mut both, 7, &[], PREFIX, &mut || 0).is_err());
    assert!(!vn.updated_vms.contains(&7));
    let mut floating = nic("FLOATING_IP=YES,FLOATING_ONLY=yes,IP=1.2.3.4");
    vn.nic_attribute(&mut floating, 8, &[], PREFIX, &mut || 0xdead_beef).unwrap();
    assert_eq!((vp::get(&floating, "MAC"), vp::get(&floating, "IP")), (Some("02:00:de:ad:be:ef"), None));
    assert_eq!(vn.used_leases(), 2);
    vn.free_nic_lease(&n, LeaseOwner::Vm(5));
    assert_eq!(vn.used_leases(), 1);
    assert!(!vn.updated_vms.contains(&5));
}

#[test]
fn virtual_routers_lease_floating_ips_only() {
    let mut vn = net0();
    let mut plain = nic("");
    vn.vrouter_nic_attribute(&mut plain, 2, &[], PREFIX, &mut || 0).unwrap();
    assert_eq!((vn.used_leases(), vp::get(&plain, "NETWORK")), (0, Some("net0")));
    let mut floating = nic("FLOATING_IP=YES");
    vn.vrouter_nic_attribute(&mut floating, 2, &[], PREFIX, &mut || 0).unwrap();
    assert_eq!(vn.used_leases(), 1);
    assert!(vn.vrouters.contains(&2));
    assert!(vn.to_xml().contains("<VROUTER><![CDATA[2]]></VROUTER>"));
    let mac = vp::get(&floating, "MAC").unwrap().to_owned();
    vp::replace(&mut floating, "VROUTER_MAC", mac);
    vn.free_nic_lease(&floating, LeaseOwner::Vrouter(2));
    assert_eq!(vn.used_leases(), 0);
    assert!(vn.vrouters.is_empty());
}

#[test]
fn holds_and_releases() {
    let mut vn = net0();
    assert_eq!(vn.hold_leases(&t("X=1")).unwrap_err(), "Empty lease description.");
    assert_eq!(vn.hold_leases(&t("LEASES=[AR_ID=0]")).unwrap_err(), "Missing MAC, IP or IP6.");
    assert_eq!(
        vn.hold_leases(&t("LEASES=[IP=10.0.0.10,MAC=02:00:0a:00:00:0a]")).unwrap_err(),
        "Only one attribute MAC, IP or IP6 can be set."
    );
    vn.hold_leases(&t("LEASES=[IP=10.0.0.10]")).unwrap();
    assert_eq!(
        vn.hold_leases(&t("LEASES=[MAC=02:00:0a:00:00:0a]")).unwrap_err(),
        "Address is not part of the address range or in use."
    );
    assert!(vn.hold_leases(&t("LEASES=[IP=10.0.0.11,AR_ID=3]")).is_err());
    assert!(vn.to_xml().contains("<LEASE><IP><![CDATA[10.0.0.10]]></IP><MAC><![CDATA[02:00:0a:00:00:0a]]></MAC><VM><![CDATA[-1]]></VM></LEASE>"));
    let mut n = nic("");
    vn.nic_attribute(&mut n, 1, &[], PREFIX, &mut || 0).unwrap();
    assert_eq!(vp::get(&n, "IP"), Some("10.0.0.11"), "held addresses are skipped");
    vn.release_leases(&t("LEASES=[MAC=02:00:0a:00:00:0a,AR_ID=0]")).unwrap();
    vn.release_leases(&t("LEASES=[IP=10.0.0.11]")).unwrap();
    assert_eq!(vn.used_leases(), 1, "a VM lease is not released");
}

#[test]
fn ranges_are_added_updated_and_removed() {
    let mut vn = net0();
    vn.template.set("IPAM_MAD", "internal");
    assert_eq!(
        vn.add_ar(&t("X=1"), PREFIX, &mut || 0).unwrap_err(),
        "Wrong AR definition. AR vector attribute is missing."
    );
    assert_eq!(
        vn.add_ar(&t("AR=[TYPE=IP4,SIZE=2]"), PREFIX, &mut || 0).unwrap_err(),
        "Wrong or empty IP attribute"
    );
    assert_eq!(vn.add_ar(&t("AR=[TYPE=ETHER,SIZE=2]"), PREFIX, &mut || 0x33).unwrap(), 1);
    assert_eq!(vn.ar(1).unwrap().attr("IPAM_MAD"), "internal");
    assert_eq!(vn.size(), 18);
    vn.nic_attribute(&mut nic(""), 4, &[], PREFIX, &mut || 0).unwrap();
    vn.updated_vms.insert(4);
    vn.update_ar(&t("AR=[AR_ID=0,SIZE=20,MTU=9000]"), &["MTU".into()]).unwrap();
    assert_eq!(vn.ar(0).unwrap().size(), 20);
    assert_eq!(vn.template.vector("VNET_UPDATE").unwrap(), &[("MTU".to_owned(), String::new())]);
    assert!(vn.outdated_vms.contains(&4) && !vn.updated_vms.contains(&4));
    assert_eq!(vn.update_ar(&t("AR=[SIZE=1]"), &[]).unwrap_err(), "AR/AR_ID attribute is missing.");
    assert_eq!(vn.update_ar(&t("AR=[AR_ID=9]"), &[]).unwrap_err(), "Address Range with ID 9 was not found.");
    assert_eq!(vn.rm_ar(0, false).unwrap_err(), "Address Range has leases in use");
    assert_eq!(vn.rm_ar(7, false).unwrap_err(), "Address Range does not exist");
    let removed = vn.rm_ar(1, false).unwrap();
    assert_eq!((removed.parent_vid, removed.parent_ar, removed.size), (-1, None, 2));
    vn.rm_ar(0, true).unwrap();
    assert_eq!(vn.next_ar_id(), 0);
    vn.state = VnetState::LockDelete;
    assert_eq!(
        vn.rm_ar(0, false).unwrap_err(),
        "Could not remove Adress Range, Virtual Network is in wrong state: LOCK_DELETE"
    );
    assert_eq!(
        vn.check_usable("one.vn.hold").unwrap_err(),
        "Could not execute one.vn.holdVirtual Network is in wrong state: LOCK_DELETE"
    );
}

#[test]
fn reservation_requests() {
    let parse = |text: &str| parse_reserve_request(&t(text), 0);
    for (text, msg) in [
        ("NAME=r", "Reservation SIZE must be a greater than 0"),
        ("SIZE=0\nNAME=r", "Reservation SIZE must be a greater than 0"),
        ("SIZE=2\nNETWORK_ID=-3", "NETWORK_ID must be equal or greater than 0"),
        ("SIZE=2\nNETWORK_ID=0", "Cannot add a reservation from the same network"),
        ("SIZE=2", "NAME for reservation has to be set"),
        ("SIZE=2\nNAME=r\nAR_ID=-1", "AR_ID must be equal or greater than 0"),
        ("SIZE=2\nNAME=r\nIP=10.0.0.1", "AR_ID must be specified for IP/MAC based reservations"),
    ] {
        assert_eq!(parse(text).unwrap_err(), msg, "{text}");
    }
    let r = parse("SIZE=2\nNETWORK_ID=4\nAR_ID=0\nMAC=02:00:0a:00:00:10").unwrap();
    assert_eq!(
        r,
        ReserveRequest {
            size: 2,
            network_id: Some(4),
            name: String::new(),
            ar_id: Some(0),
            start: Some(LeaseAddr::Mac("02:00:0a:00:00:10".into())),
        }
    );
}

#[test]
fn a_reservation_end_to_end() {
    let conf = VnMadConf::default();
    let mut parent = net0();
    let req = parse_reserve_request(&t("SIZE=4\nNAME=mine"), 0).unwrap();
    let meta = Meta {
        id: 1,
        uid: 3,
        gid: 1,
        uname: "u".into(),
        gname: "users".into(),
        ..Meta::oneadmin(1, "", Permissions::from_octal(0o600))
    };
    let mut rsv =
        Vnet::allocate(meta, parent.reservation_template(&req.name), parent.clusters.clone(), 0, -1, &conf)
            .unwrap();
    assert_eq!((rsv.meta.name.as_str(), rsv.parent_vid), ("mine", 0));
    let ar = parent.reserve(&req, rsv.meta.id, rsv.next_ar_id(), PREFIX, &mut || 0).unwrap();
    rsv.add_reserved_ar(ar).unwrap();
    rsv.finish_create(&Template::new(), &conf, PREFIX, &mut || 0).unwrap();
    assert_eq!(parent.used_leases(), 4);
    assert!(parent.to_xml().contains("<VNET><![CDATA[1]]></VNET>"));
    let xml = rsv.to_xml();
    assert!(xml.contains("<PARENT_NETWORK_ID>0</PARENT_NETWORK_ID>"), "{xml}");
    assert!(xml.contains("<PARENT_NETWORK_AR_ID><![CDATA[0]]></PARENT_NETWORK_AR_ID>"));
    assert!(xml.contains("<IP_END><![CDATA[10.0.0.13]]></IP_END>"));
    // A VM on the reservation.
    let mut n = nic("");
    rsv.nic_attribute(&mut n, 9, &[], PREFIX, &mut || 0).unwrap();
    assert_eq!((vp::get(&n, "IP"), vp::get(&n, "PARENT_NETWORK_ID")), (Some("10.0.0.10"), Some("0")));
    assert_eq!(
        rsv.reserve(&req, 2, 0, PREFIX, &mut || 0).unwrap_err(),
        "Cannot reserve addresses from a reserved VNET"
    );
    assert_eq!(
        parent.accepts_reservation_from(1).unwrap_err(),
        "Cannot add reservations to a non-reservation VNET"
    );
    assert_eq!(
        rsv.accepts_reservation_from(5).unwrap_err(),
        "New reservations for virtual network 1 have to be from network 0"
    );
    rsv.accepts_reservation_from(0).unwrap();
    // More addresses into the same reservation, from a given IP.
    let more = parse_reserve_request(&t("SIZE=2\nNETWORK_ID=1\nAR_ID=0\nIP=10.0.0.20"), 0).unwrap();
    let ar = parent.reserve(&more, 1, rsv.next_ar_id(), PREFIX, &mut || 0).unwrap();
    assert_eq!(ar.attr("IP"), "10.0.0.20");
    rsv.add_reserved_ar(ar).unwrap();
    let big = parse_reserve_request(&t("SIZE=20\nNAME=x"), 0).unwrap();
    assert_eq!(
        parent.reserve(&big, 3, 0, PREFIX, &mut || 0).unwrap_err(),
        "Not enough free addresses in an address range"
    );
    let big = parse_reserve_request(&t("SIZE=20\nNAME=x\nAR_ID=0"), 0).unwrap();
    assert_eq!(
        parent.reserve(&big, 3, 0, PREFIX, &mut || 0).unwrap_err(),
        "Not enough free addresses in address range 0, or it does not exist"
    );
    // Giving a range back frees the parent's addresses.
    assert_eq!(rsv.rm_ar(0, false).unwrap_err(), "Address Range has leases in use");
    let gone = rsv.rm_ar(1, false).unwrap();
    assert_eq!(
        (gone.parent_vid, gone.parent_ar, gone.mac.as_str(), gone.size),
        (0, Some(0), "02:00:0a:00:00:14", 2)
    );
    let freed =
        parent.free_by_range(gone.parent_ar.unwrap(), LeaseOwner::Vnet(rsv.meta.id), &gone.mac, gone.size);
    assert_eq!((freed, parent.used_leases()), (2, 4));
    assert_eq!(parent.free_by_owner(LeaseOwner::Vnet(1)), 4);
}

mod props {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Allocate(i32),
        AllocateIp(i32, u8),
        FreeVm(i32),
        FreeNic(usize),
        Hold(u8),
        Release(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0..6i32).prop_map(Op::Allocate),
            2 => (0..6i32, 0..10u8).prop_map(|(v, i)| Op::AllocateIp(v, i)),
            1 => (0..6i32).prop_map(Op::FreeVm),
            2 => (0..12usize).prop_map(Op::FreeNic),
            1 => (0..10u8).prop_map(Op::Hold),
            1 => (0..10u8).prop_map(Op::Release),
        ]
    }

    /// Addresses 0..6 in range 0 (10.0.0.10-14, 5 addresses: the 6th is outside), 6..10 in
    /// range 1 (10.0.1.1-3, the 4th outside).
    fn ip(i: u8) -> String {
        if i < 6 { format!("10.0.0.{}", 10 + i) } else { format!("10.0.1.{}", i - 5) }
    }

    /// The (range, index) of an address, when it is inside a range.
    fn slot(i: u8) -> Option<(u32, u32)> {
        match i {
            0..=4 => Some((0, u32::from(i))),
            6..=8 => Some((1, u32::from(i) - 6)),
            _ => None,
        }
    }

    fn network() -> Vnet {
        let mut vn = net0();
        vn.ars[0].update(&nic("SIZE=5"), &[]).unwrap();
        vn.add_ar(&t("AR=[TYPE=IP4,IP=10.0.1.1,SIZE=3]"), PREFIX, &mut || 0).unwrap();
        vn.add_ar(&t("AR=[TYPE=ETHER,SIZE=2]"), PREFIX, &mut || 0x1122_3344).unwrap();
        vn
    }

    /// The (range, index) a NIC's lease is on.
    fn nic_slot(vn: &Vnet, n: &[(String, String)]) -> (u32, u32) {
        let ar: u32 = vp::get(n, "AR_ID").unwrap().parse().unwrap();
        let mac = crate::objects::vnet_addr::parse_mac(vp::get(n, "MAC").unwrap()).unwrap();
        (ar, mac.lo - vn.ar(ar).unwrap().first_mac().lo)
    }

    proptest! {
        #[test]
        fn leases_are_never_shared_and_always_counted(ops in prop::collection::vec(op(), 1..60)) {
            let mut vn = network();
            let capacity = vn.size();
            // What should be leased: (range, index) -> owner; the NICs handed out.
            let mut model: BTreeMap<(u32, u32), LeaseOwner> = BTreeMap::new();
            let mut nics: Vec<(i32, Vec<(String, String)>)> = Vec::new();
            for op in ops {
                match op {
                    Op::Allocate(vm) => {
                        let mut n = Vec::new();
                        let ok = vn.nic_attribute(&mut n, vm, &[], PREFIX, &mut || 0x5566_7788).is_ok();
                        prop_assert_eq!(ok, (model.len() as u64) < capacity);
                        if ok {
                            let s = nic_slot(&vn, &n);
                            prop_assert!(model.insert(s, LeaseOwner::Vm(vm)).is_none(), "{:?} given twice", s);
                            nics.push((vm, n));
                        }
                    }
                    Op::AllocateIp(vm, i) => {
                        let mut n = vec![("IP".to_owned(), ip(i))];
                        let ok = vn.nic_attribute(&mut n, vm, &[], PREFIX, &mut || 0).is_ok();
                        let free = slot(i).is_some_and(|s| !model.contains_key(&s));
                        prop_assert_eq!(ok, free);
                        if ok {
                            prop_assert_eq!(nic_slot(&vn, &n), slot(i).unwrap());
                            model.insert(slot(i).unwrap(), LeaseOwner::Vm(vm));
                            nics.push((vm, n));
                        }
                    }
                    Op::FreeVm(vm) => {
                        let before = model.len();
                        model.retain(|_, o| *o != LeaseOwner::Vm(vm));
                        nics.retain(|(v, _)| *v != vm);
                        prop_assert_eq!(vn.free_by_owner(LeaseOwner::Vm(vm)), (before - model.len()) as u64);
                    }
                    Op::FreeNic(k) => {
                        if k < nics.len() {
                            let (vm, n) = nics.remove(k);
                            vn.free_nic_lease(&n, LeaseOwner::Vm(vm));
                            model.remove(&nic_slot(&vn, &n));
                        }
                    }
                    Op::Hold(i) => {
                        let ok = vn.hold_leases(&t(&format!("LEASES=[IP={}]", ip(i)))).is_ok();
                        let free = slot(i).is_some_and(|s| !model.contains_key(&s));
                        prop_assert_eq!(ok, free);
                        if ok {
                            model.insert(slot(i).unwrap(), LeaseOwner::HOLD);
                        }
                    }
                    Op::Release(i) => {
                        vn.release_leases(&t(&format!("LEASES=[IP={}]", ip(i)))).unwrap();
                        if let Some(s) = slot(i) && model.get(&s) == Some(&LeaseOwner::HOLD) {
                            model.remove(&s);
                        }
                    }
                }
                let mut actual: BTreeMap<(u32, u32), LeaseOwner> = BTreeMap::new();
                for ar in &vn.ars {
                    for (index, owner) in ar.leases() {
                        prop_assert!(actual.insert((ar.id(), index), owner).is_none(), "address leased twice");
                    }
                    prop_assert_eq!(ar.used(), ar.leases().count() as u64);
                }
                prop_assert_eq!(&actual, &model);
                prop_assert_eq!(vn.used_leases(), model.len() as u64);
                // The listing form keeps the bookkeeping exactly; the info form keeps the
                // leases (an empty ALLOCATED cannot be told from a missing one there).
                let node = crate::xml::parse(&vn.to_pool_xml()).unwrap();
                prop_assert_eq!(&Vnet::from_node(&node).unwrap().ars, &vn.ars);
                let back = Vnet::from_xml(&vn.to_xml()).unwrap();
                for (a, b) in back.ars.iter().zip(&vn.ars) {
                    prop_assert_eq!(a.leases().collect::<Vec<_>>(), b.leases().collect::<Vec<_>>());
                    prop_assert_eq!(a.attr("NEXT_INDEX"), b.attr("NEXT_INDEX"));
                }
            }
        }
    }
}
