//! CLUSTER and CLUSTER_POOL documents (`one.cluster.info`, `one.clusterpool.info`) and the
//! cluster rules: the bootstrap `default` cluster, adding and removing hosts, datastores and
//! virtual networks, deletion checks and the `ONE_DRS` attribute check of `one.cluster.update`.
//!
//! Clusters are shown without UID/GID/PERMISSIONS but are owned by oneadmin for
//! authorization. The optional `<PLAN>` of OpenNebula 7's DRS is not produced (our scheduler
//! makes no plans) and is ignored when reading.

use super::common::{Meta, PoolObject, read_ids, write_ids};
use super::{ObjectError, required, required_num};
use crate::acl::ObjectType;
use crate::perms::Permissions;
use crate::template::{Attribute, Template};
use crate::xml::{Node, XmlWriter};

/// ID of the bootstrap cluster.
pub const DEFAULT_CLUSTER_ID: i32 = 0;
/// Name of the bootstrap cluster.
pub const DEFAULT_CLUSTER_NAME: &str = "default";
/// The cluster argument meaning "no cluster given" (`-1`), which allocations map to the default.
pub const NONE_CLUSTER_ID: i32 = -1;
/// First ID of user-created clusters; lower ones cannot be deleted.
pub const FIRST_USER_CLUSTER_ID: i32 = 100;

/// What a cluster groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterResource {
    /// A host (`HOSTS`).
    Host,
    /// A datastore (`DATASTORES`).
    Datastore,
    /// A virtual network (`VNETS`).
    Vnet,
}

impl ClusterResource {
    /// OpenNebula's object name in messages.
    pub fn name(self) -> &'static str {
        match self {
            ClusterResource::Host => "HOST",
            ClusterResource::Datastore => "DATASTORE",
            ClusterResource::Vnet => "NET",
        }
    }
}

/// A cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// ID and name (owned by oneadmin, permissions 600; not rendered).
    pub meta: Meta,
    /// HOSTS, ascending.
    pub hosts: Vec<i32>,
    /// DATASTORES, ascending.
    pub datastores: Vec<i32>,
    /// VNETS, ascending.
    pub vnets: Vec<i32>,
    /// TEMPLATE.
    pub template: Template,
}

impl Cluster {
    /// A new empty cluster (`one.cluster.allocate`); its template holds `RESERVED_CPU = ""`
    /// and `RESERVED_MEM = ""`.
    pub fn new(id: i32, name: &str) -> Cluster {
        let mut template = Template::new();
        template.set("RESERVED_CPU", "");
        template.set("RESERVED_MEM", "");
        Cluster {
            meta: Meta::oneadmin(id, name, Permissions::from_octal(0o600)),
            hosts: Vec::new(),
            datastores: Vec::new(),
            vnets: Vec::new(),
            template,
        }
    }

    /// The cluster oned creates on an empty database: 0 `default` holding the bootstrap
    /// datastores 0, 1 and 2.
    pub fn bootstrap() -> Cluster {
        let mut c = Cluster::new(DEFAULT_CLUSTER_ID, DEFAULT_CLUSTER_NAME);
        c.datastores = vec![0, 1, 2];
        c
    }

    fn ids_mut(&mut self, kind: ClusterResource) -> &mut Vec<i32> {
        match kind {
            ClusterResource::Host => &mut self.hosts,
            ClusterResource::Datastore => &mut self.datastores,
            ClusterResource::Vnet => &mut self.vnets,
        }
    }

    /// Adds a resource; fails with `HOST ID is already in the cluster set.` (and the like).
    pub fn add(&mut self, kind: ClusterResource, id: i32) -> Result<(), String> {
        let ids = self.ids_mut(kind);
        match ids.binary_search(&id) {
            Ok(_) => Err(format!("{} ID is already in the cluster set.", kind.name())),
            Err(pos) => {
                ids.insert(pos, id);
                Ok(())
            }
        }
    }

    /// Removes a resource; fails with `HOST is not in the cluster set.` (and the like).
    pub fn del(&mut self, kind: ClusterResource, id: i32) -> Result<(), String> {
        let ids = self.ids_mut(kind);
        match ids.binary_search(&id) {
            Ok(pos) => {
                ids.remove(pos);
                Ok(())
            }
            Err(_) => Err(format!("{} is not in the cluster set.", kind.name())),
        }
    }

