//! one-core's objects as the documents OpenNebula's scheduler searches: the elements of a
//! host (`one.host.info` with its MONITORING record and, when set, CLUSTER_TEMPLATE), a
//! datastore and a virtual network (its `one.vnpool.info` form), in the order `write_xml`
//! renders them, and their [`Attributes`] implementations.
//!
//! A bare name that is not one of the object's elements with children takes a fast path: the
//! fixed elements are picked by the name's [`Key`] (classified when parsed), then the
//! templates scanned, in document order. Other
//! names (paths, `*`, container elements) walk the document. Both give the same values, which
//! the tests check against the rendered XML for every name in the documents.

use super::ast::Name;
use super::attrs::{AttrValue, Attributes, DATASTORE_PATHS, Flow, HOST_PATHS, VNET_PATHS, emit, resolve};
use super::elements::{El, Visit, attribute};
use super::keys::Key;
use crate::objects::common::Meta;
use crate::objects::datastore::Datastore;
use crate::objects::host::{Host, HostShare};
use crate::objects::vnet::Vnet;
use crate::template::Template;

/// The name of the host pseudo-attribute: the host's VMs (and, through [`super::WithIds`],
/// those dispatched to it in the current cycle).
pub const CURRENT_VMS: &str = "CURRENT_VMS";

type Leaf<'a, T> = fn(&'a T, Key) -> Option<AttrValue<'a>>;

/// Calls `f` with the leaves `keys` of `obj`, in that order.
fn leaves<'a, T>(obj: &'a T, keys: &'static [Key], leaf: Leaf<'a, T>, f: Visit<'_>) -> Flow {
    for &key in keys {
        if let Some(v) = leaf(obj, key) {
            f(El::Leaf(key.as_str(), v))?;
        }
    }
    Flow::Continue(())
}

fn int(v: impl Into<i64>) -> Option<AttrValue<'static>> {
    Some(AttrValue::Int(v.into()))
}

fn text(v: &str) -> Option<AttrValue<'_>> {
    Some(AttrValue::Text(v))
}

/// Calls `f` with the values of the attributes `name` of a template.
fn template_values(t: &Template, name: &str, f: &mut dyn FnMut(AttrValue<'_>) -> Flow) -> Flow {
    let first = name.as_bytes().first();
    t.attributes()
        .iter()
        .filter(|a| a.name.len() == name.len() && a.name.as_bytes().first() == first && a.name == name)
        .try_for_each(|a| emit(attribute(a), f))
}

// ---- hosts ----

const HOST_LEAVES: &[Key] =
    &[Key::Id, Key::Name, Key::State, Key::PrevState, Key::ImMad, Key::VmMad, Key::ClusterId, Key::Cluster];
const SHARE_LEAVES: &[Key] = &[
    Key::MemUsage,
    Key::CpuUsage,
    Key::TotalMem,
    Key::TotalCpu,
    Key::MaxMem,
    Key::MaxCpu,
    Key::RunningVms,
    Key::VmsThread,
];
/// HOST_SHARE/DATASTORES is a template: DISK_USAGE, the DS vectors, then the rest, sorted.
const SHARE_DS_BEFORE: &[Key] = &[Key::DiskUsage];
const SHARE_DS_AFTER: &[Key] = &[Key::FreeDisk, Key::MaxDisk, Key::UsedDisk];

fn host_leaf<'a>(h: &'a Host, key: Key) -> Option<AttrValue<'a>> {
    match key {
        Key::Id => int(h.meta.id),
        Key::Name => text(&h.meta.name),
        Key::State => int(h.state.value()),
        Key::PrevState => int(h.prev_state.value()),
        Key::ImMad => text(&h.im_mad),
        Key::VmMad => text(&h.vm_mad),
        Key::ClusterId => int(h.cluster_id),
        Key::Cluster => text(&h.cluster),
        _ => None,
    }
}

fn share_leaf<'a>(s: &'a HostShare, key: Key) -> Option<AttrValue<'a>> {
    match key {
        Key::MemUsage => int(s.mem_usage),
        Key::CpuUsage => int(s.cpu_usage),
        Key::TotalMem => int(s.total_mem),
        Key::TotalCpu => int(s.total_cpu),
        Key::MaxMem => int(s.max_mem),
        Key::MaxCpu => int(s.max_cpu),
        Key::RunningVms => int(s.running_vms),
        Key::VmsThread => int(s.vms_thread),
        _ => None,
    }
}

fn share_ds_leaf<'a>(s: &'a HostShare, key: Key) -> Option<AttrValue<'a>> {
    match key {
        Key::DiskUsage => int(s.disk_usage),
        Key::FreeDisk => int(s.free_disk),
        Key::MaxDisk => int(s.max_disk),
        Key::UsedDisk => int(s.used_disk),
        _ => None,
    }
}

