//! The language itself: precedence, comparisons and their conversions, ranks, syntax errors
//! with OpenNebula's messages, nesting limits, and property tests that no input panics. The
//! values come from a plain name → values map, so resolution plays no part here
//! (`tests_objects.rs` covers it).

use proptest::prelude::*;

use super::*;

/// Names with their values, in order.
struct Map(Vec<(&'static str, Vec<&'static str>)>);

impl Attributes for Map {
    fn for_each_value(&self, name: &Name, f: &mut dyn FnMut(AttrValue<'_>) -> Flow) -> Flow {
        for (n, values) in &self.0 {
            if *n == name.as_str() {
                values.iter().try_for_each(|v| f(AttrValue::Text(v)))?;
            }
        }
        Flow::Continue(())
    }
}

fn sample() -> Map {
    Map(vec![
        ("T", vec!["1"]),
        ("F", vec!["0"]),
        ("HOSTNAME", vec!["node-12.example"]),
        ("ARCH", vec!["x86_64"]),
        ("CPU", vec!["3.7"]),
        ("MEM", vec!["12GB"]),
        ("BIG", vec!["3000000000"]),
        ("PI", vec!["3.1415926"]),
        ("TENTH", vec!["0.1000000001"]),
        ("WORD", vec!["YES"]),
        ("EMPTY", vec![""]),
        ("MIXED", vec!["x", "5", "7"]),
        ("IDS", vec!["0", "100", "101"]),
        ("FEATURES", vec!["vmx", "avx2", "sse4.2"]),
        ("NEG", vec!["-4"]),
    ])
}

fn req(text: &str) -> bool {
    Requirement::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}")).eval(&sample())
}

fn rank(text: &str) -> i64 {
    Rank::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}")).eval(&sample())
}

#[test]
fn requirement_table() {
    let table: &[(&str, bool)] = &[
        // Empty requirements are true.
        ("", true),
        (" \t\n", true),
        // One precedence level, left to right.
        ("T = 1 | F = 1 & F = 1", false),
        ("(T = 1 | F = 1) & F = 1", false),
        ("T = 1 | (F = 1 & F = 1)", true),
        ("F = 1 & F = 1 | T = 1", true),
        ("! T = 1 & F = 1", false),
        ("! F = 1 & T = 1", true),
        ("! (T = 1 & F = 1)", true),
        ("!!T = 1", true),
        ("! ! ! T = 1", false),
        ("T = 1 & ! F = 1 | F = 1", true),
        // Missing attributes: every comparison false, `!=` included.
        ("MISSING = 1", false),
        ("MISSING != 1", false),
        ("MISSING ! = 1", false),
        ("MISSING > -100", false),
        ("MISSING < 100", false),
        ("MISSING = 1.5", false),
        ("MISSING != 1.5", false),
        ("MISSING = \"*\"", false),
        ("MISSING != x", false),
        ("MISSING @> 1", false),
        ("MISSING @> \"*\"", false),
        ("!(MISSING = 1)", true),
        ("missing_lower = 1 | t = 1", false),
        // Glob patterns, case-sensitive.
        ("HOSTNAME = \"node*\"", true),
        ("HOSTNAME = \"node-1?.example\"", true),
        ("HOSTNAME = \"node-[0-9][0-9].*\"", true),
        ("HOSTNAME = \"NODE*\"", false),
        ("HOSTNAME != \"node*\"", false),
        ("HOSTNAME != \"web*\"", true),
        ("HOSTNAME = node", false),
        ("ARCH = x86_64", true),
        ("ARCH = \"x86_64\"", true),
        ("ARCH = \"x86\"", false),
        ("EMPTY = \"*\"", true),
        // The null string matches nothing.
        ("EMPTY = \"\"", false),
        ("EMPTY != \"\"", false),
        ("ARCH != \"\"", false),
        ("FEATURES @> \"\"", false),
        // Integers read the leading number of the value.
        ("CPU = 3", true),
        ("CPU > 2", true),
        ("CPU < 4", true),
        ("MEM = 12", true),
        ("NEG < -3", true),
        ("NEG = -4", true),
        ("WORD > 0", false),
        ("WORD != 0", false),
        ("EMPTY = 0", false),
        ("BIG > 0", false),
        ("BIG > 0.5", true),
        // The first value that reads as a number.
        ("MIXED = 5", true),
        ("MIXED != 5", false),
        ("MIXED = x", true),
        ("MIXED = 7", false),
        // Floats (32 bits) when the literal is one.
        ("CPU = 3.7", true),
        ("CPU > 3.69", true),
        ("CPU = 3.0", false),
        ("PI > 3.14", true),
        ("TENTH = 0.1", true),
        ("TENTH > 0.1", false),
        ("MEM < 12.5", true),
        // `@>`: any value.
        ("IDS @> 100", true),
        ("IDS @ > 101", true),
        ("IDS @> 102", false),
        ("IDS @> 100.0", true),
        ("IDS @> \"10*\"", true),
        ("IDS = 100", false),
        ("FEATURES @> avx2", true),
        ("FEATURES @> \"sse*\"", true),
        ("FEATURES @> \"AVX2\"", false),
        ("MIXED @> 7", true),
        // Characters outside the grammar are skipped by the lexer.
        ("HOSTNAME = \"node*\" ;", true),
        ("ARCH = \"x86_64", true),
    ];
    for (text, expected) in table {
        assert_eq!(req(text), *expected, "{text:?}");
    }
}

