//! Dispatch entries for `one.host.*`, `one.hostpool.*`, `one.cluster.*`, `one.clusterpool.info`,
//! `one.datastore.*` and `one.datastorepool.info`.

use one_core::objects::cluster::{Cluster, ClusterResource};
use one_core::objects::datastore::Datastore;
use one_core::objects::host::Host;

use super::{CHMOD, CHOWN, ID, INFO, Method, RENAME, UPDATE, doc, int, string};
use crate::api::{self, Object, pool};
use crate::rpc::params::Kind::{Bool, Int, Str};
use crate::rpc::params::{opt, req};

const CLUSTER_OBJ: &[crate::rpc::params::Param] = &[ID, req("object_id", Int)];

/// The entries.
pub static METHODS: &[Method] = &[
    Method {
        name: "one.host.allocate",
        params: &[req("name", Str), req("im_mad", Str), req("vm_mad", Str), opt("cluster_id", Int)],
        handler: |ctx, c, a| int(api::hosts::allocate(ctx, c, a.str(0), a.str(1), a.str(2), a.int_or(3, -1))),
        object: Object::Host,
        help: "Allocates a new host",
    },
    Method {
        name: "one.host.delete",
        params: &[ID],
        handler: |ctx, c, a| int(api::hosts::delete(ctx, c, a.int(0))),
        object: Object::Host,
        help: "Deletes a host",
    },
    Method {
        name: "one.host.info",
        params: INFO,
        handler: |ctx, c, a| string(pool::info::<Host>(ctx, c, a.int(0))),
        object: Object::Host,
        help: "Returns host information",
    },
    Method {
        name: "one.host.update",
        params: UPDATE,
        handler: |ctx, c, a| int(api::hosts::update(ctx, c, a.int(0), a.str(1), a.int_or(2, 0))),
        object: Object::Host,
        help: "Replaces or merges the host template",
    },
    Method {
        name: "one.host.rename",
        params: RENAME,
        handler: |ctx, c, a| int(pool::rename::<Host>(ctx, c, a.int(0), a.str(1))),
        object: Object::Host,
        help: "Renames a host",
    },
    Method {
        name: "one.host.status",
        params: &[ID, req("status", Int)],
        handler: |ctx, c, a| int(api::hosts::status(ctx, c, a.int(0), a.int(1))),
        object: Object::Host,
        help: "Enables (0), disables (1) or sets offline (2) a host",
    },
    Method {
        name: "one.host.monitoring",
        params: &[ID],
        handler: |ctx, c, a| string(api::hosts::monitoring(ctx, c, a.int(0))),
        object: Object::Host,
        help: "Returns the host's monitoring records",
    },
    Method {
        name: "one.hostpool.info",
        params: &[],
        handler: |ctx, c, _| doc(pool::pool_info_all::<Host>(ctx, c)),
        object: Object::Host,
        help: "Returns the hosts",
    },
    Method {
        name: "one.hostpool.monitoring",
        params: &[opt("seconds", Int)],
        handler: |ctx, c, a| string(api::hosts::pool_monitoring(ctx, c, i64::from(a.int_or(0, -1)))),
        object: Object::Host,
        help: "Returns the monitoring records of the hosts",
    },
    Method {
        name: "one.cluster.allocate",
        params: &[req("name", Str)],
        handler: |ctx, c, a| int(api::clusters::allocate(ctx, c, a.str(0))),
        object: Object::Cluster,
        help: "Allocates a new cluster",
    },
    Method {
        name: "one.cluster.delete",
        params: &[ID],
        handler: |ctx, c, a| int(api::clusters::delete(ctx, c, a.int(0))),
        object: Object::Cluster,
        help: "Deletes a cluster",
    },
    Method {
        name: "one.cluster.info",
        params: INFO,
        handler: |ctx, c, a| string(pool::info::<Cluster>(ctx, c, a.int(0))),
        object: Object::Cluster,
        help: "Returns cluster information",
    },
    Method {
        name: "one.cluster.update",
        params: UPDATE,
        handler: |ctx, c, a| int(pool::update::<Cluster>(ctx, c, a.int(0), a.str(1), a.int_or(2, 0))),
        object: Object::Cluster,
        help: "Replaces or merges the cluster template",
    },
    Method {
        name: "one.cluster.rename",
        params: RENAME,
        handler: |ctx, c, a| int(pool::rename::<Cluster>(ctx, c, a.int(0), a.str(1))),
        object: Object::Cluster,
        help: "Renames a cluster",
    },
    Method {
        name: "one.cluster.addhost",
        params: CLUSTER_OBJ,
        handler: |ctx, c, a| {
            int(api::clusters::change(ctx, c, a.int(0), ClusterResource::Host, a.int(1), true))
        },
        object: Object::Cluster,
        help: "Moves a host to the cluster",
    },
    Method {
        name: "one.cluster.delhost",
        params: CLUSTER_OBJ,
        handler: |ctx, c, a| {
            int(api::clusters::change(ctx, c, a.int(0), ClusterResource::Host, a.int(1), false))
        },
        object: Object::Cluster,
        help: "Moves a host from the cluster to the default one",
    },
    Method {
        name: "one.cluster.adddatastore",
        params: CLUSTER_OBJ,
        handler: |ctx, c, a| {
            int(api::clusters::change(ctx, c, a.int(0), ClusterResource::Datastore, a.int(1), true))
        },
        object: Object::Cluster,
        help: "Adds a datastore to the cluster",
    },
    Method {
        name: "one.cluster.deldatastore",
        params: CLUSTER_OBJ,
        handler: |ctx, c, a| {
            int(api::clusters::change(ctx, c, a.int(0), ClusterResource::Datastore, a.int(1), false))
        },
        object: Object::Cluster,
        help: "Removes a datastore from the cluster",
    },
    Method {
        name: "one.cluster.addvnet",
        params: CLUSTER_OBJ,
        handler: |ctx, c, a| {
            int(api::clusters::change(ctx, c, a.int(0), ClusterResource::Vnet, a.int(1), true))
        },
        object: Object::Cluster,
        help: "Adds a virtual network to the cluster",
    },
    Method {
        name: "one.cluster.delvnet",
        params: CLUSTER_OBJ,
        handler: |ctx, c, a| {
            int(api::clusters::change(ctx, c, a.int(0), ClusterResource::Vnet, a.int(1), false))
        },
        object: Object::Cluster,
        help: "Removes a virtual network from the cluster",
    },
    Method {
        name: "one.clusterpool.info",
        params: &[],
        handler: |ctx, c, _| doc(pool::pool_info_all::<Cluster>(ctx, c)),
        object: Object::Cluster,
        help: "Returns the clusters",
    },
    Method {
        name: "one.datastore.allocate",
        params: &[req("template", Str), opt("cluster_id", Int)],
        handler: |ctx, c, a| int(api::datastores::allocate(ctx, c, a.str(0), a.int_or(1, -1))),
        object: Object::Datastore,
        help: "Allocates a new datastore",
    },
    Method {
        name: "one.datastore.delete",
        params: &[ID],
        handler: |ctx, c, a| int(api::datastores::delete(ctx, c, a.int(0))),
        object: Object::Datastore,
        help: "Deletes a datastore",
    },
    Method {
        name: "one.datastore.info",
        params: INFO,
        handler: |ctx, c, a| string(pool::info::<Datastore>(ctx, c, a.int(0))),
        object: Object::Datastore,
        help: "Returns datastore information",
    },
    Method {
        name: "one.datastore.update",
        params: UPDATE,
        handler: |ctx, c, a| int(api::datastores::update(ctx, c, a.int(0), a.str(1), a.int_or(2, 0))),
        object: Object::Datastore,
        help: "Replaces or merges the datastore template",
    },
    Method {
        name: "one.datastore.rename",
        params: RENAME,
        handler: |ctx, c, a| int(pool::rename::<Datastore>(ctx, c, a.int(0), a.str(1))),
        object: Object::Datastore,
        help: "Renames a datastore",
    },
    Method {
        name: "one.datastore.chmod",
        params: CHMOD,
        handler: |ctx, c, a| int(pool::chmod::<Datastore>(ctx, c, a.int(0), super::chmod_bits(a))),
        object: Object::Datastore,
        help: "Changes the datastore's permissions",
    },
    Method {
        name: "one.datastore.chown",
        params: CHOWN,
        handler: |ctx, c, a| int(pool::chown::<Datastore>(ctx, c, a.int(0), a.int(1), a.int(2))),
        object: Object::Datastore,
        help: "Changes the datastore's owner and group",
    },
    Method {
        name: "one.datastore.enable",
        params: &[ID, req("enable", Bool)],
        handler: |ctx, c, a| int(api::datastores::enable(ctx, c, a.int(0), a.bool_or(1, true))),
        object: Object::Datastore,
        help: "Enables or disables a system datastore",
    },
    Method {
        name: "one.datastorepool.info",
        params: &[],
        handler: |ctx, c, _| doc(pool::pool_info_all::<Datastore>(ctx, c)),
        object: Object::Datastore,
        help: "Returns the datastores",
    },
];
