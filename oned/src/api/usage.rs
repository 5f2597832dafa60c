//! Quota accounting: charging a request (VMs, CPU, memory, disk, images, leases) to the
//! owner's and the group's quotas, refusing it when a limit would be passed, and refunding it
//! when the resources are given back. `oneadmin` and the `oneadmin` group are never limited.

use one_core::objects::quotas::{QuotaKind, Quotas};

use super::quotas::{DEFAULT_GROUP_QUOTAS, DEFAULT_USER_QUOTAS, stored_defaults};
use super::{ApiError, ApiResult, Object};
use crate::db::Tx;

/// One usage request: a section, the entry key (datastore, network or image ID; "" for VMs)
/// and the metrics; or, for VM quotas limited to clusters, the cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    /// The section.
    pub kind: QuotaKind,
    /// The entry.
    pub key: String,
    /// The cluster whose VM quotas are charged instead of the entry `key`.
    pub cluster: Option<i32>,
    /// Metrics and amounts.
    pub amounts: Vec<(&'static str, f64)>,
}

impl Usage {
    /// A usage of the VM section.
    pub fn vm(amounts: Vec<(&'static str, f64)>) -> Usage {
        Usage { kind: QuotaKind::Vm, key: String::new(), cluster: None, amounts }
    }

    /// A usage of an object-keyed section.
    pub fn of(kind: QuotaKind, id: i32, amounts: Vec<(&'static str, f64)>) -> Usage {
        Usage { kind, key: id.to_string(), cluster: None, amounts }
    }

    /// This VM usage, charged to the VM quotas limited to cluster `cid` instead.
    pub fn in_cluster(self, cid: i32) -> Usage {
        Usage { cluster: Some(cid), ..self }
    }

    fn charge_to(&self, quotas: &mut Quotas, defaults: &Quotas) -> Result<(), String> {
        let refs: Vec<(&str, f64)> = self.amounts.iter().map(|(m, a)| (*m, *a)).collect();
        match self.cluster {
            Some(cid) => quotas.charge_cluster(cid, &refs, defaults),
            None => quotas.charge(self.kind, &self.key, &refs, defaults),
        }
    }

    fn refund_to(&self, quotas: &mut Quotas) {
        let refs: Vec<(&str, f64)> = self.amounts.iter().map(|(m, a)| (*m, *a)).collect();
        match self.cluster {
            Some(cid) => quotas.refund_cluster(cid, &refs),
            None => quotas.refund(self.kind, &self.key, &refs),
        }
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
            u.charge_to(&mut user.quotas, &defaults).map_err(|e| refuse(format!("user [{uid}] {e}")))?;
        }
        tx.user_save(&user)?;
    }
    if gid != 0
        && gid != -1
        && let Some(mut group) = tx.group_fetch(gid)?
    {
        let defaults = stored_defaults(tx, DEFAULT_GROUP_QUOTAS)?;
        for u in usages {
            u.charge_to(&mut group.quotas, &defaults).map_err(|e| refuse(format!("group [{gid}] {e}")))?;
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
            u.refund_to(&mut user.quotas);
        }
        tx.user_save(&user)?;
    }
    if gid != 0
        && let Some(mut group) = tx.group_fetch(gid)?
    {
        for u in usages {
            u.refund_to(&mut group.quotas);
        }
        tx.group_save(&group)?;
    }
    Ok(())
}