#[test]
fn rank_table() {
    let table: &[(&str, i64)] = &[
        ("", 0),
        ("  ", 0),
        ("CPU", 3),
        ("- CPU", -3),
        ("-CPU", -3),
        ("MEM", 12),
        ("MISSING", 0),
        ("WORD + 1", 1),
        ("MISSING * 5 + 2", 2),
        ("CPU * 2 + 3 / 2", 8),
        ("(CPU + 1) * 2", 9),
        ("7 / 2", 3),
        ("-7 / 2", -3),
        ("- 7 / 2", -3),
        ("- 2 * 3 + 1", -5),
        ("2 - -3", 5),
        ("2 - - 3", 5),
        ("10 - 2 - 3", 5),
        ("100 / 10 / 5", 2),
        ("IDS", 0),
        ("PI * 1000", 3141),
        ("BIG", -2_147_483_648),
        ("BIG / 2", 1_500_000_000),
        ("16777217 + 0", 16_777_216),
        ("1.5 + 1.5", 3),
        // Division by zero: C's (int) of ±inf or NaN on x86.
        ("1 / 0", -2_147_483_648),
        ("-1 / 0", -2_147_483_648),
        ("0 / 0", -2_147_483_648),
        ("CPU / MISSING", -2_147_483_648),
        ("2147483647", -2_147_483_648),
        ("2147483520", 2_147_483_520),
    ];
    for (text, expected) in table {
        assert_eq!(rank(text), *expected, "{text:?}");
    }
}

fn req_err(text: &str) -> String {
    match Requirement::parse(text) {
        Ok(_) => panic!("{text:?} should not parse"),
        Err(e) => e.to_string(),
    }
}

