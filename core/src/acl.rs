//! ACL rules: the string form operators write (`#5 VM+IMAGE/@101 USE+MANAGE *`), the four
//! 64-bit numbers oned stores and shows as hex (`<USER>200000001</USER>`), and their validation.
//!
//! Layout of each number: the low 32 bits hold an ID; one flag bit says what the ID means
//! (`#` an individual object, `@` a group, `%` a cluster, `*` all). A resource number also
//! carries one bit per object type above the flags. Rights are USE/MANAGE/ADMIN/CREATE bits.

use std::fmt;

/// `#id`: one user, one object or one zone.
pub const INDIVIDUAL_ID: u64 = 0x0000_0001_0000_0000;
/// `@gid`: a group's members or a group's objects.
pub const GROUP_ID: u64 = 0x0000_0002_0000_0000;
/// `*`: everyone or everything.
pub const ALL_ID: u64 = 0x0000_0004_0000_0000;
/// `%cid`: the objects of a cluster.
pub const CLUSTER_ID: u64 = 0x0000_0008_0000_0000;
/// The flag bits of the ID part.
const ID_FLAGS: u64 = INDIVIDUAL_ID | GROUP_ID | ALL_ID | CLUSTER_ID;
/// The ID itself.
const ID_MASK: u64 = 0xFFFF_FFFF;

/// The object types ACL rules can name, with OpenNebula's bit values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectType {
    /// Virtual machines.
    Vm,
    /// Hosts.
    Host,
    /// Virtual networks.
    Net,
    /// Images.
    Image,
    /// Users.
    User,
    /// VM templates.
    Template,
    /// Groups.
    Group,
    /// The ACL pseudo-object (authorizes `one.acl.*`; never shown in rule strings).
    Acl,
    /// Datastores.
    Datastore,
    /// Clusters.
    Cluster,
    /// Documents (OneFlow services and templates).
    Document,
    /// Zones.
    Zone,
    /// Security groups.
    Secgroup,
    /// Virtual data centers.
    Vdc,
    /// Virtual routers.
    Vrouter,
    /// Marketplaces.
    Marketplace,
    /// Marketplace apps.
    Marketplaceapp,
    /// VM groups.
    Vmgroup,
    /// Virtual network templates.
    Vntemplate,
    /// Backup jobs.
    Backupjob,
}

impl ObjectType {
    /// Every type, in bit order (the order rule strings list them).
    pub const ALL: [ObjectType; 20] = [
        ObjectType::Vm,
        ObjectType::Host,
        ObjectType::Net,
        ObjectType::Image,
        ObjectType::User,
        ObjectType::Template,
        ObjectType::Group,
        ObjectType::Acl,
        ObjectType::Datastore,
        ObjectType::Cluster,
        ObjectType::Document,
        ObjectType::Zone,
        ObjectType::Secgroup,
        ObjectType::Vdc,
        ObjectType::Vrouter,
        ObjectType::Marketplace,
        ObjectType::Marketplaceapp,
        ObjectType::Vmgroup,
        ObjectType::Vntemplate,
        ObjectType::Backupjob,
    ];

    /// The type's bit in a resource number.
    pub fn bit(self) -> u64 {
        match self {
            ObjectType::Vm => 0x0000_0010_0000_0000,
            ObjectType::Host => 0x0000_0020_0000_0000,
            ObjectType::Net => 0x0000_0040_0000_0000,
            ObjectType::Image => 0x0000_0080_0000_0000,
            ObjectType::User => 0x0000_0100_0000_0000,
            ObjectType::Template => 0x0000_0200_0000_0000,
            ObjectType::Group => 0x0000_0400_0000_0000,
            ObjectType::Acl => 0x0000_0800_0000_0000,
            ObjectType::Datastore => 0x0000_1000_0000_0000,
            ObjectType::Cluster => 0x0000_2000_0000_0000,
            ObjectType::Document => 0x0000_4000_0000_0000,
            ObjectType::Zone => 0x0000_8000_0000_0000,
            ObjectType::Secgroup => 0x0001_0000_0000_0000,
            ObjectType::Vdc => 0x0002_0000_0000_0000,
            ObjectType::Vrouter => 0x0004_0000_0000_0000,
            ObjectType::Marketplace => 0x0008_0000_0000_0000,
            ObjectType::Marketplaceapp => 0x0010_0000_0000_0000,
            ObjectType::Vmgroup => 0x0020_0000_0000_0000,
            ObjectType::Vntemplate => 0x0040_0000_0000_0000,
            ObjectType::Backupjob => 0x0100_0000_0000_0000,
        }
    }