    /// Whether `one.cluster.delete` may remove the cluster, with OpenNebula's messages.
    pub fn check_drop(&self) -> Result<(), String> {
        let id = self.meta.id;
        if id < FIRST_USER_CLUSTER_ID {
            return Err("System Clusters (ID < 100) cannot be deleted.".to_owned());
        }
        for (count, what) in
            [(self.hosts.len(), "hosts"), (self.datastores.len(), "datastores"), (self.vnets.len(), "vnets")]
        {
            if count > 0 {
                return Err(format!("Cluster {id} is not empty, it contains {count} {what}."));
            }
        }
        Ok(())
    }

    /// RESERVED_CPU and RESERVED_MEM of the template (empty when unset).
    pub fn reserved_capacity(&self) -> (&str, &str) {
        (self.template.get("RESERVED_CPU").unwrap_or(""), self.template.get("RESERVED_MEM").unwrap_or(""))
    }

    /// The cluster's default system datastore: the lowest-numbered of its datastores that is a
    /// system datastore according to `is_system`.
    pub fn default_system_ds(&self, is_system: impl Fn(i32) -> bool) -> Option<i32> {
        self.datastores.iter().copied().find(|id| is_system(*id))
    }

    /// The check of `one.cluster.update` for a `ONE_DRS` vector: POLICY `pack|balance` and
    /// AUTOMATION `manual|partial|full` (both required), the thresholds `-1` or a non-negative
    /// number, the weights and PREDICTIVE non-negative numbers; values are stored trimmed and
    /// lower-cased. Fails with `Error cluster template contains invalid <FIELD>`. (OpenNebula
    /// also refuses a cluster holding hosts with PIN_POLICY=PINNED; that needs the hosts and
    /// is left to the caller.)
    pub fn check_drs(&mut self) -> Result<(), String> {
        let Some(pairs) = self.template.vector("ONE_DRS").map(<[_]>::to_vec) else { return Ok(()) };
        let mut pairs = pairs;
        let number = |v: &str| {
            let (int, frac) = v.split_once('.').unwrap_or((v, "1"));
            !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && !frac.is_empty()
                && frac.bytes().all(|b| b.is_ascii_digit())
        };
        // 0: a keyword of the list, 1: empty, -1 or a number, 2: empty or a number.
        let rules: [(&str, u8, &[&str]); 11] = [
            ("POLICY", 0, &["pack", "balance"]),
            ("AUTOMATION", 0, &["manual", "partial", "full"]),
            ("MIGRATION_THRESHOLD", 1, &[]),
            ("HOST_MIGRATION_THRESHOLD", 1, &[]),
            ("DS_MIGRATION_THRESHOLD", 1, &[]),
            ("CPU_USAGE_WEIGHT", 2, &[]),
            ("CPU_WEIGHT", 2, &[]),
            ("MEMORY_WEIGHT", 2, &[]),
            ("NET_WEIGHT", 2, &[]),
            ("DISK_WEIGHT", 2, &[]),
            ("PREDICTIVE", 2, &[]),
        ];
        for (field, kind, keywords) in rules {
            let value =
                super::monitoring::vector_value(&pairs, field).unwrap_or("").trim().to_ascii_lowercase();
            let valid = match kind {
                0 => keywords.contains(&value.as_str()),
                1 => value.is_empty() || value == "-1" || number(&value),
                _ => value.is_empty() || number(&value),
            };
            if !valid {
                return Err(format!("Error cluster template contains invalid {field}"));
            }
            if !value.is_empty() {
                match pairs.iter_mut().find(|(k, _)| k == field) {
                    Some(slot) => slot.1 = value,
                    None => pairs.push((field.to_owned(), value)),
                }
            }
        }
        let others: Vec<Attribute> = self.template.attributes().to_vec();
        let mut first = true;
        self.template = Template::new();
        for a in others {
            if a.name == "ONE_DRS" && first {
                first = false;
                self.template.push(Attribute::vector("ONE_DRS", pairs.clone()));
            } else {
                self.template.push(a);
            }
        }
        Ok(())
    }
}

impl PoolObject for Cluster {
    const ROOT: &'static str = "CLUSTER";
    const POOL_ROOT: &'static str = "CLUSTER_POOL";
    const KIND: ObjectType = ObjectType::Cluster;

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
    fn cluster_ids(&self) -> Vec<i32> {
        vec![self.meta.id]
    }

    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("CLUSTER").num("ID", self.meta.id).text("NAME", &self.meta.name);
        write_ids(w, "HOSTS", &self.hosts);
        write_ids(w, "DATASTORES", &self.datastores);
        write_ids(w, "VNETS", &self.vnets);
        self.template.write_xml(w, "TEMPLATE");
        w.close("CLUSTER");
    }

    fn from_node(node: &Node) -> Result<Cluster, ObjectError> {
        Ok(Cluster {
            meta: Meta::oneadmin(
                required_num(node, "ID")?,
                required(node, "NAME")?,
                Permissions::from_octal(0o600),
            ),
            hosts: read_ids(node, "HOSTS")?,
            datastores: read_ids(node, "DATASTORES")?,
            vnets: read_ids(node, "VNETS")?,
            template: super::template_from_node(node.child("TEMPLATE"))?,
        })
    }
}

