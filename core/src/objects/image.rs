//! IMAGE and IMAGE_POOL documents (`one.image.info`, `one.imagepool.info`) in OpenNebula's
//! element order (LOCK before PERMISSIONS), and reading them back. The image life cycle
//! (allocation from a template, use by VMs, enable, persistency, type, snapshots) lives in
//! `image_ops.rs`; the snapshot list in `image_snapshots.rs`.

use std::collections::BTreeSet;

use super::common::{Meta, PoolObject, read_ids, write_ids};
use super::image_snapshots::Snapshots;
use super::{ObjectError, required, required_num};
use crate::acl::ObjectType;
use crate::states::{DiskType, ImageState, ImageType};
use crate::template::Template;
use crate::xml::{Node, XmlWriter};

/// An image.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Identity, ownership, permissions, lock.
    pub meta: Meta,
    /// `TYPE`.
    pub image_type: ImageType,
    /// `DISK_TYPE`, from the datastore.
    pub disk_type: DiskType,
    /// `PERSISTENT`.
    pub persistent: bool,
    /// Registration time, seconds since the epoch.
    pub regtime: i64,
    /// Last modification (release by a persistent VM), seconds since the epoch.
    pub modtime: i64,
    /// Where the datastore keeps it (set by the driver).
    pub source: String,
    /// Where it was registered from.
    pub path: String,
    /// Format (`raw`, `qcow2`, ..., set by the driver when registered from a PATH).
    pub format: String,
    /// Filesystem to create (`FS`).
    pub fs: String,
    /// Size in MB.
    pub size_mb: i64,
    /// `STATE`.
    pub state: ImageState,
    /// `PREV_STATE`: the state when it was last saved.
    pub prev_state: ImageState,
    /// How many VMs use it.
    pub running_vms: i32,
    /// How many clones are being made from it.
    pub cloning_ops: i32,
    /// The image this one is cloned from, -1.
    pub cloning_id: i32,
    /// The snapshot a driver operation works on, -1.
    pub target_snapshot: i32,
    /// Datastore ID.
    pub datastore_id: i32,
    /// Datastore name.
    pub datastore: String,
    /// VMs using it.
    pub vms: BTreeSet<i32>,
    /// Images being cloned from it.
    pub clones: BTreeSet<i32>,
    /// Marketplace apps being created from it.
    pub app_clones: BTreeSet<i32>,
    /// The image's template.
    pub template: Template,
    /// Its snapshots.
    pub snapshots: Snapshots,
    /// `BACKUP_INCREMENTS` of a backup image (`INCREMENT` vectors), kept as a template.
    pub backup_increments: Template,
    /// `BACKUP_DISK_IDS`: the VM disks a backup image holds.
    pub backup_disk_ids: BTreeSet<i32>,
}

impl Image {
    /// An image in INIT with every counter at zero, as OpenNebula constructs it before
    /// applying the allocation template.
    pub fn new(meta: Meta, now: i64) -> Image {
        Image {
            meta,
            image_type: ImageType::Os,
            disk_type: DiskType::File,
            persistent: false,
            regtime: now,
            modtime: now,
            source: String::new(),
            path: String::new(),
            format: String::new(),
            fs: String::new(),
            size_mb: 0,
            state: ImageState::Init,
            prev_state: ImageState::Init,
            running_vms: 0,
            cloning_ops: 0,
            cloning_id: -1,
            target_snapshot: -1,
            datastore_id: -1,
            datastore: String::new(),
            vms: BTreeSet::new(),
            clones: BTreeSet::new(),
            app_clones: BTreeSet::new(),
            template: Template::new(),
            snapshots: Snapshots::default(),
            backup_increments: Template::new(),
            backup_disk_ids: BTreeSet::new(),
        }
    }
}

impl Image {
    /// Records the current state as PREV_STATE, as oned does each time it saves an image
    /// (after deciding whether a state hook fires).
    pub fn set_prev_state(&mut self) {
        self.prev_state = self.state;
    }
}

fn ids(set: &BTreeSet<i32>) -> Vec<i32> {
    set.iter().copied().collect()
}

fn enum_value<T>(node: &Node, tag: &str, from: fn(i32) -> Option<T>) -> Result<T, ObjectError> {
    let v: i32 = required_num(node, tag)?;
    from(v).ok_or_else(|| ObjectError(format!("<{tag}> {v} is not a known value")))
}

