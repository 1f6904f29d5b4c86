//! Properties of the normaliser and the entity extractor on arbitrary input.

use nlu::entities::extract;
use nlu::normalize;
use proptest::prelude::*;

/// Chat-like text: letters, digits, separators, emoji and some exotic Unicode.
fn chatty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("bpjs ".to_string()),
        Just("nunggak ".to_string()),
        Just("5bln ".to_string()),
        Just("anak2 ".to_string()),
        Just("halooo ".to_string()),
        Just("150rb ".to_string()),
        Just("1,5 jt ".to_string()),
        Just("tgl 5 ".to_string()),
        Just("12/03/1988 ".to_string()),
        Just("3509014503880001 ".to_string()),
        Just("kelas II ".to_string()),
        Just("di kediri ".to_string()),
        Just("🙏".to_string()),
        Just("ＡＢＣ".to_string()),
        Just("İstanbul ".to_string()),
        Just("e\u{301}".to_string()),
        "[a-z]{1,8} ",
        "[0-9.,/-]{1,6}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn normalising_twice_changes_nothing(text in chatty()) {
        let once = normalize(&text).into_text();
        let twice = normalize(&once).into_text();
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn the_normaliser_never_panics_on_any_unicode(text in "\\PC{0,64}") {
        let n = normalize(&text);
        let chars = text.chars().count();
        for t in n.tokens() {
            prop_assert!(t.start < t.end && t.end <= chars);
        }
    }

    #[test]
    fn entity_spans_are_char_boundaries_that_slice_the_matched_text(text in chatty()) {
        let entities = extract(&normalize(&text), crate::today());
        let chars = text.chars().count();
        for e in &entities {
            prop_assert!(e.start < e.end && e.end <= chars, "{:?} in {:?}", e, text);
            let bytes = e.byte_range(&text);
            prop_assert!(text.is_char_boundary(bytes.start) && text.is_char_boundary(bytes.end));
            let slice = &text[bytes];
            let by_chars: String = text.chars().skip(e.start).take(e.end - e.start).collect();
            prop_assert_eq!(slice, by_chars.as_str());
            // The slice alone yields the same value: the span covers what was matched.
            if let nlu::EntityValue::Nik(nik) = &e.value {
                let digits: String = slice.chars().filter(char::is_ascii_digit).collect();
                prop_assert_eq!(digits.as_str(), nik.expose());
            }
        }
        for w in entities.windows(2) {
            prop_assert!(w[0].start <= w[1].start);
        }
    }
}
