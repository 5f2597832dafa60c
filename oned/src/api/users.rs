//! The user manager: `one.user.{allocate, delete, info, update, passwd, chauth, enable, login}`
//! and `one.userpool.info`. Group membership lives in `membership`, quotas in `quotas`.

use one_core::acl::{INDIVIDUAL_ID, ObjectType, Operation};
use one_core::objects::quotas::Quotas;
use one_core::objects::user::{LoginToken, User, user_pool_xml};
use one_core::template::Template;

use super::authn::{CORE, random_hex, sha256_hex};
use super::authz::{ObjAuth, allowed, authorize, rules};
use super::{
    ApiError, ApiResult, Caller, Ctx, Object, action, api, check_name, internal, now, updated_template,
};
use crate::config::ListOrder;
use crate::db::{Tx, pools};

/// Template attributes only administrators may change on users (`USER_RESTRICTED_ATTR`).
pub const RESTRICTED: &[&str] = &["VM_USE_OPERATIONS", "VM_MANAGE_OPERATIONS", "VM_ADMIN_OPERATIONS"];

/// How oned treats an authentication driver (OpenNebula's `AUTH_MAD_CONF`).
#[derive(Debug, Clone, Copy)]
pub struct DriverConf {
    /// Driver name.
    pub name: &'static str,
    /// Users may change their own password.
    pub password_change: bool,
    /// A password is required to create a user.
    pub password_required: bool,
    /// Longest password accepted.
    pub max_password: Option<usize>,
    /// Longest login-token lifetime in seconds (-1: no bound).
    pub max_token_time: i64,
    /// Group membership is managed by the driver.
    pub managed_groups: bool,
}

/// The drivers OpenNebula configures by default. Only `core` authenticates in this oned.
pub const DRIVERS: &[DriverConf] = &[
    DriverConf {
        name: "core",
        password_change: true,
        password_required: true,
        max_password: Some(256),
        max_token_time: -1,
        managed_groups: false,
    },
    DriverConf {
        name: "public",
        password_change: false,
        password_required: true,
        max_password: None,
        max_token_time: -1,
        managed_groups: false,
    },
    DriverConf {
        name: "ssh",
        password_change: true,
        password_required: true,
        max_password: Some(16384),
        max_token_time: -1,
        managed_groups: false,
    },
    DriverConf {
        name: "x509",
        password_change: false,
        password_required: true,
        max_password: Some(65536),
        max_token_time: -1,
        managed_groups: false,
    },
    DriverConf {
        name: "ldap",
        password_change: true,
        password_required: false,
        max_password: Some(256),
        max_token_time: 86400,
        managed_groups: true,
    },
    DriverConf {
        name: "saml",
        password_change: true,
        password_required: false,
        max_password: Some(12288),
        max_token_time: 86400,
        managed_groups: true,
    },
    DriverConf {
        name: "server_cipher",
        password_change: false,
        password_required: true,
        max_password: Some(4096),
        max_token_time: -1,
        managed_groups: false,
    },
    DriverConf {
        name: "server_x509",
        password_change: false,
        password_required: true,
        max_password: Some(65536),
        max_token_time: -1,
        managed_groups: false,
    },
];

/// The configuration of a driver; unknown drivers get the most conservative one.
pub fn driver_conf(name: &str) -> DriverConf {
    DRIVERS.iter().copied().find(|d| d.name == name).unwrap_or(DriverConf {
        name: "",
        password_change: false,
        password_required: true,
        max_password: None,
        max_token_time: -1,
        managed_groups: false,
    })
}

/// Checks a password for a driver (message without a final period).
pub fn check_password(password: &str, driver: &str) -> Result<(), String> {
    let conf = driver_conf(driver);
    if password.is_empty() {
        return if conf.password_required {
            Err("Invalid password, it cannot be empty".to_owned())
        } else {
            Ok(())
        };
    }
    if let Some(max) = conf.max_password
        && password.len() > max
    {
        return Err(format!(
            "Password is longer than max allowed length. Max allowed length for the driver {driver} : {max} bytes"
        ));
    }
    if let Some(c) = password.chars().find(|c| " \t\n\u{b}\u{c}\r".contains(*c)) {
        return Err(format!("Invalid password, character '{c}' is not allowed"));
    }
    Ok(())
}

/// The password as stored: sha256 hex for `core`, verbatim for other drivers.
pub fn stored_password(password: &str, driver: &str) -> String {
    if driver == CORE { sha256_hex(password) } else { password.to_owned() }
}

/// The user, or NO_EXISTS.
pub fn fetch(tx: &Tx<'_>, id: i32) -> ApiResult<User> {
    tx.user_fetch(id)?.ok_or(ApiError::NoExists { object: Object::User, id })
}

/// The default user quotas.
pub fn default_quotas(tx: &Tx<'_>) -> ApiResult<Quotas> {
    super::quotas::stored_defaults(tx, super::quotas::DEFAULT_USER_QUOTAS)
}

