//! The generic pool tables: one table per pool with the same columns (ID, name, owner, group,
//! permission bits, state, clusters, the full XML document and, for pools whose listing uses a
//! shorter element, the listing body). Objects are stored as their own documents, so
//! `one.*.info` and pool listings are served from stored text, and read back with
//! `PoolObject::from_xml`.

use rusqlite::{OptionalExtension, params, params_from_iter};

use one_core::objects::common::PoolObject;

use std::sync::Arc;

use super::listing::{Change, Listed, Listings, Shared, escaped};
use super::{DbError, Tx, corrupt};

/// The pool tables (each also names its ID counter in `pool_control`).
pub mod tables {
    /// Hosts.
    pub const HOST: &str = "host_pool";
    /// Clusters.
    pub const CLUSTER: &str = "cluster_pool";
    /// Datastores.
    pub const DATASTORE: &str = "datastore_pool";
    /// Images.
    pub const IMAGE: &str = "image_pool";
    /// VM templates.
    pub const TEMPLATE: &str = "template_pool";
    /// Virtual networks.
    pub const NETWORK: &str = "network_pool";
    /// Virtual machines.
    pub const VM: &str = "vm_pool";
    /// VM groups (OpenNebula's table name).
    pub const VM_GROUP: &str = "vmgroup_pool";
}

/// Which objects a caller may see in a listing, as OpenNebula's SQL filter puts it: their own,
/// those whose group or other USE bit lets them, and those ACL rules grant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Visibility {
    /// Everything (administrators, or a `TYPE/*` USE rule).
    pub all: bool,
    /// The caller.
    pub uid: i32,
    /// The caller's groups.
    pub groups: Vec<i32>,
    /// Groups whose objects an ACL rule (`TYPE/@gid`) lets the caller use.
    pub acl_gids: Vec<i32>,
    /// Objects an ACL rule (`TYPE/#oid`) lets the caller use.
    pub acl_oids: Vec<i32>,
    /// Clusters whose objects an ACL rule (`TYPE/%cid`) lets the caller use.
    pub acl_cids: Vec<i32>,
}

/// A pool listing request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// What the caller may see.
    pub visibility: Visibility,
    /// Only objects owned by this user.
    pub owner: Option<i32>,
    /// Only objects of these groups (owned by `or_uid` as well, when set).
    pub groups: Option<Vec<i32>>,
    /// With `groups`: also objects owned by this user.
    pub or_uid: Option<i32>,
    /// Lowest ID.
    pub min_id: Option<i32>,
    /// Highest ID.
    pub max_id: Option<i32>,
    /// Only this state.
    pub state: Option<i32>,
    /// Exclude this state (DONE VMs).
    pub not_state: Option<i32>,
    /// Only these IDs.
    pub ids: Option<Vec<i32>>,
    /// Newest first.
    pub desc: bool,
    /// `(offset, size)`.
    pub page: Option<(usize, usize)>,
    /// Full documents instead of listing bodies.
    pub full: bool,
}

impl ListQuery {
    /// Everything, listing bodies, ascending.
    pub fn everything() -> ListQuery {
        ListQuery {
            visibility: Visibility { all: true, ..Visibility::default() },
            owner: None,
            groups: None,
            or_uid: None,
            min_id: None,
            max_id: None,
            state: None,
            not_state: None,
            ids: None,
            desc: false,
            page: None,
            full: false,
        }
    }