impl PoolObject for Image {
    const ROOT: &'static str = "IMAGE";
    const POOL_ROOT: &'static str = "IMAGE_POOL";
    const KIND: ObjectType = ObjectType::Image;

    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }

    fn template(&self) -> &Template {
        &self.template
    }

    fn template_mut(&mut self) -> &mut Template {
        &mut self.template
    }

    fn state(&self) -> i32 {
        self.state.value()
    }

    fn write_xml(&self, w: &mut XmlWriter) {
        w.open(Self::ROOT);
        self.meta.write_identity(w);
        self.meta.write_lock(w);
        self.meta.perms.write_xml(w);
        w.num("TYPE", self.image_type.value()).num("DISK_TYPE", self.disk_type.value());
        w.num("PERSISTENT", u8::from(self.persistent));
        w.num("REGTIME", self.regtime).num("MODTIME", self.modtime);
        w.cdata("SOURCE", &self.source).cdata("PATH", &self.path);
        w.cdata("FORMAT", &self.format).cdata("FS", &self.fs);
        w.num("SIZE", self.size_mb).num("STATE", self.state.value());
        w.num("PREV_STATE", self.prev_state.value()).num("RUNNING_VMS", self.running_vms);
        w.num("CLONING_OPS", self.cloning_ops).num("CLONING_ID", self.cloning_id);
        w.num("TARGET_SNAPSHOT", self.target_snapshot).num("DATASTORE_ID", self.datastore_id);
        w.text("DATASTORE", &self.datastore);
        write_ids(w, "VMS", &ids(&self.vms));
        write_ids(w, "CLONES", &ids(&self.clones));
        write_ids(w, "APP_CLONES", &ids(&self.app_clones));
        self.template.write_xml(w, "TEMPLATE");
        self.snapshots.write_xml(w);
        self.backup_increments.write_xml(w, "BACKUP_INCREMENTS");
        write_ids(w, "BACKUP_DISK_IDS", &ids(&self.backup_disk_ids));
        w.close(Self::ROOT);
    }

    fn from_node(node: &Node) -> Result<Self, ObjectError> {
        let set = |tag: &str| read_ids(node, tag).map(|v| v.into_iter().collect::<BTreeSet<i32>>());
        let text = |tag: &str| node.child_text(tag).unwrap_or_default().to_owned();
        Ok(Image {
            meta: Meta::from_node(node)?,
            image_type: enum_value(node, "TYPE", ImageType::from_value)?,
            disk_type: enum_value(node, "DISK_TYPE", DiskType::from_value)?,
            persistent: required_num::<i32>(node, "PERSISTENT")? != 0,
            regtime: required_num(node, "REGTIME")?,
            modtime: required_num(node, "MODTIME")?,
            source: required(node, "SOURCE")?.to_owned(),
            path: text("PATH"),
            format: text("FORMAT"),
            fs: text("FS"),
            size_mb: required_num(node, "SIZE")?,
            state: enum_value(node, "STATE", ImageState::from_value)?,
            prev_state: enum_value(node, "PREV_STATE", ImageState::from_value)?,
            running_vms: required_num(node, "RUNNING_VMS")?,
            cloning_ops: required_num(node, "CLONING_OPS")?,
            cloning_id: required_num(node, "CLONING_ID")?,
            target_snapshot: required_num(node, "TARGET_SNAPSHOT")?,
            datastore_id: required_num(node, "DATASTORE_ID")?,
            datastore: text("DATASTORE"),
            vms: set("VMS")?,
            clones: set("CLONES")?,
            app_clones: set("APP_CLONES")?,
            template: super::template_from_node(node.child("TEMPLATE"))?,
            snapshots: match node.child("SNAPSHOTS") {
                Some(s) => Snapshots::from_node(s)?,
                None => Snapshots::default(),
            },
            backup_increments: super::template_from_node(node.child("BACKUP_INCREMENTS"))?,
            backup_disk_ids: set("BACKUP_DISK_IDS")?,
        })
    }
}

/// Renders `<IMAGE_POOL>` with the images in the given order.
pub fn image_pool_xml<'a>(images: impl IntoIterator<Item = &'a Image>) -> String {
    let mut w = XmlWriter::new();
    w.open(Image::POOL_ROOT);
    for i in images {
        i.write_pool_xml(&mut w);
    }
    w.close(Image::POOL_ROOT);
    w.finish()
}

