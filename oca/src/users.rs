//! `one.user.*`, `one.userpool.info` and `one.userquota.*`.

use one_core::objects::quotas::Quotas;
use one_core::objects::user::{User, users_from_pool};

use crate::{Client, OcaResult, UpdateType, Value, int, object_error, parse_doc, string};

impl Client {
    /// `one.user.allocate`: a new user (`driver` "" is `core`; the first group is primary).
    pub async fn user_allocate(
        &self,
        name: &str,
        password: &str,
        driver: &str,
        groups: &[i32],
    ) -> OcaResult<i32> {
        let groups = Value::Array(groups.iter().map(|g| int(*g)).collect());
        self.call_int("one.user.allocate", vec![string(name), string(password), string(driver), groups]).await
    }

    /// `one.user.delete`.
    pub async fn user_delete(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.user.delete", vec![int(id)]).await
    }

    /// `one.user.info`, raw (`-1` is the caller).
    pub async fn user_info_xml(&self, id: i32) -> OcaResult<String> {
        self.call_string("one.user.info", vec![int(id), Value::Boolean(false)]).await
    }

    /// `one.user.info`.
    pub async fn user_info(&self, id: i32) -> OcaResult<User> {
        let xml = self.user_info_xml(id).await?;
        User::from_node(&parse_doc("one.user.info", &xml)?).map_err(|e| object_error("one.user.info", e))
    }

    /// `one.user.update`.
    pub async fn user_update(&self, id: i32, template: &str, kind: UpdateType) -> OcaResult<i32> {
        self.call_int("one.user.update", vec![int(id), string(template), kind.value()]).await
    }

    /// `one.user.passwd`.
    pub async fn user_passwd(&self, id: i32, password: &str) -> OcaResult<i32> {
        self.call_int("one.user.passwd", vec![int(id), string(password)]).await
    }

    /// `one.user.chauth` (an empty password keeps the current one).
    pub async fn user_chauth(&self, id: i32, driver: &str, password: &str) -> OcaResult<i32> {
        self.call_int("one.user.chauth", vec![int(id), string(driver), string(password)]).await
    }

    /// `one.user.enable`.
    pub async fn user_enable(&self, id: i32, enable: bool) -> OcaResult<i32> {
        self.call_int("one.user.enable", vec![int(id), Value::Boolean(enable)]).await
    }

    /// `one.user.login`: a token valid `valid` seconds (-1 forever, 0 revokes), bound to
    /// group `egid` unless -1. An empty `token` asks oned to generate one.
    pub async fn user_login(&self, name: &str, token: &str, valid: i32, egid: i32) -> OcaResult<String> {
        self.call_string("one.user.login", vec![string(name), string(token), int(valid), int(egid)]).await
    }

    /// `one.user.chgrp`.
    pub async fn user_chgrp(&self, id: i32, gid: i32) -> OcaResult<i32> {
        self.call_int("one.user.chgrp", vec![int(id), int(gid)]).await
    }

    /// `one.user.addgroup`.
    pub async fn user_addgroup(&self, id: i32, gid: i32) -> OcaResult<i32> {
        self.call_int("one.user.addgroup", vec![int(id), int(gid)]).await
    }

    /// `one.user.delgroup`.
    pub async fn user_delgroup(&self, id: i32, gid: i32) -> OcaResult<i32> {
        self.call_int("one.user.delgroup", vec![int(id), int(gid)]).await
    }

    /// `one.user.quota`.
    pub async fn user_quota(&self, id: i32, template: &str) -> OcaResult<i32> {
        self.call_int("one.user.quota", vec![int(id), string(template)]).await
    }

    /// `one.userpool.info`, raw.
    pub async fn userpool_info_xml(&self) -> OcaResult<String> {
        self.call_string("one.userpool.info", vec![]).await
    }

    /// `one.userpool.info`: the users the caller may see, with their quotas.
    pub async fn userpool_info(&self) -> OcaResult<Vec<User>> {
        let xml = self.userpool_info_xml().await?;
        users_from_pool(&parse_doc("one.userpool.info", &xml)?)
            .map_err(|e| object_error("one.userpool.info", e))
    }

    /// `one.userquota.info`, raw.
    pub async fn userquota_info_xml(&self) -> OcaResult<String> {
        self.call_string("one.userquota.info", vec![]).await
    }

    /// `one.userquota.info`: the default user quotas.
    pub async fn userquota_info(&self) -> OcaResult<Quotas> {
        let xml = self.userquota_info_xml().await?;
        Ok(Quotas::from_node(&parse_doc("one.userquota.info", &xml)?))
    }

    /// `one.userquota.update`: sets the default user quotas, returns them.
    pub async fn userquota_update(&self, template: &str) -> OcaResult<Quotas> {
        let xml = self.call_string("one.userquota.update", vec![string(template)]).await?;
        Ok(Quotas::from_node(&parse_doc("one.userquota.update", &xml)?))
    }
}
