//! The affinity rules between the roles of a VM group: each `AFFINED = "a, b"` (or
//! `ANTI_AFFINED`) single attribute of the group's template names roles whose VMs must share
//! hosts (or must not). The checks OpenNebula runs whenever roles or rules change, with its
//! messages, and the rules as role-ID sets for the scheduler.
//!
//! As in OpenNebula, a rule is the set of its roles among the first [`MAX_RULE_ROLES`] role
//! IDs (roles with higher IDs take no part in rules), two rules with the same roles are the
//! same rule, and vector attributes named AFFINED or ANTI_AFFINED are ignored.

use std::collections::BTreeSet;

use super::vmgroup::{Policy, VmGroup};

/// Role IDs a rule can hold (OpenNebula's `VMGroupRoles::MAX_ROLES`).
pub const MAX_RULE_ROLES: i32 = 32;

/// The roles of a rule, one bit per role ID.
type RoleBits = u32;

impl VmGroup {
    /// The values of the group's `AFFINED` (`Policy::Affined`) or `ANTI_AFFINED`
    /// (`Policy::AntiAffined`) single attributes, in order.
    fn rule_values(&self, kind: Policy) -> Vec<&str> {
        self.template.get_all(kind.name()).filter_map(|a| a.value.as_single()).collect()
    }

    /// The role IDs a rule value names (comma-separated names, trimmed, empty entries
    /// skipped), or `None` if one of them is not a role.
    fn rule_roles(&self, value: &str) -> Option<BTreeSet<i32>> {
        let names: BTreeSet<&str> = value.split(',').filter(|n| !n.is_empty()).map(str::trim).collect();
        names.into_iter().map(|n| self.role_named(n).map(|r| r.id)).collect()
    }

    /// The rules of one kind as bit sets, refusing a rule that repeats an earlier one.
    fn rule_bits(&self, kind: Policy) -> Result<Vec<RoleBits>, String> {
        let mut rules: Vec<RoleBits> = Vec::new();
        for value in self.rule_values(kind) {
            let ids = self.rule_roles(value).unwrap_or_default();
            let bits = ids
                .into_iter()
                .filter(|id| (0..MAX_RULE_ROLES).contains(id))
                .fold(0, |acc, id| acc | (1 << id));
            if rules.contains(&bits) {
                return Err(format!("Duplicated {} rule ({value}) detected.", kind.name()));
            }
            rules.push(bits);
        }
        Ok(rules)
    }

    /// The names of the roles whose bits are set, in ID order.
    fn names_of(&self, bits: RoleBits) -> Vec<&str> {
        (0..MAX_RULE_ROLES)
            .filter(|id| bits & (1 << id) != 0)
            .filter_map(|id| self.role(id).map(|r| r.name.as_str()))
            .collect()
    }

    /// OpenNebula's consistency check of roles and rules: every role a rule names exists;
    /// no rule is repeated; no role in an AFFINED rule has POLICY ANTI_AFFINED; no role is
    /// in both an AFFINED and an ANTI_AFFINED rule.
    pub fn check_consistency(&self) -> Result<(), String> {
        for kind in [Policy::Affined, Policy::AntiAffined] {
            if let Some(value) = self.rule_values(kind).into_iter().find(|v| self.rule_roles(v).is_none()) {
                return Err(format!(
                    "Some roles used in {} attribute ({value}) are not defined",
                    kind.name()
                ));
            }
        }
        let affined = self.rule_bits(Policy::Affined)?;
        for bits in &affined {
            for id in (0..MAX_RULE_ROLES).filter(|id| bits & (1 << id) != 0) {
                if let Some(role) = self.role(id).filter(|r| r.policy() == Policy::AntiAffined) {
                    return Err(format!(
                        "Role {} is in an AFFINED rule but the role policy is ANTI_AFFINED",
                        role.name
                    ));
                }
            }
        }
        let anti = self.rule_bits(Policy::AntiAffined)?;
        let both = affined.iter().fold(0, |a, b| a | b) & anti.iter().fold(0, |a, b| a | b);
        if both != 0 {
            let mut msg = "Roles defined in AFFINED and ANTI_AFFINED rules:".to_owned();
            for name in self.names_of(both) {
                msg.push(' ');
                msg.push_str(name);
            }
            return Err(msg);
        }
        Ok(())
    }

    /// The rules of one kind (`Policy::Affined` or `Policy::AntiAffined`) as sets of role
    /// IDs, each rule once, ordered as OpenNebula orders them (by their role bits). Rules
    /// naming unknown roles are left out (the checks refuse them anyway).
    pub fn rules(&self, kind: Policy) -> Vec<BTreeSet<i32>> {
        let mut bits: Vec<RoleBits> = self
            .rule_values(kind)
            .into_iter()
            .filter_map(|v| self.rule_roles(v))
            .map(|ids| {
                ids.into_iter()
                    .filter(|id| (0..MAX_RULE_ROLES).contains(id))
                    .fold(0, |acc, id| acc | (1 << id))
            })
            .collect();
        bits.sort_unstable();
        bits.dedup();
        bits.into_iter().map(|b| (0..MAX_RULE_ROLES).filter(|id| b & (1 << id) != 0).collect()).collect()
    }

    /// The AFFINED rules with rules sharing a role merged (`a,b` and `b,c` make `a,b,c`), as
    /// the scheduler applies them.
    pub fn merged_affined_rules(&self) -> Vec<BTreeSet<i32>> {
        let mut merged: Vec<BTreeSet<i32>> = Vec::new();
        for rule in self.rules(Policy::Affined) {
            let mut rule = rule;
            let (overlapping, rest): (Vec<_>, Vec<_>) =
                merged.into_iter().partition(|m| !m.is_disjoint(&rule));
            for m in overlapping {
                rule.extend(m);
            }
            merged = rest;
            merged.push(rule);
        }
        merged.sort();
        merged
    }
}
