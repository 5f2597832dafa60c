//! Virtual networks as an operator sees them: creation by the network driver (LOCK_CREATE →
//! READY, or ERROR), address ranges, holds, reservations with their quotas, recovery, and the
//! leases VMs take at instantiation and give back when they are done.

use oca::{Client, UpdateType, VnetRecover};
use one_core::objects::vnet::Vnet;
use one_core::states::{LcmState, VmState, VnetState};
use one_tests::Oned;

use crate::images::{api_error, check_xsd};
use crate::{code, message, wait};

const NET: &str = "NAME = net\nVN_MAD = dummy\nBRIDGE = br0\n\
    AR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 10 ]\nAR = [ TYPE = ETHER, SIZE = 5 ]";

/// A READY network with an IP4 range (10.0.0.1, 10 addresses) and an ETHER range (5).
pub async fn ready_net(c: &Client, name: &str) -> Vnet {
    let id = c.vn_allocate(&NET.replace("NAME = net", &format!("NAME = {name}")), -1).await.unwrap();
    wait::vnet(c, id, VnetState::Ready).await
}

/// The leases `one.vn.info` lists, as (IP or MAC, VM).
fn leases(xml: &str) -> Vec<(String, String)> {
    let doc = one_core::xml::parse(xml).unwrap();
    let mut out = Vec::new();
    for ar in doc.child("AR_POOL").unwrap().children_named("AR") {
        for lease in
            ar.child("LEASES").map(|l| l.children_named("LEASE").collect::<Vec<_>>()).unwrap_or_default()
        {
            let addr = lease.child_text("IP").or(lease.child_text("MAC")).unwrap_or_default().to_owned();
            out.push((addr, lease.child_text("VM").unwrap_or_default().to_owned()));
        }
    }
    out
}

#[tokio::test]
async fn allocate_creates_the_ranges_off_the_request_path() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c.vn_allocate(NET, -1).await.unwrap();
    assert_eq!(id, 0);
    let net = wait::vnet(&c, id, VnetState::Ready).await;
    assert_eq!(net.ars.len(), 2);
    assert_eq!((net.ars[0].size(), net.ars[1].size()), (10, 5));
    assert_eq!((net.bridge.as_str(), net.vn_mad.as_str()), ("br0", "dummy"));
    assert_eq!(net.template.get_all("AR").count(), 0, "the ranges left the template");
    assert!(net.clusters.contains(&0));
    assert!(c.cluster_info(0).await.unwrap().vnets.contains(&id));
    check_xsd(&c.vn_info_xml(id).await.unwrap(), "vnet.xsd");
    check_xsd(&c.vnpool_info_xml(-2, -1, -1).await.unwrap(), "vnet_pool.xsd");
    assert_eq!(c.vnpool_info(-2, -1, -1).await.unwrap().len(), 1);

    // A range the driver cannot build leaves the network in ERROR.
    let bad = c
        .vn_allocate("NAME = bad\nVN_MAD = dummy\nBRIDGE = br1\nAR = [ TYPE = IP4, SIZE = 4 ]", -1)
        .await
        .unwrap();
    let bad = wait::vnet(&c, bad, VnetState::Error).await;
    assert!(bad.template.get("ERROR").is_some());
    check_xsd(&c.vn_info_xml(bad.meta.id).await.unwrap(), "vnet.xsd");

    let before = c.vnpool_info_xml(-2, -1, -1).await.unwrap();
    let m = "[one.vn.allocate]";
    let cases = vec![
        (
            0x2000,
            format!("{m} No VN_MAD in template for Virtual Network."),
            c.vn_allocate("NAME = x", -1).await,
        ),
        (
            0x2000,
            format!("{m} No NAME in template for Virtual Network."),
            c.vn_allocate("VN_MAD = dummy\nBRIDGE = b", -1).await,
        ),
        (0x2000, format!("{m} NAME is already taken by NET 0."), c.vn_allocate(NET, -1).await),
        (
            0x2000,
            format!("{m} BRIDGE is mandatory for driver dummy"),
            c.vn_allocate("NAME = x\nVN_MAD = dummy", -1).await,
        ),
        (
            0x2000,
            format!("{m} VN_MAD named \"nope\" is not defined in oned.conf"),
            c.vn_allocate("NAME = x\nVN_MAD = nope", -1).await,
        ),
        (0x2000, format!("{m} Parse error: "), c.vn_allocate("NAME = \"x", -1).await),
        (
            0x400,
            format!("{m} Error getting cluster [42]."),
            c.vn_allocate("NAME = x\nVN_MAD = dummy\nBRIDGE = b", 42).await,
        ),
    ];
    for (expected_code, expected, r) in cases {
        let (got, msg) = api_error(r);
        assert_eq!(got, expected_code, "{msg}");
        assert!(msg.starts_with(&expected), "{msg}\nexpected: {expected}");
    }
    c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let alice = oned.client_as("alice:pw");
    assert_eq!(code(alice.vn_allocate("NAME = x\nVN_MAD = dummy\nBRIDGE = b", -1).await), 0x200);
    assert_eq!(c.vnpool_info_xml(-2, -1, -1).await.unwrap(), before, "refusals change nothing");
}

