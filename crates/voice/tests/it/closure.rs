//! The closure announcement after the welcome: dates and times in words, in the office's own
//! zone, only for a closure in force or coming within a week, and the menu unchanged after it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use voice::call::{Call, Event, Expect, Next, Settings, Step, Turn};
use voice::prompts::{closure_notice, speakable, ClosureNotice, PromptId, Speech};

/// Monday 23 November 2026, 10:00 WIB.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn palembang() -> ClosureNotice {
    ClosureNotice {
        office: "Kantor Cabang Palembang".into(),
        utc_offset_secs: 7 * 3600,
        zone: "WIB".into(),
        // Tuesday 08:00 WIB to Thursday 16:00 WIB.
        starts_at: utc(2026, 11, 24, 1, 0),
        ends_at: utc(2026, 11, 26, 9, 0),
        alternatives: vec![
            "WhatsApp PANDAWA 0811-8165-165".into(),
            "Care Center 165.".into(),
            "aplikasi Mobile JKN".into(),
        ],
    }
}

#[test]
fn an_upcoming_closure_is_said_with_days_and_times_in_words() {
    assert_eq!(
        closure_notice(&palembang(), now()).unwrap(),
        "Pemberitahuan: Kantor Cabang Palembang tutup mulai Selasa dua puluh empat November \
         pukul delapan pagi WIB sampai Kamis dua puluh enam November pukul empat sore WIB. \
         Selama kantor tutup, Bapak atau Ibu tetap dapat dilayani lewat WhatsApp PANDAWA \
         nol delapan satu satu delapan satu enam lima satu enam lima, Care Center satu enam \
         lima, atau aplikasi Mobile JKN."
    );
}

#[test]
fn times_are_the_offices_own_even_across_midnight() {
    // 16:00 UTC is already the next day, midnight, in Makassar: whole days, in WITA.
    let makassar = ClosureNotice {
        office: "Kantor Cabang Makassar".into(),
        utc_offset_secs: 8 * 3600,
        zone: "WITA".into(),
        starts_at: utc(2026, 11, 24, 16, 0),
        ends_at: utc(2026, 11, 26, 16, 0),
        alternatives: vec!["Care Center 165".into()],
    };
    assert_eq!(
        closure_notice(&makassar, now()).unwrap(),
        "Pemberitahuan: Kantor Cabang Makassar tutup mulai Rabu dua puluh lima November \
         sampai dengan Kamis dua puluh enam November. Selama kantor tutup, Bapak atau Ibu \
         tetap dapat dilayani lewat Care Center satu enam lima."
    );
    // The same instants said for Jayapura: 01:30 WIT on Wednesday, 01:30 WIT on Friday.
    let jayapura = ClosureNotice {
        office: "Kantor Cabang Jayapura".into(),
        utc_offset_secs: 9 * 3600,
        zone: "WIT".into(),
        starts_at: utc(2026, 11, 24, 16, 30),
        ends_at: utc(2026, 11, 26, 16, 30),
        alternatives: Vec::new(),
    };
    assert_eq!(
        closure_notice(&jayapura, now()).unwrap(),
        "Pemberitahuan: Kantor Cabang Jayapura tutup mulai Rabu dua puluh lima November \
         pukul satu lewat tiga puluh menit pagi WIT sampai Jumat dua puluh tujuh November \
         pukul satu lewat tiga puluh menit pagi WIT."
    );
}

#[test]
fn a_closure_in_force_says_until_when() {
    let notice = ClosureNotice {
        starts_at: now() - Duration::hours(3),
        // Until Wednesday 23:59 WIB: the whole of Wednesday.
        ends_at: utc(2026, 11, 25, 16, 59),
        ..palembang()
    };
    let said = closure_notice(&notice, now()).unwrap();
    assert!(
        said.starts_with(
            "Pemberitahuan: Kantor Cabang Palembang sedang tutup sampai dengan Rabu dua puluh \
             lima November. Selama kantor tutup,"
        ),
        "{said}"
    );
}

#[test]
fn the_year_is_said_only_when_it_is_not_this_one() {
    let notice = ClosureNotice {
        starts_at: utc(2026, 12, 30, 1, 0),
        ends_at: utc(2027, 1, 2, 9, 0),
        ..palembang()
    };
    let said = closure_notice(&notice, utc(2026, 12, 28, 3, 0)).unwrap();
    assert!(
        said.contains(
            "mulai Rabu tiga puluh Desember pukul delapan pagi WIB sampai Sabtu dua Januari \
             dua ribu dua puluh tujuh pukul empat sore WIB."
        ),
        "{said}"
    );
}

