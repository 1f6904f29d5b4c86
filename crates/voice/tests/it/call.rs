//! The call machine without a server: a small in-memory stand-in performs its actions.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use voice::call::{
    Action, Call, CallbackReason, Event, Expect, Next, Outcome, Reply, Settings, Step, Topic, Turn,
};
use voice::keypad::IdentityInput;
use voice::prompts::{IdentityKind, PromptId, Speech, Via};

const NIK: &str = "3509014503880001";
const BORN: &str = "05031988";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
}

/// What the stand-in server knows: one participant, a phone, a failure count it reports.
struct World {
    settings: Settings,
    actions: Vec<Action>,
    registered_phone: bool,
    caller_number: bool,
    cases: u32,
}

impl World {
    fn new() -> World {
        World {
            settings: Settings::default(),
            actions: Vec::new(),
            registered_phone: true,
            caller_number: true,
            cases: 0,
        }
    }

    fn perform(&mut self, action: Action) -> Outcome {
        self.actions.push(action.clone());
        match action {
            Action::LookUp(id) => Outcome::LookedUp {
                phone_matches: matches!(id, IdentityInput::Card(_)),
            },
            Action::Verify(date) => {
                if date == NaiveDate::from_ymd_opt(1988, 3, 5).unwrap() {
                    Outcome::Verified
                } else {
                    Outcome::Mismatch
                }
            }
            Action::Lock => Outcome::Locked {
                until: now() + Duration::hours(1),
            },
            Action::Answer(Topic::Status) => Outcome::Answer("STATUS".into()),
            Action::Answer(Topic::Bill) => Outcome::Answer("TAGIHAN".into()),
            Action::SendDetails(_) if self.registered_phone => Outcome::Sent {
                via: Via::Sms,
                ending: "789".into(),
            },
            Action::SendDetails(_) => Outcome::NoPhone,
            Action::Callback(_) if self.caller_number => {
                self.cases += 1;
                Outcome::CaseCreated {
                    number: format!("TLP-{:06}", self.cases),
                }
            }
            Action::Callback(_) => Outcome::NoCallerNumber,
        }
    }

    fn on(&mut self, call: &mut Call, event: Event) -> Reply {
        let mut turn = call.on(event, now(), &self.settings);
        loop {
            match turn {
                Turn::Reply(r) => return r,
                Turn::Do(a) => {
                    let outcome = self.perform(a);
                    turn = call.resume(outcome, &self.settings);
                }
            }
        }
    }

    fn press(&mut self, call: &mut Call, keys: &str) -> Reply {
        self.on(call, Event::Digits(keys.into()))
    }
}

fn has(reply: &Reply, prompt: PromptId) -> bool {
    reply.speech.contains(&Speech::Prompt(prompt))
}

fn start() -> (World, Call, Reply) {
    let mut world = World::new();
    let mut call = Call::new();
    let reply = world.on(&mut call, Event::Incoming { closure: None });
    (world, call, reply)
}

#[test]
fn an_incoming_call_is_welcomed_with_the_menu() {
    let (_, call, reply) = start();
    assert_eq!(
        reply.speech,
        vec![PromptId::Welcome.into(), PromptId::Menu.into()]
    );
    assert_eq!(reply.next, Next::Gather(Expect::KEY));
    assert_eq!(call.step, Step::Menu);
}

#[test]
fn status_after_identification_with_a_read_back() {
    let (mut w, mut call, _) = start();
    let r = w.press(&mut call, "1");
    assert_eq!(r.speech, vec![PromptId::AskIdentity.into()]);
    assert_eq!(r.next, Next::Gather(Expect::IDENTITY));
    // Twilio leaves the finish key out; some providers keep it.
    let r = w.press(&mut call, &format!("{NIK}#"));
    assert_eq!(
        r.speech,
        vec![
            Speech::Text("NIK yang Bapak atau Ibu tekan berakhiran nol nol nol satu.".into()),
            PromptId::ConfirmOptions.into()
        ]
    );
    assert!(matches!(
        &call.step,
        Step::Confirm { kind: IdentityKind::Nik, last4, phone_matches: false, .. } if last4 == "0001"
    ));
    let r = w.press(&mut call, "1");
    assert_eq!(r.speech, vec![PromptId::AskBirthDate.into()]);
    assert_eq!(r.next, Next::Gather(Expect::DATE));
    let r = w.press(&mut call, BORN);
    assert_eq!(
        r.speech,
        vec![
            PromptId::Verified.into(),
            Speech::Text("STATUS".into()),
            PromptId::AfterStatus.into()
        ]
    );
    assert!(call.verified);
    assert_eq!(
        call.step,
        Step::Answered {
            topic: Topic::Status
        }
    );
    // The other topic, again, the details, back to the menu, then no second identification.
    assert_eq!(
        w.press(&mut call, "2").speech[0],
        Speech::Text("TAGIHAN".into())
    );
    assert_eq!(
        w.press(&mut call, "9").speech[0],
        Speech::Text("TAGIHAN".into())
    );
    let r = w.press(&mut call, "1");
    assert_eq!(
        r.speech[0],
        Speech::Text("Rincian sudah kami kirim lewat SMS ke nomor terdaftar yang berakhiran tujuh delapan sembilan.".into())
    );
    assert!(has(&r, PromptId::AfterBill));
    assert_eq!(w.press(&mut call, "*").speech, vec![PromptId::Menu.into()]);
    let r = w.press(&mut call, "1");
    assert_eq!(r.speech[0], Speech::Text("STATUS".into()));
    assert_eq!(
        call.pressed,
        vec!["1", "nik", "1", "tanggal_lahir", "2", "9", "1", "*", "1"]
    );
    // Only the last four digits were kept.
    let stored = format!("{call:?}");
    assert!(!stored.contains(NIK) && !stored.contains(BORN), "{stored}");
}