#[tokio::test]
async fn holds_ranges_and_updates() {
    let oned = Oned::start();
    let c = oned.client();
    let id = ready_net(&c, "net").await.meta.id;
    c.vn_hold(id, "LEASES = [ IP = 10.0.0.5 ]").await.unwrap();
    let xml = c.vn_info_xml(id).await.unwrap();
    assert_eq!(leases(&xml), [("10.0.0.5".to_owned(), "-1".to_owned())]);
    check_xsd(&xml, "vnet.xsd");
    assert_eq!(c.vn_info(id).await.unwrap().used_leases(), 1);
    let m = |method: &str| format!("[one.vn.{method}]");
    assert_eq!(
        message(c.vn_hold(id, "LEASES = [ IP = 10.0.0.5 ]").await),
        format!("{} Address is not part of the address range or in use.", m("hold"))
    );
    assert_eq!(
        message(c.vn_hold(id, "LEASES = [ AR_ID = 0 ]").await),
        format!("{} Missing MAC, IP or IP6.", m("hold"))
    );
    assert_eq!(message(c.vn_hold(id, "A = 1").await), format!("{} Empty lease description.", m("hold")));
    c.vn_release(id, "LEASES = [ IP = 10.0.0.5 ]").await.unwrap();
    assert_eq!(c.vn_info(id).await.unwrap().used_leases(), 0);

    c.vn_add_ar(id, "AR = [ TYPE = IP4, IP = 10.1.0.1, SIZE = 4 ]").await.unwrap();
    let net = c.vn_info(id).await.unwrap();
    assert_eq!(net.ars.iter().map(|a| a.id()).collect::<Vec<_>>(), [0, 1, 2]);
    c.vn_update_ar(id, "AR = [ AR_ID = 2, SIZE = 8 ]").await.unwrap();
    assert_eq!(c.vn_info(id).await.unwrap().ar(2).unwrap().size(), 8);
    assert_eq!(
        message(c.vn_update_ar(id, "AR = [ AR_ID = 9, SIZE = 8 ]").await),
        format!("{} Address Range with ID 9 was not found.", m("update_ar"))
    );
    c.vn_hold(id, "LEASES = [ IP = 10.1.0.2 ]").await.unwrap();
    assert_eq!(
        message(c.vn_rm_ar(id, 2, false).await),
        format!("{} Address Range has leases in use", m("rm_ar"))
    );
    c.vn_rm_ar(id, 2, true).await.unwrap();
    assert_eq!(
        message(c.vn_rm_ar(id, 7, false).await),
        format!("{} Address Range does not exist", m("rm_ar"))
    );
    assert_eq!(c.vn_info(id).await.unwrap().ars.len(), 2);

    c.vn_update(id, "MTU = 9000\nDESCRIPTION = lab", UpdateType::Merge).await.unwrap();
    let net = c.vn_info(id).await.unwrap();
    assert_eq!((net.template.get("MTU"), net.template.get("VN_MAD")), (Some("9000"), Some("dummy")));
    assert!(net.template.vector("VNET_UPDATE").is_some(), "MTU is a NIC attribute");
    let wrong = c.call(
        "one.vn.update",
        vec![oca::Value::Integer(id), oca::Value::String("A = 1".into()), oca::Value::Integer(5)],
    );
    assert_eq!(message(wrong.await), format!("{} Wrong update type", m("update")));
    assert_eq!(code(c.vn_update(id, "VN_MAD = \"\"", UpdateType::Merge).await), 0x2000);
    assert_eq!(c.vn_info(id).await.unwrap().vn_mad, "dummy", "a refused update changes nothing");
}

