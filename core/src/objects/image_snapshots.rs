//! The `<SNAPSHOTS>` list of an image (and of a VM disk, which adds DISK_ID): the snapshot
//! tree, its orphan policy, and the rules for creating, deleting, reverting to and flattening
//! snapshots, as OpenNebula keeps them.
//!
//! Rendered like an OpenNebula template: elements sorted by name (`ALLOW_ORPHANS`,
//! `CURRENT_BASE`, `DISK_ID`, `NEXT_SNAPSHOT`, then each `SNAPSHOT` with its keys sorted), values
//! in CDATA. A flattened image has an empty `<SNAPSHOTS></SNAPSHOTS>`, hence the optional fields.

use crate::objects::ObjectError;
use crate::xml::{Node, XmlWriter};

/// How child snapshots are handled (`ALLOW_ORPHANS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrphansMode {
    /// `YES`: snapshots are independent (parent -1).
    Allow,
    /// `NO`: each snapshot is a child of the active one, and becomes active.
    Deny,
    /// `MIXED`: snapshots are children of the last one reverted to.
    Mixed,
    /// `FORMAT`: depends on the image format.
    Format,
    /// `LINEAR`: independent; reverting deletes the younger snapshots.
    Linear,
}

impl OrphansMode {
    /// OpenNebula's name (`YES`, `NO`, `MIXED`, `FORMAT`, `LINEAR`).
    pub fn name(self) -> &'static str {
        match self {
            OrphansMode::Allow => "YES",
            OrphansMode::Deny => "NO",
            OrphansMode::Mixed => "MIXED",
            OrphansMode::Format => "FORMAT",
            OrphansMode::Linear => "LINEAR",
        }
    }

    /// The mode for a name (case-insensitive); anything unknown is `NO`, as in OpenNebula.
    pub fn from_name(name: &str) -> OrphansMode {
        match name.to_ascii_uppercase().as_str() {
            "YES" => OrphansMode::Allow,
            "MIXED" => OrphansMode::Mixed,
            "FORMAT" => OrphansMode::Format,
            "LINEAR" => OrphansMode::Linear,
            _ => OrphansMode::Deny,
        }
    }
}

/// One snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// ID.
    pub id: i32,
    /// Description, if given.
    pub name: Option<String>,
    /// Creation time, seconds since the epoch.
    pub date: i64,
    /// Parent snapshot, -1 for none.
    pub parent: i32,
    /// Virtual size in MB.
    pub size: i64,
    /// Whether it is the one in use.
    pub active: bool,
    /// Child snapshot IDs.
    pub children: Vec<i32>,
}

/// A snapshot list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshots {
    /// `DISK_ID` (VM disks only).
    pub disk_id: Option<i32>,
    /// `ALLOW_ORPHANS` (absent after a flatten).
    pub allow_orphans: Option<OrphansMode>,
    /// `CURRENT_BASE`: the snapshot new ones hang from in MIXED mode (absent after a flatten).
    pub current_base: Option<i32>,
    /// `NEXT_SNAPSHOT`: the ID the next snapshot gets (absent after a flatten).
    pub next_snapshot: Option<i32>,
    /// The snapshots, in creation order.
    pub list: Vec<Snapshot>,
}

impl Default for Snapshots {
    fn default() -> Self {
        Snapshots::new(OrphansMode::Deny)
    }
}

impl Snapshots {
    /// An empty list, as a new image has it (`Snapshots::new(OrphansMode::Deny)`).
    pub fn new(mode: OrphansMode) -> Snapshots {
        Snapshots {
            disk_id: None,
            allow_orphans: Some(mode),
            current_base: Some(-1),
            next_snapshot: Some(0),
            list: Vec::new(),
        }
    }

    /// The orphan policy in force (DENY when unset).
    pub fn mode(&self) -> OrphansMode {
        self.allow_orphans.unwrap_or(OrphansMode::Deny)
    }

    /// The active snapshot, -1 for none.
    pub fn active_id(&self) -> i32 {
        self.list.iter().find(|s| s.active).map_or(-1, |s| s.id)
    }

