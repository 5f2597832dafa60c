//! `one.group.*`, `one.grouppool.info` and `one.groupquota.*`.

use one_core::objects::group::{Group, groups_from_pool};
use one_core::objects::quotas::Quotas;

use crate::{Client, OcaResult, UpdateType, Value, int, object_error, parse_doc, string};

impl Client {
    /// `one.group.allocate`.
    pub async fn group_allocate(&self, name: &str) -> OcaResult<i32> {
        self.call_int("one.group.allocate", vec![string(name)]).await
    }

    /// `one.group.delete`.
    pub async fn group_delete(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.group.delete", vec![int(id)]).await
    }

    /// `one.group.info`, raw (`-1` is the caller's group).
    pub async fn group_info_xml(&self, id: i32) -> OcaResult<String> {
        self.call_string("one.group.info", vec![int(id), Value::Boolean(false)]).await
    }

    /// `one.group.info`.
    pub async fn group_info(&self, id: i32) -> OcaResult<Group> {
        let xml = self.group_info_xml(id).await?;
        Group::from_node(&parse_doc("one.group.info", &xml)?).map_err(|e| object_error("one.group.info", e))
    }

    /// `one.group.update`.
    pub async fn group_update(&self, id: i32, template: &str, kind: UpdateType) -> OcaResult<i32> {
        self.call_int("one.group.update", vec![int(id), string(template), kind.value()]).await
    }

    /// `one.group.addadmin`.
    pub async fn group_addadmin(&self, id: i32, uid: i32) -> OcaResult<i32> {
        self.call_int("one.group.addadmin", vec![int(id), int(uid)]).await
    }

    /// `one.group.deladmin`.
    pub async fn group_deladmin(&self, id: i32, uid: i32) -> OcaResult<i32> {
        self.call_int("one.group.deladmin", vec![int(id), int(uid)]).await
    }

    /// `one.group.quota`.
    pub async fn group_quota(&self, id: i32, template: &str) -> OcaResult<i32> {
        self.call_int("one.group.quota", vec![int(id), string(template)]).await
    }

    /// `one.grouppool.info`, raw.
    pub async fn grouppool_info_xml(&self) -> OcaResult<String> {
        self.call_string("one.grouppool.info", vec![]).await
    }

    /// `one.grouppool.info`: the groups the caller may see, with their quotas.
    pub async fn grouppool_info(&self) -> OcaResult<Vec<Group>> {
        let xml = self.grouppool_info_xml().await?;
        groups_from_pool(&parse_doc("one.grouppool.info", &xml)?)
            .map_err(|e| object_error("one.grouppool.info", e))
    }

    /// `one.groupquota.info`, raw.
    pub async fn groupquota_info_xml(&self) -> OcaResult<String> {
        self.call_string("one.groupquota.info", vec![]).await
    }

    /// `one.groupquota.info`: the default group quotas.
    pub async fn groupquota_info(&self) -> OcaResult<Quotas> {
        let xml = self.groupquota_info_xml().await?;
        Ok(Quotas::from_node(&parse_doc("one.groupquota.info", &xml)?))
    }

    /// `one.groupquota.update`: sets the default group quotas, returns them.
    pub async fn groupquota_update(&self, template: &str) -> OcaResult<Quotas> {
        let xml = self.call_string("one.groupquota.update", vec![string(template)]).await?;
        Ok(Quotas::from_node(&parse_doc("one.groupquota.update", &xml)?))
    }
}
