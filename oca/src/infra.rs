//! `one.host.*`, `one.hostpool.*`, `one.cluster.*`, `one.clusterpool.info`, `one.datastore.*`
//! and `one.datastorepool.info`.

use one_core::objects::cluster::{Cluster, clusters_from_pool};
use one_core::objects::common::PoolObject;
use one_core::objects::datastore::{Datastore, datastores_from_pool};
use one_core::objects::host::{Host, hosts_from_pool};

use crate::{Client, OcaResult, UpdateType, Value, int, object_error, parse_doc, string};

/// Which cluster list `one.cluster.add*`/`del*` edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterMember {
    /// `addhost` / `delhost`.
    Host,
    /// `adddatastore` / `deldatastore`.
    Datastore,
    /// `addvnet` / `delvnet`.
    Vnet,
}

impl Client {
    /// Reads a document of a pool object.
    pub(crate) async fn object<T: PoolObject>(&self, method: &str, params: Vec<Value>) -> OcaResult<T> {
        let xml = self.call_string(method, params).await?;
        T::from_node(&parse_doc(method, &xml)?).map_err(|e| object_error(method, e))
    }

    /// `one.host.allocate` (`cluster_id` -1: the default cluster).
    pub async fn host_allocate(
        &self,
        name: &str,
        im_mad: &str,
        vm_mad: &str,
        cluster_id: i32,
    ) -> OcaResult<i32> {
        self.call_int(
            "one.host.allocate",
            vec![string(name), string(im_mad), string(vm_mad), int(cluster_id)],
        )
        .await
    }

    /// `one.host.delete`.
    pub async fn host_delete(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.host.delete", vec![int(id)]).await
    }

    /// `one.host.info`, raw.
    pub async fn host_info_xml(&self, id: i32) -> OcaResult<String> {
        self.call_string("one.host.info", vec![int(id)]).await
    }

    /// `one.host.info`.
    pub async fn host_info(&self, id: i32) -> OcaResult<Host> {
        self.object("one.host.info", vec![int(id)]).await
    }

    /// `one.host.update`.
    pub async fn host_update(&self, id: i32, template: &str, kind: UpdateType) -> OcaResult<i32> {
        self.call_int("one.host.update", vec![int(id), string(template), kind.value()]).await
    }

    /// `one.host.rename`.
    pub async fn host_rename(&self, id: i32, name: &str) -> OcaResult<i32> {
        self.call_int("one.host.rename", vec![int(id), string(name)]).await
    }

    /// `one.host.status`: 0 enable, 1 disable, 2 offline.
    pub async fn host_status(&self, id: i32, status: i32) -> OcaResult<i32> {
        self.call_int("one.host.status", vec![int(id), int(status)]).await
    }

    /// `one.host.monitoring`, raw `<MONITORING_DATA>`.
    pub async fn host_monitoring_xml(&self, id: i32) -> OcaResult<String> {
        self.call_string("one.host.monitoring", vec![int(id)]).await
    }

    /// `one.hostpool.info`, raw.
    pub async fn hostpool_info_xml(&self) -> OcaResult<String> {
        self.call_string("one.hostpool.info", vec![]).await
    }

    /// `one.hostpool.info`.
    pub async fn hostpool_info(&self) -> OcaResult<Vec<Host>> {
        let xml = self.hostpool_info_xml().await?;
        hosts_from_pool(&parse_doc("one.hostpool.info", &xml)?)
            .map_err(|e| object_error("one.hostpool.info", e))
    }

    /// `one.hostpool.monitoring`, raw (`seconds`: 0 latest, -1 all).
    pub async fn hostpool_monitoring_xml(&self, seconds: i32) -> OcaResult<String> {
        self.call_string("one.hostpool.monitoring", vec![int(seconds)]).await
    }

    /// `one.cluster.allocate`.
    pub async fn cluster_allocate(&self, name: &str) -> OcaResult<i32> {
        self.call_int("one.cluster.allocate", vec![string(name)]).await
    }

    /// `one.cluster.delete`.
    pub async fn cluster_delete(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.cluster.delete", vec![int(id)]).await
    }

    /// `one.cluster.info`, raw.
    pub async fn cluster_info_xml(&self, id: i32) -> OcaResult<String> {
        self.call_string("one.cluster.info", vec![int(id)]).await
    }

    /// `one.cluster.info`.
    pub async fn cluster_info(&self, id: i32) -> OcaResult<Cluster> {
        self.object("one.cluster.info", vec![int(id)]).await
    }

    /// `one.cluster.update`.
    pub async fn cluster_update(&self, id: i32, template: &str, kind: UpdateType) -> OcaResult<i32> {
        self.call_int("one.cluster.update", vec![int(id), string(template), kind.value()]).await
    }

