//! What every pool object shares: its [`Meta`] (ID, name, owner, group, permissions, lock),
//! the [`PoolObject`] trait that oned's generic pool code works with, the `<LOCK>` element,
//! ID lists, and the filter and paging rules of the `*pool.info` calls.

use crate::acl::ObjectType;
use crate::objects::{ObjectError, required, required_num};
use crate::perms::Permissions;
use crate::template::Template;
use crate::xml::{Node, XmlWriter};

/// An object's lock (`one.*.lock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    /// 1 USE (everything locked), 2 MANAGE, 3 ADMIN; 4 ALL is stored as 1.
    pub level: i32,
    /// The user who locked it.
    pub owner: i32,
    /// When, seconds since the epoch.
    pub time: i64,
    /// The request that locked it (-1).
    pub req_id: i32,
}

impl Lock {
    /// Renders `<LOCK>`.
    pub fn write_xml(&self, w: &mut XmlWriter) {
        w.open("LOCK").num("LOCKED", self.level).num("OWNER", self.owner).num("TIME", self.time);
        w.num("REQ_ID", self.req_id).close("LOCK");
    }

    /// Reads `<LOCK>` (a level of 0 means unlocked).
    pub fn from_node(node: &Node) -> Option<Lock> {
        let level: i32 = node.child_num("LOCKED")?;
        (level > 0).then(|| Lock {
            level,
            owner: node.child_num("OWNER").unwrap_or(-1),
            time: node.child_num("TIME").unwrap_or(0),
            req_id: node.child_num("REQ_ID").unwrap_or(-1),
        })
    }
}

/// The identity, ownership and access data of a pool object.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// ID.
    pub id: i32,
    /// Owner's user ID.
    pub uid: i32,
    /// Group ID.
    pub gid: i32,
    /// Owner's name.
    pub uname: String,
    /// Group's name.
    pub gname: String,
    /// Name.
    pub name: String,
    /// Permission bits.
    pub perms: Permissions,
    /// Lock, if locked.
    pub lock: Option<Lock>,
}

impl Meta {
    /// Metadata of an object owned by oneadmin in group oneadmin (hosts, clusters and the
    /// bootstrap datastores).
    pub fn oneadmin(id: i32, name: &str, perms: Permissions) -> Meta {
        Meta {
            id,
            uid: 0,
            gid: 0,
            uname: "oneadmin".to_owned(),
            gname: "oneadmin".to_owned(),
            name: name.to_owned(),
            perms,
            lock: None,
        }
    }

    /// Renders `ID UID GID UNAME GNAME NAME` (the usual start of an owned object).
    pub fn write_identity(&self, w: &mut XmlWriter) {
        w.num("ID", self.id).num("UID", self.uid).num("GID", self.gid);
        w.text("UNAME", &self.uname).text("GNAME", &self.gname).text("NAME", &self.name);
    }

    /// Renders `<LOCK>` if locked.
    pub fn write_lock(&self, w: &mut XmlWriter) {
        if let Some(lock) = &self.lock {
            lock.write_xml(w);
        }
    }

    /// Reads `ID UID GID UNAME GNAME NAME PERMISSIONS LOCK` from an owned object's element.
    pub fn from_node(node: &Node) -> Result<Meta, ObjectError> {
        Ok(Meta {
            id: required_num(node, "ID")?,
            uid: required_num(node, "UID")?,
            gid: required_num(node, "GID")?,
            uname: required(node, "UNAME")?.to_owned(),
            gname: required(node, "GNAME")?.to_owned(),
            name: required(node, "NAME")?.to_owned(),
            perms: node.child("PERMISSIONS").map(Permissions::from_node).unwrap_or_default(),
            lock: node.child("LOCK").and_then(Lock::from_node),
        })
    }
}

