//! A host's `<HOST_SHARE>`: the capacity oned accounts for (CPU in percent, 100 per core;
//! memory in KB; disk in MB), the VMs' allocations, and what the monitoring probes reported
//! (local datastores, PCI devices, NUMA topology). Also the arithmetic of reservations
//! (`RESERVED_CPU`/`RESERVED_MEM`) and of a VM's capacity request.
//!
//! PCI devices are kept as free attribute lists and NUMA nodes as `NODE` templates, rendered
//! with their keys sorted as OpenNebula does. Assigning PCI devices and NUMA cores to VMs
//! (pinning) is not modelled: allocations change only CPU_USAGE, MEM_USAGE, DISK_USAGE,
//! RUNNING_VMS and the host's VMS list.

use super::pci::PciDevices;
use crate::objects::monitoring::{parse_float, parse_int, vector_value};
use crate::objects::{ObjectError, required_num};
use crate::template::{Attribute, Template};
use crate::xml::{Node, XmlWriter};

/// Attribute pairs of a vector (a PCI device, a local datastore).
pub type Pairs = Vec<(String, String)>;

/// The capacity a VM takes on its host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VmCapacity {
    /// The VM.
    pub vmid: i32,
    /// CPU in percent (`CPU` × 100, truncated).
    pub cpu: i64,
    /// Memory in KB (`MEMORY` MB × 1024).
    pub mem: i64,
    /// System datastore disk in MB.
    pub disk: i64,
}

impl VmCapacity {
    /// The request of a VM template, computed as OpenNebula does: `CPU` is read as a 32-bit
    /// float and `(int)(CPU * 100)` taken (0.1 → 10, 0.29 → 29), `MEMORY` MB × 1024. A template
    /// without a valid CPU or MEMORY requests nothing. `disk` starts at 0, as in OpenNebula
    /// 7.4, where DISK_USAGE never grows; set it to account system-disk MB.
    pub fn from_template(vmid: i32, template: &Template) -> VmCapacity {
        let mem = template.get("MEMORY").and_then(parse_int::<i64>);
        let cpu = template.get("CPU").and_then(parse_float::<f32>);
        match (mem, cpu) {
            (Some(mem), Some(cpu)) => {
                VmCapacity { vmid, cpu: (cpu * 100.0_f32) as i64, mem: mem.saturating_mul(1024), disk: 0 }
            }
            _ => VmCapacity { vmid, ..VmCapacity::default() },
        }
    }
}

/// What a host's capacity is after a reservation: `reserved` is empty (no reservation), an
/// absolute amount (`100`, or `-100` to over-commit) or a percentage of the total (`10%`,
/// `-50%`). A value OpenNebula cannot read leaves the total unchanged.
pub fn reserved_limit(total: i64, reserved: &str) -> i64 {
    let mut text = reserved;
    if text.ends_with(char::is_whitespace) {
        text = text.trim();
    }
    if text.is_empty() {
        return total;
    }
    let (number, percent) = match text.strip_suffix('%') {
        Some(n) => (n, true),
        None => (text, false),
    };
    let Some(value) = parse_int::<i64>(number) else { return total };
    if percent { (total as f64 * (1.0 - value as f64 / 100.0)) as i64 } else { total - value }
}