#[tokio::test]
async fn reservations_take_addresses_and_give_them_back() {
    let oned = Oned::start();
    let c = oned.client();
    let id = ready_net(&c, "net").await.meta.id;
    let rid = c.vn_reserve(id, "NAME = r1\nSIZE = 2").await.unwrap();
    let res = wait::vnet(&c, rid, VnetState::Ready).await;
    assert_eq!((res.parent_vid, res.ars.len(), res.used_leases()), (id, 1, 0));
    assert_eq!(c.vn_info(id).await.unwrap().used_leases(), 2);
    assert!(
        c.cluster_info(0).await.unwrap().vnets.contains(&rid),
        "the reservation joins the parent's clusters"
    );
    check_xsd(&c.vn_info_xml(rid).await.unwrap(), "vnet.xsd");
    // More addresses into the same reservation, from a given range and address.
    let again =
        c.vn_reserve(id, &format!("NETWORK_ID = {rid}\nSIZE = 1\nAR_ID = 0\nIP = 10.0.0.9")).await.unwrap();
    assert_eq!(again, rid);
    assert_eq!(c.vn_info(rid).await.unwrap().ars.len(), 2);
    assert_eq!(c.vn_info(id).await.unwrap().used_leases(), 3);

    let m = "[one.vn.reserve]";
    let before = c.vnpool_info_xml(-2, -1, -1).await.unwrap();
    let cases = vec![
        (
            0x800,
            format!("{m} Cannot reserve addresses from a reserved VNET"),
            c.vn_reserve(rid, "NAME = x\nSIZE = 1").await,
        ),
        (0x800, format!("{m} Reservation SIZE must be a greater than 0"), c.vn_reserve(id, "NAME = x").await),
        (0x800, format!("{m} NAME for reservation has to be set"), c.vn_reserve(id, "SIZE = 1").await),
        (
            0x800,
            format!("{m} Not enough free addresses in an address range"),
            c.vn_reserve(id, "NAME = x\nSIZE = 100").await,
        ),
        (
            0x800,
            format!("{m} Cannot add a reservation from the same network"),
            c.vn_reserve(id, &format!("NETWORK_ID = {id}\nSIZE = 1")).await,
        ),
        (
            0x400,
            format!("{m} Error getting virtual network [42]."),
            c.vn_reserve(42, "NAME = x\nSIZE = 1").await,
        ),
    ];
    for (expected_code, expected, r) in cases {
        let (got, msg) = api_error(r);
        assert_eq!(got, expected_code, "{msg}");
        assert!(msg.starts_with(&expected), "{msg}\nexpected: {expected}");
    }
    // The reservation owner's NETWORK quota counts the addresses.
    let alice_id = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    c.user_quota(alice_id, &format!("NETWORK = [ ID = {id}, LEASES = 1 ]")).await.unwrap();
    let alice = oned.client_as("alice:pw");
    assert_eq!(
        message(alice.vn_reserve(id, "NAME = mine\nSIZE = 2").await),
        format!(
            "{m} User [{alice_id}] : user [{alice_id}] limit of 1 reached for LEASES quota in NETWORK with ID: {id}."
        )
    );
    assert_eq!(c.vnpool_info_xml(-2, -1, -1).await.unwrap(), before, "refused reservations change nothing");
    let mine = alice.vn_reserve(id, "NAME = mine\nSIZE = 1").await.unwrap();
    wait::vnet(&c, mine, VnetState::Ready).await;
    assert_eq!(c.vn_info(id).await.unwrap().used_leases(), 4);

    // Freeing a reservation's range, or deleting it, gives the addresses back to the parent.
    c.vn_free_ar(rid, 0).await.unwrap();
    assert_eq!(c.vn_info(id).await.unwrap().used_leases(), 2);
    c.vn_delete(rid).await.unwrap();
    wait::vnet_gone(&c, rid).await;
    assert_eq!(c.vn_info(id).await.unwrap().used_leases(), 1);
    assert!(!c.cluster_info(0).await.unwrap().vnets.contains(&rid));
    alice.vn_delete(mine).await.unwrap();
    wait::vnet_gone(&c, mine).await;
    assert_eq!(c.vn_info(id).await.unwrap().used_leases(), 0);
    let quota = c.user_info(alice_id).await.unwrap().quotas;
    let used =
        quota.section(one_core::objects::quotas::QuotaKind::Network).iter().map(|e| e.used[0]).sum::<f64>();
    assert_eq!(used, 0.0, "the owner's lease quota is refunded");
}

