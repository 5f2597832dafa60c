//! Restricted template attributes, as oned.conf's `*_RESTRICTED_ATTR` lists them: what only
//! administrators may set when they create images, VM templates and networks, instantiate a
//! template or add an address range. A name is either a top-level attribute (`SOURCE`) or an
//! attribute inside vectors (`DISK/TOTAL_BYTES_SEC`).

use one_core::template::{Template, Value};

use super::{ApiError, ApiResult, Caller, Object};

/// `IMAGE_RESTRICTED_ATTR`.
pub const IMAGE: &[&str] = &["SOURCE"];

/// `VM_RESTRICTED_ATTR` (OpenNebula 7.4's oned.conf).
pub const VM: &[&str] = &[
    "CONTEXT/FILES",
    "NIC/MAC",
    "NIC/VLAN_ID",
    "NIC/BRIDGE",
    "NIC/FILTER",
    "NIC/FILTER_IP_SPOOFING",
    "NIC/FILTER_MAC_SPOOFING",
    "NIC/INBOUND_AVG_BW",
    "NIC/INBOUND_PEAK_BW",
    "NIC/INBOUND_PEAK_KB",
    "NIC/OUTBOUND_AVG_BW",
    "NIC/OUTBOUND_PEAK_BW",
    "NIC/OUTBOUND_PEAK_KB",
    "NIC/OPENNEBULA_MANAGED",
    "NIC/EXTERNAL",
    "NIC/VLAN_TAGGED_ID",
    "NIC_ALIAS/MAC",
    "NIC_ALIAS/VLAN_ID",
    "NIC_ALIAS/BRIDGE",
    "NIC_ALIAS/INBOUND_AVG_BW",
    "NIC_ALIAS/INBOUND_PEAK_BW",
    "NIC_ALIAS/INBOUND_PEAK_KB",
    "NIC_ALIAS/OUTBOUND_AVG_BW",
    "NIC_ALIAS/OUTBOUND_PEAK_BW",
    "NIC_ALIAS/OUTBOUND_PEAK_KB",
    "NIC_ALIAS/OPENNEBULA_MANAGED",
    "NIC_DEFAULT/MAC",
    "NIC_DEFAULT/VLAN_ID",
    "NIC_DEFAULT/BRIDGE",
    "NIC_DEFAULT/FILTER",
    "NIC_DEFAULT/EXTERNAL",
    "DISK/TOTAL_BYTES_SEC",
    "DISK/TOTAL_BYTES_SEC_MAX_LENGTH",
    "DISK/TOTAL_BYTES_SEC_MAX",
    "DISK/READ_BYTES_SEC",
    "DISK/READ_BYTES_SEC_MAX_LENGTH",
    "DISK/READ_BYTES_SEC_MAX",
    "DISK/WRITE_BYTES_SEC",
    "DISK/WRITE_BYTES_SEC_MAX_LENGTH",
    "DISK/WRITE_BYTES_SEC_MAX",
    "DISK/TOTAL_IOPS_SEC",
    "DISK/TOTAL_IOPS_SEC_MAX_LENGTH",
    "DISK/TOTAL_IOPS_SEC_MAX",
    "DISK/READ_IOPS_SEC",
    "DISK/READ_IOPS_SEC_MAX_LENGTH",
    "DISK/READ_IOPS_SEC_MAX",
    "DISK/WRITE_IOPS_SEC",
    "DISK/WRITE_IOPS_SEC_MAX_LENGTH",
    "DISK/WRITE_IOPS_SEC_MAX",
    "DISK/SIZE_IOPS_SEC",
    "DISK/OPENNEBULA_MANAGED",
    "DISK/ORIGINAL_SIZE",
    "DISK/SIZE_PREV",
    "DEPLOY_ID",
    "CPU_COST",
    "MEMORY_COST",
    "DISK_COST",
    "PCI",
    "EMULATOR",
    "RAW/DATA",
    "USER_PRIORITY",
    "USER_INPUTS/CPU",
    "USER_INPUTS/MEMORY",
    "USER_INPUTS/VCPU",
    "TOPOLOGY/PIN_POLICY",
    "TOPOLOGY/HUGEPAGE_SIZE",
];