    /// The snapshot with this ID.
    pub fn get(&self, id: i32) -> Option<&Snapshot> {
        self.list.iter().find(|s| s.id == id)
    }

    fn get_mut(&mut self, id: i32) -> Option<&mut Snapshot> {
        self.list.iter_mut().find(|s| s.id == id)
    }

    /// Whether the snapshot exists.
    pub fn exists(&self, id: i32) -> bool {
        self.get(id).is_some()
    }

    /// Sum of the snapshots' sizes (MB).
    pub fn total_size(&self) -> i64 {
        self.list.iter().map(|s| s.size).sum()
    }

    /// Size of one snapshot (0 when it does not exist).
    pub fn snapshot_size(&self, id: i32) -> i64 {
        self.get(id).map_or(0, |s| s.size)
    }

    /// Adds a snapshot of `size_mb` taken at `now`; returns its ID. In DENY mode it becomes a
    /// child of the active snapshot (an active ID that does not exist is refused with `None`);
    /// in MIXED mode a child of `CURRENT_BASE`; otherwise it has no parent.
    pub fn create(&mut self, name: &str, size_mb: i64, now: i64) -> Option<i32> {
        let id = self.next_snapshot.unwrap_or(0);
        let parent = match self.mode() {
            OrphansMode::Deny => {
                let active = self.active_id();
                if active != -1 {
                    self.get_mut(active)?.children.push(id);
                }
                active
            }
            OrphansMode::Mixed => {
                let base = self.current_base.unwrap_or(-1);
                if let Some(p) = self.get_mut(base) {
                    p.children.push(id);
                }
                base
            }
            _ => -1,
        };
        let name = (!name.is_empty()).then(|| name.to_owned());
        self.list.push(Snapshot {
            id,
            name,
            date: now,
            parent,
            size: size_mb,
            active: false,
            children: vec![],
        });
        self.next_snapshot = Some(id + 1);
        Some(id)
    }

    /// Whether an image snapshot may be deleted (`one.image.snapshotdelete`), with
    /// OpenNebula's messages.
    pub fn test_delete_image(&self, id: i32) -> Result<(), String> {
        let snap = self.get(id).ok_or("Snapshot does not exist")?;
        if matches!(self.mode(), OrphansMode::Deny | OrphansMode::Mixed) {
            if snap.active {
                return Err("Cannot delete the active snapshot".to_owned());
            }
            if !snap.children.is_empty() {
                return Err("Cannot delete snapshot with children".to_owned());
            }
        }
        Ok(())
    }

    /// Removes a snapshot. In DENY and MIXED modes it is taken out of its parent's children;
    /// an only child moves up to the parent, and the parent becomes active if this one was.
    pub fn delete(&mut self, id: i32) {
        let Some(pos) = self.list.iter().position(|s| s.id == id) else { return };
        let snap = self.list.remove(pos);
        if matches!(self.mode(), OrphansMode::Deny | OrphansMode::Mixed) && snap.parent != -1 {
            let was_active = snap.active;
            let Some(parent) = self.get_mut(snap.parent) else { return };
            let mut children: std::collections::BTreeSet<i32> = parent.children.iter().copied().collect();
            children.remove(&id);
            let mine: std::collections::BTreeSet<i32> = snap.children.iter().copied().collect();
            let only_child = (mine.len() == 1).then(|| mine.iter().next().copied()).flatten();
            if let Some(child) = only_child {
                children.insert(child);
            }
            parent.children = children.into_iter().collect();
            if was_active {
                parent.active = true;
            }
            if let Some(child) = only_child.and_then(|c| self.get_mut(c)) {
                child.parent = snap.parent;
            }
        }
    }

