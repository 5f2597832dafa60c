//! The simulated drivers (`dummy` for IM, VMM, TM and DS): hosts with configurable capacity
//! that really "run" the VMs deployed on them (a simulated hypervisor keeps each host's
//! domains and files), so monitoring reports what the actions did, and failure paths can be
//! exercised.
//!
//! Settings, per driver instance ([`DummySettings`]) or per object in templates:
//! - `DUMMY_CPU` / `DUMMY_MEMORY` (host template): capacity in percent and KiB
//!   (defaults 800 and 16 GiB, as OpenNebula's dummy host);
//! - `DUMMY_DELAY_MS` (host or VM template): how long every action takes (default 0);
//! - `DUMMY_FAIL` (VM template or user template, host template, image template): a
//!   comma-separated list of actions that fail, `ACTION` or `ACTION:step` (e.g. `DEPLOY`,
//!   `DEPLOY:create`, `PROLOG`, `EPILOG`, `SHUTDOWN`, `MONITOR`, `COPY`). Multi-step actions
//!   undo their completed steps when one fails.
//! - `DUMMY_PCI_DEVICES` (host template): how many PCI devices the host reports (default 0;
//!   45 make the ~30 KB hosts of OpenNebula's scalability test).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use one_core::template::Template;

use crate::plan::{self, Step};
use crate::{
    DatastoreRef, DriverError, Ds, DsAction, DsCapacity, DsReply, DsRequest, HostRef, HostReport, Im,
    ReportedState, Tm, TmAction, TmRequest, VmRef, VmReport, Vmm, VmmAction, VmmReply, VmmRequest,
};

/// Defaults of the simulated drivers.
#[derive(Debug, Clone, PartialEq)]
pub struct DummySettings {
    /// Time every action takes.
    pub delay: Duration,
    /// Host CPU, percent.
    pub cpu: i64,
    /// Host memory, KiB.
    pub memory_kb: i64,
    /// Datastore size, MB.
    pub datastore_mb: i64,
    /// PCI devices each host reports.
    pub pci_devices: i64,
}

impl Default for DummySettings {
    fn default() -> Self {
        DummySettings {
            delay: Duration::ZERO,
            cpu: 800,
            memory_kb: 16 * 1024 * 1024,
            datastore_mb: 1024 * 1024,
            pci_devices: 0,
        }
    }
}

/// A domain on a simulated host.
#[derive(Debug, Clone, PartialEq)]
struct Domain {
    deploy_id: String,
    cpu: f64,
    memory_mb: i64,
}

/// What a simulated host holds.
#[derive(Debug, Clone, Default, PartialEq)]
struct SimHost {
    domains: BTreeMap<i32, Domain>,
    files: BTreeSet<String>,
}

/// The simulated world: hosts by name, the system datastore ("frontend") files, images.
#[derive(Debug, Default)]
struct World {
    hosts: HashMap<String, SimHost>,
    frontend: BTreeSet<String>,
    images: HashMap<i32, BTreeMap<i32, i64>>,
}

/// The simulated drivers. One instance serves as IM, VMM, TM and DS.
#[derive(Debug, Default)]
pub struct Dummy {
    settings: DummySettings,
    world: Mutex<World>,
}

/// The name of the simulated frontend in failure messages.
const FRONTEND: &str = "frontend";

fn failures(templates: &[&Template]) -> Vec<String> {
    templates
        .iter()
        .filter_map(|t| t.get("DUMMY_FAIL"))
        .flat_map(|v| v.split(',').map(|s| s.trim().to_uppercase()).collect::<Vec<_>>())
        .collect()
}

/// Fails if `action` (or `action:step`) is in the failure list.
fn check(fail: &[String], action: &str, step: &str) -> Result<(), DriverError> {
    let whole = fail.iter().any(|f| f == action);
    let this_step = fail.iter().any(|f| *f == format!("{action}:{}", step.to_uppercase()));
    if this_step || (whole && step == "last") {
        Err(DriverError::new(format!("{action} failed as requested by DUMMY_FAIL")))
    } else {
        Ok(())
    }
}

