//! Monitoring rounds, as idempotent reconcilers: each round asks the host's IM driver (or
//! the datastore's driver) for the current facts and writes them, so a missed or failed round
//! is simply corrected by the next one. A host whose driver fails goes to ERROR; a host that
//! answers becomes MONITORED with its capacity, and a monitoring record is kept for
//! `one.host.monitoring`. What the host says about its VMs is handed to the life-cycle
//! manager.

use one_core::objects::cluster::Cluster;
use one_core::objects::datastore::Datastore;
use one_core::objects::host::Host;
use one_core::objects::monitoring::HostMonitoring;
use one_core::states::HostState;
use one_core::template::{Attribute, Template};
use one_drivers::{DatastoreRef, HostRef, HostReport};

use crate::api::{ApiResult, Ctx, now};
use crate::db::tables;
use crate::jobs::Job;

/// The jobs of one monitoring round: every host that is not OFFLINE, every datastore.
pub fn due(ctx: &Ctx) -> Vec<Job> {
    let found = ctx.db.read(|tx| -> ApiResult<(Vec<i32>, Vec<i32>)> {
        Ok((
            tx.obj_ids(tables::HOST, Some(HostState::Offline.value()))?,
            tx.obj_ids(tables::DATASTORE, None)?,
        ))
    });
    match found {
        Ok((hosts, datastores)) => hosts
            .into_iter()
            .map(Job::MonitorHost)
            .chain(datastores.into_iter().map(Job::MonitorDatastore))
            .collect(),
        Err(e) => {
            tracing::error!("cannot list hosts to monitor: {}", e.message());
            Vec::new()
        }
    }
}

/// How a host is addressed by its drivers.
pub fn host_ref(host: &Host) -> HostRef {
    HostRef {
        id: host.meta.id,
        name: host.meta.name.clone(),
        im_mad: host.im_mad.clone(),
        vm_mad: host.vm_mad.clone(),
        template: host.template.clone(),
    }
}

/// A report as the probe attributes OpenNebula's hosts send (TOTALCPU, USEDMEMORY, ...).
fn report_template(report: &HostReport) -> Template {
    let mut t = report.info.clone();
    t.set("TOTALCPU", report.total_cpu.to_string());
    t.set("TOTALMEMORY", report.total_memory.to_string());
    t.set("USEDCPU", report.used_cpu.to_string());
    t.set("USEDMEMORY", report.used_memory.to_string());
    t.set("FREECPU", (report.total_cpu - report.used_cpu).to_string());
    t.set("FREEMEMORY", (report.total_memory - report.used_memory).to_string());
    for vm in &report.vms {
        t.push(Attribute::vector("VM", [("ID", vm.id.to_string()), ("DEPLOY_ID", vm.deploy_id.clone())]));
    }
    t
}

pub use one_core::time::ctime;

/// One monitoring round of a host.
pub fn host(ctx: &Ctx, id: i32) {
    let found = ctx.db.read(|tx| -> ApiResult<Option<Host>> { Ok(tx.obj_get::<Host>(tables::HOST, id)?) });
    let Ok(Some(host)) = found else { return };
    if host.state == HostState::Offline {
        return;
    }
    let result = ctx.drivers.im(&host.im_mad).and_then(|driver| driver.monitor(&host_ref(&host)));
    let ts = now();
    let written = ctx.db.write(|tx| -> ApiResult<Vec<Job>> {
        let Some(mut host) = tx.obj_get::<Host>(tables::HOST, id)? else { return Ok(Vec::new()) };
        if host.state == HostState::Offline {
            return Ok(Vec::new());
        }
        match &result {
            Err(e) => {
                tracing::warn!(host = host.meta.name, "monitoring failed: {}", e.message);
                host.set_error(&e.message, &ctime(ts));
                tx.obj_put(tables::HOST, &host)?;
                crate::lcm::host_failed(ctx, tx, &host)
            }
            Ok(report) => {
                let template = report_template(report);
                let cluster = tx.obj_get::<Cluster>(tables::CLUSTER, host.cluster_id)?;
                host.apply_system_report(&template, cluster.as_ref().map(|c| &c.template));
                // CPUSPEED comes with the system probes (the host's template), not with the
                // periodic monitoring ones, as on OpenNebula's KVM hosts.
                let mut periodic = template.clone();
                periodic.remove("CPUSPEED");
                let record = HostMonitoring::from_report(id, ts, &periodic);
                let mut w = one_core::xml::XmlWriter::new();
                record.write_xml(&mut w);
                tx.monitoring_put(
                    "host_monitoring",
                    id,
                    ts,
                    &w.finish(),
                    ts - ctx.config.monitoring_retention,
                )?;
                host.monitoring = Some(record);
                let zombies: Vec<i32> = report
                    .vms
                    .iter()
                    .map(|v| v.id)
                    .filter(|vid| *vid >= 0 && !host.vms.contains(vid))
                    .collect();
                host.set_zombies(&zombies);
                tx.obj_put(tables::HOST, &host)?;
                crate::lcm::host_reported(ctx, tx, &host, report, ts)
            }
        }
    });
    match written {
        Ok(jobs) => jobs.into_iter().for_each(|j| ctx.jobs.push(j)),
        Err(e) => tracing::error!(host = id, "cannot record monitoring: {}", e.message()),
    }
}

/// How a datastore is addressed by its driver.
pub fn datastore_ref(ds: &Datastore) -> DatastoreRef {
    DatastoreRef {
        id: ds.meta.id,
        ds_mad: ds.ds_mad.clone(),
        tm_mad: ds.tm_mad.clone(),
        base_path: ds.base_path.clone(),
        template: ds.template.clone(),
    }
}

/// The driver that answers for a datastore: its DS_MAD, or its TM_MAD for system datastores.
pub fn datastore_driver(
    ctx: &Ctx,
    ds: &Datastore,
) -> Result<std::sync::Arc<dyn one_drivers::Ds>, one_drivers::DriverError> {
    if ds.ds_mad.is_empty() || ds.ds_mad == "-" {
        ctx.drivers.ds(&ds.tm_mad)
    } else {
        ctx.drivers.ds(&ds.ds_mad)
    }
}

/// One capacity round of a datastore.
pub fn datastore(ctx: &Ctx, id: i32) {
    let found = ctx
        .db
        .read(|tx| -> ApiResult<Option<Datastore>> { Ok(tx.obj_get::<Datastore>(tables::DATASTORE, id)?) });
    let Ok(Some(ds)) = found else { return };
    let result = datastore_driver(ctx, &ds).and_then(|d| d.monitor(&datastore_ref(&ds)));
    let capacity = match result {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(datastore = id, "monitoring failed: {}", e.message);
            return;
        }
    };
    let written = ctx.db.write(|tx| -> ApiResult<()> {
        if let Some(mut ds) = tx.obj_get::<Datastore>(tables::DATASTORE, id)? {
            ds.update_monitor(capacity.total_mb, capacity.free_mb, capacity.used_mb);
            tx.obj_put(tables::DATASTORE, &ds)?;
        }
        Ok(())
    });
    if let Err(e) = written {
        tracing::error!(datastore = id, "cannot record monitoring: {}", e.message());
    }
}