/// An object kept in a pool: what oned's generic code (info, update, rename, chmod, chown,
/// lock, delete, pool listings) needs to know about it.
pub trait PoolObject: Sized + Clone + Send + Sync + 'static {
    /// Root element of the object (`VM`).
    const ROOT: &'static str;
    /// Root element of the pool (`VM_POOL`).
    const POOL_ROOT: &'static str;
    /// Its type for authorization.
    const KIND: ObjectType;

    /// Identity and access data.
    fn meta(&self) -> &Meta;
    /// Identity and access data, for changes.
    fn meta_mut(&mut self) -> &mut Meta;
    /// The template `one.*.update` edits (a VM's USER_TEMPLATE).
    fn template(&self) -> &Template;
    /// The template `one.*.update` edits, for changes.
    fn template_mut(&mut self) -> &mut Template;
    /// The clusters the object belongs to (for `%cid` ACL rules).
    fn cluster_ids(&self) -> Vec<i32> {
        Vec::new()
    }
    /// The number pool listings filter on (VM STATE, image STATE, ...).
    fn state(&self) -> i32 {
        0
    }
    /// Renders the full document (`one.*.info`).
    fn write_xml(&self, w: &mut XmlWriter);
    /// Renders the element used in pool listings (the full one unless the pool uses a
    /// shorter form, as `one.vmpool.info` does).
    fn write_pool_xml(&self, w: &mut XmlWriter) {
        self.write_xml(w);
    }
    /// Reads the full document back.
    fn from_node(node: &Node) -> Result<Self, ObjectError>;

    /// The full document.
    fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        self.write_xml(&mut w);
        w.finish()
    }

    /// The pool-listing element.
    fn to_pool_xml(&self) -> String {
        let mut w = XmlWriter::new();
        self.write_pool_xml(&mut w);
        w.finish()
    }

    /// Reads a full document.
    fn from_xml(xml: &str) -> Result<Self, ObjectError> {
        let node = crate::xml::parse(xml).map_err(|e| ObjectError(e.to_string()))?;
        if node.name != Self::ROOT {
            return Err(ObjectError(format!("expected <{}>, found <{}>", Self::ROOT, node.name)));
        }
        Self::from_node(&node)
    }
}

/// Renders `<TAG><ID>…</ID>…</TAG>`.
pub fn write_ids(w: &mut XmlWriter, tag: &str, ids: &[i32]) {
    w.open(tag);
    for id in ids {
        w.num("ID", id);
    }
    w.close(tag);
}

/// Reads the IDs of an IDS-like child (absent: none).
pub fn read_ids(node: &Node, tag: &str) -> Result<Vec<i32>, ObjectError> {
    match node.child(tag) {
        Some(child) => super::ids_from_node(child),
        None => Ok(Vec::new()),
    }
}

/// Whose objects a filtered `*pool.info` call asks for (its first parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// -4: objects of the caller's (effective) group.
    PrimaryGroup,
    /// -3: the caller's objects.
    Mine,
    /// -2: everything the caller may see.
    All,
    /// -1: the caller's objects and those of the caller's groups.
    MineAndGroups,
    /// >= 0: objects owned by this user.
    User(i32),
}

/// Which part of the ID space a filtered `*pool.info` call asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// `-1, -1`: every ID.
    All,
    /// `start, -1`: IDs from `start`.
    From(i32),
    /// `start, end`: IDs in `start..=end`.
    Between(i32, i32),
    /// `offset, -size` (end < -1): a page of `size` objects after skipping `offset`, in
    /// listing order.
    Page {
        /// Objects to skip.
        offset: usize,
        /// Objects to return.
        size: usize,
    },
}

/// The filter of a `*pool.info(filter, start, end)` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolFilter {
    /// Whose objects.
    pub ownership: Ownership,
    /// Which IDs.
    pub range: Range,
}

impl PoolFilter {
    /// Everything the caller may see.
    pub const ALL: PoolFilter = PoolFilter { ownership: Ownership::All, range: Range::All };