/// A host's `<HOST_SHARE>`.
#[derive(Debug, Clone, PartialEq)]
pub struct HostShare {
    /// MEM_USAGE: memory allocated to VMs, KB.
    pub mem_usage: i64,
    /// CPU_USAGE: CPU allocated to VMs, percent.
    pub cpu_usage: i64,
    /// TOTAL_MEM: the host's memory, KB (monitored TOTALMEMORY).
    pub total_mem: i64,
    /// TOTAL_CPU: the host's CPU, percent (monitored TOTALCPU).
    pub total_cpu: i64,
    /// MAX_MEM: TOTAL_MEM less RESERVED_MEM.
    pub max_mem: i64,
    /// MAX_CPU: TOTAL_CPU less RESERVED_CPU.
    pub max_cpu: i64,
    /// RUNNING_VMS.
    pub running_vms: i64,
    /// VMS_THREAD: VMs that may share a hardware thread (at least 1).
    pub vms_thread: u32,
    /// DATASTORES/DISK_USAGE: system-disk MB allocated to VMs.
    pub disk_usage: i64,
    /// DATASTORES/MAX_DISK (monitored DS_LOCATION_TOTAL_MB).
    pub max_disk: i64,
    /// DATASTORES/FREE_DISK (monitored DS_LOCATION_FREE_MB).
    pub free_disk: i64,
    /// DATASTORES/USED_DISK (monitored DS_LOCATION_USED_MB).
    pub used_disk: i64,
    /// DATASTORES/DS: local system datastores (ID, FREE_MB, TOTAL_MB, USED_MB, …).
    pub datastores: Vec<Pairs>,
    /// PCI_DEVICES/PCI, in discovery order, each with its VMID (-1 free).
    pub pci_devices: PciDevices,
    /// NUMA_NODES/NODE templates (CORE, HUGEPAGE, MEMORY vectors and NODE_ID), by node ID.
    pub numa_nodes: Vec<Template>,
}

impl Default for HostShare {
    fn default() -> Self {
        HostShare {
            mem_usage: 0,
            cpu_usage: 0,
            total_mem: 0,
            total_cpu: 0,
            max_mem: 0,
            max_cpu: 0,
            running_vms: 0,
            vms_thread: 1,
            disk_usage: 0,
            max_disk: 0,
            free_disk: 0,
            used_disk: 0,
            datastores: Vec::new(),
            pci_devices: PciDevices::default(),
            numa_nodes: Vec::new(),
        }
    }
}

impl HostShare {
    /// Adds a VM's capacity (the caller keeps the host's VMS list).
    pub fn add(&mut self, cap: &VmCapacity) {
        self.cpu_usage += cap.cpu;
        self.mem_usage += cap.mem;
        self.disk_usage += cap.disk;
        self.running_vms += 1;
    }

    /// Removes a VM's capacity.
    pub fn del(&mut self, cap: &VmCapacity) {
        self.cpu_usage -= cap.cpu;
        self.mem_usage -= cap.mem;
        self.disk_usage -= cap.disk;
        self.running_vms -= 1;
    }

    /// Whether `cpu` percent and `mem` KB fit in what is left, with OpenNebula's message
    /// (`Not enough CPU: 150/100`) when they do not.
    pub fn test_compute(&self, cpu: i64, mem: i64) -> Result<(), String> {
        let free_cpu = self.max_cpu - self.cpu_usage;
        let free_mem = self.max_mem - self.mem_usage;
        if free_cpu < cpu {
            Err(format!("Not enough CPU: {cpu}/{free_cpu}"))
        } else if free_mem < mem {
            Err(format!("Not enough memory: {mem}/{free_mem}"))
        } else {
            Ok(())
        }
    }

    /// Sets new totals (monitored TOTALCPU/TOTALMEMORY) and the limits after reservations.
    pub fn set_totals(&mut self, total_cpu: i64, total_mem: i64, reserved_cpu: &str, reserved_mem: &str) {
        self.total_cpu = total_cpu;
        self.total_mem = total_mem;
        self.max_cpu = reserved_limit(total_cpu, reserved_cpu);
        self.max_mem = reserved_limit(total_mem, reserved_mem);
    }

    /// Zeroes the totals and limits (a host set OFFLINE).
    pub fn reset_capacity(&mut self) {
        self.total_cpu = 0;
        self.total_mem = 0;
        self.max_cpu = 0;
        self.max_mem = 0;
    }

