//! `one.system.version` and `one.system.config`: the version clients check, and the
//! configuration as OpenNebula publishes it (`<OPENNEBULA_CONFIGURATION>`, oned.conf's keys),
//! built from this oned's real settings.

use one_core::template::{Attribute, Template};

use super::users::DRIVERS;
use super::{Caller, Ctx, ZONE_ID};
use crate::config::ListOrder;

/// The OpenNebula version this oned is compatible with; clients parse it (terraform needs
/// semver, the CLI accepts 7.0.x and 7.4.x).
pub const VERSION: &str = "7.4.0";

/// The fixed part of the configuration: OpenNebula's defaults for settings this oned does not
/// make configurable.
const FIXED: &str = r#"
DEFAULT_AUTH = "default"
DEFAULT_DEVICE_PREFIX = "sd"
DEFAULT_IMAGE_TYPE = "OS"
DEFAULT_VDC_HOST_ACL = "MANAGE"
DEFAULT_VDC_VNET_ACL = "USE"
DEFAULT_VDC_DATASTORE_ACL = "USE"
DEFAULT_VDC_CLUSTER_HOST_ACL = "MANAGE"
DEFAULT_VDC_CLUSTER_NET_ACL = "USE"
DEFAULT_VDC_CLUSTER_DATASTORE_ACL = "USE"
ENABLE_OTHER_PERMISSIONS = "YES"
GROUP_RESTRICTED_ATTR = "VM_USE_OPERATIONS"
GROUP_RESTRICTED_ATTR = "VM_MANAGE_OPERATIONS"
GROUP_RESTRICTED_ATTR = "VM_ADMIN_OPERATIONS"
MAC_PREFIX = "02:00"
SESSION_EXPIRATION_TIME = "0"
USER_RESTRICTED_ATTR = "VM_USE_OPERATIONS"
USER_RESTRICTED_ATTR = "VM_MANAGE_OPERATIONS"
USER_RESTRICTED_ATTR = "VM_ADMIN_OPERATIONS"
"#;

/// The configuration template; database details are masked for users outside `oneadmin`.
pub fn config_template(ctx: &Ctx, caller: &Caller) -> Template {
    let c = &ctx.config;
    let mut t = match Template::parse_text(FIXED) {
        Ok(t) => t,
        Err(e) => unreachable!("the fixed configuration parses: {e}"),
    };
    let order = match c.api_list_order {
        ListOrder::Asc => "ASC",
        ListOrder::Desc => "DESC",
    };
    t.set("API_LIST_ORDER", order);
    t.set("DEFAULT_UMASK", c.default_umask.clone());
    t.set("LISTEN_ADDRESS", c.listen.ip().to_string());
    t.set("PORT", c.listen.port().to_string());
    t.set("MESSAGE_SIZE", c.max_request_bytes.to_string());
    t.set("DATASTORE_LOCATION", c.data_dir.join("datastores").display().to_string());
    t.push(Attribute::vector(
        "FEDERATION",
        [("MODE", "STANDALONE"), ("SERVER_ID", "-1"), ("MASTER_ONED", ""), ("ZONE_ID", &ZONE_ID.to_string())],
    ));
    for d in DRIVERS {
        let yes_no = |b: bool| if b { "YES" } else { "NO" };
        let max_token =
            if d.name == "core" && c.max_token_seconds >= 0 { c.max_token_seconds } else { d.max_token_time };
        t.push(Attribute::vector(
            "AUTH_MAD_CONF",
            [
                ("NAME", d.name.to_owned()),
                ("PASSWORD_CHANGE", yes_no(d.password_change).to_owned()),
                ("PASSWORD_REQUIRED", yes_no(d.password_required).to_owned()),
                ("DRIVER_MANAGED_GROUPS", yes_no(d.managed_groups).to_owned()),
                ("DRIVER_MANAGED_GROUP_ADMIN", yes_no(d.managed_groups).to_owned()),
                ("MAX_TOKEN_TIME", max_token.to_string()),
            ],
        ));
    }
    let db = if caller.in_oneadmin_group() {
        vec![("BACKEND", "sqlite".to_owned()), ("DB_NAME", c.db_path().display().to_string())]
    } else {
        // OpenNebula masks BACKEND too, which its own XSD refuses; the backend is no secret.
        vec![("BACKEND", "sqlite".to_owned()), ("DB_NAME", "***".to_owned())]
    };
    t.push(Attribute::vector("DB", db));
    t
}

/// `one.system.config`: the `<OPENNEBULA_CONFIGURATION>` document.
pub fn config(ctx: &Ctx, caller: &Caller) -> String {
    config_template(ctx, caller).to_xml("OPENNEBULA_CONFIGURATION")
}
