//! VMTEMPLATE and VMTEMPLATE_POOL documents (`one.template.info`, `one.templatepool.info`) in
//! OpenNebula's element order, reading them back, and the pure parts of `one.template.allocate`,
//! `clone` and `instantiate`: taking the name out of the template and building the template a
//! new VM starts from.

use super::common::{Meta, PoolObject};
use super::{ObjectError, required_num};
use crate::acl::ObjectType;
use crate::template::Template;
use crate::xml::{Node, XmlWriter};

/// A VM template.
#[derive(Debug, Clone, PartialEq)]
pub struct VmTemplate {
    /// Identity, ownership, permissions, lock.
    pub meta: Meta,
    /// Registration time, seconds since the epoch.
    pub regtime: i64,
    /// The template contents (without NAME, which lives in `meta`).
    pub template: Template,
}

impl VmTemplate {
    /// A new VM template from the template of `one.template.allocate`: NAME is taken out of
    /// the template into `meta.name` (left empty when missing; the caller validates the name
    /// and refuses duplicates with `NAME is already taken by TEMPLATE <id>.`).
    pub fn allocate(mut meta: Meta, mut template: Template, now: i64) -> VmTemplate {
        meta.name = template.get("NAME").unwrap_or_default().to_owned();
        template.remove("NAME");
        VmTemplate { meta, regtime: now, template }
    }

    /// The template `one.template.clone` allocates the copy from: the same contents with
    /// NAME set to the new name.
    pub fn clone_template(&self, new_name: &str) -> Template {
        let mut t = self.template.clone();
        t.set("NAME", new_name);
        t
    }

    /// The template of the VM `one.template.instantiate` creates: this template, with the
    /// user's extra template merged in (an attribute of `extra` replaces every attribute of
    /// the same name; an empty vector only removes), then TEMPLATE_NAME and TEMPLATE_ID set to
    /// this template's, and NAME set to `vm_name` unless it is empty (NAME, TEMPLATE_NAME and
    /// TEMPLATE_ID given by the user are dropped).
    pub fn instantiate_template(&self, extra: &Template, vm_name: &str) -> Template {
        let mut t = self.template.clone();
        t.merge(extra);
        t.remove("NAME");
        t.remove("TEMPLATE_NAME");
        t.remove("TEMPLATE_ID");
        t.set("TEMPLATE_NAME", self.meta.name.as_str());
        t.set("TEMPLATE_ID", self.meta.id.to_string());
        if !vm_name.is_empty() {
            t.set("NAME", vm_name);
        }
        t
    }

    /// Whether the template describes a virtual router (`VROUTER=YES`), which
    /// `one.template.instantiate` refuses with `Virtual router templates cannot be
    /// instantiated`.
    pub fn is_vrouter(&self) -> bool {
        self.template.get("VROUTER").is_some_and(|v| v.eq_ignore_ascii_case("YES"))
    }
}

impl PoolObject for VmTemplate {
    const ROOT: &'static str = "VMTEMPLATE";
    const POOL_ROOT: &'static str = "VMTEMPLATE_POOL";
    const KIND: ObjectType = ObjectType::Template;

    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }

    fn template(&self) -> &Template {
        &self.template
    }

    fn template_mut(&mut self) -> &mut Template {
        &mut self.template
    }

    fn write_xml(&self, w: &mut XmlWriter) {
        w.open(Self::ROOT);
        self.meta.write_identity(w);
        self.meta.write_lock(w);
        self.meta.perms.write_xml(w);
        w.num("REGTIME", self.regtime);
        self.template.write_xml(w, "TEMPLATE");
        w.close(Self::ROOT);
    }

    fn from_node(node: &Node) -> Result<Self, ObjectError> {
        Ok(VmTemplate {
            meta: Meta::from_node(node)?,
            regtime: required_num(node, "REGTIME")?,
            template: super::template_from_node(node.child("TEMPLATE"))?,
        })
    }
}

