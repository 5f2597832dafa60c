//! Quota accounting: charging a request (VMs, CPU, memory, disk, images, leases) to the
//! owner's and the group's quotas, refusing it when a limit would be passed, and refunding it
//! when the resources are given back. `oneadmin` and the `oneadmin` group are never limited.

use one_core::objects::quotas::QuotaKind;

use super::quotas::{DEFAULT_GROUP_QUOTAS, DEFAULT_USER_QUOTAS, stored_defaults};
use super::{ApiError, ApiResult, Object};
use crate::db::Tx;

/// One usage request: a section, the entry key (datastore, network or image ID; "" for VMs)
/// and the metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    /// The section.
    pub kind: QuotaKind,
    /// The entry.
    pub key: String,
    /// Metrics and amounts.
    pub amounts: Vec<(&'static str, f64)>,
}

impl Usage {
    /// A usage of the VM section.
    pub fn vm(amounts: Vec<(&'static str, f64)>) -> Usage {
        Usage { kind: QuotaKind::Vm, key: String::new(), amounts }
    }

    /// A usage of an object-keyed section.
    pub fn of(kind: QuotaKind, id: i32, amounts: Vec<(&'static str, f64)>) -> Usage {
        Usage { kind, key: id.to_string(), amounts }
    }
}

/// Charges `usages` to user `uid` and group `gid`; on refusal nothing is charged and the
/// error (code AUTHORIZATION, as OpenNebula answers quota refusals) names the limit, e.g.
/// `User [2] : user [2] limit of 1 reached for VMS quota in VM.` (`caller` is the uid the
/// message starts with).
pub fn charge(
    tx: &Tx<'_>,
    caller: i32,
    object: Object,
    uid: i32,
    gid: i32,
    usages: &[Usage],
) -> ApiResult<()> {
    let refuse = |detail: String| ApiError::Authorization { uid: caller, object, detail };
    if uid != 0
        && uid != -1
        && let Some(mut user) = tx.user_fetch(uid)?
    {
        let defaults = stored_defaults(tx, DEFAULT_USER_QUOTAS)?;
        for u in usages {
            let refs: Vec<(&str, f64)> = u.amounts.iter().map(|(m, a)| (*m, *a)).collect();
            user.quotas
                .charge(u.kind, &u.key, &refs, &defaults)
                .map_err(|e| refuse(format!("user [{uid}] {e}")))?;
        }
        tx.user_save(&user)?;
    }
    if gid != 0
        && gid != -1
        && let Some(mut group) = tx.group_fetch(gid)?
    {
        let defaults = stored_defaults(tx, DEFAULT_GROUP_QUOTAS)?;
        for u in usages {
            let refs: Vec<(&str, f64)> = u.amounts.iter().map(|(m, a)| (*m, *a)).collect();
            group
                .quotas
                .charge(u.kind, &u.key, &refs, &defaults)
                .map_err(|e| refuse(format!("group [{gid}] {e}")))?;
        }
        tx.group_save(&group)?;
    }
    Ok(())
}

/// Gives `usages` back to user `uid` and group `gid`.
pub fn refund(tx: &Tx<'_>, uid: i32, gid: i32, usages: &[Usage]) -> ApiResult<()> {
    if uid != 0
        && let Some(mut user) = tx.user_fetch(uid)?
    {
        for u in usages {
            let refs: Vec<(&str, f64)> = u.amounts.iter().map(|(m, a)| (*m, *a)).collect();
            user.quotas.refund(u.kind, &u.key, &refs);
        }
        tx.user_save(&user)?;
    }
    if gid != 0
        && let Some(mut group) = tx.group_fetch(gid)?
    {
        for u in usages {
            let refs: Vec<(&str, f64)> = u.amounts.iter().map(|(m, a)| (*m, *a)).collect();
            group.quotas.refund(u.kind, &u.key, &refs);
        }
        tx.group_save(&group)?;
    }
    Ok(())
}
