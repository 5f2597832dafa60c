//! `one.template.*` and `one.templatepool.info`.

use one_core::objects::vmtemplate::{VmTemplate, vmtemplates_from_pool};

use crate::{Client, OcaResult, UpdateType, Value, int, object_error, parse_doc, string};

impl Client {
    /// `one.template.allocate`.
    pub async fn template_allocate(&self, template: &str) -> OcaResult<i32> {
        self.call_int("one.template.allocate", vec![string(template)]).await
    }

    /// `one.template.clone` (`recursive`: the images too).
    pub async fn template_clone(&self, id: i32, name: &str, recursive: bool) -> OcaResult<i32> {
        self.call_int("one.template.clone", vec![int(id), string(name), Value::Boolean(recursive)]).await
    }

    /// `one.template.delete` (`recursive`: the images too).
    pub async fn template_delete(&self, id: i32, recursive: bool) -> OcaResult<i32> {
        self.call_int("one.template.delete", vec![int(id), Value::Boolean(recursive)]).await
    }

    /// `one.template.info`, raw (`extended`: disks with their images' attributes).
    pub async fn template_info_xml(&self, id: i32, extended: bool) -> OcaResult<String> {
        self.call_string("one.template.info", vec![int(id), Value::Boolean(extended), Value::Boolean(false)])
            .await
    }

    /// `one.template.info`.
    pub async fn template_info(&self, id: i32, extended: bool) -> OcaResult<VmTemplate> {
        self.object("one.template.info", vec![int(id), Value::Boolean(extended), Value::Boolean(false)]).await
    }

    /// `one.template.update`.
    pub async fn template_update(&self, id: i32, template: &str, kind: UpdateType) -> OcaResult<i32> {
        self.call_int("one.template.update", vec![int(id), string(template), kind.value()]).await
    }

    /// `one.template.rename`.
    pub async fn template_rename(&self, id: i32, name: &str) -> OcaResult<i32> {
        self.call_int("one.template.rename", vec![int(id), string(name)]).await
    }

    /// `one.template.chmod` (nine values, -1 keeps; `recursive`: the images too).
    pub async fn template_chmod(&self, id: i32, bits: [i32; 9], recursive: bool) -> OcaResult<i32> {
        let mut params = crate::infra::chmod_params(id, bits);
        params.push(Value::Boolean(recursive));
        self.call_int("one.template.chmod", params).await
    }

    /// `one.template.chown` (-1 keeps).
    pub async fn template_chown(&self, id: i32, uid: i32, gid: i32) -> OcaResult<i32> {
        self.call_int("one.template.chown", vec![int(id), int(uid), int(gid)]).await
    }

    /// `one.template.lock` at `level` (1 use, 2 manage, 3 admin, 4 all).
    pub async fn template_lock(&self, id: i32, level: i32) -> OcaResult<i32> {
        self.call_int("one.template.lock", vec![int(id), int(level), Value::Boolean(false)]).await
    }

    /// `one.template.unlock`.
    pub async fn template_unlock(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.template.unlock", vec![int(id)]).await
    }

    /// `one.template.instantiate`: a VM named `name` ("" for the default) from the template
    /// with `extra` merged in, on HOLD with `hold`; `persistent` instantiates a private
    /// persistent copy. Returns the VM's ID.
    pub async fn template_instantiate(
        &self,
        id: i32,
        name: &str,
        hold: bool,
        extra: &str,
        persistent: bool,
    ) -> OcaResult<i32> {
        self.call_int(
            "one.template.instantiate",
            vec![int(id), string(name), Value::Boolean(hold), string(extra), Value::Boolean(persistent)],
        )
        .await
    }

    /// `one.templatepool.info`, raw (filter and ID range as `imagepool_info`).
    pub async fn templatepool_info_xml(&self, filter: i32, start: i32, end: i32) -> OcaResult<String> {
        self.call_string("one.templatepool.info", vec![int(filter), int(start), int(end)]).await
    }

    /// `one.templatepool.info`.
    pub async fn templatepool_info(&self, filter: i32, start: i32, end: i32) -> OcaResult<Vec<VmTemplate>> {
        let xml = self.templatepool_info_xml(filter, start, end).await?;
        vmtemplates_from_pool(&parse_doc("one.templatepool.info", &xml)?)
            .map_err(|e| object_error("one.templatepool.info", e))
    }
}
