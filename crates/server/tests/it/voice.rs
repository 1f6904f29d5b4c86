//! The voice line, VIKA, call by call: signed TwiML webhooks in, as Twilio sends them, and
//! every answer read with a strict XML parser and followed the way the provider would.

use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use server::config::Secret;
use server::sample::SampleParticipant;
use server::{AppState, Config};
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;
use voice::read::Element;
use voice::words;

const TOKEN: &str = "voice-auth-token-for-tests";
const BASE: &str = "https://layan.test/telepon";
/// A caller whose number is not registered to anyone in the demo data.
const STRANGER: &str = "+6281299990000";

fn config() -> Config {
    let mut config = Config::default();
    config.voice.auth_token = Secret::new(TOKEN);
    config.voice.public_url = Some(format!("{BASE}/"));
    config
}

async fn app() -> TestApp {
    TestApp::with_demo_config(300, config()).await
}

/// What one answer tells the caller.
#[derive(Debug)]
struct Heard {
    xml: String,
    root: Element,
}

impl Heard {
    /// Every spoken text, nested or not, in order.
    fn says(&self) -> Vec<String> {
        fn walk(e: &Element, out: &mut Vec<String>) {
            for child in e.elements() {
                match child.name.as_str() {
                    "Say" => out.push(child.text()),
                    "Gather" => walk(child, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    fn text(&self) -> String {
        self.says().join(" ")
    }

    fn has(&self, words: &str) -> bool {
        self.text().contains(words)
    }

    fn verbs(&self) -> Vec<&str> {
        self.root.element_names()
    }

    fn verb(&self, name: &str) -> Option<&Element> {
        self.root.elements().into_iter().find(|e| e.name == name)
    }

    fn gather(&self) -> Option<&Element> {
        self.verb("Gather")
    }

    fn hangs_up(&self) -> bool {
        self.verbs().last() == Some(&"Hangup")
    }
}

/// Checks an answer the way a strict provider would read it.
fn check(xml: &str) -> Heard {
    let root = voice::read::parse(xml).unwrap_or_else(|e| panic!("not well-formed: {e}\n{xml}"));
    assert_eq!(root.name, "Response", "{xml}");
    for verb in root.elements() {
        assert!(
            matches!(
                verb.name.as_str(),
                "Say" | "Play" | "Pause" | "Gather" | "Redirect" | "Dial" | "Hangup"
            ),
            "unknown verb {} in {xml}",
            verb.name
        );
        if verb.name == "Gather" {
            assert_eq!(verb.attr("input"), Some("dtmf"));
            assert!(verb.attr("action").unwrap().starts_with(BASE), "{xml}");
            for nested in verb.elements() {
                assert!(matches!(nested.name.as_str(), "Say" | "Play" | "Pause"));
            }
        }
    }
    let heard = Heard {
        xml: xml.to_string(),
        root,
    };
    for say in heard.says() {
        // Numbers are spoken as words, never as figures a voice may misread.
        assert!(
            !say.chars().any(|c| c.is_ascii_digit()),
            "figures in speech: {say}"
        );
    }
    for e in heard.root.elements() {
        let says: Vec<&Element> = if e.name == "Gather" {
            e.elements()
        } else {
            vec![e]
        };
        for s in says.into_iter().filter(|s| s.name == "Say") {
            assert_eq!(s.attr("language"), Some("id-ID"));
            assert_eq!(s.attr("voice"), Some("Google.id-ID-Standard-A"));
        }
    }
    heard
}

fn sign(url: &str, params: &[(String, String)]) -> String {
    voice::signature::expected_signature(TOKEN, url, params)
}

fn form(params: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// Posts a webhook to `url` (absolute, under BASE) with `header` as its signature.
async fn post_raw(
    state: &AppState,
    url: &str,
    params: &[(String, String)],
    header: Option<(&str, String)>,
) -> (StatusCode, String, Option<String>) {
    let headers: Vec<(&str, String)> = header.into_iter().collect();
    post_with(state, url, params, &headers).await
}

/// Posts a webhook to `url` (absolute, under BASE) with these headers.
async fn post_with(
    state: &AppState,
    url: &str,
    params: &[(String, String)],
    headers: &[(&str, String)],
) -> (StatusCode, String, Option<String>) {
    let path = url
        .strip_prefix(BASE)
        .unwrap_or_else(|| panic!("{url} is not under {BASE}"));
    let mut request =
        Request::post(path).header("content-type", "application/x-www-form-urlencoded");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = server::router(state.clone())
        .oneshot(request.body(Body::from(form(params))).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        String::from_utf8(bytes.to_vec()).unwrap(),
        content_type,
    )
}

/// Posts a correctly signed webhook and checks the TwiML that comes back.
async fn post(state: &AppState, url: &str, params: &[(String, String)]) -> Heard {
    let signature = sign(url, params);
    let (status, body, content_type) =
        post_raw(state, url, params, Some(("X-Twilio-Signature", signature))).await;
    assert_eq!(status, StatusCode::OK, "{url}: {body}");
    assert_eq!(content_type.as_deref(), Some("text/xml; charset=utf-8"));
    check(&body)
}

static CALLS: AtomicU32 = AtomicU32::new(0);

/// One phone call, played the way the provider plays it.
struct Phone {
    state: AppState,
    sid: String,
    from: String,
    /// The answer being followed.
    last: Heard,
}

impl Phone {
    fn params(sid: &str, from: &str, status: &str) -> Vec<(String, String)> {
        [
            ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
            ("ApiVersion", "2010-04-01"),
            ("CallSid", sid),
            ("CallStatus", status),
            ("Direction", "inbound"),
            ("From", from),
            ("To", "+622150000165"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn with(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut params = Self::params(&self.sid, &self.from, "in-progress");
        params.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        params
    }

    async fn call(state: &AppState, from: &str) -> Phone {
        let n = CALLS.fetch_add(1, Ordering::SeqCst);
        let sid = format!(
            "CA{:032x}",
            0xfeed_0000_u64 + u64::from(n) + u64::from(std::process::id()) * 1_000_000
        );
        let last = post(
            state,
            &format!("{BASE}/voice/twiml"),
            &Self::params(&sid, from, "ringing"),
        )
        .await;
        Phone {
            state: state.clone(),
            sid,
            from: from.to_string(),
            last,
        }
    }

    fn action(&self) -> String {
        self.last
            .gather()
            .unwrap_or_else(|| panic!("no Gather to answer:\n{}", self.last.xml))
            .attr("action")
            .unwrap()
            .to_string()
    }

    /// Presses keys in answer to the current Gather (the finish key is not sent, as Twilio).
    async fn press(&mut self, keys: &str) -> &Heard {
        let url = self.action();
        self.last = post(&self.state, &url, &self.with(&[("Digits", keys)])).await;
        &self.last
    }

    /// Lets the Gather time out: the provider follows the Redirect after it.
    async fn silence(&mut self) -> &Heard {
        let redirect = self
            .last
            .verb("Redirect")
            .unwrap_or_else(|| panic!("no Redirect after the Gather:\n{}", self.last.xml));
        assert_eq!(redirect.attr("method"), Some("POST"));
        let url = redirect.text();
        self.last = post(&self.state, &url, &self.with(&[])).await;
        &self.last
    }

    /// The caller hangs up: the status callback.
    async fn hang_up(&mut self) -> Heard {
        post(
            &self.state,
            &format!("{BASE}/voice/twiml/status"),
            &Self::params(&self.sid, &self.from, "completed"),
        )
        .await
    }

    /// Identifies with `id` and the birth date, confirming the read-back.
    async fn identify(&mut self, id: &str, birth_date: chrono::NaiveDate) -> &Heard {
        assert!(self.press(id).await.has("berakhiran"), "{}", self.last.xml);
        self.press("1").await;
        self.press(&birth_date.format("%d%m%Y").to_string()).await
    }

    async fn turns(&self) -> Vec<store::Turn> {
        let mut turns = self
            .state
            .store
            .recent_turns("voice", &self.sid, 200)
            .await
            .unwrap();
        turns.reverse();
        turns
    }

    async fn stored_state(&self) -> store::ConversationRecord {
        self.state
            .store
            .conversation("voice", &self.sid)
            .await
            .unwrap()
            .expect("the call is stored")
    }
}

fn last4(s: &str) -> String {
    words::digits(&s[s.len() - 4..])
}

/// Nothing the caller typed as an identifier is kept in full.
async fn assert_no_identifier_kept(phone: &Phone, who: &SampleParticipant) {
    let state = phone.stored_state().await.state.to_string();
    assert!(
        !state.contains(&who.nik) && !state.contains(&who.card_number),
        "{state}"
    );
    for turn in phone.turns().await {
        let all = format!("{} {}", turn.text, turn.body);
        assert!(!all.contains(&who.nik), "{all}");
        assert!(!all.contains(&who.card_number), "{all}");
        assert!(
            !all.contains(&who.birth_date.format("%d%m%Y").to_string()),
            "{all}"
        );
    }
}

#[tokio::test]
async fn an_active_participant_hears_that_their_card_is_active() {
    let app = app().await;
    let who = app.sample_of("active").await;
    let mut phone = Phone::call(&app.state, STRANGER).await;
    assert!(
        phone.last.has("Selamat datang di VIKA"),
        "{}",
        phone.last.xml
    );
    assert!(phone.last.has("Untuk status kartu JKN, tekan satu"));
    let gather = phone.last.gather().unwrap();
    assert_eq!(gather.attr("numDigits"), Some("1"));
    assert!(phone.last.verb("Redirect").is_some());

    let heard = phone.press("1").await;
    assert!(heard.has("NIK, enam belas digit"), "{}", heard.xml);
    assert_eq!(heard.gather().unwrap().attr("finishOnKey"), Some("#"));

    let heard = phone.press(&who.nik).await;
    assert!(
        heard.has(&format!(
            "NIK yang Bapak atau Ibu tekan berakhiran {}.",
            last4(&who.nik)
        )),
        "{}",
        heard.xml
    );
    assert!(heard.has("Jika benar, tekan satu"));
    let heard = phone.press("1").await;
    assert!(heard.has("tanggal lahir Bapak atau Ibu, delapan digit"));
    assert!(!heard.has("sama dengan nomor yang terdaftar"));
    assert_eq!(heard.gather().unwrap().attr("numDigits"), Some("8"));

    let heard = phone
        .press(&who.birth_date.format("%d%m%Y").to_string())
        .await;
    assert!(
        heard.has("identitas Bapak atau Ibu sudah terverifikasi"),
        "{}",
        heard.xml
    );
    assert!(
        heard.has("Status kartu JKN Bapak atau Ibu: aktif."),
        "{}",
        heard.xml
    );
    assert!(heard.has("Untuk mendengar tagihan iuran, tekan dua"));

    // 9 hears it again; 2 goes to the bill without asking again.
    assert!(phone
        .press("9")
        .await
        .has("Status kartu JKN Bapak atau Ibu: aktif."));
    let heard = phone.press("2").await;
    assert!(
        heard.has("Tagihan iuran keluarga Bapak atau Ibu"),
        "{}",
        heard.xml
    );
    assert!(heard.has("Tidak ada tunggakan."), "{}", heard.xml);

    // The agents see the call: both sides of every step, the participant once verified.
    let turns = phone.turns().await;
    assert_eq!(turns.first().unwrap().text, "[panggilan masuk]");
    assert!(turns
        .iter()
        .any(|t| t.text == "[nomor identitas, 16 digit]"));
    assert!(turns.iter().any(|t| t.text == "[tanggal lahir]"));
    assert!(turns.iter().any(
        |t| t.direction == "out" && t.text.contains("Status kartu JKN Bapak atau Ibu: aktif.")
    ));
    let record = phone.stored_state().await;
    assert!(record.participant_id.is_some());
    assert_eq!(record.status, "bot");
    assert_no_identifier_kept(&phone, &who).await;
}

#[tokio::test]
async fn the_bill_of_eight_months_in_arrears_is_read_in_words_with_its_rehab_offer() {
    let app = app().await;
    let who = app.sample_of("arrears_4_24").await;
    assert_eq!(who.months_in_arrears, 8, "the demo persona owes 8 months");
    // What the rules say this family owes today, to compare the words with.
    let participant = app
        .store
        .participant_by_card(&jkn::CardNumber::parse(&who.card_number).unwrap())
        .await
        .unwrap()
        .unwrap();
    let ledger = app.store.ledger(participant.family_id).await.unwrap();
    let today = app.state.today_for_district(participant.district_code);
    let rules = jkn::RulesConfig::default();
    let status = jkn::account_status(&ledger, today, &rules);
    let re = jkn::reactivation(&ledger, today, &rules);
    assert_eq!(status.months_in_arrears, 8);

    let mut phone = Phone::call(&app.state, STRANGER).await;
    assert!(phone
        .press("2")
        .await
        .has("nomor kartu JKN, tiga belas digit"));
    // The card number this time.
    let heard = phone.press(&who.card_number).await;
    assert!(
        heard.has(&format!(
            "Nomor kartu JKN yang Bapak atau Ibu tekan berakhiran {}.",
            last4(&who.card_number)
        )),
        "{}",
        heard.xml
    );
    phone.press("1").await;
    let heard = phone
        .press(&who.birth_date.format("%d%m%Y").to_string())
        .await
        .text();
    let arrears = format!(
        "Tunggakan: delapan bulan, sebesar {}.",
        words::rupiah(status.arrears.0)
    );
    assert!(heard.contains(&arrears), "{arrears}\n{heard}");
    assert!(
        heard.contains(&format!(
            "Jumlah yang harus dibayar agar kartu aktif kembali: {}.",
            words::rupiah(re.total.0)
        )),
        "{heard}"
    );
    assert!(heard.contains("Iuran bulan November:"), "{heard}");
    assert!(
        heard.contains("paling lambat tanggal sepuluh November"),
        "{heard}"
    );
    // 8 months: REHAB in 2 to 4 instalments, registration until the 28th.
    assert!(
        heard.contains("dapat dicicil lewat program REHAB, dengan dua sampai empat kali cicilan"),
        "{heard}"
    );
    assert!(
        heard.contains("paling lambat tanggal dua puluh delapan November"),
        "{heard}"
    );
    assert!(heard.contains("Untuk mendengar status kartu, tekan dua"));

    // 1: the details to the registered number, by SMS since WhatsApp is not configured.
    let phone_number = who.phone.clone().expect("the persona has a phone");
    let heard = phone.press("1").await.text();
    assert!(
        heard.contains(&format!(
            "Rincian sudah kami kirim lewat SMS ke nomor terdaftar yang berakhiran {}.",
            words::digits(&phone_number[phone_number.len() - 3..])
        )),
        "{heard}"
    );
    let sent = app
        .store
        .recent_outbound(Some(&phone_number), 5)
        .await
        .unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].channel, "sms");
    assert_eq!(sent[0].purpose, "voice_details");
    assert!(
        sent[0].body.contains("Tunggakan: 8 bulan"),
        "{}",
        sent[0].body
    );
    assert!(sent[0].body.contains("REHAB"), "{}", sent[0].body);

    // 2: the status, which points at the bill for the instalments.
    let heard = phone.press("2").await.text();
    assert!(
        heard.contains("Status kartu JKN Bapak atau Ibu: tidak aktif sejak tanggal satu "),
        "{heard}"
    );
    assert!(
        heard.contains(", karena ada tunggakan iuran delapan bulan."),
        "{heard}"
    );
    assert_no_identifier_kept(&phone, &who).await;
}

#[tokio::test]
async fn details_go_by_whatsapp_when_it_is_configured() {
    let mock = provider_mock::MockProvider::start(provider_mock::MockConfig::default())
        .await
        .unwrap();
    let mut config = config();
    crate::helpers::whatsapp_at_mock(&mut config, &mock, "wa-app-secret");
    config.whatsapp.template = Some("layan_pesan".into());
    let app = TestApp::with_demo_config(300, config).await;
    let who = app.sample_of("arrears_1_3").await;
    let number = who.phone.clone().unwrap();
    let mut phone = Phone::call(&app.state, STRANGER).await;
    phone.press("2").await;
    phone.identify(&who.nik, who.birth_date).await;
    let heard = phone.press("1").await.text();
    assert!(
        heard.contains("lewat WhatsApp ke nomor terdaftar"),
        "{heard}"
    );
    // The number never wrote on WhatsApp, so the approved template carries the details.
    assert!(
        mock.wait_for_accepted(1, std::time::Duration::from_secs(20))
            .await,
        "{:?}",
        mock.requests()
    );
    let sent: Vec<_> = mock
        .accepted()
        .into_iter()
        .filter(|r| r.recipient.as_deref() == Some(number.as_str()))
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].body["type"], "template");
    assert!(sent[0].body.to_string().contains("Tunggakan"));
}

#[tokio::test]
async fn a_caller_from_the_registered_number_still_gives_the_birth_date() {
    let app = app().await;
    let who = app.sample_of("active").await;
    let registered = who.phone.clone().unwrap();
    let local = format!("+{registered}");
    let mut phone = Phone::call(&app.state, &local).await;
    phone.press("1").await;
    phone.press(&who.nik).await;
    let heard = phone.press("1").await;
    assert!(
        heard.has("Nomor telepon ini sama dengan nomor yang terdaftar."),
        "{}",
        heard.xml
    );
    assert!(heard.has("tanggal lahir Bapak atau Ibu, delapan digit"));
    // 2 at the read-back types the number again.
    let mut other = Phone::call(&app.state, &local).await;
    other.press("1").await;
    other.press(&who.nik).await;
    assert!(other.press("2").await.has("NIK, enam belas digit"));
}

#[tokio::test]
async fn three_wrong_birth_dates_lock_identification_on_the_phone_and_in_the_chat() {
    let app = app().await;
    let who = app.sample_of("active").await;
    let wrong = (who.birth_date + chrono::Duration::days(1))
        .format("%d%m%Y")
        .to_string();
    let mut phone = Phone::call(&app.state, STRANGER).await;
    phone.press("1").await;
    phone.press(&who.nik).await;
    phone.press("1").await;
    let first = phone.press(&wrong).await.text();
    assert!(
        first.contains("tidak cocok dengan data kami. Sisa percobaan: dua kali."),
        "{first}"
    );
    assert!(first.contains("tekan bintang lalu pagar"), "{first}");
    let second = phone.press(&wrong).await.text();
    assert!(second.contains("Sisa percobaan: satu kali."), "{second}");
    let locked = phone.press(&wrong).await;
    // 03:00 UTC is 10:00 WIB: locked until the hour ends.
    assert!(
        locked.has("verifikasi dihentikan sementara karena terlalu banyak percobaan. Silakan coba lagi setelah pukul sebelas WIB"),
        "{}",
        locked.xml
    );
    assert!(
        locked.has("Untuk status kartu JKN, tekan satu"),
        "back at the menu"
    );
    // Asking again in this call: locked at once, no identifier asked.
    let again = phone.press("2").await;
    assert!(
        again.has("verifikasi dihentikan sementara"),
        "{}",
        again.xml
    );
    assert!(!again.has("NIK, enam belas digit"));

    // A new call from the same number, with the right data this time: still locked.
    let mut next = Phone::call(&app.state, STRANGER).await;
    next.press("1").await;
    let heard = next.identify(&who.nik, who.birth_date).await;
    assert!(
        heard.has("verifikasi dihentikan sementara"),
        "{}",
        heard.xml
    );
    assert!(!heard.has("Status kartu JKN Bapak atau Ibu"));

    // The web chat, with the same NIK and the right date: the lock holds there too.
    let chat = app
        .post(
            "/chat/messages",
            json!({"conversation_id": "0123456789abcdef0123456789abcdef", "message": {"type": "text", "text": format!("cek status {} {}", who.nik, who.birth_date.format("%d-%m-%Y"))}}),
        )
        .await;
    assert_eq!(chat.status, StatusCode::OK, "{}", chat.text);
    assert!(
        chat.text.contains("verifikasi dihentikan sementara"),
        "{}",
        chat.text
    );
    assert!(!chat.text.contains("AKTIF"), "{}", chat.text);
}

#[tokio::test]
async fn a_lock_earned_in_the_chat_holds_on_the_phone() {
    let app = app().await;
    let who = app.sample_of("active").await;
    let wrong = (who.birth_date + chrono::Duration::days(1))
        .format("%d-%m-%Y")
        .to_string();
    let say = |text: String| json!({"conversation_id": "fedcba9876543210fedcba9876543210", "message": {"type": "text", "text": text}});
    app.post("/chat/messages", say("cek status".into())).await;
    let mut last = String::new();
    for _ in 0..3 {
        last = app
            .post("/chat/messages", say(format!("{} {wrong}", who.nik)))
            .await
            .text;
    }
    assert!(last.contains("dihentikan sementara"), "{last}");
    let mut phone = Phone::call(&app.state, STRANGER).await;
    phone.press("1").await;
    let heard = phone.identify(&who.nik, who.birth_date).await;
    assert!(
        heard.has("verifikasi dihentikan sementara"),
        "{}",
        heard.xml
    );
}

#[tokio::test]
async fn an_unknown_number_and_a_wrong_birth_date_sound_the_same() {
    let app = app().await;
    let who = app.sample_of("active").await;
    let wrong = (who.birth_date + chrono::Duration::days(1))
        .format("%d%m%Y")
        .to_string();
    // A well-formed NIK nobody has: same region and date, another sequence number.
    let mut unknown = None;
    for n in 1..9999 {
        let candidate = jkn::Nik::parse(&format!("{}{n:04}", &who.nik[..12])).unwrap();
        if app
            .store
            .participant_by_nik(&candidate)
            .await
            .unwrap()
            .is_none()
        {
            unknown = Some(candidate.expose().to_string());
            break;
        }
    }
    let unknown = unknown.unwrap();
    let mut answers = Vec::new();
    for (from, id) in [
        ("+6281299990001", who.nik.as_str()),
        ("+6281299990002", unknown.as_str()),
    ] {
        let mut phone = Phone::call(&app.state, from).await;
        phone.press("1").await;
        let read_back = phone.press(id).await.text();
        assert!(read_back.contains("berakhiran"), "{read_back}");
        phone.press("1").await;
        answers.push(phone.press(&wrong).await.xml.clone());
    }
    // The callbacks differ only by the call they belong to, which is not in the URL.
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn malformed_identifiers_and_dates_are_explained_and_counted() {
    let app = app().await;
    let who = app.sample_of("active").await;
    let mut phone = Phone::call(&app.state, STRANGER).await;
    phone.press("1").await;
    let heard = phone.press("12345").await;
    assert!(
        heard.has("Maaf, nomor yang Bapak atau Ibu tekan lima digit."),
        "{}",
        heard.xml
    );
    assert!(heard.has("NIK, enam belas digit"));
    // A 16-digit number that is no NIK (month 13 of birth).
    let heard = phone.press("3509015313880001").await;
    assert!(
        heard.has("bukan NIK atau nomor kartu JKN yang sah"),
        "{}",
        heard.xml
    );
    let heard = phone.press("1").await;
    assert!(heard.has("nomor belum dapat kami kenali"), "{}", heard.xml);
    assert!(
        heard.has("Untuk status kartu JKN, tekan satu"),
        "back to the menu"
    );

    phone.press("1").await;
    phone.press(&who.nik).await;
    phone.press("1").await;
    let heard = phone.press("31021990").await;
    assert!(
        heard.has("Maaf, tanggal lahir itu belum sesuai."),
        "{}",
        heard.xml
    );
    // * goes back to the identifier, * at the identifier back to the menu.
    assert!(phone.press("*").await.has("NIK, enam belas digit"));
    assert!(phone
        .press("*")
        .await
        .has("Untuk status kartu JKN, tekan satu"));
    // Malformed input is not a verification attempt: no rate-limit hit, no lock.
    phone.press("1").await;
    let heard = phone.identify(&who.nik, who.birth_date).await;
    assert!(
        heard.has("Status kartu JKN Bapak atau Ibu: aktif."),
        "{}",
        heard.xml
    );
}

#[tokio::test]
async fn no_input_repeats_once_then_says_goodbye_and_a_wrong_key_explains() {
    let app = app().await;
    let mut phone = Phone::call(&app.state, STRANGER).await;
    let heard = phone.press("7").await;
    assert!(
        heard.has("Maaf, pilihan itu tidak tersedia."),
        "{}",
        heard.xml
    );
    assert!(heard.has("Untuk status kartu JKN, tekan satu"));
    assert!(phone
        .press("9")
        .await
        .text()
        .starts_with("Untuk status kartu JKN"));

    let heard = phone.silence().await;
    assert!(
        heard.has("Maaf, kami belum menerima tombol"),
        "{}",
        heard.xml
    );
    assert!(
        heard.has("Untuk status kartu JKN, tekan satu"),
        "the menu again"
    );
    assert!(heard.gather().is_some());
    let heard = phone.silence().await;
    assert!(
        heard.has("Terima kasih telah menghubungi VIKA"),
        "{}",
        heard.xml
    );
    assert!(heard.hangs_up());
    assert!(heard.gather().is_none());
    assert_eq!(phone.stored_state().await.status, "ended");

    // A key in between resets the count: silence, key, silence still repeats.
    let mut other = Phone::call(&app.state, STRANGER).await;
    other.silence().await;
    other.press("9").await;
    assert!(!other.silence().await.hangs_up());
}

#[tokio::test]
async fn hanging_up_mid_flow_ends_the_call_and_nothing_is_sent() {
    let app = app().await;
    let who = app.sample_of("active").await;
    let mut phone = Phone::call(&app.state, STRANGER).await;
    phone.press("2").await;
    phone.press(&who.nik).await;
    let pending = phone.action();
    let heard = phone.hang_up().await;
    assert!(heard.verbs().is_empty(), "{}", heard.xml);
    let record = phone.stored_state().await;
    assert_eq!(record.status, "ended");
    assert_eq!(record.participant_id, None);
    assert_eq!(
        phone.turns().await.last().unwrap().text,
        "[telepon ditutup]"
    );
    // A webhook that was still on its way gets a hang-up, not the next question.
    let late = post(
        &app.state,
        &pending,
        &phone.with(&[("Digits", "1"), ("CallStatus", "in-progress")]),
    )
    .await;
    assert_eq!(late.verbs(), vec!["Hangup"], "{}", late.xml);
    // A second status callback changes nothing.
    phone.hang_up().await;
    let turns = phone.turns().await;
    assert_eq!(
        turns
            .iter()
            .filter(|t| t.text == "[telepon ditutup]")
            .count(),
        1
    );
    assert_eq!(app.outbound_count().await, 0);
    assert!(app
        .store
        .case_by_number("TLP-000001")
        .await
        .unwrap()
        .is_none());

    // A status callback for a call never seen, and a hang-up carried by any webhook.
    let unknown = post(
        &app.state,
        &format!("{BASE}/voice/twiml/status"),
        &Phone::params("CAunknown", STRANGER, "completed"),
    )
    .await;
    assert!(unknown.verbs().is_empty());
    let mut other = Phone::call(&app.state, STRANGER).await;
    let url = other.action();
    let params = Phone::params(&other.sid, STRANGER, "completed");
    other.last = post(&app.state, &url, &params).await;
    assert!(other.last.verbs().is_empty(), "{}", other.last.xml);
    assert_eq!(other.stored_state().await.status, "ended");
}

#[tokio::test]
async fn a_call_back_request_becomes_a_case_with_the_callers_number_and_keys() {
    let app = app().await;
    let mut phone = Phone::call(&app.state, "+6281311112222").await;
    phone.press("9").await;
    let heard = phone.press("3").await.text();
    assert!(
        heard.contains("Permintaan telepon balik sudah kami catat, dengan nomor tiket satu."),
        "{heard}"
    );
    assert!(heard.contains("Ada lagi yang dapat kami bantu?"));
    let case = app
        .store
        .case_by_number("TLP-000001")
        .await
        .unwrap()
        .expect("the case is in the queue");
    assert_eq!(case.kind, "telepon_balik");
    assert_eq!(case.channel, "voice");
    assert_eq!(case.status, cases::CaseStatus::Submitted);
    assert_eq!(case.sender, "6281311112222");
    assert_eq!(case.fields["caller"], "6281311112222");
    assert_eq!(case.fields["reason"], "minta_telepon_balik");
    assert_eq!(case.fields["pressed"], json!(["9", "3"]));
    assert_eq!(case.fields["verified"], false);
    assert_eq!(case.participant_id, None);

    // Asking twice in one call makes no second case.
    let heard = phone.press("3").await.text();
    assert!(
        heard.contains("sudah tercatat, dengan nomor tiket satu"),
        "{heard}"
    );
    assert!(app
        .store
        .case_by_number("TLP-000002")
        .await
        .unwrap()
        .is_none());

    // A verified caller's case names the participant.
    let who = app.sample_of("arrears_1_3").await;
    let mut verified = Phone::call(&app.state, "+6281311113333").await;
    verified.press("1").await;
    verified.identify(&who.nik, who.birth_date).await;
    verified.press("*").await;
    verified.press("3").await;
    let case = app
        .store
        .case_by_number("TLP-000002")
        .await
        .unwrap()
        .unwrap();
    assert!(case.participant_id.is_some());
    assert_eq!(case.fields["verified"], true);
    assert_eq!(
        case.fields["pressed"],
        json!(["1", "nik", "1", "tanggal_lahir", "*", "3"])
    );

    // A withheld number cannot be called back.
    let mut hidden = Phone::call(&app.state, "anonymous").await;
    let heard = hidden.press("3").await.text();
    assert!(heard.contains("tidak terlihat oleh sistem kami"), "{heard}");
    assert!(app
        .store
        .case_by_number("TLP-000003")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn zero_makes_a_case_without_a_care_centre_number_and_dials_it_with_one() {
    let app = app().await;
    let mut phone = Phone::call(&app.state, STRANGER).await;
    let heard = phone.press("0").await.text();
    assert!(
        heard.contains("petugas belum dapat menerima sambungan langsung"),
        "{heard}"
    );
    let case = app
        .store
        .case_by_number("TLP-000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(case.fields["reason"], "minta_bicara_petugas");

    let mut config = config();
    config.voice.care_center_number = Some("+62215000165".into());
    let app = TestApp::with_demo_config(30, config).await;
    let mut phone = Phone::call(&app.state, STRANGER).await;
    let heard = phone.press("0").await;
    assert!(
        heard.has("akan kami sambungkan dengan petugas"),
        "{}",
        heard.xml
    );
    let dial = heard.verb("Dial").expect("a transfer");
    assert_eq!(dial.text(), "+62215000165");
    let action = dial.attr("action").unwrap().to_string();
    assert!(action.starts_with(&format!("{BASE}/voice/twiml/dial?seq=")));
    // Nobody answered: back to the menu, with the call-back offered.
    let busy = post(
        &app.state,
        &action,
        &phone.with(&[("DialCallStatus", "no-answer")]),
    )
    .await;
    assert!(busy.has("petugas kami sedang sibuk"), "{}", busy.xml);
    assert!(busy.has("Untuk status kartu JKN, tekan satu"));
    phone.last = busy;
    phone.press("0").await;
    let dial = phone
        .last
        .verb("Dial")
        .unwrap()
        .attr("action")
        .unwrap()
        .to_string();
    let done = post(
        &app.state,
        &dial,
        &phone.with(&[("DialCallStatus", "completed")]),
    )
    .await;
    assert_eq!(done.verbs(), vec!["Hangup"]);
    assert!(app
        .store
        .case_by_number("TLP-000001")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn webhooks_without_a_valid_signature_are_refused() {
    let app = app().await;
    let url = format!("{BASE}/voice/twiml");
    let params = Phone::params("CA0000000000000000000000000000000a", STRANGER, "ringing");
    let good = sign(&url, &params);
    let refused = |r: (StatusCode, String, Option<String>)| {
        assert_eq!(r.0, StatusCode::FORBIDDEN, "{}", r.1);
    };
    // No header, garbage, another token, another URL, a changed parameter.
    refused(post_raw(&app.state, &url, &params, None).await);
    refused(
        post_raw(
            &app.state,
            &url,
            &params,
            Some(("X-Twilio-Signature", "bm9wZQ==".into())),
        )
        .await,
    );
    let other_token = voice::signature::expected_signature("another-token", &url, &params);
    refused(
        post_raw(
            &app.state,
            &url,
            &params,
            Some(("X-Twilio-Signature", other_token)),
        )
        .await,
    );
    let other_url = sign("https://elsewhere.test/telepon/voice/twiml", &params);
    refused(
        post_raw(
            &app.state,
            &url,
            &params,
            Some(("X-Twilio-Signature", other_url)),
        )
        .await,
    );
    let mut changed = params.clone();
    changed.push(("Digits".into(), "1".into()));
    refused(
        post_raw(
            &app.state,
            &url,
            &changed,
            Some(("X-Twilio-Signature", good.clone())),
        )
        .await,
    );
    // The query string is signed too.
    let gather = format!("{BASE}/voice/twiml/gather?seq=1");
    let signed_without_query = sign(&format!("{BASE}/voice/twiml/gather"), &params);
    refused(
        post_raw(
            &app.state,
            &gather,
            &params,
            Some(("X-Twilio-Signature", signed_without_query)),
        )
        .await,
    );
    // Nothing was stored for the refused calls.
    assert!(app
        .store
        .conversation("voice", "CA0000000000000000000000000000000a")
        .await
        .unwrap()
        .is_none());
    assert!(app
        .get("/metrics")
        .await
        .text
        .contains("layan_webhook_rejected_total{channel=\"voice\",reason=\"signature\"} 6"));

    // The right signature, and SignalWire's header with the same scheme.
    let (status, _, _) = post_raw(
        &app.state,
        &url,
        &params,
        Some(("X-Twilio-Signature", good.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let sw = Phone::params("CA0000000000000000000000000000000b", STRANGER, "ringing");
    let (status, body, _) = post_raw(
        &app.state,
        &url,
        &sw,
        Some(("X-SignalWire-Signature", sign(&url, &sw))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check(&body);

    // A signed request without a CallSid is malformed.
    let no_sid: Vec<(String, String)> = vec![("From".into(), STRANGER.into())];
    let (status, _, _) = post_raw(
        &app.state,
        &url,
        &no_sid,
        Some(("X-Twilio-Signature", sign(&url, &no_sid))),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Telnyx (TeXML) signs with Ed25519 over `timestamp|body`; its call ids look like
/// `v3:9X2v...-aiQ`. A line set up with only the Telnyx key answers such calls step by step,
/// and refuses forgeries, stale signatures and HMAC signatures (no token is configured, so an
/// empty key must not open it).
#[tokio::test]
async fn a_telnyx_call_signed_with_ed25519_is_answered_and_forgeries_are_refused() {
    use base64::Engine as _;
    use ring::signature::{Ed25519KeyPair, KeyPair};
    let b64 = base64::engine::general_purpose::STANDARD;
    let account = Ed25519KeyPair::from_seed_unchecked(&[42; 32]).unwrap();
    let mut config = Config::default();
    config.voice.public_url = Some(format!("{BASE}/"));
    config.voice.telnyx_public_key = Some(b64.encode(account.public_key().as_ref()));
    let app = TestApp::with_demo_config(300, config).await;
    let now = app.clock_now().timestamp();
    let signed = |pair: &Ed25519KeyPair, at: i64, params: &[(String, String)]| {
        let ts = at.to_string();
        let message = [ts.as_bytes(), b"|", form(params).as_bytes()].concat();
        vec![
            (
                "telnyx-signature-ed25519",
                b64.encode(pair.sign(&message).as_ref()),
            ),
            ("telnyx-timestamp", ts),
        ]
    };
    let sid = "v3:9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ";
    let telnyx = |status: &str, extra: &[(&str, &str)]| -> Vec<(String, String)> {
        [
            ("AccountSid", "f5586561-8ff0-4291-a51b-c7dfe4139ff9"),
            ("CallSid", sid),
            ("CallSidLegacy", sid),
            ("CallStatus", status),
            ("Direction", "inbound"),
            ("From", STRANGER),
            ("To", "+622150000165"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };

    let url = format!("{BASE}/voice/twiml");
    let ringing = telnyx("ringing", &[]);
    let (status, body, _) =
        post_with(&app.state, &url, &ringing, &signed(&account, now, &ringing)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let menu = check(&body);
    let action = menu
        .gather()
        .expect("the menu gathers a key")
        .attr("action")
        .unwrap()
        .to_string();
    // The call goes on under its Telnyx id: 1 asks for the NIK or card number.
    let pressed = telnyx("in-progress", &[("Digits", "1")]);
    let (status, body, _) = post_with(
        &app.state,
        &action,
        &pressed,
        &signed(&account, now, &pressed),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(check(&body).has("NIK"), "{body}");
    assert!(app
        .state
        .store
        .conversation("voice", sid)
        .await
        .unwrap()
        .is_some());

    let refused = |r: (StatusCode, String, Option<String>)| {
        assert_eq!(r.0, StatusCode::FORBIDDEN, "{}", r.1);
    };
    let intruder = Ed25519KeyPair::from_seed_unchecked(&[7; 32]).unwrap();
    refused(
        post_with(
            &app.state,
            &url,
            &ringing,
            &signed(&intruder, now, &ringing),
        )
        .await,
    );
    refused(
        post_with(
            &app.state,
            &url,
            &ringing,
            &signed(&account, now - 301, &ringing),
        )
        .await,
    );
    let mut changed = ringing.clone();
    changed[5].1 = "+6281234567890".into();
    refused(post_with(&app.state, &url, &changed, &signed(&account, now, &ringing)).await);
    refused(post_with(&app.state, &url, &ringing, &[]).await);
    let empty_key = voice::signature::expected_signature("", &url, &ringing);
    refused(
        post_raw(
            &app.state,
            &url,
            &ringing,
            Some(("X-Twilio-Signature", empty_key)),
        )
        .await,
    );
}

#[tokio::test]
async fn the_voice_line_is_off_without_an_auth_token() {
    let app = TestApp::with_demo(30).await;
    let url = format!("{BASE}/voice/twiml");
    let params = Phone::params("CA0000000000000000000000000000000c", STRANGER, "ringing");
    let (status, _, _) = post_raw(
        &app.state,
        &url,
        &params,
        Some(("X-Twilio-Signature", sign(&url, &params))),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_retried_webhook_gets_the_same_answer_and_a_restart_continues_the_call() {
    let app = app().await;
    let who = app.sample_of("active").await;
    let mut phone = Phone::call(&app.state, STRANGER).await;
    // The incoming-call webhook retried: the same welcome, no second call.
    let again = post(
        &app.state,
        &format!("{BASE}/voice/twiml"),
        &Phone::params(&phone.sid, STRANGER, "ringing"),
    )
    .await;
    assert_eq!(again.xml, phone.last.xml);

    phone.press("1").await;
    let url = phone.action();
    let params = phone.with(&[("Digits", who.nik.as_str())]);
    let first = post(&app.state, &url, &params).await;
    let retried = post(&app.state, &url, &params).await;
    assert_eq!(first.xml, retried.xml);
    assert!(first.has("berakhiran"));
    let turns = phone.turns().await;
    assert_eq!(
        turns
            .iter()
            .filter(|t| t.text == "[nomor identitas, 16 digit]")
            .count(),
        1,
        "the retry was not processed again"
    );
    phone.last = first;

    // The server restarts: a new state over the same database continues the call.
    let restarted = AppState::new(app.store.clone(), config(), app.clock.clone())
        .await
        .unwrap();
    phone.state = restarted;
    phone.press("1").await;
    let heard = phone
        .press(&who.birth_date.format("%d%m%Y").to_string())
        .await;
    assert!(
        heard.has("Status kartu JKN Bapak atau Ibu: aktif."),
        "{}",
        heard.xml
    );
}

#[tokio::test]
async fn prerecorded_prompts_are_played_and_served_when_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config();
    config.data_dir = dir.path().to_path_buf();
    config.voice.prompts = true;
    let audio = dir.path().join("voice");
    std::fs::create_dir_all(&audio).unwrap();
    let wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    std::fs::write(audio.join("welcome.wav"), &wav).unwrap();
    std::fs::write(audio.join("menu.wav"), &wav).unwrap();
    let app = TestApp::with_demo_config(30, config).await;
    let phone = Phone::call(&app.state, STRANGER).await;
    let gather = phone.last.gather().unwrap();
    let plays: Vec<String> = gather
        .elements()
        .iter()
        .filter(|e| e.name == "Play")
        .map(|e| e.text())
        .collect();
    assert_eq!(
        plays,
        vec![
            format!("{BASE}/voice/audio/welcome.wav"),
            format!("{BASE}/voice/audio/menu.wav")
        ]
    );
    let served = app.get("/voice/audio/welcome.wav").await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.text.as_bytes(), &wav[..]);
    // Prompts without a recording are spoken; other files are not served.
    let mut phone = phone;
    assert!(phone
        .press("7")
        .await
        .says()
        .iter()
        .any(|s| s.contains("tidak tersedia")));
    assert_eq!(
        app.get("/voice/audio/goodbye.wav").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/voice/audio/..%2Flayan.db").await.status,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn the_voice_settings_come_from_the_environment_and_every_variable_is_documented() {
    let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let config = Config::load(
        None,
        env(&[
            ("LAYAN_VOICE_AUTH_TOKEN", "s3cret-token"),
            ("LAYAN_VOICE_PUBLIC_URL", "https://layan.example.org/"),
            ("LAYAN_VOICE_SAY_VOICE", "Polly.Aditi"),
            ("LAYAN_VOICE_CARE_CENTER_NUMBER", "+62215000165"),
            ("LAYAN_VOICE_PROMPTS", "yes"),
        ]),
    )
    .unwrap();
    assert!(config.voice.enabled());
    assert_eq!(config.voice_public_url(), "https://layan.example.org");
    assert_eq!(config.voice.say_voice, "Polly.Aditi");
    assert_eq!(
        config.voice.care_center_number.as_deref(),
        Some("+62215000165")
    );
    assert!(config.voice.prompts);
    assert!(!format!("{config:?}").contains("s3cret-token"));
    let off = Config::load(None, env(&[])).unwrap();
    assert!(!off.voice.enabled());
    assert_eq!(off.voice_public_url(), "http://127.0.0.1:8080");
    assert!(Config::load(
        None,
        env(&[("LAYAN_VOICE_PUBLIC_URL", "layan.example.org")])
    )
    .is_err());

    let readme = include_str!("../../../../README.md");
    for (var, key) in server::config::ENV_VARS {
        assert!(
            readme.contains(&format!("`{var}`")) && readme.contains(&format!("`{key}`")),
            "{var} ({key}) is not in the README's configuration table"
        );
    }
}

/// Marks `phone` as a number the participant verified in the WhatsApp chat from, the way the
/// chat's engine records it.
async fn verified_on_whatsapp(app: &TestApp, phone: &str, participant: store::ParticipantId) {
    app.store
        .save_conversation(&store::ConversationRecord {
            channel: "whatsapp".into(),
            sender: phone.into(),
            state: json!({}),
            status: "bot".into(),
            participant_id: Some(participant),
            updated_at: app.clock_now(),
        })
        .await
        .unwrap();
}

/// The stored participant behind a demo sample and the branch serving their regency.
async fn participant_and_office(
    app: &TestApp,
    who: &SampleParticipant,
) -> (store::Participant, store::Office) {
    let nik = jkn::Nik::parse(&who.nik).unwrap();
    let p = app.store.participant_by_nik(&nik).await.unwrap().unwrap();
    let office = app
        .store
        .office_for_regency(p.regency_code())
        .await
        .unwrap()
        .unwrap();
    (p, office)
}

#[tokio::test]
async fn a_caller_of_a_branch_closing_this_week_hears_it_before_the_menu() {
    let app = app().await;
    // Two participants with a phone, served by two different branches.
    let mut served = Vec::new();
    for who in app.sample().await {
        let Some(phone) = who.phone.clone() else {
            continue;
        };
        let (p, office) = participant_and_office(&app, &who).await;
        if served
            .iter()
            .all(|(_, _, o): &(_, _, store::Office)| o.id != office.id)
        {
            served.push((phone, p.id, office));
        }
    }
    assert!(
        served.len() >= 2,
        "the demo needs two branches with callers"
    );
    let (phone, participant, office) = served[0].clone();
    let (other_phone, _, _) = served[1].clone();
    let now = app.clock_now();
    app.store
        .add_closure(store::NewClosure {
            office_id: office.id,
            // Tuesday morning to Thursday afternoon, whatever the office's zone.
            starts_at: crate::helpers::at(2026, 11, 24, 1, 0),
            ends_at: crate::helpers::at(2026, 11, 26, 8, 0),
            reason: "Pemeliharaan jaringan listrik".into(),
            message: "Kantor tutup sementara.".into(),
            alternatives: vec![
                "WhatsApp PANDAWA 08118165165".into(),
                "Care Center 165".into(),
                "aplikasi Mobile JKN".into(),
            ],
            created_at: now,
            created_by: "kepala.cabang".into(),
        })
        .await
        .unwrap();

    // The participant's registered number is enough to know the branch.
    let mut call = Phone::call(&app.state, &format!("+{phone}")).await;
    let says = call.last.says();
    assert_eq!(says.len(), 3, "{}", call.last.xml);
    assert!(says[0].starts_with("Selamat datang di VIKA"), "{says:?}");
    assert!(
        says[1].starts_with(&format!(
            "Pemberitahuan: {} tutup mulai Selasa dua puluh empat November pukul",
            office.name
        )),
        "{says:?}"
    );
    assert!(
        says[1].contains(&format!(
            "{} sampai Kamis dua puluh enam November",
            office.timezone.abbreviation()
        )),
        "{says:?}"
    );
    assert!(
        says[1].ends_with(
            "Selama kantor tutup, Bapak atau Ibu tetap dapat dilayani lewat WhatsApp PANDAWA \
             nol delapan satu satu delapan satu enam lima satu enam lima, Care Center satu \
             enam lima, atau aplikasi Mobile JKN."
        ),
        "{says:?}"
    );
    assert!(says[2].starts_with("Untuk status kartu JKN, tekan satu"));
    // The announcement is in the call's history, and the menu works as always.
    let turns = call.turns().await;
    assert!(turns
        .iter()
        .any(|t| t.direction == "out" && t.text.contains("Pemberitahuan")));
    assert!(call.press("1").await.has("NIK, enam belas digit"));

    // Another branch's participant, and a stranger, hear nothing of it.
    let other = Phone::call(&app.state, &format!("+{other_phone}")).await;
    assert!(other.last.has("Selamat datang di VIKA"));
    assert!(!other.last.has("Pemberitahuan"), "{}", other.last.xml);
    let stranger = Phone::call(&app.state, STRANGER).await;
    assert!(!stranger.last.has("Pemberitahuan"));

    // A number of no participant hears it once the participant verified in the WhatsApp chat
    // from it.
    let new_number = "6285799990001";
    let before = Phone::call(&app.state, &format!("+{new_number}")).await;
    assert!(!before.last.has("Pemberitahuan"), "{}", before.last.xml);
    verified_on_whatsapp(&app, new_number, participant).await;
    let verified = Phone::call(&app.state, &format!("+{new_number}")).await;
    assert!(verified.last.has("Pemberitahuan"), "{}", verified.last.xml);

    // Once the closure is over, the welcome is the usual one again.
    app.clock.set(crate::helpers::at(2026, 11, 26, 9, 0));
    let after = Phone::call(&app.state, &format!("+{phone}")).await;
    assert!(!after.last.has("Pemberitahuan"), "{}", after.last.xml);
}

/// The story: once a closure is declared, a chat question, the office API and a call
/// to the voice line all report it, in the office's own time.
#[tokio::test]
async fn a_declared_closure_is_reported_by_the_chat_the_office_api_and_the_voice_line() {
    use server::outreach::closures::{self, ClosureForm};
    use server::outreach::{Ctx, Operator};

    let app = app().await;
    let mut caller = None;
    for who in app.sample().await {
        let Some(phone) = who.phone.clone() else {
            continue;
        };
        let (_, office) = participant_and_office(&app, &who).await;
        caller = Some((phone, office));
        break;
    }
    let (phone, office) = caller.expect("a demo participant with a phone");
    let tz = office.timezone.abbreviation();
    let local = |d: u32, h: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    };
    // Monday 23 November, 10:00 WIB at the test clock: closed since this morning.
    closures::declare(
        Ctx {
            store: &app.store,
            config: &app.state.config,
            now: app.clock_now(),
        },
        &Operator::Cli {
            name: "kepala.cabang".into(),
        },
        ClosureForm {
            office_id: office.id,
            from_local: local(23, 7),
            until_local: local(25, 15),
            reason: "Petugas terkonfirmasi positif COVID-19".into(),
            message: "Kantor disterilkan.".into(),
            alternatives: None,
            notify: false,
        },
    )
    .await
    .unwrap();

    // The chat, asked the way participants ask.
    let city = office
        .name
        .trim_start_matches("Kantor Cabang ")
        .to_lowercase();
    let r = app
        .post(
            "/chat/messages",
            json!({
                "conversation_id": "c1a55e0c1a55e0c1a55e0c1a55e0c1a5",
                "message": {"type": "text", "text": format!("kantor bpjs {city} buka ga hari ini")}
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let said: String = r.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(said.contains(&office.name), "{said}");
    assert!(
        said.contains(&format!(
            "ditutup sementara sampai Rabu, 25 November 2026 pukul 15.00 {tz}"
        )),
        "{said}"
    );
    assert!(said.contains("Care Center 165"), "{said}");

    // The office API.
    let api = app.get(&format!("/api/v1/offices/{}", office.id.0)).await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.body["open_now"], false, "{}", api.text);
    assert_eq!(
        api.body["closures"][0]["reason"],
        "Petugas terkonfirmasi positif COVID-19"
    );

    // The voice line, called from the participant's registered number.
    let call = Phone::call(&app.state, &format!("+{phone}")).await;
    let says = call.last.says();
    assert!(
        says.iter().any(|s| s.starts_with(&format!(
            "Pemberitahuan: {} sedang tutup sampai Rabu dua puluh lima November",
            office.name
        ))),
        "{says:?}"
    );
}