    /// The WHERE clause and its parameters.
    fn where_clause(&self) -> (String, Vec<i64>) {
        let mut conds: Vec<String> = Vec::new();
        let mut args: Vec<i64> = Vec::new();
        let list = |ids: &[i32]| ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
        if !self.visibility.all {
            let v = &self.visibility;
            let mut any = vec!["uid = ?".to_owned(), "(perms & 4) != 0".to_owned()];
            args.push(i64::from(v.uid));
            if !v.groups.is_empty() {
                any.push(format!("(gid IN ({}) AND (perms & 32) != 0)", list(&v.groups)));
            }
            if !v.acl_gids.is_empty() {
                any.push(format!("gid IN ({})", list(&v.acl_gids)));
            }
            if !v.acl_oids.is_empty() {
                any.push(format!("oid IN ({})", list(&v.acl_oids)));
            }
            for cid in &v.acl_cids {
                any.push(format!("cids LIKE '%,{cid},%'"));
            }
            conds.push(format!("({})", any.join(" OR ")));
        }
        if let Some(owner) = self.owner {
            conds.push("uid = ?".to_owned());
            args.push(i64::from(owner));
        }
        if let Some(groups) = &self.groups {
            let in_groups = format!("gid IN ({})", list(groups));
            match self.or_uid {
                Some(uid) => {
                    conds.push(format!("({in_groups} OR uid = ?)"));
                    args.push(i64::from(uid));
                }
                None => conds.push(in_groups),
            }
        }
        for (cond, value) in [
            ("oid >= ?", self.min_id),
            ("oid <= ?", self.max_id),
            ("state = ?", self.state),
            ("state != ?", self.not_state),
        ] {
            if let Some(v) = value {
                conds.push(cond.to_owned());
                args.push(i64::from(v));
            }
        }
        if let Some(ids) = &self.ids {
            conds.push(format!("oid IN ({})", list(ids)));
        }
        let clause = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
        (clause, args)
    }
}

impl ListQuery {
    /// Whether the object passes the query's filters (the WHERE clause, in memory; paging
    /// and order aside).
    pub fn accepts(&self, oid: i32, l: &super::listing::Listed) -> bool {
        if !self.visibility.all {
            let v = &self.visibility;
            let cid_listed = |cid: &i32| l.cids.contains(&format!(",{cid},"));
            let visible = l.uid == v.uid
                || l.perms & 4 != 0
                || (v.groups.contains(&l.gid) && l.perms & 32 != 0)
                || v.acl_gids.contains(&l.gid)
                || v.acl_oids.contains(&oid)
                || v.acl_cids.iter().any(cid_listed);
            if !visible {
                return false;
            }
        }
        if self.owner.is_some_and(|o| o != l.uid) {
            return false;
        }
        if let Some(groups) = &self.groups
            && !groups.contains(&l.gid)
            && self.or_uid != Some(l.uid)
        {
            return false;
        }
        self.min_id.is_none_or(|m| oid >= m)
            && self.max_id.is_none_or(|m| oid <= m)
            && self.state.is_none_or(|st| l.state == st)
            && self.not_state.is_none_or(|st| l.state != st)
            && self.ids.as_ref().is_none_or(|ids| ids.contains(&oid))
    }
}

/// Cluster IDs as stored for `LIKE` matching: `,0,100,`.
fn cids_text(ids: &[i32]) -> String {
    let mut s = String::from(",");
    for id in ids {
        s.push_str(&id.to_string());
        s.push(',');
    }
    s
}

