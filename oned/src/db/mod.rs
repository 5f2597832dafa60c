//! All SQL of oned. Only this module imports `rusqlite`.
//!
//! One SQLite file in WAL mode with `synchronous=FULL`: a write is acknowledged only after
//! its transaction committed, so it survives a `kill -9` (and a power cut). One writer
//! connection serialises writes, committing bursts of them together (`writer`: group commit);
//! a few read-only connections serve reads from consistent snapshots alongside them. Every API
//! call runs in one transaction ([`Db::write`] or [`Db::read`]) so its checks and writes are
//! atomic. Object IDs come from `pool_control` and
//! are never reused. Pools live in one file each (`users`, `groups`, `acls`).
//!
//! New databases get `schema.sql`; existing ones are brought up to date by the numbered files
//! in `migrations/`, tracked with SQLite's `user_version`.

mod acls;
mod groups;
mod listing;
mod objects;
mod users;
mod writer;

pub use objects::{ListQuery, Visibility, tables};

/// Pool names in `pool_control`.
pub mod pools {
    pub use super::acls::POOL as ACL;
    pub use super::groups::POOL as GROUP;
    pub use super::users::POOL as USER;
}

use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

/// The schema of a new database.
const SCHEMA: &str = include_str!("schema.sql");

/// Migrations, in order; migration `i` brings `user_version` from `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_pools.sql"),
    include_str!("migrations/0003_vm_groups.sql"),
];

/// A failure of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer oned.
    #[error("database schema version {found} is newer than this oned supports ({supported})")]
    TooNew {
        /// `user_version` of the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A batch of writes could not be committed.
    #[error("database commit failed: {0}")]
    Commit(String),
    /// A stored value could not be read back.
    #[error("corrupt row in {table}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
}

/// The database handle shared by all requests: one writer connection, and a few read-only
/// connections so that reads (WAL snapshots) run alongside writes and each other.
#[derive(Debug)]
pub struct Db {
    writer: writer::Writer,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    listings: listing::Listings,
}

/// How many read-only connections serve reads.
const READERS: usize = 4;

/// Tells in-memory databases apart.
static MEMORY_DBS: AtomicUsize = AtomicUsize::new(0);

/// A transaction; pool modules add their methods to it (`tx.user_fetch(id)`, ...).
pub struct Tx<'a> {
    tx: &'a Connection,
    listings: &'a listing::Listings,
    /// Listing changes of earlier calls in the same uncommitted batch (see `writer`).
    pending: &'a [listing::Change],
    /// Listing changes to publish if the transaction commits.
    changes: RefCell<Vec<listing::Change>>,
}

impl Tx<'_> {
    fn record(&self, change: listing::Change) {
        self.changes.borrow_mut().push(change);
    }
}