    /// Makes a snapshot the active one (a revert when `revert`); in MIXED mode only a revert
    /// changes anything, and it also moves `CURRENT_BASE`. `Err` when it does not exist.
    pub fn activate(&mut self, id: i32, revert: bool) -> Result<(), String> {
        if id == self.active_id() {
            return Ok(());
        }
        if !self.exists(id) {
            return Err("Snapshot does not exist".to_owned());
        }
        if self.mode() == OrphansMode::Mixed {
            if !revert {
                return Ok(());
            }
            self.current_base = Some(id);
        }
        for s in &mut self.list {
            s.active = s.id == id;
        }
        Ok(())
    }

    /// IDs of the snapshots younger than `id` (LINEAR reverts delete them).
    pub fn younger_than(&self, id: i32) -> Vec<i32> {
        let mut ids: Vec<i32> = self.list.iter().map(|s| s.id).filter(|&s| s > id).collect();
        ids.sort_unstable();
        ids
    }

    /// Empties the list completely (after a flatten), header included.
    pub fn clear(&mut self) {
        *self = Snapshots {
            disk_id: None,
            allow_orphans: None,
            current_base: None,
            next_snapshot: None,
            list: Vec::new(),
        };
    }

    /// Renders `<SNAPSHOTS>`.
    pub fn write_xml(&self, w: &mut XmlWriter) {
        w.open("SNAPSHOTS");
        if let Some(m) = self.allow_orphans {
            w.cdata("ALLOW_ORPHANS", m.name());
        }
        if let Some(b) = self.current_base {
            w.cdata("CURRENT_BASE", &b.to_string());
        }
        if let Some(d) = self.disk_id {
            w.cdata("DISK_ID", &d.to_string());
        }
        if let Some(n) = self.next_snapshot {
            w.cdata("NEXT_SNAPSHOT", &n.to_string());
        }
        for s in &self.list {
            w.open("SNAPSHOT");
            if s.active {
                w.cdata("ACTIVE", "YES");
            }
            if !s.children.is_empty() {
                let children: Vec<String> = s.children.iter().map(i32::to_string).collect();
                w.cdata("CHILDREN", &children.join(","));
            }
            w.cdata("DATE", &s.date.to_string()).cdata("ID", &s.id.to_string());
            if let Some(name) = &s.name {
                w.cdata("NAME", name);
            }
            w.cdata("PARENT", &s.parent.to_string()).cdata("SIZE", &s.size.to_string());
            w.close("SNAPSHOT");
        }
        w.close("SNAPSHOTS");
    }

