//! Unit tests of the template language: grammar, errors, XML form, editing and merge.

use super::*;

fn single(name: &str, value: &str) -> Attribute {
    Attribute { name: name.into(), value: Value::Single(value.into()) }
}

fn vector(name: &str, pairs: &[(&str, &str)]) -> Attribute {
    let pairs = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Attribute { name: name.into(), value: Value::Vector(pairs) }
}

fn text(input: &str) -> Vec<Attribute> {
    Template::parse_text(input).unwrap().attributes().to_vec()
}

fn syntax_at(input: &str) -> (String, usize, usize) {
    match Template::parse_text(input) {
        Err(ParseError::Syntax { found, line, column, .. }) => (found, line, column),
        other => panic!("{input:?} gave {other:?}"),
    }
}

#[test]
fn parses_an_opennebula_style_template() {
    let input = r#"# comment line
NAME   = "web-1"          # trailing comment after a value is fine
CPU    = 0.5
MEMORY = 512
DISK   = [ IMAGE_ID = 3 ]
DISK = [
  IMAGE = "ubuntu",
  SIZE = "1024" ]
NIC    = [ NETWORK = "private", IP = "10.0.0.5" ]
CONTEXT = [ NETWORK = "YES", SSH_PUBLIC_KEY = "$USER[SSH_PUBLIC_KEY]" ]
DESCRIPTION = "multi
line"
EMPTY =
lower_case = x
"#;
    let t = Template::parse(input).unwrap();
    assert_eq!(
        t.attributes(),
        &[
            single("NAME", "web-1"),
            single("CPU", "0.5"),
            single("MEMORY", "512"),
            vector("DISK", &[("IMAGE_ID", "3")]),
            vector("DISK", &[("IMAGE", "ubuntu"), ("SIZE", "1024")]),
            vector("NIC", &[("NETWORK", "private"), ("IP", "10.0.0.5")]),
            vector("CONTEXT", &[("NETWORK", "YES"), ("SSH_PUBLIC_KEY", "$USER[SSH_PUBLIC_KEY]")]),
            single("DESCRIPTION", "multi\nline"),
            single("EMPTY", ""),
            single("LOWER_CASE", "x"),
        ]
    );
    assert_eq!(t.get("memory"), Some("512"));
    assert_eq!(t.get_all("DISK").count(), 2);
    assert_eq!(t.vector("nic").unwrap()[1], ("IP".into(), "10.0.0.5".into()));
    assert_eq!(t.get("DISK"), None);
    assert_eq!(t.vector("CPU"), None);
}

#[test]
fn empty_inputs_are_empty_templates() {
    for input in ["", "   \n\t\r\n", "# only a comment", "# a\n  # b\n"] {
        assert!(Template::parse(input).unwrap().is_empty(), "{input:?}");
    }
}

#[test]
fn several_attributes_per_line_and_crlf() {
    assert_eq!(
        text("A=1 B=\"2\"\tC=[X=1]"),
        [single("A", "1"), single("B", "2"), vector("C", &[("X", "1")])]
    );
    assert_eq!(text("A = 1\r\nB =\r\nC = \"x\"\r\n"), [single("A", "1"), single("B", ""), single("C", "x")]);
    assert_eq!(text("A="), [single("A", "")]);
    assert_eq!(syntax_at("A =   # comment"), ("comment".into(), 1, 7));
}

#[test]
fn vectors_tolerate_layout_comments_and_trailing_commas() {
    assert_eq!(text("V = []"), [vector("V", &[])]);
    assert_eq!(text("V = [\n]"), [vector("V", &[])]);
    assert_eq!(text("V=[a=1,b=2,]"), [vector("V", &[("A", "1"), ("B", "2")])]);
    assert_eq!(
        text("V = [ # first\n  A = 1 # one\n  ,\n  B = \"x y\" , # two\n C =\n ]"),
        [vector("V", &[("A", "1"), ("B", "x y"), ("C", "")])]
    );
    assert_eq!(text("V = [ A = , B = 2 ]"), [vector("V", &[("A", ""), ("B", "2")])]);
    assert_eq!(text("V = [ A = 1, A = 2 ]"), [vector("V", &[("A", "1"), ("A", "2")])]);
}