/// Renders `<VMTEMPLATE_POOL>` with the templates in the given order.
pub fn vmtemplate_pool_xml<'a>(templates: impl IntoIterator<Item = &'a VmTemplate>) -> String {
    let mut w = XmlWriter::new();
    w.open(VmTemplate::POOL_ROOT);
    for t in templates {
        t.write_pool_xml(&mut w);
    }
    w.close(VmTemplate::POOL_ROOT);
    w.finish()
}

/// Reads `<VMTEMPLATE_POOL>`.
pub fn vmtemplates_from_pool(node: &Node) -> Result<Vec<VmTemplate>, ObjectError> {
    node.children_named(VmTemplate::ROOT).map(VmTemplate::from_node).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::common::Lock;
    use crate::perms::Permissions;

    fn tiny() -> VmTemplate {
        let meta = Meta::oneadmin(0, "", Permissions::from_octal(0o600));
        VmTemplate::allocate(meta, Template::parse("NAME=tiny\nCPU=0.1\nMEMORY=64").unwrap(), 1795608559)
    }

    #[test]
    fn template_xml_matches_opennebula_byte_for_byte() {
        let real = include_str!("../../golden/template.xml").trim_end();
        assert_eq!(tiny().to_xml(), real);
    }

    #[test]
    fn template_pool_xml_matches_opennebula_byte_for_byte() {
        let real = include_str!("../../golden/templatepool.xml").trim_end();
        assert_eq!(vmtemplate_pool_xml([&tiny()]), real);
    }

    #[test]
    fn allocate_takes_the_name_out_of_the_template() {
        let t = tiny();
        assert_eq!(t.meta.name, "tiny");
        assert_eq!(t.template.get("NAME"), None);
        assert_eq!(t.template.get("CPU"), Some("0.1"));
    }

    #[test]
    fn xml_reads_back_with_a_lock() {
        let mut t = tiny();
        t.meta.lock = Some(Lock { level: 1, owner: 0, time: 5, req_id: -1 });
        // Read back in XML order (sorted by name), so add DISK where sorting keeps it.
        t.template = Template::parse("CPU=0.1\nDISK=[IMAGE_ID=3]\nMEMORY=64").unwrap();
        let xml = t.to_xml();
        assert!(xml.contains("<NAME>tiny</NAME><LOCK><LOCKED>1</LOCKED>"), "{xml}");
        assert_eq!(VmTemplate::from_xml(&xml).unwrap(), t);
        let pool = crate::xml::parse(&vmtemplate_pool_xml([&t, &t])).unwrap();
        assert_eq!(vmtemplates_from_pool(&pool).unwrap(), vec![t.clone(), t]);
    }

    #[test]
    fn instantiate_merges_the_extra_template_and_names_the_source() {
        let mut t = tiny();
        t.meta.id = 7;
        t.template.push(crate::template::Attribute::vector("DISK", [("IMAGE_ID", "1")]));
        t.template.push(crate::template::Attribute::vector("DISK", [("IMAGE_ID", "2")]));
        t.template.set("TEMPLATE_ID", "99");
        let extra = Template::parse("MEMORY=128\nDISK=[IMAGE_ID=5]\nNAME=ignored\nCONTEXT=[]").unwrap();
        let vm = t.instantiate_template(&extra, "web");
        assert_eq!(vm.get("MEMORY"), Some("128"));
        assert_eq!(vm.get("CPU"), Some("0.1"));
        let disks: Vec<_> = vm.get_all("DISK").collect();
        assert_eq!(disks.len(), 1);
        assert_eq!(disks[0].value.as_vector().unwrap(), &[("IMAGE_ID".to_owned(), "5".to_owned())]);
        assert_eq!(vm.get("TEMPLATE_NAME"), Some("tiny"));
        assert_eq!(vm.get("TEMPLATE_ID"), Some("7"));
        assert_eq!(vm.get("NAME"), Some("web"));
        assert_eq!(vm.get_all("CONTEXT").count(), 0);
        assert_eq!(t.instantiate_template(&Template::new(), "").get("NAME"), None);
    }

    #[test]
    fn clone_and_vrouter() {
        let mut t = tiny();
        assert_eq!(t.clone_template("copy").get("NAME"), Some("copy"));
        assert!(!t.is_vrouter());
        t.template.set("VROUTER", "yes");
        assert!(t.is_vrouter());
    }
}
