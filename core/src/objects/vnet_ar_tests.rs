//! Tests of address ranges: validation messages, computed addresses, leases, holds,
//! reservations, updates and both XML forms.

use super::*;
use crate::template::Template;
use crate::xml::XmlWriter;

const PREFIX: u32 = 0x0200;

fn pairs(text: &str) -> Vec<(String, String)> {
    Template::parse(&format!("AR=[{text}]")).unwrap().vector("AR").unwrap().to_vec()
}

fn ar(text: &str) -> Result<AddressRange, String> {
    AddressRange::from_pairs(0, &pairs(text), false, PREFIX, &mut || 0x1234_5678)
}

fn info(a: &AddressRange) -> String {
    let mut w = XmlWriter::new();
    a.write_info_xml(&mut w, &LeaseFilter::default());
    w.finish()
}

fn stored(a: &AddressRange) -> String {
    let mut w = XmlWriter::new();
    a.write_stored_xml(&mut w);
    w.finish()
}

fn lease(a: &mut AddressRange, vm: i32) -> Vec<(String, String)> {
    let mut nic = Vec::new();
    assert!(a.allocate(LeaseOwner::Vm(vm), &mut nic, &[], PREFIX, &mut || 7));
    nic
}

#[test]
fn validation_messages() {
    for (text, msg) in [
        ("SIZE=1", "Unknown or missing address range TYPE."),
        ("TYPE=IP5,SIZE=1", "Unknown or missing address range TYPE."),
        ("TYPE=IP4,SIZE=1", "Wrong or empty IP attribute"),
        ("TYPE=IP4,IP=10.0.0.300,SIZE=1", "Wrong or empty IP attribute"),
        ("TYPE=IP4,IP=10.0.0.1", "Wrong SIZE for address range"),
        ("TYPE=IP4,IP=10.0.0.1,SIZE=-1", "Wrong SIZE for address range"),
        ("TYPE=IP4,IP=10.0.0.1,SIZE=1,MAC=zz", "Wrong format for MAC attribute: zz"),
        ("TYPE=IP6,SIZE=1,GLOBAL_PREFIX=nope", "Wrong format for IP6 global address prefix"),
        ("TYPE=IP6,SIZE=1,ULA_PREFIX=nope", "Wrong format for IP6 unique local address prefix"),
        ("TYPE=IP6_STATIC,SIZE=1", "Wrong or empty IP6 attribute"),
        ("TYPE=IP6_STATIC,IP6=fd00::1,SIZE=1", "Wrong or empty PREFIX_LENGTH"),
        ("TYPE=ETHER,SIZE=1,SHARED=YES", "Shared ARs can be only of type IP4 or IP6_STATIC."),
        ("TYPE=IP4,IP=10.0.0.1,SIZE=1,SHARED=YES,IPAM_MAD=aws", "Shared ARs cannot use an external IPAM"),
    ] {
        assert_eq!(ar(text).unwrap_err(), msg, "{text}");
    }
}

#[test]
fn an_ip4_range_is_stored_like_opennebulas() {
    let a = ar("TYPE=ip4,IP=10.0.0.10,SIZE=16,ALLOCATED=junk,USED_LEASES=3").unwrap();
    assert_eq!(
        stored(&a),
        "<AR><AR_ID><![CDATA[0]]></AR_ID><IP><![CDATA[10.0.0.10]]></IP><MAC><![CDATA[02:00:0a:00:00:0a]]></MAC>\
         <NEXT_INDEX><![CDATA[0]]></NEXT_INDEX><SHARED><![CDATA[NO]]></SHARED><SIZE><![CDATA[16]]></SIZE>\
         <TYPE><![CDATA[ip4]]></TYPE></AR>"
    );
    assert!(info(&a).ends_with(
        "<MAC_END><![CDATA[02:00:0a:00:00:19]]></MAC_END><IP_END><![CDATA[10.0.0.25]]></IP_END>\
         <USED_LEASES>0</USED_LEASES><LEASES/></AR>"
    ));
}