    /// Recomputes the limits after the reservations or the host template changed; a
    /// `VMS_THREAD` in the template sets the threads' sharing (0 is stored back as 1).
    pub fn update_capacity(&mut self, template: &mut Template, reserved_cpu: &str, reserved_mem: &str) {
        self.max_cpu = reserved_limit(self.total_cpu, reserved_cpu);
        self.max_mem = reserved_limit(self.total_mem, reserved_mem);
        if let Some(vt) = template.get("VMS_THREAD").and_then(parse_int::<u32>) {
            let vt = if vt == 0 {
                template.set("VMS_THREAD", "1");
                1
            } else {
                vt
            };
            self.vms_thread = vt;
            for node in &mut self.numa_nodes {
                super::numa::update_cores(node, vt);
            }
        }
    }

    /// Takes the datastore part of a system report out of `report`: DS_LOCATION_TOTAL_MB,
    /// DS_LOCATION_FREE_MB and DS_LOCATION_USED_MB (absent counts as 0) and the `DS` vectors,
    /// which replace the previous ones.
    pub fn take_datastores(&mut self, report: &mut Template) {
        let mut take = |name: &str| {
            let v = report.get(name).and_then(parse_int::<i64>).unwrap_or(0);
            report.remove(name);
            v
        };
        self.max_disk = take("DS_LOCATION_TOTAL_MB");
        self.free_disk = take("DS_LOCATION_FREE_MB");
        self.used_disk = take("DS_LOCATION_USED_MB");
        self.datastores =
            report.get_all("DS").filter_map(|a| a.value.as_vector()).map(<[_]>::to_vec).collect();
        report.remove("DS");
    }

    /// Takes the `PCI` vectors of a system report out of `report`. `filter` is PCI_FILTER
    /// (`vendor:device:class` patterns, `*` or empty for any, comma separated) and
    /// `short_addresses` PCI_SHORT_ADDRESS (comma separated); empty strings accept everything.
    /// Known devices (same ADDRESS) keep their VMID and get the new PROFILES, SRIOV and
    /// SRIOV_NUM; new ones are appended free (VMID -1); vanished free devices are dropped.
    pub fn take_pci(&mut self, report: &mut Template, filter: &str, short_addresses: &str) {
        let filters: Vec<[String; 3]> = if filter.is_empty() {
            Vec::new()
        } else {
            filter
                .split(',')
                .map(|f| {
                    let mut parts = [String::from("*"), String::from("*"), String::from("*")];
                    for (slot, token) in parts.iter_mut().zip(f.split(':')) {
                        if !token.is_empty() {
                            *slot = token.trim().to_owned();
                        }
                    }
                    parts
                })
                .collect()
        };
        let addresses: Vec<&str> =
            if short_addresses.is_empty() { Vec::new() } else { short_addresses.split(',').collect() };
        let matches = |pci: &Pairs| {
            let get = |k: &str| vector_value(pci, k).unwrap_or("");
            let filtered = filters.is_empty()
                || filters.iter().any(|[v, d, c]| {
                    (v == "*" || v == get("VENDOR"))
                        && (d == "*" || d == get("DEVICE"))
                        && (c == "*" || c == get("CLASS"))
                });
            filtered && (addresses.is_empty() || addresses.contains(&get("SHORT_ADDRESS")))
        };

        let reported: Vec<Pairs> =
            report.get_all("PCI").filter_map(|a| a.value.as_vector()).map(<[_]>::to_vec).collect();
        report.remove("PCI");
        let devices = self.pci_devices.list_mut();
        let mut seen = vec![false; devices.len()];
        for pci in reported {
            let address = vector_value(&pci, "ADDRESS").unwrap_or("").to_owned();
            if address.is_empty() || !matches(&pci) {
                continue;
            }
            let known = devices.iter().position(|d| vector_value(d, "ADDRESS") == Some(address.as_str()));
            if let Some(i) = known {
                seen[i] = true;
                let dev = &mut devices[i];
                for (key, remove_empty) in [("PROFILES", false), ("SRIOV", false), ("SRIOV_NUM", true)] {
                    let value = vector_value(&pci, key).unwrap_or("").to_owned();
                    dev.retain(|(k, _)| k != key);
                    if !(value.is_empty() && remove_empty) {
                        dev.push((key.to_owned(), value));
                    }
                }
                continue;
            }
            let mut dev = pci;
            if vector_value(&dev, "VMID").is_none() {
                dev.push(("VMID".to_owned(), "-1".to_owned()));
            }
            devices.push(dev);
            seen.push(true);
        }
        let mut keep = seen.into_iter();
        devices.retain(|d| keep.next().unwrap_or(true) || vector_value(d, "VMID").is_some_and(|v| v != "-1"));
    }