/// The `n`-th simulated PCI device of a host (`DUMMY_PCI_DEVICES`): a GPU-like device with
/// every attribute OpenNebula's PCI probe reports, about 650 bytes of monitoring each.
fn simulated_pci(n: i64) -> one_core::template::Attribute {
    let (bus, slot, function) = (n / 32 + 1, n % 32, 0);
    let short = format!("{bus:02x}:{slot:02x}.{function}");
    one_core::template::Attribute::vector(
        "PCI",
        [
            ("ADDRESS", format!("0000:{bus:02x}:{slot:02x}:{function}")),
            ("BUS", format!("{bus:02x}")),
            ("CLASS", "0302".to_owned()),
            ("CLASS_NAME", "3D controller".to_owned()),
            ("DEVICE", "1db4".to_owned()),
            (
                "DEVICE_NAME",
                "Simulated accelerator with a long marketing name [Dummy V100 PCIe 16GB]".to_owned(),
            ),
            ("DOMAIN", "0000".to_owned()),
            ("FUNCTION", function.to_string()),
            ("NUMA_NODE", (n % 2).to_string()),
            ("PROFILES", String::new()),
            ("SHORT_ADDRESS", short),
            ("SLOT", format!("{slot:02x}")),
            ("TYPE", "10de:1db4:0302".to_owned()),
            ("UUID", format!("5e6f{n:04x}-0000-4000-8000-00000000{n:04x}")),
            ("VENDOR", "10de".to_owned()),
            ("VENDOR_NAME", "Simulated Devices Corporation (dummy driver)".to_owned()),
        ],
    )
}

fn vm_files(vid: i32) -> String {
    format!("vms/{vid}/")
}

impl Dummy {
    /// Simulated drivers with these defaults.
    pub fn new(settings: DummySettings) -> Self {
        Dummy { settings, world: Mutex::new(World::default()) }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wait(&self, templates: &[&Template]) {
        let delay = templates
            .iter()
            .find_map(|t| t.get("DUMMY_DELAY_MS").and_then(|v| v.parse::<u64>().ok()))
            .map_or(self.settings.delay, Duration::from_millis);
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
    }

    /// The VM IDs with a domain on a host (for tests and diagnostics).
    pub fn domains(&self, host: &str) -> Vec<i32> {
        self.world().hosts.get(host).map(|h| h.domains.keys().copied().collect()).unwrap_or_default()
    }

    /// The files a VM has on a host (for tests and diagnostics).
    pub fn files(&self, host: &str, vid: i32) -> Vec<String> {
        let prefix = vm_files(vid);
        self.world()
            .hosts
            .get(host)
            .map(|h| h.files.iter().filter(|f| f.starts_with(&prefix)).cloned().collect())
            .unwrap_or_default()
    }

    /// The files a VM has in the system datastore, off any host.
    pub fn frontend_files(&self, vid: i32) -> Vec<String> {
        let prefix = vm_files(vid);
        self.world().frontend.iter().filter(|f| f.starts_with(&prefix)).cloned().collect()
    }
}

/// Context of a VM plan: the world and the VM being worked on.
struct VmCtx<'w> {
    world: &'w mut World,
    host: String,
    vid: i32,
}

impl VmCtx<'_> {
    fn host(&mut self) -> &mut SimHost {
        self.world.hosts.entry(self.host.clone()).or_default()
    }
}

fn disk_files(vm: &VmRef) -> Vec<String> {
    let mut files: Vec<String> = vm
        .template
        .get_all("DISK")
        .enumerate()
        .map(|(i, d)| {
            let id = d
                .value
                .as_vector()
                .and_then(|p| p.iter().find(|(k, _)| k == "DISK_ID"))
                .map(|(_, v)| v.clone());
            format!("{}disk.{}", vm_files(vm.id), id.unwrap_or_else(|| i.to_string()))
        })
        .collect();
    if vm.template.vector("CONTEXT").is_some() {
        files.push(format!("{}context.iso", vm_files(vm.id)));
    }
    files
}

fn domain_of(vm: &VmRef, deploy_id: String) -> Domain {
    Domain {
        deploy_id,
        cpu: vm.template.get("CPU").and_then(|c| c.parse().ok()).unwrap_or(0.0),
        memory_mb: vm.template.get("MEMORY").and_then(|m| m.parse().ok()).unwrap_or(0),
    }
}

