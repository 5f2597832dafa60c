//! Building a new VM from a `one.vm.allocate` template, following OpenNebula's rules: the
//! checks and their messages, which attributes move from the USER_TEMPLATE to the system
//! TEMPLATE, the generated ones (VMID, TEMPLATE_ID, OS/UUID, NIC names, DISK_ID, NIC_ID,
//! PCI_ID, AUTOMATIC_REQUIREMENTS), and how numbers are normalised (`MEMORY=064` → `64`,
//! `CPU=0.50` → `0.5`, as C++ streams print them).
//!
//! What needs other objects is left to the caller, which runs after [`Vm::allocate`]: image
//! acquisition for DISKs (IMAGE_ID, SOURCE, TARGET via [`super::assign_disk_targets`], ...),
//! network leases for NICs (IP, MAC, BRIDGE, ...), CONTEXT variables, VM groups, the backup
//! configuration ([`Vm::apply_backup_config`], which needs the disks' drivers) and the
//! cluster and datastore requirements once disks and NICs carry CLUSTER_ID
//! ([`Vm::set_automatic_requirements`]). Name validation is the caller's too, and so is
//! taking SCHED_ACTION vectors out of the template before (they become scheduled actions, as
//! OpenNebula's API layer does). TM_MAD_SYSTEM is set at deploy time, not here (unless the
//! template gives it), so a PENDING VM's TEMPLATE lacks it, as in OpenNebula, although
//! vm.xsd requires it.

use std::collections::BTreeMap;

use super::devices::{remove_pair, set_nic_name, set_pair};
use super::{Vm, parse};
use crate::objects::common::Meta;
use crate::perms::Permissions;
use crate::states::VmState;
use crate::template::{Attribute, Template, Value};

/// What oned supplies for a new VM besides its template.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVm {
    /// The new VM's ID.
    pub id: i32,
    /// Owner.
    pub uid: i32,
    /// Group.
    pub gid: i32,
    /// Owner's name.
    pub uname: String,
    /// Group's name.
    pub gname: String,
    /// Permissions (from the owner's umask).
    pub perms: Permissions,
    /// Start on HOLD (allocate's `hold` flag, or oned's `VM_SUBMIT_ON_HOLD`).
    pub hold: bool,
    /// Now, seconds since the epoch (STIME).
    pub now: i64,
    /// OS/UUID for a template without one.
    pub uuid: String,
    /// OS/MACHINE for a template without one (the KVM driver's default, e.g. `q35`).
    pub default_machine: Option<String>,
    /// GRAPHICS/PASSWD for `RANDOM_PASSWD=YES` without PASSWD.
    pub random_password: String,
}

/// Attributes moved to TEMPLATE as they are.
const WELL_KNOWN: [&str; 7] =
    ["INPUT", "RAW", "CLONING_TEMPLATE_ID", "TOPOLOGY", "NUMA_NODE", "HYPERV_OPTIONS", "SPICE_OPTIONS"];

/// Virtual router attributes: moved to TEMPLATE when set, dropped when empty.
const VROUTER_ATTRIBUTES: [&str; 3] = ["VROUTER_ID", "VROUTER_KEEPALIVED_ID", "VROUTER_KEEPALIVED_PASSWORD"];

/// Removes and returns every attribute named `name`.
pub(super) fn take(t: &mut Template, name: &str) -> Vec<Attribute> {
    let taken: Vec<Attribute> = t.get_all(name).cloned().collect();
    t.remove(name);
    taken
}

/// Removes every attribute named `name` and returns the pairs of the vectors among them.
pub(super) fn take_vectors(t: &mut Template, name: &str) -> Vec<Vec<(String, String)>> {
    take(t, name)
        .into_iter()
        .filter_map(|a| match a.value {
            Value::Vector(pairs) => Some(pairs),
            Value::Single(_) => None,
        })
        .collect()
}

/// Splits like OpenNebula's `split(text, delim, false)` (a `getline` loop): empty fields are
/// kept except a trailing one, and an empty text has no fields.
pub(super) fn split_fields(text: &str, delim: char) -> Vec<&str> {
    let mut fields: Vec<&str> = text.split(delim).collect();
    if fields.last() == Some(&"") {
        fields.pop();
    }
    fields
}

