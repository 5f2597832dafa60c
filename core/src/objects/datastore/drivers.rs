//! Datastore checks that depend on the drivers' configuration: oned.conf's `TM_MAD_CONF`
//! (LN_TARGET, CLONE_TARGET, SHARED, DS_MIGRATE, … copied into the datastore template) and
//! `DS_MAD_CONF` (REQUIRED_ATTRS, DATASTORE_CAPACITY_CHECK), and the DISK_TYPE rules of each
//! datastore type. [`MadConfs::opennebula_defaults`] carries the entries of OpenNebula 7.4's
//! stock oned.conf for the drivers we know.

use super::{Datastore, SYSTEM_DS_ID};
use crate::objects::monitoring::vector_value;
use crate::states::{DatastoreType, DiskType};
use crate::template::Template;

/// One `*_MAD_CONF` entry.
type Conf = Vec<(String, String)>;

/// OpenNebula 7.4's stock TM_MAD_CONF and DS_MAD_CONF entries, in template syntax.
const DEFAULTS: &str = r#"
TM_MAD_CONF = [ NAME = "dummy", LN_TARGET = "NONE", CLONE_TARGET = "SYSTEM", SHARED = "YES",
  DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "YES" ]
TM_MAD_CONF = [ NAME = "shared", LN_TARGET = "NONE", CLONE_TARGET = "SYSTEM", SHARED = "YES",
  TM_MAD_SYSTEM = "ssh", LN_TARGET_SSH = "SYSTEM", CLONE_TARGET_SSH = "SYSTEM", DISK_TYPE_SSH = "FILE",
  ALLOW_ORPHANS = "FORMAT", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "YES" ]
TM_MAD_CONF = [ NAME = "lvm", LN_TARGET = "NONE", CLONE_TARGET = "SELF", SHARED = "YES", DRIVER = "raw",
  DISK_TYPE = "BLOCK", ALLOW_ORPHANS = "YES", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "fs_lvm", LN_TARGET = "SYSTEM", CLONE_TARGET = "SYSTEM", SHARED = "YES", DRIVER = "raw",
  DISK_TYPE = "BLOCK", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "fs_lvm_ssh", LN_TARGET = "SYSTEM", CLONE_TARGET = "SYSTEM", SHARED = "YES",
  DRIVER = "raw", DISK_TYPE = "BLOCK", PERSISTENT_SNAPSHOTS = "NO", ALLOW_ORPHANS = "YES", DS_MIGRATE = "YES",
  DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "qcow2", LN_TARGET = "NONE", CLONE_TARGET = "SYSTEM", SHARED = "YES",
  TM_MAD_SYSTEM = "ssh", LN_TARGET_SSH = "SYSTEM", CLONE_TARGET_SSH = "SYSTEM", DISK_TYPE_SSH = "FILE",
  DRIVER = "qcow2", ALLOW_ORPHANS = "FORMAT", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "YES" ]
TM_MAD_CONF = [ NAME = "ssh", LN_TARGET = "SYSTEM", CLONE_TARGET = "SYSTEM", SHARED = "NO", ALLOW_ORPHANS = "YES",
  DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "YES" ]