    /// The name in rule strings.
    pub fn name(self) -> &'static str {
        match self {
            ObjectType::Vm => "VM",
            ObjectType::Host => "HOST",
            ObjectType::Net => "NET",
            ObjectType::Image => "IMAGE",
            ObjectType::User => "USER",
            ObjectType::Template => "TEMPLATE",
            ObjectType::Group => "GROUP",
            ObjectType::Acl => "ACL",
            ObjectType::Datastore => "DATASTORE",
            ObjectType::Cluster => "CLUSTER",
            ObjectType::Document => "DOCUMENT",
            ObjectType::Zone => "ZONE",
            ObjectType::Secgroup => "SECGROUP",
            ObjectType::Vdc => "VDC",
            ObjectType::Vrouter => "VROUTER",
            ObjectType::Marketplace => "MARKETPLACE",
            ObjectType::Marketplaceapp => "MARKETPLACEAPP",
            ObjectType::Vmgroup => "VMGROUP",
            ObjectType::Vntemplate => "VNTEMPLATE",
            ObjectType::Backupjob => "BACKUPJOB",
        }
    }

    /// The type for a rule-string name (case-insensitive); `ACL` is not a rule-string name.
    pub fn from_name(name: &str) -> Option<ObjectType> {
        Self::ALL.into_iter().filter(|t| *t != ObjectType::Acl).find(|t| t.name().eq_ignore_ascii_case(name))
    }
}

/// The operation a rule grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// USE.
    Use,
    /// MANAGE.
    Manage,
    /// ADMIN.
    Admin,
    /// CREATE.
    Create,
}

impl Operation {
    /// Every operation, in bit order.
    pub const ALL: [Operation; 4] = [Operation::Use, Operation::Manage, Operation::Admin, Operation::Create];

    /// The operation's bit in a rights number.
    pub fn bit(self) -> u64 {
        match self {
            Operation::Use => 0x1,
            Operation::Manage => 0x2,
            Operation::Admin => 0x4,
            Operation::Create => 0x8,
        }
    }

    /// The name in rule strings.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Use => "USE",
            Operation::Manage => "MANAGE",
            Operation::Admin => "ADMIN",
            Operation::Create => "CREATE",
        }
    }
}

/// One ACL rule as stored: four numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rule {
    /// Who: `#uid`, `@gid` or `*`.
    pub user: u64,
    /// Which objects: type bits plus `#oid`, `@gid`, `%cid` or `*`.
    pub resource: u64,
    /// What: operation bits.
    pub rights: u64,
    /// Where: `#zone_id` or `*`.
    pub zone: u64,
}

/// Why a rule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, RuleError> {
    Err(RuleError(msg.into()))
}

/// Renders an ID part (`#5`, `@1`, `%0`, `*`).
fn id_part(value: u64) -> String {
    let id = value & ID_MASK;
    if value & ALL_ID != 0 {
        "*".to_owned()
    } else if value & INDIVIDUAL_ID != 0 {
        format!("#{id}")
    } else if value & GROUP_ID != 0 {
        format!("@{id}")
    } else if value & CLUSTER_ID != 0 {
        format!("%{id}")
    } else {
        "??".to_owned()
    }
}

/// Parses an ID part; `allowed` lists the accepted prefixes among `#@%*`.
fn parse_id_part(text: &str, allowed: &str, what: &str) -> Result<u64, RuleError> {
    let text = text.trim();
    if text == "*" && allowed.contains('*') {
        return Ok(ALL_ID);
    }
    let mut chars = text.chars();
    let flag = match chars.next() {
        Some('#') if allowed.contains('#') => INDIVIDUAL_ID,
        Some('@') if allowed.contains('@') => GROUP_ID,
        Some('%') if allowed.contains('%') => CLUSTER_ID,
        _ => {
            return err(format!(
                "{what} \"{text}\" is not valid: expected one of {allowed} followed by an ID"
            ));
        }
    };
    match chars.as_str().parse::<u32>() {
        Ok(id) => Ok(flag | u64::from(id)),
        Err(_) => err(format!("{what} \"{text}\" is not valid: the ID is not a number")),
    }
}