    /// Takes the NUMA part of a system report out of `report` (`CORE`, `HUGEPAGE` and
    /// `MEMORY_NODE` vectors with NODE_ID) into the NODE templates.
    pub fn take_numa(&mut self, report: &mut Template) {
        super::numa::set_monitorization(&mut self.numa_nodes, report, self.vms_thread);
        report.remove("CORE");
        report.remove("HUGEPAGE");
        report.remove("MEMORY_NODE");
    }

    /// Renders `<HOST_SHARE>`.
    pub fn write_xml(&self, w: &mut XmlWriter) {
        w.open("HOST_SHARE").num("MEM_USAGE", self.mem_usage).num("CPU_USAGE", self.cpu_usage);
        w.num("TOTAL_MEM", self.total_mem).num("TOTAL_CPU", self.total_cpu);
        w.num("MAX_MEM", self.max_mem).num("MAX_CPU", self.max_cpu);
        w.num("RUNNING_VMS", self.running_vms).num("VMS_THREAD", self.vms_thread);
        let mut ds = Template::new();
        ds.push(Attribute::single("DISK_USAGE", self.disk_usage.to_string()));
        for d in &self.datastores {
            ds.push(Attribute::vector("DS", d.iter().map(|(k, v)| (k, v.clone()))));
        }
        ds.push(Attribute::single("FREE_DISK", self.free_disk.to_string()));
        ds.push(Attribute::single("MAX_DISK", self.max_disk.to_string()));
        ds.push(Attribute::single("USED_DISK", self.used_disk.to_string()));
        ds.write_xml(w, "DATASTORES");
        self.pci_devices.write_xml(w);
        w.open("NUMA_NODES");
        for node in &self.numa_nodes {
            node.write_xml(w, "NODE");
        }
        w.close("NUMA_NODES").close("HOST_SHARE");
    }