TM_MAD_CONF = [ NAME = "local", LN_TARGET = "SYSTEM", CLONE_TARGET = "SYSTEM", SHARED = "NO",
  ALLOW_ORPHANS = "FORMAT", DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", DS_MIGRATE_SNAP = "YES" ]
TM_MAD_CONF = [ NAME = "ceph", LN_TARGET = "NONE", CLONE_TARGET = "SELF", SHARED = "YES", DRIVER = "raw",
  ALLOW_ORPHANS = "mixed", TM_MAD_SYSTEM = "ssh", LN_TARGET_SSH = "SYSTEM", CLONE_TARGET_SSH = "SYSTEM",
  DISK_TYPE_SSH = "FILE", DS_MIGRATE = "NO", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "iscsi_libvirt", LN_TARGET = "NONE", CLONE_TARGET = "SELF", SHARED = "YES",
  DRIVER = "raw", DS_MIGRATE = "NO", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
TM_MAD_CONF = [ NAME = "dev", LN_TARGET = "NONE", CLONE_TARGET = "NONE", SHARED = "YES", DRIVER = "raw",
  DS_MIGRATE = "NO", DS_LIVE_MIGRATE = "NO", DS_MIGRATE_SNAP = "NO" ]
DS_MAD_CONF = [ NAME = "ceph", REQUIRED_ATTRS = "DISK_TYPE,BRIDGE_LIST", PERSISTENT_ONLY = "NO",
  MARKETPLACE_ACTIONS = "export" ]
DS_MAD_CONF = [ NAME = "dev", REQUIRED_ATTRS = "DISK_TYPE", PERSISTENT_ONLY = "YES" ]
DS_MAD_CONF = [ NAME = "iscsi_libvirt", REQUIRED_ATTRS = "DISK_TYPE,ISCSI_HOST", PERSISTENT_ONLY = "YES" ]
DS_MAD_CONF = [ NAME = "dummy", REQUIRED_ATTRS = "", PERSISTENT_ONLY = "NO" ]
DS_MAD_CONF = [ NAME = "fs", REQUIRED_ATTRS = "", PERSISTENT_ONLY = "NO", MARKETPLACE_ACTIONS = "export" ]
DS_MAD_CONF = [ NAME = "lvm", REQUIRED_ATTRS = "", PERSISTENT_ONLY = "NO" ]
DS_MAD_CONF = [ NAME = "restic", REQUIRED_ATTRS = "RESTIC_PASSWORD", PERSISTENT_ONLY = "YES" ]
DS_MAD_CONF = [ NAME = "rsync", REQUIRED_ATTRS = "RSYNC_HOST,RSYNC_USER", PERSISTENT_ONLY = "YES" ]
"#;

/// The drivers' configuration entries of oned.conf.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MadConfs {
    /// `TM_MAD_CONF` vectors.
    pub tm: Vec<Vec<(String, String)>>,
    /// `DS_MAD_CONF` vectors.
    pub ds: Vec<Vec<(String, String)>>,
}

impl MadConfs {
    /// The TM_MAD_CONF and DS_MAD_CONF vectors of a parsed oned.conf.
    pub fn from_config(config: &Template) -> MadConfs {
        let vectors = |name: &str| {
            config.get_all(name).filter_map(|a| a.value.as_vector()).map(<[_]>::to_vec).collect()
        };
        MadConfs { tm: vectors("TM_MAD_CONF"), ds: vectors("DS_MAD_CONF") }
    }

    /// OpenNebula 7.4's stock entries for dummy, shared, lvm, fs_lvm, fs_lvm_ssh, qcow2, ssh,
    /// local, ceph, iscsi_libvirt and dev (TM) and ceph, dev, iscsi_libvirt, dummy, fs, lvm,
    /// restic and rsync (DS).
    pub fn opennebula_defaults() -> MadConfs {
        Template::parse(DEFAULTS).map(|t| MadConfs::from_config(&t)).unwrap_or_default()
    }

    fn find<'a>(list: &'a [Conf], name: &str) -> Option<&'a [(String, String)]> {
        list.iter()
            .find(|c| vector_value(c, "NAME").is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .map(Vec::as_slice)
    }

    /// The TM_MAD_CONF entry of a transfer driver (names compare case-insensitively).
    pub fn tm(&self, name: &str) -> Option<&[(String, String)]> {
        Self::find(&self.tm, name)
    }

    /// The DS_MAD_CONF entry of a datastore driver.
    pub fn ds(&self, name: &str) -> Option<&[(String, String)]> {
        Self::find(&self.ds, name)
    }
}

