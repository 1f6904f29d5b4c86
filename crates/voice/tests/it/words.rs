use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use voice::words::{date, day_month, digits, key, month_name, number, rupiah};

const UNIT_WORDS: [&str; 10] = [
    "nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
];

const SCALE_WORDS: [(&str, u64); 6] = [
    ("ribu", 1_000),
    ("juta", 1_000_000),
    ("miliar", 1_000_000_000),
    ("triliun", 1_000_000_000_000),
    ("kuadriliun", 1_000_000_000_000_000),
    ("kuintiliun", 1_000_000_000_000_000_000),
];

fn unit(word: &str) -> Option<u64> {
    UNIT_WORDS.iter().position(|w| *w == word).map(|i| i as u64)
}

fn scale(word: &str) -> Option<u64> {
    SCALE_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, v)| *v)
}

/// Reads the words for 1..=999 (a whole group, no scale word); strict about the grammar.
fn parse_group(tokens: &[&str]) -> Result<u64, String> {
    let mut rest = tokens;
    let mut value = 0;
    // Hundreds: "seratus" or "<2..9> ratus".
    match rest {
        ["seratus", tail @ ..] => {
            value += 100;
            rest = tail;
        }
        [u, "ratus", tail @ ..] => {
            let u = unit(u)
                .filter(|u| *u >= 2)
                .ok_or(format!("bad hundreds {u}"))?;
            value += u * 100;
            rest = tail;
        }
        _ => {}
    }
    // Tens and units.
    value += match rest {
        [] => 0,
        ["sepuluh"] => 10,
        ["sebelas"] => 11,
        [u, "belas"] => 10 + unit(u).filter(|u| *u >= 2).ok_or(format!("bad teen {u}"))?,
        [t, "puluh"] => 10 * unit(t).filter(|t| *t >= 2).ok_or(format!("bad tens {t}"))?,
        [t, "puluh", u] => {
            10 * unit(t).filter(|t| *t >= 2).ok_or(format!("bad tens {t}"))?
                + unit(u).filter(|u| *u >= 1).ok_or(format!("bad unit {u}"))?
        }
        [u] => unit(u).filter(|u| *u >= 1).ok_or(format!("bad unit {u}"))?,
        other => return Err(format!("cannot read {other:?}")),
    };
    if value == 0 {
        return Err(format!("empty group {tokens:?}"));
    }
    Ok(value)
}

/// An independent reader from words back to a number, used to check `number`.
fn parse_words(words: &str) -> Result<u64, String> {
    if words == "nol" {
        return Ok(0);
    }
    let tokens: Vec<&str> = words.split(' ').collect();
    let mut total: u64 = 0;
    let mut last_scale = u64::MAX;
    let mut group_start = 0;
    for (i, token) in tokens.iter().enumerate() {
        let (group, magnitude) = if *token == "seribu" {
            if i != group_start {
                return Err("words before seribu".into());
            }
            (1, 1_000)
        } else if let Some(s) = scale(token) {
            let group = parse_group(&tokens[group_start..i])?;
            if s == 1_000 && group == 1 {
                return Err("satu ribu should be seribu".into());
            }
            (group, s)
        } else {
            continue;
        };
        if magnitude >= last_scale {
            return Err(format!("scale {token} out of order"));
        }
        last_scale = magnitude;
        total += group * magnitude;
        group_start = i + 1;
    }
    if group_start < tokens.len() {
        total += parse_group(&tokens[group_start..])?;
    }
    Ok(total)
}