/// Parses an integer as a C++ stream does with a full-match check: blanks before, an
/// optional sign, digits, nothing after.
pub(super) fn parse_long(text: &str) -> Option<i64> {
    let t = text.trim_start();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.strip_prefix('+').unwrap_or(t).parse().ok()
}

/// Parses a float as a C++ stream does with a full-match check (no `inf`, `nan` or hex).
pub(super) fn parse_float(text: &str) -> Option<f32> {
    let t = text.trim_start();
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !all_digits(e) {
            return None;
        }
    }
    t.parse::<f32>().ok().filter(|v| v.is_finite())
}

/// Formats a number as a C++ stream prints a float (`%g`, 6 significant digits): `0.1`, `2`,
/// `1e+07`, `1.5e-05`.
pub fn format_float(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return if value.is_nan() {
            "nan".into()
        } else if value.is_infinite() {
            "inf".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{value:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s.to_owned() }
    };
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    } else {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim(&format!("{value:.decimals$}"))
    }
}

impl Vm {
    /// Builds a new VM from an allocate (or instantiate) template, in PENDING, or HOLD with
    /// `SUBMIT_ON_HOLD=YES` when `new.hold`. Errors carry OpenNebula's messages
    /// (`MEMORY attribute must be a positive integer value.`, ...).
    pub fn allocate(new: &NewVm, input: &Template) -> Result<Vm, String> {
        let mut user = input.clone();
        let mut sys = Template::new();
        let state = if new.hold {
            user.set("SUBMIT_ON_HOLD", "YES");
            VmState::Hold
        } else {
            VmState::Pending
        };

        user.remove("VMID");
        sys.set("VMID", new.id.to_string());
        let template_id = user.get("TEMPLATE_ID").unwrap_or_default().to_owned();
        user.remove("TEMPLATE_ID");
        if !template_id.is_empty() {
            sys.set("TEMPLATE_ID", template_id);
        }
        let mut name = user.get("NAME").unwrap_or_default().to_owned();
        user.remove("NAME");
        let mut prefix = user.get("TEMPLATE_NAME").unwrap_or_default().to_owned();
        user.remove("TEMPLATE_NAME");
        if prefix.is_empty() {
            prefix = "one".to_owned();
        }
        if name.is_empty() {
            name = format!("{prefix}-{}", new.id);
        }

        for n in WELL_KNOWN {
            for attr in take(&mut user, n) {
                sys.push(attr);
            }
        }
        if let Some(emulator) = user.get("EMULATOR").filter(|v| !v.is_empty()).map(str::to_owned) {
            user.remove("EMULATOR");
            sys.set("EMULATOR", emulator);
        }
        capacity(&mut user, &mut sys)?;
        parse::features(&mut user, &mut sys)?;
        parse::os(&mut user, &mut sys, new)?;
        parse::iommu(&mut user, &mut sys)?;
        parse::required_keys(&mut user, &mut sys, "TPM", "MODEL")?;
        parse::required_keys(&mut user, &mut sys, "MEMORY_ENCRYPTION", "TYPE")?;
        if let Some(cpu_model) = take_vectors(&mut user, "CPU_MODEL").into_iter().next() {
            sys.push(Attribute::vector("CPU_MODEL", cpu_model));
        }
        let pcis = parse::pcis(&mut user)?;
        parse::nic_default(&mut user, &mut sys)?;
        for n in VROUTER_ATTRIBUTES {
            if let Some(v) = user.get(n).filter(|v| !v.is_empty()).map(str::to_owned) {
                sys.set(n, v);
            }
            user.remove(n);
        }
        number_nics(&mut user, &mut sys, pcis)?;
        number_disks(&mut user, &mut sys);
        if let Some(on_hold) = user.get("SUBMIT_ON_HOLD").map(str::to_owned) {
            user.remove("SUBMIT_ON_HOLD");
            sys.set("SUBMIT_ON_HOLD", if on_hold.eq_ignore_ascii_case("YES") { "YES" } else { "NO" });
        }
        parse::boot_order(&mut sys)?;
        parse::requirements(&mut user)?;
        parse::graphics(&mut user, &mut sys, &new.random_password)?;
        parse::video(&mut user, &mut sys)?;
        let deploy_id = user.get("DEPLOY_ID").unwrap_or_default().to_owned();
        user.remove("DEPLOY_ID");
        if !deploy_id.is_empty() {
            let digits = deploy_id.strip_prefix("one-").unwrap_or_default();
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err("Trying to import an OpenNebula VM: 'one-*'.".to_owned());
            }
            sys.set("IMPORTED", "YES");
        }

