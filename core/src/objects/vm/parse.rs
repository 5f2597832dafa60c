//! The per-attribute rules of VM allocation (OpenNebula's `parse_*` steps): FEATURES, OS,
//! IOMMU, TPM and MEMORY_ENCRYPTION, PCI, NIC_DEFAULT, the boot order, SCHED_REQUIREMENTS,
//! GRAPHICS and VIDEO. Each moves its attributes from the user template to the system
//! template, normalises them, or fails with OpenNebula's message.

use super::NewVm;
use super::allocate::{parse_long, split_fields, take, take_vectors};
use super::devices::{remove_pair, set_pair};
use crate::template::{Attribute, Template, Value};

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
}

/// FEATURES: YES/NO flags normalised, GIC and MIGRATE_AUTO_CONVERGE checked; moved.
pub(super) fn features(user: &mut Template, sys: &mut Template) -> Result<(), String> {
    const FLAGS: [&str; 8] =
        ["PAE", "ACPI", "APIC", "HYPERV", "LOCALTIME", "GUEST_AGENT", "RAS", "MIGRATE_COMPRESSED"];
    let Some(first) = user.get_all("FEATURES").next() else { return Ok(()) };
    if first.value.as_vector().is_none() {
        return Ok(());
    }
    let mut attrs = take(user, "FEATURES");
    if let Some(Value::Vector(pairs)) = attrs.first_mut().map(|a| &mut a.value) {
        for flag in FLAGS {
            let value = get(pairs, flag);
            if !value.is_empty() {
                let yes = value.eq_ignore_ascii_case("YES");
                set_pair(pairs, flag, if yes { "YES" } else { "NO" });
            }
        }
        let gic = get(pairs, "GIC").to_owned();
        if !gic.is_empty() && gic != "2" && gic != "3" {
            set_pair(pairs, "GIC", "host");
        }
        let converge = get(pairs, "MIGRATE_AUTO_CONVERGE").to_owned();
        if !converge.is_empty() {
            let normalized = auto_converge(&converge)?;
            set_pair(pairs, "MIGRATE_AUTO_CONVERGE", normalized);
        }
    }
    for attr in attrs {
        sys.push(attr);
    }
    Ok(())
}

/// `initial[,increment]`, each 0..=100.
fn auto_converge(value: &str) -> Result<String, String> {
    let wrong =
        || format!("Wrong FEATURES/MIGRATE_AUTO_CONVERGE value: \"{value}\". Expected initial[,increment]");
    let parts = split_fields(value, ',');
    if parts.is_empty() || parts.len() > 2 {
        return Err(wrong());
    }
    let mut out = Vec::new();
    for part in parts {
        let part = part.trim();
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(wrong());
        }
        if part.parse::<u64>().map_or(true, |rate| rate > 100) {
            return Err(format!(
                "Wrong FEATURES/MIGRATE_AUTO_CONVERGE value: \"{value}\". Initial and increment values must be between 0 and 100"
            ));
        }
        out.push(part);
    }
    Ok(out.join(","))
}

/// OS: at most one; gets UUID and the default MACHINE when missing; always present.
pub(super) fn os(user: &mut Template, sys: &mut Template, new: &NewVm) -> Result<(), String> {
    let mut attrs = take(user, "OS");
    if attrs.len() > 1 {
        return Err("Only one OS attribute can be defined.".to_owned());
    }
    let mut pairs = match attrs.pop().map(|a| a.value) {
        None => Vec::new(),
        Some(Value::Vector(pairs)) => pairs,
        Some(Value::Single(_)) => return Err("Internal error parsing OS attribute.".to_owned()),
    };
    if get(&pairs, "UUID").is_empty() {
        set_pair(&mut pairs, "UUID", new.uuid.clone());
    }
    if let Some(machine) = new.default_machine.as_deref().filter(|m| !m.is_empty())
        && get(&pairs, "MACHINE").is_empty()
    {
        set_pair(&mut pairs, "MACHINE", machine);
    }
    sys.push(Attribute::vector("OS", pairs));
    Ok(())
}

