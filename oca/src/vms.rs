//! `one.vm.*` and `one.vmpool.*`.

use one_core::lifecycle::RecoverOp;
use one_core::objects::vm::{Vm, vms_from_pool};

use crate::{Client, OcaResult, UpdateType, Value, int, parse_doc, string};

/// The filters of the VM pool listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmFilter {
    /// -4 own and group, -3 own, -2 all, -1 own and group's, >= 0 that user's.
    pub ownership: i32,
    /// First ID (-1: from the start).
    pub start: i32,
    /// Last ID (-1: to the end); a negative `start` with `end` -N pages from the end.
    pub end: i32,
    /// -2 any state, -1 any but DONE, >= 0 that state.
    pub state: i32,
    /// `KEY=VALUE` match against the template (empty: none).
    pub query: String,
}

impl Default for VmFilter {
    fn default() -> Self {
        VmFilter { ownership: -2, start: -1, end: -1, state: -1, query: String::new() }
    }
}

impl VmFilter {
    fn params(&self) -> Vec<Value> {
        vec![int(self.ownership), int(self.start), int(self.end), int(self.state), string(&self.query)]
    }
}

impl Client {
    /// `one.vm.allocate`: a VM from a template, PENDING (or HOLD with `hold`).
    pub async fn vm_allocate(&self, template: &str, hold: bool) -> OcaResult<i32> {
        self.call_int("one.vm.allocate", vec![string(template), Value::Boolean(hold)]).await
    }

    /// `one.vm.info`, raw.
    pub async fn vm_info_xml(&self, id: i32) -> OcaResult<String> {
        self.call_string("one.vm.info", vec![int(id)]).await
    }

    /// `one.vm.info`.
    pub async fn vm_info(&self, id: i32) -> OcaResult<Vm> {
        self.object("one.vm.info", vec![int(id)]).await
    }

    /// `one.vm.update` (the user template).
    pub async fn vm_update(&self, id: i32, template: &str, kind: UpdateType) -> OcaResult<i32> {
        self.call_int("one.vm.update", vec![int(id), string(template), kind.value()]).await
    }

    /// `one.vm.rename`.
    pub async fn vm_rename(&self, id: i32, name: &str) -> OcaResult<i32> {
        self.call_int("one.vm.rename", vec![int(id), string(name)]).await
    }

    /// `one.vm.chmod`; -1 leaves a bit as it is.
    pub async fn vm_chmod(&self, id: i32, bits: [i32; 9]) -> OcaResult<i32> {
        self.call_int("one.vm.chmod", crate::infra::chmod_params(id, bits)).await
    }

    /// `one.vm.chown`; -1 leaves the owner or group as it is.
    pub async fn vm_chown(&self, id: i32, uid: i32, gid: i32) -> OcaResult<i32> {
        self.call_int("one.vm.chown", vec![int(id), int(uid), int(gid)]).await
    }

    /// `one.vm.lock` at `level` (1 use, 2 manage, 3 admin, 4 all).
    pub async fn vm_lock(&self, id: i32, level: i32) -> OcaResult<i32> {
        self.call_int("one.vm.lock", vec![int(id), int(level), Value::Boolean(false)]).await
    }

    /// `one.vm.unlock`.
    pub async fn vm_unlock(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.vm.unlock", vec![int(id)]).await
    }

    /// `one.vm.deploy` on `host_id`, into system datastore `ds_id` (-1: the cluster's).
    pub async fn vm_deploy(&self, id: i32, host_id: i32, enforce: bool, ds_id: i32) -> OcaResult<i32> {
        let params = vec![int(id), int(host_id), Value::Boolean(enforce), int(ds_id)];
        self.call_int("one.vm.deploy", params).await
    }

    /// `one.vm.deploy` with the extra template the scheduler sends: the networks it chose for
    /// automatic NICs (`NIC = [ NIC_ID = 0, NETWORK_ID = 3 ]`).
    pub async fn vm_deploy_extra(
        &self,
        id: i32,
        host_id: i32,
        enforce: bool,
        ds_id: i32,
        extra: &str,
    ) -> OcaResult<i32> {
        let params = vec![int(id), int(host_id), Value::Boolean(enforce), int(ds_id), string(extra)];
        self.call_int("one.vm.deploy", params).await
    }