#[test]
fn ipv6_ranges() {
    let a = ar("TYPE=IP4_6,IP=10.0.0.1,SIZE=2,GLOBAL_PREFIX=2001:db8::,ULA_PREFIX=fd00::").unwrap();
    let xml = info(&a);
    assert!(xml.contains(
        "<IP6_ULA><![CDATA[fd00::aff:fe00:1]]></IP6_ULA><IP6_ULA_END><![CDATA[fd00::aff:fe00:2]]>"
    ));
    assert!(xml.contains("<IP6_GLOBAL><![CDATA[2001:db8::aff:fe00:1]]></IP6_GLOBAL>"), "{xml}");
    let mut a = a;
    let nic = lease(&mut a, 1);
    assert_eq!(vp::get(&nic, "IP6_LINK"), Some("fe80::aff:fe00:1"));
    assert_eq!(vp::get(&nic, "IP6_GLOBAL"), Some("2001:db8::aff:fe00:1"));
    let e = ar("TYPE=ETHER,SIZE=4").unwrap();
    assert_eq!(e.attr("MAC"), "02:00:12:34:56:78", "ETHER ranges get a random MAC");
    assert_eq!(e.attr("IP"), "");
    let s = ar("TYPE=IP6_STATIC,IP6=fd00::10,PREFIX_LENGTH=120").unwrap();
    assert_eq!(s.size(), 256 - 16);
    assert!(info(&s).contains("<IP6_END><![CDATA[fd00::ff]]></IP6_END>"));
    let big = ar("TYPE=IP6_STATIC,IP6=fd00::10,PREFIX_LENGTH=64").unwrap();
    assert_eq!(big.size(), u64::MAX - 16);
}

#[test]
fn leases_go_round_and_are_freed() {
    let mut a = ar("TYPE=IP4,IP=10.0.0.1,SIZE=3,VN_MAD=fw,PORT_START=1000,PORT_SIZE=10,COLOR=red").unwrap();
    let nic = lease(&mut a, 5);
    assert_eq!(vp::get(&nic, "IP"), Some("10.0.0.1"));
    assert_eq!(vp::get(&nic, "MAC"), Some("02:00:0a:00:00:01"));
    assert_eq!(vp::get(&nic, "AR_ID"), Some("0"));
    assert_eq!(vp::get(&nic, "VN_MAD"), Some("fw"));
    assert_eq!(vp::get(&nic, "EXTERNAL_PORT_RANGE"), Some("1001:1010"));
    assert_eq!(vp::get(&nic, "INTERNAL_PORT_RANGE"), Some("1-10/1001"));
    let mut inherited = vec![("COLOR".to_owned(), "blue".to_owned())];
    assert!(a.allocate(
        LeaseOwner::Vm(6),
        &mut inherited,
        &["COLOR".into(), "SIZE".into()],
        PREFIX,
        &mut || 0
    ));
    assert_eq!(vp::get(&inherited, "COLOR"), Some("blue"), "NIC values win");
    assert_eq!(vp::get(&inherited, "SIZE"), Some("3"));
    assert!(a.hold(&LeaseAddr::Ip("10.0.0.3".into())));
    assert!(!a.allocate(LeaseOwner::Vm(7), &mut Vec::new(), &[], PREFIX, &mut || 0), "full");
    assert_eq!((a.used(), a.available()), (3, 0));
    assert_eq!(
        a.attr("ALLOCATED"),
        format!(" 0 {} 1 {} 2 {}", 0x10_0000_0005i64, 0x10_0000_0006i64, 0x10_FFFF_FFFFi64)
    );
    assert!(!a.free(LeaseOwner::Vm(6), &LeaseAddr::Mac("02:00:0a:00:00:01".into())), "not 6's lease");
    assert!(a.free(LeaseOwner::Vm(5), &LeaseAddr::Mac("02:00:0a:00:00:01".into())));
    assert!(a.free(LeaseOwner::HOLD, &LeaseAddr::Ip("10.0.0.3".into())));
    assert_eq!(a.free_by_owner(LeaseOwner::Vm(6)), 1);
    assert_eq!((a.used(), a.attr("ALLOCATED")), (0, ""));
    let nic = lease(&mut a, 8);
    assert_eq!(vp::get(&nic, "IP"), Some("10.0.0.3"), "allocation goes on from NEXT_INDEX");
    assert_eq!(vp::get(&lease(&mut a, 9), "IP"), Some("10.0.0.1"), "and wraps around");
}

