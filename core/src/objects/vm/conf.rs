//! `one.vm.updateconf`: which sections of a VM's template a user may change after allocate,
//! and how a new configuration replaces (or is merged into) the old one. The state check is
//! the life-cycle's (`Action::UpdateConf`); this module only edits the template.

use super::Vm;
use crate::template::{Attribute, Template};

/// The sections `one.vm.updateconf` changes and the keys each keeps (OpenNebula's
/// `UPDATECONF_ATTRS`). CONTEXT takes any key.
pub const UPDATECONF_ATTRS: &[(&str, &[&str])] = &[
    (
        "OS",
        &[
            "ARCH",
            "MACHINE",
            "KERNEL",
            "INITRD",
            "BOOTLOADER",
            "BOOT",
            "KERNEL_CMD",
            "ROOT",
            "SD_DISK_BUS",
            "UUID",
            "FIRMWARE",
            "FIRMWARE_FORMAT",
        ],
    ),
    (
        "FEATURES",
        &[
            "PAE",
            "ACPI",
            "APIC",
            "LOCALTIME",
            "HYPERV",
            "GUEST_AGENT",
            "VIRTIO_SCSI_QUEUES",
            "VIRTIO_BLK_QUEUES",
            "IOTHREADS",
            "GIC",
            "RAS",
            "MIGRATE_AUTO_CONVERGE",
            "MIGRATE_COMPRESSED",
        ],
    ),
    ("INPUT", &["TYPE", "BUS"]),
    ("GRAPHICS", &["TYPE", "LISTEN", "PASSWD", "KEYMAP", "COMMAND"]),
    ("VIDEO", &["IOMMU", "ATS", "TYPE", "VRAM", "RESOLUTION"]),
    ("RAW", &["TYPE", "DATA", "VALIDATE", "DATA_VMX"]),
    ("CPU_MODEL", &["MODEL", "FEATURES"]),
];

/// The keys of BACKUP_CONFIG `one.vm.updateconf` takes.
const BACKUP_KEYS: &[&str] =
    &["FS_FREEZE", "KEEP_LAST", "BACKUP_VOLATILE", "INCREMENT_MODE", "MODE", "DISK_IDS", "INTERACTIVE"];

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn set(pairs: &mut Vec<(String, String)>, key: &str, value: &str) {
    match pairs.iter_mut().find(|(k, _)| k == key) {
        Some(pair) => pair.1 = value.to_owned(),
        None => pairs.push((key.to_owned(), value.to_owned())),
    }
}