    /// `one.vm.action` (`terminate`, `poweroff-hard`, `resume`, ...).
    pub async fn vm_action(&self, action: &str, id: i32) -> OcaResult<i32> {
        self.call_int("one.vm.action", vec![string(action), int(id)]).await
    }

    /// `one.vm.migrate` to `host_id`, live or cold.
    pub async fn vm_migrate(
        &self,
        id: i32,
        host_id: i32,
        live: bool,
        enforce: bool,
        ds_id: i32,
    ) -> OcaResult<i32> {
        self.vm_migrate_mode(id, host_id, live, enforce, ds_id, 0).await
    }

    /// `one.vm.migrate` with how a cold migration stops the VM (`mode`: 0 save, 1 poweroff,
    /// 2 poweroff-hard).
    pub async fn vm_migrate_mode(
        &self,
        id: i32,
        host_id: i32,
        live: bool,
        enforce: bool,
        ds_id: i32,
        mode: i32,
    ) -> OcaResult<i32> {
        let params =
            vec![int(id), int(host_id), Value::Boolean(live), Value::Boolean(enforce), int(ds_id), int(mode)];
        self.call_int("one.vm.migrate", params).await
    }

    /// `one.vm.recover`.
    pub async fn vm_recover(&self, id: i32, how: RecoverOp) -> OcaResult<i32> {
        self.call_int("one.vm.recover", vec![int(id), int(how.code())]).await
    }

    /// `one.vm.monitoring`: the VM's `MONITORING_DATA` document.
    pub async fn vm_monitoring_xml(&self, id: i32) -> OcaResult<String> {
        self.call_string("one.vm.monitoring", vec![int(id)]).await
    }

    /// `one.vmpool.info` (short bodies), raw.
    pub async fn vmpool_info_xml(&self, filter: &VmFilter) -> OcaResult<String> {
        self.call_string("one.vmpool.info", filter.params()).await
    }

    /// `one.vmpool.info` (short bodies, read as far as they go).
    pub async fn vmpool_info(&self, filter: &VmFilter) -> OcaResult<Vec<Vm>> {
        let method = "one.vmpool.info";
        let xml = self.vmpool_info_xml(filter).await?;
        vms_from_pool(&parse_doc(method, &xml)?).map_err(|e| crate::object_error(method, e))
    }

    /// `one.vmpool.infoextended`, raw.
    pub async fn vmpool_info_extended_xml(&self, filter: &VmFilter) -> OcaResult<String> {
        self.call_string("one.vmpool.infoextended", filter.params()).await
    }

    /// `one.vmpool.infoextended`.
    pub async fn vmpool_info_extended(&self, filter: &VmFilter) -> OcaResult<Vec<Vm>> {
        let method = "one.vmpool.infoextended";
        let xml = self.vmpool_info_extended_xml(filter).await?;
        vms_from_pool(&parse_doc(method, &xml)?).map_err(|e| crate::object_error(method, e))
    }

    /// `one.vmpool.infoset`: the VMs with these IDs (`"1,2,3"`), raw.
    pub async fn vmpool_info_set_xml(&self, ids: &str, extended: bool) -> OcaResult<String> {
        self.call_string("one.vmpool.infoset", vec![string(ids), Value::Boolean(extended)]).await
    }

    /// `one.vmpool.monitoring`: records of the last `seconds` (-1: all, 0: the last of each).
    pub async fn vmpool_monitoring_xml(&self, ownership: i32, seconds: i32) -> OcaResult<String> {
        self.call_string("one.vmpool.monitoring", vec![int(ownership), int(seconds)]).await
    }

    /// `one.vmpool.accounting`: history records between two times (-1: open).
    pub async fn vmpool_accounting_xml(&self, ownership: i32, start: i32, end: i32) -> OcaResult<String> {
        self.call_string("one.vmpool.accounting", vec![int(ownership), int(start), int(end)]).await
    }

    /// `one.vm.attach`: a `DISK=[...]` template.
    pub async fn vm_attach_disk(&self, id: i32, template: &str) -> OcaResult<i32> {
        self.call_int("one.vm.attach", vec![int(id), string(template)]).await
    }

    /// `one.vm.detach`.
    pub async fn vm_detach_disk(&self, id: i32, disk_id: i32) -> OcaResult<i32> {
        self.call_int("one.vm.detach", vec![int(id), int(disk_id)]).await
    }

