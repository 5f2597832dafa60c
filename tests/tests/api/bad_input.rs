//! Bad input of every kind gets a clear fault or error, never a crash, and changes nothing.

use oca::Value;
use one_tests::{Oned, raw_post};

use crate::{code, message};

/// Everything a test could have changed, as documents.
async fn snapshot(c: &oca::Client) -> Vec<String> {
    vec![
        c.userpool_info_xml().await.unwrap(),
        c.grouppool_info_xml().await.unwrap(),
        c.acl_info_xml().await.unwrap(),
        c.userquota_info_xml().await.unwrap(),
    ]
}

fn fault_code(body: &str) -> Option<i32> {
    let start = body.find("<name>faultCode</name>")?;
    let rest = &body[start..];
    let v = rest.split("<i4>").nth(1)?.split("</i4>").next()?;
    v.parse().ok()
}

#[tokio::test]
async fn malformed_bodies_get_faults() {
    let oned = Oned::start();
    let c = oned.client();
    c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let before = snapshot(&c).await;
    let deep = format!(
        "<methodCall><methodName>one.user.info</methodName><params><param>{}{}</param></params></methodCall>",
        "<value><array><data>".repeat(50_000),
        "</data></array></value>".repeat(50_000)
    );
    let bodies: Vec<(Vec<u8>, i32)> = vec![
        (b"".to_vec(), -503),
        (b"garbage".to_vec(), -503),
        (b"<methodCall><methodName>one.user.info".to_vec(), -503),
        (b"<methodCall><params></params></methodCall>".to_vec(), -503),
        (b"<?xml version='1.0'?><notACall/>".to_vec(), -503),
        (b"<methodCall><methodName>one.user.info</methodName><params><param><value><int>99999999999</int></value></param></params></methodCall>".to_vec(), -503),
        (vec![0xff, 0xfe, b'<', 0x80], -510),
        (deep.into_bytes(), -503),
    ];
    for (body, expected) in bodies {
        let (status, response) = raw_post(oned.port, &body);
        assert_eq!(status, 200);
        assert_eq!(
            fault_code(&response),
            Some(expected),
            "{}: {response}",
            String::from_utf8_lossy(&body[..body.len().min(60)])
        );
    }
    assert_eq!(snapshot(&c).await, before);
}

#[tokio::test]
async fn a_100_mb_body_is_refused_without_harm() {
    let oned = Oned::start();
    let c = oned.client();
    let before = snapshot(&c).await;
    let huge = "A".repeat(100 * 1024 * 1024);
    let body = format!(
        "<methodCall><methodName>one.user.update</methodName><params><param><value><string>{}</string></value></param><param><value><int>0</int></value></param><param><value><string>X=\"{huge}\"</string></value></param></params></methodCall>",
        oned.session()
    );
    let (status, response) = raw_post(oned.port, body.as_bytes());
    assert_eq!(status, 200);
    assert_eq!(fault_code(&response), Some(-509), "{}", &response[..response.len().min(300)]);
    assert!(response.contains("max_request_bytes"), "the fault says which limit: {response}");
    assert_eq!(snapshot(&c).await, before);
}

#[tokio::test]
async fn bad_sessions_are_refused() {
    let oned = Oned::start();
    let c = oned.client();
    c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let long = format!("{}:pw", "a".repeat(10_000));
    for session in [
        "",
        "nocolon",
        "oneadmin:",
        ":pw",
        "alice:wrong",
        "a b:pw",
        "ghost:pw",
        "alice\u{0}:pw",
        &long,
        "élan:pw",
    ] {
        let r = oned.client_as(session).user_info(-1).await;
        assert_eq!(
            message(r),
            "[one.user.info] User couldn't be authenticated, aborting call.",
            "{session:?}"
        );
    }
    // The secret may itself contain ':'.
    c.user_passwd(2, "a:b:c").await.unwrap();
    oned.client_as("alice:a:b:c").user_info(-1).await.unwrap();
}

#[tokio::test]
async fn wrong_types_unknown_ids_and_broken_templates() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    let before = snapshot(&c).await;
    let wrong: Vec<(&str, Vec<Value>)> = vec![
        ("one.user.allocate", vec![Value::Integer(1), Value::String("x".into())]),
        (
            "one.user.allocate",
            vec![
                Value::String("n".into()),
                Value::String("p".into()),
                Value::String("".into()),
                Value::Array(vec![Value::String("1".into())]),
            ],
        ),
        ("one.user.enable", vec![Value::Integer(id), Value::Integer(1)]),
        ("one.user.update", vec![Value::Integer(id), Value::Integer(5)]),
        ("one.group.info", vec![Value::Double(1.5)]),
        ("one.acl.addrule", vec![Value::Integer(1), Value::Integer(2), Value::Integer(3)]),
        (
            "one.user.login",
            vec![Value::String("alice".into()), Value::String("".into()), Value::String("10".into())],
        ),
    ];
    for (method, params) in wrong {
        match c.call(method, params).await {
            Err(oca::OcaError::Fault { code: -501, .. }) => {}
            other => panic!("{method}: expected fault -501, got {other:?}"),
        }
    }
    for r in [
        c.user_info(9999).await.map(|_| ()),
        c.user_delete(9999).await.map(|_| ()),
        c.user_passwd(-7, "x").await.map(|_| ()),
        c.group_info(9999).await.map(|_| ()),
        c.group_delete(9999).await.map(|_| ()),
        c.group_addadmin(9999, id).await.map(|_| ()),
        c.user_addgroup(id, 9999).await.map(|_| ()),
    ] {
        assert_eq!(code(r), 0x400);
    }
    for template in
        ["A = [ B = [ C = 1 ] ]", "= 3", "A = \"open", "<TEMPLATE><A>", "<A>1</A><B>2</B>", "A = \"x]]>y\""]
    {
        let m = message(c.user_update(id, template, oca::UpdateType::Replace).await);
        assert!(m.starts_with("[one.user.update] Cannot update template. Parse error: "), "{template}: {m}");
        assert_eq!(code(c.user_quota(id, template).await), 0x800, "{template}");
    }
    let many = "A = 1\n".repeat(200_000);
    assert_eq!(code(c.user_update(id, &many, oca::UpdateType::Replace).await), 0x2000);
    assert_eq!(snapshot(&c).await, before, "nothing changed");
    // And the server is still serving.
    assert_eq!(c.system_version().await.unwrap(), "7.4.0");
}