/// Renders `<CLUSTER_POOL>` in the order given.
pub fn cluster_pool_xml<'a>(clusters: impl IntoIterator<Item = &'a Cluster>) -> String {
    let mut w = XmlWriter::new();
    w.open(Cluster::POOL_ROOT);
    for c in clusters {
        c.write_pool_xml(&mut w);
    }
    w.close(Cluster::POOL_ROOT);
    w.finish()
}

/// Reads `<CLUSTER_POOL>`.
pub fn clusters_from_pool(node: &Node) -> Result<Vec<Cluster>, ObjectError> {
    node.children_named(Cluster::ROOT).map(Cluster::from_node).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn default_cluster_matches_opennebula_byte_for_byte() {
        let real = include_str!("../../golden/clusterpool.xml").trim_end();
        let mut c = Cluster::bootstrap();
        c.add(ClusterResource::Host, 0).unwrap();
        c.add(ClusterResource::Vnet, 0).unwrap();
        assert_eq!(cluster_pool_xml([&c]), real);
        let back = clusters_from_pool(&parse(real).unwrap()).unwrap();
        assert_eq!(back, vec![c.clone()]);
        assert_eq!(Cluster::from_xml(&c.to_xml()).unwrap(), c);
        assert_eq!(c.cluster_ids(), vec![0]);
    }

    #[test]
    fn resources_and_drop_rules() {
        let mut c = Cluster::new(100, "prod");
        c.add(ClusterResource::Datastore, 5).unwrap();
        c.add(ClusterResource::Datastore, 2).unwrap();
        assert_eq!(c.datastores, [2, 5]);
        assert_eq!(
            c.add(ClusterResource::Datastore, 5),
            Err("DATASTORE ID is already in the cluster set.".into())
        );
        assert_eq!(c.del(ClusterResource::Vnet, 1), Err("NET is not in the cluster set.".into()));
        assert_eq!(c.check_drop(), Err("Cluster 100 is not empty, it contains 2 datastores.".into()));
        assert_eq!(c.default_system_ds(|id| id == 5 || id == 7), Some(5));
        c.del(ClusterResource::Datastore, 5).unwrap();
        c.del(ClusterResource::Datastore, 2).unwrap();
        c.add(ClusterResource::Host, 3).unwrap();
        assert_eq!(c.check_drop(), Err("Cluster 100 is not empty, it contains 1 hosts.".into()));
        c.del(ClusterResource::Host, 3).unwrap();
        assert_eq!(c.check_drop(), Ok(()));
        assert_eq!(
            Cluster::bootstrap().check_drop(),
            Err("System Clusters (ID < 100) cannot be deleted.".into())
        );
        c.template.set("RESERVED_CPU", "10%");
        assert_eq!(c.reserved_capacity(), ("10%", ""));
    }

    #[test]
    fn drs_attribute_is_checked_and_normalised() {
        let mut c = Cluster::new(100, "drs");
        assert_eq!(c.check_drs(), Ok(()));
        c.template = Template::parse(
            "A=1\nONE_DRS=[POLICY=\" Pack \",AUTOMATION=FULL,MIGRATION_THRESHOLD=\"-1\",CPU_WEIGHT=\"0.5\"]",
        )
        .unwrap();
        assert_eq!(c.check_drs(), Ok(()));
        let drs = c.template.vector("ONE_DRS").unwrap();
        assert_eq!(super::super::monitoring::vector_value(drs, "POLICY"), Some("pack"));
        assert_eq!(super::super::monitoring::vector_value(drs, "AUTOMATION"), Some("full"));
        assert_eq!(c.template.get("A"), Some("1"));
        for (bad, field) in [
            ("POLICY=spread,AUTOMATION=full", "POLICY"),
            ("AUTOMATION=full", "POLICY"),
            ("POLICY=pack,AUTOMATION=full,MIGRATION_THRESHOLD=-2", "MIGRATION_THRESHOLD"),
            ("POLICY=pack,AUTOMATION=full,NET_WEIGHT=1.", "NET_WEIGHT"),
        ] {
            c.template = Template::parse(&format!("ONE_DRS=[{bad}]")).unwrap();
            assert_eq!(
                c.check_drs(),
                Err(format!("Error cluster template contains invalid {field}")),
                "{bad}"
            );
        }
    }
}
