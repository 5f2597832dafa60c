//! VM_GROUP and VM_GROUP_POOL documents (`one.vmgroup.info`, `one.vmgrouppool.info`) and the
//! rules of VM groups: building a group from the template of `one.vmgroup.allocate`, adding,
//! deleting and updating roles, the VMs of each role, and the check of `one.vmgroup.update`.
//! The affinity rules between roles (`AFFINED`, `ANTI_AFFINED`) live in `vmgroup_rules`.
//!
//! A role is a `ROLE` vector (`ID`, `NAME`, `POLICY`, `HOST_AFFINED`, `HOST_ANTI_AFFINED`,
//! `VMS` and whatever else the user put in it), rendered with its keys sorted as OpenNebula's
//! vector attributes are. Like OpenNebula, an unknown `POLICY` counts as `NONE`, host lists and
//! `VMS` are read leniently (entries that are not numbers are skipped), and the next role ID
//! is one more than the highest one present.

use std::collections::{BTreeMap, BTreeSet};

use super::common::{Meta, PoolObject};
use super::{ObjectError, required_num};
use crate::acl::ObjectType;
use crate::template::{Template, Value};
use crate::xml::{Node, XmlWriter};

/// How the VMs of a role are placed with respect to each other (`POLICY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// No constraint (also any value other than the two below).
    None,
    /// All on the same host.
    Affined,
    /// Each on a different host.
    AntiAffined,
}

impl Policy {
    /// Reads a `POLICY` value (case-insensitive; anything unknown is `NONE`).
    pub fn parse(value: &str) -> Policy {
        match value.to_ascii_uppercase().as_str() {
            "AFFINED" => Policy::Affined,
            "ANTI_AFFINED" => Policy::AntiAffined,
            _ => Policy::None,
        }
    }

    /// OpenNebula's name (`AFFINED`, `ANTI_AFFINED`, `NONE`), also the name of the group-level
    /// rule attribute.
    pub fn name(self) -> &'static str {
        match self {
            Policy::None => "NONE",
            Policy::Affined => "AFFINED",
            Policy::AntiAffined => "ANTI_AFFINED",
        }
    }
}

/// The integers of a comma-separated list read as OpenNebula's `split_unique` does: empty
/// entries and entries not starting (after blanks) with a number are skipped.
pub fn lenient_ids(list: &str) -> BTreeSet<i32> {
    list.split(',')
        .filter_map(|entry| {
            let s = entry.trim_start();
            let sign = usize::from(s.starts_with(['-', '+']));
            let digits = s[sign..].bytes().take_while(u8::is_ascii_digit).count();
            s[..sign + digits].parse().ok()
        })
        .collect()
}

/// The pairs of a vector with each key kept once (the first value wins, as OpenNebula's
/// template parser keeps it).
fn first_wins(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.entry(k.clone()).or_insert_with(|| v.clone());
    }
    map
}

/// A role of a VM group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// ID within the group.
    pub id: i32,
    /// Name, unique within the group.
    pub name: String,
    /// The VMs in the role (`VMS`).
    pub vms: BTreeSet<i32>,
    /// Every other pair of the vector (`POLICY`, `HOST_AFFINED`, ...), by key.
    pub attrs: BTreeMap<String, String>,
}

impl Role {
    /// The placement policy of the role's VMs.
    pub fn policy(&self) -> Policy {
        self.attrs.get("POLICY").map_or(Policy::None, |p| Policy::parse(p))
    }

    /// The hosts the role's VMs must run on (`HOST_AFFINED`; empty: any).
    pub fn host_affined(&self) -> BTreeSet<i32> {
        self.attrs.get("HOST_AFFINED").map(|l| lenient_ids(l)).unwrap_or_default()
    }

    /// The hosts the role's VMs must not run on (`HOST_ANTI_AFFINED`).
    pub fn host_anti_affined(&self) -> BTreeSet<i32> {
        self.attrs.get("HOST_ANTI_AFFINED").map(|l| lenient_ids(l)).unwrap_or_default()
    }

    /// Whether a VM of the role may run on host `hid` under HOST_AFFINED/HOST_ANTI_AFFINED.
    pub fn host_allowed(&self, hid: i32) -> bool {
        let affined = self.host_affined();
        (affined.is_empty() || affined.contains(&hid)) && !self.host_anti_affined().contains(&hid)
    }

    /// The role's vector pairs, sorted by key: its attributes with ID, NAME and (when the
    /// role has VMs) VMS.
    pub fn pairs(&self) -> BTreeMap<String, String> {
        let mut all = self.attrs.clone();
        all.insert("ID".to_owned(), self.id.to_string());
        all.insert("NAME".to_owned(), self.name.clone());
        if !self.vms.is_empty() {
            let vms: Vec<String> = self.vms.iter().map(i32::to_string).collect();
            all.insert("VMS".to_owned(), vms.join(","));
        }
        all
    }