/// Reads `<IMAGE_POOL>`.
pub fn images_from_pool(node: &Node) -> Result<Vec<Image>, ObjectError> {
    node.children_named(Image::ROOT).map(Image::from_node).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::objects::common::Lock;
    use crate::perms::Permissions;

    /// A registered 100 MB qcow2 OS image in datastore 1.
    pub(crate) fn sample() -> Image {
        let meta = Meta::oneadmin(3, "ubuntu", Permissions::from_octal(0o600));
        let mut img = Image::new(meta, 1_700_000_000);
        img.source = "/var/lib/one//datastores/1/0f3c".into();
        img.path = "/tmp/ubuntu.qcow2".into();
        img.format = "qcow2".into();
        img.size_mb = 100;
        img.state = ImageState::Ready;
        img.prev_state = ImageState::Ready;
        img.datastore_id = 1;
        img.datastore = "default".into();
        img.template = Template::parse("DEV_PREFIX=vd\nDESCRIPTION=\"a <b> & c\"").unwrap();
        img
    }

    #[test]
    fn empty_pool_matches_opennebula_byte_for_byte() {
        let real = include_str!("../../golden/imagepool.xml").trim_end();
        assert_eq!(image_pool_xml([]), real);
    }

    #[test]
    fn image_xml_has_opennebulas_element_order() {
        let mut img = sample();
        img.meta.lock = Some(Lock { level: 2, owner: 0, time: 9, req_id: -1 });
        img.vms.insert(4);
        let xml = img.to_xml();
        let expected = "<IMAGE><ID>3</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME>\
            <NAME>ubuntu</NAME><LOCK><LOCKED>2</LOCKED><OWNER>0</OWNER><TIME>9</TIME><REQ_ID>-1</REQ_ID></LOCK>\
            <PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U>\
            <GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A>\
            </PERMISSIONS><TYPE>0</TYPE><DISK_TYPE>0</DISK_TYPE><PERSISTENT>0</PERSISTENT>\
            <REGTIME>1700000000</REGTIME><MODTIME>1700000000</MODTIME>\
            <SOURCE><![CDATA[/var/lib/one//datastores/1/0f3c]]></SOURCE><PATH><![CDATA[/tmp/ubuntu.qcow2]]></PATH>\
            <FORMAT><![CDATA[qcow2]]></FORMAT><FS><![CDATA[]]></FS><SIZE>100</SIZE><STATE>1</STATE>\
            <PREV_STATE>1</PREV_STATE><RUNNING_VMS>0</RUNNING_VMS><CLONING_OPS>0</CLONING_OPS>\
            <CLONING_ID>-1</CLONING_ID><TARGET_SNAPSHOT>-1</TARGET_SNAPSHOT><DATASTORE_ID>1</DATASTORE_ID>\
            <DATASTORE>default</DATASTORE><VMS><ID>4</ID></VMS><CLONES></CLONES><APP_CLONES></APP_CLONES>\
            <TEMPLATE><DESCRIPTION><![CDATA[a <b> & c]]></DESCRIPTION><DEV_PREFIX><![CDATA[vd]]></DEV_PREFIX>\
            </TEMPLATE><SNAPSHOTS><ALLOW_ORPHANS><![CDATA[NO]]></ALLOW_ORPHANS><CURRENT_BASE><![CDATA[-1]]>\
            </CURRENT_BASE><NEXT_SNAPSHOT><![CDATA[0]]></NEXT_SNAPSHOT></SNAPSHOTS>\
            <BACKUP_INCREMENTS></BACKUP_INCREMENTS><BACKUP_DISK_IDS></BACKUP_DISK_IDS></IMAGE>";
        assert_eq!(xml, expected);
    }

    #[test]
    fn image_xml_reads_back() {
        let mut img = sample();
        img.vms.extend([4, 2]);
        img.running_vms = 2;
        img.clones.insert(8);
        img.backup_disk_ids.insert(0);
        img.snapshots.create("s", 10, 5);
        img.backup_increments =
            Template::parse("INCREMENT=[DATE=1,ID=0,PARENT_ID=-1,SIZE=1,SOURCE=x,TYPE=FULL]").unwrap();
        img.template = Template::parse("DESCRIPTION=x\nDEV_PREFIX=vd").unwrap();
        let back = Image::from_xml(&img.to_xml()).unwrap();
        assert_eq!(back, img);
        let pool = crate::xml::parse(&image_pool_xml([&img, &img])).unwrap();
        assert_eq!(images_from_pool(&pool).unwrap(), vec![img.clone(), img]);
    }

    #[test]
    fn unknown_numbers_are_refused() {
        let xml = sample().to_xml().replace("<STATE>1</STATE>", "<STATE>42</STATE>");
        assert!(Image::from_xml(&xml).unwrap_err().0.contains("STATE"));
    }
}