#[test]
fn requested_addresses() {
    let mut a = ar("TYPE=IP4,IP=10.0.0.1,SIZE=4").unwrap();
    let mut nic = Vec::new();
    assert!(a.allocate_by_ip("10.0.0.3", LeaseOwner::Vm(1), &mut nic, &[], PREFIX, &mut || 0));
    assert_eq!(vp::get(&nic, "MAC"), Some("02:00:0a:00:00:03"));
    assert!(!a.allocate_by_ip("10.0.0.3", LeaseOwner::Vm(2), &mut Vec::new(), &[], PREFIX, &mut || 0));
    assert!(!a.allocate_by_ip("10.0.0.5", LeaseOwner::Vm(2), &mut Vec::new(), &[], PREFIX, &mut || 0));
    assert!(!a.allocate_by_ip("10.0.0.0", LeaseOwner::Vm(2), &mut Vec::new(), &[], PREFIX, &mut || 0));
    assert!(a.allocate_by_mac("02:00:0a:00:00:04", LeaseOwner::Vm(2), &mut nic, &[], PREFIX, &mut || 0));
    assert!(!a.allocate_by_mac("02:01:0a:00:00:01", LeaseOwner::Vm(2), &mut nic, &[], PREFIX, &mut || 0));
    assert!(!a.hold(&LeaseAddr::Mac("02:00:0a:00:00:04".into())));
    assert!(!a.allocate_by_ip6("fd00::1", LeaseOwner::Vm(2), &mut nic, &[], PREFIX, &mut || 0));
    let mut s = ar("TYPE=IP6_STATIC,IP6=fd00::10,PREFIX_LENGTH=64,SIZE=10").unwrap();
    assert!(s.allocate_by_ip6("fd00::12", LeaseOwner::Vm(3), &mut nic, &[], PREFIX, &mut || 0));
    assert_eq!(vp::get(&nic, "IP6"), Some("fd00::12"));
    assert!(s.hold(&LeaseAddr::Ip6("fd00::13".into())));
    assert!(!s.hold(&LeaseAddr::Ip6("fd01::13".into())));
}

#[test]
fn shared_ranges_give_random_macs() {
    let mut a = ar("TYPE=IP4,IP=10.0.0.1,SIZE=2,SHARED=yes").unwrap();
    assert_eq!(a.attr("MAC"), "00:00:00:00:00:00");
    assert!(!a.allocate(LeaseOwner::Vm(1), &mut Vec::new(), &[], PREFIX, &mut || 0), "no automatic leases");
    let mut nic = Vec::new();
    assert!(a.allocate_by_ip("10.0.0.2", LeaseOwner::Vm(1), &mut nic, &[], PREFIX, &mut || 0xaabb_ccdd));
    assert_eq!((vp::get(&nic, "MAC"), vp::get(&nic, "SHARED")), (Some("02:00:aa:bb:cc:dd"), Some("YES")));
    assert!(a.allocate_by_ip("10.0.0.2", LeaseOwner::Vm(2), &mut Vec::new(), &[], PREFIX, &mut || 0));
    assert_eq!(a.used(), 1, "one address, two owners");
    let xml = info(&a);
    assert!(xml.contains("<MAC_END><![CDATA[00:00:00:00:00:00]]></MAC_END>"));
    assert!(xml.contains("<LEASE><IP><![CDATA[10.0.0.2]]></IP><VM><![CDATA[1]]></VM></LEASE>"), "{xml}");
    assert!(a.free(LeaseOwner::Vm(1), &LeaseAddr::Ip("10.0.0.2".into())));
    assert_eq!(a.used(), 1);
    assert!(a.reserve(9, 1, None, 0, PREFIX, &mut || 0).is_none(), "shared ranges cannot be reserved");
}

#[test]
fn reservations() {
    let mut a = ar("TYPE=IP4,IP=10.0.0.1,SIZE=10,IPAM_MAD=internal").unwrap();
    lease(&mut a, 1);
    let r = a.reserve(7, 3, None, 4, PREFIX, &mut || 0).unwrap();
    assert_eq!(r.id(), 4);
    assert_eq!((r.attr("IP"), r.attr("MAC"), r.attr("SIZE")), ("10.0.0.2", "02:00:0a:00:00:02", "3"));
    assert_eq!((r.attr("PARENT_NETWORK_AR_ID"), r.attr("IPAM_MAD"), r.attr("ALLOCATED")), ("0", "", ""));
    assert_eq!(r.parent_ar(), Some(0));
    assert_eq!(a.used(), 4);
    assert!(info(&a).contains("<LEASE><IP><![CDATA[10.0.0.2]]></IP><MAC><![CDATA[02:00:0a:00:00:02]]></MAC><VNET><![CDATA[7]]></VNET></LEASE>"));
    assert!(
        a.reserve(8, 2, Some(&LeaseAddr::Ip("10.0.0.4".into())), 0, PREFIX, &mut || 0).is_none(),
        "in use"
    );
    assert!(
        a.reserve(8, 3, Some(&LeaseAddr::Ip("10.0.0.9".into())), 0, PREFIX, &mut || 0).is_none(),
        "past the end"
    );
    let r2 =
        a.reserve(8, 2, Some(&LeaseAddr::Mac("02:00:0a:00:00:06".into())), 0, PREFIX, &mut || 0).unwrap();
    assert_eq!(r2.attr("IP"), "10.0.0.6");
    assert!(a.reserve(8, 5, None, 0, PREFIX, &mut || 0).is_none(), "only 4 left");
    assert_eq!(a.free_by_range(LeaseOwner::Vnet(7), r.attr("MAC"), 3), 3);
    assert_eq!(a.used(), 3);
}

