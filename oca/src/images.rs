//! `one.image.*` and `one.imagepool.info`.

use one_core::objects::image::{Image, images_from_pool};

use crate::{Client, OcaResult, UpdateType, Value, int, object_error, parse_doc, string};

/// An image snapshot operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSnapshotOp {
    /// `one.image.snapshotdelete`.
    Delete,
    /// `one.image.snapshotrevert`.
    Revert,
    /// `one.image.snapshotflatten`.
    Flatten,
}

impl Client {
    /// `one.image.allocate` in datastore `ds_id` (`no_capacity_check`: administrators only).
    pub async fn image_allocate(
        &self,
        template: &str,
        ds_id: i32,
        no_capacity_check: bool,
    ) -> OcaResult<i32> {
        self.call_int(
            "one.image.allocate",
            vec![string(template), int(ds_id), Value::Boolean(no_capacity_check)],
        )
        .await
    }

    /// `one.image.clone` (`ds_id` -1: the source's datastore).
    pub async fn image_clone(&self, id: i32, name: &str, ds_id: i32) -> OcaResult<i32> {
        self.call_int("one.image.clone", vec![int(id), string(name), int(ds_id)]).await
    }

    /// `one.image.delete` (`force`: also a locked image, ignoring driver errors).
    pub async fn image_delete(&self, id: i32, force: bool) -> OcaResult<i32> {
        self.call_int("one.image.delete", vec![int(id), Value::Boolean(force)]).await
    }

    /// `one.image.info`, raw.
    pub async fn image_info_xml(&self, id: i32) -> OcaResult<String> {
        self.call_string("one.image.info", vec![int(id), Value::Boolean(false)]).await
    }

    /// `one.image.info`.
    pub async fn image_info(&self, id: i32) -> OcaResult<Image> {
        self.object("one.image.info", vec![int(id), Value::Boolean(false)]).await
    }

    /// `one.image.update`.
    pub async fn image_update(&self, id: i32, template: &str, kind: UpdateType) -> OcaResult<i32> {
        self.call_int("one.image.update", vec![int(id), string(template), kind.value()]).await
    }

    /// `one.image.rename`.
    pub async fn image_rename(&self, id: i32, name: &str) -> OcaResult<i32> {
        self.call_int("one.image.rename", vec![int(id), string(name)]).await
    }

    /// `one.image.chmod` (nine values, -1 keeps).
    pub async fn image_chmod(&self, id: i32, bits: [i32; 9]) -> OcaResult<i32> {
        self.call_int("one.image.chmod", crate::infra::chmod_params(id, bits)).await
    }

    /// `one.image.chown` (-1 keeps).
    pub async fn image_chown(&self, id: i32, uid: i32, gid: i32) -> OcaResult<i32> {
        self.call_int("one.image.chown", vec![int(id), int(uid), int(gid)]).await
    }

    /// `one.image.lock` at `level` (1 use, 2 manage, 3 admin, 4 all).
    pub async fn image_lock(&self, id: i32, level: i32) -> OcaResult<i32> {
        self.call_int("one.image.lock", vec![int(id), int(level), Value::Boolean(false)]).await
    }

    /// `one.image.unlock`.
    pub async fn image_unlock(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.image.unlock", vec![int(id)]).await
    }

    /// `one.image.enable` (false disables).
    pub async fn image_enable(&self, id: i32, enable: bool) -> OcaResult<i32> {
        self.call_int("one.image.enable", vec![int(id), Value::Boolean(enable)]).await
    }

    /// `one.image.persistent`.
    pub async fn image_persistent(&self, id: i32, persistent: bool) -> OcaResult<i32> {
        self.call_int("one.image.persistent", vec![int(id), Value::Boolean(persistent)]).await
    }

    /// `one.image.chtype` (`OS`, `CDROM`, `DATABLOCK`, `KERNEL`, `RAMDISK`, `CONTEXT`).
    pub async fn image_chtype(&self, id: i32, type_name: &str) -> OcaResult<i32> {
        self.call_int("one.image.chtype", vec![int(id), string(type_name)]).await
    }

    /// `one.image.snapshotdelete`, `snapshotrevert` or `snapshotflatten`.
    pub async fn image_snapshot(&self, id: i32, op: ImageSnapshotOp, snapshot_id: i32) -> OcaResult<i32> {
        let method = match op {
            ImageSnapshotOp::Delete => "one.image.snapshotdelete",
            ImageSnapshotOp::Revert => "one.image.snapshotrevert",
            ImageSnapshotOp::Flatten => "one.image.snapshotflatten",
        };
        self.call_int(method, vec![int(id), int(snapshot_id)]).await
    }

    /// `one.imagepool.info`, raw (`filter`: -4 group, -3 mine, -2 all, -1 mine and my groups',
    /// >= 0 that user's; `start`/`end`: ID range, -1 open).
    pub async fn imagepool_info_xml(&self, filter: i32, start: i32, end: i32) -> OcaResult<String> {
        self.call_string("one.imagepool.info", vec![int(filter), int(start), int(end)]).await
    }

    /// `one.imagepool.info`.
    pub async fn imagepool_info(&self, filter: i32, start: i32, end: i32) -> OcaResult<Vec<Image>> {
        let xml = self.imagepool_info_xml(filter, start, end).await?;
        images_from_pool(&parse_doc("one.imagepool.info", &xml)?)
            .map_err(|e| object_error("one.imagepool.info", e))
    }
}