impl Db {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        Self::setup(&path.to_string_lossy(), OpenFlags::default())
    }

    /// An in-memory database, for unit tests of the layers above.
    pub fn open_in_memory() -> Result<Db, DbError> {
        let n = MEMORY_DBS.fetch_add(1, Ordering::Relaxed);
        let uri = format!("file:oned-memory-{}-{n}?mode=memory&cache=shared", std::process::id());
        Self::setup(&uri, OpenFlags::default() | OpenFlags::SQLITE_OPEN_URI)
    }

    fn setup(path: &str, flags: OpenFlags) -> Result<Db, DbError> {
        let mut writer = Connection::open_with_flags(path, flags)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "foreign_keys", "ON")?;
        // Listings are served from memory (`listing`); the page cache serves single objects.
        writer.pragma_update(None, "cache_size", -8_192)?;
        writer.busy_timeout(std::time::Duration::from_secs(10))?;
        upgrade(&mut writer)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(path, flags)?;
            reader.pragma_update(None, "query_only", "ON")?;
            reader.pragma_update(None, "cache_size", -4_096)?;
            reader.busy_timeout(std::time::Duration::from_secs(10))?;
            readers.push(Mutex::new(reader));
        }
        let mut listings = listing::Listings::load(&writer)?;
        keep_parsed(&writer, &mut listings)?;
        Ok(Db { writer: writer::Writer::new(writer), readers, next_reader: AtomicUsize::new(0), listings })
    }

    fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock rolled its transaction back (rusqlite drops it),
        // so the connection is consistent and can be used again.
        conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A free reader, or the next one in turn.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        for r in &self.readers {
            if let Ok(guard) = r.try_lock() {
                return guard;
            }
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        Self::lock(&self.readers[i])
    }

    /// Runs `f` in a write transaction and returns once its writes are committed.
    /// Errors of `f` roll all its writes back.
    pub fn write<T, E: From<DbError>>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E> {
        self.writer.write(&self.listings, f)
    }

    /// Runs `f` in a read transaction (a consistent snapshot); nothing is written.
    pub fn read<T, E: From<DbError>>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E> {
        let mut conn = self.reader();
        let snapshot =
            conn.transaction_with_behavior(TransactionBehavior::Deferred).map_err(DbError::from)?;
        let tx =
            Tx { tx: &snapshot, listings: &self.listings, pending: &[], changes: RefCell::new(Vec::new()) };
        let value = f(&tx)?;
        drop(tx);
        snapshot.rollback().map_err(DbError::from)?;
        Ok(value)
    }
}

/// Loads the pools kept parsed in memory (hosts, clusters, datastores).
fn keep_parsed(conn: &Connection, listings: &mut listing::Listings) -> Result<(), DbError> {
    use one_core::objects::common::PoolObject;
    fn load<T: PoolObject>(
        conn: &Connection,
        table: &'static str,
    ) -> Result<Vec<(i32, listing::Shared)>, DbError> {
        let mut stmt = conn.prepare(&format!("SELECT oid, body FROM {table}"))?;
        let mut rows = stmt.query([])?;
        let mut all = Vec::new();
        while let Some(r) = rows.next()? {
            let (oid, body): (i32, String) = (r.get(0)?, r.get(1)?);
            let obj = T::from_xml(&body).map_err(|e| corrupt(table, format!("object {oid}: {e}")))?;
            all.push((oid, std::sync::Arc::new(obj) as listing::Shared));
        }
        Ok(all)
    }
    use one_core::objects::{cluster::Cluster, datastore::Datastore, host::Host};
    listings.keep_parsed(tables::HOST, load::<Host>(conn, tables::HOST)?);
    listings.keep_parsed(tables::CLUSTER, load::<Cluster>(conn, tables::CLUSTER)?);
    listings.keep_parsed(tables::DATASTORE, load::<Datastore>(conn, tables::DATASTORE)?);
    Ok(())
}

/// Applies the schema to a new database or the missing migrations to an old one.
fn upgrade(conn: &mut Connection) -> Result<(), DbError> {
    let latest = MIGRATIONS.len() as i64;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0))?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    if version == 0 && tables == 0 {
        tx.execute_batch(SCHEMA)?;
    } else if version > latest {
        return Err(DbError::TooNew { found: version, supported: latest });
    } else {
        for migration in &MIGRATIONS[version as usize..] {
            tx.execute_batch(migration)?;
        }
    }
    tx.pragma_update(None, "user_version", latest)?;
    tx.commit()?;
    Ok(())
}