impl Tx<'_> {
    /// Whether this transaction, or an earlier one of its uncommitted batch, changed the
    /// object (such writes are not in memory yet).
    fn touched(&self, table: &str, id: Option<i32>) -> bool {
        let hit = |c: &Change| c.table == table && id.is_none_or(|id| c.oid == id);
        self.pending.iter().any(hit) || self.changes.borrow().iter().any(hit)
    }

    /// The object with this ID.
    pub fn obj_get<T: PoolObject>(&self, table: &'static str, id: i32) -> Result<Option<T>, DbError> {
        if !self.touched(table, Some(id))
            && let Some(found) = self.listings.object::<T>(table, id)
        {
            return Ok(found);
        }
        match self.obj_body(table, id)? {
            Some(body) => {
                T::from_xml(&body).map(Some).map_err(|e| corrupt(table, format!("object {id}: {e}")))
            }
            None => Ok(None),
        }
    }

    /// The object with this ID, read from its listing body (for pools whose listing form keeps
    /// more than the full document, as virtual networks do).
    pub fn obj_get_listing<T: PoolObject>(&self, table: &'static str, id: i32) -> Result<Option<T>, DbError> {
        let sql = format!("SELECT COALESCE(pool_body, body) FROM {table} WHERE oid = ?1");
        let body: Option<String> = self.tx.prepare_cached(&sql)?.query_row([id], |r| r.get(0)).optional()?;
        match body {
            Some(body) => {
                T::from_xml(&body).map(Some).map_err(|e| corrupt(table, format!("object {id}: {e}")))
            }
            None => Ok(None),
        }
    }

    /// Stores a VM's history records (for `one.vmpool.accounting`).
    pub fn history_put(&self, vm: &one_core::objects::vm::Vm) -> Result<(), DbError> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO history (vid, seq, stime, etime, body) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (vid, seq) DO UPDATE SET stime = excluded.stime, etime = excluded.etime, body = excluded.body",
        )?;
        // Only the current and the previous record change; older ones are final.
        let recent = vm.history.len().saturating_sub(2);
        if recent == vm.history.len() {
            return Ok(());
        }
        let mut v = one_core::xml::XmlWriter::new();
        vm.write_accounting_xml(&mut v);
        let vm_xml = v.finish();
        for h in &vm.history[recent..] {
            let mut w = one_core::xml::XmlWriter::new();
            h.write_accounting_xml(&mut w, &vm_xml);
            stmt.execute(params![h.oid, h.seq, h.stime, h.etime, w.finish()])?;
        }
        Ok(())
    }

    /// History records that overlap `[start, end]` (-1: open), of the VMs in `vids` (all
    /// when `None`), by VM and sequence.
    pub fn history_list(&self, vids: Option<&[i32]>, start: i64, end: i64) -> Result<Vec<String>, DbError> {
        let mut sql = "SELECT body FROM history WHERE (etime = 0 OR etime >= ?1)".to_owned();
        if end >= 0 {
            sql.push_str(" AND stime <= ?2");
        } else {
            sql.push_str(" AND ?2 = ?2");
        }
        if let Some(vids) = vids {
            let list: Vec<String> = vids.iter().map(i32::to_string).collect();
            sql.push_str(&format!(" AND vid IN ({})", list.join(",")));
        }
        sql.push_str(" ORDER BY vid, seq");
        let mut stmt = self.tx.prepare(&sql)?;
        let rows = stmt.query_map(params![start, end], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The stored document of the object with this ID.
    pub fn obj_body(&self, table: &'static str, id: i32) -> Result<Option<String>, DbError> {
        let sql = format!("SELECT body FROM {table} WHERE oid = ?1");
        Ok(self.tx.prepare_cached(&sql)?.query_row([id], |r| r.get(0)).optional()?)
    }

    /// Stores an object (new or changed).
    pub fn obj_put<T: PoolObject>(&self, table: &'static str, obj: &T) -> Result<(), DbError> {
        let meta = obj.meta();
        let body = obj.to_xml();
        let pool_body = obj.to_pool_xml();
        let pool_body = (pool_body != body).then_some(pool_body);
        let sql = format!(
            "INSERT INTO {table} (oid, name, uid, gid, perms, state, cids, body, pool_body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (oid) DO UPDATE SET name = excluded.name, uid = excluded.uid,
             gid = excluded.gid, perms = excluded.perms, state = excluded.state,
             cids = excluded.cids, body = excluded.body, pool_body = excluded.pool_body"
        );
        let cids = cids_text(&obj.cluster_ids());
        let perms = meta.perms.octal();
        self.tx.prepare_cached(&sql)?.execute(params![
            meta.id,
            meta.name,
            meta.uid,
            meta.gid,
            perms,
            obj.state(),
            cids,
            body,
            pool_body
        ])?;
        if self.listings.has(table) {
            let listed = Listed {
                uid: meta.uid,
                gid: meta.gid,
                perms: i64::from(perms),
                state: obj.state(),
                cids,
                body: escaped(pool_body.as_deref().unwrap_or(&body)),
            };
            // The copy is what reading the stored document gives (hosts keep their PCI
            // devices as text, see `PciDevices`).
            let object: Option<Shared> = match Listings::parsed(table) {
                true => Some(Arc::new(T::from_xml(&body).map_err(|e| corrupt(table, e))?) as Shared),
                false => None,
            };
            self.record(Change { table, oid: meta.id, listed: Some(Arc::new(listed)), object });
        }
        Ok(())
    }

    /// Removes an object; false when there was none.
    pub fn obj_delete(&self, table: &'static str, id: i32) -> Result<bool, DbError> {
        let deleted = self.tx.execute(&format!("DELETE FROM {table} WHERE oid = ?1"), [id])? > 0;
        if deleted {
            self.record(Change { table, oid: id, listed: None, object: None });
        }
        Ok(deleted)
    }

    /// The escaped listing bodies a query selects, from the in-memory listings (see
    /// `listing`); `None` for a pool that is not kept there.
    pub fn obj_list_escaped(&self, table: &'static str, q: &ListQuery) -> Option<Vec<bytes::Bytes>> {
        (self.listings.has(table) && !q.full).then(|| self.listings.select(table, q))
    }

    /// The ID of the object with this name (owned by `uid`, when given).
    pub fn obj_id_by_name(
        &self,
        table: &'static str,
        name: &str,
        uid: Option<i32>,
    ) -> Result<Option<i32>, DbError> {
        let found = match uid {
            Some(uid) => self
                .tx
                .query_row(
                    &format!("SELECT oid FROM {table} WHERE name = ?1 AND uid = ?2"),
                    params![name, uid],
                    |r| r.get(0),
                )
                .optional()?,
            None => self
                .tx
                .query_row(&format!("SELECT oid FROM {table} WHERE name = ?1"), [name], |r| r.get(0))
                .optional()?,
        };
        Ok(found)
    }

    /// The documents (listing bodies unless `full`) a listing selects, in its order.
    pub fn obj_list_bodies(&self, table: &'static str, q: &ListQuery) -> Result<Vec<String>, DbError> {
        let (clause, args) = q.where_clause();
        let column = if q.full { "body" } else { "COALESCE(pool_body, body)" };
        let order = if q.desc { "DESC" } else { "ASC" };
        let mut sql = format!("SELECT {column} FROM {table}{clause} ORDER BY oid {order}");
        if let Some((offset, size)) = q.page {
            sql.push_str(&format!(" LIMIT {size} OFFSET {offset}"));
        }
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Calls `f` with each selected document, without holding them all in memory.
    pub fn obj_each_body(
        &self,
        table: &'static str,
        q: &ListQuery,
        mut f: impl FnMut(&str) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let (clause, args) = q.where_clause();
        let column = if q.full { "body" } else { "COALESCE(pool_body, body)" };
        let order = if q.desc { "DESC" } else { "ASC" };
        let sql = format!("SELECT {column} FROM {table}{clause} ORDER BY oid {order}");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(args.iter()))?;
        while let Some(row) = rows.next()? {
            let body: String = row.get(0)?;
            f(&body)?;
        }
        Ok(())
    }

    /// Every object of a pool, parsed, by ascending ID.
    pub fn obj_all<T: PoolObject>(&self, table: &'static str) -> Result<Vec<T>, DbError> {
        if !self.touched(table, None)
            && let Some(all) = self.listings.objects::<T>(table)
        {
            return Ok(all);
        }
        self.obj_list_bodies(table, &ListQuery { full: true, ..ListQuery::everything() })?
            .iter()
            .map(|b| T::from_xml(b).map_err(|e| corrupt(table, e)))
            .collect()
    }

    /// The objects with these IDs, parsed.
    pub fn obj_some<T: PoolObject>(&self, table: &'static str, ids: &[i32]) -> Result<Vec<T>, DbError> {
        let q = ListQuery { full: true, ids: Some(ids.to_vec()), ..ListQuery::everything() };
        self.obj_list_bodies(table, &q)?
            .iter()
            .map(|b| T::from_xml(b).map_err(|e| corrupt(table, e)))
            .collect()
    }

    /// How many objects a pool holds in `state` (all when `None`).
    pub fn obj_count(&self, table: &'static str, state: Option<i32>) -> Result<i64, DbError> {
        Ok(match state {
            Some(s) => {
                self.tx
                    .query_row(&format!("SELECT count(*) FROM {table} WHERE state = ?1"), [s], |r| r.get(0))?
            }
            None => self.tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?,
        })
    }

    /// The IDs of the objects of a pool, except those in `not_state`.
    pub fn obj_ids(&self, table: &'static str, not_state: Option<i32>) -> Result<Vec<i32>, DbError> {
        let mut stmt =
            self.tx.prepare_cached(&format!("SELECT oid FROM {table} WHERE state != ?1 ORDER BY oid"))?;
        let rows = stmt.query_map([not_state.unwrap_or(i32::MIN)], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a monitoring record (`host_monitoring` or `vm_monitoring`) and drops those
    /// older than `keep_from`.
    pub fn monitoring_put(
        &self,
        table: &'static str,
        id: i32,
        timestamp: i64,
        body: &str,
        keep_from: i64,
    ) -> Result<(), DbError> {
        let key = if table == "host_monitoring" { "hid" } else { "vid" };
        self.tx
            .prepare_cached(&format!(
                "INSERT OR REPLACE INTO {table} ({key}, timestamp, body) VALUES (?1, ?2, ?3)"
            ))?
            .execute(params![id, timestamp, body])?;
        self.tx
            .prepare_cached(&format!("DELETE FROM {table} WHERE {key} = ?1 AND timestamp < ?2"))?
            .execute(params![id, keep_from])?;
        Ok(())
    }

    /// Monitoring records of one object (`id`), or of all (`None`), newer than `since`,
    /// oldest first.
    pub fn monitoring_list(
        &self,
        table: &'static str,
        id: Option<i32>,
        since: i64,
    ) -> Result<Vec<String>, DbError> {
        let key = if table == "host_monitoring" { "hid" } else { "vid" };
        let (sql, args): (String, Vec<i64>) = match id {
            Some(id) => (
                format!("SELECT body FROM {table} WHERE {key} = ?1 AND timestamp >= ?2 ORDER BY timestamp"),
                vec![i64::from(id), since],
            ),
            None => (
                format!("SELECT body FROM {table} WHERE timestamp >= ?1 ORDER BY {key}, timestamp"),
                vec![since],
            ),
        };
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Drops every monitoring record of an object.
    pub fn monitoring_drop(&self, table: &'static str, id: i32) -> Result<(), DbError> {
        let key = if table == "host_monitoring" { "hid" } else { "vid" };
        self.tx.execute(&format!("DELETE FROM {table} WHERE {key} = ?1"), [id])?;
        Ok(())
    }

    /// The IDs of the objects of a pool in a state.
    pub fn obj_ids_in_state(&self, table: &'static str, state: i32) -> Result<Vec<i32>, DbError> {
        let mut stmt =
            self.tx.prepare_cached(&format!("SELECT oid FROM {table} WHERE state = ?1 ORDER BY oid"))?;
        let rows = stmt.query_map([state], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The IDs of the objects owned by a user or of a group (to refuse deleting them).
    pub fn obj_ids_owned(
        &self,
        table: &'static str,
        uid: Option<i32>,
        gid: Option<i32>,
    ) -> Result<Vec<i32>, DbError> {
        let (sql, arg) = match (uid, gid) {
            (Some(uid), _) => (format!("SELECT oid FROM {table} WHERE uid = ?1"), uid),
            (None, Some(gid)) => (format!("SELECT oid FROM {table} WHERE gid = ?1"), gid),
            (None, None) => return Ok(Vec::new()),
        };
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map([arg], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_clause_for_a_plain_user() {
        let q = ListQuery {
            visibility: Visibility {
                all: false,
                uid: 5,
                groups: vec![1, 100],
                acl_gids: vec![7],
                acl_oids: vec![3],
                acl_cids: vec![0],
            },
            state: Some(3),
            ..ListQuery::everything()
        };
        let (clause, args) = q.where_clause();
        assert_eq!(
            clause,
            " WHERE (uid = ? OR (perms & 4) != 0 OR (gid IN (1,100) AND (perms & 32) != 0) OR gid IN (7) OR oid IN (3) OR cids LIKE '%,0,%') AND state = ?"
        );
        assert_eq!(args, [5, 3]);
        assert_eq!(cids_text(&[0, 100]), ",0,100,");
    }
}
