//! The user pool: `user_pool` rows, group memberships (`user_groups`) and login tokens.

use rusqlite::{OptionalExtension, Row, params};

use one_core::objects::quotas::Quotas;
use one_core::objects::user::{LoginToken, User};
use one_core::template::Template;

use super::{DbError, Tx, corrupt};

/// The pool's name in `pool_control`.
pub const POOL: &str = "user_pool";

const COLUMNS: &str = "oid, name, gid, password, auth_driver, enabled, template, quotas";

impl Tx<'_> {
    fn user_from_row(&self, row: &Row<'_>) -> rusqlite::Result<(User, String, String)> {
        let user = User {
            id: row.get(0)?,
            name: row.get(1)?,
            gid: row.get(2)?,
            password: row.get(3)?,
            auth_driver: row.get(4)?,
            enabled: row.get::<_, i64>(5)? != 0,
            groups: Vec::new(),
            gname: String::new(),
            login_tokens: Vec::new(),
            template: Template::new(),
            quotas: Quotas::new(),
        };
        Ok((user, row.get(6)?, row.get(7)?))
    }

    /// Completes a user read from its row: template, quotas, groups, group name, tokens.
    fn user_complete(&self, (mut user, template, quotas): (User, String, String)) -> Result<User, DbError> {
        user.template = Template::parse_text(&template).map_err(|e| corrupt("user_pool", e))?;
        let quotas = Template::parse_text(&quotas).map_err(|e| corrupt("user_pool", e))?;
        user.quotas = Quotas::from_template(&quotas).map_err(|e| corrupt("user_pool", e))?;
        let mut stmt = self.tx.prepare_cached("SELECT gid FROM user_groups WHERE uid = ?1 ORDER BY gid")?;
        user.groups = stmt.query_map([user.id], |r| r.get(0))?.collect::<Result<_, _>>()?;
        user.gname = self.group_name(user.gid)?.unwrap_or_default();
        let mut stmt = self.tx.prepare_cached(
            "SELECT token, expiration, egid FROM login_tokens WHERE uid = ?1 ORDER BY token",
        )?;
        user.login_tokens = stmt
            .query_map([user.id], |r| {
                Ok(LoginToken { token: r.get(0)?, expiration_time: r.get(1)?, egid: r.get(2)? })
            })?
            .collect::<Result<_, _>>()?;
        Ok(user)
    }

    /// The user with this ID.
    pub fn user_fetch(&self, id: i32) -> Result<Option<User>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM user_pool WHERE oid = ?1");
        let raw = self.tx.prepare_cached(&sql)?.query_row([id], |r| self.user_from_row(r)).optional()?;
        raw.map(|raw| self.user_complete(raw)).transpose()
    }

    /// The user with this name.
    pub fn user_by_name(&self, name: &str) -> Result<Option<User>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM user_pool WHERE name = ?1");
        let raw = self.tx.prepare_cached(&sql)?.query_row([name], |r| self.user_from_row(r)).optional()?;
        raw.map(|raw| self.user_complete(raw)).transpose()
    }

    /// The ID of the user with this name.
    pub fn user_id_by_name(&self, name: &str) -> Result<Option<i32>, DbError> {
        Ok(self.tx.query_row("SELECT oid FROM user_pool WHERE name = ?1", [name], |r| r.get(0)).optional()?)
    }

    /// Every user, by ascending ID.
    pub fn user_list(&self) -> Result<Vec<User>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM user_pool ORDER BY oid");
        let mut stmt = self.tx.prepare(&sql)?;
        let raws = stmt.query_map([], |r| self.user_from_row(r))?.collect::<Result<Vec<_>, _>>()?;
        raws.into_iter().map(|raw| self.user_complete(raw)).collect()
    }

    /// Stores a user (new or changed): its row, its groups and its tokens.
    pub fn user_save(&self, user: &User) -> Result<(), DbError> {
        self.tx.execute(
            &format!(
                "INSERT INTO user_pool ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (oid) DO UPDATE SET name = excluded.name, gid = excluded.gid,
                 password = excluded.password, auth_driver = excluded.auth_driver,
                 enabled = excluded.enabled, template = excluded.template, quotas = excluded.quotas"
            ),
            params![
                user.id,
                user.name,
                user.gid,
                user.password,
                user.auth_driver,
                i64::from(user.enabled),
                user.template.to_text(),
                user.quotas.to_template().to_text()
            ],
        )?;
        self.tx.execute("DELETE FROM user_groups WHERE uid = ?1", [user.id])?;
        for gid in &user.groups {
            self.tx
                .execute("INSERT OR IGNORE INTO user_groups (uid, gid) VALUES (?1, ?2)", [user.id, *gid])?;
        }
        self.tx.execute("DELETE FROM login_tokens WHERE uid = ?1", [user.id])?;
        for t in &user.login_tokens {
            self.tx.execute(
                "INSERT OR REPLACE INTO login_tokens (uid, token, expiration, egid) VALUES (?1, ?2, ?3, ?4)",
                params![user.id, t.token, t.expiration_time, t.egid],
            )?;
        }
        Ok(())
    }

    /// Removes a user with its memberships, tokens and group-admin roles.
    pub fn user_delete(&self, id: i32) -> Result<(), DbError> {
        self.tx.execute("DELETE FROM user_pool WHERE oid = ?1", [id])?;
        self.tx.execute("DELETE FROM user_groups WHERE uid = ?1", [id])?;
        self.tx.execute("DELETE FROM login_tokens WHERE uid = ?1", [id])?;
        self.tx.execute("DELETE FROM group_admins WHERE uid = ?1", [id])?;
        Ok(())
    }
}