    /// `one.vm.attachnic`: a `NIC=[...]` or `NIC_ALIAS=[...]` template.
    pub async fn vm_attach_nic(&self, id: i32, template: &str) -> OcaResult<i32> {
        self.call_int("one.vm.attachnic", vec![int(id), string(template)]).await
    }

    /// `one.vm.detachnic`.
    pub async fn vm_detach_nic(&self, id: i32, nic_id: i32) -> OcaResult<i32> {
        self.call_int("one.vm.detachnic", vec![int(id), int(nic_id)]).await
    }

    /// `one.vm.diskresize` to `size_mb`.
    pub async fn vm_disk_resize(&self, id: i32, disk_id: i32, size_mb: &str) -> OcaResult<i32> {
        self.call_int("one.vm.diskresize", vec![int(id), int(disk_id), string(size_mb)]).await
    }

    /// `one.vm.snapshotcreate`: the new snapshot's ID.
    pub async fn vm_snapshot_create(&self, id: i32, name: &str) -> OcaResult<i32> {
        self.call_int("one.vm.snapshotcreate", vec![int(id), string(name)]).await
    }

    /// `one.vm.snapshotrevert`.
    pub async fn vm_snapshot_revert(&self, id: i32, snap_id: i32) -> OcaResult<i32> {
        self.call_int("one.vm.snapshotrevert", vec![int(id), int(snap_id)]).await
    }

    /// `one.vm.snapshotdelete`.
    pub async fn vm_snapshot_delete(&self, id: i32, snap_id: i32) -> OcaResult<i32> {
        self.call_int("one.vm.snapshotdelete", vec![int(id), int(snap_id)]).await
    }

    /// `one.vm.disksnapshotcreate`: the new disk snapshot's ID.
    pub async fn vm_disk_snapshot_create(&self, id: i32, disk_id: i32, name: &str) -> OcaResult<i32> {
        self.call_int("one.vm.disksnapshotcreate", vec![int(id), int(disk_id), string(name)]).await
    }

    /// `one.vm.disksnapshotrevert`.
    pub async fn vm_disk_snapshot_revert(&self, id: i32, disk_id: i32, snap_id: i32) -> OcaResult<i32> {
        self.call_int("one.vm.disksnapshotrevert", vec![int(id), int(disk_id), int(snap_id)]).await
    }

    /// `one.vm.disksnapshotdelete`.
    pub async fn vm_disk_snapshot_delete(&self, id: i32, disk_id: i32, snap_id: i32) -> OcaResult<i32> {
        self.call_int("one.vm.disksnapshotdelete", vec![int(id), int(disk_id), int(snap_id)]).await
    }

    /// `one.vm.disksnapshotrename`.
    pub async fn vm_disk_snapshot_rename(
        &self,
        id: i32,
        disk_id: i32,
        snap_id: i32,
        name: &str,
    ) -> OcaResult<i32> {
        let params = vec![int(id), int(disk_id), int(snap_id), string(name)];
        self.call_int("one.vm.disksnapshotrename", params).await
    }

    /// `one.vm.disksaveas`: a new image from a disk (`image_type` empty: the disk's image's;
    /// `snap_id` -1: the disk as it is). Returns the image's ID.
    pub async fn vm_disk_saveas(
        &self,
        id: i32,
        disk_id: i32,
        name: &str,
        image_type: &str,
        snap_id: i32,
    ) -> OcaResult<i32> {
        let params = vec![int(id), int(disk_id), string(name), string(image_type), int(snap_id)];
        self.call_int("one.vm.disksaveas", params).await
    }

    /// `one.vm.resize`: `CPU=`, `VCPU=`, `MEMORY=` (`enforce`: the host must have room).
    pub async fn vm_resize(&self, id: i32, template: &str, enforce: bool) -> OcaResult<i32> {
        self.call_int("one.vm.resize", vec![int(id), string(template), Value::Boolean(enforce)]).await
    }

    /// `one.vm.updateconf`: replace (or merge) OS, FEATURES, GRAPHICS, CONTEXT, ...
    pub async fn vm_update_conf(&self, id: i32, template: &str, kind: UpdateType) -> OcaResult<i32> {
        self.call_int("one.vm.updateconf", vec![int(id), string(template), kind.value()]).await
    }
}
