//! The group pool: `group_pool` rows and group administrators (`group_admins`); members are
//! read from the users' memberships.

use rusqlite::{OptionalExtension, params};

use one_core::objects::group::Group;
use one_core::objects::quotas::Quotas;
use one_core::template::Template;

use super::{DbError, Tx, corrupt};

/// The pool's name in `pool_control`.
pub const POOL: &str = "group_pool";

impl Tx<'_> {
    fn group_complete(&self, id: i32, name: String, template: &str, quotas: &str) -> Result<Group, DbError> {
        let template = Template::parse_text(template).map_err(|e| corrupt("group_pool", e))?;
        let quotas = Template::parse_text(quotas).map_err(|e| corrupt("group_pool", e))?;
        let quotas = Quotas::from_template(&quotas).map_err(|e| corrupt("group_pool", e))?;
        let mut stmt = self.tx.prepare_cached("SELECT uid FROM user_groups WHERE gid = ?1 ORDER BY uid")?;
        let users = stmt.query_map([id], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let mut stmt = self.tx.prepare_cached("SELECT uid FROM group_admins WHERE gid = ?1 ORDER BY uid")?;
        let admins = stmt.query_map([id], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(Group { id, name, template, users, admins, quotas })
    }

    /// The group with this ID.
    pub fn group_fetch(&self, id: i32) -> Result<Option<Group>, DbError> {
        let row = self
            .tx
            .query_row("SELECT name, template, quotas FROM group_pool WHERE oid = ?1", [id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })
            .optional()?;
        row.map(|(name, t, q)| self.group_complete(id, name, &t, &q)).transpose()
    }

    /// The name of the group with this ID.
    pub fn group_name(&self, id: i32) -> Result<Option<String>, DbError> {
        let mut stmt = self.tx.prepare_cached("SELECT name FROM group_pool WHERE oid = ?1")?;
        Ok(stmt.query_row([id], |r| r.get(0)).optional()?)
    }

    /// The ID of the group with this name.
    pub fn group_id_by_name(&self, name: &str) -> Result<Option<i32>, DbError> {
        Ok(self
            .tx
            .query_row("SELECT oid FROM group_pool WHERE name = ?1", [name], |r| r.get(0))
            .optional()?)
    }

    /// Every group, by ascending ID.
    pub fn group_list(&self) -> Result<Vec<Group>, DbError> {
        let mut stmt = self.tx.prepare("SELECT oid, name, template, quotas FROM group_pool ORDER BY oid")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)))?
            .collect::<Result<Vec<(i32, String, String, String)>, _>>()?;
        rows.into_iter().map(|(id, name, t, q)| self.group_complete(id, name, &t, &q)).collect()
    }

    /// Stores a group (new or changed) and its administrators. Members are not written here:
    /// they belong to the users.
    pub fn group_save(&self, group: &Group) -> Result<(), DbError> {
        self.tx.execute(
            "INSERT INTO group_pool (oid, name, template, quotas) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (oid) DO UPDATE SET name = excluded.name, template = excluded.template,
             quotas = excluded.quotas",
            params![group.id, group.name, group.template.to_text(), group.quotas.to_template().to_text()],
        )?;
        self.tx.execute("DELETE FROM group_admins WHERE gid = ?1", [group.id])?;
        for uid in &group.admins {
            self.tx
                .execute("INSERT OR IGNORE INTO group_admins (gid, uid) VALUES (?1, ?2)", [group.id, *uid])?;
        }
        Ok(())
    }

    /// Removes a group and its administrator list.
    pub fn group_delete(&self, id: i32) -> Result<(), DbError> {
        self.tx.execute("DELETE FROM group_pool WHERE oid = ?1", [id])?;
        self.tx.execute("DELETE FROM group_admins WHERE gid = ?1", [id])?;
        Ok(())
    }
}