    /// Reads a stored role (ID and NAME required).
    fn from_pairs(pairs: &[(String, String)]) -> Result<Role, ObjectError> {
        let mut attrs = first_wins(pairs);
        let name = attrs.remove("NAME").filter(|n| !n.is_empty());
        let id = attrs.remove("ID").and_then(|i| i.trim().parse().ok());
        let (Some(name), Some(id)) = (name, id) else {
            return Err(ObjectError("<ROLE> needs a NAME and a numeric ID".to_owned()));
        };
        let vms = attrs.remove("VMS").map(|l| lenient_ids(&l)).unwrap_or_default();
        Ok(Role { id, name, vms, attrs })
    }
}

/// A VM group.
#[derive(Debug, Clone, PartialEq)]
pub struct VmGroup {
    /// Identity, ownership, permissions, lock.
    pub meta: Meta,
    /// The roles, by ascending ID.
    pub roles: Vec<Role>,
    /// TEMPLATE: the `AFFINED` and `ANTI_AFFINED` rules and the user's attributes (without
    /// NAME and ROLE).
    pub template: Template,
}

impl VmGroup {
    /// A new group from the template of `one.vmgroup.allocate`: NAME moves to `meta.name`
    /// (the caller checks that it is valid and free first), each ROLE vector becomes a role
    /// (single ROLE values are dropped), and the rules are checked, with OpenNebula's
    /// messages (`Missing NAME in VM group role`, `Role already exists`, ...).
    pub fn allocate(mut meta: Meta, mut template: Template) -> Result<VmGroup, String> {
        meta.name = template.get("NAME").unwrap_or_default().to_owned();
        template.remove("NAME");
        if meta.name.is_empty() {
            return Err("No NAME in template for VM group.".to_owned());
        }
        let roles: Vec<Vec<(String, String)>> = template
            .get_all("ROLE")
            .filter_map(|a| match &a.value {
                Value::Vector(pairs) => Some(pairs.clone()),
                Value::Single(_) => None,
            })
            .collect();
        template.remove("ROLE");
        let mut group = VmGroup { meta, roles: Vec::new(), template };
        for pairs in &roles {
            group.push_role(pairs)?;
        }
        group.check_consistency()?;
        Ok(group)
    }