    /// Reads `<HOST_SHARE>`.
    pub fn from_node(node: &Node) -> Result<HostShare, ObjectError> {
        let ds = crate::objects::template_from_node(node.child("DATASTORES"))?;
        let ds_num = |name: &str| ds.get(name).and_then(parse_int::<i64>).unwrap_or(0);
        let vectors = |t: &Template, name: &str| -> Vec<Pairs> {
            t.get_all(name).filter_map(|a| a.value.as_vector()).map(<[_]>::to_vec).collect()
        };
        let pci = crate::objects::template_from_node(node.child("PCI_DEVICES"))?;
        let numa_nodes = match node.child("NUMA_NODES") {
            Some(n) => n
                .children_named("NODE")
                .map(|c| crate::objects::template_from_node(Some(c)))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        Ok(HostShare {
            mem_usage: required_num(node, "MEM_USAGE")?,
            cpu_usage: required_num(node, "CPU_USAGE")?,
            total_mem: required_num(node, "TOTAL_MEM")?,
            total_cpu: required_num(node, "TOTAL_CPU")?,
            max_mem: required_num(node, "MAX_MEM")?,
            max_cpu: required_num(node, "MAX_CPU")?,
            running_vms: required_num(node, "RUNNING_VMS")?,
            vms_thread: node.child_num("VMS_THREAD").unwrap_or(1),
            disk_usage: ds_num("DISK_USAGE"),
            max_disk: ds_num("MAX_DISK"),
            free_disk: ds_num("FREE_DISK"),
            used_disk: ds_num("USED_DISK"),
            datastores: vectors(&ds, "DS"),
            pci_devices: PciDevices::new(vectors(&pci, "PCI")),
            numa_nodes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_capacity_truncates_like_opennebula() {
        let cap = |t: &str| VmCapacity::from_template(4, &Template::parse(t).unwrap());
        assert_eq!(cap("CPU=0.1\nMEMORY=64"), VmCapacity { vmid: 4, cpu: 10, mem: 65536, disk: 0 });
        assert_eq!(cap("CPU=0.29\nMEMORY=1").cpu, 29);
        // 32-bit arithmetic: 0.53 gives 52 (a 64-bit double would give 53), 0.57 gives 57 (56).
        assert_eq!(cap("CPU=0.53\nMEMORY=1").cpu, 52);
        assert_eq!(cap("CPU=0.57\nMEMORY=1").cpu, 57);
        assert_eq!(cap("CPU=1.5\nMEMORY=512").cpu, 150);
        assert_eq!(cap("CPU=2\nMEMORY=512.5"), VmCapacity { vmid: 4, ..VmCapacity::default() });
        assert_eq!(cap("MEMORY=512"), VmCapacity { vmid: 4, ..VmCapacity::default() });
    }

    #[test]
    fn reservations_absolute_percent_and_overcommit() {
        assert_eq!(reserved_limit(800, ""), 800);
        assert_eq!(reserved_limit(800, "100"), 700);
        assert_eq!(reserved_limit(800, "-200"), 1000);
        assert_eq!(reserved_limit(800, "10%"), 720);
        assert_eq!(reserved_limit(800, "-50%"), 1200);
        assert_eq!(reserved_limit(1000, "33%"), 669, "1000 × 0.67 = 669.999…, truncated");
        assert_eq!(reserved_limit(800, " 100 "), 700);
        assert_eq!(reserved_limit(800, "abc"), 800);
        assert_eq!(reserved_limit(800, "1.5"), 800);
        assert_eq!(reserved_limit(800, "10 %"), 800);
    }

    #[test]
    fn allocations_and_compute_test() {
        let mut s = HostShare::default();
        s.set_totals(200, 2048, "", "-1024");
        assert_eq!((s.max_cpu, s.max_mem), (200, 3072));
        let cap = VmCapacity { vmid: 1, cpu: 150, mem: 2048, disk: 10 };
        assert_eq!(s.test_compute(150, 2048), Ok(()));
        s.add(&cap);
        assert_eq!((s.cpu_usage, s.mem_usage, s.disk_usage, s.running_vms), (150, 2048, 10, 1));
        assert_eq!(s.test_compute(100, 0), Err("Not enough CPU: 100/50".to_owned()));
        assert_eq!(s.test_compute(50, 2048), Err("Not enough memory: 2048/1024".to_owned()));
        s.del(&cap);
        assert_eq!((s.cpu_usage, s.mem_usage, s.disk_usage, s.running_vms), (0, 0, 0, 0));
        s.reset_capacity();
        assert_eq!((s.total_cpu, s.max_cpu, s.total_mem, s.max_mem), (0, 0, 0, 0));
    }

    #[test]
    fn vms_thread_update() {
        let mut s = HostShare::default();
        s.set_totals(400, 100, "", "");
        let mut t = Template::parse("VMS_THREAD=0\nRESERVED_CPU=").unwrap();
        s.update_capacity(&mut t, "50%", "10");
        assert_eq!((s.max_cpu, s.max_mem, s.vms_thread, t.get("VMS_THREAD")), (200, 90, 1, Some("1")));
        t.set("VMS_THREAD", "4");
        s.update_capacity(&mut t, "", "");
        assert_eq!((s.max_cpu, s.vms_thread), (400, 4));
    }

    #[test]
    fn datastore_report_and_rendering() {
        let mut s = HostShare::default();
        let mut report = Template::parse(
            "DS_LOCATION_TOTAL_MB=100\nDS_LOCATION_FREE_MB=60\nDS=[ID=0,TOTAL_MB=100,FREE_MB=60,USED_MB=40]\nX=1",
        )
        .unwrap();
        s.take_datastores(&mut report);
        assert_eq!(report.to_text(), "X=\"1\"\n");
        assert_eq!((s.max_disk, s.free_disk, s.used_disk, s.datastores.len()), (100, 60, 0, 1));
        let mut w = XmlWriter::new();
        s.write_xml(&mut w);
        let xml = w.finish();
        assert!(xml.contains(
            "<DATASTORES><DISK_USAGE><![CDATA[0]]></DISK_USAGE><DS><FREE_MB><![CDATA[60]]></FREE_MB>\
             <ID><![CDATA[0]]></ID><TOTAL_MB><![CDATA[100]]></TOTAL_MB><USED_MB><![CDATA[40]]></USED_MB></DS>\
             <FREE_DISK><![CDATA[60]]></FREE_DISK><MAX_DISK><![CDATA[100]]></MAX_DISK>\
             <USED_DISK><![CDATA[0]]></USED_DISK></DATASTORES><PCI_DEVICES></PCI_DEVICES><NUMA_NODES></NUMA_NODES>"
        ));
        let back = HostShare::from_node(&crate::xml::parse(&xml).unwrap()).unwrap();
        let mut w = XmlWriter::new();
        back.write_xml(&mut w);
        assert_eq!(w.finish(), xml);
        assert_eq!(
            (back.max_disk, back.free_disk, vector_value(&back.datastores[0], "USED_MB")),
            (100, 60, Some("40"))
        );
    }

    fn pci(addr: &str, vendor: &str, extra: &str) -> String {
        format!(
            "PCI=[ADDRESS=\"{addr}\",SHORT_ADDRESS=\"{addr}\",VENDOR={vendor},DEVICE=0001,CLASS=0300{extra}]\n"
        )
    }

    #[test]
    fn pci_report_merges_by_address() {
        let mut s = HostShare::default();
        let mut r = Template::parse(
            &(pci("a", "10de", ",SRIOV_NUM=2") + &pci("b", "8086", "") + &pci("c", "10de", "")),
        )
        .unwrap();
        s.take_pci(&mut r, "", "");
        assert!(r.is_empty());
        let addrs = |s: &HostShare| {
            s.pci_devices
                .list()
                .iter()
                .map(|d| vector_value(d, "ADDRESS").unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(addrs(&s), ["a", "b", "c"]);
        assert_eq!(vector_value(&s.pci_devices.list()[0], "VMID"), Some("-1"));
        // b is used by VM 5; next report: a without SRIOV_NUM, b and c gone, d new.
        s.pci_devices.list_mut()[1].retain(|(k, _)| k != "VMID");
        s.pci_devices.list_mut()[1].push(("VMID".into(), "5".into()));
        let mut r = Template::parse(&(pci("a", "10de", ",PROFILES=p1") + &pci("d", "10de", ""))).unwrap();
        s.take_pci(&mut r, "", "");
        assert_eq!(addrs(&s), ["a", "b", "d"]);
        assert_eq!(vector_value(&s.pci_devices.list()[0], "SRIOV_NUM"), None);
        assert_eq!(vector_value(&s.pci_devices.list()[0], "PROFILES"), Some("p1"));
        // Filters: only NVIDIA class 0300, then only short address d.
        let mut s = HostShare::default();
        let mut r = Template::parse(&(pci("a", "10de", "") + &pci("b", "8086", ""))).unwrap();
        s.take_pci(&mut r, "10de:*:0300", "");
        assert_eq!(addrs(&s), ["a"]);
        let mut s = HostShare::default();
        let mut r = Template::parse(&(pci("a", "10de", "") + &pci("d", "10de", ""))).unwrap();
        s.take_pci(&mut r, "", "d");
        assert_eq!(addrs(&s), ["d"]);
    }
}