    /// `one.cluster.rename`.
    pub async fn cluster_rename(&self, id: i32, name: &str) -> OcaResult<i32> {
        self.call_int("one.cluster.rename", vec![int(id), string(name)]).await
    }

    /// `one.cluster.add{host,datastore,vnet}` (`add`) or `one.cluster.del*`.
    pub async fn cluster_member(
        &self,
        id: i32,
        member: ClusterMember,
        object_id: i32,
        add: bool,
    ) -> OcaResult<i32> {
        let method = match (member, add) {
            (ClusterMember::Host, true) => "one.cluster.addhost",
            (ClusterMember::Host, false) => "one.cluster.delhost",
            (ClusterMember::Datastore, true) => "one.cluster.adddatastore",
            (ClusterMember::Datastore, false) => "one.cluster.deldatastore",
            (ClusterMember::Vnet, true) => "one.cluster.addvnet",
            (ClusterMember::Vnet, false) => "one.cluster.delvnet",
        };
        self.call_int(method, vec![int(id), int(object_id)]).await
    }

    /// `one.clusterpool.info`, raw.
    pub async fn clusterpool_info_xml(&self) -> OcaResult<String> {
        self.call_string("one.clusterpool.info", vec![]).await
    }

    /// `one.clusterpool.info`.
    pub async fn clusterpool_info(&self) -> OcaResult<Vec<Cluster>> {
        let xml = self.clusterpool_info_xml().await?;
        clusters_from_pool(&parse_doc("one.clusterpool.info", &xml)?)
            .map_err(|e| object_error("one.clusterpool.info", e))
    }

    /// `one.datastore.allocate` (`cluster_id` -1: the default cluster).
    pub async fn datastore_allocate(&self, template: &str, cluster_id: i32) -> OcaResult<i32> {
        self.call_int("one.datastore.allocate", vec![string(template), int(cluster_id)]).await
    }

    /// `one.datastore.delete`.
    pub async fn datastore_delete(&self, id: i32) -> OcaResult<i32> {
        self.call_int("one.datastore.delete", vec![int(id)]).await
    }

    /// `one.datastore.info`, raw.
    pub async fn datastore_info_xml(&self, id: i32) -> OcaResult<String> {
        self.call_string("one.datastore.info", vec![int(id)]).await
    }

    /// `one.datastore.info`.
    pub async fn datastore_info(&self, id: i32) -> OcaResult<Datastore> {
        self.object("one.datastore.info", vec![int(id)]).await
    }

    /// `one.datastore.update`.
    pub async fn datastore_update(&self, id: i32, template: &str, kind: UpdateType) -> OcaResult<i32> {
        self.call_int("one.datastore.update", vec![int(id), string(template), kind.value()]).await
    }

    /// `one.datastore.rename`.
    pub async fn datastore_rename(&self, id: i32, name: &str) -> OcaResult<i32> {
        self.call_int("one.datastore.rename", vec![int(id), string(name)]).await
    }

    /// `one.datastore.chmod` (nine values, -1 keeps).
    pub async fn datastore_chmod(&self, id: i32, bits: [i32; 9]) -> OcaResult<i32> {
        self.call_int("one.datastore.chmod", chmod_params(id, bits)).await
    }

    /// `one.datastore.chown` (-1 keeps).
    pub async fn datastore_chown(&self, id: i32, uid: i32, gid: i32) -> OcaResult<i32> {
        self.call_int("one.datastore.chown", vec![int(id), int(uid), int(gid)]).await
    }

    /// `one.datastore.enable`.
    pub async fn datastore_enable(&self, id: i32, enable: bool) -> OcaResult<i32> {
        self.call_int("one.datastore.enable", vec![int(id), Value::Boolean(enable)]).await
    }

    /// `one.datastorepool.info`, raw.
    pub async fn datastorepool_info_xml(&self) -> OcaResult<String> {
        self.call_string("one.datastorepool.info", vec![]).await
    }

    /// `one.datastorepool.info`.
    pub async fn datastorepool_info(&self) -> OcaResult<Vec<Datastore>> {
        let xml = self.datastorepool_info_xml().await?;
        datastores_from_pool(&parse_doc("one.datastorepool.info", &xml)?)
            .map_err(|e| object_error("one.datastorepool.info", e))
    }
}

/// The parameters of a `chmod` call.
pub(crate) fn chmod_params(id: i32, bits: [i32; 9]) -> Vec<Value> {
    std::iter::once(int(id)).chain(bits.iter().map(|b| int(*b))).collect()
}
