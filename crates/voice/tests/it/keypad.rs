use chrono::NaiveDate;
use jkn::id::IdError;
use proptest::prelude::*;
use voice::keypad::{parse_birth_date, parse_identity, IdentityInput, KeypadError};

/// A valid NIK: Kab. Jember, Kec. Jombang, a woman born 5 March 1988.
const NIK: &str = "3509014503880001";
const CARD: &str = "0001234567890";

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("{y}-{m}-{d}"))
}

#[test]
fn sixteen_digits_are_a_nik() {
    for input in [NIK.to_string(), format!("{NIK}#")] {
        match parse_identity(&input) {
            Ok(IdentityInput::Nik(nik)) => assert_eq!(nik.expose(), NIK),
            other => panic!("{input}: {other:?}"),
        }
    }
    let id = parse_identity(NIK).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(id.last4(), "0001");
}

#[test]
fn thirteen_digits_are_a_card_number() {
    for input in [CARD.to_string(), format!("{CARD}#")] {
        match parse_identity(&input) {
            Ok(IdentityInput::Card(card)) => assert_eq!(card.expose(), CARD),
            other => panic!("{input}: {other:?}"),
        }
    }
    let id = parse_identity(CARD).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(id.last4(), "7890");
}

#[test]
fn other_lengths_say_how_many_were_pressed() {
    assert_eq!(
        parse_identity("12345#"),
        Err(KeypadError::IdentityLength { found: 5 })
    );
    assert_eq!(
        parse_identity("35090145038800012"),
        Err(KeypadError::IdentityLength { found: 17 })
    );
    let message = KeypadError::IdentityLength { found: 14 }.to_string();
    assert!(message.contains("14") && message.contains("16") && message.contains("13"));
}

#[test]
fn nothing_pressed_is_its_own_error() {
    assert_eq!(parse_identity(""), Err(KeypadError::Empty));
    assert_eq!(parse_identity("#"), Err(KeypadError::Empty));
    assert_eq!(parse_birth_date("#"), Err(KeypadError::Empty));
}

#[test]
fn only_digits_and_one_final_hash_are_accepted() {
    for input in [
        format!("{NIK}##"),
        format!("#{NIK}"),
        format!("{CARD}*"),
        "3509 0145 0388 0001".to_string(),
        "3509-0145-0388-0001".to_string(),
        format!(" {CARD}"),
        "０００１２３４５６７８９０".to_string(),
    ] {
        assert_eq!(
            parse_identity(&input),
            Err(KeypadError::NotDigits),
            "{input}"
        );
    }
}

#[test]
fn the_chat_rules_for_a_nik_apply() {
    // Unknown district 999999.
    assert!(matches!(
        parse_identity("9999994503880001"),
        Err(KeypadError::Id(IdError::UnknownRegion { .. }))
    ));
    // Month 13.
    assert_eq!(
        parse_identity("3509014513880001"),
        Err(KeypadError::Id(IdError::InvalidBirthDate))
    );
    // Serial 0000.
    assert_eq!(
        parse_identity("3509014503880000#"),
        Err(KeypadError::Id(IdError::ZeroSerial))
    );
    // The reason is jkn's own message.
    assert_eq!(
        KeypadError::Id(IdError::ZeroSerial).to_string(),
        IdError::ZeroSerial.to_string()
    );
}

#[test]
fn birth_dates_are_day_month_year() {
    assert_eq!(parse_birth_date("05031988"), Ok(ymd(1988, 3, 5)));
    assert_eq!(parse_birth_date("05031988#"), Ok(ymd(1988, 3, 5)));
    assert_eq!(parse_birth_date("29022000"), Ok(ymd(2000, 2, 29)));
    assert_eq!(parse_birth_date("01011900"), Ok(ymd(1900, 1, 1)));
    assert_eq!(parse_birth_date("31122100"), Ok(ymd(2100, 12, 31)));
}

#[test]
fn impossible_birth_dates_are_refused() {
    for input in [
        "29021900", "29022100", "31042000", "00012000", "01002000", "32012000", "01132000",
    ] {
        assert_eq!(
            parse_birth_date(input),
            Err(KeypadError::InvalidDate),
            "{input}"
        );
    }
    assert_eq!(
        parse_birth_date("01011899"),
        Err(KeypadError::YearOutOfRange { year: 1899 })
    );
    assert_eq!(
        parse_birth_date("01012101"),
        Err(KeypadError::YearOutOfRange { year: 2101 })
    );
    assert_eq!(
        parse_birth_date("0501988"),
        Err(KeypadError::DateLength { found: 7 })
    );
    assert_eq!(
        parse_birth_date("050319880"),
        Err(KeypadError::DateLength { found: 9 })
    );
    assert_eq!(parse_birth_date("05-03-1988"), Err(KeypadError::NotDigits));
    assert_eq!(parse_birth_date(""), Err(KeypadError::Empty));
}

#[test]
fn every_error_has_a_spoken_reason() {
    let errors = [
        KeypadError::Empty,
        KeypadError::NotDigits,
        KeypadError::IdentityLength { found: 3 },
        KeypadError::DateLength { found: 3 },
        KeypadError::InvalidDate,
        KeypadError::YearOutOfRange { year: 1800 },
    ];
    for e in errors {
        assert!(!e.to_string().is_empty(), "{e:?}");
    }
}

proptest! {
    #[test]
    fn every_real_date_round_trips(days in 0u64..73_414) {
        let d = ymd(1900, 1, 1) + chrono::Days::new(days);
        let typed = d.format("%d%m%Y").to_string();
        prop_assert_eq!(parse_birth_date(&typed), Ok(d));
        prop_assert_eq!(parse_birth_date(&format!("{typed}#")), Ok(d));
    }

    #[test]
    fn any_thirteen_digits_are_a_card(card in "[0-9]{13}", hash in any::<bool>()) {
        let input = if hash { format!("{card}#") } else { card.clone() };
        let id = parse_identity(&input);
        prop_assert!(matches!(&id, Ok(IdentityInput::Card(c)) if c.expose() == card));
        prop_assert_eq!(id.map(|i| i.last4()), Ok(card[9..].to_string()));
    }

    #[test]
    fn parsing_never_panics(s in "[0-9#* a-z]{0,20}") {
        let _ = parse_identity(&s);
        let _ = parse_birth_date(&s);
    }
}
