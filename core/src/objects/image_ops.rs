//! What oned does to existing images, as pure functions with OpenNebula's rules and messages:
//! state changes, VMs acquiring and releasing images, clones, `enable`, `persistent`,
//! `chtype`, and snapshot operations. Allocation is in `image_alloc.rs`, the DISK attributes an
//! image gives a VM in `image_disk.rs`.
//!
//! Side effects that need other objects (datastore capacity, quotas, hooks, notifying VMs when a
//! locked image becomes usable) are the caller's; these functions only change the image.

use super::image::Image;
use super::image_alloc::{ImageDefaults, parse_type};
use crate::error::ErrorCode;
use crate::objects::common::Lock;
use crate::states::{ImageState, ImageType};

/// A refused image operation: the error code and OpenNebula's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ImageError {
    /// The code of the failed call.
    pub code: ErrorCode,
    /// The message, as OpenNebula words it.
    pub message: String,
}

/// An [`ImageError`].
pub(super) fn err(code: ErrorCode, message: impl Into<String>) -> ImageError {
    ImageError { code, message: message.into() }
}

impl Image {
    /// Changes the state as OpenNebula's `Image::set_state` does: going to any state but
    /// LOCKED removes the object's lock; setting LOCKED while LOCKED puts a USE lock owned by
    /// oned (-1).
    pub fn set_state(&mut self, state: ImageState, now: i64) {
        let failing_locked_use = state == ImageState::Error
            && matches!(self.state, ImageState::LockedUsed | ImageState::LockedUsedPers);
        if !failing_locked_use && self.state == ImageState::Locked {
            self.meta.lock = Some(Lock { level: 1, owner: -1, time: now, req_id: -1 });
        }
        if state != ImageState::Locked {
            self.meta.lock = None;
        }
        self.state = state;
    }

    /// Leaves a LOCKED* or ERROR state once the driver is done: LOCKED → READY,
    /// LOCKED_USED → USED, LOCKED_USED_PERS → USED_PERS, ERROR → READY (or USED / USED_PERS
    /// while VMs use it). The caller tells the VMs waiting on it.
    pub fn set_state_unlock(&mut self, now: i64) {
        let next = match self.state {
            ImageState::Locked => ImageState::Ready,
            ImageState::LockedUsed => ImageState::Used,
            ImageState::LockedUsedPers => ImageState::UsedPers,
            ImageState::Error if self.running_vms == 0 => ImageState::Ready,
            ImageState::Error if self.persistent => ImageState::UsedPers,
            ImageState::Error => ImageState::Used,
            _ => return,
        };
        self.set_state(next, now);
    }

    /// Adds a VM to `VMS` (and to RUNNING_VMS when new); returns RUNNING_VMS.
    pub fn inc_running(&mut self, vm_id: i32) -> i32 {
        if self.vms.insert(vm_id) {
            self.running_vms += 1;
        }
        self.running_vms
    }

    /// Removes a VM from `VMS` (and from RUNNING_VMS when it was there); returns RUNNING_VMS.
    pub fn dec_running(&mut self, vm_id: i32) -> i32 {
        if self.vms.remove(&vm_id) {
            self.running_vms -= 1;
        }
        self.running_vms
    }

