//! In-memory copies of the pool listings: for every object of the object pools, what a
//! listing filters on (owner, group, permissions, state, clusters) and its listing body,
//! already escaped as the string value of an XML-RPC response. A pool listing
//! (`one.vmpool.info` of 20,000 VMs, `one.hostpool.info` of 1,250 hosts carrying their
//! monitoring) is then a selection of shared buffers handed to the HTTP layer as they are:
//! no SQL, no copy, no escaping on the request path.
//!
//! SQLite stays the source of truth. Write transactions record what they store
//! (`Tx::obj_put`, `Tx::obj_delete`) and [`Listings::apply`] publishes it once the transaction
//! committed, under the writer lock, so the copies follow commits in order; a rolled-back
//! transaction publishes nothing. At start the copies are loaded from the file.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use rusqlite::Connection;

use super::DbError;
use super::objects::{ListQuery, tables};

/// One object as listings see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Owner.
    pub uid: i32,
    /// Group.
    pub gid: i32,
    /// Permissions as the octal number stored (`640` → 0o640 bits as decimal digits).
    pub perms: i64,
    /// State.
    pub state: i32,
    /// Cluster IDs (`,0,100,`, as stored).
    pub cids: String,
    /// The listing body, escaped for an XML-RPC string.
    pub body: Bytes,
}

/// A parsed object shared from memory.
pub type Shared = Arc<dyn Any + Send + Sync>;

/// A change a write transaction made: the new listing (and, for pools kept parsed, the new
/// object) of an object, or its removal.
pub struct Change {
    /// The pool table.
    pub table: &'static str,
    /// The object.
    pub oid: i32,
    /// Its listing, `None` when deleted.
    pub listed: Option<Arc<Listed>>,
    /// The object itself, for pools kept parsed.
    pub object: Option<Shared>,
}

impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Change").field("table", &self.table).field("oid", &self.oid).finish()
    }
}

type Pool = RwLock<BTreeMap<i32, Arc<Listed>>>;

/// The listings of every object pool, and the parsed objects of the pools every VM
/// operation reads (hosts, clusters, datastores). A parsed host keeps its PCI devices as the
/// text it was read from (`PciDevices`), so it costs about its document's size.
#[derive(Default)]
pub struct Listings {
    pools: HashMap<&'static str, Pool>,
    objects: HashMap<&'static str, RwLock<BTreeMap<i32, Shared>>>,
}

impl std::fmt::Debug for Listings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listings").field("pools", &self.pools.len()).finish()
    }
}

/// The pools kept parsed.
const PARSED: [&str; 3] = [tables::HOST, tables::CLUSTER, tables::DATASTORE];

/// The object pools listed from memory.
const CACHED: [&str; 8] = [
    tables::HOST,
    tables::CLUSTER,
    tables::DATASTORE,
    tables::IMAGE,
    tables::TEMPLATE,
    tables::NETWORK,
    tables::VM,
    tables::VM_GROUP,
];

/// Escapes a listing body for an XML-RPC string value.
pub fn escaped(body: &str) -> Bytes {
    let mut out = String::with_capacity(body.len() + body.len() / 5);
    one_core::xml::escape_value_to(&mut out, body);
    Bytes::from(out)
}

