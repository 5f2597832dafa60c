//! The writer connection and group commit.
//!
//! Every write transaction of the API runs in a savepoint of a shared SQLite transaction (a
//! *batch*). A writer that finishes while others wait for the connection leaves the batch open
//! and waits; the last writer of the burst commits the batch (one `fsync` for all of them) and
//! wakes the others. Nobody is answered before the `COMMIT` that holds its writes returned, so
//! acknowledged writes survive a `kill -9` exactly as with one commit per call; a lone writer
//! commits at once, as before. A failing call rolls back to its savepoint and leaves the batch's
//! other writes alone. In-memory listings follow commits: a batch's changes are published after
//! its `COMMIT`, and calls later in the batch read the objects it changed from SQL.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use rusqlite::Connection;

use super::listing::{Change, Listings};
use super::{DbError, Tx};

/// The most calls one batch holds, so that a steady stream of writers still gets answers.
const MAX_BATCH: usize = 64;

/// The writer connection with the batch it has open.
#[derive(Debug)]
struct State {
    conn: Connection,
    /// Whether a batch (an SQLite transaction) is open.
    open: bool,
    /// The number of the open (or last) batch.
    epoch: u64,
    /// Calls in the open batch.
    size: usize,
    /// Listing changes of the open batch's calls, in order.
    changes: Vec<Change>,
}

/// Which batches committed.
#[derive(Debug, Default)]
struct Outcomes {
    /// Every batch up to this number has ended.
    ended: u64,
    /// Batches whose `COMMIT` failed, with the error (recent ones only).
    failed: BTreeMap<u64, String>,
}

/// The single writer connection, shared by all calls.
#[derive(Debug)]
pub(super) struct Writer {
    state: Mutex<State>,
    /// Calls waiting for the connection.
    waiting: AtomicUsize,
    outcomes: Mutex<Outcomes>,
    ended: Condvar,
}

impl Writer {
    pub(super) fn new(conn: Connection) -> Writer {
        let state = State { conn, open: false, epoch: 0, size: 0, changes: Vec::new() };
        Writer {
            state: Mutex::new(state),
            waiting: AtomicUsize::new(0),
            outcomes: Mutex::new(Outcomes::default()),
            ended: Condvar::new(),
        }
    }

    /// How many batches were opened since the start (each ends in one `COMMIT`).
    #[cfg(test)]
    pub(super) fn batches(&self) -> u64 {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).epoch
    }

    /// Runs `f` in a savepoint of the open batch; answers once the batch committed.
    pub(super) fn write<T, E: From<DbError>>(
        &self,
        listings: &Listings,
        f: impl FnOnce(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let guard = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let mut call = Call { writer: self, listings, state: guard, in_savepoint: false, done: false };
        let epoch = call.begin()?;
        let result = {
            let st = &*call.state;
            let tx = Tx { tx: &st.conn, listings, pending: &st.changes, changes: Default::default() };
            f(&tx).map(|value| (value, tx.changes.take()))
        };
        let outcome = match result {
            Ok((value, changes)) => call.release(changes).map(|()| Ok(value)),
            Err(e) => call.rollback().map(|()| Err(e)),
        };
        let value = match outcome {
            Ok(value) => value,
            Err(db) => {
                drop(call);
                return Err(db.into());
            }
        };
        let committed = if self.waiting.load(Ordering::SeqCst) > 0 && call.state.size < MAX_BATCH {
            // A call waiting for the connection will commit the batch (or leave it to the next).
            call.done = true;
            drop(call);
            self.wait_for(epoch)
        } else {
            call.commit()
        };
        committed?;
        value
    }

    /// Blocks until batch `epoch` ended; its `COMMIT`'s error if it failed.
    fn wait_for(&self, epoch: u64) -> Result<(), DbError> {
        let mut outcomes = self.outcomes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while outcomes.ended < epoch {
            outcomes = self.ended.wait(outcomes).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        match outcomes.failed.get(&epoch) {
            Some(e) => Err(DbError::Commit(e.clone())),
            None => Ok(()),
        }
    }

    /// Records how batch `epoch` ended and wakes its waiting calls.
    fn ended(&self, epoch: u64, error: Option<String>) {
        let mut outcomes = self.outcomes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        outcomes.ended = epoch;
        if let Some(e) = error {
            outcomes.failed.insert(epoch, e);
        }
        // Waiters of old batches have long been woken.
        while outcomes.failed.len() > 64 {
            outcomes.failed.pop_first();
        }
        drop(outcomes);
        self.ended.notify_all();
    }
}

/// One call holding the writer connection. Dropped before it committed or handed the batch on
/// (a panic in the call, or an SQL error around its savepoint), it rolls its savepoint back and
/// commits the batch so that the calls waiting for it are answered.
struct Call<'a> {
    writer: &'a Writer,
    listings: &'a Listings,
    state: MutexGuard<'a, State>,
    in_savepoint: bool,
    /// The batch was committed, or handed on to a waiting call.
    done: bool,
}