#[test]
fn updates() {
    let mut a = ar("TYPE=IP4,IP=10.0.0.1,SIZE=10,MTU=1500,DNS=1.1.1.1").unwrap();
    let nic = lease(&mut a, 1);
    let _ = nic;
    let lease5 = a.allocate_by_ip("10.0.0.6", LeaseOwner::Vm(2), &mut Vec::new(), &[], PREFIX, &mut || 0);
    assert!(lease5);
    let changed = a
        .update(
            &pairs("AR_ID=0,SIZE=8,MTU=9000,IP=1.2.3.4,TYPE=ETHER,FOO=bar"),
            &["MTU".into(), "DNS".into()],
        )
        .unwrap();
    assert_eq!(changed.get("MTU").map(String::as_str), Some("1500"));
    assert_eq!(changed.get("DNS").map(String::as_str), Some("1.1.1.1"), "removed");
    assert_eq!((a.size(), a.attr("IP"), a.attr("TYPE"), a.attr("FOO")), (8, "10.0.0.1", "IP4", "bar"));
    assert_eq!(a.attr("DNS"), "");
    assert_eq!(
        a.update(&pairs("SIZE=5"), &[]).unwrap_err(),
        "New SIZE cannot be applied. There are used leases that would fall outside the range."
    );
    assert_eq!(
        a.update(&pairs("SIZE=x"), &[]).unwrap_err(),
        "Unable to read the SIZE attribute, it must be number >= 0"
    );
    let mut r = a.reserve(3, 1, None, 1, PREFIX, &mut || 0).unwrap();
    assert_eq!(r.update(&pairs("SIZE=2"), &[]).unwrap_err(), "The SIZE of a reservation cannot be changed.");
    r.update(&pairs("SIZE=1,NOTE=x"), &[]).unwrap();
    assert_eq!((r.attr("PARENT_NETWORK_AR_ID"), r.attr("NOTE")), ("0", "x"));
}

#[test]
fn both_forms_read_back() {
    let mut a = ar("TYPE=IP4,IP=10.0.0.1,SIZE=10,SECURITY_GROUPS=\"3,1\"").unwrap();
    lease(&mut a, 1);
    lease(&mut a, 2);
    a.hold(&LeaseAddr::Ip("10.0.0.9".into()));
    a.reserve(4, 2, None, 1, PREFIX, &mut || 0).unwrap();
    assert_eq!(a.security_groups().iter().copied().collect::<Vec<_>>(), vec![1, 3]);
    let back = AddressRange::from_stored(a.attrs().clone()).unwrap();
    assert_eq!(back, a);
    // The expanded form has no ALLOCATED; the leases give the same map back.
    let node = crate::xml::parse(&info(&a)).unwrap();
    let mut attrs = std::collections::BTreeMap::new();
    for c in node.children.iter().filter(|c| c.children.is_empty() && c.name != "LEASES") {
        attrs.insert(c.name.clone(), c.text.clone());
    }
    let leases: Vec<Vec<(String, String)>> = node
        .child("LEASES")
        .unwrap()
        .children
        .iter()
        .map(|l| l.children.iter().map(|c| (c.name.clone(), c.text.clone())).collect())
        .collect();
    for computed in ["MAC_END", "IP_END", "USED_LEASES"] {
        attrs.remove(computed);
    }
    let mut restored = AddressRange::from_stored(attrs).unwrap();
    restored.restore_leases(&leases).unwrap();
    assert_eq!(restored, a);
    assert_eq!(a.vm_ids().into_iter().collect::<Vec<_>>(), vec![-1, 1, 2]);
    let mut bad = a.attrs().clone();
    bad.insert("ALLOCATED".into(), " 1".into());
    assert!(AddressRange::from_stored(bad).is_err());
}

#[test]
fn lease_filters_hide_other_peoples_leases() {
    let mut a = ar("TYPE=IP4,IP=10.0.0.1,SIZE=4").unwrap();
    lease(&mut a, 1);
    lease(&mut a, 2);
    let filter = LeaseFilter { vms: Some([2].into()), ..LeaseFilter::default() };
    let mut w = XmlWriter::new();
    a.write_info_xml(&mut w, &filter);
    let xml = w.finish();
    assert!(!xml.contains("<VM><![CDATA[1]]></VM>") && xml.contains("<VM><![CDATA[2]]></VM>"));
    assert!(xml.contains("<USED_LEASES>2</USED_LEASES>"));
}
