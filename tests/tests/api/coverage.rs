//! Walks the server's own dispatch table (over the wire, through `system.listMethods` and
//! `system.methodSignature`) and fails if any method accepts a bad session.

use oca::Value;
use one_tests::Oned;

fn sample(kind: &str) -> Value {
    match kind {
        "int" => Value::Integer(0),
        "boolean" => Value::Boolean(false),
        "array" => Value::Array(vec![Value::Integer(0)]),
        _ => Value::String("A = 1".into()),
    }
}

#[tokio::test]
async fn no_method_accepts_a_bad_session() {
    let oned = Oned::start();
    let admin = oned.client();
    admin.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let Value::Array(names) = admin.call_plain("system.listMethods", vec![]).await.unwrap() else { panic!() };
    assert!(names.len() >= 30);
    let bad_sessions = ["oneadmin:wrong", "alice:wrong", "nobody:pw", "", "oneadmin", "serveradmin:x"];
    for name in names {
        let Value::String(name) = name else { panic!("method name is not a string") };
        let Value::Array(sigs) =
            admin.call_plain("system.methodSignature", vec![Value::String(name.clone())]).await.unwrap()
        else {
            panic!("{name}: no signature")
        };
        let Some(Value::Array(sig)) = sigs.first() else { panic!("{name}: empty signature") };
        // [return type, session, params...]: well-typed parameters, so only the session is wrong.
        let params: Vec<Value> =
            sig.iter().skip(2).map(|t| if let Value::String(t) = t { sample(t) } else { panic!() }).collect();
        for session in bad_sessions {
            let bad = oned.client_as(session);
            match bad.call(&name, params.clone()).await {
                Err(oca::OcaError::Api { code: 0x100, message, .. }) => {
                    assert_eq!(message, format!("[{name}] User couldn't be authenticated, aborting call."));
                }
                other => {
                    panic!("{name} with session {session:?}: expected an authentication error, got {other:?}")
                }
            }
        }
    }
    assert_eq!(admin.userpool_info().await.unwrap().len(), 3, "nothing was created by bad sessions");
}

#[tokio::test]
async fn the_client_crate_has_a_call_for_every_method() {
    let oned = Oned::start();
    let Value::Array(names) = oned.client().call_plain("system.listMethods", vec![]).await.unwrap() else {
        panic!()
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../oca/src");
    let source: String = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    for name in names {
        let Value::String(name) = name else { panic!() };
        assert!(source.contains(&format!("\"{name}\"")), "oca has no typed call for {name}");
    }
}