/// A DISK_TYPE as written in templates (`FILE`, `CDROM`, `BLOCK`, `RBD`, …, `FILESYSTEM`;
/// case-insensitive); anything else is [`DiskType::None`].
pub fn disk_type_from_str(text: &str) -> DiskType {
    match text.to_ascii_uppercase().as_str() {
        "FILE" => DiskType::File,
        "CDROM" => DiskType::CdRom,
        "BLOCK" => DiskType::Block,
        "RBD" => DiskType::Rbd,
        "RBD_CDROM" => DiskType::RbdCdrom,
        "GLUSTER" => DiskType::Gluster,
        "GLUSTER_CDROM" => DiskType::GlusterCdrom,
        "SHEEPDOG" => DiskType::Sheepdog,
        "SHEEPDOG_CDROM" => DiskType::SheepdogCdrom,
        "ISCSI" => DiskType::Iscsi,
        "FILESYSTEM" => DiskType::FileSystem,
        _ => DiskType::None,
    }
}

/// A DISK_TYPE as OpenNebula writes it into templates (`CDROM`, `FILESYSTEM`; `""` for NONE).
pub fn disk_type_str(disk_type: DiskType) -> &'static str {
    match disk_type {
        DiskType::CdRom => "CDROM",
        DiskType::FileSystem => "FILESYSTEM",
        DiskType::None => "",
        other => other.name(),
    }
}

fn type_from_str(text: &str) -> DatastoreType {
    DatastoreType::from_name(&text.to_ascii_uppercase()).unwrap_or(DatastoreType::Image)
}

fn yes_no(value: bool) -> &'static str {
    if value { "YES" } else { "NO" }
}

/// A YES/NO value of a conf entry; `None` when missing or empty.
fn conf_bool(conf: &[(String, String)], key: &str) -> Option<bool> {
    vector_value(conf, key).filter(|v| !v.is_empty()).map(|v| v.eq_ignore_ascii_case("YES"))
}

fn attr(ds: &Datastore, name: &str) -> String {
    ds.template.get(name).unwrap_or("").to_owned()
}

/// DS_MAD_CONF: the driver must be configured; DATASTORE_CAPACITY_CHECK is copied and
/// REQUIRED_ATTRS must be set. Nothing for system datastores.
fn set_ds_mad(ds: &mut Datastore, confs: &MadConfs) -> Result<(), String> {
    if ds.ds_type == DatastoreType::System {
        return Ok(());
    }
    let conf = confs
        .ds(&ds.ds_mad)
        .ok_or_else(|| format!("DS_MAD named \"{}\" is not defined in oned.conf", ds.ds_mad))?;
    if let Some(check) = conf_bool(conf, "DATASTORE_CAPACITY_CHECK") {
        ds.template.set("DATASTORE_CAPACITY_CHECK", yes_no(check));
    }
    for required in vector_value(conf, "REQUIRED_ATTRS").unwrap_or("").split(',') {
        let required = required.trim().to_ascii_uppercase();
        if !required.is_empty() && attr(ds, &required).is_empty() {
            return Err(format!("Datastore template is missing the \"{required}\" attribute or it's empty."));
        }
    }
    Ok(())
}

/// A LN_TARGET/CLONE_TARGET value: NONE, SELF or SYSTEM (upper-cased).
fn target(conf: &[(String, String)], key: &str) -> Option<String> {
    let v = vector_value(conf, key)?.to_ascii_uppercase();
    matches!(v.as_str(), "NONE" | "SELF" | "SYSTEM").then_some(v)
}