/// Parses one field, given either as a hex number (`0x100000001` or `100000001`, what the
/// Ruby OCA and pyone send) or in the symbolic form of rule strings.
fn parse_field(text: &str, symbolic: impl Fn(&str) -> Result<u64, RuleError>) -> Result<u64, RuleError> {
    let t = text.trim();
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
    if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return u64::from_str_radix(hex, 16).or_else(|_| err(format!("\"{t}\" is not a 64-bit number")));
    }
    symbolic(t)
}

impl Rule {
    /// Reads the four `one.acl.addrule` parameters (hex or symbolic each) without validating
    /// the result; `zone` `None` or empty means the local zone `#0`.
    pub fn parse_fields(
        user: &str,
        resource: &str,
        rights: &str,
        zone: Option<&str>,
    ) -> Result<Rule, RuleError> {
        Ok(Rule {
            user: parse_field(user, |t| parse_id_part(t, "#@*", "user"))?,
            resource: parse_field(resource, parse_resource)?,
            rights: parse_field(rights, parse_rights)?,
            zone: match zone {
                Some(z) if !z.trim().is_empty() => parse_field(z, |t| parse_id_part(t, "#*", "zone"))?,
                _ => INDIVIDUAL_ID,
            },
        })
    }

    /// Like [`Rule::parse_fields`], and validated.
    pub fn from_fields(
        user: &str,
        resource: &str,
        rights: &str,
        zone: Option<&str>,
    ) -> Result<Rule, RuleError> {
        let rule = Rule::parse_fields(user, resource, rights, zone)?;
        rule.validate()?;
        Ok(rule)
    }