#[tokio::test]
async fn wrong_states_recovery_and_unknown_networks() {
    let oned = Oned::start();
    let c = oned.client();
    let bad = c
        .vn_allocate("NAME = bad\nVN_MAD = dummy\nBRIDGE = br1\nAR = [ TYPE = IP4, SIZE = 4 ]", -1)
        .await
        .unwrap();
    wait::vnet(&c, bad, VnetState::Error).await;
    assert_eq!(
        message(c.vn_hold(bad, "LEASES = [ IP = 10.0.0.1 ]").await),
        "[one.vn.hold] Could not execute one.vn.holdVirtual Network is in wrong state: ERROR"
    );
    assert_eq!(code(c.vn_add_ar(bad, "AR = [ TYPE = ETHER, SIZE = 1 ]").await), 0x800);
    assert_eq!(
        message(c.vn_rm_ar(bad, 0, false).await),
        "[one.vn.rm_ar] Could not remove Adress Range, Virtual Network is in wrong state: ERROR"
    );
    assert_eq!(
        message(c.vn_recover(bad, VnetRecover::Retry).await),
        format!("[one.vn.recover] Could not perform 'recover retry' on VN {bad}, wrong state ERROR.")
    );
    assert_eq!(
        message(c.call("one.vn.recover", vec![oca::Value::Integer(bad), oca::Value::Integer(9)]).await),
        "[one.vn.recover] Wrong recovery operation code"
    );
    c.vn_recover(bad, VnetRecover::Success).await.unwrap();
    assert_eq!(c.vn_info(bad).await.unwrap().state, VnetState::Ready);
    assert_eq!(code(c.vn_recover(bad, VnetRecover::Failure).await), 0x2000);
    assert_eq!(code(c.vn_recover(bad, VnetRecover::Delete).await), 0x2000);
    let net = ready_net(&c, "net").await.meta.id;
    c.vn_hold(net, "LEASES = [ IP = 10.0.0.2 ]").await.unwrap();
    assert_eq!(
        message(c.vn_delete(net).await),
        "[one.vn.delete] Cannot delete virtual network. Can not remove a virtual network with leases in use"
    );
    c.vn_delete(bad).await.unwrap();
    wait::vnet_gone(&c, bad).await;

    let before = c.vnpool_info_xml(-2, -1, -1).await.unwrap();
    let results = vec![
        ("info", c.vn_info_xml(42).await.map(|_| 0)),
        ("update", c.vn_update(42, "A = 1", UpdateType::Merge).await),
        ("rename", c.vn_rename(42, "x").await),
        ("chmod", c.vn_chmod(42, [1; 9]).await),
        ("chown", c.vn_chown(42, 0, 0).await),
        ("lock", c.vn_lock(42, 1).await),
        ("unlock", c.vn_unlock(42).await),
        ("delete", c.vn_delete(42).await),
        ("add_ar", c.vn_add_ar(42, "AR = [ TYPE = ETHER, SIZE = 1 ]").await),
        ("rm_ar", c.vn_rm_ar(42, 0, false).await),
        ("update_ar", c.vn_update_ar(42, "AR = [ AR_ID = 0 ]").await),
        ("free_ar", c.vn_free_ar(42, 0).await),
        ("hold", c.vn_hold(42, "LEASES = [ IP = 10.0.0.1 ]").await),
        ("release", c.vn_release(42, "LEASES = [ IP = 10.0.0.1 ]").await),
        ("recover", c.vn_recover(42, VnetRecover::Success).await),
    ];
    for (method, r) in results {
        assert_eq!(message(r), format!("[one.vn.{method}] Error getting virtual network [42]."));
    }
    assert_eq!(c.vnpool_info_xml(-2, -1, -1).await.unwrap(), before);
}

#[tokio::test]
async fn vms_take_leases_at_instantiation_and_free_them_when_done() {
    let oned = Oned::start();
    let c = oned.client();
    let host = c.host_allocate("node1", "dummy", "dummy", -1).await.unwrap();
    let net = ready_net(&c, "net").await.meta.id;
    let t = c
        .template_allocate(&format!(
            "NAME = web\nCPU = 0.1\nMEMORY = 64\nNIC = [ NETWORK_ID = {net} ]\nNIC = [ NETWORK = net ]"
        ))
        .await
        .unwrap();
    let vm = c.template_instantiate(t, "", false, "", false).await.unwrap();
    let v = c.vm_info(vm).await.unwrap();
    let nics = v.nics();
    assert_eq!(nics.len(), 2);
    assert_eq!((nics[0].get("IP"), nics[1].get("IP")), (Some("10.0.0.1"), Some("10.0.0.2")));
    assert_eq!(nics[0].get("BRIDGE"), Some("br0"));
    let xml = c.vn_info_xml(net).await.unwrap();
    assert_eq!(
        leases(&xml),
        [("10.0.0.1".to_owned(), vm.to_string()), ("10.0.0.2".to_owned(), vm.to_string())]
    );
    assert_eq!(c.vn_info(net).await.unwrap().updated_vms.len(), 1);
    check_xsd(&xml, "vnet.xsd");

    c.vm_deploy(vm, host, false, -1).await.unwrap();
    wait::vm(&c, vm, VmState::Active, Some(LcmState::Running)).await;
    assert_eq!(c.vn_info(net).await.unwrap().used_leases(), 2);
    c.vm_action("terminate", vm).await.unwrap();
    wait::vm(&c, vm, VmState::Done, None).await;
    let after = c.vn_info(net).await.unwrap();
    assert_eq!((after.used_leases(), after.updated_vms.len()), (0, 0), "the leases are free again");
    c.vn_delete(net).await.unwrap();
    wait::vnet_gone(&c, net).await;
}