/// The children of `<HOST>`.
pub(super) fn host(h: &Host, f: Visit<'_>) -> Flow {
    leaves(h, HOST_LEAVES, host_leaf, f)?;
    f(El::Share(&h.share))?;
    f(El::Ids("VMS", &h.vms))?;
    f(El::Template("TEMPLATE", &h.template))?;
    match &h.monitoring {
        Some(m) => f(El::Monitoring(m))?,
        None => f(El::Leaf("MONITORING", AttrValue::Text("")))?,
    }
    match &h.cluster_template {
        Some(t) => f(El::Template("CLUSTER_TEMPLATE", t)),
        None => Flow::Continue(()),
    }
}

/// The children of `<HOST_SHARE>`.
pub(super) fn share(s: &HostShare, f: Visit<'_>) -> Flow {
    leaves(s, SHARE_LEAVES, share_leaf, f)?;
    f(El::ShareDatastores(s))?;
    f(El::Pci(&s.pci_devices))?;
    f(El::Numa(&s.numa_nodes))
}

/// The children of `<HOST_SHARE><DATASTORES>`.
pub(super) fn share_datastores(s: &HostShare, f: Visit<'_>) -> Flow {
    leaves(s, SHARE_DS_BEFORE, share_ds_leaf, f)?;
    s.datastores.iter().try_for_each(|ds| f(El::Vector("DS", ds)))?;
    leaves(s, SHARE_DS_AFTER, share_ds_leaf, f)
}

/// A host resolves names under [`HOST_PATHS`]; `CURRENT_VMS` is the set of its VMS.
impl Attributes for Host {
    fn for_each_value(&self, name: &Name, f: &mut dyn FnMut(AttrValue<'_>) -> Flow) -> Flow {
        let key = name.key();
        if matches!(
            key,
            Key::Path
                | Key::HostShare
                | Key::Vms
                | Key::Template
                | Key::Monitoring
                | Key::ClusterTemplate
                | Key::Datastores
                | Key::PciDevices
                | Key::NumaNodes
                | Key::Ds
        ) {
            return resolve(El::Host(self), HOST_PATHS, name, f);
        }
        let n = name.as_str();
        if let Some(v) = host_leaf(self, key)
            .or_else(|| share_leaf(&self.share, key))
            .or_else(|| share_ds_leaf(&self.share, key))
        {
            f(v)?;
        }
        template_values(&self.template, n, f)?;
        if let Some(m) = &self.monitoring {
            template_values(&m.capacity, n, f)?;
            template_values(&m.system, n, f)?;
        }
        match &self.cluster_template {
            Some(t) => template_values(t, n, f),
            None => Flow::Continue(()),
        }
    }

    fn for_each_member(&self, name: &Name, f: &mut dyn FnMut(i64) -> Flow) -> Option<Flow> {
        (name.key() == Key::CurrentVms).then(|| self.vms.iter().try_for_each(|&id| f(i64::from(id))))
    }
}

// ---- datastores and networks ----

const IDENTITY_LEAVES: &[Key] = &[Key::Id, Key::Uid, Key::Gid, Key::Uname, Key::Gname, Key::Name];

fn identity_leaf<'a>(meta: &'a Meta, key: Key) -> Option<AttrValue<'a>> {
    match key {
        Key::Id => int(meta.id),
        Key::Uid => int(meta.uid),
        Key::Gid => int(meta.gid),
        Key::Uname => text(&meta.uname),
        Key::Gname => text(&meta.gname),
        Key::Name => text(&meta.name),
        _ => None,
    }
}

const DATASTORE_LEAVES: &[Key] =
    &[Key::DsMad, Key::TmMad, Key::BasePath, Key::Type, Key::DiskType, Key::State];
const DATASTORE_SIZES: &[Key] = &[Key::TotalMb, Key::FreeMb, Key::UsedMb];

fn datastore_leaf<'a>(d: &'a Datastore, key: Key) -> Option<AttrValue<'a>> {
    match key {
        Key::DsMad => text(&d.ds_mad),
        Key::TmMad => text(&d.tm_mad),
        Key::BasePath => text(&d.base_path),
        Key::Type => int(d.ds_type.value()),
        Key::DiskType => int(d.disk_type.value()),
        Key::State => int(d.state.value()),
        Key::TotalMb => int(d.total_mb),
        Key::FreeMb => int(d.free_mb),
        Key::UsedMb => int(d.used_mb),
        _ => identity_leaf(&d.meta, key),
    }
}

