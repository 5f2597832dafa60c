//! The wire convention, checked on raw HTTP: response arrays, faults, extra parameters.

use one_tests::{Oned, raw_post};

fn call(name: &str, params: &str) -> String {
    format!(
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>{name}</methodName>\n<params>{params}</params>\n</methodCall>\n"
    )
}

fn string(s: &str) -> String {
    format!("<param><value><string>{s}</string></value></param>")
}

fn int(i: i32) -> String {
    format!("<param><value><int>{i}</int></value></param>")
}

#[test]
fn success_is_true_value_zero() {
    let oned = Oned::start();
    let (status, body) = raw_post(oned.port, call("one.system.version", &string(&oned.session())).as_bytes());
    assert_eq!(status, 200);
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{body}");
    assert!(
        body.contains(
            "<array><data><value><boolean>1</boolean></value><value><string>7.4.0</string></value><value><i4>0</i4></value></data></array>"
        ),
        "{body}"
    );
}

#[test]
fn failure_has_five_elements_with_an_i8_last() {
    let oned = Oned::start();
    let params = string(&oned.session()) + &int(999);
    let (_, body) = raw_post(oned.port, call("one.user.info", &params).as_bytes());
    assert!(
        body.contains(
            "<value><boolean>0</boolean></value><value><string>[one.user.info] Error getting user [999].</string></value><value><i4>1024</i4></value><value><i4>999</i4></value><value><i8>-1</i8></value>"
        ),
        "{body}"
    );
}

#[test]
fn faults_match_opennebula() {
    let oned = Oned::start();
    let s = string(&oned.session());
    let cases = [
        (call("one.no.such", &s), -506, "Method 'one.no.such' not defined"),
        (call("one.user.info", &s), -501, "Not enough parameters"),
        (
            call("one.user.info", &(s.clone() + &string("x"))),
            -501,
            "Parameter that is supposed to be integer is not",
        ),
        (call("one.user.info", ""), -501, "Not enough parameters"),
        (call("one.user.info", &int(3)), -501, "Parameter that is supposed to be a string is not"),
    ];
    for (request, code, text) in cases {
        let (status, body) = raw_post(oned.port, request.as_bytes());
        assert_eq!(status, 200);
        assert!(body.contains("<fault>"), "{body}");
        assert!(body.contains(&format!("<i4>{code}</i4>")), "{body}");
        assert!(body.replace("&apos;", "'").contains(text), "{body}");
    }
}

#[test]
fn bad_session_wins_over_bad_parameters() {
    // OpenNebula authenticates before it reads the parameters.
    let oned = Oned::start();
    let (_, body) = raw_post(oned.port, call("one.user.info", &string("oneadmin:wrong")).as_bytes());
    assert!(body.contains("<i4>256</i4>"), "{body}");
}

#[tokio::test]
async fn extra_trailing_parameters_are_ignored() {
    let oned = Oned::start();
    let c = oned.client();
    use oca::Value;
    let v = c
        .call(
            "one.user.info",
            vec![Value::Integer(0), Value::Boolean(false), Value::String("extra".into()), Value::Integer(9)],
        )
        .await
        .unwrap();
    assert!(matches!(v, Value::String(ref s) if s.starts_with("<USER><ID>0</ID>")));
    let v = c
        .call("one.userpool.info", vec![Value::Integer(-2), Value::Integer(0), Value::Integer(-100)])
        .await
        .unwrap();
    assert!(matches!(v, Value::String(ref s) if s.starts_with("<USER_POOL>")));
}

#[test]
fn untyped_and_i4_values_are_accepted() {
    let oned = Oned::start();
    let params =
        format!("<param><value>{}</value></param><param><value><i4>0</i4></value></param>", oned.session());
    let (_, body) = raw_post(oned.port, call("one.user.info", &params).as_bytes());
    assert!(body.contains("<boolean>1</boolean>"), "{body}");
}

#[tokio::test]
async fn introspection_lists_every_method_with_its_signature() {
    let oned = Oned::start();
    let c = oned.client();
    use oca::Value;
    let Value::Array(names) = c.call_plain("system.listMethods", vec![]).await.unwrap() else {
        panic!("not an array")
    };
    assert!(names.contains(&Value::String("one.user.allocate".into())));
    assert!(names.len() >= 30, "{}", names.len());
    let sig = c
        .call_plain("system.methodSignature", vec![Value::String("one.user.allocate".into())])
        .await
        .unwrap();
    let expected: Vec<Value> = ["array", "string", "string", "string", "string", "array"]
        .iter()
        .map(|s| Value::String((*s).into()))
        .collect();
    assert_eq!(sig, Value::Array(vec![Value::Array(expected)]));
}