    /// The role with this ID.
    pub fn role(&self, id: i32) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// The role with this name.
    pub fn role_named(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name == name)
    }

    fn role_index(&self, id: i32) -> Option<usize> {
        self.roles.iter().position(|r| r.id == id)
    }

    /// The ID the next role gets: one more than the highest (0 for the first).
    pub fn next_role_id(&self) -> i32 {
        self.roles.iter().map(|r| r.id + 1).max().unwrap_or(0)
    }

    /// How many VMs the roles hold together.
    pub fn vm_count(&self) -> usize {
        self.roles.iter().map(|r| r.vms.len()).sum()
    }

    /// Adds a role from its vector without checking the rules: NAME is required and must be
    /// free, ID is assigned and VMS dropped. Returns the new role's ID.
    fn push_role(&mut self, pairs: &[(String, String)]) -> Result<i32, String> {
        let mut attrs = first_wins(pairs);
        let name = attrs.remove("NAME").unwrap_or_default();
        if name.is_empty() {
            return Err("Missing NAME in VM group role".to_owned());
        }
        attrs.remove("ID");
        attrs.remove("VMS");
        if self.role_named(&name).is_some() {
            return Err("Role already exists".to_owned());
        }
        let id = self.next_role_id();
        self.roles.push(Role { id, name, vms: BTreeSet::new(), attrs });
        Ok(id)
    }

    /// Runs `change` on a copy and keeps it only if it succeeds and the rules still hold.
    fn transact<T>(&mut self, change: impl FnOnce(&mut VmGroup) -> Result<T, String>) -> Result<T, String> {
        let mut next = self.clone();
        let value = change(&mut next)?;
        next.check_consistency()?;
        *self = next;
        Ok(value)
    }

    /// `one.vmgroup.roleadd`: adds a role (see [`VmGroup::allocate`] for the checks) and
    /// returns its ID; nothing changes on error.
    pub fn add_role(&mut self, pairs: &[(String, String)]) -> Result<i32, String> {
        self.transact(|g| g.push_role(pairs))
    }

    /// `one.vmgroup.roledelete`: only a role without VMs, and only if no rule still names it.
    pub fn del_role(&mut self, id: i32) -> Result<(), String> {
        let Some(index) = self.role_index(id) else {
            return Err(format!("Unable to delete role {id}, the role doesn't exists"));
        };
        if !self.roles[index].vms.is_empty() {
            return Err(format!("Unable to delete role {id}, the role has assigned VMs "));
        }
        self.transact(|g| {
            g.roles.remove(index);
            Ok(())
        })
    }

    /// `one.vmgroup.roleupdate`: merges `pairs` into a role without VMs (each key given
    /// replaces the role's; VMS and ID cannot be changed, an empty NAME keeps the name).
    pub fn update_role(&mut self, id: i32, pairs: &[(String, String)]) -> Result<(), String> {
        let gid = self.meta.id;
        let Some(index) = self.role_index(id) else {
            return Err(format!("VMGroup {gid} doesn't have role {id}"));
        };
        if !self.roles[index].vms.is_empty() {
            return Err(format!("VMGroup {gid} Role {id} has VMs, unable to update"));
        }
        let mut update = first_wins(pairs);
        update.remove("VMS");
        update.remove("ID");
        let new_name = update.remove("NAME").unwrap_or_default();
        if !new_name.is_empty() && new_name != self.roles[index].name && self.role_named(&new_name).is_some()
        {
            return Err(format!(
                "VMGroup {gid} Role {id} can not update name, role with name {new_name} already exists"
            ));
        }
        self.transact(|g| {
            let role = &mut g.roles[index];
            if !new_name.is_empty() {
                role.name = new_name;
            }
            role.attrs.extend(update);
            Ok(())
        })
    }

    /// Adds VM `vid` to the role named `role` (`Role does not exist in VM Group`).
    pub fn add_vm(&mut self, role: &str, vid: i32) -> Result<(), String> {
        let r = self.roles.iter_mut().find(|r| r.name == role);
        let r = r.ok_or_else(|| "Role does not exist in VM Group".to_owned())?;
        r.vms.insert(vid);
        Ok(())
    }

    /// Removes VM `vid` from the role named `role`; whether it was there.
    pub fn del_vm(&mut self, role: &str, vid: i32) -> bool {
        self.roles.iter_mut().find(|r| r.name == role).is_some_and(|r| r.vms.remove(&vid))
    }

    /// The check of `one.vmgroup.update` once the new template is in place: refused while
    /// the group has VMs (`VM Group has N VMs`); ROLE attributes are dropped (roles change
    /// only through the role calls) and the rules must hold for the existing roles.
    pub fn check_update(&mut self) -> Result<(), String> {
        let vms = self.vm_count();
        if vms > 0 {
            return Err(format!("VM Group has {vms} VMs"));
        }
        self.template.remove("ROLE");
        self.check_consistency()
    }
}

impl PoolObject for VmGroup {
    const ROOT: &'static str = "VM_GROUP";
    const POOL_ROOT: &'static str = "VM_GROUP_POOL";
    const KIND: ObjectType = ObjectType::Vmgroup;

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
        self.meta.perms.write_xml(w);
        self.meta.write_lock(w);
        w.open("ROLES");
        for role in &self.roles {
            w.open("ROLE");
            for (k, v) in role.pairs() {
                w.cdata(&k, &v);
            }
            w.close("ROLE");
        }
        w.close("ROLES");
        self.template.write_xml(w, "TEMPLATE");
        w.close(Self::ROOT);
    }

    fn from_node(node: &Node) -> Result<Self, ObjectError> {
        let _: i32 = required_num(node, "ID")?;
        let mut roles: Vec<Role> = Vec::new();
        for attr in super::template_from_node(node.child("ROLES"))?.get_all("ROLE") {
            let role = Role::from_pairs(attr.value.as_vector().unwrap_or_default())?;
            if roles.iter().any(|r| r.id == role.id || r.name == role.name) {
                return Err(ObjectError(format!("role {} ({}) appears twice", role.id, role.name)));
            }
            roles.push(role);
        }
        roles.sort_by_key(|r| r.id);
        Ok(VmGroup {
            meta: Meta::from_node(node)?,
            roles,
            template: super::template_from_node(node.child("TEMPLATE"))?,
        })
    }
}

/// Renders `<VM_GROUP_POOL>` with the groups in the given order.
pub fn vmgroup_pool_xml<'a>(groups: impl IntoIterator<Item = &'a VmGroup>) -> String {
    let mut w = XmlWriter::new();
    w.open(VmGroup::POOL_ROOT);
    for g in groups {
        g.write_pool_xml(&mut w);
    }
    w.close(VmGroup::POOL_ROOT);
    w.finish()
}

/// Reads `<VM_GROUP_POOL>`.
pub fn vmgroups_from_pool(node: &Node) -> Result<Vec<VmGroup>, ObjectError> {
    node.children_named(VmGroup::ROOT).map(VmGroup::from_node).collect()
}

#[cfg(test)]
#[path = "vmgroup_tests.rs"]
mod tests;
