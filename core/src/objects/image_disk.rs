//! The DISK attributes an image gives a VM (OpenNebula's `Image::disk_attribute`): IMAGE,
//! IMAGE_ID, SOURCE, sizes, FORMAT/DRIVER, CLONE/SAVE/READONLY/PERSISTENT, TYPE, TARGET,
//! DEV_PREFIX, filesystem mount points and the attributes oned.conf says disks inherit.

use super::image::Image;
use super::vector_pairs as vp;
use crate::states::{DiskType, ImageState, ImageType};
use crate::template::Value;

/// OpenNebula's `disk_type_to_str` (note `CDROM` and `FILESYSTEM`, unlike the enum names).
pub fn disk_type_str(t: DiskType) -> &'static str {
    match t {
        DiskType::File => "FILE",
        DiskType::CdRom => "CDROM",
        DiskType::Block => "BLOCK",
        DiskType::Rbd => "RBD",
        DiskType::RbdCdrom => "RBD_CDROM",
        DiskType::Gluster => "GLUSTER",
        DiskType::GlusterCdrom => "GLUSTER_CDROM",
        DiskType::Sheepdog => "SHEEPDOG",
        DiskType::SheepdogCdrom => "SHEEPDOG_CDROM",
        DiskType::Iscsi => "ISCSI",
        DiskType::FileSystem => "FILESYSTEM",
        DiskType::None => "",
    }
}

impl Image {
    /// Fills a VM's DISK vector from this image. `inherit` lists oned.conf's
    /// `INHERIT_IMAGE_ATTR` names; `default_dev_prefix` is `DEFAULT_DEVICE_PREFIX`. Returns the
    /// image type and the device prefix the disk ends up with (empty for CDROM and FILESYSTEM,
    /// whose prefix depends on the VM).
    pub fn disk_attribute(
        &self,
        disk: &mut Vec<(String, String)>,
        inherit: &[String],
        default_dev_prefix: &str,
    ) -> (ImageType, String) {
        let tmpl = |name: &str| self.template.get(name).unwrap_or_default().to_owned();
        let target = vp::get(disk, "TARGET").unwrap_or_default().to_owned();
        let mut dev_prefix = vp::get(disk, "DEV_PREFIX").unwrap_or_default().to_owned();
        let persistent_type = tmpl("PERSISTENT_TYPE").to_ascii_uppercase();
        if dev_prefix.is_empty() && !matches!(self.image_type, ImageType::Cdrom | ImageType::Filesystem) {
            dev_prefix = tmpl("DEV_PREFIX");
            if dev_prefix.is_empty() {
                dev_prefix = default_dev_prefix.to_owned();
            }
            vp::replace(disk, "DEV_PREFIX", dev_prefix.as_str());
        }
        vp::replace(disk, "IMAGE", self.meta.name.as_str());
        vp::replace(disk, "IMAGE_ID", self.meta.id.to_string());
        vp::replace(disk, "SOURCE", self.source.as_str());
        vp::replace(disk, "ORIGINAL_SIZE", self.size_mb.to_string());
        if vp::get_set(disk, "SIZE").is_none() {
            vp::replace(disk, "SIZE", self.size_mb.to_string());
        }
        vp::replace(disk, "DISK_SNAPSHOT_TOTAL_SIZE", self.snapshots.total_size().to_string());
        if self.format.is_empty() {
            vp::remove(disk, "DRIVER");
            vp::remove(disk, "FORMAT");
        } else {
            let format = self.format.to_ascii_lowercase();
            vp::replace(disk, "DRIVER", format.as_str());
            vp::replace(disk, "FORMAT", format);
        }
        vp::replace(disk, "IMAGE_STATE", self.state.value().to_string());
        if self.image_type == ImageType::Cdrom || persistent_type == "IMMUTABLE" {
            vp::replace(disk, "SAVE", "NO");
            vp::replace(disk, "CLONE", "NO");
            vp::replace(disk, "READONLY", "YES");
        } else {
            if vp::get_set(disk, "READONLY").is_none() {
                let ro = self.template.get("READONLY").is_some_and(|v| v.eq_ignore_ascii_case("YES"));
                vp::replace(disk, "READONLY", vp::yes_no(ro));
            }
            if self.persistent {
                vp::replace(disk, "PERSISTENT", "YES");
                vp::replace(disk, "CLONE", "NO");
                vp::replace(disk, "SAVE", "YES");
                let raw_or_dir = matches!(self.format.as_str(), "raw" | "dir");
                if persistent_type == "SHAREABLE" && raw_or_dir {
                    vp::replace(disk, "SHAREABLE", "YES");
                }
            } else {
                vp::replace(disk, "CLONE", "YES");
                vp::replace(disk, "SAVE", "NO");
            }
        }
        if matches!(self.state, ImageState::LockedUsed | ImageState::LockedUsedPers | ImageState::Locked) {
            vp::replace(disk, "CLONING", "YES");
        } else {
            vp::remove(disk, "CLONING");
        }
        let disk_type = match self.image_type {
            ImageType::Os | ImageType::Datablock | ImageType::Filesystem => disk_type_str(self.disk_type),
            ImageType::Cdrom => match self.disk_type {
                DiskType::Rbd => "RBD_CDROM",
                DiskType::Sheepdog => "SHEEPDOG_CDROM",
                DiskType::Gluster => "GLUSTER_CDROM",
                _ => "CDROM",
            },
            _ => "",
        };
        vp::replace(disk, "TYPE", disk_type);
        let template_target = tmpl("TARGET");
        if target.is_empty() && !template_target.is_empty() {
            vp::replace(disk, "TARGET", template_target);
        }
        if vp::get(disk, "TYPE") == Some("FILESYSTEM") {
            for (key, default) in [
                ("MOUNT_POINT", format!("/mnt/one-fs-{}", self.meta.id)),
                ("MOUNT_TAG", format!("one-tag-{}", self.meta.id)),
            ] {
                if vp::get_set(disk, key).is_none() {
                    let from_image = tmpl(key);
                    vp::replace(disk, key, if from_image.is_empty() { default } else { from_image });
                }
            }
        }
        inherit_into(disk, &self.template, inherit);
        (self.image_type, dev_prefix)
    }
}