/// The part of a user's template `one.vm.updateconf` looks at: the known sections with only
/// their known, non-empty keys, and CONTEXT whole.
pub fn updateconf_template(user: &Template) -> Template {
    let mut out = Template::new();
    let sections = UPDATECONF_ATTRS.iter().copied().chain([("BACKUP_CONFIG", BACKUP_KEYS)]);
    for (name, keys) in sections {
        let Some(pairs) = user.vector(name) else { continue };
        let kept: Vec<(String, String)> = keys
            .iter()
            .filter_map(|k| get(pairs, k).map(|v| (k.to_string(), v.to_owned())))
            .filter(|(k, v)| !v.is_empty() || (name == "BACKUP_CONFIG" && k == "DISK_IDS"))
            .collect();
        if !kept.is_empty() {
            out.push(Attribute::vector(name, kept));
        }
    }
    if let Some(context) = user.vector("CONTEXT") {
        out.push(Attribute::vector("CONTEXT", context.to_vec()));
    }
    out
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

impl Vm {
    fn replace_section(&mut self, new: &Template, name: &str, keys: &[&str], append: bool) {
        let Some(new_pairs) = new.vector(name) else {
            if !append {
                self.template.remove(name);
            }
            return;
        };
        let mut pairs = match self.template.vector(name) {
            None => {
                self.template.push(Attribute::vector(name, sorted(new_pairs.to_vec())));
                return;
            }
            Some(old) => old.to_vec(),
        };
        for key in keys {
            match get(new_pairs, key) {
                Some(v) => set(&mut pairs, key, v),
                None if !append => pairs.retain(|(k, _)| k != key),
                None => {}
            }
        }
        self.template.remove(name);
        self.template.push(Attribute::vector(name, sorted(pairs)));
    }

    /// Applies a new configuration (from [`updateconf_template`]): each section replaces the
    /// old one (`append` false: sections and keys left out are removed) or is merged into it.
    /// Returns whether the context changed (a running VM then gets it live). A VM without a
    /// context cannot get one, and network context (`ETH<n>_*`) changes only with its NIC.
    pub fn update_conf(&mut self, new: &Template, append: bool) -> Result<bool, String> {
        let context_changed = self.check_context(new, append)?;
        let before = self.template.clone();
        for (name, keys) in UPDATECONF_ATTRS {
            self.replace_section(new, name, keys, append);
        }
        if let Err(e) = super::parse::boot_order(&mut self.template) {
            self.template = before;
            return Err(e);
        }
        if let (Some(old), Some(fresh)) = (self.template.vector("CONTEXT"), new.vector("CONTEXT")) {
            let mut pairs: Vec<(String, String)> = if append { old.to_vec() } else { Vec::new() };
            for (k, v) in fresh {
                set(&mut pairs, k, v);
            }
            for key in ["TARGET", "DISK_ID"] {
                match get(old, key).map(str::to_owned) {
                    Some(v) => set(&mut pairs, key, &v),
                    None => pairs.retain(|(k, _)| k != key),
                }
            }
            self.template.remove("CONTEXT");
            self.template.push(Attribute::vector("CONTEXT", sorted(pairs)));
        }
        if let Some(cfg) = new.vector("BACKUP_CONFIG") {
            let eligible: Vec<i32> = self.disks().iter().filter_map(|d| d.disk_id()).collect();
            self.backups.apply_config(cfg, false, append, &eligible)?;
        }
        Ok(context_changed)
    }

    /// Whether a new CONTEXT changes the current one, and whether it may.
    fn check_context(&self, new: &Template, append: bool) -> Result<bool, String> {
        let Some(fresh) = new.vector("CONTEXT") else { return Ok(false) };
        let Some(old) = self.template.vector("CONTEXT") else {
            return Err("Virtual machine does not have context, cannot add a new one.".to_owned());
        };
        let is_eth = |k: &str| {
            k.strip_prefix("ETH").and_then(|r| r.split_once('_')).is_some_and(|(n, rest)| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()
            })
        };
        let mut changed = false;
        for (k, v) in fresh {
            match get(old, k) {
                Some(was) if was == v => {}
                Some(_) if is_eth(k) => {
                    return Err(format!("Unable to update {k}, update NIC to update network context"));
                }
                None if is_eth(k) => {
                    return Err(format!("Unable to add {k}, update NIC to update network context"));
                }
                _ => changed = true,
            }
        }
        let internal = |k: &str| k == "TARGET" || k == "DISK_ID";
        if !append && old.iter().any(|(k, _)| !internal(k) && get(fresh, k).is_none()) {
            changed = true;
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(template: &str) -> Vm {
        let tmpl = Template::parse(&format!("CPU=1\nMEMORY=128\n{template}")).expect("template parses");
        Vm::allocate(&crate::objects::vm::tests::new_vm(7, 1_000), &tmpl).expect("allocates")
    }

    #[test]
    fn only_known_sections_and_keys_are_taken() {
        let user = Template::parse(
            "OS=[ARCH=x86_64, BOGUS=1, KERNEL=\"\"]\nMEMORY=9\nGRAPHICS=[TYPE=VNC, PORT=5900]\nCONTEXT=[A=1]",
        )
        .unwrap();
        let t = updateconf_template(&user);
        assert_eq!(t.vector("OS").unwrap(), &[("ARCH".to_owned(), "x86_64".to_owned())]);
        assert_eq!(t.vector("GRAPHICS").unwrap(), &[("TYPE".to_owned(), "VNC".to_owned())]);
        assert_eq!(t.get("MEMORY"), None);
        assert!(t.vector("CONTEXT").is_some());
    }

    #[test]
    fn replace_drops_what_is_left_out_and_merge_keeps_it() {
        let mut v = vm("DISK=[SIZE=1]\nDISK=[SIZE=2]\nOS=[ARCH=x86_64, BOOT=disk0]\nFEATURES=[ACPI=yes]");
        let new = updateconf_template(&Template::parse("OS=[BOOT=disk1]").unwrap());
        assert_eq!(v.clone().update_conf(&new, true), Ok(false));
        let mut merged = v.clone();
        merged.update_conf(&new, true).unwrap();
        assert_eq!(get(merged.template.vector("OS").unwrap(), "ARCH"), Some("x86_64"));
        assert_eq!(get(merged.template.vector("OS").unwrap(), "BOOT"), Some("disk1"));
        assert!(merged.template.vector("FEATURES").is_some());
        v.update_conf(&new, false).unwrap();
        assert_eq!(v.template.vector("OS").unwrap(), &[("BOOT".to_owned(), "disk1".to_owned())], "UUID too");
        assert!(v.template.vector("FEATURES").is_none(), "replace removes sections left out");
        let bad = updateconf_template(&Template::parse("OS=[BOOT=disk9]").unwrap());
        let before = v.template.clone();
        assert!(v.update_conf(&bad, true).unwrap_err().contains("DISK_ID 9 not found"));
        assert_eq!(v.template, before, "a refused configuration changes nothing");
        assert_eq!(v.template.get("MEMORY"), Some("128"), "capacity is not updateconf's");
    }

    #[test]
    fn context_changes_are_detected_and_checked() {
        let v = vm("CONTEXT=[A=1, ETH0_IP=10.0.0.1, TARGET=hda, DISK_ID=1]");
        let same = updateconf_template(&Template::parse("CONTEXT=[A=1, ETH0_IP=10.0.0.1]").unwrap());
        assert_eq!(v.clone().update_conf(&same, false), Ok(false));
        let more = updateconf_template(&Template::parse("CONTEXT=[A=2]").unwrap());
        let mut changed = v.clone();
        assert_eq!(changed.update_conf(&more, true), Ok(true));
        let ctx = changed.template.vector("CONTEXT").unwrap();
        assert_eq!(get(ctx, "A"), Some("2"));
        assert_eq!(get(ctx, "TARGET"), Some("hda"));
        assert_eq!(get(ctx, "ETH0_IP"), Some("10.0.0.1"), "merge keeps the rest");
        let eth = updateconf_template(&Template::parse("CONTEXT=[ETH0_IP=10.0.0.2]").unwrap());
        assert_eq!(
            v.clone().update_conf(&eth, true),
            Err("Unable to update ETH0_IP, update NIC to update network context".to_owned())
        );
        let none = vm("");
        let err = none.clone().update_conf(&more, true).unwrap_err();
        assert!(err.contains("does not have context"), "{err}");
    }
}