impl Listings {
    /// Loads every object pool's listings from the database.
    pub fn load(conn: &Connection) -> Result<Listings, DbError> {
        let mut pools = HashMap::new();
        for table in CACHED {
            let mut map = BTreeMap::new();
            let sql =
                format!("SELECT oid, uid, gid, perms, state, cids, COALESCE(pool_body, body) FROM {table}");
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let body: String = r.get(6)?;
                let listed = Listed {
                    uid: r.get(1)?,
                    gid: r.get(2)?,
                    perms: r.get(3)?,
                    state: r.get(4)?,
                    cids: r.get(5)?,
                    body: escaped(&body),
                };
                map.insert(r.get::<_, i32>(0)?, Arc::new(listed));
            }
            pools.insert(table, RwLock::new(map));
        }
        Ok(Listings { pools, objects: HashMap::new() })
    }

    /// Keeps the objects of `table` parsed, starting from these (all of the pool).
    pub fn keep_parsed(&mut self, table: &'static str, all: Vec<(i32, Shared)>) {
        self.objects.insert(table, RwLock::new(all.into_iter().collect()));
    }

    /// Whether the objects of a table are kept parsed.
    pub fn parsed(table: &str) -> bool {
        PARSED.contains(&table)
    }

    /// The parsed object, if kept (a copy).
    pub fn object<T: Clone + 'static>(&self, table: &str, oid: i32) -> Option<Option<T>> {
        let pool = self.objects.get(table)?;
        let map = pool.read().unwrap_or_else(|p| p.into_inner());
        Some(map.get(&oid).and_then(|o| o.downcast_ref::<T>()).cloned())
    }

    /// Every parsed object of a table, by ID, if kept (copies).
    pub fn objects<T: Clone + 'static>(&self, table: &str) -> Option<Vec<T>> {
        let pool = self.objects.get(table)?;
        let map = pool.read().unwrap_or_else(|p| p.into_inner());
        Some(map.values().filter_map(|o| o.downcast_ref::<T>()).cloned().collect())
    }

    /// Whether a table's listings are kept here.
    pub fn has(&self, table: &str) -> bool {
        self.pools.contains_key(table)
    }

    /// Publishes the changes of a committed transaction, in order.
    pub fn apply(&self, changes: Vec<Change>) {
        for c in changes {
            if let Some(objects) = self.objects.get(c.table) {
                let mut map = objects.write().unwrap_or_else(|p| p.into_inner());
                match c.object {
                    Some(object) => map.insert(c.oid, object),
                    None => map.remove(&c.oid),
                };
            }
            let Some(pool) = self.pools.get(c.table) else { continue };
            let mut map = pool.write().unwrap_or_else(|p| p.into_inner());
            match c.listed {
                Some(listed) => map.insert(c.oid, listed),
                None => map.remove(&c.oid),
            };
        }
    }

    /// The escaped listing bodies a query selects, in its order and page.
    pub fn select(&self, table: &str, q: &ListQuery) -> Vec<Bytes> {
        let Some(pool) = self.pools.get(table) else { return Vec::new() };
        let map = pool.read().unwrap_or_else(|p| p.into_inner());
        let lo = q.min_id.unwrap_or(i32::MIN);
        let hi = q.max_id.unwrap_or(i32::MAX);
        if lo > hi {
            return Vec::new();
        }
        let hits = map.range(lo..=hi).filter(|(oid, l)| q.accepts(**oid, l));
        let (skip, take) = q.page.unwrap_or((0, usize::MAX));
        if q.desc {
            hits.rev().skip(skip).take(take).map(|(_, l)| l.body.clone()).collect()
        } else {
            hits.skip(skip).take(take).map(|(_, l)| l.body.clone()).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use one_core::objects::cluster::Cluster;
    use one_core::objects::common::PoolObject;
    use one_core::objects::host::Host;
    use one_core::perms::Permissions;
    use one_core::states::HostState;
    use proptest::prelude::*;

    use super::*;
    use crate::db::{Db, Visibility};

    fn host(id: i32, uid: i32, gid: i32, perms: u32, state: u8, cid: i32) -> Host {
        let mut h = Host::new(id, &format!("h{id}"), "dummy", "dummy", cid, "c");
        h.meta_mut().uid = uid;
        h.meta_mut().gid = gid;
        h.meta_mut().perms = Permissions::from_octal(perms);
        h.state = [HostState::Init, HostState::Monitored, HostState::Error, HostState::Disabled]
            [state as usize % 4];
        h
    }

    fn ids() -> impl Strategy<Value = Vec<i32>> {
        proptest::collection::vec(0..6i32, 0..3)
    }

    prop_compose! {
        fn queries()(all in any::<bool>(), uid in 0..4i32, groups in ids(), acl_gids in ids(),
                     acl_oids in proptest::collection::vec(0..30i32, 0..3), acl_cids in ids(),
                     owner in proptest::option::of(0..4i32), only in proptest::option::of(ids()),
                     or_uid in proptest::option::of(0..4i32), min in proptest::option::of(0..30i32),
                     max in proptest::option::of(0..30i32), state in proptest::option::of(0..4i32),
                     not_state in proptest::option::of(0..4i32),
                     some in proptest::option::of(proptest::collection::vec(0..30i32, 0..5)),
                     desc in any::<bool>(), page in proptest::option::of((0..5usize, 0..8usize))) -> ListQuery {
            ListQuery {
                visibility: Visibility { all, uid, groups, acl_gids, acl_oids, acl_cids },
                owner, groups: only, or_uid, min_id: min, max_id: max, state, not_state,
                ids: some, desc, page, full: false,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The in-memory selection is exactly what the SQL query selects, escaped.
        #[test]
        fn memory_listings_select_what_sql_selects(
            rows in proptest::collection::vec((0..4i32, 0..6i32, 0..0o777u32, 0..4u8, 0..6i32), 1..30),
            queries in proptest::collection::vec(queries(), 1..8),
        ) {
            let db = Db::open_in_memory().unwrap();
            db.write(|tx| -> Result<(), DbError> {
                for (i, (uid, gid, perms, state, cid)) in rows.iter().enumerate() {
                    tx.obj_put(tables::HOST, &host(i as i32, *uid, *gid, *perms, *state, *cid))?;
                }
                Ok(())
            }).unwrap();
            for q in queries {
                let (sql, memory) = db.read(|tx| -> Result<_, DbError> {
                    let sql: Vec<Bytes> = tx.obj_list_bodies(tables::HOST, &q)?.iter().map(|b| escaped(b)).collect();
                    Ok((sql, tx.obj_list_escaped(tables::HOST, &q).unwrap()))
                }).unwrap();
                prop_assert_eq!(memory, sql, "{:?}", q);
            }
        }
    }

    #[test]
    fn listings_follow_commits_only_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.db");
        let db = Db::open(&path).unwrap();
        let everything = ListQuery::everything();
        db.write(|tx| tx.obj_put(tables::HOST, &host(0, 0, 0, 0o640, 1, 0))).unwrap();
        db.write(|tx| tx.obj_put(tables::CLUSTER, &Cluster::new(100, "prod"))).unwrap();
        // A failed transaction publishes nothing, but sees its own writes.
        let failed: Result<(), DbError> = db.write(|tx| {
            tx.obj_put(tables::HOST, &host(1, 0, 0, 0o640, 1, 0))?;
            let mut renamed = host(0, 0, 0, 0o640, 1, 0);
            renamed.meta_mut().name = "renamed".into();
            tx.obj_put(tables::HOST, &renamed)?;
            let seen: Host = tx.obj_get(tables::HOST, 0)?.unwrap();
            assert_eq!(seen.meta().name, "renamed", "a transaction reads its own writes");
            assert_eq!(tx.obj_all::<Host>(tables::HOST)?.len(), 2);
            tx.obj_delete(tables::HOST, 0)?;
            assert!(tx.obj_get::<Host>(tables::HOST, 0)?.is_none());
            // Clusters are kept parsed: the transaction still reads its own version.
            tx.obj_put(tables::CLUSTER, &Cluster::new(100, "staging"))?;
            let c: Cluster = tx.obj_get(tables::CLUSTER, 100)?.unwrap();
            assert_eq!(c.meta().name, "staging");
            Err(DbError::Corrupt { table: "host_pool", detail: "test".into() })
        });
        assert!(failed.is_err());
        let kept: Host = db.read(|tx| tx.obj_get(tables::HOST, 0)).unwrap().unwrap();
        assert_eq!(kept.meta().name, "h0", "the committed host");
        let kept: Cluster = db.read(|tx| tx.obj_get(tables::CLUSTER, 100)).unwrap().unwrap();
        assert_eq!(kept, Cluster::new(100, "prod"), "the parsed copy is the committed one");
        assert!(db.read(|tx| tx.obj_get::<Host>(tables::HOST, 1)).unwrap().is_none());
        let listed =
            db.read(|tx| Ok::<_, DbError>(tx.obj_list_escaped(tables::HOST, &everything).unwrap())).unwrap();
        assert_eq!(listed, vec![escaped(&host(0, 0, 0, 0o640, 1, 0).to_pool_xml())]);
        db.write(|tx| tx.obj_delete(tables::HOST, 0).map(|_| ())).unwrap();
        db.write(|tx| tx.obj_put(tables::HOST, &host(2, 3, 1, 0o600, 2, 0))).unwrap();
        drop(db);
        let db = Db::open(&path).unwrap();
        let listed =
            db.read(|tx| Ok::<_, DbError>(tx.obj_list_escaped(tables::HOST, &everything).unwrap())).unwrap();
        assert_eq!(listed, vec![escaped(&host(2, 3, 1, 0o600, 2, 0).to_pool_xml())]);
    }
}
