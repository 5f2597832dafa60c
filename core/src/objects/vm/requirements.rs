//! The VM attributes oned derives from its devices: the AUTOMATIC_REQUIREMENTS,
//! AUTOMATIC_DS_REQUIREMENTS and AUTOMATIC_NIC_REQUIREMENTS the scheduler matches hosts and
//! datastores with (from the clusters of the disks' datastores and the NICs' networks, the
//! pinning policy, CPU model features, memory encryption, the system datastores the images
//! allow and shareable disks), and the backup configuration, whose rules depend on the disks.

use std::collections::BTreeSet;

use super::Vm;
use crate::template::Value;

/// The pairs of some device vectors.
type Devices<'a> = Vec<&'a [(String, String)]>;

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
}

fn join(ids: &BTreeSet<i32>, sep: &str, each: impl Fn(i32) -> String) -> String {
    ids.iter().map(|&i| each(i)).collect::<Vec<_>>().join(sep)
}

/// Narrows `clusters` by a device's comma-separated cluster list in `key`. Ok(false): the
/// list is empty (the resource is in no cluster); Err(()): no cluster in common.
fn narrow(clusters: &mut BTreeSet<i32>, pairs: &[(String, String)], key: &str) -> Result<bool, ()> {
    let Some((_, list)) = pairs.iter().find(|(k, _)| k == key) else { return Ok(true) };
    let ids: BTreeSet<i32> = list.split(',').filter_map(|s| s.trim().parse().ok()).collect();
    if ids.is_empty() {
        return Ok(false);
    }
    if clusters.is_empty() {
        *clusters = ids;
        return Ok(true);
    }
    let common: BTreeSet<i32> = clusters.intersection(&ids).copied().collect();
    if common.is_empty() {
        return Err(());
    }
    *clusters = common;
    Ok(true)
}

