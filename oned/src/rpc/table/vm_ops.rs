//! Dispatch entries for a VM's devices, snapshots and configuration: `one.vm.attach`,
//! `detach`, `attachnic`, `detachnic`, `diskresize`, `snapshot*`, `disksnapshot*`,
//! `disksaveas`, `resize` and `updateconf`.

use super::{ID, Method, int};
use crate::api::{Object, vm_conf, vm_devices, vm_saveas, vm_snapshots};
use crate::rpc::params::Kind::{Bool, Int, Str};
use crate::rpc::params::{Param, opt, req};

const DISK_ID: Param = req("disk_id", Int);
const SNAP_ID: Param = req("snap_id", Int);

/// The entries.
pub static METHODS: &[Method] = &[
    Method {
        name: "one.vm.attach",
        params: &[ID, req("template", Str)],
        handler: |ctx, c, a| int(vm_devices::attach_disk(ctx, c, a.int(0), a.str(1))),
        object: Object::Vm,
        help: "Attaches a new disk to a virtual machine",
    },
    Method {
        name: "one.vm.detach",
        params: &[ID, DISK_ID],
        handler: |ctx, c, a| int(vm_devices::detach_disk(ctx, c, a.int(0), a.int(1))),
        object: Object::Vm,
        help: "Detaches a disk from a virtual machine",
    },
    Method {
        name: "one.vm.attachnic",
        params: &[ID, req("template", Str)],
        handler: |ctx, c, a| int(vm_devices::attach_nic(ctx, c, a.int(0), a.str(1))),
        object: Object::Vm,
        help: "Attaches a new NIC (or NIC alias) to a virtual machine",
    },
    Method {
        name: "one.vm.detachnic",
        params: &[ID, req("nic_id", Int)],
        handler: |ctx, c, a| int(vm_devices::detach_nic(ctx, c, a.int(0), a.int(1))),
        object: Object::Vm,
        help: "Detaches a NIC from a virtual machine",
    },
    Method {
        name: "one.vm.diskresize",
        params: &[ID, DISK_ID, req("size", Str)],
        handler: |ctx, c, a| int(vm_devices::resize_disk(ctx, c, a.int(0), a.int(1), a.str(2))),
        object: Object::Vm,
        help: "Grows a disk of a virtual machine (size in MB)",
    },
    Method {
        name: "one.vm.snapshotcreate",
        params: &[ID, req("name", Str)],
        handler: |ctx, c, a| int(vm_snapshots::snapshot_create(ctx, c, a.int(0), a.str(1))),
        object: Object::Vm,
        help: "Creates a system snapshot of a running virtual machine",
    },
    Method {
        name: "one.vm.snapshotrevert",
        params: &[ID, SNAP_ID],
        handler: |ctx, c, a| int(vm_snapshots::snapshot_revert(ctx, c, a.int(0), a.int(1))),
        object: Object::Vm,
        help: "Reverts a virtual machine to a system snapshot",
    },
    Method {
        name: "one.vm.snapshotdelete",
        params: &[ID, SNAP_ID],
        handler: |ctx, c, a| int(vm_snapshots::snapshot_delete(ctx, c, a.int(0), a.int(1))),
        object: Object::Vm,
        help: "Deletes a system snapshot of a virtual machine",
    },
    Method {
        name: "one.vm.disksnapshotcreate",
        params: &[ID, DISK_ID, req("name", Str)],
        handler: |ctx, c, a| int(vm_snapshots::disk_snapshot_create(ctx, c, a.int(0), a.int(1), a.str(2))),
        object: Object::Vm,
        help: "Creates a snapshot of a virtual machine's disk",
    },
    Method {
        name: "one.vm.disksnapshotrevert",
        params: &[ID, DISK_ID, SNAP_ID],
        handler: |ctx, c, a| int(vm_snapshots::disk_snapshot_revert(ctx, c, a.int(0), a.int(1), a.int(2))),
        object: Object::Vm,
        help: "Reverts a virtual machine's disk to a snapshot",
    },
    Method {
        name: "one.vm.disksnapshotdelete",
        params: &[ID, DISK_ID, SNAP_ID],
        handler: |ctx, c, a| int(vm_snapshots::disk_snapshot_delete(ctx, c, a.int(0), a.int(1), a.int(2))),
        object: Object::Vm,
        help: "Deletes a snapshot of a virtual machine's disk",
    },
    Method {
        name: "one.vm.disksnapshotrename",
        params: &[ID, DISK_ID, SNAP_ID, req("name", Str)],
        handler: |ctx, c, a| {
            int(vm_snapshots::disk_snapshot_rename(ctx, c, a.int(0), a.int(1), a.int(2), a.str(3)))
        },
        object: Object::Vm,
        help: "Renames a snapshot of a virtual machine's disk",
    },
    Method {
        name: "one.vm.disksaveas",
        params: &[ID, DISK_ID, req("name", Str), opt("type", Str), opt("snap_id", Int)],
        handler: |ctx, c, a| {
            let req = vm_saveas::SaveAs {
                disk_id: a.int(1),
                name: a.str(2).to_owned(),
                image_type: a.str(3).to_owned(),
                snap_id: a.int_or(4, -1),
            };
            int(vm_saveas::disk_saveas(ctx, c, a.int(0), &req))
        },
        object: Object::Vm,
        help: "Saves a virtual machine's disk (or one of its snapshots) as a new image",
    },
    Method {
        name: "one.vm.resize",
        params: &[ID, req("template", Str), opt("enforce", Bool)],
        handler: |ctx, c, a| int(vm_conf::resize(ctx, c, a.int(0), a.str(1), a.bool_or(2, true))),
        object: Object::Vm,
        help: "Changes the capacity (CPU, VCPU, MEMORY) of a virtual machine",
    },
    Method {
        name: "one.vm.updateconf",
        params: &[ID, req("template", Str), opt("type", Int)],
        handler: |ctx, c, a| int(vm_conf::update_conf(ctx, c, a.int(0), a.str(1), a.int_or(2, 0))),
        object: Object::Vm,
        help: "Updates the configuration (OS, FEATURES, GRAPHICS, CONTEXT, ...) of a virtual machine",
    },
];
