//! `one.vmgroup.*` and `one.vmgrouppool.info`.

use one_core::objects::vmgroup::{VmGroup, vmgroups_from_pool};

use crate::{Client, OcaResult, UpdateType, Value, int, object_error, parse_doc, string};

impl Client {
    /// `one.vmgroup.allocate`: a group from its template (NAME, ROLE vectors, AFFINED and
    /// ANTI_AFFINED rules). Returns its ID.
    pub async fn vmgroup_allocate(&self, template: &str) -> OcaResult<i32> {
        self.call_int("one.vmgroup.allocate", vec![string(template)]).await
    }

    /// `one.vmgroup.delete`.
    pub async fn vmgroup_delete(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.vmgroup.delete", vec![int(id)]).await
    }

    /// `one.vmgroup.info`, raw.
    pub async fn vmgroup_info_xml(&self, id: i32) -> OcaResult<String> {
        self.call_string("one.vmgroup.info", vec![int(id), Value::Boolean(false)]).await
    }

    /// `one.vmgroup.info`.
    pub async fn vmgroup_info(&self, id: i32) -> OcaResult<VmGroup> {
        self.object("one.vmgroup.info", vec![int(id), Value::Boolean(false)]).await
    }

    /// `one.vmgroup.update`.
    pub async fn vmgroup_update(&self, id: i32, template: &str, kind: UpdateType) -> OcaResult<i32> {
        self.call_int("one.vmgroup.update", vec![int(id), string(template), kind.value()]).await
    }

    /// `one.vmgroup.rename`.
    pub async fn vmgroup_rename(&self, id: i32, name: &str) -> OcaResult<i32> {
        self.call_int("one.vmgroup.rename", vec![int(id), string(name)]).await
    }

    /// `one.vmgroup.chmod` (nine values, -1 keeps).
    pub async fn vmgroup_chmod(&self, id: i32, bits: [i32; 9]) -> OcaResult<i32> {
        self.call_int("one.vmgroup.chmod", crate::infra::chmod_params(id, bits)).await
    }

    /// `one.vmgroup.chown` (-1 keeps).
    pub async fn vmgroup_chown(&self, id: i32, uid: i32, gid: i32) -> OcaResult<i32> {
        self.call_int("one.vmgroup.chown", vec![int(id), int(uid), int(gid)]).await
    }

    /// `one.vmgroup.lock` at `level` (1 use, 2 manage, 3 admin, 4 all).
    pub async fn vmgroup_lock(&self, id: i32, level: i32) -> OcaResult<i32> {
        self.call_int("one.vmgroup.lock", vec![int(id), int(level), Value::Boolean(false)]).await
    }

    /// `one.vmgroup.unlock`.
    pub async fn vmgroup_unlock(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.vmgroup.unlock", vec![int(id)]).await
    }

    /// `one.vmgroup.roleadd`: a role from the template's `ROLE = [ NAME = ..., ... ]`.
    pub async fn vmgroup_role_add(&self, id: i32, template: &str) -> OcaResult<i32> {
        self.call_int("one.vmgroup.roleadd", vec![int(id), string(template)]).await
    }

    /// `one.vmgroup.roledelete`.
    pub async fn vmgroup_role_delete(&self, id: i32, role_id: i32) -> OcaResult<i32> {
        self.call_int("one.vmgroup.roledelete", vec![int(id), int(role_id)]).await
    }

    /// `one.vmgroup.roleupdate`: merges the template's ROLE vector into the role.
    pub async fn vmgroup_role_update(&self, id: i32, role_id: i32, template: &str) -> OcaResult<i32> {
        self.call_int("one.vmgroup.roleupdate", vec![int(id), int(role_id), string(template)]).await
    }

    /// `one.vmgrouppool.info`, raw (filter and ID range as `imagepool_info`).
    pub async fn vmgrouppool_info_xml(&self, filter: i32, start: i32, end: i32) -> OcaResult<String> {
        self.call_string("one.vmgrouppool.info", vec![int(filter), int(start), int(end)]).await
    }

    /// `one.vmgrouppool.info`.
    pub async fn vmgrouppool_info(&self, filter: i32, start: i32, end: i32) -> OcaResult<Vec<VmGroup>> {
        let xml = self.vmgrouppool_info_xml(filter, start, end).await?;
        vmgroups_from_pool(&parse_doc("one.vmgrouppool.info", &xml)?)
            .map_err(|e| object_error("one.vmgrouppool.info", e))
    }
}
