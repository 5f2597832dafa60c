//! Dispatch entries for `one.vm.*` and `one.vmpool.*`.

use one_core::objects::vm::Vm;

use super::{CHMOD, CHOWN, ID, INFO, LOCK, Method, RENAME, UPDATE, doc, int, stream, string};
use crate::api::{self, Object, pool};
use crate::rpc::params::Kind::{Bool, Int, Str};
use crate::rpc::params::{opt, req};

const VMPOOL: &[crate::rpc::params::Param] =
    &[req("filter", Int), req("start", Int), req("end", Int), opt("state", Int), opt("query", Str)];

/// The entries.
pub static METHODS: &[Method] = &[
    Method {
        name: "one.vm.allocate",
        params: &[req("template", Str), opt("hold", Bool)],
        handler: |ctx, c, a| int(api::vms::allocate(ctx, c, a.str(0), a.bool_or(1, false))),
        object: Object::Vm,
        help: "Allocates a new virtual machine",
    },
    Method {
        name: "one.vm.info",
        params: INFO,
        handler: |ctx, c, a| string(pool::info::<Vm>(ctx, c, a.int(0))),
        object: Object::Vm,
        help: "Returns virtual machine information",
    },
    Method {
        name: "one.vm.update",
        params: UPDATE,
        handler: |ctx, c, a| int(pool::update::<Vm>(ctx, c, a.int(0), a.str(1), a.int_or(2, 0))),
        object: Object::Vm,
        help: "Replaces or merges the virtual machine's user template",
    },
    Method {
        name: "one.vm.rename",
        params: RENAME,
        handler: |ctx, c, a| int(pool::rename::<Vm>(ctx, c, a.int(0), a.str(1))),
        object: Object::Vm,
        help: "Renames a virtual machine",
    },
    Method {
        name: "one.vm.chmod",
        params: CHMOD,
        handler: |ctx, c, a| int(pool::chmod::<Vm>(ctx, c, a.int(0), super::chmod_bits(a))),
        object: Object::Vm,
        help: "Changes the virtual machine's permissions",
    },
    Method {
        name: "one.vm.chown",
        params: CHOWN,
        handler: |ctx, c, a| int(api::vms::chown(ctx, c, a.int(0), a.int(1), a.int(2))),
        object: Object::Vm,
        help: "Changes the virtual machine's owner and group",
    },
    Method {
        name: "one.vm.lock",
        params: LOCK,
        handler: |ctx, c, a| int(pool::lock::<Vm>(ctx, c, a.int(0), a.int(1), a.bool_or(2, false))),
        object: Object::Vm,
        help: "Locks a virtual machine",
    },
    Method {
        name: "one.vm.unlock",
        params: &[ID],
        handler: |ctx, c, a| int(pool::unlock::<Vm>(ctx, c, a.int(0))),
        object: Object::Vm,
        help: "Unlocks a virtual machine",
    },
    Method {
        name: "one.vm.deploy",
        params: &[ID, req("host_id", Int), opt("enforce", Bool), opt("ds_id", Int), opt("extra", Str)],
        handler: |ctx, c, a| {
            int(api::vms::deploy(ctx, c, a.int(0), a.int(1), a.bool_or(2, false), a.int_or(3, -1), a.str(4)))
        },
        object: Object::Vm,
        help: "Deploys a virtual machine on a host",
    },
    Method {
        name: "one.vm.action",
        params: &[req("action", Str), ID],
        handler: |ctx, c, a| int(api::vms::do_action(ctx, c, a.str(0), a.int(1))),
        object: Object::Vm,
        help: "Runs an action (terminate, poweroff, suspend, resume, ...) on a virtual machine",
    },
    Method {
        name: "one.vm.migrate",
        params: &[
            ID,
            req("host_id", Int),
            req("live", Bool),
            opt("enforce", Bool),
            opt("ds_id", Int),
            opt("type", Int),
        ],
        handler: |ctx, c, a| {
            let to = api::vms::MigrateTo {
                hid: a.int(1),
                live: a.bool_or(2, false),
                enforce: a.bool_or(3, false),
                ds_id: a.int_or(4, -1),
                mode: a.int_or(5, 0),
            };
            int(api::vms::migrate(ctx, c, a.int(0), to))
        },
        object: Object::Vm,
        help: "Migrates a virtual machine to another host",
    },
    Method {
        name: "one.vm.recover",
        params: &[ID, req("operation", Int)],
        handler: |ctx, c, a| int(api::vms::recover(ctx, c, a.int(0), a.int(1))),
        object: Object::Vm,
        help: "Recovers a virtual machine: 0 failure, 1 success, 2 retry, 3 delete, 4 delete-recreate, 5 delete-db",
    },
    Method {
        name: "one.vm.monitoring",
        params: &[ID],
        handler: |ctx, c, a| string(api::vms::monitoring(ctx, c, a.int(0))),
        object: Object::Vm,
        help: "Returns the virtual machine's monitoring records",
    },
    Method {
        name: "one.vmpool.info",
        params: VMPOOL,
        handler: |ctx, c, a| {
            doc(api::vms::pool_info(ctx, c, a.int(0), a.int(1), a.int(2), a.int_or(3, -1), a.str(4)))
        },
        object: Object::Vm,
        help: "Returns the virtual machines (short form)",
    },
    Method {
        name: "one.vmpool.infoextended",
        params: VMPOOL,
        handler: |ctx, c, a| {
            stream(api::vms::pool_info_extended(
                ctx,
                c,
                a.int(0),
                a.int(1),
                a.int(2),
                a.int_or(3, -1),
                a.str(4),
            ))
        },
        object: Object::Vm,
        help: "Returns the virtual machines (full form)",
    },
    Method {
        name: "one.vmpool.infoset",
        params: &[req("ids", Str), opt("extended", Bool)],
        handler: |ctx, c, a| string(api::vms::pool_info_set(ctx, c, a.str(0), a.bool_or(1, false))),
        object: Object::Vm,
        help: "Returns the virtual machines with these IDs",
    },
    Method {
        name: "one.vmpool.monitoring",
        params: &[req("filter", Int), opt("seconds", Int)],
        handler: |ctx, c, a| string(api::vms::pool_monitoring(ctx, c, a.int(0), i64::from(a.int_or(1, -1)))),
        object: Object::Vm,
        help: "Returns the monitoring records of the virtual machines",
    },
    Method {
        name: "one.vmpool.accounting",
        params: &[req("filter", Int), req("start_time", Int), req("end_time", Int)],
        handler: |ctx, c, a| {
            string(api::vms::accounting(ctx, c, a.int(0), i64::from(a.int(1)), i64::from(a.int(2))))
        },
        object: Object::Vm,
        help: "Returns the history records of the virtual machines in a time interval",
    },
];
