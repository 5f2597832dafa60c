//! `one.image.allocate` and `one.image.clone` as pure functions: the settings and datastore
//! data they read, how the size is learned, and the new image (type, persistency, format,
//! state) with OpenNebula's rules and messages.

use super::image::Image;
use super::image_ops::{ImageError, err};
use super::vector_pairs as vp;
use crate::error::ErrorCode;
use crate::objects::common::Meta;
use crate::states::{DatastoreType, DiskType, ImageState, ImageType};
use crate::template::Template;

/// oned.conf (and user/group template) settings image allocation reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDefaults {
    /// `DEFAULT_IMAGE_TYPE` (`OS`, `CDROM` or `DATABLOCK`; anything else means `OS`).
    pub default_type: String,
    /// `DEFAULT_DEVICE_PREFIX` (`sd`).
    pub dev_prefix: String,
    /// `DEFAULT_IMAGE_PERSISTENT_NEW` as found in the owner's, the group's or oned.conf's
    /// configuration (`None` or empty: not set).
    pub persistent_new: Option<String>,
}

impl Default for ImageDefaults {
    fn default() -> Self {
        ImageDefaults { default_type: "OS".into(), dev_prefix: "sd".into(), persistent_new: None }
    }
}

impl ImageDefaults {
    /// The default type, OS unless one of OS, CDROM or DATABLOCK is configured.
    pub fn default_type(&self) -> ImageType {
        match self.default_type.as_str() {
            "CDROM" => ImageType::Cdrom,
            "DATABLOCK" => ImageType::Datablock,
            _ => ImageType::Os,
        }
    }

    /// The type a `TYPE` value names: empty means the default, anything unknown OS.
    pub fn type_of(&self, name: &str) -> ImageType {
        if name.is_empty() {
            return self.default_type();
        }
        ImageType::from_name(&name.to_ascii_uppercase()).unwrap_or(ImageType::Os)
    }
}

/// The datastore an image is allocated in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetDatastore {
    /// ID.
    pub id: i32,
    /// Name.
    pub name: String,
    /// Its type.
    pub ds_type: DatastoreType,
    /// The DISK_TYPE its images get.
    pub disk_type: DiskType,
    /// The format its driver imposes on new empty disks (TM_MAD_CONF `DRIVER` or the
    /// datastore's `DRIVER`; empty for none).
    pub driver: String,
    /// `PERSISTENT_ONLY=YES`.
    pub persistent_only: bool,
}

/// Where the size of a new image comes from (`ImageManager::stat_image`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSize {
    /// Known from the template (a SOURCE or an empty disk): the SIZE text.
    Known(String),
    /// The datastore driver must stat this PATH (the `STAT` action).
    Stat(String),
}

/// How `one.image.allocate` learns the size. `Err` is the full message (code INTERNAL), e.g.
/// `Cannot parse image SIZE: Wrong number or missing SIZE attribute.`
pub fn image_size(tmpl: &Template, defaults: &ImageDefaults) -> Result<ImageSize, String> {
    let fail = |m: &str| Err(format!("Cannot parse image SIZE: {m}"));
    let type_name = tmpl.get("TYPE").unwrap_or_default();
    let get = |name: &str| tmpl.get(name).unwrap_or_default().to_owned();
    let size_ok = tmpl.get("SIZE").is_some_and(|s| s.trim().parse::<i64>().is_ok());
    let known = |size_ok: bool| {
        if size_ok {
            Ok(ImageSize::Known(get("SIZE")))
        } else {
            fail("Wrong number or missing SIZE attribute.")
        }
    };
    match defaults.type_of(type_name) {
        ImageType::Filesystem => {
            let path = get("PATH");
            if path.is_empty() { fail("Missing PATH attribute.") } else { Ok(ImageSize::Stat(path)) }
        }
        ImageType::Backup => match tmpl.get("SIZE") {
            Some(s) => Ok(ImageSize::Known(s.to_owned())),
            None => fail(""),
        },
        ImageType::Cdrom | ImageType::Kernel | ImageType::Ramdisk | ImageType::Context => {
            if !get("SOURCE").is_empty() {
                return known(size_ok);
            }
            let path = get("PATH");
            if path.is_empty() {
                fail(&format!("Either PATH or SOURCE are required for {type_name}"))
            } else {
                Ok(ImageSize::Stat(path))
            }
        }
        ImageType::Os | ImageType::Datablock => {
            let path = get("PATH");
            if !get("SOURCE").is_empty() || path.is_empty() {
                known(size_ok)
            } else {
                Ok(ImageSize::Stat(path))
            }
        }
    }
}

