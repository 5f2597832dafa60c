//! The VM's per-disk snapshot lists (`<SNAPSHOTS>`) and its backup state (`<BACKUPS>`: the
//! BACKUP_CONFIG attributes and the backup image IDs), with their XML and the rules that turn
//! a user's `BACKUP_CONFIG=[…]` into the stored configuration.

use crate::objects::common::write_ids;
use crate::objects::{ObjectError, required_num, template_from_node};
use crate::template::Template;
use crate::xml::{Node, XmlWriter};

/// One snapshot of a disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// ID, unique within the disk.
    pub id: i32,
    /// Optional description.
    pub name: Option<String>,
    /// Creation time, seconds since the epoch.
    pub date: i64,
    /// Parent snapshot, -1 for none.
    pub parent: i32,
    /// Virtual size in MB.
    pub size_mb: i64,
    /// Whether the disk currently runs on this snapshot.
    pub active: bool,
    /// Child snapshots.
    pub children: Vec<i32>,
}

/// The snapshots of one disk (`<SNAPSHOTS>`; OpenNebula renders it as a template, so values
/// are in CDATA and the elements sorted by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskSnapshots {
    /// The disk.
    pub disk_id: i32,
    /// `YES`, `NO`, `MIXED`, `FORMAT` or `LINEAR` (from the datastore's TM).
    pub allow_orphans: String,
    /// Base snapshot of a MIXED chain, -1 for none.
    pub current_base: i32,
    /// The ID the next snapshot gets.
    pub next_snapshot: i32,
    /// The snapshots, in creation order.
    pub snapshots: Vec<Snapshot>,
}

fn join_ids(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

fn split_ids(text: &str) -> Result<Vec<i32>, ObjectError> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().map_err(|_| ObjectError(format!("\"{s}\" is not a snapshot ID"))))
        .collect()
}

impl Snapshot {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("SNAPSHOT");
        if self.active {
            w.cdata("ACTIVE", "YES");
        }
        if !self.children.is_empty() {
            w.cdata("CHILDREN", &join_ids(&self.children));
        }
        w.cdata("DATE", &self.date.to_string()).cdata("ID", &self.id.to_string());
        if let Some(name) = &self.name {
            w.cdata("NAME", name);
        }
        w.cdata("PARENT", &self.parent.to_string()).cdata("SIZE", &self.size_mb.to_string());
        w.close("SNAPSHOT");
    }

    fn from_node(node: &Node) -> Result<Snapshot, ObjectError> {
        Ok(Snapshot {
            id: required_num(node, "ID")?,
            name: node.child_text("NAME").map(str::to_owned),
            date: required_num(node, "DATE")?,
            parent: required_num(node, "PARENT")?,
            size_mb: required_num(node, "SIZE")?,
            active: node.child_text("ACTIVE").is_some_and(|a| a.eq_ignore_ascii_case("YES")),
            children: split_ids(node.child_text("CHILDREN").unwrap_or_default())?,
        })
    }
}

impl DiskSnapshots {
    /// An empty list for a disk.
    pub fn new(disk_id: i32, allow_orphans: &str) -> DiskSnapshots {
        DiskSnapshots {
            disk_id,
            allow_orphans: allow_orphans.to_owned(),
            current_base: -1,
            next_snapshot: 0,
            snapshots: Vec::new(),
        }
    }

    /// Renders `<SNAPSHOTS>`.
    pub fn write_xml(&self, w: &mut XmlWriter) {
        w.open("SNAPSHOTS").cdata("ALLOW_ORPHANS", &self.allow_orphans);
        w.cdata("CURRENT_BASE", &self.current_base.to_string()).cdata("DISK_ID", &self.disk_id.to_string());
        w.cdata("NEXT_SNAPSHOT", &self.next_snapshot.to_string());
        for s in &self.snapshots {
            s.write_xml(w);
        }
        w.close("SNAPSHOTS");
    }

