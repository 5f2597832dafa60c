//! Property tests: any valid template survives printing and parsing, in both forms.

use proptest::prelude::*;

use super::*;

fn name() -> impl Strategy<Value = String> {
    "[A-Z0-9_]{1,12}"
}

/// Any storable value: printable ASCII, blanks, the characters the grammar cares about (weighted
/// up), and some non-ASCII; never `]]>` nor a character XML cannot carry.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~\t\r\n\u{a0}-\u{17f}\u{4e00}-\u{4e0f}\u{1f600}-\u{1f60f}]{0,24}",
        "[\\\\\"#\\[\\],= \nA]{0,12}",
    ]
    .prop_filter("values cannot contain ]]>", |v| !v.contains("]]>"))
}

fn attribute() -> impl Strategy<Value = Attribute> {
    (
        name(),
        prop_oneof![
            value().prop_map(Value::Single),
            prop::collection::vec((name(), value()), 0..5).prop_map(Value::Vector)
        ],
    )
        .prop_map(|(name, value)| Attribute { name, value })
}

fn template() -> impl Strategy<Value = Template> {
    prop::collection::vec(attribute(), 0..8).prop_map(|attrs| Template { attrs })
}

/// What the XML form gives back: attributes sorted by name and vector keys by key (both
/// stable), and empty vectors read back as empty single values (`<V></V>` is a leaf). Texts need
/// no adjustment: values travel in CDATA, which keeps blanks, newlines and carriage returns, and
/// the reader does not trim leaves.
fn as_xml_reads_back(t: &Template) -> Template {
    let mut attrs = t.attrs.clone();
    attrs.sort_by(|a, b| a.name.cmp(&b.name));
    for attr in &mut attrs {
        if let Value::Vector(pairs) = &mut attr.value {
            if pairs.is_empty() {
                attr.value = Value::Single(String::new());
            } else {
                pairs.sort_by(|a, b| a.0.cmp(&b.0));
            }
        }
    }
    Template { attrs }
}

proptest! {
    #[test]
    fn text_form_round_trips(t in template()) {
        prop_assert_eq!(Template::parse_text(&t.to_text()), Ok(t.clone()));
        prop_assert_eq!(Template::parse(&t.to_text()), Ok(t));
    }

    #[test]
    fn xml_form_round_trips(t in template()) {
        let expected = as_xml_reads_back(&t);
        prop_assert_eq!(Template::parse_xml(&t.to_xml("TEMPLATE")), Ok(expected.clone()));
        prop_assert_eq!(Template::parse(&t.to_xml("TEMPLATE")), Ok(expected));
    }

    #[test]
    fn sanitized_values_round_trip(name in "\\PC{0,8}", v in "\\PC{0,16}|[\u{0}-\u{1f}\\]>]{0,8}") {
        let mut t = Template::new();
        t.set(&name, v);
        prop_assert_eq!(Template::parse_text(&t.to_text()), Ok(t.clone()));
        prop_assert_eq!(Template::parse_xml(&t.to_xml("T")).map(|x| x.attrs), Ok(t.attrs));
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(s in "\\PC{0,64}|[A-Z=\\[\\]\",# \n\\\\]{0,64}") {
        let _ = Template::parse(&s);
    }
}