/// Leading integer of a text as C++'s `>>` reads it (0 when there is none).
fn leading_i64(text: &str) -> i64 {
    let t = text.trim_start();
    let end = t.char_indices().find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))));
    let digits = &t[..end.map_or(t.len(), |(i, _)| i)];
    digits.parse().unwrap_or(0)
}

/// Removes a single attribute and returns its value ("" when absent).
fn take(tmpl: &mut Template, name: &str) -> String {
    let v = tmpl.get(name).unwrap_or_default().to_owned();
    tmpl.remove(name);
    v
}

/// The part of `Image::set_type` that reads a type name: OpenNebula's unknown-type message
/// is `"Unknown type " + <current type number>`, C pointer arithmetic included, so it loses
/// its first letters for types other than OS.
pub(super) fn parse_type(name: &str, current: ImageType, has_snapshots: bool) -> Result<ImageType, String> {
    let upper = name.to_ascii_uppercase();
    if upper != "OS" && upper != "DATABLOCK" && has_snapshots {
        return Err("Image with snapshots can be only of type OS or DATABLOCK".to_owned());
    }
    ImageType::from_name(&upper).ok_or_else(|| {
        let msg = "Unknown type ";
        msg[(current.value() as usize).min(msg.len())..].to_owned()
    })
}