impl Vmm for Dummy {
    fn execute(&self, req: &VmmRequest) -> Result<VmmReply, DriverError> {
        let fail = failures(&[&req.vm.template, &req.vm.user_template]);
        self.wait(&[&req.vm.user_template, &req.vm.template, &req.host.template]);
        let name = req.action.name();
        let vid = req.vm.id;
        let mut world = self.world();
        let mut ctx = VmCtx { world: &mut world, host: req.host.name.clone(), vid };
        let deploy_id = if req.vm.deploy_id.is_empty() {
            format!("{}:one-{vid}:dummy", req.host.name)
        } else {
            req.vm.deploy_id.clone()
        };
        let vm = &req.vm;
        match req.action {
            VmmAction::Deploy | VmmAction::Restore => {
                let restore = req.action == VmmAction::Restore;
                let dom = domain_of(vm, deploy_id.clone());
                let deployment = format!("{}deployment", vm_files(vid));
                let checkpoint = format!("{}checkpoint", vm_files(vid));
                let steps = vec![
                    Step::with_undo(
                        "write",
                        |c: &mut VmCtx<'_>| {
                            check(&fail, name, "write")?;
                            c.host().files.insert(deployment.clone());
                            Ok(())
                        },
                        |c: &mut VmCtx<'_>| {
                            c.host().files.remove(&deployment);
                        },
                    ),
                    Step::with_undo(
                        "create",
                        |c: &mut VmCtx<'_>| {
                            check(&fail, name, "create")?;
                            if restore && !c.host().files.contains(&checkpoint) {
                                return Err(DriverError::new(format!(
                                    "no checkpoint of VM {vid} on {}",
                                    c.host
                                )));
                            }
                            let vid = c.vid;
                            c.host().domains.insert(vid, dom);
                            Ok(())
                        },
                        |c: &mut VmCtx<'_>| {
                            let vid = c.vid;
                            c.host().domains.remove(&vid);
                        },
                    ),
                    Step::new("last", |c: &mut VmCtx<'_>| {
                        check(&fail, name, "last")?;
                        if restore {
                            let cp = format!("{}checkpoint", vm_files(c.vid));
                            c.host().files.remove(&cp);
                        }
                        Ok(())
                    }),
                ];
                plan::run(&mut ctx, steps)?;
                Ok(VmmReply { deploy_id: Some(deploy_id), info: None })
            }
            VmmAction::Shutdown | VmmAction::Cancel | VmmAction::Cleanup => {
                check(&fail, name, "last")?;
                ctx.host().domains.remove(&vid);
                Ok(VmmReply::default())
            }
            VmmAction::Save => {
                let checkpoint = format!("{}checkpoint", vm_files(vid));
                let steps = vec![
                    Step::with_undo(
                        "checkpoint",
                        |c: &mut VmCtx<'_>| {
                            check(&fail, name, "checkpoint")?;
                            let vid = c.vid;
                            if !c.host().domains.contains_key(&vid) {
                                return Err(DriverError::new(format!(
                                    "VM {} is not running on {}",
                                    c.vid, c.host
                                )));
                            }
                            c.host().files.insert(checkpoint.clone());
                            Ok(())
                        },
                        |c: &mut VmCtx<'_>| {
                            c.host().files.remove(&checkpoint);
                        },
                    ),
                    Step::new("last", |c: &mut VmCtx<'_>| {
                        check(&fail, name, "last")?;
                        let vid = c.vid;
                        c.host().domains.remove(&vid);
                        Ok(())
                    }),
                ];
                plan::run(&mut ctx, steps)?;
                Ok(VmmReply::default())
            }
            VmmAction::Migrate => {
                check(&fail, name, "last")?;
                let target =
                    req.target.as_ref().ok_or_else(|| DriverError::new("migration without a target"))?;
                let dom = ctx.host().domains.remove(&vid).unwrap_or_else(|| domain_of(vm, deploy_id.clone()));
                let files: Vec<String> =
                    ctx.host().files.iter().filter(|f| f.starts_with(&vm_files(vid))).cloned().collect();
                let dst = ctx.world.hosts.entry(target.name.clone()).or_default();
                dst.domains.insert(vid, dom);
                dst.files.extend(files);
                Ok(VmmReply { deploy_id: Some(deploy_id), info: None })
            }
            VmmAction::Reboot
            | VmmAction::Reset
            | VmmAction::AttachDisk
            | VmmAction::DetachDisk
            | VmmAction::AttachNic
            | VmmAction::DetachNic
            | VmmAction::SnapshotRevert
            | VmmAction::SnapshotDelete
            | VmmAction::DiskSnapshotCreate
            | VmmAction::DiskResize
            | VmmAction::Resize
            | VmmAction::UpdateConf => {
                check(&fail, name, "last")?;
                Ok(VmmReply::default())
            }
            VmmAction::SnapshotCreate => {
                check(&fail, name, "last")?;
                Ok(VmmReply { deploy_id: None, info: Some(format!("{deploy_id}-snap-{}", req.object_id)) })
            }
        }
    }
}