/// Copies inherited attributes from an object template into a DISK or NIC vector: a vector
/// attribute contributes all its pairs, a single one its value; values already set in the
/// vector are kept, empty ones are not copied.
pub fn inherit_into(
    pairs: &mut Vec<(String, String)>,
    template: &crate::template::Template,
    names: &[String],
) {
    for name in names.iter().map(|n| n.to_ascii_uppercase()) {
        match template.get_all(&name).next().map(|a| &a.value) {
            Some(Value::Vector(values)) => {
                for (k, v) in values {
                    if vp::get_set(pairs, k).is_none() && !v.is_empty() {
                        vp::replace(pairs, k, v.as_str());
                    }
                }
            }
            Some(Value::Single(v)) if vp::get_set(pairs, &name).is_none() && !v.is_empty() => {
                vp::replace(pairs, &name, v.as_str());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::image::tests::sample;
    use crate::template::Template;

    fn pairs(text: &str) -> Vec<(String, String)> {
        let t = Template::parse(&format!("DISK=[{text}]")).unwrap();
        t.vector("DISK").unwrap().to_vec()
    }

    #[test]
    fn an_os_image_disk() {
        let mut img = sample();
        img.template.set("ISCSI_HOST", "h");
        img.template.set("TARGET", "vdb");
        let mut disk = pairs("IMAGE_ID=3");
        let (t, prefix) = img.disk_attribute(&mut disk, &["ISCSI_HOST".to_owned(), "NOPE".to_owned()], "sd");
        assert_eq!((t, prefix.as_str()), (ImageType::Os, "vd"));
        for (k, v) in [
            ("IMAGE", "ubuntu"),
            ("IMAGE_ID", "3"),
            ("SOURCE", "/var/lib/one//datastores/1/0f3c"),
            ("ORIGINAL_SIZE", "100"),
            ("SIZE", "100"),
            ("DISK_SNAPSHOT_TOTAL_SIZE", "0"),
            ("DRIVER", "qcow2"),
            ("FORMAT", "qcow2"),
            ("IMAGE_STATE", "1"),
            ("READONLY", "NO"),
            ("CLONE", "YES"),
            ("SAVE", "NO"),
            ("TYPE", "FILE"),
            ("TARGET", "vdb"),
            ("ISCSI_HOST", "h"),
            ("DEV_PREFIX", "vd"),
        ] {
            assert_eq!(vp::get(&disk, k), Some(v), "{k}");
        }
        assert_eq!(vp::get(&disk, "CLONING"), None);
    }

    #[test]
    fn persistent_cdrom_and_filesystem_disks() {
        let mut img = sample();
        img.persistent = true;
        img.format = "raw".into();
        img.template.set("PERSISTENT_TYPE", "shareable");
        img.state = ImageState::LockedUsedPers;
        let mut disk = pairs("IMAGE_ID=3,SIZE=500,DEV_PREFIX=hd");
        let (_, prefix) = img.disk_attribute(&mut disk, &[], "sd");
        assert_eq!(prefix, "hd");
        for (k, v) in [
            ("SIZE", "500"),
            ("PERSISTENT", "YES"),
            ("SAVE", "YES"),
            ("SHAREABLE", "YES"),
            ("CLONING", "YES"),
        ] {
            assert_eq!(vp::get(&disk, k), Some(v), "{k}");
        }
        img.image_type = ImageType::Cdrom;
        img.disk_type = DiskType::Rbd;
        let mut disk = pairs("IMAGE_ID=3");
        let (_, prefix) = img.disk_attribute(&mut disk, &[], "sd");
        assert_eq!(prefix, "");
        assert_eq!((vp::get(&disk, "TYPE"), vp::get(&disk, "READONLY")), (Some("RBD_CDROM"), Some("YES")));
        img.image_type = ImageType::Filesystem;
        img.disk_type = DiskType::FileSystem;
        let mut disk = pairs("IMAGE_ID=3");
        img.disk_attribute(&mut disk, &[], "sd");
        assert_eq!(vp::get(&disk, "MOUNT_POINT"), Some("/mnt/one-fs-3"));
        assert_eq!(vp::get(&disk, "MOUNT_TAG"), Some("one-tag-3"));
    }

    #[test]
    fn vectors_are_inherited_pair_by_pair() {
        let t = Template::parse("QOS=[IOPS=5,BW=]\nX=1").unwrap();
        let mut disk = pairs("IOPS=9");
        inherit_into(&mut disk, &t, &["QOS".to_owned(), "X".to_owned()]);
        assert_eq!(
            (vp::get(&disk, "IOPS"), vp::get(&disk, "BW"), vp::get(&disk, "X")),
            (Some("9"), None, Some("1"))
        );
    }
}
