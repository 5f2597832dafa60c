//! GROUP and GROUP_POOL documents (`one.group.info`, `one.grouppool.info`), in OpenNebula's
//! element order, and reading them back.

use super::{ObjectError, ids_from_node, required, required_num};
use crate::objects::quotas::Quotas;
use crate::template::Template;
use crate::xml::{Node, XmlWriter};

/// A group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// ID.
    pub id: i32,
    /// Name.
    pub name: String,
    /// The group's template.
    pub template: Template,
    /// Members (primary or secondary), ascending.
    pub users: Vec<i32>,
    /// Group administrators, ascending.
    pub admins: Vec<i32>,
    /// The group's quotas.
    pub quotas: Quotas,
}

fn write_ids(w: &mut XmlWriter, tag: &str, ids: &[i32]) {
    w.open(tag);
    for id in ids {
        w.num("ID", id);
    }
    w.close(tag);
}

impl Group {
    fn write_common(&self, w: &mut XmlWriter) {
        w.num("ID", self.id).text("NAME", &self.name);
        self.template.write_xml(w, "TEMPLATE");
        write_ids(w, "USERS", &self.users);
        write_ids(w, "ADMINS", &self.admins);
    }

    fn write_vlan_rules(&self, w: &mut XmlWriter) {
        w.open("VLAN_RULES").num("ID", self.id).close("VLAN_RULES");
    }

    /// The `<GROUP>` document of `one.group.info`.
    pub fn to_xml(&self, default_quotas: &Quotas) -> String {
        let mut w = XmlWriter::new();
        w.open("GROUP");
        self.write_common(&mut w);
        self.quotas.write_xml(&mut w);
        self.write_vlan_rules(&mut w);
        w.open("DEFAULT_GROUP_QUOTAS");
        default_quotas.write_xml(&mut w);
        w.close("DEFAULT_GROUP_QUOTAS").close("GROUP");
        w.finish()
    }

    /// Reads a `<GROUP>` element.
    pub fn from_node(node: &Node) -> Result<Group, ObjectError> {
        Ok(Group {
            id: required_num(node, "ID")?,
            name: required(node, "NAME")?.to_owned(),
            template: super::template_from_node(node.child("TEMPLATE"))?,
            users: node.child("USERS").map(ids_from_node).transpose()?.unwrap_or_default(),
            admins: node.child("ADMINS").map(ids_from_node).transpose()?.unwrap_or_default(),
            quotas: Quotas::from_node(node),
        })
    }
}

/// Renders `<GROUP_POOL>`: each group, its `<QUOTAS>` and `<VLAN_RULES>`, then the defaults.
pub fn group_pool_xml<'a>(groups: impl IntoIterator<Item = &'a Group>, default_quotas: &Quotas) -> String {
    let mut w = XmlWriter::new();
    w.open("GROUP_POOL");
    for g in groups {
        w.open("GROUP");
        g.write_common(&mut w);
        w.close("GROUP").open("QUOTAS").num("ID", g.id);
        g.quotas.write_xml(&mut w);
        w.close("QUOTAS");
        g.write_vlan_rules(&mut w);
    }
    w.open("DEFAULT_GROUP_QUOTAS");
    default_quotas.write_xml(&mut w);
    w.close("DEFAULT_GROUP_QUOTAS").close("GROUP_POOL");
    w.finish()
}

/// Reads `<GROUP_POOL>`: the groups with their quotas attached.
pub fn groups_from_pool(node: &Node) -> Result<Vec<Group>, ObjectError> {
    let mut groups = node.children_named("GROUP").map(Group::from_node).collect::<Result<Vec<_>, _>>()?;
    for q in node.children_named("QUOTAS") {
        let id: i32 = required_num(q, "ID")?;
        if let Some(g) = groups.iter_mut().find(|g| g.id == id) {
            g.quotas = Quotas::from_node(q);
        }
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_xml_matches_opennebula_byte_for_byte() {
        let real = include_str!("../../golden/group.xml").trim_end();
        let g = Group {
            id: 0,
            name: "oneadmin".into(),
            template: Template::new(),
            users: vec![0, 1],
            admins: vec![],
            quotas: Quotas::new(),
        };
        // OpenNebula wraps the VLAN rule ID in CDATA; the value is the same integer.
        let real = real.replace("<ID><![CDATA[0]]></ID></VLAN_RULES>", "<ID>0</ID></VLAN_RULES>");
        assert_eq!(g.to_xml(&Quotas::new()), real);
        let back = Group::from_node(&crate::xml::parse(&g.to_xml(&Quotas::new())).unwrap()).unwrap();
        assert_eq!(back, g);
        let pool = group_pool_xml([&g], &Quotas::new());
        assert_eq!(groups_from_pool(&crate::xml::parse(&pool).unwrap()).unwrap(), vec![g]);
    }
}