        let meta = Meta {
            id: new.id,
            uid: new.uid,
            gid: new.gid,
            uname: new.uname.clone(),
            gname: new.gname.clone(),
            name,
            perms: new.perms,
            lock: None,
        };
        let mut vm = Vm::new(meta, new.now);
        vm.state = state;
        vm.prev_state = state;
        vm.deploy_id = deploy_id;
        vm.template = sys;
        vm.user_template = user;
        vm.set_automatic_requirements(&Default::default())?;
        Ok(vm)
    }
}

/// MEMORY, CPU, VCPU and their optional companions and costs.
fn capacity(user: &mut Template, sys: &mut Template) -> Result<(), String> {
    let memory = user.get("MEMORY").and_then(parse_long).filter(|m| *m > 0);
    let memory = memory.ok_or("MEMORY attribute must be a positive integer value.")?;
    user.remove("MEMORY");
    sys.set("MEMORY", memory.to_string());
    if let Some(mode) = user.get("MEMORY_RESIZE_MODE").map(str::to_ascii_uppercase) {
        if mode != "BALLOONING" && mode != "HOTPLUG" {
            return Err(format!("Unknown MEMORY_RESIZE_MODE: {mode}"));
        }
        user.remove("MEMORY_RESIZE_MODE");
        sys.set("MEMORY_RESIZE_MODE", mode);
    }
    for n in ["MEMORY_MAX", "MEMORY_SLOTS"] {
        if let Some(v) = user.get(n).and_then(parse_long).filter(|v| *v > 0) {
            user.remove(n);
            sys.set(n, v.to_string());
        }
    }
    let cpu = user.get("CPU").and_then(parse_float).filter(|c| *c > 0.0);
    let cpu = cpu.ok_or("CPU attribute must be a positive float or integer value.")?;
    user.remove("CPU");
    sys.set("CPU", format_float(f64::from(cpu)));
    if user.get("VCPU").is_some_and(|v| !v.is_empty()) {
        let vcpu = user.get("VCPU").and_then(parse_long).filter(|v| *v > 0);
        let vcpu = vcpu.ok_or("VCPU attribute must be a positive integer value.")?;
        user.remove("VCPU");
        sys.set("VCPU", vcpu.to_string());
    }
    if let Some(v) = user.get("VCPU_MAX").and_then(parse_long).filter(|v| *v > 0) {
        user.remove("VCPU_MAX");
        sys.set("VCPU_MAX", v.to_string());
    }
    for n in ["CPU_COST", "MEMORY_COST", "DISK_COST"] {
        if let Some(cost) = user.get(n).and_then(parse_float) {
            if cost < 0.0 {
                return Err(format!("{n} attribute must be a positive float or integer value."));
            }
            user.remove(n);
            sys.set(n, format_float(f64::from(cost)));
        }
    }
    Ok(())
}

