//! The strict XML reader the tests check documents with lives in the crate (`voice::read`),
//! because the call simulator follows TwiML with it too; this checks the checker.

pub use voice::read::{is_xml_char, parse, Element};

#[test]
fn the_checker_itself_refuses_broken_documents() {
    let decl = r#"<?xml version="1.0" encoding="UTF-8"?>"#;
    let bad = [
        "<Response></Response>".to_string(),
        format!("{decl}<Response>"),
        format!("{decl}<Response></Say>"),
        format!("{decl}<Response>a & b</Response>"),
        format!("{decl}<Response>&nbsp;</Response>"),
        format!("{decl}<Response>\u{1}</Response>"),
        format!("{decl}<Response>&#1;</Response>"),
        format!("{decl}<A/><B/>"),
        format!("{decl}<A x=\"1\" x=\"2\"/>"),
        format!("{decl}<A x=\"<\"/>"),
        format!("{decl}<A x=\"a\"b\"/>"),
        format!("{decl}text<A/>"),
    ];
    for doc in bad {
        assert!(parse(&doc).is_err(), "accepted {doc:?}");
    }
    let good = parse(&format!(
        "{decl}\n<A k=\"&quot;&#10;\">x&amp;<B/>y&#13;</A>"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(good.attr("k"), Some("\"\n"));
    assert_eq!(good.text(), "x&y\r");
    assert_eq!(good.element_names(), vec!["B"]);
}
