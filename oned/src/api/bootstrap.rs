//! First start: the objects OpenNebula creates in an empty database — groups `oneadmin` (0)
//! and `users` (1, new groups start at 100), users `oneadmin` (0, credentials given by the
//! operator) and `serveradmin` (1, random password written to `<data_dir>/.one/*_auth`), the
//! default ACL rules (0–5), the default cluster (0) and datastores `system` (0), `default` (1)
//! and `files` (2).

use one_core::acl::Rule;
use one_core::objects::group::Group;
use one_core::objects::quotas::Quotas;
use one_core::template::Template;

use super::authn::{CORE, SERVER_CIPHER, random_hex, sha256_hex};
use super::datastores::mad_confs;
use super::groups::{FIRST_USER_GROUP, create as create_group};
use super::membership::add_rule_once;
use super::users::new_user;
use super::{ApiResult, Ctx};
use crate::db::{pools, tables};
use one_core::objects::cluster::Cluster;
use one_core::objects::datastore::Datastore;

/// The default rules: members of `users` may create their own objects; everyone may use
/// zones and marketplaces.
const DEFAULT_RULES: [&str; 3] = [
    "@1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *",
    "* ZONE/* USE *",
    "* MARKETPLACE+MARKETPLACEAPP/* USE *",
];

/// Template of the `users` group, as OpenNebula ships it.
const USERS_TEMPLATE: &str = r#"SUNSTONE = [ DEFAULT_VIEW = "cloud", GROUP_ADMIN_DEFAULT_VIEW = "groupadmin", GROUP_ADMIN_VIEWS = "groupadmin,cloud", VIEWS = "cloud" ]"#;

/// What bootstrap created, for the caller to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrapped {
    /// The serveradmin password (to write into the server auth files).
    pub serveradmin_password: String,
}

/// Creates the initial objects if the database is empty; `None` when it was not.
pub fn bootstrap(ctx: &Ctx, admin_name: &str, admin_password: &str) -> ApiResult<Option<Bootstrapped>> {
    ctx.db.write(|tx| {
        if !tx.is_empty()? {
            return Ok(None);
        }
        // oneadmin's group needs no rules: its members are administrators.
        tx.group_save(&Group {
            id: 0,
            name: "oneadmin".to_owned(),
            template: Template::new(),
            users: vec![],
            admins: vec![],
            quotas: Quotas::new(),
        })?;
        let users_template = match Template::parse_text(USERS_TEMPLATE) {
            Ok(t) => t,
            Err(e) => unreachable!("the users group template parses: {e}"),
        };
        // Rules 0-2 come first, then group 1's default-VDC rules (3-5), as in OpenNebula.
        for text in DEFAULT_RULES {
            match Rule::parse(text) {
                Ok(rule) => add_rule_once(tx, &rule)?,
                Err(e) => unreachable!("default rule {text} parses: {e}"),
            }
        }
        create_group(tx, 1, "users", users_template)?;
        tx.set_last_oid(pools::GROUP, FIRST_USER_GROUP - 1)?;

        let oneadmin = new_user(0, admin_name, &sha256_hex(admin_password), CORE, 0, vec![0]);
        tx.user_save(&oneadmin)?;
        // As in OpenNebula: the auth files hold a random password, the user its sha256.
        let serveradmin_password = random_hex();
        let serveradmin =
            new_user(1, "serveradmin", &sha256_hex(&serveradmin_password), SERVER_CIPHER, 0, vec![0]);
        tx.user_save(&serveradmin)?;
        tx.set_last_oid(pools::USER, 1)?;

        // The default cluster with the three default datastores.
        tx.obj_put(tables::CLUSTER, &Cluster::bootstrap())?;
        tx.set_last_oid(tables::CLUSTER, 99)?;
        let location = ctx.config.datastore_location().display().to_string();
        let datastores = Datastore::bootstrap(
            &location,
            &ctx.config.default_ds_mad,
            &ctx.config.default_tm_mad,
            &mad_confs(),
        )
        .map_err(|e| super::internal(format!("default datastores: {e}"), -1))?;
        for ds in &datastores {
            tx.obj_put(tables::DATASTORE, ds)?;
        }
        tx.set_last_oid(tables::DATASTORE, 99)?;
        Ok(Some(Bootstrapped { serveradmin_password }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::db::Db;

    #[test]
    fn bootstrap_creates_opennebulas_initial_objects_once() {
        let (ctx, _jobs) = Ctx::new(Db::open_in_memory().unwrap(), Config::default());
        let done = bootstrap(&ctx, "oneadmin", "pw").unwrap();
        assert!(done.is_some());
        assert_eq!(bootstrap(&ctx, "oneadmin", "other").unwrap(), None, "second start changes nothing");
        ctx.db
            .write(|tx| -> ApiResult<()> {
                let rules: Vec<(i32, String)> =
                    tx.acl_list()?.iter().map(|e| (e.id, e.rule.to_string())).collect();
                assert_eq!(
                    rules,
                    [
                        (0, DEFAULT_RULES[0].to_owned()),
                        (3, "@1 HOST/* MANAGE #0".to_owned()),
                        (4, "@1 NET/* USE #0".to_owned()),
                        (5, "@1 DATASTORE/* USE #0".to_owned()),
                        (1, DEFAULT_RULES[1].to_owned()),
                        (2, DEFAULT_RULES[2].to_owned()),
                    ]
                );
                let admin = tx.user_fetch(0)?.unwrap();
                assert_eq!((admin.gname.as_str(), admin.password), ("oneadmin", sha256_hex("pw")));
                assert_eq!(tx.group_fetch(0)?.unwrap().users, [0, 1]);
                assert_eq!(tx.next_oid(pools::GROUP)?, 100);
                assert_eq!(tx.next_oid(pools::USER)?, 2);
                assert_eq!(tx.next_oid(pools::ACL)?, 6);
                Ok(())
            })
            .unwrap();
    }
}