/// True when OS/MACHINE names a q35 or virt machine.
pub(super) fn is_q35(sys: &Template) -> bool {
    let machine = sys.vector("OS").map(|os| get(os, "MACHINE")).unwrap_or_default();
    machine.contains("q35") || machine.contains("virt")
}

/// IOMMU: MODEL and MODE checked and lower-cased; moved.
pub(super) fn iommu(user: &mut Template, sys: &mut Template) -> Result<(), String> {
    let Some(mut pairs) = take_vectors(user, "IOMMU").into_iter().next() else { return Ok(()) };
    let model = get(&pairs, "MODEL").to_ascii_lowercase();
    if !matches!(model.as_str(), "intel" | "virtio" | "smmuv3" | "amd") {
        return Err("Unknown IOMMU model; must be intel, virtio, smmuv3 or amd".to_owned());
    }
    let arch = sys.vector("OS").map(|os| get(os, "ARCH")).unwrap_or_default();
    if arch != "aarch64" && model == "smmuv3" {
        return Err("IOMMU model smmuv3 requires ARM guests".to_owned());
    }
    if !is_q35(sys) {
        return Err("IOMMU device requires a Q35/virt guest".to_owned());
    }
    set_pair(&mut pairs, "MODEL", model);
    let mode = get(&pairs, "MODE").to_ascii_lowercase();
    if mode != "single" && mode != "device" {
        return Err("Unknown IOMMU mode; must be single or device".to_owned());
    }
    set_pair(&mut pairs, "MODE", mode);
    sys.remove("IOMMU");
    sys.push(Attribute::vector("IOMMU", pairs));
    Ok(())
}

/// Vectors that need a key (TPM/MODEL, MEMORY_ENCRYPTION/TYPE); moved.
pub(super) fn required_keys(
    user: &mut Template,
    sys: &mut Template,
    name: &str,
    key: &str,
) -> Result<(), String> {
    let vectors = take_vectors(user, name);
    if vectors.iter().any(|pairs| get(pairs, key).is_empty()) {
        return Err(format!("{name} attribute is missing required key: {key}"));
    }
    for pairs in vectors {
        sys.push(Attribute::vector(name, pairs));
    }
    Ok(())
}

/// PCI devices: numbered (PCI_ID), checked, allocation attributes cleared. Returned rather
/// than moved, so that the NICs among them can be numbered with the other interfaces.
pub(super) fn pcis(user: &mut Template) -> Result<Vec<Vec<(String, String)>>, String> {
    const CLEARED: [&str; 9] =
        ["DOMAIN", "BUS", "SLOT", "FUNCTION", "ADDRESS", "PREV_ADDRESS", "NUMA_NODE", "UUID", "MDEV_MODE"];
    let mut pcis = take_vectors(user, "PCI");
    for (pci_id, pairs) in pcis.iter_mut().enumerate() {
        set_pair(pairs, "PCI_ID", pci_id.to_string());
    }
    for pairs in &mut pcis {
        let mut found = false;
        for key in ["VENDOR", "DEVICE", "CLASS"] {
            let value = get(pairs, key);
            if value.is_empty() {
                continue;
            }
            let hex = value.trim_start_matches("0x").trim_start_matches("0X");
            if hex.is_empty() || u32::from_str_radix(hex, 16).is_err() {
                return Err(format!("Wrong Hex value for PCI attribute {key}"));
            }
            found = true;
        }
        let short_address = !get(pairs, "SHORT_ADDRESS").is_empty();
        if !short_address && !found {
            return Err("SHORT_ADDRESS, DEVICE, VENDOR or CLASS must be defined for PCI.".to_owned());
        }
        if short_address && found {
            return Err("SHORT_ADDRESS cannot be set with DEVICE, VENDOR or CLASS".to_owned());
        }
        let root = get(pairs, "ROOT").to_ascii_lowercase();
        if !root.is_empty() {
            if root != "shared" && root != "dedicated" {
                return Err("Unknown PCI root mode, has to be SHARED or DEDICATED".to_owned());
            }
            set_pair(pairs, "ROOT", root);
        }
        for key in CLEARED {
            remove_pair(pairs, key);
        }
    }
    Ok(pcis)
}