fn rank_err(text: &str) -> String {
    match Rank::parse(text) {
        Ok(_) => panic!("{text:?} should not parse"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn requirement_syntax_errors_name_the_token_and_place() {
    let table = [
        (
            "A = ",
            "syntax error, unexpected $end, expecting INTEGER or STRING or FLOAT at line 1, columns 4:5",
        ),
        ("HOSTNAME = host-1", "syntax error, unexpected INTEGER, expecting $end at line 1, columns 16:18"),
        ("A >= 5", "syntax error, unexpected '=', expecting INTEGER or FLOAT at line 1, columns 4:5"),
        (
            "A == 5",
            "syntax error, unexpected '=', expecting INTEGER or STRING or FLOAT at line 1, columns 4:5",
        ),
        ("A > \"x\"", "syntax error, unexpected STRING, expecting INTEGER or FLOAT at line 1, columns 5:8"),
        ("A < B", "syntax error, unexpected STRING, expecting INTEGER or FLOAT at line 1, columns 5:6"),
        ("A ! 5", "syntax error, unexpected INTEGER, expecting '=' at line 1, columns 5:6"),
        ("A @ 5", "syntax error, unexpected INTEGER, expecting '>' at line 1, columns 5:6"),
        ("A 5", "syntax error, unexpected INTEGER at line 1, columns 3:4"),
        ("A", "syntax error, unexpected $end at line 1, columns 1:2"),
        ("(A = 1", "syntax error, unexpected $end, expecting '&' or '|' or ')' at line 1, columns 6:7"),
        (
            "(A = 1 B = 2)",
            "syntax error, unexpected STRING, expecting '&' or '|' or ')' at line 1, columns 8:9",
        ),
        ("A = 1 )", "syntax error, unexpected ')', expecting $end at line 1, columns 7:8"),
        ("A = 1 B = 2", "syntax error, unexpected STRING, expecting $end at line 1, columns 7:8"),
        ("A = 1 &", "syntax error, unexpected $end, expecting '!' or STRING or '(' at line 1, columns 7:8"),
        (
            "A = 1 & | B = 2",
            "syntax error, unexpected '|', expecting '!' or STRING or '(' at line 1, columns 9:10",
        ),
        ("!", "syntax error, unexpected $end, expecting '!' or STRING or '(' at line 1, columns 1:2"),
        ("()", "syntax error, unexpected ')', expecting '!' or STRING or '(' at line 1, columns 2:3"),
        ("& A = 1", "syntax error, unexpected '&', expecting $end at line 1, columns 1:2"),
        ("5 = A", "syntax error, unexpected INTEGER, expecting $end at line 1, columns 1:2"),
        ("A = 1 * 2", "syntax error, unexpected $undefined, expecting $end at line 1, columns 7:8"),
        (
            "A = -",
            "syntax error, unexpected $undefined, expecting INTEGER or STRING or FLOAT at line 1, columns 5:6",
        ),
        (
            "A = 1 &\n\n)",
            "syntax error, unexpected ')', expecting '!' or STRING or '(' at line 3, columns 10:11",
        ),
        (
            "X = 1 & (  )",
            "syntax error, unexpected ')', expecting '!' or STRING or '(' at line 1, columns 12:13",
        ),
    ];
    for (text, message) in table {
        assert_eq!(req_err(text), message, "{text:?}");
    }
    let e = Requirement::parse("A >= 5").unwrap_err();
    assert_eq!(
        (e.kind, e.line, e.first_column, e.last_column),
        (ErrorKind::Syntax { unexpected: "'='", expected: &["INTEGER", "FLOAT"] }, 1, 4, 5)
    );
}

#[test]
fn rank_syntax_errors_name_the_token_and_place() {
    let table = [
        ("FREE_CPU -1", "syntax error, unexpected INTEGER, expecting $end at line 1, columns 10:12"),
        ("FREE_CPU *", "syntax error, unexpected $end at line 1, columns 10:11"),
        ("FREE_CPU * * 2", "syntax error, unexpected '*' at line 1, columns 12:13"),
        ("(1 + 2", "syntax error, unexpected $end at line 1, columns 6:7"),
        ("(1 + 2 3)", "syntax error, unexpected INTEGER at line 1, columns 8:9"),
        ("FREE_CPU > 2", "syntax error, unexpected $undefined, expecting $end at line 1, columns 10:11"),
        ("* 2", "syntax error, unexpected '*', expecting $end at line 1, columns 1:2"),
        ("1 2", "syntax error, unexpected INTEGER, expecting $end at line 1, columns 3:4"),
        (")", "syntax error, unexpected ')', expecting $end at line 1, columns 1:2"),
        ("-", "syntax error, unexpected $end at line 1, columns 1:2"),
        ("2 ^ 3", "syntax error, unexpected $undefined, expecting $end at line 1, columns 3:4"),
    ];
    for (text, message) in table {
        assert_eq!(rank_err(text), message, "{text:?}");
    }
}

#[test]
fn nesting_is_bounded() {
    let nested = |depth: usize| format!("{}T = 1{}", "(".repeat(depth), ")".repeat(depth));
    assert!(req(&nested(MAX_DEPTH)));
    let e = Requirement::parse(&nested(MAX_DEPTH + 1)).unwrap_err();
    assert_eq!(e.to_string(), "expression nested deeper than 256 levels at line 1, columns 257:258");
    assert_eq!((e.kind, e.first_column), (ErrorKind::TooDeep, MAX_DEPTH + 1));

    let negations = |depth: usize| format!("{}1", "- ".repeat(depth));
    assert_eq!(rank(&negations(MAX_DEPTH)), 1);
    assert_eq!(rank(&negations(MAX_DEPTH - 1)), -1);
    assert_eq!(Rank::parse(&negations(MAX_DEPTH + 1)).unwrap_err().kind, ErrorKind::TooDeep);
    let groups = |depth: usize| format!("{}2{}", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(rank(&groups(MAX_DEPTH)), 2);
    assert_eq!(Rank::parse(&groups(MAX_DEPTH + 1)).unwrap_err().kind, ErrorKind::TooDeep);
}

#[test]
fn long_chains_do_not_recurse() {
    // Anti-affinity rules list every VM of a role: chains can be very long.
    let terms: Vec<String> = (0..100_000).map(|i| format!("(CURRENT_VMS != {i})")).collect();
    let r = Requirement::parse(&terms.join(" & ")).unwrap();
    assert!(!r.eval(&sample()), "CURRENT_VMS is missing in a plain map");
    let bangs = format!("{}T = 1", "!".repeat(100_001));
    assert!(!req(&bangs));
    let sum: Vec<String> = (0..100_000).map(|_| "1".to_owned()).collect();
    assert_eq!(rank(&sum.join(" + ")), 100_000);
}

#[test]
fn mentions_names_compared_or_read() {
    let r = Requirement::parse("ID = 1 & !(\"CURRENT_VMS\" = 3 | (X @> \"CURRENT_VMS\"))").unwrap();
    assert!(r.mentions("CURRENT_VMS") && r.mentions("ID") && r.mentions("X"));
    assert!(!r.mentions("current_vms") && !r.mentions("Y"));
    assert!(!Requirement::parse("").unwrap().mentions("ID"));
    let k = Rank::parse("- (FREE_CPU * 2) / -RUNNING_VMS").unwrap();
    assert!(k.mentions("FREE_CPU") && k.mentions("RUNNING_VMS") && !k.mentions("CPU"));
    assert_eq!(k.as_str(), "- (FREE_CPU * 2) / -RUNNING_VMS");
}

#[test]
fn trees_follow_the_grammar() {
    let r = Requirement::parse("A = 1 | ! B = \"x*\" & (C @> 2.5)").unwrap();
    let c = r.expr().unwrap();
    assert_eq!(c.rest.iter().map(|(j, _)| *j).collect::<Vec<_>>(), [Junction::Or, Junction::And]);
    let Atom::Compare(b) = &c.rest[0].1.atom else { panic!("comparison expected") };
    assert!(c.rest[0].1.negated);
    assert_eq!((b.name.as_str(), b.op, &b.literal), ("B", CmpOp::Eq, &Literal::Str(Pattern::new("x*"))));
    assert!(matches!(c.rest[1].1.atom, Atom::Group(_)));
    let k = Rank::parse("A * - B * C + D").unwrap();
    let s = k.expr().unwrap();
    assert_eq!(s.rest.len(), 1);
    let Factor::Neg(neg) = &s.first.rest[0].1 else { panic!("negation expected") };
    assert_eq!(neg.rest.len(), 1, "- applies to the product that follows it");
    assert!(Requirement::parse("").unwrap().is_empty() && Rank::parse(" ").unwrap().is_empty());
}

#[test]
fn automatic_and_user_requirements_combine_as_opennebula_does() {
    let auto = "(CLUSTER_ID = 0) & !(PIN_POLICY = PINNED)";
    assert_eq!(combine_requirements(auto, Some("T = 1")), format!("{auto} & ( T = 1 )"));
    assert_eq!(combine_requirements(auto, None), auto);
    assert_eq!(combine_requirements("", Some("T = 1 | F = 1")), "T = 1 | F = 1");
    assert_eq!(combine_requirements("", None), "");
    // The user's part is grouped: its `|` cannot escape the automatic part.
    let combined = combine_requirements("F = 1", Some("T = 1 | T = 1"));
    assert!(!req(&combined));
    assert!(req(&combine_requirements("T = 1", Some("F = 1 | T = 1"))));
    // An empty user requirement makes OpenNebula's string a syntax error.
    assert!(Requirement::parse(&combine_requirements(auto, Some(""))).is_err());
}

/// Strings made of the grammar's characters, names and numbers, to reach deep into both
/// parsers.
fn token_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("A".to_owned()),
        Just("\"CLUSTERS/ID\"".to_owned()),
        Just("\"x*\"".to_owned()),
        Just("\"\"".to_owned()),
        Just("\"".to_owned()),
        "[-@!&|=><()*+/^ ]".prop_map(|s| s.to_owned()),
        "-?[0-9]{1,12}(\\.[0-9]{1,3})?",
        "[\n\t._é]",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

proptest! {
    #[test]
    fn any_string_parses_or_fails_without_panicking(text in "\\PC{0,80}") {
        if let Ok(r) = Requirement::parse(&text) {
            let _ = r.eval(&sample());
        }
        if let Ok(k) = Rank::parse(&text) {
            let _ = k.eval(&sample());
        }
    }

    #[test]
    fn token_soups_parse_or_fail_without_panicking(text in token_soup()) {
        match Requirement::parse(&text) {
            Ok(r) => { let _ = r.eval(&sample()); }
            Err(e) => prop_assert!(e.to_string().contains(" at line ")),
        }
        match Rank::parse(&text) {
            Ok(k) => { let _ = k.eval(&sample()); }
            Err(e) => prop_assert!(e.first_column <= text.len() + 1),
        }
    }

    #[test]
    fn any_bytes_as_glob_never_panic(pattern in "[\\[\\]!^*?\\\\:a-z-]{0,12}", value in "[\\[\\]!^*?\\\\:a-z-]{0,12}") {
        let _ = Pattern::new(&pattern).matches(&value);
    }
}