impl Vm {
    /// The clusters the VM can run in, from the `KERNEL_DS_CLUSTER_ID`/`INITRD_DS_CLUSTER_ID`
    /// of its OS and the `CLUSTER_ID` lists the caller put on its disks, NICs (except
    /// `NETWORK_MODE=DUMMY`) and PCI NICs. Empty: anywhere. Fails with OpenNebula's messages
    /// when a device has no cluster or none in common with the others.
    pub fn required_clusters(&self) -> Result<BTreeSet<i32>, String> {
        let mut clusters = BTreeSet::new();
        let joined = |c: &BTreeSet<i32>| join(c, ",", |i| i.to_string());
        if let Some(os) = self.template.vector("OS") {
            for (file, key) in [("KERNEL", "KERNEL_DS_CLUSTER_ID"), ("INITRD", "INITRD_DS_CLUSTER_ID")] {
                match narrow(&mut clusters, os, key) {
                    Ok(true) => {}
                    Ok(false) => {
                        return Err(format!("Missing clusters. {file} datastore is not in any cluster."));
                    }
                    Err(()) => {
                        return Err(format!(
                            "Incompatible cluster in {file} datastore, it should be in cluster {}.",
                            joined(&clusters)
                        ));
                    }
                }
            }
        }
        let dummy = |pairs: &[(String, String)]| get(pairs, "NETWORK_MODE").eq_ignore_ascii_case("DUMMY");
        let groups: [(&str, &str, &str, Devices<'_>); 3] = [
            (
                "DISK",
                "Datastore",
                "DISK",
                self.template.get_all("DISK").filter_map(|a| a.value.as_vector()).collect(),
            ),
            (
                "NIC",
                "Network",
                "NIC",
                self.template.get_all("NIC").filter_map(|a| a.value.as_vector()).collect(),
            ),
            (
                "PCI (TYPE=NIC)",
                "Network",
                "PCI",
                self.template
                    .get_all("PCI")
                    .filter_map(|a| a.value.as_vector())
                    .filter(|p| get(p, "TYPE") == "NIC")
                    .collect(),
            ),
        ];
        for (what, resource, item, devices) in groups {
            for (i, pairs) in devices.into_iter().enumerate() {
                if item != "DISK" && dummy(pairs) {
                    continue;
                }
                match narrow(&mut clusters, pairs, "CLUSTER_ID") {
                    Ok(true) => {}
                    Ok(false) => {
                        return Err(format!(
                            "Missing clusters. {resource} for {item} {i} is not in any cluster"
                        ));
                    }
                    Err(()) => {
                        return Err(format!(
                            "Incompatible clusters in {what}. {resource} for {item} {i} is not in the same cluster as the one used by other VM elements (cluster {})",
                            joined(&clusters)
                        ));
                    }
                }
            }
        }
        Ok(clusters)
    }

    /// Sets AUTOMATIC_REQUIREMENTS, and AUTOMATIC_NIC_REQUIREMENTS and
    /// AUTOMATIC_DS_REQUIREMENTS when they constrain anything, from [`Vm::required_clusters`]
    /// and the system datastores every image datastore of the VM is compatible with
    /// (`system_ds`, empty: any). Returns the clusters.
    pub fn set_automatic_requirements(&mut self, system_ds: &BTreeSet<i32>) -> Result<BTreeSet<i32>, String> {
        let clusters = self.required_clusters()?;
        for name in ["AUTOMATIC_REQUIREMENTS", "AUTOMATIC_DS_REQUIREMENTS", "AUTOMATIC_NIC_REQUIREMENTS"] {
            self.template.remove(name);
        }
        let mut host = String::new();
        if !clusters.is_empty() {
            host = format!("({}) & ", join(&clusters, " | ", |c| format!("CLUSTER_ID = {c}")));
        }
        host.push_str(if self.is_pinned() { "(PIN_POLICY = PINNED)" } else { "!(PIN_POLICY = PINNED)" });
        if let Some(cpu_model) = self.template.vector("CPU_MODEL") {
            for feature in get(cpu_model, "FEATURES").split(',').filter(|f| !f.is_empty()) {
                host.push_str(&format!(" & (KVM_CPU_FEATURES = \"*{feature}*\")"));
            }
        }
        if let Some(encryption) = self.template.vector("MEMORY_ENCRYPTION") {
            let kind = get(encryption, "TYPE");
            if !kind.is_empty() {
                let pattern = match kind {
                    "SEV" => "SEV*",
                    "SEV-ES" => "SEV-*",
                    other => other,
                };
                host.push_str(&format!(" & (MEMORY_ENCRYPTION = \"{pattern}\")"));
            }
        }
        self.template.set("AUTOMATIC_REQUIREMENTS", host);

        let mut ds = String::new();
        if !clusters.is_empty() || !system_ds.is_empty() {
            if !clusters.is_empty() {
                let nic = format!("({})", join(&clusters, " | ", |c| format!("\"CLUSTERS/ID\" @> {c}")));
                self.template.set("AUTOMATIC_NIC_REQUIREMENTS", nic.clone());
                ds = nic;
                if !system_ds.is_empty() {
                    ds.push_str(" & ");
                }
            }
            if !system_ds.is_empty() {
                ds.push_str(&format!("({})", join(system_ds, " | ", |d| format!("\"ID\" @> {d}"))));
            }
            if let Some(tm) = self.template.get("TM_MAD_SYSTEM") {
                ds.push_str(&format!(" & (TM_MAD = \"{}\")", tm.trim()));
            }
        }
        let shareable = self
            .template
            .get_all("DISK")
            .filter_map(|a| a.value.as_vector())
            .any(|d| get(d, "TYPE") != "FILESYSTEM" && get(d, "SHAREABLE").eq_ignore_ascii_case("YES"));
        if shareable {
            if !ds.is_empty() {
                ds.push_str(" & ");
            }
            ds.push_str("(SHARED = \"YES\")");
        }
        if !ds.is_empty() {
            self.template.set("AUTOMATIC_DS_REQUIREMENTS", ds);
        }
        Ok(clusters)
    }

    /// TOPOLOGY/PIN_POLICY is CORE, THREAD or SHARED.
    pub fn is_pinned(&self) -> bool {
        self.template.vector("TOPOLOGY").is_some_and(|t| {
            matches!(get(t, "PIN_POLICY").to_ascii_uppercase().as_str(), "CORE" | "THREAD" | "SHARED")
        })
    }

    /// The disks a backup may include: not swap, CD-ROMs nor file-system images, and volatile
    /// `fs` disks only with `BACKUP_VOLATILE=YES` (`volatile`).
    pub fn backup_disk_ids(&self, volatile: bool) -> Vec<i32> {
        self.disks()
            .iter()
            .filter(|d| {
                let kind = d.get("TYPE").unwrap_or_default().to_ascii_uppercase();
                !matches!(kind.as_str(), "SWAP" | "CDROM" | "RBD_CDROM" | "FILESYSTEM")
                    && (kind != "FS" || volatile)
            })
            .filter_map(|d| d.disk_id())
            .collect()
    }

    /// Moves a `BACKUP_CONFIG=[…]` of the USER_TEMPLATE into the backup configuration, with
    /// OpenNebula's allocate rules (see [`super::Backups::apply_config`]); `can_increment`
    /// says whether the disks' drivers allow incremental backups. Without BACKUP_CONFIG
    /// nothing changes.
    pub fn apply_backup_config(&mut self, can_increment: bool) -> Result<(), String> {
        let Some(first) = self.user_template.get_all("BACKUP_CONFIG").next().map(|a| a.value.clone()) else {
            return Ok(());
        };
        self.user_template.remove("BACKUP_CONFIG");
        let Value::Vector(cfg) = first else {
            return Err("Internal error parsing BACKUP_CONFIG attribute.".to_owned());
        };
        let volatile = get(&cfg, "BACKUP_VOLATILE").eq_ignore_ascii_case("YES");
        let eligible = self.backup_disk_ids(volatile);
        self.backups.apply_config(&cfg, can_increment, false, &eligible)
    }
}