#[test]
fn a_matching_phone_is_acknowledged_but_the_birth_date_is_still_asked() {
    let (mut w, mut call, _) = start();
    w.press(&mut call, "2");
    let r = w.press(&mut call, "0001234567890");
    assert_eq!(
        r.speech[0],
        Speech::Text(
            "Nomor kartu JKN yang Bapak atau Ibu tekan berakhiran tujuh delapan sembilan nol."
                .into()
        )
    );
    let r = w.press(&mut call, "1");
    assert_eq!(
        r.speech,
        vec![PromptId::PhoneMatches.into(), PromptId::AskBirthDate.into()]
    );
    assert!(!call.verified);
}

#[test]
fn three_failures_lock_and_the_lock_is_remembered_in_the_call() {
    let (mut w, mut call, _) = start();
    w.press(&mut call, "1");
    w.press(&mut call, NIK);
    w.press(&mut call, "1");
    let r = w.press(&mut call, "06031988");
    assert_eq!(
        r.speech,
        vec![
            Speech::Text("Maaf, data yang Bapak atau Ibu masukkan tidak cocok dengan data kami. Sisa percobaan: dua kali.".into()),
            PromptId::RetryBirthDate.into()
        ]
    );
    assert!(w.press(&mut call, "07031988").text().contains("satu kali"));
    let r = w.press(&mut call, "08031988");
    assert!(r.text().contains("pukul sebelas WIB"), "{}", r.text());
    assert!(has(&r, PromptId::Menu));
    assert_eq!(w.actions.last(), Some(&Action::Lock));
    assert_eq!(call.locked_until, Some(now() + Duration::hours(1)));
    let before = w.actions.len();
    let r = w.press(&mut call, "2");
    assert!(r.text().contains("dihentikan sementara"));
    assert_eq!(w.actions.len(), before, "nothing is looked up while locked");
}

#[test]
fn star_goes_back_and_mistyped_input_is_explained_then_given_up() {
    let (mut w, mut call, _) = start();
    w.press(&mut call, "1");
    w.press(&mut call, NIK);
    w.press(&mut call, "1");
    assert_eq!(
        w.press(&mut call, "*").speech,
        vec![PromptId::AskIdentity.into()]
    );
    assert_eq!(w.press(&mut call, "*#").speech, vec![PromptId::Menu.into()]);
    w.press(&mut call, "1");
    let r = w.press(&mut call, "123");
    assert_eq!(
        r.speech,
        vec![
            Speech::Text("Maaf, nomor yang Bapak atau Ibu tekan tiga digit. NIK terdiri dari enam belas digit, dan nomor kartu JKN tiga belas digit.".into()),
            PromptId::AskIdentity.into()
        ]
    );
    assert!(has(
        &w.press(&mut call, "3509015313880001"),
        PromptId::IdentityInvalid
    ));
    let r = w.press(&mut call, "12*4");
    assert_eq!(
        r.speech,
        vec![PromptId::IdentityGiveUp.into(), PromptId::Menu.into()]
    );
    assert_eq!(call.step, Step::Menu);
    // Dates: two mistakes, then a good one resets the count.
    w.press(&mut call, "1");
    w.press(&mut call, NIK);
    w.press(&mut call, "1");
    assert!(has(
        &w.press(&mut call, "3102199"),
        PromptId::BirthDateInvalid
    ));
    assert!(has(
        &w.press(&mut call, "31021990"),
        PromptId::BirthDateInvalid
    ));
    assert!(w
        .press(&mut call, BORN)
        .speech
        .contains(&Speech::Text("STATUS".into())));
    assert!(!w.actions.iter().any(
        |a| matches!(a, Action::Verify(d) if *d != NaiveDate::from_ymd_opt(1988, 3, 5).unwrap())
    ));
}