    /// Parses a whole rule string: `USER RESOURCE RIGHTS [ZONE]`.
    pub fn parse(text: &str) -> Result<Rule, RuleError> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        match parts.as_slice() {
            [u, res, r] => Rule::from_fields(u, res, r, None),
            [u, res, r, z] => Rule::from_fields(u, res, r, Some(z)),
            _ => err(format!(
                "rule \"{text}\" is not valid: expected USER RESOURCE RIGHTS [ZONE], e.g. \"@1 VM/* USE\""
            )),
        }
    }

    /// Checks the rule as OpenNebula does before storing it; the error lists every problem,
    /// separated by `; `, in OpenNebula's words.
    pub fn validate(&self) -> Result<(), RuleError> {
        let mut problems: Vec<&str> = Vec::new();
        let id = |v: u64| (v & ID_MASK) as u32 as i32;
        let has = |v: u64, flag: u64| v & flag != 0;

        // User.
        let u = self.user;
        if has(u, INDIVIDUAL_ID) && has(u, GROUP_ID) {
            problems.push("[user] INDIVIDUAL (#) and GROUP (@) bits are exclusive");
        }
        if has(u, INDIVIDUAL_ID) && has(u, ALL_ID) {
            problems.push("[user] INDIVIDUAL (#) and ALL (*) bits are exclusive");
        }
        if has(u, GROUP_ID) && has(u, ALL_ID) {
            problems.push("[user] GROUP (@) and ALL (*) bits are exclusive");
        }
        if u & (INDIVIDUAL_ID | GROUP_ID | ALL_ID) == 0 {
            problems.push("[user] is missing one of the INDIVIDUAL, GROUP or ALL bits");
        }
        if id(u) < 0 {
            problems.push("[user] ID cannot be negative");
        }
        if has(u, ALL_ID) && id(u) != 0 {
            problems.push("when using the ALL bit, [user] ID must be 0");
        }
        if u >> 36 != 0 || has(u, CLUSTER_ID) {
            problems.push("[user] has bits set outside #, @ and *");
        }

        // Resource.
        let r = self.resource;
        if (r & ID_FLAGS).count_ones() > 1 {
            problems.push("[resource] INDIVIDUAL (#), GROUP (@), CLUSTER (%) and ALL (*) bits are exclusive");
        }
        let types = r & !(ID_FLAGS | ID_MASK);
        let cluster_ok = ObjectType::Datastore.bit()
            | ObjectType::Host.bit()
            | ObjectType::Net.bit()
            | ObjectType::Backupjob.bit();
        if has(r, CLUSTER_ID) && types & !cluster_ok != 0 {
            problems
                .push("[resource] CLUSTER(%) selector can be applied only to DATASTORE, HOST and NET types");
        }
        let no_group = ObjectType::Host.bit()
            | ObjectType::Group.bit()
            | ObjectType::Cluster.bit()
            | ObjectType::Zone.bit()
            | ObjectType::Vdc.bit();
        if has(r, GROUP_ID) && types & no_group != 0 {
            problems.push(
                "[resource] GROUP(@) selector cannot be applied to HOST, GROUP, CLUSTER, ZONE or VDC types",
            );
        }
        if r & ID_FLAGS == 0 {
            problems.push("[resource] is missing one of the INDIVIDUAL, GROUP, CLUSTER or ALL bits");
        }
        if id(r) < 0 {
            problems.push("[resource] ID cannot be negative");
        }
        if has(r, ALL_ID) && id(r) != 0 {
            problems.push("when using the ALL bit, [resource] ID must be 0");
        }
        if types == 0 {
            problems.push("[resource] type is missing");
        }
        let known: u64 = ObjectType::ALL.iter().map(|t| t.bit()).fold(0, |a, b| a | b);
        if types & !known != 0 {
            problems.push("wrong [resource] type");
        }

        // Rights.
        if self.rights == 0 {
            problems.push("wrong [rights], it cannot be 0");
        }
        if self.rights > 0xF {
            problems.push("wrong [rights], it cannot be bigger than 0xF");
        }

        // Zone.
        let z = self.zone;
        if has(z, GROUP_ID) || has(z, CLUSTER_ID) {
            problems.push("[zone] GROUP (@) bit is not supported");
        }
        if has(z, INDIVIDUAL_ID) && has(z, ALL_ID) {
            problems.push("[zone] INDIVIDUAL (#) and ALL (*) bits are exclusive");
        }
        if z & (INDIVIDUAL_ID | ALL_ID) == 0 {
            problems.push("[zone] is missing one of the INDIVIDUAL or ALL bits");
        }
        if id(z) < 0 {
            problems.push("[zone] ID cannot be negative");
        }
        if has(z, ALL_ID) && id(z) != 0 {
            problems.push("when using the ALL bit, [zone] ID must be 0");
        }
        if z >> 36 != 0 {
            problems.push("[zone] has bits set outside # and *");
        }
        let any_zone_ok = ObjectType::User.bit()
            | ObjectType::Group.bit()
            | ObjectType::Zone.bit()
            | ObjectType::Acl.bit()
            | ObjectType::Vdc.bit();
        if has(z, ALL_ID) && has(r, INDIVIDUAL_ID) && types & !any_zone_ok != 0 {
            problems.push(
                "[resource] INDIVIDUAL(#) selector cannot be applied to ALL zones, except for USER, GROUP and ZONE types",
            );
        }
        if problems.is_empty() { Ok(()) } else { Err(RuleError(problems.join("; "))) }
    }

    /// The object types the rule names.
    pub fn object_types(&self) -> impl Iterator<Item = ObjectType> + '_ {
        ObjectType::ALL.into_iter().filter(|t| self.resource & t.bit() != 0)
    }

    /// Whether the rule grants `op`.
    pub fn grants(&self, op: Operation) -> bool {
        self.rights & op.bit() != 0
    }
}

fn parse_resource(text: &str) -> Result<u64, RuleError> {
    let Some((types, id)) = text.split_once('/') else {
        return err(format!("resource \"{text}\" is not valid: expected TYPE[+TYPE...]/ID, e.g. VM+IMAGE/*"));
    };
    let mut bits = 0;
    for name in types.split('+') {
        match ObjectType::from_name(name) {
            Some(t) => bits |= t.bit(),
            None => return err(format!("resource type \"{name}\" is not valid")),
        }
    }
    Ok(bits | parse_id_part(id, "#@%*", "resource")?)
}