impl Call<'_> {
    /// Opens a batch if none is, and this call's savepoint; the batch's number.
    fn begin(&mut self) -> Result<u64, DbError> {
        let st = &mut *self.state;
        if !st.open {
            st.conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
            st.open = true;
            st.epoch += 1;
            st.size = 0;
        }
        st.size += 1;
        st.conn.prepare_cached("SAVEPOINT call")?.execute([])?;
        self.in_savepoint = true;
        Ok(st.epoch)
    }

    /// Keeps the call's writes in the batch.
    fn release(&mut self, changes: Vec<Change>) -> Result<(), DbError> {
        self.state.conn.prepare_cached("RELEASE call")?.execute([])?;
        self.in_savepoint = false;
        self.state.changes.extend(changes);
        Ok(())
    }

    /// Undoes the call's writes, keeping the batch's others.
    fn rollback(&mut self) -> Result<(), DbError> {
        self.state.conn.prepare_cached("ROLLBACK TO call")?.execute([])?;
        self.state.conn.prepare_cached("RELEASE call")?.execute([])?;
        self.in_savepoint = false;
        Ok(())
    }

    /// Commits the open batch, publishes its listing changes and wakes its calls.
    fn commit(&mut self) -> Result<(), DbError> {
        self.done = true;
        let st = &mut *self.state;
        if !st.open {
            return Ok(());
        }
        st.open = false;
        let changes = std::mem::take(&mut st.changes);
        let result = st.conn.prepare_cached("COMMIT").and_then(|mut s| s.execute([])).map(drop);
        let error = match &result {
            Ok(()) => {
                // Still holding the connection: listings follow commits in order.
                self.listings.apply(changes);
                None
            }
            Err(e) => {
                // SQLite may have rolled back already; make sure nothing stays open.
                let _ = st.conn.execute_batch("ROLLBACK");
                Some(e.to_string())
            }
        };
        self.writer.ended(st.epoch, error);
        result.map_err(DbError::from)
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if self.in_savepoint {
            let conn = &self.state.conn;
            let undone = conn.execute_batch("ROLLBACK TO call; RELEASE call");
            if undone.is_err() {
                // The savepoint cannot be undone alone: drop the whole batch.
                let _ = conn.execute_batch("ROLLBACK");
                self.state.open = false;
                self.state.changes.clear();
                self.done = true;
                let epoch = self.state.epoch;
                self.writer.ended(epoch, Some("the transaction was rolled back".into()));
                return;
            }
            self.in_savepoint = false;
        }
        let _ = self.commit();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier, mpsc};
    use std::time::Duration;

    use one_core::objects::common::PoolObject;
    use one_core::objects::host::Host;

    use crate::db::{Db, DbError, tables};

    const WRITERS: usize = 8;

    fn host(id: i32, name: &str) -> Host {
        let mut h = Host::new(id, name, "dummy", "dummy", 0, "default");
        h.meta_mut().name = name.into();
        h
    }

    /// Runs `call(i, tx)` for every writer at once, each holding the connection for a while so
    /// that the others queue behind it; their results in order.
    fn concurrently(
        db: &Arc<Db>,
        call: impl Fn(usize, &crate::db::Tx<'_>) -> Result<(), DbError> + Send + Sync + 'static,
    ) -> Vec<Result<(), DbError>> {
        let barrier = Arc::new(Barrier::new(WRITERS));
        let call = Arc::new(call);
        let threads: Vec<_> = (0..WRITERS)
            .map(|i| {
                let (db, barrier, call) = (db.clone(), barrier.clone(), call.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    db.write(|tx| {
                        std::thread::sleep(Duration::from_millis(10));
                        call(i, tx)
                    })
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap_or_else(|_| Err(DbError::Commit("panicked".into()))))
            .collect()
    }

    #[test]
    fn concurrent_writes_commit_together_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.db");
        let db = Arc::new(Db::open(&path).unwrap());
        let before = db.writer.batches();
        let results = concurrently(&db, |i, tx| tx.obj_put(tables::HOST, &host(i as i32, &format!("h{i}"))));
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        let batches = db.writer.batches() - before;
        assert!(batches < WRITERS as u64, "{WRITERS} queued writes took {batches} commits");
        drop(db);
        let db = Db::open(&path).unwrap();
        let names: Vec<String> = db
            .read(|tx| tx.obj_all::<Host>(tables::HOST))
            .unwrap()
            .iter()
            .map(|h| h.meta().name.clone())
            .collect();
        assert_eq!(names, (0..WRITERS).map(|i| format!("h{i}")).collect::<Vec<_>>());
    }

    #[test]
    fn a_failing_or_panicking_call_undoes_only_its_own_writes() {
        let db = Arc::new(Db::open_in_memory().unwrap());
        let results = concurrently(&db, |i, tx| {
            tx.obj_put(tables::HOST, &host(i as i32, "h"))?;
            match i % 3 {
                1 => Err(DbError::Corrupt { table: "host_pool", detail: "refused".into() }),
                2 => panic!("a bug in call {i}"),
                _ => Ok(()),
            }
        });
        for (i, r) in results.iter().enumerate() {
            assert_eq!(r.is_ok(), i % 3 == 0, "call {i}: {r:?}");
        }
        let ids: Vec<i32> = db.read(|tx| tx.obj_ids(tables::HOST, None)).unwrap();
        let expected: Vec<i32> = (0..WRITERS as i32).filter(|i| i % 3 == 0).collect();
        assert_eq!(ids, expected);
        let listed: Vec<i32> =
            db.read(|tx| tx.obj_all::<Host>(tables::HOST)).unwrap().iter().map(|h| h.meta().id).collect();
        assert_eq!(listed, expected, "the in-memory copies follow the commits");
        db.write(|tx| tx.obj_put(tables::HOST, &host(100, "after"))).unwrap();
        assert!(db.read(|tx| tx.obj_get::<Host>(tables::HOST, 100)).unwrap().is_some());
    }

    #[test]
    fn a_later_call_in_a_batch_reads_what_an_earlier_one_wrote() {
        let db = Arc::new(Db::open_in_memory().unwrap());
        db.write(|tx| tx.obj_put(tables::HOST, &host(0, "old"))).unwrap();
        let before = db.writer.batches();
        let (inside, entered) = mpsc::channel();
        let first = {
            let db = db.clone();
            std::thread::spawn(move || {
                db.write(|tx| {
                    tx.obj_put(tables::HOST, &host(0, "new"))?;
                    inside.send(()).unwrap();
                    // Long enough for the second call to queue behind this one.
                    std::thread::sleep(Duration::from_millis(100));
                    Ok::<_, DbError>(())
                })
            })
        };
        entered.recv().unwrap();
        let seen = db.write(|tx| tx.obj_get::<Host>(tables::HOST, 0)).unwrap().unwrap();
        first.join().unwrap().unwrap();
        assert_eq!(seen.meta().name, "new", "the host kept in memory was not yet updated");
        assert_eq!(db.writer.batches(), before + 1, "both calls shared one batch");
        let now = db.read(|tx| tx.obj_get::<Host>(tables::HOST, 0)).unwrap().unwrap();
        assert_eq!(now.meta().name, "new");
    }
}