impl Image {
    /// The new image of `one.image.allocate`, from its template and the size learned with
    /// [`image_size`] (or the driver's STAT). The caller has validated NAME (syntax and
    /// uniqueness: `NAME is already taken by IMAGE <id>.`), authorization and quotas; `meta`
    /// gives the owner and permissions, its name is taken from the template. The new image is
    /// LOCKED until the datastore driver copies it (BACKUP images are READY and used by their
    /// VM). `cloning_id` is the source image of `one.image.clone`. Errors carry code ALLOCATE
    /// (the caller prefixes `Error allocating a new image. `).
    pub fn allocate(
        meta: Meta,
        mut tmpl: Template,
        ds: &TargetDatastore,
        defaults: &ImageDefaults,
        size: &str,
        cloning_id: Option<i32>,
        now: i64,
    ) -> Result<Image, ImageError> {
        let alloc = |m: &str| err(ErrorCode::Allocate, m);
        tmpl.set("SIZE", size);
        // Persistency: the template's PERSISTENT wins; else DEFAULT_IMAGE_PERSISTENT_NEW.
        let tmpl_persistent = tmpl.get("PERSISTENT").map(|v| v.eq_ignore_ascii_case("YES"));
        let configured = defaults.persistent_new.as_deref().filter(|v| !v.is_empty());
        let persistent = match (tmpl_persistent, configured) {
            (Some(p), _) => p,
            (None, Some(c)) => c.eq_ignore_ascii_case("YES"),
            (None, None) => false,
        };
        tmpl.set("PERSISTENT", vp::yes_no(persistent));
        if !persistent && tmpl.get("PERSISTENT_TYPE").is_some_and(|t| t.eq_ignore_ascii_case("SHAREABLE")) {
            tmpl.remove("PERSISTENT_TYPE");
        }
        if ds.persistent_only && !persistent {
            return Err(alloc("This Datastore only accepts persistent images."));
        }
        // The datastore must suit the type.
        let type_attr = tmpl.get("TYPE").unwrap_or_default().to_owned();
        match defaults.type_of(&type_attr) {
            ImageType::Os | ImageType::Datablock | ImageType::Cdrom | ImageType::Filesystem
                if ds.ds_type != DatastoreType::Image =>
            {
                return Err(alloc(
                    "Only IMAGES of type KERNEL, RAMDISK and CONTEXT can be registered in a FILE_DS datastore",
                ));
            }
            ImageType::Kernel | ImageType::Ramdisk | ImageType::Context
                if ds.ds_type != DatastoreType::File =>
            {
                return Err(alloc(
                    "IMAGES of type KERNEL, RAMDISK and CONTEXT cannot be registered in an IMAGE_DS datastore",
                ));
            }
            ImageType::Backup if ds.ds_type != DatastoreType::Backup => {
                return Err(alloc("IMAGES of type BACKUP can only be registered in an BACKUP_DS datastore"));
            }
            _ => {}
        }
        let mut img = Image::new(meta, now);
        img.datastore_id = ds.id;
        img.datastore = ds.name.clone();
        img.disk_type = ds.disk_type;
        img.cloning_id = cloning_id.unwrap_or(-1);
        img.meta.name = take(&mut tmpl, "NAME");
        let type_attr = take(&mut tmpl, "TYPE");
        let type_attr =
            if type_attr.is_empty() { defaults.default_type().name().to_owned() } else { type_attr };
        img.image_type = parse_type(&type_attr, img.image_type, false).map_err(|m| alloc(&m))?;
        let persistent_attr = take(&mut tmpl, "PERSISTENT");
        match img.image_type {
            ImageType::Os | ImageType::Datablock => {
                img.persistent = persistent_attr.eq_ignore_ascii_case("YES");
                if tmpl.get("DEV_PREFIX").unwrap_or_default().is_empty() {
                    tmpl.set("DEV_PREFIX", defaults.dev_prefix.as_str());
                }
            }
            ImageType::Cdrom | ImageType::Kernel | ImageType::Ramdisk | ImageType::Context => {
                img.persistent = false;
                tmpl.remove("DEV_PREFIX");
            }
            ImageType::Backup => {
                img.persistent = true;
                tmpl.remove("DEV_PREFIX");
            }
            ImageType::Filesystem => {
                img.persistent = persistent_attr.eq_ignore_ascii_case("YES");
                tmpl.remove("DEV_PREFIX");
            }
        }
        img.size_mb = leading_i64(&take(&mut tmpl, "SIZE"));
        img.fs = take(&mut tmpl, "FS");
        tmpl.remove("DRIVER");
        img.path = take(&mut tmpl, "PATH");
        img.source = take(&mut tmpl, "SOURCE");
        img.format = take(&mut tmpl, "FORMAT");
        tmpl.remove("TM_MAD");
        if vp::is_yes(tmpl.get("SAVE_AS_HOT")) {
            img.format = "save_as".to_owned();
        } else if img.cloning_id == -1 {
            if !img.source.is_empty() {
                if !img.path.is_empty() {
                    return Err(alloc("PATH and SOURCE cannot be both set."));
                } else if img.format.is_empty() {
                    return Err(alloc("SOURCE needs FORMAT to be set."));
                }
            } else if img.image_type == ImageType::Backup {
                return Err(alloc("SOURCE cannot be empty for BACKUP images"));
            } else if !img.path.is_empty() {
                img.format.clear();
            } else if matches!(img.image_type, ImageType::Datablock | ImageType::Os) {
                if !ds.driver.is_empty() {
                    tmpl.set("DRIVER", ds.driver.as_str());
                    img.format = ds.driver.clone();
                } else if img.format.is_empty() {
                    img.format = "raw".to_owned();
                }
            } else if img.image_type == ImageType::Filesystem {
                img.format = "dir".to_owned();
            } else {
                return Err(alloc("No PATH nor SOURCE in template."));
            }
        }
        img.state = ImageState::Locked;
        if img.image_type == ImageType::Backup {
            let vm_id = take(&mut tmpl, "VM_ID");
            let Ok(vm_id) = vm_id.trim().parse::<i32>() else {
                return Err(alloc("No associated VM ID for BACKUP image."));
            };
            img.state = ImageState::Ready;
            img.inc_running(vm_id);
        }
        img.template = tmpl;
        Ok(img)
    }

    /// The template `one.image.clone` allocates the copy from: this image's template with
    /// NAME, TYPE, PATH (this SOURCE), FORMAT, SIZE and PERSISTENT set.
    pub fn clone_template(&self, new_name: &str) -> Template {
        let mut t = self.template.clone();
        t.set("NAME", new_name);
        t.set("TYPE", self.image_type.name());
        t.set("PATH", self.source.as_str());
        t.set("FORMAT", self.format.as_str());
        t.set("SIZE", self.size_mb.to_string());
        t.set("PERSISTENT", vp::yes_no(self.persistent));
        t
    }
}