fn parse_rights(text: &str) -> Result<u64, RuleError> {
    let mut bits = 0;
    for name in text.split('+') {
        match Operation::ALL.into_iter().find(|o| o.name().eq_ignore_ascii_case(name)) {
            Some(op) => bits |= op.bit(),
            None => {
                return err(format!("right \"{name}\" is not valid: expected USE, MANAGE, ADMIN or CREATE"));
            }
        }
    }
    Ok(bits)
}

impl fmt::Display for Rule {
    /// The rule string, e.g. `@1 VM+IMAGE/* CREATE *`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let types: Vec<&str> =
            self.object_types().filter(|t| *t != ObjectType::Acl).map(ObjectType::name).collect();
        let rights: Vec<&str> =
            Operation::ALL.into_iter().filter(|o| self.grants(*o)).map(Operation::name).collect();
        write!(
            f,
            "{} {}/{} {} {}",
            id_part(self.user),
            types.join("+"),
            id_part(self.resource),
            rights.join("+"),
            id_part(self.zone)
        )
    }
}

/// Who is asking: a user and the groups it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    /// The user's ID.
    pub uid: i32,
    /// Every group the user belongs to (primary and secondary).
    pub gids: Vec<i32>,
}

/// What is asked about: an object's type, ID, owner, group and clusters.
/// `oid` is `None` for a CREATE request (there is no object yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The object's type.
    pub kind: ObjectType,
    /// The object's ID.
    pub oid: Option<i32>,
    /// The owner's user ID (-1 when the object has none).
    pub uid: i32,
    /// The object's group (-1 when none).
    pub gid: i32,
    /// The clusters the object belongs to.
    pub cluster_ids: Vec<i32>,
}