/// `one.user.allocate`: a new user in the given groups (the first is the primary group; none
/// means `users`, or the caller's group when the caller is not in `oneadmin`).
pub fn allocate(
    ctx: &Ctx,
    caller: &Caller,
    name: &str,
    password: &str,
    driver: &str,
    groups: &[i32],
) -> ApiResult<i32> {
    let driver = if driver.is_empty() { CORE } else { driver };
    ctx.db.write(|tx| {
        let mut checks = vec![(Operation::Create, ObjAuth::create(ObjectType::User, caller))];
        for gid in groups.iter().filter(|g| **g != caller.gid) {
            let group = super::groups::fetch(tx, *gid)?;
            checks.push((Operation::Manage, ObjAuth::group(&group)));
        }
        let items: Vec<_> = checks.iter().map(|(op, o)| (*op, o)).collect();
        authorize(tx, caller, Object::User, &items)?;

        check_password(password, driver).map_err(|e| internal(format!("{e}."), -1))?;
        check_name(name, " ").map_err(|e| internal(format!("{e}."), -1))?;
        if let Some(id) = tx.user_id_by_name(name)? {
            return Err(internal(format!("NAME is already taken by USER {id}."), -1));
        }
        let mut member_of: Vec<i32> = groups.to_vec();
        if member_of.is_empty() {
            member_of.push(if caller.gid == 0 { 1 } else { caller.gid });
        }
        let primary = member_of[0];
        if tx.group_name(primary)?.is_none() {
            return Err(internal("The array of groups needs to have at least a valid Group ID.", -1));
        }
        let missing: Vec<String> = member_of
            .iter()
            .filter_map(|g| match tx.group_name(*g) {
                Ok(Some(_)) => None,
                _ => Some(g.to_string()),
            })
            .collect();
        if !missing.is_empty() {
            return Err(internal(
                format!("One or more of the groups {} do not exist.", missing.join(",")),
                -1,
            ));
        }
        member_of.sort_unstable();
        member_of.dedup();
        let id = tx.next_oid(pools::USER)?;
        let user = new_user(id, name, &stored_password(password, driver), driver, primary, member_of);
        tx.user_save(&user)?;
        Ok(id)
    })
}

/// A user record as created by allocate and at bootstrap.
pub fn new_user(id: i32, name: &str, password: &str, driver: &str, gid: i32, groups: Vec<i32>) -> User {
    let mut template = Template::new();
    template.set("TOKEN_PASSWORD", random_hex());
    User {
        id,
        gid,
        groups,
        gname: String::new(),
        name: name.to_owned(),
        password: password.to_owned(),
        auth_driver: driver.to_owned(),
        enabled: true,
        login_tokens: Vec::new(),
        template,
        quotas: Quotas::new(),
    }
}

/// `one.user.delete`: removes the user, its memberships and the ACL rules that name it.
pub fn delete(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let user = fetch(tx, id)?;
        authorize(tx, caller, Object::User, &[(Operation::Admin, &ObjAuth::user(&user))])?;
        if id == 0 {
            return Err(action("Cannot delete user. oneadmin cannot be deleted.", id));
        }
        for gid in &user.groups {
            super::membership::drop_admin(tx, *gid, id)?;
        }
        tx.user_delete(id)?;
        tx.acl_delete_by_user(INDIVIDUAL_ID | id as u32 as u64)?;
        tx.acl_delete_by_resource(INDIVIDUAL_ID | id as u32 as u64, ObjectType::User.bit())?;
        Ok(id)
    })
}

/// `one.user.info`: the USER document (`-1` is the caller).
pub fn info(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<String> {
    let id = if id == -1 { caller.uid } else { id };
    ctx.db.read(|tx| {
        let user = visible_tokens(fetch(tx, id)?);
        authorize(tx, caller, Object::User, &[(Operation::Use, &ObjAuth::user(&user))])?;
        Ok(user.to_xml(&default_quotas(tx)?))
    })
}

/// Drops expired tokens from what is shown.
fn visible_tokens(mut user: User) -> User {
    let now = now();
    user.login_tokens.retain(|t| t.expiration_time == -1 || t.expiration_time > now);
    user
}

/// `one.userpool.info`: every user the caller may use.
pub fn pool_info(ctx: &Ctx, caller: &Caller) -> ApiResult<String> {
    ctx.db.read(|tx| {
        let rules = rules(tx)?;
        let mut users: Vec<User> = tx
            .user_list()?
            .into_iter()
            .filter(|u| allowed(&rules, caller, Operation::Use, &ObjAuth::user(u)))
            .map(visible_tokens)
            .collect();
        if ctx.config.api_list_order == ListOrder::Desc {
            users.reverse();
        }
        Ok(user_pool_xml(&users, &default_quotas(tx)?))
    })
}

/// `one.user.update`: replaces (type 0) or merges (type 1) the user's template.
pub fn update(ctx: &Ctx, caller: &Caller, id: i32, text: &str, kind: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut user = fetch(tx, id)?;
        authorize(tx, caller, Object::User, &[(Operation::Manage, &ObjAuth::user(&user))])?;
        user.template = updated_template(&user.template, text, kind, RESTRICTED, caller, id)?;
        tx.user_save(&user)?;
        Ok(id)
    })
}