/// Moves NIC and NIC_ALIAS to TEMPLATE and numbers them with the PCI NICs: NICs and PCI NICs
/// first (in that order), then aliases; names them and links aliases to their parents.
fn number_nics(
    user: &mut Template,
    sys: &mut Template,
    mut pcis: Vec<Vec<(String, String)>>,
) -> Result<(), String> {
    let mut nics = take_vectors(user, "NIC");
    let mut aliases = take_vectors(user, "NIC_ALIAS");
    let nic_default: Option<Vec<(String, String)>> = sys.vector("NIC_DEFAULT").map(<[_]>::to_vec);
    let mode = |pairs: &[(String, String)]| {
        pairs
            .iter()
            .find(|(k, _)| k == "NETWORK_MODE")
            .map(|(_, v)| v.to_ascii_uppercase())
            .unwrap_or_default()
    };
    for alias in &aliases {
        let m = mode(alias);
        if m == "AUTO" || m == "DUMMY" {
            return Err(format!("Alias is incompatible with mode {m}"));
        }
    }
    // Named NICs with a network (neither AUTO nor DUMMY): name → (NIC_ID, aliases so far).
    let mut parents: BTreeMap<String, (i32, i32, Vec<i32>)> = BTreeMap::new();
    let mut nic_id = 0;
    let pci_nics = pcis.iter_mut().filter(|p| p.iter().any(|(k, v)| k == "TYPE" && v == "NIC"));
    for nic in nics.iter_mut().chain(pci_nics) {
        let m = mode(nic);
        if m != "AUTO"
            && let Some(defaults) = &nic_default
        {
            for (k, v) in defaults {
                if !nic.iter().any(|(key, _)| key == k) {
                    nic.push((k.clone(), v.clone()));
                }
            }
        }
        set_pair(nic, "NIC_ID", nic_id.to_string());
        let name = set_nic_name(nic, format!("NIC{nic_id}"));
        if m != "AUTO" && m != "DUMMY" {
            parents.entry(name).or_insert((nic_id, 0, Vec::new()));
        }
        nic_id += 1;
    }
    for alias in &mut aliases {
        let parent_name =
            alias.iter().find(|(k, _)| k == "PARENT").map(|(_, v)| v.clone()).unwrap_or_default();
        let Some((parent_id, next_alias, ids)) = parents.get_mut(&parent_name) else {
            return Err(format!("NIC named {parent_name} not found for alias"));
        };
        set_pair(alias, "PARENT_ID", parent_id.to_string());
        set_pair(alias, "ALIAS_ID", next_alias.to_string());
        ids.push(nic_id);
        *next_alias += 1;
        set_pair(alias, "NIC_ID", nic_id.to_string());
        set_nic_name(alias, format!("NIC{parent_id}_ALIAS{nic_id}"));
        nic_id += 1;
    }
    let with_alias_ids = |nic: &mut Vec<(String, String)>| {
        let name = nic.iter().find(|(k, _)| k == "NAME").map(|(_, v)| v.clone()).unwrap_or_default();
        if let Some((_, _, ids)) = parents.get(&name).filter(|(_, _, ids)| !ids.is_empty()) {
            let list: Vec<String> = ids.iter().map(i32::to_string).collect();
            set_pair(nic, "ALIAS_IDS", list.join(","));
        }
    };
    for nic in &mut nics {
        with_alias_ids(nic);
    }
    for pci in &mut pcis {
        if pci.iter().any(|(k, v)| k == "TYPE" && v == "NIC") {
            with_alias_ids(pci);
        }
    }
    for (name, list) in [("NIC", nics), ("NIC_ALIAS", aliases), ("PCI", pcis)] {
        for pairs in list {
            sys.push(Attribute::vector(name, pairs));
        }
    }
    Ok(())
}

/// Moves CONTEXT, DISK and TM_MAD_SYSTEM to TEMPLATE; numbers the disks from 0 and gives the
/// context disk the next DISK_ID.
fn number_disks(user: &mut Template, sys: &mut Template) {
    let contexts = take_vectors(user, "CONTEXT");
    let disks = take_vectors(user, "DISK");
    let tm_mad_system = user.get("TM_MAD_SYSTEM").map(str::to_owned);
    if let Some(tsys) = &tm_mad_system {
        user.remove("TM_MAD_SYSTEM");
        sys.set("TM_MAD_SYSTEM", tsys.clone());
    }
    let count = disks.len();
    for (disk_id, mut pairs) in disks.into_iter().enumerate() {
        set_pair(&mut pairs, "DISK_ID", disk_id.to_string());
        match tm_mad_system.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => set_pair(&mut pairs, "TM_MAD_SYSTEM", t),
            None => remove_pair(&mut pairs, "TM_MAD_SYSTEM"),
        }
        sys.push(Attribute::vector("DISK", pairs));
    }
    for (i, mut pairs) in contexts.into_iter().enumerate() {
        if i == 0 {
            set_pair(&mut pairs, "DISK_ID", count.to_string());
        }
        sys.push(Attribute::vector("CONTEXT", pairs));
    }
}
