//! `one.acl.*`.

use one_core::acl::Rule;
use one_core::objects::acl_pool::{AclEntry, acls_from_pool};

use crate::{Client, OcaResult, int, object_error, parse_doc, string};

impl Client {
    /// `one.acl.addrule` with the rule's four numbers (sent as hex, as every client does).
    pub async fn acl_addrule(&self, rule: &Rule) -> OcaResult<i32> {
        let hex = |v: u64| string(&format!("{v:x}"));
        self.call_int(
            "one.acl.addrule",
            vec![hex(rule.user), hex(rule.resource), hex(rule.rights), hex(rule.zone)],
        )
        .await
    }

    /// `one.acl.delrule`.
    pub async fn acl_delrule(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.acl.delrule", vec![int(id)]).await
    }

    /// `one.acl.info`, raw.
    pub async fn acl_info_xml(&self) -> OcaResult<String> {
        self.call_string("one.acl.info", vec![]).await
    }

    /// `one.acl.info`: every rule.
    pub async fn acl_info(&self) -> OcaResult<Vec<AclEntry>> {
        let xml = self.acl_info_xml().await?;
        acls_from_pool(&parse_doc("one.acl.info", &xml)?).map_err(|e| object_error("one.acl.info", e))
    }
}
