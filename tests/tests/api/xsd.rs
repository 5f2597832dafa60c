//! Every document oned returns validates against OpenNebula's XSDs (with `xmllint`).

use one_core::acl::Rule;
use one_tests::{Oned, validate_xsd};

#[tokio::test]
async fn every_document_validates() {
    let oned = Oned::start();
    let c = oned.client();
    // Populate every optional part: tokens, templates, quotas, admins, rules.
    let g = c.group_allocate("dev").await.unwrap();
    let u = c.user_allocate("alice", "pw", "", &[g, 1]).await.unwrap();
    c.user_login("alice", "", 600, -1).await.unwrap();
    c.user_login("alice", "", -1, g).await.unwrap();
    c.user_update(u, "A = 1\nV = [ X = \"<&>\", Y = \"]] >\" ]", oca::UpdateType::Replace).await.unwrap();
    c.user_quota(u, "VM = [ VMS = 4, CPU = 1.5 ]\nVM = [ CLUSTER_IDS = \"0\", VMS = 2 ]\nDATASTORE = [ ID = 1, SIZE = 10 ]\nNETWORK = [ ID = 0, LEASES = 2 ]\nIMAGE = [ ID = 3, RVMS = 1 ]").await.unwrap();
    c.group_quota(g, "VM = [ VMS = 40 ]").await.unwrap();
    c.group_addadmin(g, u).await.unwrap();
    c.userquota_update("VM = [ VMS = 10, MEMORY = 2048 ]\nDATASTORE = [ ID = 1, IMAGES = 5 ]").await.unwrap();
    c.groupquota_update("VM = [ CPU = 8 ]").await.unwrap();
    c.acl_addrule(&Rule::parse("#2 DATASTORE/%0 USE #0").unwrap()).await.unwrap();

    let alice = oned.client_as("alice:pw");
    let docs = [
        (c.user_info_xml(0).await.unwrap(), "user.xsd"),
        (c.user_info_xml(u).await.unwrap(), "user.xsd"),
        (alice.user_info_xml(-1).await.unwrap(), "user.xsd"),
        (c.userpool_info_xml().await.unwrap(), "user_pool.xsd"),
        (alice.userpool_info_xml().await.unwrap(), "user_pool.xsd"),
        (c.group_info_xml(g).await.unwrap(), "group.xsd"),
        (c.group_info_xml(0).await.unwrap(), "group.xsd"),
        (c.grouppool_info_xml().await.unwrap(), "group_pool.xsd"),
        (c.acl_info_xml().await.unwrap(), "acl_pool.xsd"),
        (c.system_config_xml().await.unwrap(), "opennebula_configuration.xsd"),
        (alice.system_config_xml().await.unwrap(), "opennebula_configuration.xsd"),
    ];
    for (doc, xsd) in docs {
        if let Err(e) = validate_xsd(&doc, xsd) {
            panic!("{xsd}: {e}\n{doc}");
        }
    }
}

#[test]
fn the_validator_rejects_invalid_documents() {
    // A check that cannot fail proves nothing: make sure it fails.
    assert!(validate_xsd("<USER><ID>x</ID></USER>", "user.xsd").is_err());
    assert!(validate_xsd("<GROUP><NAME>g</NAME></GROUP>", "group.xsd").is_err());
}