#[test]
fn silence_repeats_once_then_ends_the_call() {
    let (mut w, mut call, _) = start();
    let r = w.on(&mut call, Event::Silence);
    assert_eq!(
        r.speech,
        vec![PromptId::NoInput.into(), PromptId::Menu.into()]
    );
    let r = w.on(&mut call, Event::Silence);
    assert_eq!(
        r.speech,
        vec![PromptId::NoInput.into(), PromptId::Goodbye.into()]
    );
    assert_eq!(r.next, Next::Hangup);
    assert!(call.ended());
    assert_eq!(w.press(&mut call, "1").next, Next::Hangup);

    // Mid-identification the question is repeated, not the menu.
    let (mut w, mut call, _) = start();
    w.press(&mut call, "1");
    let r = w.on(&mut call, Event::Silence);
    assert_eq!(
        r.speech,
        vec![PromptId::NoInput.into(), PromptId::AskIdentity.into()]
    );
}

#[test]
fn wrong_keys_explain_the_options_of_the_step() {
    let (mut w, mut call, _) = start();
    for key in ["4", "5", "6", "7", "8", "#", "*", "12"] {
        let r = w.press(&mut call, key);
        assert_eq!(
            r.speech,
            vec![PromptId::WrongKey.into(), PromptId::Menu.into()],
            "{key}"
        );
    }
    assert_eq!(w.press(&mut call, "9").speech, vec![PromptId::Menu.into()]);
    assert!(w.actions.is_empty());
    // The agents see every key, the wrong ones too.
    assert_eq!(
        call.pressed,
        vec!["4", "5", "6", "7", "8", "#", "*", "12", "9"]
    );
}

#[test]
fn call_backs_and_agents() {
    let (mut w, mut call, _) = start();
    let r = w.press(&mut call, "3");
    assert_eq!(w.actions, vec![Action::Callback(CallbackReason::Requested)]);
    assert!(r.text().contains("nomor tiket satu"), "{}", r.text());
    assert!(has(&r, PromptId::AnythingElse) && has(&r, PromptId::Menu));
    let r = w.press(&mut call, "3");
    assert!(r.text().contains("sudah tercatat"));
    assert_eq!(w.cases, 1);
    // 0 with no number: a case of its own kind.
    let r = w.press(&mut call, "0");
    assert_eq!(
        w.actions.last(),
        Some(&Action::Callback(CallbackReason::AgentNow))
    );
    assert!(r.text().contains("belum dapat menerima sambungan langsung"));

    // 0 with a number: a transfer; unanswered, the menu again; answered, the end.
    let (mut w, mut call, _) = start();
    w.settings.agent_number = Some("+62215000165".into());
    let r = w.press(&mut call, "0");
    assert_eq!(r.next, Next::Dial("+62215000165".into()));
    assert_eq!(r.speech, vec![PromptId::Connecting.into()]);
    let r = w.on(&mut call, Event::DialEnded { answered: false });
    assert_eq!(
        r.speech,
        vec![PromptId::AgentBusy.into(), PromptId::Menu.into()]
    );
    w.press(&mut call, "0");
    let r = w.on(&mut call, Event::DialEnded { answered: true });
    assert_eq!(r.next, Next::Hangup);
    assert!(call.ended());

    // No caller number, no call-back.
    let (mut w, mut call, _) = start();
    w.caller_number = false;
    let r = w.press(&mut call, "3");
    assert!(has(&r, PromptId::NoCallerNumber));
    assert_eq!(call.callback_case, None);
}

#[test]
fn no_registered_phone_means_no_details() {
    let (mut w, mut call, _) = start();
    w.registered_phone = false;
    w.press(&mut call, "2");
    w.press(&mut call, NIK);
    w.press(&mut call, "1");
    w.press(&mut call, BORN);
    let r = w.press(&mut call, "1");
    assert_eq!(
        r.speech,
        vec![PromptId::NoPhone.into(), PromptId::AfterBill.into()]
    );
}

#[test]
fn a_hang_up_ends_the_call_at_any_step() {
    let (mut w, mut call, _) = start();
    w.press(&mut call, "1");
    let r = w.on(&mut call, Event::HungUp);
    assert_eq!(r.next, Next::Nothing);
    assert!(r.speech.is_empty());
    assert!(call.ended());
}

#[test]
fn the_state_survives_a_round_trip_through_json() {
    let (mut w, mut call, _) = start();
    w.press(&mut call, "1");
    w.press(&mut call, NIK);
    // The server stores the call as JSON between webhooks; a restart reads it back.
    let json = serde_json::to_string(&call).unwrap();
    assert!(json.contains("\"step\":\"confirm\""), "{json}");
    assert!(!json.contains(NIK), "{json}");
    let mut restored: Call = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, call);
    let r = w.press(&mut restored, "1");
    assert_eq!(r.speech, vec![PromptId::AskBirthDate.into()]);
}

#[test]
fn every_fixed_prompt_has_its_own_id_and_speaks_no_figures() {
    let mut ids: Vec<&str> = PromptId::ALL.iter().map(|p| p.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), PromptId::ALL.len());
    for p in PromptId::ALL {
        assert_eq!(PromptId::from_id(p.id()), Some(p));
        assert!(p.id().bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
        let text = p.text();
        assert!(text.ends_with(['.', '?']), "{text}");
        assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
    }
    assert_eq!(PromptId::from_id("../etc/passwd"), None);
}