    /// Reads `<SNAPSHOTS>`.
    pub fn from_node(node: &Node) -> Result<DiskSnapshots, ObjectError> {
        Ok(DiskSnapshots {
            disk_id: required_num(node, "DISK_ID")?,
            allow_orphans: node.child_text("ALLOW_ORPHANS").unwrap_or("NO").to_owned(),
            current_base: node.child_num("CURRENT_BASE").unwrap_or(-1),
            next_snapshot: node.child_num("NEXT_SNAPSHOT").unwrap_or(0),
            snapshots: node.children_named("SNAPSHOT").map(Snapshot::from_node).collect::<Result<_, _>>()?,
        })
    }

    /// The snapshot with this ID.
    pub fn get(&self, id: i32) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.id == id)
    }

    /// The active snapshot's ID, -1 for none.
    pub fn active(&self) -> i32 {
        self.snapshots.iter().find(|s| s.active).map_or(-1, |s| s.id)
    }
}

/// A VM's backup configuration and the backup images taken so far (`<BACKUPS>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backups {
    /// BACKUP_CONFIG attributes (KEEP_LAST, BACKUP_VOLATILE, FS_FREEZE, MODE, ...).
    pub config: Template,
    /// IDs of the backup images.
    pub ids: Vec<i32>,
}

impl Backups {
    /// Renders `<BACKUPS>` (`<BACKUP_CONFIG/>` when there is no configuration).
    pub fn write_xml(&self, w: &mut XmlWriter) {
        w.open("BACKUPS");
        if self.config.is_empty() {
            w.empty("BACKUP_CONFIG");
        } else {
            self.config.write_xml(w, "BACKUP_CONFIG");
        }
        write_ids(w, "BACKUP_IDS", &self.ids);
        w.close("BACKUPS");
    }

    /// Reads `<BACKUPS>` (absent: no configuration, no backups).
    pub fn from_node(node: Option<&Node>) -> Result<Backups, ObjectError> {
        let Some(node) = node else { return Ok(Backups::default()) };
        Ok(Backups {
            config: template_from_node(node.child("BACKUP_CONFIG"))?,
            ids: crate::objects::common::read_ids(node, "BACKUP_IDS")?,
        })
    }

    /// `BACKUP_VOLATILE=YES`: volatile disks are backed up too.
    pub fn backup_volatile(&self) -> bool {
        self.config.get("BACKUP_VOLATILE").is_some_and(|v| v.eq_ignore_ascii_case("YES"))
    }

    /// The disks to back up (`DISK_IDS`); empty means every eligible disk.
    pub fn disk_ids(&self) -> Vec<i32> {
        self.config
            .get("DISK_IDS")
            .map(|s| s.split(',').filter_map(|t| t.trim().parse().ok()).collect())
            .unwrap_or_default()
    }