    /// A VM starts using the image as a disk (`attach` for a hot-plugged one). Refusals use
    /// OpenNebula's messages, e.g. `Cannot acquire image 3, it is persistent and already in
    /// use`. A persistent image shared with `PERSISTENT_TYPE=SHAREABLE` may be used by several.
    pub fn acquire(&mut self, vm_id: i32, attach: bool, now: i64) -> Result<(), String> {
        let id = self.meta.id;
        if matches!(
            self.image_type,
            ImageType::Kernel | ImageType::Ramdisk | ImageType::Context | ImageType::Backup
        ) {
            return Err(format!(
                "Image {id} ({}) of type {} cannot be used as DISK.",
                self.meta.name,
                self.image_type.name()
            ));
        }
        let shareable =
            self.template.get("PERSISTENT_TYPE").is_some_and(|t| t.eq_ignore_ascii_case("SHAREABLE"));
        let locked = || format!("Cannot acquire image {id}, it is locked");
        let in_use = || format!("Cannot acquire image {id}, it is persistent and already in use");
        match self.state {
            ImageState::Ready => {
                self.inc_running(vm_id);
                let next = if self.persistent { ImageState::UsedPers } else { ImageState::Used };
                self.set_state(next, now);
            }
            ImageState::Locked if attach => return Err(locked()),
            ImageState::Locked => {
                self.inc_running(vm_id);
                let next = if self.persistent { ImageState::LockedUsedPers } else { ImageState::LockedUsed };
                self.set_state(next, now);
            }
            ImageState::UsedPers | ImageState::LockedUsedPers if !shareable => return Err(in_use()),
            ImageState::UsedPers | ImageState::Used => {
                self.inc_running(vm_id);
            }
            ImageState::LockedUsedPers | ImageState::LockedUsed if attach => return Err(locked()),
            ImageState::LockedUsedPers | ImageState::LockedUsed => {
                self.inc_running(vm_id);
            }
            s => return Err(format!("Cannot acquire image {id}, it is in state: {}", state_str(s))),
        }
        Ok(())
    }

    /// A VM stops using the image (`failed`: its disk could not be saved, the image goes to
    /// ERROR). The image is back to READY (or LOCKED) when no VM uses it; in a wrong state
    /// nothing changes and `false` is returned (OpenNebula only logs it).
    pub fn release(&mut self, vm_id: i32, failed: bool, now: i64) -> bool {
        if matches!(
            self.image_type,
            ImageType::Kernel | ImageType::Ramdisk | ImageType::Context | ImageType::Backup
        ) {
            return false;
        }
        match self.state {
            ImageState::UsedPers | ImageState::LockedUsedPers => {
                let idle =
                    if self.state == ImageState::UsedPers { ImageState::Ready } else { ImageState::Locked };
                let left = self.dec_running(vm_id);
                self.modtime = now;
                if failed {
                    self.set_state(ImageState::Error, now);
                } else if left == 0 {
                    self.set_state(idle, now);
                }
            }
            ImageState::Used | ImageState::LockedUsed => {
                let idle =
                    if self.state == ImageState::Used { ImageState::Ready } else { ImageState::Locked };
                if self.dec_running(vm_id) == 0 && self.cloning_ops == 0 {
                    self.set_state(idle, now);
                }
            }
            _ => return false,
        }
        true
    }

    /// Whether the image can be the source of a clone, with OpenNebula's messages.
    pub fn can_clone(&self) -> Result<(), String> {
        if self.image_type == ImageType::Backup {
            return Err("Cannoe clone backup images".to_owned());
        }
        match self.state {
            ImageState::Clone | ImageState::Ready | ImageState::Used => Ok(()),
            s => Err(format!("Cannot clone image in state: {}", state_str(s))),
        }
    }

    /// A clone (an image when `by_app` is false, else a marketplace app) starts copying this
    /// image: CLONING_OPS grows, a READY image goes to CLONE (persistent) or USED.
    pub fn start_clone(&mut self, by_app: bool, new_id: i32, now: i64) -> Result<(), String> {
        if self.image_type == ImageType::Backup {
            return Err("Cannoe clone backup images".to_owned());
        }
        match self.state {
            ImageState::Ready => {
                self.inc_cloning(by_app, new_id);
                let next = if self.persistent { ImageState::Clone } else { ImageState::Used };
                self.set_state(next, now);
            }
            ImageState::Used | ImageState::Clone => {
                self.inc_cloning(by_app, new_id);
            }
            _ => return Err("Cannot clone image in current state".to_owned()),
        }
        Ok(())
    }

    fn inc_cloning(&mut self, by_app: bool, id: i32) {
        let set = if by_app { &mut self.app_clones } else { &mut self.clones };
        if set.insert(id) {
            self.cloning_ops += 1;
        }
    }