    /// Reads the three parameters; a filter flag below -4 is refused with OpenNebula's message.
    pub fn from_params(flag: i32, start: i32, end: i32) -> Result<PoolFilter, String> {
        let ownership = match flag {
            -4 => Ownership::PrimaryGroup,
            -3 => Ownership::Mine,
            -2 => Ownership::All,
            -1 => Ownership::MineAndGroups,
            uid if uid >= 0 => Ownership::User(uid),
            _ => return Err("Incorrect filter_flag".to_owned()),
        };
        let range = if end < -1 {
            Range::Page { offset: start.max(0) as usize, size: end.unsigned_abs() as usize }
        } else if start < 0 && end < 0 {
            Range::All
        } else if end == -1 {
            Range::From(start.max(0))
        } else {
            Range::Between(start.max(0), end)
        };
        Ok(PoolFilter { ownership, range })
    }

    /// Whether an object owned by `uid` in group `gid` passes the ownership part for a caller
    /// with user ID `caller_uid`, effective group `caller_gid` and groups `caller_groups`.
    pub fn owner_matches(
        &self,
        uid: i32,
        gid: i32,
        caller_uid: i32,
        caller_gid: i32,
        caller_groups: &[i32],
    ) -> bool {
        match self.ownership {
            Ownership::PrimaryGroup => gid == caller_gid,
            Ownership::Mine => uid == caller_uid,
            Ownership::All => true,
            Ownership::MineAndGroups => uid == caller_uid || caller_groups.contains(&gid),
            Ownership::User(owner) => uid == owner,
        }
    }

    /// Whether an ID passes the ID part (a page is applied afterwards, with [`Self::page`]).
    pub fn id_matches(&self, id: i32) -> bool {
        match self.range {
            Range::All | Range::Page { .. } => true,
            Range::From(start) => id >= start,
            Range::Between(start, end) => id >= start && id <= end,
        }
    }

    /// The slice of an ordered listing a page selects (the whole listing otherwise).
    pub fn page<T>(&self, items: Vec<T>) -> Vec<T> {
        match self.range {
            Range::Page { offset, size } => items.into_iter().skip(offset).take(size).collect(),
            _ => items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_flags_and_ranges() {
        assert_eq!(PoolFilter::from_params(-5, -1, -1), Err("Incorrect filter_flag".to_owned()));
        let f = PoolFilter::from_params(-2, -1, -1).unwrap();
        assert_eq!(f, PoolFilter::ALL);
        let f = PoolFilter::from_params(-3, 5, -1).unwrap();
        assert_eq!((f.ownership, f.range), (Ownership::Mine, Range::From(5)));
        assert!(!f.id_matches(4) && f.id_matches(5));
        let f = PoolFilter::from_params(7, 2, 4).unwrap();
        assert_eq!(f.ownership, Ownership::User(7));
        assert!(f.id_matches(2) && f.id_matches(4) && !f.id_matches(5));
        let f = PoolFilter::from_params(-2, 10, -25).unwrap();
        assert_eq!(f.range, Range::Page { offset: 10, size: 25 });
        assert_eq!(f.page((0..100).collect::<Vec<_>>()), (10..35).collect::<Vec<_>>());
    }

    #[test]
    fn ownership_filters() {
        let (uid, gid, groups) = (5, 100, [1, 100]);
        let check = |flag: i32, owner: i32, group: i32| {
            PoolFilter::from_params(flag, -1, -1).unwrap().owner_matches(owner, group, uid, gid, &groups)
        };
        assert!(check(-3, 5, 0) && !check(-3, 6, 100));
        assert!(check(-4, 6, 100) && !check(-4, 6, 1));
        assert!(check(-1, 6, 1) && check(-1, 5, 999) && !check(-1, 6, 999));
        assert!(check(-2, 6, 999));
        assert!(check(6, 6, 999) && !check(6, 5, 100));
    }

    #[test]
    fn lock_xml_round_trips() {
        let lock = Lock { level: 2, owner: 3, time: 1_700_000_000, req_id: -1 };
        let mut w = XmlWriter::new();
        lock.write_xml(&mut w);
        let xml = w.finish();
        assert_eq!(
            xml,
            "<LOCK><LOCKED>2</LOCKED><OWNER>3</OWNER><TIME>1700000000</TIME><REQ_ID>-1</REQ_ID></LOCK>"
        );
        assert_eq!(Lock::from_node(&crate::xml::parse(&xml).unwrap()), Some(lock));
    }
}
