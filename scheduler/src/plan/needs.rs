//! What a VM needs from a host and from datastores (OpenNebula's `VirtualMachineXML`
//! figures): CPU × 100, MEMORY × 1024 KB, system-datastore MB (volatile disks, image disks
//! copied or linked to the system datastore, MEMORY × `memory_system_ds_scale`), and MB on
//! image datastores for disks that live there. Also how the VM comes to the scheduler.

use one_core::objects::vm::{Vm, VmAction};
use one_core::states::VmState;

/// Why a VM is in the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// PENDING for the first time (or after a delete-recreate).
    Pending,
    /// PENDING again after `stop` or `undeploy`: its disks are already on a system datastore.
    Resume,
    /// Flagged for rescheduling: moves off its current host, keeps its system datastore.
    Resched,
}

/// A VM's requirements on capacity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Needs {
    /// CPU, percent (1.0 CPU = 100).
    pub cpu: i64,
    /// Memory, KB.
    pub mem: i64,
    /// System datastore, MB.
    pub system_mb: i64,
    /// Image datastores, MB: `(datastore, mb)`.
    pub image_mb: Vec<(i32, i64)>,
}

/// How the VM comes to the scheduler.
pub fn kind(vm: &Vm) -> Kind {
    if vm.state != VmState::Pending {
        return Kind::Resched;
    }
    match vm.current_history().map(|h| h.action) {
        Some(VmAction::Stop | VmAction::Undeploy | VmAction::UndeployHard) => Kind::Resume,
        _ => Kind::Pending,
    }
}

/// The VM's needs (`memory_system_ds_scale` MB of system datastore per MB of memory).
pub fn needs(vm: &Vm, memory_system_ds_scale: f64) -> Needs {
    let cpu = (vm.cpu() * 100.0) as i64;
    let mem_mb = vm.memory_mb();
    if cpu == 0 || mem_mb == 0 {
        return Needs::default();
    }
    let mut system_mb = (mem_mb as f64 * memory_system_ds_scale) as i64;
    let mut image_mb: Vec<(i32, i64)> = Vec::new();
    for d in vm.disks() {
        let size = d.size_mb().unwrap_or(0) + d.get_num::<i64>("DISK_SNAPSHOT_TOTAL_SIZE").unwrap_or(0);
        if d.image_id().is_none() {
            system_mb += size;
            continue;
        }
        let clone = d.get("CLONE").is_some_and(|c| c.eq_ignore_ascii_case("YES"));
        let target = if clone { d.get("CLONE_TARGET") } else { d.get("LN_TARGET") };
        match target.map(str::to_ascii_uppercase).as_deref() {
            Some("SYSTEM") => system_mb += size,
            Some("SELF") => {
                if let Some(ds) = d.datastore_id() {
                    match image_mb.iter_mut().find(|(id, _)| *id == ds) {
                        Some(entry) => entry.1 += size,
                        None => image_mb.push((ds, size)),
                    }
                }
            }
            _ => {}
        }
    }
    Needs { cpu, mem: mem_mb * 1024, system_mb, image_mb }
}

#[cfg(test)]
mod tests {
    use super::*;
    use one_core::objects::vm::NewVm;
    use one_core::template::Template;

    fn vm(text: &str) -> Vm {
        let new = NewVm {
            id: 1,
            uid: 0,
            gid: 0,
            uname: "oneadmin".into(),
            gname: "oneadmin".into(),
            perms: one_core::perms::Permissions::from_octal(0o600),
            hold: false,
            now: 1,
            uuid: "u".into(),
            default_machine: None,
            random_password: "p".into(),
        };
        Vm::allocate(&new, &Template::parse(text).unwrap()).unwrap()
    }

    #[test]
    fn capacity_and_disks() {
        let v = vm(
            "CPU = 0.5\nMEMORY = 512\nDISK = [ TYPE = fs, SIZE = 100 ]\nDISK = [ TYPE = swap, SIZE = 28 ]",
        );
        let n = needs(&v, 0.0);
        assert_eq!((n.cpu, n.mem, n.system_mb), (50, 512 * 1024, 128));
        assert_eq!(needs(&v, 2.0).system_mb, 128 + 1024);
        let mut idle = vm("CPU = 1\nMEMORY = 512\nDISK = [ TYPE = fs, SIZE = 100 ]");
        idle.template.set("CPU", "0");
        assert_eq!(needs(&idle, 0.0), Needs::default(), "no CPU: no needs at all");
        assert_eq!(kind(&v), Kind::Pending);
    }
}
