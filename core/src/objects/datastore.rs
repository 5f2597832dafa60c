//! DATASTORE and DATASTORE_POOL documents (`one.datastore.info`, `one.datastorepool.info`)
//! and the datastore rules: the three bootstrap datastores, `one.datastore.allocate` and
//! `one.datastore.update` checks against the drivers' configuration (`drivers.rs`),
//! `one.datastore.enable`, and monitored capacity.

mod drivers;

pub use drivers::{MadConfs, disk_type_from_str, disk_type_str};

use super::common::{Meta, PoolObject, read_ids, write_ids};
use super::{ObjectError, required, required_num};
use crate::acl::ObjectType;
use crate::perms::Permissions;
use crate::states::{DatastoreState, DatastoreType, DiskType};
use crate::template::Template;
use crate::xml::{Node, XmlWriter};

/// ID of the bootstrap system datastore (`system`); its type cannot change.
pub const SYSTEM_DS_ID: i32 = 0;
/// ID of the bootstrap image datastore (`default`).
pub const DEFAULT_DS_ID: i32 = 1;
/// ID of the bootstrap file datastore (`files`).
pub const FILE_DS_ID: i32 = 2;
/// First ID of user-created datastores.
pub const FIRST_USER_DS_ID: i32 = 100;
/// The umask oned creates the bootstrap datastores with (permissions 640).
pub const BOOTSTRAP_UMASK: u32 = 0o137;

/// A datastore.
#[derive(Debug, Clone, PartialEq)]
pub struct Datastore {
    /// Identity, owner, group and permissions (a datastore has no lock).
    pub meta: Meta,
    /// DS_MAD: the datastore driver (`-` for system datastores).
    pub ds_mad: String,
    /// TM_MAD: the transfer driver (`-` for backup datastores).
    pub tm_mad: String,
    /// BASE_PATH: `<datastore location>/<id>`.
    pub base_path: String,
    /// TYPE.
    pub ds_type: DatastoreType,
    /// DISK_TYPE.
    pub disk_type: DiskType,
    /// STATE.
    pub state: DatastoreState,
    /// CLUSTERS, ascending.
    pub clusters: Vec<i32>,
    /// TOTAL_MB, as last monitored.
    pub total_mb: i64,
    /// FREE_MB, as last monitored.
    pub free_mb: i64,
    /// USED_MB, as last monitored.
    pub used_mb: i64,
    /// IMAGES, ascending.
    pub images: Vec<i32>,
    /// TEMPLATE.
    pub template: Template,
}

impl Datastore {
    /// The three datastores oned creates on an empty database, owned by oneadmin with
    /// permissions 640 and in cluster 0: `system` (0, SYSTEM_DS, TM_MAD only), `default` (1,
    /// IMAGE_DS) and `files` (2, FILE_DS). OpenNebula uses DS_MAD `fs` and TM_MAD `local`;
    /// pass the drivers of the deployment (`dummy`/`dummy` gives the reference sample).
    pub fn bootstrap(
        location: &str,
        ds_mad: &str,
        tm_mad: &str,
        confs: &MadConfs,
    ) -> Result<Vec<Datastore>, String> {
        let defs = [
            (SYSTEM_DS_ID, "system", "SYSTEM_DS", None),
            (DEFAULT_DS_ID, "default", "IMAGE_DS", Some(ds_mad)),
            (FILE_DS_ID, "files", "FILE_DS", Some(ds_mad)),
        ];
        defs.into_iter()
            .map(|(id, name, ds_type, ds_mad)| {
                let mut template = Template::new();
                template.set("NAME", name);
                template.set("TYPE", ds_type);
                if let Some(ds_mad) = ds_mad {
                    template.set("DS_MAD", ds_mad);
                }
                template.set("TM_MAD", tm_mad);
                let owner = Meta::oneadmin(id, "", Permissions::from_umask(BOOTSTRAP_UMASK));
                Datastore::allocate(id, owner, template, vec![0], location, confs)
            })
            .collect()
    }