/// TM_MAD_CONF: copies the transfer driver's settings into the template.
fn set_tm_mad(ds: &mut Datastore, tm_mad: &str, confs: &MadConfs) -> Result<(), String> {
    if ds.ds_type == DatastoreType::Backup {
        return Ok(());
    }
    if tm_mad.is_empty() {
        return Err("No TM_MAD in template.".to_owned());
    }
    let conf =
        confs.tm(tm_mad).ok_or_else(|| format!("TM_MAD named \"{tm_mad}\" is not defined in oned.conf"))?;
    let bad = || {
        format!(
            "Attribute shared, ln_target or clone_target in TM_MAD_CONF for {tm_mad} is missing or has wrong value in oned.conf"
        )
    };
    let t = &mut ds.template;
    if ds.ds_type == DatastoreType::System {
        let shared = conf_bool(conf, "SHARED").ok_or_else(bad)?;
        t.set("SHARED", yes_no(shared));
        t.set("DS_MIGRATE", yes_no(conf_bool(conf, "DS_MIGRATE").unwrap_or(true)));
        t.set("DS_LIVE_MIGRATE", yes_no(conf_bool(conf, "DS_LIVE_MIGRATE").unwrap_or(false)));
        t.set("DS_MIGRATE_SNAP", yes_no(conf_bool(conf, "DS_MIGRATE_SNAP").unwrap_or(false)));
        t.remove("LN_TARGET");
        t.remove("CLONE_TARGET");
    } else {
        if let Some(modes) = vector_value(conf, "TM_MAD_SYSTEM").filter(|m| !m.is_empty()) {
            t.set("TM_MAD_SYSTEM", modes);
            for mode in modes.split(',').map(|m| m.trim().to_ascii_uppercase()).filter(|m| !m.is_empty()) {
                t.set(
                    &format!("LN_TARGET_{mode}"),
                    target(conf, &format!("LN_TARGET_{mode}")).ok_or_else(bad)?,
                );
                t.set(
                    &format!("CLONE_TARGET_{mode}"),
                    target(conf, &format!("CLONE_TARGET_{mode}")).ok_or_else(bad)?,
                );
                let disk_type = vector_value(conf, &format!("DISK_TYPE_{mode}")).filter(|d| !d.is_empty());
                t.set(&format!("DISK_TYPE_{mode}"), disk_type.ok_or_else(bad)?);
            }
        }
        t.set("LN_TARGET", target(conf, "LN_TARGET").ok_or_else(bad)?);
        t.set("CLONE_TARGET", target(conf, "CLONE_TARGET").ok_or_else(bad)?);
        for key in ["DRIVER", "DISK_TYPE"] {
            if let Some(v) = vector_value(conf, key).filter(|v| !v.is_empty()) {
                t.set(key, v);
            }
        }
        t.remove("SHARED");
    }
    t.set("ALLOW_ORPHANS", vector_value(conf, "ALLOW_ORPHANS").unwrap_or("NO"));
    t.set("PERSISTENT_SNAPSHOTS", yes_no(conf_bool(conf, "PERSISTENT_SNAPSHOTS").unwrap_or(true)));
    Ok(())
}

/// Sets DISK_TYPE from its template text (empty means FILE) if it suits the datastore type;
/// image and system datastores get it written back into the template.
fn set_disk_type(ds: &mut Datastore, text: &str) -> Result<(), String> {
    let disk_type = if text.is_empty() { DiskType::File } else { disk_type_from_str(text) };
    use DiskType as D;
    let invalid = match ds.ds_type {
        DatastoreType::Image => match disk_type {
            D::None => Some("Unknown DISK_TYPE in template."),
            D::CdRom | D::RbdCdrom | D::SheepdogCdrom | D::GlusterCdrom => {
                Some("Invalid DISK_TYPE for an Image Datastore.")
            }
            _ => None,
        },
        DatastoreType::System => match disk_type {
            D::None => Some("Unknown DISK_TYPE in template."),
            D::File | D::Rbd | D::Block | D::FileSystem => None,
            _ => Some("Invalid DISK_TYPE for a System Datastore."),
        },
        DatastoreType::File | DatastoreType::Backup => None,
    };
    if let Some(message) = invalid {
        return Err(message.to_owned());
    }
    ds.disk_type = disk_type;
    match ds.ds_type {
        DatastoreType::Image | DatastoreType::System => {
            ds.template.push(crate::template::Attribute::single("DISK_TYPE", disk_type_str(disk_type)))
        }
        DatastoreType::File | DatastoreType::Backup => ds.disk_type = DiskType::File,
    }
    Ok(())
}

