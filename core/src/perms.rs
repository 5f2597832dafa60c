//! The 9-bit permissions every shared object carries: owner, group and other, each with
//! USE, MANAGE and ADMIN, rendered as `<PERMISSIONS>` and shown by the CLI as octal (`640`).

use crate::xml::{Node, XmlWriter};

/// The three rights a permission bit can grant, and the operations the authorizer checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Right {
    /// Use the object (instantiate a template, attach an image, read it).
    Use,
    /// Manage it (update, rename, most life-cycle actions).
    Manage,
    /// Administer it (chown, operations reserved to administrators).
    Admin,
}

/// Owner/group/other × use/manage/admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Permissions {
    /// OWNER_U, OWNER_M, OWNER_A.
    pub owner: [bool; 3],
    /// GROUP_U, GROUP_M, GROUP_A.
    pub group: [bool; 3],
    /// OTHER_U, OTHER_M, OTHER_A.
    pub other: [bool; 3],
}

impl Right {
    fn index(self) -> usize {
        match self {
            Right::Use => 0,
            Right::Manage => 1,
            Right::Admin => 2,
        }
    }
}

impl Permissions {
    /// Permissions for a new object under `umask` (octal digits, e.g. `0o177` → `600`).
    pub fn from_umask(umask: u32) -> Self {
        Self::from_octal(0o777 & !umask)
    }

    /// Permissions from an octal number such as `0o640`.
    pub fn from_octal(bits: u32) -> Self {
        let triple = |shift: u32| {
            let d = (bits >> shift) & 0o7;
            [d & 4 != 0, d & 2 != 0, d & 1 != 0]
        };
        Permissions { owner: triple(6), group: triple(3), other: triple(0) }
    }

    /// The octal number, e.g. `0o640`.
    pub fn octal(&self) -> u32 {
        let digit = |t: [bool; 3]| u32::from(t[0]) * 4 + u32::from(t[1]) * 2 + u32::from(t[2]);
        digit(self.owner) * 64 + digit(self.group) * 8 + digit(self.other)
    }

    /// Applies a `chmod` request: nine values in wire order, each 0, 1 or -1 (keep).
    /// Returns `None` when a value is outside -1..=1.
    pub fn apply_chmod(&self, request: [i32; 9]) -> Option<Self> {
        let mut next = *self;
        let slots = next.owner.iter_mut().chain(next.group.iter_mut()).chain(next.other.iter_mut());
        for (slot, v) in slots.zip(request) {
            match v {
                -1 => {}
                0 => *slot = false,
                1 => *slot = true,
                _ => return None,
            }
        }
        Some(next)
    }

    /// Whether owner, group or other holds `right`.
    pub fn owner_has(&self, right: Right) -> bool {
        self.owner[right.index()]
    }

    /// Whether the group bits grant `right`.
    pub fn group_has(&self, right: Right) -> bool {
        self.group[right.index()]
    }

    /// Whether the other bits grant `right`.
    pub fn other_has(&self, right: Right) -> bool {
        self.other[right.index()]
    }

    /// Renders `<PERMISSIONS>…</PERMISSIONS>`.
    pub fn write_xml(&self, w: &mut XmlWriter) {
        const NAMES: [[&str; 3]; 3] = [
            ["OWNER_U", "OWNER_M", "OWNER_A"],
            ["GROUP_U", "GROUP_M", "GROUP_A"],
            ["OTHER_U", "OTHER_M", "OTHER_A"],
        ];
        w.open("PERMISSIONS");
        for (names, bits) in NAMES.iter().zip([self.owner, self.group, self.other]) {
            for (name, bit) in names.iter().zip(bits) {
                w.num(name, u8::from(bit));
            }
        }
        w.close("PERMISSIONS");
    }

    /// Reads a `<PERMISSIONS>` element; missing bits are off.
    pub fn from_node(node: &Node) -> Self {
        let bit = |name: &str| node.child_num::<i32>(name) == Some(1);
        Permissions {
            owner: [bit("OWNER_U"), bit("OWNER_M"), bit("OWNER_A")],
            group: [bit("GROUP_U"), bit("GROUP_M"), bit("GROUP_A")],
            other: [bit("OTHER_U"), bit("OTHER_M"), bit("OTHER_A")],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_umask_gives_owner_use_and_manage() {
        let p = Permissions::from_umask(0o177);
        assert_eq!(p.octal(), 0o600);
        assert!(p.owner_has(Right::Use) && p.owner_has(Right::Manage) && !p.owner_has(Right::Admin));
        assert!(!p.group_has(Right::Use) && !p.other_has(Right::Use));
    }

    #[test]
    fn chmod_keeps_minus_one_and_rejects_other_values() {
        let p = Permissions::from_octal(0o640);
        let q = p.apply_chmod([-1, -1, 1, -1, 1, -1, 1, -1, -1]).unwrap();
        assert_eq!(q.octal(), 0o764);
        assert_eq!(p.apply_chmod([2, 0, 0, 0, 0, 0, 0, 0, 0]), None);
    }

    #[test]
    fn xml_round_trips() {
        let p = Permissions::from_octal(0o751);
        let mut w = XmlWriter::new();
        p.write_xml(&mut w);
        let xml = w.finish();
        assert!(xml.starts_with("<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>1</OWNER_A>"));
        assert_eq!(Permissions::from_node(&crate::xml::parse(&xml).unwrap()), p);
    }
}