#[test]
fn only_closures_within_a_week_and_not_over_are_announced() {
    let far = ClosureNotice {
        starts_at: now() + Duration::days(7) + Duration::minutes(1),
        ends_at: now() + Duration::days(9),
        ..palembang()
    };
    assert_eq!(closure_notice(&far, now()), None);
    let week = ClosureNotice {
        starts_at: now() + Duration::days(7),
        ..far.clone()
    };
    assert!(closure_notice(&week, now()).is_some());
    let over = ClosureNotice {
        starts_at: now() - Duration::days(2),
        ends_at: now(),
        ..palembang()
    };
    assert_eq!(closure_notice(&over, now()), None);
}

#[test]
fn hours_of_the_day_have_their_part_of_the_day() {
    let at = |h: u32, m: u32| {
        let notice = ClosureNotice {
            starts_at: utc(2026, 11, 24, 0, 0)
                + Duration::hours(i64::from(h) - 7)
                + Duration::minutes(i64::from(m)),
            ends_at: utc(2026, 11, 30, 0, 0),
            ..palembang()
        };
        let said = closure_notice(&notice, now()).unwrap();
        let from = said.find("pukul").unwrap();
        let to = said.find(" WIB").unwrap();
        said[from..to].to_string()
    };
    assert_eq!(at(8, 0), "pukul delapan pagi");
    assert_eq!(at(11, 0), "pukul sebelas siang");
    assert_eq!(at(12, 0), "pukul dua belas siang");
    assert_eq!(at(13, 15), "pukul satu lewat lima belas menit siang");
    assert_eq!(at(16, 0), "pukul empat sore");
    assert_eq!(at(19, 0), "pukul tujuh malam");
}

#[test]
fn written_alternatives_become_words() {
    assert_eq!(speakable("Care Center 165"), "Care Center satu enam lima");
    assert_eq!(
        speakable("WhatsApp +62 811-816"),
        "WhatsApp enam dua delapan satu satu delapan satu enam"
    );
    assert_eq!(
        speakable("https://www.bpjs-kesehatan.go.id/"),
        "www.bpjs-kesehatan.go.id"
    );
    assert_eq!(
        speakable("Loket 2A, lantai 1."),
        "Loket dua A, lantai satu."
    );
    assert_eq!(
        speakable("Care Center 165 (24 jam)"),
        "Care Center satu enam lima (dua puluh empat jam)"
    );
    assert_eq!(speakable("Kode 07"), "Kode nol tujuh");
}

fn incoming(closure: Option<ClosureNotice>) -> (Call, Vec<Speech>) {
    let mut call = Call::new();
    match call.on(Event::Incoming { closure }, now(), &Settings::default()) {
        Turn::Reply(r) => {
            assert_eq!(r.next, Next::Gather(Expect::KEY));
            (call, r.speech)
        }
        Turn::Do(a) => panic!("an incoming call needs no action: {a:?}"),
    }
}

#[test]
fn the_announcement_comes_between_the_welcome_and_the_menu() {
    let (mut call, speech) = incoming(Some(palembang()));
    assert_eq!(
        speech,
        vec![
            PromptId::Welcome.into(),
            Speech::Text(closure_notice(&palembang(), now()).unwrap()),
            PromptId::Menu.into(),
        ]
    );
    // The menu keys work as in any call.
    let turn = call.on(Event::Digits("1".into()), now(), &Settings::default());
    assert_eq!(
        turn,
        Turn::Reply(voice::call::Reply {
            speech: vec![PromptId::AskIdentity.into()],
            next: Next::Gather(Expect::IDENTITY),
        })
    );
    assert!(matches!(call.step, Step::Identity { .. }));
}

#[test]
fn a_far_closure_leaves_the_welcome_as_it_is() {
    let far = ClosureNotice {
        starts_at: now() + Duration::days(20),
        ends_at: now() + Duration::days(21),
        ..palembang()
    };
    let (_, speech) = incoming(Some(far));
    assert_eq!(
        speech,
        vec![PromptId::Welcome.into(), PromptId::Menu.into()]
    );
}