/// The children of `<DATASTORE>`.
pub(super) fn datastore(d: &Datastore, f: Visit<'_>) -> Flow {
    leaves(&d.meta, IDENTITY_LEAVES, identity_leaf, f)?;
    f(El::Permissions(&d.meta.perms))?;
    leaves(d, DATASTORE_LEAVES, datastore_leaf, f)?;
    f(El::Ids("CLUSTERS", &d.clusters))?;
    leaves(d, DATASTORE_SIZES, datastore_leaf, f)?;
    f(El::Ids("IMAGES", &d.images))?;
    f(El::Template("TEMPLATE", &d.template))
}

/// A datastore resolves names under [`DATASTORE_PATHS`].
impl Attributes for Datastore {
    fn for_each_value(&self, name: &Name, f: &mut dyn FnMut(AttrValue<'_>) -> Flow) -> Flow {
        let key = name.key();
        if matches!(key, Key::Path | Key::Permissions | Key::Clusters | Key::Images | Key::Template) {
            return resolve(El::Datastore(self), DATASTORE_PATHS, name, f);
        }
        if let Some(v) = datastore_leaf(self, key) {
            f(v)?;
        }
        template_values(&self.template, name.as_str(), f)
    }
}

const VNET_LEAVES: &[Key] = &[
    Key::Bridge,
    Key::BridgeType,
    Key::State,
    Key::PrevState,
    Key::ParentNetworkId,
    Key::TemplateId,
    Key::VnMad,
    Key::Phydev,
    Key::VlanId,
    Key::OuterVlanId,
    Key::VlanIdAutomatic,
    Key::OuterVlanIdAutomatic,
    Key::UsedLeases,
];

fn vnet_leaf<'a>(v: &'a Vnet, key: Key) -> Option<AttrValue<'a>> {
    // -1 is written as an empty element.
    let optional = |id: i32| if id == -1 { text("") } else { int(id) };
    match key {
        Key::Bridge => text(&v.bridge),
        Key::BridgeType => text(&v.bridge_type),
        Key::State => int(v.state.value()),
        Key::PrevState => int(v.prev_state.value()),
        Key::ParentNetworkId => optional(v.parent_vid),
        Key::TemplateId => optional(v.template_id),
        Key::VnMad => text(&v.vn_mad),
        Key::Phydev => text(&v.phydev),
        Key::VlanId => text(&v.vlan_id),
        Key::OuterVlanId => text(&v.outer_vlan_id),
        Key::VlanIdAutomatic => int(u8::from(v.vlan_id_automatic)),
        Key::OuterVlanIdAutomatic => int(u8::from(v.outer_vlan_id_automatic)),
        Key::UsedLeases => int(i64::try_from(v.used_leases()).unwrap_or(i64::MAX)),
        _ => identity_leaf(&v.meta, key),
    }
}

/// The children of `<VNET>` (the pool form: the ranges as stored).
pub(super) fn vnet(v: &Vnet, f: Visit<'_>) -> Flow {
    leaves(&v.meta, IDENTITY_LEAVES, identity_leaf, f)?;
    if let Some(lock) = &v.meta.lock {
        f(El::Lock(lock))?;
    }
    f(El::Permissions(&v.meta.perms))?;
    f(El::IdSet("CLUSTERS", &v.clusters))?;
    leaves(v, VNET_LEAVES, vnet_leaf, f)?;
    f(El::IdSet("VROUTERS", &v.vrouters))?;
    f(El::IdSet("UPDATED_VMS", &v.updated_vms))?;
    f(El::IdSet("OUTDATED_VMS", &v.outdated_vms))?;
    f(El::IdSet("UPDATING_VMS", &v.updating_vms))?;
    f(El::IdSet("ERROR_VMS", &v.error_vms))?;
    f(El::Template("TEMPLATE", &v.template))?;
    f(El::ArPool(&v.ars))
}

/// A virtual network resolves names under [`VNET_PATHS`], in its `one.vnpool.info` form.
impl Attributes for Vnet {
    fn for_each_value(&self, name: &Name, f: &mut dyn FnMut(AttrValue<'_>) -> Flow) -> Flow {
        let key = name.key();
        if matches!(
            key,
            Key::Path
                | Key::Lock
                | Key::Permissions
                | Key::Clusters
                | Key::Vrouters
                | Key::UpdatedVms
                | Key::OutdatedVms
                | Key::UpdatingVms
                | Key::ErrorVms
                | Key::Template
                | Key::ArPool
        ) {
            return resolve(El::Vnet(self), VNET_PATHS, name, f);
        }
        if let Some(v) = vnet_leaf(self, key) {
            f(v)?;
        }
        template_values(&self.template, name.as_str(), f)
    }
}