#[test]
fn quoted_strings_keep_content_and_unescape_quotes() {
    assert_eq!(text(r#"A = "  padded  ""#), [single("A", "  padded  ")]);
    assert_eq!(text(r#"A = "say \"hi\"""#), [single("A", r#"say "hi""#)]);
    assert_eq!(text(r#"A = "a\b""#), [single("A", r"a\b")]);
    assert_eq!(text(r#"A = "a\\b""#), [single("A", r"a\\b")]);
    assert_eq!(text(r#"A = "ends\\""#), [single("A", r"ends\")]);
    assert_eq!(text(r#"A = "q\\\"""#), [single("A", r#"q\""#)]);
    assert_eq!(text(r##"A = "# not a comment, [x] = y""##), [single("A", "# not a comment, [x] = y")]);
    assert_eq!(text("A = \"\""), [single("A", "")]);
    assert_eq!(text("A = \"ünï €\""), [single("A", "ünï €")]);
}

#[test]
fn bare_words_keep_other_punctuation() {
    assert_eq!(text("A = a/b:c;d{e}$f'g\\h<i>&j|k"), [single("A", "a/b:c;d{e}$f'g\\h<i>&j|k")]);
    assert_eq!(text("A = ünïcode€"), [single("A", "ünïcode€")]);
    assert_eq!(syntax_at("A = $USER[X]"), ("'['".into(), 1, 10));
}

#[test]
fn printing_quotes_everything() {
    let t = Template::parse_text("A = 1\nV = [ K = \"x\", L = 2 ]\nE = []\nQ = \"a\\\"b\\\\\"").unwrap();
    assert_eq!(t.to_text(), "A=\"1\"\nV=[\n  K=\"x\",\n  L=\"2\" ]\nE=[]\nQ=\"a\\\"b\\\\\"\n");
    assert_eq!(t.to_string(), t.to_text());
    assert_eq!(t.to_text().parse::<Template>().unwrap(), t);
}

#[test]
fn syntax_errors_point_at_the_offending_token() {
    assert_eq!(syntax_at("A = 1\nB = 2\nC D = 3"), ("'D'".into(), 3, 3));
    assert_eq!(syntax_at("A = 1\n\nB = = 3"), ("'='".into(), 3, 5));
    let msg = Template::parse_text("A = 1\n\nB = = 3").unwrap_err().to_string();
    assert_eq!(msg, "syntax error, unexpected '=' at line 3, column 5, expecting a value");
    assert_eq!(syntax_at("NAME"), ("end of input".into(), 1, 5));
    assert_eq!(syntax_at("NAME\n= 1"), ("end of line".into(), 1, 5));
    assert_eq!(syntax_at("A = foo bar"), ("end of input".into(), 1, 12));
    assert_eq!(syntax_at("A = #x"), ("comment".into(), 1, 5));
    assert_eq!(syntax_at("A = \"x\"y"), ("'y'".into(), 1, 8));
    assert_eq!(syntax_at("A = x]"), ("']'".into(), 1, 6));
    assert_eq!(syntax_at("= 1"), ("'='".into(), 1, 1));
    assert_eq!(syntax_at("\"A\" = 1"), ("'\"'".into(), 1, 1));
}

#[test]
fn bad_names_are_rejected() {
    assert_eq!(syntax_at("A-B = 1"), ("'-'".into(), 1, 2));
    assert_eq!(syntax_at("A.B = 1"), ("'.'".into(), 1, 2));
    assert_eq!(syntax_at("ÄB = 1"), ("'Ä'".into(), 1, 1));
    assert_eq!(syntax_at("V = [ K-1 = 1 ]"), ("'-'".into(), 1, 8));
    let long = "N".repeat(MAX_NAME_LEN + 1);
    assert_eq!(
        Template::parse_text(&format!("A = 1\n  {long} = 1")),
        Err(ParseError::NameTooLong { line: 2, column: 3 })
    );
    assert!(Template::parse_text(&format!("{} = 1", "N".repeat(MAX_NAME_LEN))).is_ok());
}

#[test]
fn unterminated_quotes_are_rejected() {
    assert_eq!(
        Template::parse_text("A = 1\nB = \"open\nC = 2\n"),
        Err(ParseError::UnterminatedString { line: 2, column: 5 })
    );
    assert_eq!(
        Template::parse_text("A = \"ends in escape\\\""),
        Err(ParseError::UnterminatedString { line: 1, column: 5 })
    );
    let msg = Template::parse_text("V = [ A = \"x ]").unwrap_err().to_string();
    assert_eq!(msg, "syntax error, unterminated quoted string starting at line 1, column 11");
}

#[test]
fn broken_vectors_are_rejected() {
    assert_eq!(syntax_at("V = [ A = [ B = 1 ] ]"), ("'['".into(), 1, 11));
    let msg = Template::parse_text("V = [ A = [ B = 1 ] ]").unwrap_err().to_string();
    assert!(msg.contains("nested"), "{msg}");
    assert_eq!(syntax_at("V = [ A = 1"), ("end of input".into(), 1, 12));
    assert_eq!(syntax_at("V = [ A = 1 B = 2 ]"), ("'B'".into(), 1, 13));
    assert_eq!(syntax_at("V = [ A ]"), ("']'".into(), 1, 9));
    assert_eq!(syntax_at("V = [ , ]"), ("','".into(), 1, 7));
    assert_eq!(syntax_at("V = [ A = 1 ] x"), ("end of input".into(), 1, 16));
    assert_eq!(syntax_at("V = [ A = #c\n ]"), ("comment".into(), 1, 11));
}

#[test]
fn unstorable_values_are_rejected() {
    assert_eq!(Template::parse_text("A = \"x]]>y\""), Err(ParseError::CdataEnd("A".into())));
    assert_eq!(Template::parse_text("V = [ K = \"]]>\" ]"), Err(ParseError::CdataEnd("V/K".into())));
    assert_eq!(
        Template::parse_text("A = \"x\u{1}\""),
        Err(ParseError::InvalidChar { name: "A".into(), code: 1 })
    );
    assert_eq!(
        Template::parse_text("A = x\u{7f}\u{b}"),
        Err(ParseError::InvalidChar { name: "A".into(), code: 0xb })
    );
    assert_eq!(syntax_at("\u{1}A = 1"), ("character U+0001".into(), 1, 1));
    assert!(Template::parse_text("A = \"tab\there\r\n\"").is_ok());
}

#[test]
fn too_many_attributes_are_rejected() {
    let ok = "A=1\n".repeat(MAX_ATTRIBUTES);
    assert_eq!(Template::parse_text(&ok).unwrap().attributes().len(), MAX_ATTRIBUTES);
    assert_eq!(Template::parse_text(&(ok.clone() + "B=2")), Err(ParseError::TooManyAttributes));
    let pairs = format!("V=[{}]", "K=1,".repeat(MAX_ATTRIBUTES));
    assert_eq!(Template::parse_text(&pairs), Err(ParseError::TooManyAttributes));
}

#[test]
fn parses_xml_as_pyone_sends_it() {
    let t = Template::parse("<TEMPLATE><A><![CDATA[1]]></A><B><C><![CDATA[2]]></C></B></TEMPLATE>").unwrap();
    assert_eq!(t.attributes(), &[single("A", "1"), vector("B", &[("C", "2")])]);
    let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ROOT>\n  <name>web &amp; db</name>\n  \
               <DISK>\n    <IMAGE_ID><![CDATA[3]]></IMAGE_ID>\n    <size>10</size>\n  </DISK>\n  \
               <EMPTY/>\n  <E2></E2>\n  <SPACE>  x  </SPACE>\n  <DISK><IMAGE>u</IMAGE></DISK>\n</ROOT>\n";
    let t = Template::parse(doc).unwrap();
    assert_eq!(
        t.attributes(),
        &[
            single("NAME", "web & db"),
            vector("DISK", &[("IMAGE_ID", "3"), ("SIZE", "10")]),
            single("EMPTY", ""),
            single("E2", ""),
            single("SPACE", "  x  "),
            vector("DISK", &[("IMAGE", "u")]),
        ]
    );
    assert!(Template::parse("  <TEMPLATE/>").unwrap().is_empty());
    assert!(Template::parse("<T>\n</T>").unwrap().is_empty());
}

#[test]
fn malformed_xml_is_rejected() {
    for doc in [
        "<TEMPLATE><A>1</TEMPLATE>",
        "<TEMPLATE><A>1</A>",
        "<TEMPLATE><A>&bogus;</A></TEMPLATE>",
        "<T/><U/>",
        "<TEMPLATE>text</TEMPLATE>",
        "<TEMPLATE><A>x<B>1</B></A></TEMPLATE>",
        "<TEMPLATE><A-B>1</A-B></TEMPLATE>",
        "<TEMPLATE><V><K-1>1</K-1></V></TEMPLATE>",
    ] {
        let err = Template::parse(doc).unwrap_err();
        assert!(matches!(err, ParseError::Xml(_)), "{doc}: {err:?}");
        assert!(err.to_string().starts_with("XML Template malformed: "), "{err}");
    }
    let err = Template::parse("<T><A><B><C>1</C></B></A></T>").unwrap_err();
    assert!(matches!(&err, ParseError::Xml(m) if m.contains("nested")), "{err}");
    assert_eq!(Template::parse("<T><A>x]]&gt;</A></T>"), Err(ParseError::CdataEnd("A".into())));
    assert_eq!(
        Template::parse("<T><V><K>a&#1;</K></V></T>"),
        Err(ParseError::InvalidChar { name: "V/K".into(), code: 1 })
    );
}

#[test]
fn write_xml_sorts_names_and_keys_stably() {
    let t = Template::parse_text(
        "MEMORY = 512\nDISK = [ SIZE = 1, IMAGE = \"b\" ]\nCPU = 1\nDISK = [ IMAGE = a, IMAGE = c ]\nE = []\nZ = \"<&>\"",
    )
    .unwrap();
    assert_eq!(
        t.to_xml("TEMPLATE"),
        "<TEMPLATE><CPU><![CDATA[1]]></CPU>\
         <DISK><IMAGE><![CDATA[b]]></IMAGE><SIZE><![CDATA[1]]></SIZE></DISK>\
         <DISK><IMAGE><![CDATA[a]]></IMAGE><IMAGE><![CDATA[c]]></IMAGE></DISK>\
         <E></E><MEMORY><![CDATA[512]]></MEMORY><Z><![CDATA[<&>]]></Z></TEMPLATE>"
    );
    assert_eq!(Template::new().to_xml("USER_TEMPLATE"), "<USER_TEMPLATE></USER_TEMPLATE>");
    let mut w = crate::xml::XmlWriter::new();
    w.open("VM");
    t.write_xml(&mut w, "TEMPLATE");
    w.close("VM");
    assert!(w.finish().starts_with("<VM><TEMPLATE><CPU>"));
}

#[test]
fn editing_api() {
    let mut t = Template::new();
    t.push(Attribute::single("disk", "x"));
    t.push(Attribute::vector("Disk", [("image", "u"), ("size", "1")]));
    t.set("cpu", "1");
    t.set("CPU", String::from("2"));
    assert_eq!(t.get("Cpu"), Some("2"));
    assert_eq!(t.get_all("cpu").count(), 1);
    assert_eq!(t.get("DISK"), Some("x"));
    assert_eq!(t.vector("disk"), Some(&[("IMAGE".into(), "u".into()), ("SIZE".into(), "1".into())][..]));
    assert_eq!(t.remove("disk"), 2);
    assert_eq!(t.remove("disk"), 0);
    assert_eq!(t.attributes(), &[single("CPU", "2")]);
    assert_eq!(Value::Single("a".into()).as_vector(), None);
    assert_eq!(Value::Vector(vec![]).as_single(), None);
}

#[test]
fn programmatic_names_and_values_are_made_valid() {
    let mut t = Template::new();
    t.set("a-b.c", "x]]>y\u{0}z");
    t.set("", "");
    t.push(Attribute { name: "v w".into(), value: Value::Vector(vec![("k!".into(), "\u{ffff}".into())]) });
    assert_eq!(
        t.attributes(),
        &[single("A_B_C", "x]]\u{FFFD}y\u{FFFD}z"), single("_", ""), vector("V_W", &[("K_", "\u{FFFD}")])]
    );
    assert_eq!(Template::parse_text(&t.to_text()).unwrap(), t);
    assert_eq!(sanitize_name(&"a".repeat(300)).len(), MAX_NAME_LEN);
    assert_eq!(canonical_name("ab_1"), Ok("AB_1".into()));
    assert_eq!(canonical_name("a b"), Err(ParseError::InvalidName("a b".into())));
    assert!(canonical_name("").is_err());
}

#[test]
fn merge_replaces_names_present_in_the_update() {
    let mut t = Template::parse_text(
        "A = 1\nDISK = [ I = 1 ]\nB = 2\nDISK = [ I = 2 ]\nNIC = [ N = 1 ]\nKEEP = \"k\"",
    )
    .unwrap();
    let update =
        Template::parse_text("DISK = [ I = 3 ]\nb = 20\nNIC = []\nNEW = n\nB = 21\nGONE = []").unwrap();
    t.merge(&update);
    assert_eq!(
        t.attributes(),
        &[
            single("A", "1"),
            single("KEEP", "k"),
            vector("DISK", &[("I", "3")]),
            single("B", "20"),
            single("NEW", "n"),
            single("B", "21"),
        ]
    );
    let before = t.clone();
    t.merge(&Template::new());
    assert_eq!(t, before);
}

#[test]
fn merge_can_turn_a_vector_into_a_single_and_back() {
    let mut t = Template::parse_text("V = [ A = 1 ]").unwrap();
    t.merge(&Template::parse_text("V = x").unwrap());
    assert_eq!(t.attributes(), &[single("V", "x")]);
    t.merge(&Template::parse_text("V = [ B = 2 ]").unwrap());
    assert_eq!(t.attributes(), &[vector("V", &[("B", "2")])]);
}