    /// Applies a user's `BACKUP_CONFIG=[…]` as OpenNebula does at allocate (`append` false) and
    /// at `one.vm.updateconf`/`backup` (`append` true: absent keys keep their values).
    /// `can_increment` says whether every backed-up disk supports incremental backups;
    /// `eligible` are the disks that may be listed in `DISK_IDS`.
    pub fn apply_config(
        &mut self,
        cfg: &[(String, String)],
        can_increment: bool,
        append: bool,
        eligible: &[i32],
    ) -> Result<(), String> {
        let get = |key: &str| cfg.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let yes_no = |v: &str| if v.eq_ignore_ascii_case("YES") { "YES" } else { "NO" };
        let was_volatile = self.backup_volatile();
        let old_ids = self.disk_ids();
        let mut volatile_changed = false;
        let mut ids_changed = false;

        match get("KEEP_LAST").and_then(|v| v.trim().parse::<i64>().ok()) {
            Some(n) => self.config.set("KEEP_LAST", n.max(0).to_string()),
            None if !append => {
                self.config.remove("KEEP_LAST");
            }
            None => {}
        }
        match get("BACKUP_VOLATILE").filter(|v| !v.is_empty()) {
            Some(v) => {
                volatile_changed = (yes_no(v) == "YES") != was_volatile;
                self.config.set("BACKUP_VOLATILE", yes_no(v));
            }
            None if !append => {
                volatile_changed = was_volatile;
                self.config.set("BACKUP_VOLATILE", "NO");
            }
            None => {}
        }
        if let Some(value) = get("DISK_IDS") {
            let mut ids = Vec::new();
            for token in super::allocate::split_fields(value, ',') {
                match super::allocate::parse_long(token).and_then(|id| i32::try_from(id).ok()) {
                    Some(id) if id >= 0 => ids.push(id),
                    _ => return Err(format!("Invalid DISK_IDS value: {value}")),
                }
            }
            ids.sort_unstable();
            ids.dedup();
            if let Some(bad) = ids.iter().find(|id| !eligible.contains(id)) {
                return Err(format!("Invalid DISK_IDS, disk {bad} cannot be backed up"));
            }
            self.set_disk_ids(&ids);
            ids_changed = ids != old_ids;
        } else if !append {
            self.set_disk_ids(&[]);
            ids_changed = !old_ids.is_empty();
        }
        match get("FS_FREEZE").map(str::to_ascii_uppercase).filter(|v| !v.is_empty()) {
            Some(v) => {
                let v =
                    if matches!(v.as_str(), "NONE" | "AGENT" | "SUSPEND") { v } else { "NONE".to_owned() };
                self.config.set("FS_FREEZE", v);
            }
            None if !append => self.config.set("FS_FREEZE", "NONE"),
            None => {}
        }
        if !can_increment {
            self.reset_increments();
            self.config.set("MODE", "FULL");
            self.config.remove("INCREMENT_MODE");
        } else {
            let mode = get("MODE").unwrap_or_default();
            if !mode.is_empty() || !append {
                let increment = mode.eq_ignore_ascii_case("INCREMENT");
                let was_increment =
                    self.config.get("MODE").is_some_and(|m| m.eq_ignore_ascii_case("INCREMENT"));
                if !increment || !was_increment {
                    self.reset_increments();
                }
                self.config.set("MODE", if increment { "INCREMENT" } else { "FULL" });
                match get("INCREMENT_MODE").map(str::to_ascii_uppercase).filter(|v| !v.is_empty()) {
                    Some(v) => {
                        let v = if v == "SNAPSHOT" { v } else { "CBT".to_owned() };
                        self.config.set("INCREMENT_MODE", v);
                    }
                    None if !append => self.config.set("INCREMENT_MODE", "CBT"),
                    None => {}
                }
            }
        }
        if can_increment && (ids_changed || volatile_changed) {
            self.reset_increments();
        }
        match get("INTERACTIVE").filter(|v| !v.is_empty()) {
            Some(v) => self.config.set("INTERACTIVE", yes_no(v)),
            None if !append => self.config.set("INTERACTIVE", "NO"),
            None => {}
        }
        let interactive = self.config.get("INTERACTIVE") == Some("YES");
        let increment = self.config.get("MODE") == Some("INCREMENT");
        let snapshot_mode =
            self.config.get("INCREMENT_MODE").is_some_and(|m| m.eq_ignore_ascii_case("SNAPSHOT"));
        if interactive && increment && snapshot_mode {
            return Err("Interactive backups do not support SNAPSHOT increment mode.".to_owned());
        }
        Ok(())
    }

    fn set_disk_ids(&mut self, ids: &[i32]) {
        if ids.is_empty() {
            self.config.remove("DISK_IDS");
        } else {
            self.config.set("DISK_IDS", join_ids(ids));
        }
    }

    fn reset_increments(&mut self) {
        self.config.set("INCREMENTAL_BACKUP_ID", "-1");
        self.config.set("LAST_INCREMENT_ID", "-1");
    }
}