/// `one.user.passwd`: sets a new password and revokes every login token.
pub fn passwd(ctx: &Ctx, caller: &Caller, id: i32, password: &str) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut user = fetch(tx, id)?;
        authorize(tx, caller, Object::User, &[(Operation::Manage, &ObjAuth::user(&user))])?;
        if !caller.is_admin() && !driver_conf(&user.auth_driver).password_change {
            return Err(action(format!("Password for driver {} cannot be changed.", user.auth_driver), id));
        }
        check_password(password, &user.auth_driver).map_err(|e| action(e, id))?;
        user.password = stored_password(password, &user.auth_driver);
        user.login_tokens.clear();
        tx.user_save(&user)?;
        Ok(id)
    })
}

/// `one.user.chauth`: changes the authentication driver (and the password, when given).
pub fn chauth(ctx: &Ctx, caller: &Caller, id: i32, driver: &str, password: &str) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut user = fetch(tx, id)?;
        authorize(tx, caller, Object::User, &[(Operation::Admin, &ObjAuth::user(&user))])?;
        if !password.is_empty() {
            check_password(password, driver).map_err(|e| action(e, id))?;
            user.password = stored_password(password, driver);
            user.login_tokens.clear();
        }
        user.auth_driver = driver.to_owned();
        tx.user_save(&user)?;
        Ok(id)
    })
}

/// `one.user.enable`: enables or disables the user; disabling revokes its login tokens.
pub fn enable(ctx: &Ctx, caller: &Caller, id: i32, enable: bool) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut user = fetch(tx, id)?;
        authorize(tx, caller, Object::User, &[(Operation::Admin, &ObjAuth::user(&user))])?;
        if id == 0 {
            return Err(action("Cannot enable/disable oneadmin user", id));
        }
        if user.enabled != enable {
            user.enabled = enable;
            if !enable {
                user.login_tokens.clear();
            }
            tx.user_save(&user)?;
        }
        Ok(id)
    })
}

/// The most login tokens a user may hold.
pub const MAX_TOKENS: usize = 10;

/// `one.user.login`: creates a login token (generated when `token` is empty) valid for
/// `valid` seconds (-1: no expiry), optionally bound to group `egid`; `valid` 0 revokes
/// `token` (or every token when it is empty). Returns the token.
pub fn login(
    ctx: &Ctx,
    caller: &Caller,
    name: &str,
    token: &str,
    valid: i32,
    egid: i32,
) -> ApiResult<String> {
    ctx.db.write(|tx| {
        let id = tx.user_id_by_name(name)?.ok_or(ApiError::NoExists { object: Object::User, id: -1 })?;
        let mut user = fetch(tx, id)?;
        authorize(tx, caller, Object::User, &[(Operation::Manage, &ObjAuth::user(&user))])?;
        let conf = driver_conf(&user.auth_driver);
        let mut max = conf.max_token_time;
        if ctx.config.max_token_seconds >= 0 && (max < 0 || ctx.config.max_token_seconds < max) {
            max = ctx.config.max_token_seconds;
        }
        if max == 0 {
            user.login_tokens.clear();
            tx.user_save(&user)?;
            return Err(action(format!("Login tokens are disabled for driver {}", user.auth_driver), id));
        }
        let mut valid = i64::from(valid);
        if max > 0 && (valid > max || valid == -1) {
            valid = max;
        }
        let now = now();
        if valid == 0 {
            if token.is_empty() {
                user.login_tokens.clear();
            } else {
                let before = user.login_tokens.len();
                user.login_tokens.retain(|t| t.token != token);
                if user.login_tokens.len() == before {
                    return Err(api(format!("Could not find token: {token}"), id));
                }
            }
            tx.user_save(&user)?;
            return Ok(token.to_owned());
        }
        if valid < -1 {
            return Err(api("Wrong valid period for token", id));
        }
        if egid != -1 {
            if !user.groups.contains(&egid) || (!caller.is_admin() && !caller.groups.contains(&egid)) {
                return Err(api("EGID is not in user group list", id));
            }
        } else if caller.uid == user.id && caller.groups != user.groups {
            return Err(api("Cannot create a full token with a specific group token", id));
        }
        user.login_tokens.retain(|t| t.expiration_time == -1 || t.expiration_time > now);
        if user.login_tokens.len() >= MAX_TOKENS {
            return Err(api("Max number of tokens limit reached.", id));
        }
        let token = if token.is_empty() { random_hex() } else { token.to_owned() };
        if !user.login_tokens.iter().any(|t| t.token == token) {
            let expiration_time = if valid == -1 { -1 } else { now + valid };
            user.login_tokens.push(LoginToken { token: token.clone(), expiration_time, egid });
        }
        tx.user_save(&user)?;
        Ok(token)
    })
}
