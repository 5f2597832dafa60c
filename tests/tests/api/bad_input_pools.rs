//! Bad input on every method of the object pools, found from `system.listMethods` and
//! `system.methodSignature`: an unknown ID gets NO_EXISTS with OpenNebula's message, wrong
//! parameter types get a fault, and neither changes anything.

use oca::Value;
use one_tests::Oned;

use super::cloud::{dummy_host, running_vm};

/// The pools whose methods take an object ID first.
const FAMILIES: &[&str] = &["host", "cluster", "datastore", "vm", "image", "template", "vn", "vmgroup"];

/// Methods whose first integer is not the ID of an existing object of the family.
fn takes_existing_id(name: &str) -> bool {
    let Some((family, op)) = name.strip_prefix("one.").and_then(|n| n.split_once('.')) else { return false };
    FAMILIES.contains(&family) && op != "allocate"
}

/// The method's parameter types after the session.
async fn signature(c: &oca::Client, name: &str) -> Vec<String> {
    let Value::Array(sigs) =
        c.call_plain("system.methodSignature", vec![Value::String(name.into())]).await.unwrap()
    else {
        panic!("{name}: no signature")
    };
    let Some(Value::Array(sig)) = sigs.first() else { panic!("{name}: empty signature") };
    sig.iter()
        .skip(2)
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => panic!("{name}: {other:?}"),
        })
        .collect()
}

/// Everything the calls could have changed.
async fn snapshot(c: &oca::Client) -> Vec<String> {
    let all = oca::VmFilter { state: -2, ..oca::VmFilter::default() };
    vec![
        c.hostpool_info_xml().await.unwrap(),
        c.clusterpool_info_xml().await.unwrap(),
        c.datastorepool_info_xml().await.unwrap(),
        c.vmpool_info_extended_xml(&all).await.unwrap(),
        c.userpool_info_xml().await.unwrap(),
        c.imagepool_info_xml(-2, -1, -1).await.unwrap(),
        c.templatepool_info_xml(-2, -1, -1).await.unwrap(),
        c.vnpool_info_xml(-2, -1, -1).await.unwrap(),
        c.vmgrouppool_info_xml(-2, -1, -1).await.unwrap(),
    ]
}

/// Hides what changes on its own (monitoring times and figures) from a snapshot.
fn steady(docs: Vec<String>) -> Vec<String> {
    docs.into_iter()
        .map(|d| {
            let mut out = String::with_capacity(d.len());
            let mut rest = d.as_str();
            while let Some(start) = rest.find("<MONITORING>") {
                out.push_str(&rest[..start]);
                match rest[start..].find("</MONITORING>") {
                    Some(end) => rest = &rest[start + end + "</MONITORING>".len()..],
                    None => rest = "",
                }
            }
            out.push_str(rest);
            out
        })
        .collect()
}

#[tokio::test]
async fn unknown_ids_and_wrong_types_on_every_pool_method() {
    let oned = Oned::start_configured("monitoring_interval = 3600\n");
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    c.vmgroup_allocate("NAME = g\nROLE = [ NAME = r ]").await.unwrap();
    running_vm(&c, "NAME = v\nCPU = 1\nMEMORY = 64\nVMGROUP = [ VMGROUP_ID = 0, ROLE = r ]", h).await;
    let before = steady(snapshot(&c).await);

    let Value::Array(names) = c.call_plain("system.listMethods", vec![]).await.unwrap() else { panic!() };
    let names: Vec<String> =
        names.into_iter().filter_map(|v| if let Value::String(s) = v { Some(s) } else { None }).collect();
    let mut checked = 0;
    for name in names.iter().filter(|n| takes_existing_id(n)) {
        let types = signature(&c, name).await;
        if types.first().map(String::as_str) != Some("int") {
            continue; // `one.vm.action` names the action first
        }
        let params: Vec<Value> = types
            .iter()
            .enumerate()
            .map(|(i, t)| match t.as_str() {
                "int" if i == 0 => Value::Integer(999_999),
                "int" => Value::Integer(0),
                "boolean" => Value::Boolean(false),
                // Checked before the object, as OpenNebula does.
                "string" if name == "one.vm.diskresize" => Value::String("10".into()),
                "string" if name == "one.vn.reserve" => Value::String("SIZE = 1\nNAME = r".into()),
                "string" => Value::String("A = 1".into()),
                other => panic!("{name}: parameter type {other}"),
            })
            .collect();
        match c.call(name, params).await {
            Err(oca::OcaError::Api { code: 0x400, message, .. }) => {
                assert!(message.starts_with(&format!("[{name}] Error getting ")), "{name}: {message}");
                assert!(message.ends_with("[999999]."), "{name}: {message}");
            }
            other => panic!("{name} with an unknown ID: expected NO_EXISTS, got {other:?}"),
        }
        // Every parameter of the wrong type.
        let wrong: Vec<Value> = types.iter().map(|_| Value::Double(0.5)).collect();
        match c.call(name, wrong).await {
            Err(oca::OcaError::Fault { code: -501, .. }) => {}
            other => panic!("{name} with wrong types: expected fault -501, got {other:?}"),
        }
        checked += 1;
    }
    assert!(checked >= 85, "only {checked} methods checked");
    match c.call("one.vm.action", vec![Value::String("terminate".into()), Value::Integer(999_999)]).await {
        Err(oca::OcaError::Api { code: 0x400, .. }) => {}
        other => panic!("one.vm.action: {other:?}"),
    }
    assert_eq!(steady(snapshot(&c).await), before, "nothing changed");
}
