//! USER and USER_POOL documents (`one.user.info`, `one.userpool.info`), in OpenNebula's element
//! order, and reading them back.

use super::{ObjectError, ids_from_node, required, required_num};
use crate::objects::quotas::Quotas;
use crate::template::Template;
use crate::xml::{Node, XmlWriter};

/// A login token (`one.user.login`), usable in place of the password until it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginToken {
    /// The token itself.
    pub token: String,
    /// Expiry, seconds since the epoch.
    pub expiration_time: i64,
    /// The group the token is bound to, or -1.
    pub egid: i32,
}

/// A user.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// ID.
    pub id: i32,
    /// Primary group.
    pub gid: i32,
    /// All groups, the primary one included, ascending.
    pub groups: Vec<i32>,
    /// The primary group's name.
    pub gname: String,
    /// Name.
    pub name: String,
    /// The stored password (sha256 hex for the `core` driver).
    pub password: String,
    /// Authentication driver (`core`, `server_cipher`, `public`, ...).
    pub auth_driver: String,
    /// Whether the user may log in.
    pub enabled: bool,
    /// Active login tokens.
    pub login_tokens: Vec<LoginToken>,
    /// The user's template.
    pub template: Template,
    /// The user's quotas.
    pub quotas: Quotas,
}

impl User {
    fn write_common(&self, w: &mut XmlWriter) {
        w.num("ID", self.id).num("GID", self.gid).open("GROUPS");
        for g in &self.groups {
            w.num("ID", g);
        }
        w.close("GROUPS").text("GNAME", &self.gname).text("NAME", &self.name);
        w.cdata("PASSWORD", &self.password).cdata("AUTH_DRIVER", &self.auth_driver);
        w.num("ENABLED", u8::from(self.enabled));
        for t in &self.login_tokens {
            w.open("LOGIN_TOKEN").text("TOKEN", &t.token).num("EXPIRATION_TIME", t.expiration_time);
            w.num("EGID", t.egid).close("LOGIN_TOKEN");
        }
        self.template.write_xml(w, "TEMPLATE");
    }

    /// The `<USER>` document of `one.user.info`, with quotas and the default quotas.
    pub fn to_xml(&self, default_quotas: &Quotas) -> String {
        let mut w = XmlWriter::new();
        w.open("USER");
        self.write_common(&mut w);
        self.quotas.write_xml(&mut w);
        w.open("DEFAULT_USER_QUOTAS");
        default_quotas.write_xml(&mut w);
        w.close("DEFAULT_USER_QUOTAS").close("USER");
        w.finish()
    }

    /// Reads a `<USER>` element (of `one.user.info` or of a pool).
    pub fn from_node(node: &Node) -> Result<User, ObjectError> {
        let tokens = node
            .children_named("LOGIN_TOKEN")
            .map(|t| {
                Ok(LoginToken {
                    token: required(t, "TOKEN")?.to_owned(),
                    expiration_time: required_num(t, "EXPIRATION_TIME")?,
                    egid: required_num(t, "EGID")?,
                })
            })
            .collect::<Result<_, ObjectError>>()?;
        Ok(User {
            id: required_num(node, "ID")?,
            gid: required_num(node, "GID")?,
            groups: node.child("GROUPS").map(ids_from_node).transpose()?.unwrap_or_default(),
            gname: required(node, "GNAME")?.to_owned(),
            name: required(node, "NAME")?.to_owned(),
            password: required(node, "PASSWORD")?.to_owned(),
            auth_driver: required(node, "AUTH_DRIVER")?.to_owned(),
            enabled: required_num::<i32>(node, "ENABLED")? == 1,
            login_tokens: tokens,
            template: super::template_from_node(node.child("TEMPLATE"))?,
            quotas: Quotas::from_node(node),
        })
    }
}

/// Renders `<USER_POOL>`: each user followed by its `<QUOTAS>`, then the default quotas.
pub fn user_pool_xml<'a>(users: impl IntoIterator<Item = &'a User>, default_quotas: &Quotas) -> String {
    let mut w = XmlWriter::new();
    w.open("USER_POOL");
    for u in users {
        w.open("USER");
        u.write_common(&mut w);
        w.close("USER").open("QUOTAS").num("ID", u.id);
        u.quotas.write_xml(&mut w);
        w.close("QUOTAS");
    }
    w.open("DEFAULT_USER_QUOTAS");
    default_quotas.write_xml(&mut w);
    w.close("DEFAULT_USER_QUOTAS").close("USER_POOL");
    w.finish()
}

/// Reads `<USER_POOL>`: the users with their quotas attached.
pub fn users_from_pool(node: &Node) -> Result<Vec<User>, ObjectError> {
    let mut users = node.children_named("USER").map(User::from_node).collect::<Result<Vec<_>, _>>()?;
    for q in node.children_named("QUOTAS") {
        let id: i32 = required_num(q, "ID")?;
        if let Some(u) = users.iter_mut().find(|u| u.id == id) {
            u.quotas = Quotas::from_node(q);
        }
    }
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn oneadmin() -> User {
        let mut template = Template::new();
        template.set("TOKEN_PASSWORD", "da5ae8d0d927f2ca9d220d2e12871ad878bde3c189c7ad60ab86224f667f1de6");
        User {
            id: 0,
            gid: 0,
            groups: vec![0],
            gname: "oneadmin".into(),
            name: "oneadmin".into(),
            password: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8".into(),
            auth_driver: "core".into(),
            enabled: true,
            login_tokens: vec![],
            template,
            quotas: Quotas::new(),
        }
    }

    #[test]
    fn user_xml_matches_opennebula_byte_for_byte() {
        let real = include_str!("../../golden/user.xml").trim_end();
        assert_eq!(oneadmin().to_xml(&Quotas::new()), real);
    }

    #[test]
    fn user_pool_xml_matches_opennebula_byte_for_byte() {
        let real = include_str!("../../golden/userpool.xml").trim_end();
        let mut serveradmin = oneadmin();
        serveradmin.id = 1;
        serveradmin.name = "serveradmin".into();
        serveradmin.password = "866f38883aa58bddb87c5f197f17154f858c2aa280e59d90c597889615862895".into();
        serveradmin.auth_driver = "server_cipher".into();
        serveradmin
            .template
            .set("TOKEN_PASSWORD", "cb55c1d950d37950a5eaa7f8e738996eaa68e44806ed06b00af7ae6881a436bd");
        assert_eq!(user_pool_xml([&serveradmin, &oneadmin()], &Quotas::new()), real);
    }

    #[test]
    fn user_xml_reads_back() {
        let mut u = oneadmin();
        u.login_tokens.push(LoginToken { token: "abc".into(), expiration_time: 1_800_000_000, egid: -1 });
        u.quotas.apply(&Template::parse("VM=[VMS=4]").unwrap()).unwrap();
        let back = User::from_node(&crate::xml::parse(&u.to_xml(&Quotas::new())).unwrap()).unwrap();
        assert_eq!(back, u);
        let pool = user_pool_xml([&u], &Quotas::new());
        assert_eq!(users_from_pool(&crate::xml::parse(&pool).unwrap()).unwrap(), vec![u]);
    }
}
