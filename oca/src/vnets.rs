//! `one.vn.*` and `one.vnpool.info`.

use one_core::objects::vnet::{Vnet, vnets_from_pool};

use crate::{Client, OcaResult, UpdateType, Value, int, object_error, parse_doc, string};

/// How `one.vn.recover` ends a stuck network operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VnetRecover {
    /// 0: the operation failed (ERROR).
    Failure,
    /// 1: the operation succeeded.
    Success,
    /// 2: delete the network.
    Delete,
    /// 3: retry updating the VMs.
    Retry,
}

impl Client {
    /// `one.vn.allocate` in cluster `cluster_id` (-1: the default cluster).
    pub async fn vn_allocate(&self, template: &str, cluster_id: i32) -> OcaResult<i32> {
        self.call_int("one.vn.allocate", vec![string(template), int(cluster_id)]).await
    }

    /// `one.vn.delete`.
    pub async fn vn_delete(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.vn.delete", vec![int(id)]).await
    }

    /// `one.vn.info`, raw.
    pub async fn vn_info_xml(&self, id: i32) -> OcaResult<String> {
        self.call_string("one.vn.info", vec![int(id), Value::Boolean(false)]).await
    }

    /// `one.vn.info`.
    pub async fn vn_info(&self, id: i32) -> OcaResult<Vnet> {
        self.object("one.vn.info", vec![int(id), Value::Boolean(false)]).await
    }

    /// `one.vn.update`.
    pub async fn vn_update(&self, id: i32, template: &str, kind: UpdateType) -> OcaResult<i32> {
        self.call_int("one.vn.update", vec![int(id), string(template), kind.value()]).await
    }

    /// `one.vn.rename`.
    pub async fn vn_rename(&self, id: i32, name: &str) -> OcaResult<i32> {
        self.call_int("one.vn.rename", vec![int(id), string(name)]).await
    }

    /// `one.vn.chmod` (nine values, -1 keeps).
    pub async fn vn_chmod(&self, id: i32, bits: [i32; 9]) -> OcaResult<i32> {
        self.call_int("one.vn.chmod", crate::infra::chmod_params(id, bits)).await
    }

    /// `one.vn.chown` (-1 keeps).
    pub async fn vn_chown(&self, id: i32, uid: i32, gid: i32) -> OcaResult<i32> {
        self.call_int("one.vn.chown", vec![int(id), int(uid), int(gid)]).await
    }

    /// `one.vn.lock` at `level` (1 use, 2 manage, 3 admin, 4 all).
    pub async fn vn_lock(&self, id: i32, level: i32) -> OcaResult<i32> {
        self.call_int("one.vn.lock", vec![int(id), int(level), Value::Boolean(false)]).await
    }

    /// `one.vn.unlock`.
    pub async fn vn_unlock(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.vn.unlock", vec![int(id)]).await
    }

    /// `one.vn.add_ar` (`AR = [...]`).
    pub async fn vn_add_ar(&self, id: i32, template: &str) -> OcaResult<i32> {
        self.call_int("one.vn.add_ar", vec![int(id), string(template)]).await
    }

    /// `one.vn.rm_ar` (`force`: even with leases in use).
    pub async fn vn_rm_ar(&self, id: i32, ar_id: i32, force: bool) -> OcaResult<i32> {
        self.call_int("one.vn.rm_ar", vec![int(id), int(ar_id), Value::Boolean(force)]).await
    }

    /// `one.vn.update_ar` (`AR = [AR_ID = n, ...]`).
    pub async fn vn_update_ar(&self, id: i32, template: &str) -> OcaResult<i32> {
        self.call_int("one.vn.update_ar", vec![int(id), string(template)]).await
    }

    /// `one.vn.free_ar`.
    pub async fn vn_free_ar(&self, id: i32, ar_id: i32) -> OcaResult<i32> {
        self.call_int("one.vn.free_ar", vec![int(id), int(ar_id)]).await
    }

    /// `one.vn.reserve` (`SIZE`, `NAME` or `NETWORK_ID`, optional `AR_ID`, `IP`, `MAC`);
    /// returns the reservation's network ID.
    pub async fn vn_reserve(&self, id: i32, template: &str) -> OcaResult<i32> {
        self.call_int("one.vn.reserve", vec![int(id), string(template)]).await
    }

    /// `one.vn.hold` (`LEASES = [IP = ...]`).
    pub async fn vn_hold(&self, id: i32, template: &str) -> OcaResult<i32> {
        self.call_int("one.vn.hold", vec![int(id), string(template)]).await
    }

    /// `one.vn.release` (`LEASES = [IP = ...]`).
    pub async fn vn_release(&self, id: i32, template: &str) -> OcaResult<i32> {
        self.call_int("one.vn.release", vec![int(id), string(template)]).await
    }

    /// `one.vn.recover`.
    pub async fn vn_recover(&self, id: i32, how: VnetRecover) -> OcaResult<i32> {
        let op = match how {
            VnetRecover::Failure => 0,
            VnetRecover::Success => 1,
            VnetRecover::Delete => 2,
            VnetRecover::Retry => 3,
        };
        self.call_int("one.vn.recover", vec![int(id), int(op)]).await
    }

    /// `one.vnpool.info`, raw (filter and ID range as `imagepool_info`).
    pub async fn vnpool_info_xml(&self, filter: i32, start: i32, end: i32) -> OcaResult<String> {
        self.call_string("one.vnpool.info", vec![int(filter), int(start), int(end)]).await
    }

    /// `one.vnpool.info`.
    pub async fn vnpool_info(&self, filter: i32, start: i32, end: i32) -> OcaResult<Vec<Vnet>> {
        let xml = self.vnpool_info_xml(filter, start, end).await?;
        vnets_from_pool(&parse_doc("one.vnpool.info", &xml)?).map_err(|e| object_error("one.vnpool.info", e))
    }
}