/// Whether any rule in `rules` grants `op` on `target` to `who` in zone `zone_id`.
/// Ownership and permission bits are checked by the caller first; this is the ACL part only.
pub fn rules_allow(rules: &[Rule], who: &Requester, target: &Target, op: Operation, zone_id: u32) -> bool {
    let id = |v: i32| u64::from(v as u32);
    rules.iter().any(|rule| {
        let user_ok = rule.user == ALL_ID
            || rule.user == INDIVIDUAL_ID | id(who.uid)
            || who.gids.iter().any(|g| rule.user == GROUP_ID | id(*g));
        let zone_ok = rule.zone == ALL_ID || rule.zone == INDIVIDUAL_ID | u64::from(zone_id);
        if !(user_ok && zone_ok && rule.grants(op) && rule.resource & target.kind.bit() != 0) {
            return false;
        }
        let rid = rule.resource & ID_MASK;
        let flags = rule.resource & ID_FLAGS;
        if flags == ALL_ID {
            true
        } else if flags == INDIVIDUAL_ID {
            target.oid.is_some_and(|oid| rid == id(oid))
        } else if flags == GROUP_ID {
            target.gid >= 0 && rid == id(target.gid)
        } else if flags == CLUSTER_ID {
            target.cluster_ids.iter().any(|c| rid == id(*c))
        } else {
            false
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_encode_as_opennebula_shows_them() {
        let r = Rule::parse("@1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *").unwrap();
        assert_eq!((r.user, r.resource, r.rights, r.zone), (0x200000001, 0x121429400000000, 8, 0x400000000));
        let r = Rule::parse("* ZONE/* USE *").unwrap();
        assert_eq!((r.user, r.resource, r.rights, r.zone), (0x400000000, 0x800400000000, 1, 0x400000000));
        let r = Rule::parse("* MARKETPLACE+MARKETPLACEAPP/* USE *").unwrap();
        assert_eq!(r.resource, 0x18000400000000);
        let r = Rule::parse("@1 HOST/* MANAGE #0").unwrap();
        assert_eq!((r.resource, r.rights, r.zone), (0x2400000000, 2, 0x100000000));
    }

    #[test]
    fn strings_round_trip() {
        for s in [
            "#5 VM+IMAGE/@101 USE+MANAGE *",
            "@1 HOST/* MANAGE #0",
            "* DATASTORE/%100 USE+MANAGE+ADMIN+CREATE #0",
            "#0 NET/#7 USE #3",
        ] {
            assert_eq!(Rule::parse(s).unwrap().to_string(), s);
        }
        // Without a zone, the local zone is implied.
        assert_eq!(Rule::parse("#5 VM/* USE").unwrap().to_string(), "#5 VM/* USE #0");
    }

    #[test]
    fn hex_fields_as_clients_send_them() {
        let r = Rule::from_fields("0x100000005", "0x1400000000", "0x1", Some("0x400000000")).unwrap();
        assert_eq!(r.to_string(), "#5 VM/* USE *");
        let r = Rule::from_fields("200000001", "2400000000", "2", None).unwrap();
        assert_eq!(r.to_string(), "@1 HOST/* MANAGE #0");
    }

    #[test]
    fn malformed_rules_are_refused() {
        for (u, res, r, z) in [
            ("0x0", "0x1400000000", "0x1", None),         // no user flag
            ("0x300000001", "0x1400000000", "0x1", None), // two user flags
            ("0x400000005", "0x1400000000", "0x1", None), // ALL with an ID
            ("#1", "0x400000000", "0x1", None),           // no resource type
            ("#1", "VM/*", "0", None),                    // no rights
            ("#1", "VM/*", "0x10", None),                 // unknown right
            ("#1", "VM/*", "USE", Some("@1")),            // zone by group
            ("#1", "FOO/*", "USE", None),                 // unknown type
            ("#1", "VM", "USE", None),                    // no ID part
            ("#x", "VM/*", "USE", None),                  // bad ID
            ("#1", "VM/*", "USE+EAT", None),              // unknown right
            ("#1", "VM/*", "0xffffffffffffffffff", None), // overflow
        ] {
            assert!(Rule::from_fields(u, res, r, z).is_err(), "{u} {res} {r} {z:?} should be refused");
        }
        assert!(Rule::parse("#1 VM/*").is_err());
    }

    #[test]
    fn malformed_messages_are_opennebulas() {
        let r = Rule { user: 0x300000001, resource: 0x1400000000, rights: 0, zone: 0x100000000 };
        assert_eq!(
            r.validate().unwrap_err().0,
            "[user] INDIVIDUAL (#) and GROUP (@) bits are exclusive; wrong [rights], it cannot be 0"
        );
    }

    #[test]
    fn matching_by_user_group_resource_and_zone() {
        let rules = [
            Rule::parse("@1 VM+IMAGE/* CREATE *").unwrap(),
            Rule::parse("#7 HOST/%100 MANAGE #0").unwrap(),
            Rule::parse("* NET/#4 USE #0").unwrap(),
            Rule::parse("#8 IMAGE/@105 USE #1").unwrap(),
        ];
        let alice = Requester { uid: 7, gids: vec![1] };
        let bob = Requester { uid: 8, gids: vec![105] };
        let vm_new = Target { kind: ObjectType::Vm, oid: None, uid: 7, gid: 1, cluster_ids: vec![] };
        assert!(rules_allow(&rules, &alice, &vm_new, Operation::Create, 0));
        assert!(!rules_allow(&rules, &bob, &vm_new, Operation::Create, 0));
        let host = Target { kind: ObjectType::Host, oid: Some(3), uid: 0, gid: 0, cluster_ids: vec![100] };
        assert!(rules_allow(&rules, &alice, &host, Operation::Manage, 0));
        assert!(!rules_allow(&rules, &alice, &host, Operation::Admin, 0));
        assert!(!rules_allow(&rules, &alice, &host, Operation::Manage, 1), "rule is for zone 0");
        let net4 = Target { kind: ObjectType::Net, oid: Some(4), uid: 0, gid: 0, cluster_ids: vec![] };
        let net5 = Target { oid: Some(5), ..net4.clone() };
        assert!(rules_allow(&rules, &bob, &net4, Operation::Use, 0));
        assert!(!rules_allow(&rules, &bob, &net5, Operation::Use, 0));
        let img = Target { kind: ObjectType::Image, oid: Some(1), uid: 2, gid: 105, cluster_ids: vec![] };
        assert!(rules_allow(&rules, &bob, &img, Operation::Use, 1));
        assert!(!rules_allow(&rules, &bob, &img, Operation::Use, 0));
    }
}