/// The checks of `one.datastore.allocate` (see [`Datastore::allocate`]).
pub(super) fn check_allocate(ds: &mut Datastore, location: &str, confs: &MadConfs) -> Result<(), String> {
    ds.ds_mad = attr(ds, "DS_MAD");
    ds.ds_type = type_from_str(&attr(ds, "TYPE"));
    if ds.ds_type == DatastoreType::System {
        if !ds.ds_mad.is_empty() {
            return Err("SYSTEM datastores cannot have DS_MAD defined.".to_owned());
        }
        ds.ds_mad = "-".to_owned();
    } else if ds.ds_mad.is_empty() {
        return Err("No DS_MAD in template.".to_owned());
    }
    set_ds_mad(ds, confs)?;
    ds.tm_mad = attr(ds, "TM_MAD");
    if ds.ds_type == DatastoreType::Backup {
        ds.tm_mad = "-".to_owned();
    } else {
        let tm_mad = ds.tm_mad.clone();
        set_tm_mad(ds, &tm_mad, confs)?;
    }
    ds.template.remove("BASE_PATH");
    ds.base_path = Datastore::base_path_for(location, ds.meta.id);
    let disk_type = attr(ds, "DISK_TYPE");
    ds.template.remove("DISK_TYPE");
    set_disk_type(ds, &disk_type)?;
    if attr(ds, "SAFE_DIRS").is_empty() && attr(ds, "RESTRICTED_DIRS").is_empty() {
        ds.template.set("SAFE_DIRS", "/var/tmp");
        ds.template.set("RESTRICTED_DIRS", "/");
    }
    Ok(())
}

/// Options that cannot change while a datastore holds images.
const READ_ONLY_WITH_IMAGES: [&str; 5] =
    ["LVM_THIN_ENABLE", "NFS_AUTO_ENABLE", "NFS_AUTO_HOST", "NFS_AUTO_PATH", "NFS_AUTO_OPTS"];