impl Tx<'_> {
    /// Reserves the next object ID of a pool. IDs are never reused: the counter only grows,
    /// whatever is deleted.
    pub fn next_oid(&self, pool: &str) -> Result<i32, DbError> {
        let last: Option<i64> = self
            .tx
            .query_row("SELECT last_oid FROM pool_control WHERE tablename = ?1", [pool], |r| r.get(0))
            .optional()?;
        let next = last.map_or(0, |l| l + 1);
        let next = i32::try_from(next).map_err(|_| DbError::Corrupt {
            table: "pool_control",
            detail: format!("{pool} IDs exhausted"),
        })?;
        self.set_last_oid(pool, next)?;
        Ok(next)
    }

    /// Sets a pool's ID counter, so the next ID is `last + 1` (used at bootstrap to keep
    /// OpenNebula's reserved ranges, e.g. groups from 100).
    pub fn set_last_oid(&self, pool: &str, last: i32) -> Result<(), DbError> {
        self.tx.execute(
            "INSERT INTO pool_control (tablename, last_oid) VALUES (?1, ?2)
             ON CONFLICT (tablename) DO UPDATE SET last_oid = excluded.last_oid",
            rusqlite::params![pool, last],
        )?;
        Ok(())
    }

    /// Reads a system attribute (a named document such as the default quotas).
    pub fn system_attribute(&self, name: &str) -> Result<Option<String>, DbError> {
        Ok(self
            .tx
            .query_row("SELECT body FROM system_attributes WHERE name = ?1", [name], |r| r.get(0))
            .optional()?)
    }

    /// Writes a system attribute.
    pub fn set_system_attribute(&self, name: &str, body: &str) -> Result<(), DbError> {
        self.tx.execute(
            "INSERT INTO system_attributes (name, body) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET body = excluded.body",
            [name, body],
        )?;
        Ok(())
    }

    /// Whether the database holds no users yet (first start).
    pub fn is_empty(&self) -> Result<bool, DbError> {
        let n: i64 = self.tx.query_row("SELECT count(*) FROM user_pool", [], |r| r.get(0))?;
        Ok(n == 0)
    }
}

/// A stored value that cannot be read back.
fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> DbError {
    DbError::Corrupt { table, detail: detail.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema as SQLite reports it, normalised for comparison.
    fn schema_of(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name")
            .unwrap();
        stmt.query_map([], |r| {
            let sql: String = r.get(1)?;
            Ok((r.get(0)?, sql.split_whitespace().collect::<Vec<_>>().join(" ")))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    #[test]
    fn fresh_schema_equals_migrated_schema() {
        let fresh = Connection::open_in_memory().unwrap();
        fresh.execute_batch(SCHEMA).unwrap();
        let migrated = Connection::open_in_memory().unwrap();
        for m in MIGRATIONS {
            migrated.execute_batch(m).unwrap();
        }
        let (a, b) = (schema_of(&fresh), schema_of(&migrated));
        assert!(!a.is_empty());
        assert_eq!(a, b);
    }

    #[test]
    fn old_database_is_migrated_and_new_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
        }
        let db = Db::open(&path).unwrap();
        assert!(db.read(|tx| tx.is_empty()).unwrap());
        assert_eq!(db.read(|tx| tx.obj_count(tables::VM, None)).unwrap(), 0, "migration 2 ran");
        assert_eq!(db.read(|tx| tx.obj_count(tables::VM_GROUP, None)).unwrap(), 0, "migration 3 ran");
        drop(db);
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        assert!(matches!(Db::open(&path), Err(DbError::TooNew { found: 99, .. })));
    }

    #[test]
    fn ids_are_never_reused_and_failed_transactions_roll_back() {
        let db = Db::open_in_memory().unwrap();
        assert_eq!(db.write(|tx| tx.next_oid("t")).unwrap(), 0);
        assert_eq!(db.write(|tx| tx.next_oid("t")).unwrap(), 1);
        let failed: Result<i32, DbError> = db.write(|tx| {
            tx.next_oid("t")?;
            Err(DbError::Corrupt { table: "t", detail: "test".into() })
        });
        assert!(failed.is_err());
        assert_eq!(db.write(|tx| tx.next_oid("t")).unwrap(), 2);
        db.write(|tx| tx.set_last_oid("g", 99)).unwrap();
        assert_eq!(db.write(|tx| tx.next_oid("g")).unwrap(), 100);
    }
}