/// `VNET_RESTRICTED_ATTR` (the network-level names).
pub const VNET: &[&str] = &[
    "VN_MAD",
    "PHYDEV",
    "QINQ_TYPE",
    "BRIDGE",
    "CONF",
    "BRIDGE_CONF",
    "OVS_BRIDGE_CONF",
    "IP_LINK_CONF",
    "FILTER",
    "FILTER_IP_SPOOFING",
    "FILTER_MAC_SPOOFING",
    "AR/VN_MAD",
    "AR/PHYDEV",
    "AR/BRIDGE",
    "AR/FILTER",
    "AR/FILTER_IP_SPOOFING",
    "AR/FILTER_MAC_SPOOFING",
    "CLUSTER_IDS",
    "EXTERNAL",
];

/// Refuses a template that sets a restricted attribute, unless the caller is an
/// administrator: AUTHORIZATION, `<what> includes a restricted attribute <NAME>`.
pub fn check(
    caller: &Caller,
    object: Object,
    tmpl: &Template,
    restricted: &[&str],
    what: &str,
) -> ApiResult<()> {
    if caller.is_admin() {
        return Ok(());
    }
    match find(tmpl, restricted) {
        Some(name) => Err(ApiError::Authorization {
            uid: caller.uid,
            object,
            detail: format!("{what} includes a restricted attribute {name}"),
        }),
        None => Ok(()),
    }
}

/// The first restricted attribute `tmpl` sets, named as in the list (`SOURCE`,
/// `DISK/TOTAL_BYTES_SEC`).
pub fn find(tmpl: &Template, restricted: &[&str]) -> Option<String> {
    restricted.iter().find(|name| sets(tmpl, name)).map(|name| (*name).to_owned())
}

/// The first attribute of `AR/...` in `restricted` that the vector `pairs` sets, by its name
/// inside the vector (OpenNebula's `AR includes a restricted attribute VN_MAD`).
pub fn find_in_ar(pairs: &[(String, String)], restricted: &[&str]) -> Option<String> {
    restricted
        .iter()
        .filter_map(|name| name.strip_prefix("AR/"))
        .find(|inner| pairs.iter().any(|(k, _)| k == inner))
        .map(str::to_owned)
}

fn sets(tmpl: &Template, name: &str) -> bool {
    match name.split_once('/') {
        None => tmpl.get_all(name).next().is_some(),
        Some((vector, inner)) => tmpl.get_all(vector).any(|a| match &a.value {
            Value::Vector(pairs) => pairs.iter().any(|(k, _)| k == inner),
            Value::Single(_) => false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_top_level_and_vector_attributes() {
        let t = Template::parse("NAME=x\nDISK=[IMAGE_ID=1, READ_IOPS_SEC=3]\nNIC=[NETWORK_ID=0]").unwrap();
        assert_eq!(find(&t, VM).as_deref(), Some("DISK/READ_IOPS_SEC"));
        assert_eq!(find(&t, IMAGE), None);
        let t = Template::parse("SOURCE=/a\nPATH=/b").unwrap();
        assert_eq!(find(&t, IMAGE).as_deref(), Some("SOURCE"));
        let t = Template::parse("PCI=[VENDOR=1]").unwrap();
        assert_eq!(find(&t, VM).as_deref(), Some("PCI"));
        let ar = [("TYPE".to_owned(), "IP4".to_owned()), ("BRIDGE".to_owned(), "br0".to_owned())];
        assert_eq!(find_in_ar(&ar, VNET).as_deref(), Some("BRIDGE"));
        assert_eq!(find_in_ar(&ar[..1], VNET), None);
    }
}