/// The re-derivation after `one.datastore.update` (see [`Datastore::post_update`]); the caller
/// restores the datastore on failure.
pub(super) fn post_update(ds: &mut Datastore, old: &Template, confs: &MadConfs) -> Result<(), String> {
    if !ds.images.is_empty() {
        for opt in READ_ONLY_WITH_IMAGES {
            if attr(ds, opt) != old.get(opt).unwrap_or("") {
                return Err(format!("Cannot update option {opt} in a datastore with existing images"));
            }
        }
    }
    let new_type = match attr(ds, "TYPE") {
        t if t.is_empty() => ds.ds_type,
        t => type_from_str(&t),
    };
    if ds.meta.id == SYSTEM_DS_ID {
        ds.ds_type = DatastoreType::System;
    } else if ds.ds_type != DatastoreType::Backup {
        ds.ds_type = new_type;
    }
    ds.template.set("TYPE", ds.ds_type.name());

    let disk_type = attr(ds, "DISK_TYPE");
    ds.template.remove("DISK_TYPE");
    if !disk_type.is_empty() {
        set_disk_type(ds, &disk_type)?;
    }

    let new_tm = attr(ds, "TM_MAD");
    if !new_tm.is_empty() && ds.ds_type != DatastoreType::Backup {
        if ds.ds_type == DatastoreType::System && new_tm != ds.tm_mad {
            ds.update_monitor(0, 0, 0);
        }
        set_tm_mad(ds, &new_tm, confs)?;
        ds.tm_mad = new_tm;
    } else {
        ds.template.set("TM_MAD", ds.tm_mad.clone());
    }

    let new_ds = attr(ds, "DS_MAD");
    if ds.ds_type == DatastoreType::System {
        ds.ds_mad = "-".to_owned();
        ds.template.remove("DS_MAD");
    } else if new_ds.is_empty() {
        ds.template.set("DS_MAD", ds.ds_mad.clone());
    } else if new_ds != ds.ds_mad {
        ds.ds_mad = new_ds;
        ds.update_monitor(0, 0, 0);
    }
    set_ds_mad(ds, confs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::common::Meta;
    use crate::perms::Permissions;

    fn allocate(text: &str) -> Result<Datastore, String> {
        let owner = Meta {
            uid: 5,
            gid: 1,
            uname: "u".into(),
            gname: "users".into(),
            ..Meta::oneadmin(-1, "", Permissions::from_umask(0o177))
        };
        Datastore::allocate(
            100,
            owner,
            Template::parse(text).unwrap(),
            vec![0],
            "/var/lib/one/datastores",
            &MadConfs::opennebula_defaults(),
        )
    }

    #[test]
    fn allocation_errors_use_opennebula_messages() {
        let cases = [
            ("NAME=a\nTM_MAD=dummy", "No DS_MAD in template."),
            ("NAME=a\nDS_MAD=dummy", "No TM_MAD in template."),
            (
                "NAME=a\nTYPE=SYSTEM_DS\nDS_MAD=fs\nTM_MAD=ssh",
                "SYSTEM datastores cannot have DS_MAD defined.",
            ),
            ("NAME=a\nDS_MAD=nope\nTM_MAD=ssh", "DS_MAD named \"nope\" is not defined in oned.conf"),
            ("NAME=a\nDS_MAD=fs\nTM_MAD=nope", "TM_MAD named \"nope\" is not defined in oned.conf"),
            (
                "NAME=a\nDS_MAD=ceph\nTM_MAD=ceph\nDISK_TYPE=RBD",
                "Datastore template is missing the \"BRIDGE_LIST\" attribute or it's empty.",
            ),
            ("NAME=a\nDS_MAD=fs\nTM_MAD=ssh\nDISK_TYPE=CDROM", "Invalid DISK_TYPE for an Image Datastore."),
            ("NAME=a\nDS_MAD=fs\nTM_MAD=ssh\nDISK_TYPE=floppy", "Unknown DISK_TYPE in template."),
            (
                "NAME=a\nTYPE=SYSTEM_DS\nTM_MAD=ssh\nDISK_TYPE=ISCSI",
                "Invalid DISK_TYPE for a System Datastore.",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(allocate(text).unwrap_err(), message, "{text}");
        }
    }

    #[test]
    fn allocation_copies_driver_settings() {
        let ds = allocate("NAME=imgs\nDS_MAD=fs\nTM_MAD=qcow2\nBASE_PATH=/x").unwrap();
        assert_eq!((ds.meta.id, ds.meta.name.as_str(), ds.meta.perms.octal()), (100, "imgs", 0o640));
        assert_eq!(
            (ds.ds_type, ds.disk_type, ds.base_path.as_str()),
            (DatastoreType::Image, DiskType::File, "/var/lib/one/datastores/100")
        );
        assert_eq!(
            ds.template.to_text(),
            "DS_MAD=\"fs\"\nTM_MAD=\"qcow2\"\nTM_MAD_SYSTEM=\"ssh\"\nLN_TARGET_SSH=\"SYSTEM\"\nCLONE_TARGET_SSH=\"SYSTEM\"\n\
             DISK_TYPE_SSH=\"FILE\"\nLN_TARGET=\"NONE\"\nCLONE_TARGET=\"SYSTEM\"\nDRIVER=\"qcow2\"\nALLOW_ORPHANS=\"FORMAT\"\n\
             PERSISTENT_SNAPSHOTS=\"YES\"\nDISK_TYPE=\"FILE\"\nSAFE_DIRS=\"/var/tmp\"\nRESTRICTED_DIRS=\"/\"\n"
        );
        let sys = allocate("NAME=s\nTYPE=system_ds\nTM_MAD=ssh\nLN_TARGET=X\nSAFE_DIRS=/data").unwrap();
        assert_eq!((sys.ds_type, sys.ds_mad.as_str()), (DatastoreType::System, "-"));
        assert_eq!((sys.template.get("SHARED"), sys.template.get("LN_TARGET")), (Some("NO"), None));
        assert_eq!(
            (sys.template.get("RESTRICTED_DIRS"), sys.template.get("DS_LIVE_MIGRATE")),
            (None, Some("YES"))
        );
        let backup =
            allocate("NAME=b\nTYPE=BACKUP_DS\nDS_MAD=restic\nRESTIC_PASSWORD=x\nDISK_TYPE=BLOCK").unwrap();
        assert_eq!(
            (backup.tm_mad.as_str(), backup.disk_type, backup.template.get("DISK_TYPE")),
            ("-", DiskType::File, None)
        );
        let lvm = allocate("NAME=l\nDS_MAD=lvm\nTM_MAD=fs_lvm\nDISK_TYPE=FILE").unwrap();
        assert_eq!(lvm.disk_type, DiskType::Block, "the TM_MAD_CONF DISK_TYPE wins");
    }

    #[test]
    fn update_rederives_drivers_and_restores_on_error() {
        let confs = MadConfs::opennebula_defaults();
        let mut ds = allocate("NAME=imgs\nDS_MAD=fs\nTM_MAD=ssh").unwrap();
        ds.update_monitor(10, 5, 5);
        let old = ds.template.clone();
        ds.template = Template::parse("TM_MAD=shared\nTYPE=FILE_DS").unwrap();
        ds.post_update(&old, &confs).unwrap();
        assert_eq!(
            (ds.ds_type, ds.tm_mad.as_str(), ds.template.get("DS_MAD")),
            (DatastoreType::File, "shared", Some("fs"))
        );
        assert_eq!(
            (ds.template.get("TYPE"), ds.template.get("TM_MAD_SYSTEM"), ds.total_mb),
            (Some("FILE_DS"), Some("ssh"), 10)
        );
        ds.template.set("DS_MAD", "dummy");
        let old2 = old.clone();
        ds.post_update(&old2, &confs).unwrap();
        assert_eq!((ds.ds_mad.as_str(), ds.total_mb), ("dummy", 0));

        let before = ds.clone();
        let old = ds.template.clone();
        ds.template.set("TM_MAD", "nope");
        assert_eq!(
            ds.post_update(&old, &confs),
            Err("TM_MAD named \"nope\" is not defined in oned.conf".to_owned())
        );
        assert_eq!(ds, before);
        ds.images.push(3);
        ds.template.set("NFS_AUTO_ENABLE", "YES");
        assert_eq!(
            ds.post_update(&old, &confs),
            Err("Cannot update option NFS_AUTO_ENABLE in a datastore with existing images".to_owned())
        );

        let mut sys = Datastore::bootstrap("/d", "fs", "local", &confs).unwrap().remove(0);
        let old = sys.template.clone();
        sys.template.set("TYPE", "IMAGE_DS");
        sys.template.set("DS_MAD", "fs");
        sys.post_update(&old, &confs).unwrap();
        assert_eq!(
            (sys.ds_type, sys.ds_mad.as_str(), sys.template.get("DS_MAD")),
            (DatastoreType::System, "-", None)
        );
    }

    #[test]
    fn disk_type_names() {
        assert_eq!(disk_type_from_str("cdrom"), DiskType::CdRom);
        assert_eq!(disk_type_str(DiskType::CdRom), "CDROM");
        assert_eq!(disk_type_str(DiskType::FileSystem), "FILESYSTEM");
        assert_eq!(disk_type_from_str("FILESYSTEM"), DiskType::FileSystem);
        assert_eq!(disk_type_str(DiskType::Rbd), "RBD");
        assert_eq!(disk_type_from_str("x"), DiskType::None);
    }
}
