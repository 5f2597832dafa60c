//! The ACL rule table.

use rusqlite::{OptionalExtension, params};

use one_core::acl::Rule;
use one_core::objects::acl_pool::AclEntry;

use super::{DbError, Tx};

/// The pool's name in `pool_control`.
pub const POOL: &str = "acl";

/// Rules are 64-bit unsigned numbers; SQLite stores them as signed integers of the same bits.
fn to_sql(v: u64) -> i64 {
    v as i64
}

fn from_sql(v: i64) -> u64 {
    v as u64
}

impl Tx<'_> {
    /// Every rule, in OpenNebula's order: by user field, then by ID.
    pub fn acl_list(&self) -> Result<Vec<AclEntry>, DbError> {
        let mut stmt =
            self.tx.prepare_cached("SELECT oid, user, resource, rights, zone FROM acl ORDER BY user, oid")?;
        let rows = stmt.query_map([], |r| {
            Ok(AclEntry {
                id: r.get(0)?,
                rule: Rule {
                    user: from_sql(r.get(1)?),
                    resource: from_sql(r.get(2)?),
                    rights: from_sql(r.get(3)?),
                    zone: from_sql(r.get(4)?),
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The ID of an identical rule, if one exists.
    pub fn acl_find(&self, rule: &Rule) -> Result<Option<i32>, DbError> {
        Ok(self
            .tx
            .query_row(
                "SELECT oid FROM acl WHERE user = ?1 AND resource = ?2 AND rights = ?3 AND zone = ?4",
                params![to_sql(rule.user), to_sql(rule.resource), to_sql(rule.rights), to_sql(rule.zone)],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Stores a rule under `id`.
    pub fn acl_insert(&self, id: i32, rule: &Rule) -> Result<(), DbError> {
        self.tx.execute(
            "INSERT INTO acl (oid, user, resource, rights, zone) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, to_sql(rule.user), to_sql(rule.resource), to_sql(rule.rights), to_sql(rule.zone)],
        )?;
        Ok(())
    }

    /// Removes a rule; false when there was none.
    pub fn acl_delete(&self, id: i32) -> Result<bool, DbError> {
        Ok(self.tx.execute("DELETE FROM acl WHERE oid = ?1", [id])? > 0)
    }

    /// Removes every rule that applies to `user` (an encoded `#uid` or `@gid`).
    pub fn acl_delete_by_user(&self, user: u64) -> Result<usize, DbError> {
        Ok(self.tx.execute("DELETE FROM acl WHERE user = ?1", [to_sql(user)])?)
    }

    /// Removes every rule whose resource ID part is `id_part` (an encoded `#oid` or `@gid`)
    /// and whose types include any of `type_bits`.
    pub fn acl_delete_by_resource(&self, id_part: u64, type_bits: u64) -> Result<usize, DbError> {
        let id_part_mask: u64 = 0x0000_000F_FFFF_FFFF;
        Ok(self.tx.execute(
            "DELETE FROM acl WHERE (resource & ?1) = ?2 AND (resource & ?3) != 0",
            params![to_sql(id_part_mask), to_sql(id_part), to_sql(type_bits)],
        )?)
    }
}