/// NIC_DEFAULT: at most one vector, without network attributes; moved.
pub(super) fn nic_default(user: &mut Template, sys: &mut Template) -> Result<(), String> {
    const NOT_ALLOWED: [&str; 4] = ["NETWORK_ID", "NETWORK", "NETWORK_UID", "NETWORK_UNAME"];
    let mut attrs = take(user, "NIC_DEFAULT");
    if attrs.len() > 1 {
        return Err("Only one NIC_DEFAULT attribute can be defined.".to_owned());
    }
    let Some(attr) = attrs.pop() else { return Ok(()) };
    let Value::Vector(pairs) = &attr.value else {
        return Err("Wrong format for NIC_DEFAULT attribute.".to_owned());
    };
    if let Some(key) = NOT_ALLOWED.iter().find(|k| !get(pairs, k).is_empty()) {
        return Err(format!("Attribute {key} is not allowed inside NIC_DEFAULT."));
    }
    sys.push(attr);
    Ok(())
}

/// OS/BOOT (`disk0,nic1`): sets ORDER on the named DISK and NIC vectors (clearing old ones).
pub(super) fn boot_order(sys: &mut Template) -> Result<(), String> {
    let boot = sys.vector("OS").map(|os| get(os, "BOOT").to_owned()).unwrap_or_default();
    let mut devices: Vec<(String, i32)> = Vec::new();
    for dev in boot.split(',').filter(|d| !d.is_empty()) {
        let dev = dev.to_ascii_uppercase();
        let (kind, digits) = if let Some(d) = dev.strip_prefix("DISK") {
            ("DISK", d)
        } else if let Some(d) = dev.strip_prefix("NIC") {
            ("NIC", d)
        } else {
            ("", "")
        };
        let id = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse::<i32>().ok())
            .flatten();
        match id {
            Some(id) if !kind.is_empty() => devices.push((kind.to_owned(), id)),
            _ => {
                return Err(format!(
                    "Wrong OS/BOOT value: \"{boot}\" should be a comma-separated list of disk# or nic#"
                ));
            }
        }
    }
    let mut order = 1;
    let mut attrs: Vec<Attribute> = sys.attributes().to_vec();
    for attr in &mut attrs {
        if let ("DISK" | "NIC", Value::Vector(pairs)) = (attr.name.as_str(), &mut attr.value) {
            remove_pair(pairs, "ORDER");
        }
    }
    for (kind, id) in devices {
        let id_key = if kind == "DISK" { "DISK_ID" } else { "NIC_ID" };
        let mut found = false;
        for attr in attrs.iter_mut().filter(|a| a.name == kind) {
            if let Value::Vector(pairs) = &mut attr.value
                && parse_long(get(pairs, id_key)) == Some(i64::from(id))
            {
                set_pair(pairs, "ORDER", order.to_string());
                order += 1;
                found = true;
            }
        }
        if !found {
            return Err(format!("Wrong OS/BOOT value. Device with {id_key} {id} not found"));
        }
    }
    let mut rebuilt = Template::new();
    for attr in attrs {
        rebuilt.push(attr);
    }
    *sys = rebuilt;
    Ok(())
}