    /// A clone of this image finished (or failed): CLONING_OPS shrinks, and the image is READY
    /// again when nothing uses it. `false` when the image was in a wrong state.
    pub fn end_clone(&mut self, by_app: bool, id: i32, now: i64) -> bool {
        if !matches!(self.image_type, ImageType::Os | ImageType::Datablock | ImageType::Cdrom) {
            return false;
        }
        if !matches!(self.state, ImageState::Used | ImageState::Clone) {
            return false;
        }
        let set = if by_app { &mut self.app_clones } else { &mut self.clones };
        if set.remove(&id) {
            self.cloning_ops -= 1;
        }
        if self.cloning_ops == 0 && self.running_vms == 0 {
            self.set_state(ImageState::Ready, now);
        }
        true
    }

    /// `one.image.enable`: READY ↔ DISABLED (ERROR can be disabled, or enabled back to the
    /// state its use implies). The message is the whole response, code INTERNAL.
    pub fn enable(&mut self, enable: bool, now: i64) -> Result<(), String> {
        let verb = if enable { "enable" } else { "disable" };
        let fail = |m: String| Err(format!("Could not {verb} image: {m}"));
        if self.image_type == ImageType::Backup {
            return fail("Backup images cannot be enabled or disabled.".to_owned());
        }
        match (enable, self.state) {
            (true, ImageState::Disabled) => self.set_state(ImageState::Ready, now),
            (true, ImageState::Error) => self.set_state_unlock(now),
            (true, ImageState::Ready) | (false, ImageState::Disabled) => {}
            (false, ImageState::Ready | ImageState::Error) => self.set_state(ImageState::Disabled, now),
            (_, s) => return fail(format!("Image cannot be in state {}.", state_str(s))),
        }
        Ok(())
    }

    /// `one.image.persistent`, given the datastore's DS_MAD and PERSISTENT_ONLY. Nothing
    /// happens when the image already has the requested persistency.
    pub fn set_persistent(
        &mut self,
        persistent: bool,
        ds_mad: &str,
        ds_persistent_only: bool,
    ) -> Result<(), ImageError> {
        if persistent == self.persistent {
            return Ok(());
        }
        if ds_mad.eq_ignore_ascii_case("lvm") {
            return Err(err(
                ErrorCode::Internal,
                "lvm datastores doesn't support change of image persistency.",
            ));
        }
        match self.image_type {
            ImageType::Kernel | ImageType::Ramdisk | ImageType::Context => {
                return Err(err(ErrorCode::Action, "KERNEL, RAMDISK and CONTEXT must be non-persistent"));
            }
            ImageType::Backup => return Err(err(ErrorCode::Action, "BACKUP images must be persistent")),
            _ => {}
        }
        if ds_persistent_only && !persistent {
            return Err(err(ErrorCode::Internal, "This Datastore only accepts persistent images."));
        }
        let prefix = if persistent { "persistent" } else { "non-persistent" };
        let fail = |m: String| Err(err(ErrorCode::Internal, format!("Could not make image {prefix}: {m}")));
        if !self.snapshots.list.is_empty() && !persistent {
            return fail("Image has snapshots.".to_owned());
        }
        match self.state {
            s @ (ImageState::Used
            | ImageState::Clone
            | ImageState::UsedPers
            | ImageState::LockedUsed
            | ImageState::LockedUsedPers) => fail(format!("Image cannot be in state {}.", state_str(s))),
            _ => {
                self.persistent = persistent;
                Ok(())
            }
        }
    }

    /// `one.image.chtype`: OS, DATABLOCK and CDROM interchange, as do KERNEL, RAMDISK and
    /// CONTEXT; BACKUP and FILESYSTEM images keep their type.
    pub fn change_type(&mut self, name: &str, defaults: &ImageDefaults) -> Result<(), ImageError> {
        let name = if name.is_empty() {
            defaults.default_type().name().to_owned()
        } else {
            name.to_ascii_uppercase()
        };
        let wanted = defaults.type_of(&name);
        let disk_family = |t| matches!(t, ImageType::Os | ImageType::Datablock | ImageType::Cdrom);
        let file_family = |t| matches!(t, ImageType::Kernel | ImageType::Ramdisk | ImageType::Context);
        let incompatible = "Cannot change image type to an incompatible type for the current datastore.";
        match self.image_type {
            t if disk_family(t) && !disk_family(wanted) => return Err(err(ErrorCode::Action, incompatible)),
            t if file_family(t) && !file_family(wanted) => return Err(err(ErrorCode::Action, incompatible)),
            t @ (ImageType::Backup | ImageType::Filesystem) => {
                return Err(err(ErrorCode::Action, format!("Cannot change type for{} images.", t.name())));
            }
            _ => {}
        }
        let has_snapshots = !self.snapshots.list.is_empty();
        self.image_type =
            parse_type(&name, self.image_type, has_snapshots).map_err(|m| err(ErrorCode::Internal, m))?;
        Ok(())
    }

