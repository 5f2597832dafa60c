//! The element names one-core's objects have, as a [`Key`] each: a bare name is classified
//! once, when it is parsed, so that evaluating it against a host, a datastore or a network
//! picks the element with a `match` on an enum instead of comparing strings.

/// Declares [`Key`] from `Variant = "NAME"` pairs, with its conversions both ways.
macro_rules! keys {
    ($($variant:ident = $name:literal,)*) => {
        /// A bare name, classified: one of the objects' element names, another bare name
        /// ([`Key::Other`]), or something else ([`Key::Path`]: a path, `*`, an unresolvable
        /// name).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(super) enum Key {
            $(
                #[doc = $name]
                $variant,
            )*
            /// A bare name none of the objects has as an element of its own.
            Other,
            /// Not a bare element name.
            Path,
        }

        impl Key {
            /// The key of a bare name.
            pub(super) fn of(name: &str) -> Key {
                match name {
                    $($name => Key::$variant,)*
                    "*" | "" => Key::Path,
                    _ => Key::Other,
                }
            }

            /// The element name (empty for `Other` and `Path`).
            pub(super) fn as_str(self) -> &'static str {
                match self {
                    $(Key::$variant => $name,)*
                    Key::Other | Key::Path => "",
                }
            }
        }
    };
}

keys! {
    // Owned objects.
    Id = "ID",
    Uid = "UID",
    Gid = "GID",
    Uname = "UNAME",
    Gname = "GNAME",
    Name = "NAME",
    Permissions = "PERMISSIONS",
    Lock = "LOCK",
    Clusters = "CLUSTERS",
    Template = "TEMPLATE",
    State = "STATE",
    PrevState = "PREV_STATE",
    // Hosts.
    ImMad = "IM_MAD",
    VmMad = "VM_MAD",
    ClusterId = "CLUSTER_ID",
    Cluster = "CLUSTER",
    HostShare = "HOST_SHARE",
    Vms = "VMS",
    Monitoring = "MONITORING",
    ClusterTemplate = "CLUSTER_TEMPLATE",
    MemUsage = "MEM_USAGE",
    CpuUsage = "CPU_USAGE",
    TotalMem = "TOTAL_MEM",
    TotalCpu = "TOTAL_CPU",
    MaxMem = "MAX_MEM",
    MaxCpu = "MAX_CPU",
    RunningVms = "RUNNING_VMS",
    VmsThread = "VMS_THREAD",
    Datastores = "DATASTORES",
    PciDevices = "PCI_DEVICES",
    NumaNodes = "NUMA_NODES",
    DiskUsage = "DISK_USAGE",
    Ds = "DS",
    FreeDisk = "FREE_DISK",
    MaxDisk = "MAX_DISK",
    UsedDisk = "USED_DISK",
    CurrentVms = "CURRENT_VMS",
    // Datastores.
    DsMad = "DS_MAD",
    TmMad = "TM_MAD",
    BasePath = "BASE_PATH",
    Type = "TYPE",
    DiskType = "DISK_TYPE",
    TotalMb = "TOTAL_MB",
    FreeMb = "FREE_MB",
    UsedMb = "USED_MB",
    Images = "IMAGES",
    // Virtual networks.
    Bridge = "BRIDGE",
    BridgeType = "BRIDGE_TYPE",
    ParentNetworkId = "PARENT_NETWORK_ID",
    TemplateId = "TEMPLATE_ID",
    VnMad = "VN_MAD",
    Phydev = "PHYDEV",
    VlanId = "VLAN_ID",
    OuterVlanId = "OUTER_VLAN_ID",
    VlanIdAutomatic = "VLAN_ID_AUTOMATIC",
    OuterVlanIdAutomatic = "OUTER_VLAN_ID_AUTOMATIC",
    UsedLeases = "USED_LEASES",
    Vrouters = "VROUTERS",
    UpdatedVms = "UPDATED_VMS",
    OutdatedVms = "OUTDATED_VMS",
    UpdatingVms = "UPDATING_VMS",
    ErrorVms = "ERROR_VMS",
    ArPool = "AR_POOL",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for name in ["ID", "CLUSTER_ID", "FREE_MB", "AR_POOL", "CURRENT_VMS"] {
            assert_eq!(Key::of(name).as_str(), name);
        }
        assert_eq!(Key::of("FREE_CPU"), Key::Other);
        assert_eq!(Key::of("id"), Key::Other);
        assert_eq!(Key::of("*"), Key::Path);
    }
}