/// SCHED_REQUIREMENTS (or the old REQUIREMENTS): at most one, a single value; stays in the
/// user template as SCHED_REQUIREMENTS.
pub(super) fn requirements(user: &mut Template) -> Result<(), String> {
    let mut reqs = take(user, "SCHED_REQUIREMENTS");
    if reqs.is_empty() {
        reqs = take(user, "REQUIREMENTS");
    } else {
        user.remove("REQUIREMENTS");
    }
    if reqs.len() > 1 {
        return Err("Only one SCHED_REQUIREMENTS attribute can be defined.".to_owned());
    }
    match reqs.pop().map(|a| a.value) {
        None => Ok(()),
        Some(Value::Single(expr)) => {
            user.set("SCHED_REQUIREMENTS", expr);
            Ok(())
        }
        Some(Value::Vector(_)) => Err("Wrong format for SCHED_REQUIREMENTS attribute.".to_owned()),
    }
}

/// GRAPHICS: the first vector moves; PORT checked; a random password when asked for;
/// passwords cut to what VNC (8) and SPICE (59) accept.
pub(super) fn graphics(user: &mut Template, sys: &mut Template, random_password: &str) -> Result<(), String> {
    let Some(mut pairs) = take_vectors(user, "GRAPHICS").into_iter().next() else { return Ok(()) };
    sys.remove("GRAPHICS");
    let port = get(&pairs, "PORT");
    if !port.is_empty() && parse_long(port).is_none_or(|p| !(0..=65535).contains(&p)) {
        return Err("Wrong PORT number in GRAPHICS attribute".to_owned());
    }
    let mut password = get(&pairs, "PASSWD").to_owned();
    if get(&pairs, "RANDOM_PASSWD").eq_ignore_ascii_case("YES") && password.is_empty() {
        password = random_password.to_owned();
        set_pair(&mut pairs, "PASSWD", password.clone());
    }
    let max = match get(&pairs, "TYPE").to_ascii_lowercase().as_str() {
        "spice" => Some(59),
        "vnc" => Some(8),
        _ => None,
    };
    if let Some(max) = max
        && password.chars().count() > max
    {
        set_pair(&mut pairs, "PASSWD", password.chars().take(max).collect::<String>());
    }
    sys.push(Attribute::vector("GRAPHICS", pairs));
    Ok(())
}

/// VIDEO: the first vector moves; TYPE required and lower-cased, IOMMU/ATS only for virtio,
/// VRAM >= 1024, RESOLUTION `<w>x<h>`.
pub(super) fn video(user: &mut Template, sys: &mut Template) -> Result<(), String> {
    let Some(mut pairs) = take_vectors(user, "VIDEO").into_iter().next() else { return Ok(()) };
    sys.remove("VIDEO");
    let vtype = get(&pairs, "TYPE").to_ascii_lowercase();
    if vtype.is_empty() {
        return Err("Video TYPE is required".to_owned());
    }
    if !matches!(vtype.as_str(), "vga" | "cirrus" | "none" | "virtio") {
        return Err("Invalid video TYPE, should be either: none, vga, cirrus, or virtio".to_owned());
    }
    set_pair(&mut pairs, "TYPE", vtype.clone());
    let flag = |k: &str| get(&pairs, k).eq_ignore_ascii_case("YES");
    if (flag("IOMMU") || flag("ATS")) && vtype != "virtio" {
        return Err("IOMMU and ATS are only available for virtio TYPE".to_owned());
    }
    let vram = get(&pairs, "VRAM");
    if !vram.is_empty() && parse_long(vram).is_none_or(|v| !(1024..=i64::from(u32::MAX)).contains(&v)) {
        return Err("Invalid VRAM value in VIDEO attribute, must be >= 1024".to_owned());
    }
    let resolution = get(&pairs, "RESOLUTION");
    let valid_resolution = resolution.split_once('x').is_some_and(|(w, h)| {
        !w.is_empty()
            && !h.is_empty()
            && w.bytes().all(|b| b.is_ascii_digit())
            && h.bytes().all(|b| b.is_ascii_digit())
    });
    if !resolution.is_empty() && !valid_resolution {
        return Err("Invalid RESOLUTION string format".to_owned());
    }
    sys.push(Attribute::vector("VIDEO", pairs));
    Ok(())
}