impl Tm for Dummy {
    fn execute(&self, req: &TmRequest) -> Result<(), DriverError> {
        let name = match req.action {
            TmAction::Prolog | TmAction::PrologMigrate | TmAction::PrologResume => "PROLOG",
            TmAction::Epilog | TmAction::EpilogStop | TmAction::EpilogDelete => "EPILOG",
            TmAction::PreMigrate | TmAction::PostMigrate => "MIGRATE",
            TmAction::AttachDisk | TmAction::DetachDisk => "HOTPLUG",
            TmAction::SnapshotCreate | TmAction::SnapshotRevert | TmAction::SnapshotDelete => "SNAPSHOT",
            TmAction::SaveAs => "SAVEAS",
            TmAction::Resize => "RESIZE",
        };
        let fail = failures(&[&req.vm.template, &req.vm.user_template]);
        self.wait(&[&req.vm.user_template, &req.vm.template, &req.host.template]);
        let vid = req.vm.id;
        let mut world = self.world();
        let prefix = vm_files(vid);
        match req.action {
            TmAction::Prolog => {
                let disks = disk_files(&req.vm);
                let mut ctx = VmCtx { world: &mut world, host: req.host.name.clone(), vid };
                let steps: Vec<Step<'_, VmCtx<'_>>> = disks
                    .iter()
                    .map(|f| {
                        Step::with_undo(
                            "disk",
                            |c: &mut VmCtx<'_>| {
                                c.host().files.insert(f.clone());
                                Ok(())
                            },
                            |c: &mut VmCtx<'_>| {
                                c.host().files.remove(f);
                            },
                        )
                    })
                    .chain(std::iter::once(Step::new("last", |_: &mut VmCtx<'_>| check(&fail, name, "last"))))
                    .collect();
                plan::run(&mut ctx, steps)
            }
            TmAction::PrologMigrate => {
                check(&fail, name, "last")?;
                let source = req.source.as_ref().map_or(FRONTEND, |s| s.name.as_str()).to_owned();
                let moved: Vec<String> = world
                    .hosts
                    .get_mut(&source)
                    .map(|h| {
                        let m: Vec<String> =
                            h.files.iter().filter(|f| f.starts_with(&prefix)).cloned().collect();
                        h.files.retain(|f| !f.starts_with(&prefix));
                        m
                    })
                    .unwrap_or_default();
                world.hosts.entry(req.host.name.clone()).or_default().files.extend(moved);
                Ok(())
            }
            TmAction::PrologResume => {
                check(&fail, name, "last")?;
                let moved: Vec<String> =
                    world.frontend.iter().filter(|f| f.starts_with(&prefix)).cloned().collect();
                world.frontend.retain(|f| !f.starts_with(&prefix));
                world.hosts.entry(req.host.name.clone()).or_default().files.extend(moved);
                Ok(())
            }
            TmAction::EpilogStop => {
                check(&fail, name, "last")?;
                let host = world.hosts.entry(req.host.name.clone()).or_default();
                let moved: Vec<String> =
                    host.files.iter().filter(|f| f.starts_with(&prefix)).cloned().collect();
                host.files.retain(|f| !f.starts_with(&prefix));
                world.frontend.extend(moved);
                Ok(())
            }
            TmAction::Epilog | TmAction::EpilogDelete => {
                check(&fail, name, "last")?;
                world
                    .hosts
                    .entry(req.host.name.clone())
                    .or_default()
                    .files
                    .retain(|f| !f.starts_with(&prefix));
                world.frontend.retain(|f| !f.starts_with(&prefix));
                Ok(())
            }
            TmAction::PreMigrate
            | TmAction::PostMigrate
            | TmAction::AttachDisk
            | TmAction::DetachDisk
            | TmAction::SnapshotCreate
            | TmAction::SnapshotRevert
            | TmAction::SnapshotDelete
            | TmAction::SaveAs
            | TmAction::Resize => check(&fail, name, "last"),
        }
    }
}

impl Im for Dummy {
    fn monitor(&self, host: &HostRef) -> Result<HostReport, DriverError> {
        let fail = failures(&[&host.template]);
        check(&fail, "MONITOR", "last")?;
        let num = |name: &str, default: i64| {
            host.template.get(name).and_then(|v| v.parse().ok()).unwrap_or(default)
        };
        let total_cpu = num("DUMMY_CPU", self.settings.cpu);
        let total_memory = num("DUMMY_MEMORY", self.settings.memory_kb);
        let world = self.world();
        let domains = world.hosts.get(&host.name).map(|h| h.domains.clone()).unwrap_or_default();
        let mut vms = Vec::with_capacity(domains.len());
        let (mut used_cpu, mut used_memory) = (0i64, 0i64);
        for (vid, dom) in &domains {
            // A running guest uses about half its CPU share and 3/4 of its memory.
            let cpu = (dom.cpu * 50.0).round() as i64;
            let memory = dom.memory_mb * 1024 * 3 / 4;
            used_cpu += cpu;
            used_memory += memory;
            let mut monitoring = Template::new();
            monitoring.set("CPU", cpu.to_string());
            monitoring.set("MEMORY", memory.to_string());
            for key in ["NETRX", "NETTX", "DISKRDBYTES", "DISKWRBYTES", "DISKRDIOPS", "DISKWRIOPS"] {
                monitoring.set(key, "0");
            }
            vms.push(VmReport {
                id: *vid,
                deploy_id: dom.deploy_id.clone(),
                state: ReportedState::Running,
                monitoring,
            });
        }
        let mut info = Template::new();
        info.set("HYPERVISOR", "dummy");
        info.set("CPUSPEED", "2400");
        info.set("MODELNAME", "Simulated CPU");
        info.set("NETRX", "0");
        info.set("NETTX", "0");
        let pci = num("DUMMY_PCI_DEVICES", self.settings.pci_devices).clamp(0, 4096);
        for n in 0..pci {
            info.push(simulated_pci(n));
        }
        Ok(HostReport {
            total_cpu,
            total_memory,
            used_cpu: used_cpu.min(total_cpu),
            used_memory: used_memory.min(total_memory),
            info,
            vms,
        })
    }
}

impl Ds for Dummy {
    fn execute(&self, req: &DsRequest) -> Result<DsReply, DriverError> {
        let name = match req.action {
            DsAction::Copy => "COPY",
            DsAction::Mkfs => "MKFS",
            DsAction::Clone => "CLONE",
            DsAction::Remove => "REMOVE",
            DsAction::SnapshotDelete | DsAction::SnapshotRevert | DsAction::SnapshotFlatten => "SNAPSHOT",
        };
        // As the other simulated drivers: the action takes its time, then fails if asked to.
        self.wait(&[&req.template, &req.datastore.template]);
        check(&failures(&[&req.template]), name, "last")?;
        let mut world = self.world();
        let images = world.images.entry(req.datastore.id).or_default();
        match req.action {
            DsAction::Copy | DsAction::Mkfs | DsAction::Clone => {
                let size = req.template.get("SIZE").and_then(|s| s.parse().ok()).unwrap_or(1024);
                images.insert(req.image_id, size);
                Ok(DsReply {
                    source: Some(format!(
                        "{}/{}",
                        req.datastore.base_path.trim_end_matches('/'),
                        req.image_id
                    )),
                    format: Some(req.template.get("FORMAT").unwrap_or("raw").to_owned()),
                    size_mb: Some(size),
                })
            }
            DsAction::Remove => {
                images.remove(&req.image_id);
                Ok(DsReply::default())
            }
            DsAction::SnapshotDelete | DsAction::SnapshotRevert | DsAction::SnapshotFlatten => {
                Ok(DsReply::default())
            }
        }
    }

    fn monitor(&self, datastore: &DatastoreRef) -> Result<DsCapacity, DriverError> {
        check(&failures(&[&datastore.template]), "MONITOR", "last")?;
        let total = datastore
            .template
            .get("DUMMY_SIZE_MB")
            .and_then(|v| v.parse().ok())
            .unwrap_or(self.settings.datastore_mb);
        let used: i64 = self.world().images.get(&datastore.id).map(|m| m.values().sum()).unwrap_or(0);
        Ok(DsCapacity { total_mb: total, free_mb: (total - used).max(0), used_mb: used })
    }
}

#[cfg(test)]
mod tests;