    /// `one.datastore.allocate` after the name checks: builds the datastore from its template
    /// as OpenNebula does, or fails with its message. `meta` gives the owner, group and the
    /// permissions from the caller's umask (group USE is always granted); its ID and name are
    /// replaced by `id` and the template's NAME, which is removed from the template.
    ///
    /// TYPE: `IMAGE_DS` (default, also for unknown values), `SYSTEM_DS`, `FILE_DS`,
    /// `BACKUP_DS`. DS_MAD is required except for system datastores, which must not have one
    /// (`No DS_MAD in template.`, `SYSTEM datastores cannot have DS_MAD defined.`) and must be
    /// in DS_MAD_CONF with its REQUIRED_ATTRS set. TM_MAD is required except for backup
    /// datastores (`No TM_MAD in template.`) and must be in TM_MAD_CONF, whose values are
    /// copied into the template. BASE_PATH is `<location>/<id>`; DISK_TYPE must suit the type;
    /// SAFE_DIRS=/var/tmp and RESTRICTED_DIRS=/ are set when neither is given.
    pub fn allocate(
        id: i32,
        meta: Meta,
        template: Template,
        clusters: Vec<i32>,
        location: &str,
        confs: &MadConfs,
    ) -> Result<Datastore, String> {
        let mut meta = meta;
        meta.id = id;
        meta.name = template.get("NAME").unwrap_or("").to_owned();
        meta.perms.group[0] = true;
        meta.lock = None;
        let mut ds = Datastore {
            meta,
            ds_mad: String::new(),
            tm_mad: String::new(),
            base_path: String::new(),
            ds_type: DatastoreType::Image,
            disk_type: DiskType::File,
            state: DatastoreState::Ready,
            clusters,
            total_mb: 0,
            free_mb: 0,
            used_mb: 0,
            images: Vec::new(),
            template,
        };
        ds.clusters.sort_unstable();
        ds.clusters.dedup();
        ds.template.remove("NAME");
        drivers::check_allocate(&mut ds, location, confs)?;
        Ok(ds)
    }

    /// `<location>/<id>`, adding the `/` when the location lacks it.
    pub fn base_path_for(location: &str, id: i32) -> String {
        if location.ends_with('/') { format!("{location}{id}") } else { format!("{location}/{id}") }
    }

    /// `one.datastore.enable`: only system datastores can be disabled or enabled.
    pub fn enable(&mut self, enable: bool) -> Result<(), String> {
        if self.ds_type != DatastoreType::System {
            return Err("Only SYSTEM_DS can be disabled or enabled".to_owned());
        }
        self.state = if enable { DatastoreState::Ready } else { DatastoreState::Disabled };
        Ok(())
    }

    /// Records a monitoring result of the datastore driver (MB).
    pub fn update_monitor(&mut self, total_mb: i64, free_mb: i64, used_mb: i64) {
        self.total_mb = total_mb;
        self.free_mb = free_mb;
        self.used_mb = used_mb;
    }

    /// The space images may still take, MB: FREE_MB, or LIMIT_MB − USED_MB when the template
    /// sets LIMIT_MB, never negative.
    pub fn available_mb(&self) -> i64 {
        let limit = self.template.get("LIMIT_MB").and_then(super::monitoring::parse_int::<i64>);
        limit.map_or(self.free_mb, |l| l - self.used_mb).max(0)
    }

    /// Whether image allocations check the space: the template's DATASTORE_CAPACITY_CHECK,
    /// else `default` (oned.conf's value).
    pub fn capacity_check(&self, default: bool) -> bool {
        match self.template.get("DATASTORE_CAPACITY_CHECK") {
            Some(v) if !v.is_empty() => v.eq_ignore_ascii_case("YES"),
            _ => default,
        }
    }

    /// `one.datastore.delete`: a datastore holding images cannot be removed.
    pub fn check_drop(&self) -> Result<(), String> {
        if self.images.is_empty() { Ok(()) } else { Err(format!("Datastore {} is not empty.", self.meta.id)) }
    }

    /// After `one.datastore.update` replaced or merged the template (`old` is the template
    /// before): re-derives TYPE, DISK_TYPE, TM_MAD and DS_MAD as OpenNebula does and checks
    /// them. On failure everything, the template included, is restored and the message is
    /// returned.
    pub fn post_update(&mut self, old: &Template, confs: &MadConfs) -> Result<(), String> {
        let saved = self.clone();
        drivers::post_update(self, old, confs).inspect_err(|_| {
            *self = saved;
            self.template = old.clone();
        })
    }
}