    /// Checks a snapshot operation (`delete`, `revert` or `flatten`) before the driver runs
    /// it; on success the image is LOCKED with TARGET_SNAPSHOT set. Messages are OpenNebula's
    /// (code INTERNAL), e.g. `Cannot delete snapshot in state USED`.
    pub fn begin_snapshot_op(&mut self, op: SnapshotOp, snap_id: i32, now: i64) -> Result<(), String> {
        if !matches!(self.image_type, ImageType::Os | ImageType::Datablock) {
            return Err(
                "IMAGES of type KERNEL, RAMDISK, BACKUP, FILESYSTEM and CONTEXT does not have snapshots."
                    .to_owned(),
            );
        }
        if self.state != ImageState::Ready {
            let verb = match op {
                SnapshotOp::Delete => "delete snapshot",
                SnapshotOp::Revert => "revert to snapshot",
                SnapshotOp::Flatten => "flatten snapshot",
            };
            return Err(format!("Cannot {verb} in state {}", state_str(self.state)));
        }
        match op {
            SnapshotOp::Delete => self.snapshots.test_delete_image(snap_id)?,
            _ if !self.snapshots.exists(snap_id) => return Err("Snapshot does not exist".to_owned()),
            _ => {}
        }
        self.target_snapshot = snap_id;
        self.set_state(ImageState::Locked, now);
        Ok(())
    }

    /// The driver finished a snapshot operation on TARGET_SNAPSHOT. On success a delete
    /// removes it, a revert activates it (the size becomes the snapshot's; LINEAR mode drops
    /// younger snapshots) and a flatten empties the list. The image leaves LOCKED either way.
    /// Returns the change of the image's datastore usage in MB (for quotas).
    pub fn end_snapshot_op(&mut self, op: SnapshotOp, success: bool, now: i64) -> i64 {
        let snap_id = self.target_snapshot;
        self.set_state_unlock(now);
        self.target_snapshot = -1;
        if !success || snap_id == -1 {
            return 0;
        }
        match op {
            SnapshotOp::Delete => {
                let size = self.snapshots.snapshot_size(snap_id);
                self.snapshots.delete(snap_id);
                -size
            }
            SnapshotOp::Revert => {
                let _ = self.snapshots.activate(snap_id, true);
                let snap_size = self.snapshots.snapshot_size(snap_id);
                let mut delta = 0;
                if snap_size != self.size_mb {
                    delta = snap_size - self.size_mb;
                    self.size_mb = snap_size;
                }
                if self.snapshots.mode() == super::image_snapshots::OrphansMode::Linear {
                    for younger in self.snapshots.younger_than(snap_id) {
                        delta -= self.snapshots.snapshot_size(younger);
                        self.snapshots.delete(younger);
                    }
                }
                delta
            }
            SnapshotOp::Flatten => {
                let total = self.snapshots.total_size();
                self.snapshots.clear();
                -total
            }
        }
    }
}

/// A snapshot operation of `one.image.snapshot*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotOp {
    /// `snapshotdelete`.
    Delete,
    /// `snapshotrevert`.
    Revert,
    /// `snapshotflatten`.
    Flatten,
}

/// OpenNebula's `Image::state_to_str`: the persistent and locked variants are shown as USED
/// and LOCKED_USED.
pub fn state_str(state: ImageState) -> &'static str {
    match state {
        ImageState::UsedPers => "USED",
        ImageState::LockedUsedPers => "LOCKED_USED",
        s => s.name(),
    }
}

#[cfg(test)]
#[path = "image_ops_tests.rs"]
mod tests;
