//! The ACL_POOL document (`one.acl.info`): each rule's four numbers in hex and its string form.

use super::{ObjectError, required, required_num};
use crate::acl::Rule;
use crate::xml::{Node, XmlWriter};

/// A stored rule with its ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AclEntry {
    /// Rule ID.
    pub id: i32,
    /// The rule.
    pub rule: Rule,
}

/// Renders `<ACL_POOL>` in the order given.
pub fn acl_pool_xml<'a>(entries: impl IntoIterator<Item = &'a AclEntry>) -> String {
    let mut w = XmlWriter::new();
    w.open("ACL_POOL");
    for e in entries {
        w.open("ACL").num("ID", e.id);
        w.text("USER", &format!("{:x}", e.rule.user));
        w.text("RESOURCE", &format!("{:x}", e.rule.resource));
        w.text("RIGHTS", &format!("{:x}", e.rule.rights));
        w.text("ZONE", &format!("{:x}", e.rule.zone));
        w.text("STRING", &e.rule.to_string());
        w.close("ACL");
    }
    w.close("ACL_POOL");
    w.finish()
}

/// Reads `<ACL_POOL>`.
pub fn acls_from_pool(node: &Node) -> Result<Vec<AclEntry>, ObjectError> {
    node.children_named("ACL")
        .map(|n| {
            let hex = |name: &str| {
                let text = required(n, name)?;
                u64::from_str_radix(text.trim(), 16)
                    .map_err(|_| ObjectError(format!("<{name}> \"{text}\" is not a hex number")))
            };
            Ok(AclEntry {
                id: required_num(n, "ID")?,
                rule: Rule {
                    user: hex("USER")?,
                    resource: hex("RESOURCE")?,
                    rights: hex("RIGHTS")?,
                    zone: hex("ZONE")?,
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_pool_matches_opennebula_byte_for_byte() {
        let real = include_str!("../../golden/acl.xml").trim_end();
        let entries: Vec<AclEntry> = [
            (0, "@1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *"),
            (3, "@1 HOST/* MANAGE #0"),
            (4, "@1 NET/* USE #0"),
            (5, "@1 DATASTORE/* USE #0"),
            (1, "* ZONE/* USE *"),
            (2, "* MARKETPLACE+MARKETPLACEAPP/* USE *"),
        ]
        .into_iter()
        .map(|(id, s)| AclEntry { id, rule: Rule::parse(s).unwrap() })
        .collect();
        let xml = acl_pool_xml(&entries);
        assert_eq!(xml, real);
        assert_eq!(acls_from_pool(&crate::xml::parse(&xml).unwrap()).unwrap(), entries);
    }
}