impl PoolObject for Datastore {
    const ROOT: &'static str = "DATASTORE";
    const POOL_ROOT: &'static str = "DATASTORE_POOL";
    const KIND: ObjectType = ObjectType::Datastore;

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
        self.clusters.clone()
    }
    fn state(&self) -> i32 {
        self.state.value()
    }

    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("DATASTORE");
        self.meta.write_identity(w);
        self.meta.perms.write_xml(w);
        w.cdata("DS_MAD", &self.ds_mad).cdata("TM_MAD", &self.tm_mad).cdata("BASE_PATH", &self.base_path);
        w.num("TYPE", self.ds_type.value()).num("DISK_TYPE", self.disk_type.value());
        w.num("STATE", self.state.value());
        write_ids(w, "CLUSTERS", &self.clusters);
        w.num("TOTAL_MB", self.total_mb).num("FREE_MB", self.free_mb).num("USED_MB", self.used_mb);
        write_ids(w, "IMAGES", &self.images);
        self.template.write_xml(w, "TEMPLATE");
        w.close("DATASTORE");
    }

    fn from_node(node: &Node) -> Result<Datastore, ObjectError> {
        let num = |name: &str| required_num::<i32>(node, name);
        let bad = |name: &str, v: i32| ObjectError(format!("<{name}> {v} is not a known value"));
        let (t, d, s) = (num("TYPE")?, num("DISK_TYPE")?, num("STATE")?);
        Ok(Datastore {
            meta: Meta::from_node(node)?,
            ds_mad: required(node, "DS_MAD")?.to_owned(),
            tm_mad: required(node, "TM_MAD")?.to_owned(),
            base_path: node.child_text("BASE_PATH").unwrap_or("").to_owned(),
            ds_type: DatastoreType::from_value(t).ok_or_else(|| bad("TYPE", t))?,
            disk_type: DiskType::from_value(d).ok_or_else(|| bad("DISK_TYPE", d))?,
            state: DatastoreState::from_value(s).ok_or_else(|| bad("STATE", s))?,
            clusters: read_ids(node, "CLUSTERS")?,
            total_mb: required_num(node, "TOTAL_MB")?,
            free_mb: required_num(node, "FREE_MB")?,
            used_mb: required_num(node, "USED_MB")?,
            images: read_ids(node, "IMAGES")?,
            template: super::template_from_node(node.child("TEMPLATE"))?,
        })
    }
}

/// Renders `<DATASTORE_POOL>` in the order given.
pub fn datastore_pool_xml<'a>(datastores: impl IntoIterator<Item = &'a Datastore>) -> String {
    let mut w = XmlWriter::new();
    w.open(Datastore::POOL_ROOT);
    for d in datastores {
        d.write_pool_xml(&mut w);
    }
    w.close(Datastore::POOL_ROOT);
    w.finish()
}

/// Reads `<DATASTORE_POOL>`.
pub fn datastores_from_pool(node: &Node) -> Result<Vec<Datastore>, ObjectError> {
    node.children_named(Datastore::ROOT).map(Datastore::from_node).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    const POOL: &str = include_str!("../../golden/datastorepool.xml");

    #[test]
    fn bootstrap_datastores_match_opennebula_byte_for_byte() {
        let mut ds = Datastore::bootstrap(
            "/var/lib/one/datastores",
            "dummy",
            "dummy",
            &MadConfs::opennebula_defaults(),
        )
        .unwrap();
        // Capacity as the dummy monitor reported it in the sample.
        ds[0].update_monitor(4_796_800, 3_333_260, 1_429_920);
        ds[1].update_monitor(20480, 20480, 9720);
        ds[2].update_monitor(20480, 20480, 9720);
        // oned listed the pool newest first.
        assert_eq!(datastore_pool_xml(ds.iter().rev()), POOL.trim_end());
    }

    #[test]
    fn pool_reads_back() {
        let ds = datastores_from_pool(&parse(POOL.trim_end()).unwrap()).unwrap();
        assert_eq!(datastore_pool_xml(&ds), POOL.trim_end());
        assert_eq!(
            ds.iter().map(|d| d.ds_type).collect::<Vec<_>>(),
            [DatastoreType::File, DatastoreType::Image, DatastoreType::System]
        );
        let system = &ds[2];
        assert_eq!(
            (system.meta.name.as_str(), system.ds_mad.as_str(), system.meta.perms.octal()),
            ("system", "-", 0o640)
        );
        assert_eq!(Datastore::from_xml(&system.to_xml()).unwrap(), *system);
        assert_eq!((system.cluster_ids(), PoolObject::state(system)), (vec![0], 0));
    }

    #[test]
    fn enable_monitor_and_space() {
        let confs = MadConfs::opennebula_defaults();
        let mut ds = Datastore::bootstrap("/var/lib/one/datastores/", "fs", "local", &confs).unwrap();
        assert_eq!(ds[1].base_path, "/var/lib/one/datastores/1");
        assert_eq!(ds[1].enable(false), Err("Only SYSTEM_DS can be disabled or enabled".to_owned()));
        ds[0].enable(false).unwrap();
        assert_eq!(ds[0].state, DatastoreState::Disabled);
        ds[0].enable(true).unwrap();
        assert_eq!(ds[0].state, DatastoreState::Ready);
        ds[1].update_monitor(100, 60, 40);
        assert_eq!(ds[1].available_mb(), 60);
        ds[1].template.set("LIMIT_MB", "30");
        assert_eq!(ds[1].available_mb(), 0);
        assert!(ds[1].capacity_check(true) && !ds[1].capacity_check(false));
        ds[1].template.set("DATASTORE_CAPACITY_CHECK", "no");
        assert!(!ds[1].capacity_check(true));
        ds[1].images.push(4);
        assert_eq!(ds[1].check_drop(), Err("Datastore 1 is not empty.".to_owned()));
        assert_eq!(ds[2].check_drop(), Ok(()));
    }
}