    /// Reads `<SNAPSHOTS>`.
    pub fn from_node(node: &Node) -> Result<Snapshots, ObjectError> {
        let num = |n: &Node, tag: &str| -> Result<Option<i64>, ObjectError> {
            n.child_text(tag)
                .map(|t| {
                    t.trim().parse().map_err(|_| ObjectError(format!("<{tag}> \"{t}\" is not a number")))
                })
                .transpose()
        };
        let small = |v: Option<i64>| v.map(|v| v as i32);
        let mut list = Vec::new();
        for s in node.children_named("SNAPSHOT") {
            let children = match s.child_text("CHILDREN") {
                Some(c) => c
                    .split(',')
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| p.trim().parse().map_err(|_| ObjectError(format!("bad CHILDREN \"{c}\""))))
                    .collect::<Result<_, _>>()?,
                None => Vec::new(),
            };
            list.push(Snapshot {
                id: small(num(s, "ID")?).ok_or_else(|| ObjectError("<SNAPSHOT> has no <ID>".into()))?,
                name: s.child_text("NAME").map(str::to_owned),
                date: num(s, "DATE")?.unwrap_or(0),
                parent: small(num(s, "PARENT")?).unwrap_or(-1),
                size: num(s, "SIZE")?.unwrap_or(0),
                active: s.child_text("ACTIVE").is_some_and(|a| a.eq_ignore_ascii_case("YES")),
                children,
            });
        }
        Ok(Snapshots {
            disk_id: small(num(node, "DISK_ID")?),
            allow_orphans: node.child_text("ALLOW_ORPHANS").map(OrphansMode::from_name),
            current_base: small(num(node, "CURRENT_BASE")?),
            next_snapshot: small(num(node, "NEXT_SNAPSHOT")?),
            list,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(s: &Snapshots) -> String {
        let mut w = XmlWriter::new();
        s.write_xml(&mut w);
        w.finish()
    }

    #[test]
    fn a_new_list_renders_like_opennebula() {
        assert_eq!(
            render(&Snapshots::default()),
            "<SNAPSHOTS><ALLOW_ORPHANS><![CDATA[NO]]></ALLOW_ORPHANS><CURRENT_BASE><![CDATA[-1]]>\
             </CURRENT_BASE><NEXT_SNAPSHOT><![CDATA[0]]></NEXT_SNAPSHOT></SNAPSHOTS>"
        );
        let mut s = Snapshots::default();
        s.clear();
        assert_eq!(render(&s), "<SNAPSHOTS></SNAPSHOTS>");
    }

    #[test]
    fn deny_mode_builds_a_chain_and_reads_back() {
        let mut s = Snapshots::default();
        assert_eq!(s.create("first", 10, 100), Some(0));
        s.activate(0, false).unwrap();
        assert_eq!(s.create("", 20, 200), Some(1));
        assert_eq!(s.get(1).unwrap().parent, 0);
        assert_eq!(s.get(0).unwrap().children, vec![1]);
        assert_eq!(s.total_size(), 30);
        assert_eq!(s.test_delete_image(0).unwrap_err(), "Cannot delete the active snapshot");
        s.activate(1, true).unwrap();
        assert_eq!(s.test_delete_image(0).unwrap_err(), "Cannot delete snapshot with children");
        assert_eq!(s.test_delete_image(9).unwrap_err(), "Snapshot does not exist");
        assert_eq!(s.activate(9, true).unwrap_err(), "Snapshot does not exist");
        let xml = render(&s);
        assert!(xml.contains(
            "<SNAPSHOT><CHILDREN><![CDATA[1]]></CHILDREN><DATE><![CDATA[100]]></DATE><ID><![CDATA[0]]></ID>\
             <NAME><![CDATA[first]]></NAME><PARENT><![CDATA[-1]]></PARENT><SIZE><![CDATA[10]]></SIZE></SNAPSHOT>"
        ));
        assert!(xml.contains("<SNAPSHOT><ACTIVE><![CDATA[YES]]></ACTIVE><DATE>"), "{xml}");
        assert_eq!(Snapshots::from_node(&crate::xml::parse(&xml).unwrap()).unwrap(), s);
    }

    #[test]
    fn deleting_moves_the_only_child_up_and_the_active_flag() {
        let mut s = Snapshots::default();
        for i in 0..3 {
            s.create("", 1, 0);
            s.activate(i, false).unwrap();
        }
        // 0 <- 1 <- 2 (active). Delete 1: 2 hangs from 0.
        s.delete(1);
        assert_eq!(s.get(0).unwrap().children, vec![2]);
        assert_eq!(s.get(2).unwrap().parent, 0);
        // Delete the active 2: 0 becomes active.
        s.delete(2);
        assert!(s.get(0).unwrap().active && s.get(0).unwrap().children.is_empty());
        assert_eq!(s.younger_than(-1), vec![0]);
    }

    #[test]
    fn mixed_and_allow_modes() {
        let mut s = Snapshots::new(OrphansMode::Mixed);
        s.create("", 1, 0);
        s.activate(0, false).unwrap();
        assert_eq!(s.active_id(), -1, "MIXED only activates on revert");
        s.activate(0, true).unwrap();
        assert_eq!(s.current_base, Some(0));
        s.create("", 1, 0);
        assert_eq!(s.get(1).unwrap().parent, 0);
        let mut a = Snapshots::new(OrphansMode::Allow);
        a.create("", 1, 0);
        a.activate(0, true).unwrap();
        a.create("", 1, 0);
        assert_eq!(a.get(1).unwrap().parent, -1);
        assert!(a.test_delete_image(0).is_ok());
        assert_eq!(OrphansMode::from_name("linear"), OrphansMode::Linear);
        assert_eq!(OrphansMode::from_name("junk"), OrphansMode::Deny);
    }
}