#[test]
fn tricky_values_read_as_people_say_them() {
    let table: &[(u64, &str)] = &[
        (0, "nol"),
        (1, "satu"),
        (9, "sembilan"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (99, "sembilan puluh sembilan"),
        (100, "seratus"),
        (101, "seratus satu"),
        (110, "seratus sepuluh"),
        (111, "seratus sebelas"),
        (200, "dua ratus"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (1200, "seribu dua ratus"),
        (1999, "seribu sembilan ratus sembilan puluh sembilan"),
        (2000, "dua ribu"),
        (10000, "sepuluh ribu"),
        (11000, "sebelas ribu"),
        (35000, "tiga puluh lima ribu"),
        (42000, "empat puluh dua ribu"),
        (100000, "seratus ribu"),
        (101000, "seratus satu ribu"),
        (150000, "seratus lima puluh ribu"),
        (315000, "tiga ratus lima belas ribu"),
        (
            999999,
            "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan",
        ),
        (1000000, "satu juta"),
        (1001000, "satu juta seribu"),
        (1100000, "satu juta seratus ribu"),
        (2500000, "dua juta lima ratus ribu"),
        (1000000000, "satu miliar"),
        (1000000000000, "satu triliun"),
        (1000000000000000, "satu kuadriliun"),
        (1000000000000000000, "satu kuintiliun"),
        (1001001001, "satu miliar satu juta seribu satu"),
    ];
    for (n, words) in table {
        assert_eq!(number(*n), *words, "{n}");
        assert_eq!(parse_words(words), Ok(*n), "{words}");
    }
}

#[test]
fn the_largest_number_reads_back() {
    assert_eq!(parse_words(&number(u64::MAX)), Ok(u64::MAX));
}

#[test]
fn the_parser_refuses_malformed_words() {
    for bad in [
        "satu ratus",
        "satu ribu",
        "satu belas",
        "satu puluh",
        "dua juta tiga miliar",
        "ribu",
        "dua puluh nol",
        "seratus seratus",
        "sepuluh satu",
    ] {
        assert!(parse_words(bad).is_err(), "accepted {bad}");
    }
}

#[test]
fn rupiah_amounts() {
    assert_eq!(rupiah(315_000), "tiga ratus lima belas ribu rupiah");
    assert_eq!(rupiah(0), "nol rupiah");
    assert_eq!(rupiah(-35_000), "minus tiga puluh lima ribu rupiah");
    assert_eq!(rupiah(42_000), "empat puluh dua ribu rupiah");
    assert_eq!(rupiah(150_000), "seratus lima puluh ribu rupiah");
    assert_eq!(rupiah(1), "satu rupiah");
    assert_eq!(
        rupiah(i64::MIN),
        format!("minus {} rupiah", number(i64::MIN.unsigned_abs()))
    );
    assert_eq!(
        rupiah(i64::MAX),
        format!("{} rupiah", number(i64::MAX as u64))
    );
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("{y}-{m}-{d}"))
}

#[test]
fn dates_read_in_indonesian() {
    assert_eq!(
        date(ymd(2026, 5, 10)),
        "sepuluh Mei dua ribu dua puluh enam"
    );
    assert_eq!(day_month(ymd(2026, 5, 10)), "sepuluh Mei");
    assert_eq!(day_month(ymd(2026, 1, 1)), "satu Januari");
    assert_eq!(day_month(ymd(2024, 2, 29)), "dua puluh sembilan Februari");
    assert_eq!(day_month(ymd(2024, 8, 17)), "tujuh belas Agustus");
    assert_eq!(day_month(ymd(2024, 12, 31)), "tiga puluh satu Desember");
    assert_eq!(
        date(ymd(1945, 8, 17)),
        "tujuh belas Agustus seribu sembilan ratus empat puluh lima"
    );
    assert_eq!(date(ymd(2000, 11, 11)), "sebelas November dua ribu");
    assert_eq!(
        date(ymd(-44, 3, 15)),
        "lima belas Maret minus empat puluh empat"
    );
}

#[test]
fn all_month_names() {
    let names: Vec<_> = (1..=12).filter_map(month_name).collect();
    assert_eq!(
        names,
        vec![
            "Januari",
            "Februari",
            "Maret",
            "April",
            "Mei",
            "Juni",
            "Juli",
            "Agustus",
            "September",
            "Oktober",
            "November",
            "Desember"
        ]
    );
    assert_eq!(month_name(0), None);
    assert_eq!(month_name(13), None);
}

#[test]
fn digits_read_one_by_one() {
    assert_eq!(digits("4321"), "empat tiga dua satu");
    assert_eq!(digits("0000"), "nol nol nol nol");
    assert_eq!(digits("1234#"), "satu dua tiga empat pagar");
    assert_eq!(
        digits("0812-3456"),
        "nol delapan satu dua tiga empat lima enam"
    );
    assert_eq!(digits(""), "");
    assert_eq!(key('*'), Some("bintang"));
    assert_eq!(key('x'), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn words_read_back_to_the_same_number(n in 0u64..1_000_000_000_000_000) {
        prop_assert_eq!(parse_words(&number(n)), Ok(n));
    }

    #[test]
    fn small_numbers_read_back(n in 0u64..2_000_000) {
        prop_assert_eq!(parse_words(&number(n)), Ok(n));
    }

    #[test]
    fn any_u64_reads_back(n in any::<u64>()) {
        prop_assert_eq!(parse_words(&number(n)), Ok(n));
    }

    #[test]
    fn words_are_single_spaced_known_tokens(n in any::<u64>()) {
        let words = number(n);
        prop_assert!(!words.contains("  "));
        prop_assert!(!words.starts_with(' ') && !words.ends_with(' '));
        for token in words.split(' ') {
            let known = unit(token).is_some()
                || scale(token).is_some()
                || ["sepuluh", "sebelas", "seratus", "seribu", "belas", "puluh", "ratus"]
                    .contains(&token);
            prop_assert!(known, "{} in {}", token, words);
        }
        prop_assert_eq!(words == "nol", n == 0);
    }

    #[test]
    fn se_is_used_exactly_where_one_takes_it(n in any::<u64>()) {
        let words = number(n);
        let tokens: Vec<&str> = words.split(' ').collect();
        // "satu" is never followed by the words that take "se-", and a thousands group of
        // exactly one is "seribu" (though "enam puluh satu ribu" is right).
        for (i, pair) in tokens.windows(2).enumerate() {
            let whole_group = i == 0 || scale(tokens[i - 1]).is_some();
            prop_assert!(
                !(pair[0] == "satu" && ["ratus", "puluh", "belas"].contains(&pair[1])),
                "{}", words
            );
            prop_assert!(!(pair == ["satu", "ribu"] && whole_group), "{}", words);
        }
        // One thousands group reads "seribu"; any other value of it does not.
        let thousands = (n / 1000) % 1000;
        prop_assert_eq!(tokens.contains(&"seribu"), thousands == 1, "{}", words);
        // One million (and above) reads "satu juta".
        let millions = (n / 1_000_000) % 1000;
        // ("satu juta" as a whole group, not the end of "empat ratus satu juta").
        let has_satu_juta = tokens.windows(2).enumerate().any(|(i, w)| {
            w == ["satu", "juta"] && (i == 0 || scale(tokens[i - 1]).is_some())
        });
        prop_assert_eq!(has_satu_juta, millions == 1, "{}", words);
        // "seratus" appears once per group whose hundreds digit is one.
        let hundreds_ones = {
            let mut rest = n;
            let mut count = 0;
            while rest > 0 {
                if (rest % 1000) / 100 == 1 {
                    count += 1;
                }
                rest /= 1000;
            }
            count
        };
        prop_assert_eq!(tokens.iter().filter(|t| **t == "seratus").count(), hundreds_ones);
    }

    #[test]
    fn scale_words_fall_and_match_the_magnitude(n in 1u64..u64::MAX) {
        let words = number(n);
        let scales: Vec<u64> = words.split(' ').filter_map(|t| {
            if t == "seribu" { Some(1000) } else { scale(t) }
        }).collect();
        prop_assert!(scales.windows(2).all(|w| w[0] > w[1]), "{}", words);
        // The first scale word names the highest non-zero group of three digits.
        let groups = (n.ilog10() / 3) as usize;
        let expected = if groups == 0 { None } else { Some(SCALE_WORDS[groups - 1].1) };
        prop_assert_eq!(scales.first().copied(), expected, "{}", words);
    }

    #[test]
    fn more_digits_never_means_fewer_words(n in 1u64..1_000_000_000_000_000) {
        // Multiplying by a thousand adds a scale word (or turns nothing into "seribu").
        let small = number(n).split(' ').count();
        let big = number(n * 1000).split(' ').count();
        prop_assert!(big >= small, "{} vs {}", number(n), number(n * 1000));
        prop_assert!(parse_words(&number(n * 1000)) > parse_words(&number(n)));
    }

    #[test]
    fn rupiah_is_number_plus_currency(amount in any::<i64>()) {
        let spoken = rupiah(amount);
        let expected = if amount < 0 {
            format!("minus {} rupiah", number(amount.unsigned_abs()))
        } else {
            format!("{} rupiah", number(amount.unsigned_abs()))
        };
        prop_assert_eq!(spoken, expected);
    }

    #[test]
    fn dates_read_back(days in 0i64..73_000) {
        let d = ymd(1900, 1, 1) + chrono::Days::new(days as u64);
        let spoken = date(d);
        let month = d.month();
        let name = month_name(month).unwrap_or_default();
        let (day_words, year_words) = spoken
            .split_once(&format!(" {name} "))
            .ok_or_else(|| TestCaseError::fail(spoken.clone()))?;
        prop_assert_eq!(parse_words(day_words), Ok(u64::from(d.day())));
        prop_assert_eq!(parse_words(year_words), Ok(d.year() as u64));
        prop_assert_eq!(day_month(d), format!("{day_words} {name}"));
    }

    #[test]
    fn digit_strings_read_back(s in "[0-9]{0,20}") {
        let spoken = digits(&s);
        let back: String = if spoken.is_empty() {
            String::new()
        } else {
            spoken
                .split(' ')
                .map(|w| unit(w).map(|d| char::from(b'0' + d as u8)).unwrap_or('?'))
                .collect()
        };
        prop_assert_eq!(back, s);
    }
}
