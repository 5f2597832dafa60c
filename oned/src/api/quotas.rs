//! Quota settings: `one.user.quota`, `one.group.quota` and the default quotas
//! (`one.userquota.*`, `one.groupquota.*`). Usage accounting comes with the objects that
//! consume resources.

use one_core::acl::Operation;
use one_core::objects::quotas::Quotas;
use one_core::template::Template;
use one_core::xml::XmlWriter;

use super::authz::{ObjAuth, authorize};
use super::{ApiError, ApiResult, Caller, Ctx, Object, action, parse_template};
use crate::db::Tx;

/// System attribute holding the default user quotas.
pub const DEFAULT_USER_QUOTAS: &str = "DEFAULT_USER_QUOTAS";
/// System attribute holding the default group quotas.
pub const DEFAULT_GROUP_QUOTAS: &str = "DEFAULT_GROUP_QUOTAS";

/// Reads stored default quotas (none set: empty).
pub fn stored_defaults(tx: &Tx<'_>, name: &str) -> ApiResult<Quotas> {
    let Some(text) = tx.system_attribute(name)? else { return Ok(Quotas::new()) };
    let corrupt = |e: String| super::internal(format!("stored {name} are not valid: {e}"), -1);
    let template = Template::parse_text(&text).map_err(|e| corrupt(e.to_string()))?;
    Quotas::from_template(&template).map_err(|e| corrupt(e.to_string()))
}

fn quota_template(text: &str, id: i32) -> ApiResult<Template> {
    parse_template(text).map_err(|e| action(e, id))
}

/// `one.user.quota`: sets limits of a user.
pub fn user_quota(ctx: &Ctx, caller: &Caller, id: i32, text: &str) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut user = super::users::fetch(tx, id)?;
        authorize(tx, caller, Object::User, &[(Operation::Admin, &ObjAuth::user(&user))])?;
        if id == 0 {
            return Err(action("Cannot set quotas for oneadmin user", id));
        }
        user.quotas.apply(&quota_template(text, id)?).map_err(|e| action(e.0, id))?;
        tx.user_save(&user)?;
        Ok(id)
    })
}

/// `one.group.quota`: sets limits of a group.
pub fn group_quota(ctx: &Ctx, caller: &Caller, id: i32, text: &str) -> ApiResult<i32> {
    if id == 0 {
        return Err(action("Cannot set quotas for oneadmin group", id));
    }
    ctx.db.write(|tx| {
        let refused =
            || ApiError::Authorization { uid: caller.uid, object: Object::Group, detail: String::new() };
        let Some(mut group) = tx.group_fetch(id)? else { return Err(refused()) };
        authorize(tx, caller, Object::Group, &[(Operation::Admin, &ObjAuth::group(&group))])
            .map_err(|_| refused())?;
        group.quotas.apply(&quota_template(text, id)?).map_err(|e| action(e.0, id))?;
        tx.group_save(&group)?;
        Ok(id)
    })
}

/// Renders default quotas under `root` (`DEFAULT_USER_QUOTAS` or `DEFAULT_GROUP_QUOTAS`).
fn defaults_xml(root: &str, quotas: &Quotas) -> String {
    let mut w = XmlWriter::new();
    w.open(root);
    quotas.write_xml(&mut w);
    w.close(root);
    w.finish()
}

/// `one.userquota.info` / `one.groupquota.info`: the default quotas; any user may read them.
pub fn defaults_info(ctx: &Ctx, name: &'static str) -> ApiResult<String> {
    ctx.db.read(|tx| Ok(defaults_xml(name, &stored_defaults(tx, name)?)))
}

/// `one.userquota.update` / `one.groupquota.update`: sets default limits; only users whose
/// group is `oneadmin` may. Returns the new defaults.
pub fn defaults_update(ctx: &Ctx, caller: &Caller, name: &'static str, text: &str) -> ApiResult<String> {
    if !caller.in_oneadmin_group() {
        return Err(ApiError::Authorization {
            uid: caller.uid,
            object: Object::System,
            detail: "The default quotas can only be updated by users in the oneadmin group".to_owned(),
        });
    }
    ctx.db.write(|tx| {
        let mut quotas = stored_defaults(tx, name)?;
        quotas.apply_defaults(&quota_template(text, -1)?).map_err(|e| action(e.0, -1))?;
        tx.set_system_attribute(name, &quotas.to_template().to_text())?;
        Ok(defaults_xml(name, &quotas))
    })
}
