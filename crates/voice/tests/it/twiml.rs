use crate::xml::{is_xml_char, parse, Element};
use proptest::prelude::*;
use voice::twiml::{
    Dial, Gather, Method, Pause, Play, Prompt, Redirect, Response, Say, Verb, CONTENT_TYPE,
    DECLARATION,
};

fn root(response: &Response) -> Element {
    let xml = response.to_xml();
    let root = parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(root.name, "Response");
    assert!(root.attrs.is_empty());
    root
}

fn menu() -> Response {
    Response::new()
        .gather(
            Gather::dtmf("https://layan.example/voice/menu")
                .num_digits(1)
                .say(Say::new(
                    "Tekan satu untuk status kartu. Tekan dua untuk tagihan.",
                ))
                .pause(Pause::seconds(1))
                .play(Play::new("https://layan.example/audio/menu.mp3")),
        )
        .redirect(Redirect::post("https://layan.example/voice/menu?retry=1"))
}

#[test]
fn the_menu_is_exactly_this_document() {
    let expected = concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n<Response>",
        r##"<Gather input="dtmf" numDigits="1" finishOnKey="#" timeout="5" "##,
        r#"action="https://layan.example/voice/menu" method="POST" language="id-ID">"#,
        r#"<Say language="id-ID">Tekan satu untuk status kartu. Tekan dua untuk tagihan.</Say>"#,
        r#"<Pause length="1"/>"#,
        "<Play>https://layan.example/audio/menu.mp3</Play>",
        "</Gather>",
        r#"<Redirect method="POST">https://layan.example/voice/menu?retry=1&amp;x=1</Redirect>"#,
        "</Response>",
    );
    let response = Response::new()
        .gather(
            Gather::dtmf("https://layan.example/voice/menu")
                .num_digits(1)
                .say(Say::new(
                    "Tekan satu untuk status kartu. Tekan dua untuk tagihan.",
                ))
                .pause(Pause::seconds(1))
                .play(Play::new("https://layan.example/audio/menu.mp3")),
        )
        .redirect(Redirect::post(
            "https://layan.example/voice/menu?retry=1&x=1",
        ));
    assert_eq!(response.to_xml(), expected);
}

#[test]
fn the_menu_nests_prompts_in_the_gather_and_falls_through_to_a_redirect() {
    let root = root(&menu());
    assert_eq!(root.element_names(), vec!["Gather", "Redirect"]);
    let gather = root.elements()[0];
    assert_eq!(
        gather.attr_names(),
        vec![
            "input",
            "numDigits",
            "finishOnKey",
            "timeout",
            "action",
            "method",
            "language"
        ]
    );
    assert_eq!(gather.attr("input"), Some("dtmf"));
    assert_eq!(gather.attr("numDigits"), Some("1"));
    assert_eq!(gather.attr("finishOnKey"), Some("#"));
    assert_eq!(gather.attr("timeout"), Some("5"));
    assert_eq!(
        gather.attr("action"),
        Some("https://layan.example/voice/menu")
    );
    assert_eq!(gather.attr("method"), Some("POST"));
    assert_eq!(gather.attr("language"), Some("id-ID"));
    assert_eq!(gather.element_names(), vec!["Say", "Pause", "Play"]);
    let redirect = root.elements()[1];
    assert_eq!(redirect.attr("method"), Some("POST"));
    assert_eq!(redirect.text(), "https://layan.example/voice/menu?retry=1");
}

#[test]
fn the_xml_starts_with_the_declaration() {
    let xml = menu().to_xml();
    assert!(xml.starts_with(DECLARATION));
    assert_eq!(DECLARATION, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    assert!(CONTENT_TYPE.starts_with("text/xml"));
}

#[test]
fn every_verb_renders_with_its_attributes() {
    let response = Response::new()
        .say(Say::new("Halo").voice("Google.id-ID-Standard-A"))
        .say(Say::new("Hello").language("en-US"))
        .play(Play::new("https://layan.example/a.wav"))
        .pause(Pause::seconds(3))
        .redirect(Redirect::get("https://layan.example/next"))
        .dial(
            Dial::new("+6221500400")
                .caller_id("+6281234567890")
                .timeout(20)
                .action("https://layan.example/voice/dial-done"),
        )
        .dial(Dial::new("+6221500401"))
        .hangup();
    let root = root(&response);
    assert_eq!(
        root.element_names(),
        vec!["Say", "Say", "Play", "Pause", "Redirect", "Dial", "Dial", "Hangup"]
    );
    let e = root.elements();
    assert_eq!(e[0].attr("language"), Some("id-ID"));
    assert_eq!(e[0].attr("voice"), Some("Google.id-ID-Standard-A"));
    assert_eq!(e[0].text(), "Halo");
    assert_eq!(e[1].attr("language"), Some("en-US"));
    assert_eq!(e[1].attr("voice"), None);
    assert_eq!(e[2].text(), "https://layan.example/a.wav");
    assert!(e[2].attrs.is_empty());
    assert_eq!(e[3].attr("length"), Some("3"));
    assert!(e[3].children.is_empty());
    assert_eq!(e[4].attr("method"), Some("GET"));
    assert_eq!(e[4].text(), "https://layan.example/next");
    assert_eq!(e[5].attr("callerId"), Some("+6281234567890"));
    assert_eq!(e[5].attr("timeout"), Some("20"));
    assert_eq!(
        e[5].attr("action"),
        Some("https://layan.example/voice/dial-done")
    );
    assert_eq!(e[5].text(), "+6221500400");
    assert_eq!(e[6].attr_names(), vec!["timeout"]);
    assert_eq!(e[6].attr("timeout"), Some("30"));
    assert!(e[7].attrs.is_empty() && e[7].children.is_empty());
    assert!(response.to_xml().ends_with("<Hangup/></Response>"));
}

#[test]
fn gather_options_are_optional() {
    let plain = Gather::dtmf("/identify").finish_on_key(None).timeout(10);
    let root = root(&Response::new().gather(plain.clone()));
    let gather = root.elements()[0];
    assert_eq!(gather.attr("numDigits"), None);
    // The providers' default finish key is '#', so "none" has to be written out.
    assert_eq!(gather.attr("finishOnKey"), Some(""));
    assert_eq!(gather.attr("timeout"), Some("10"));
    assert!(gather.children.is_empty());
    assert!(Response::new()
        .gather(plain.clone())
        .to_xml()
        .contains("/>"));

    // Zero digits is no limit rather than an attribute the provider rejects.
    let zero = root_of(
        Gather::dtmf("/identify")
            .num_digits(0)
            .finish_on_key(Some('*')),
    );
    assert_eq!(zero.attr("numDigits"), None);
    assert_eq!(zero.attr("finishOnKey"), Some("*"));
    assert_eq!(zero.attr("language"), Some("id-ID"));
    let english = root_of(Gather::dtmf("/x").language("en-US").num_digits(16));
    assert_eq!(english.attr("language"), Some("en-US"));
    assert_eq!(english.attr("numDigits"), Some("16"));
}

fn root_of(gather: Gather) -> Element {
    root(&Response::new().gather(gather)).elements()[0].clone()
}

#[test]
fn an_empty_response_parses() {
    let root = root(&Response::new());
    assert!(root.children.is_empty());
}

#[test]
fn markup_in_a_name_cannot_inject_verbs() {
    let name = r#"Siti</Say><Dial>+1900</Dial><Say a="b">&amp;'"#;
    let root = root(&Response::new().say(Say::new(format!("Halo {name}"))));
    assert_eq!(root.element_names(), vec!["Say"]);
    assert_eq!(root.elements()[0].text(), format!("Halo {name}"));
    let xml = Response::new().say(Say::new(name)).to_xml();
    assert!(xml.contains("&lt;/Say&gt;&lt;Dial&gt;"));
    assert!(xml.contains("&amp;amp;&apos;"));
    assert!(xml.contains("a=&quot;b&quot;"));
}

#[test]
fn quotes_in_attributes_are_escaped() {
    let url = r#"https://layan.example/a?x="1"&y='2'&z=<3>"#;
    let root = root(
        &Response::new()
            .gather(Gather::dtmf(url))
            .dial(Dial::new("1").action(url)),
    );
    assert_eq!(root.elements()[0].attr("action"), Some(url));
    assert_eq!(root.elements()[1].attr("action"), Some(url));
}

#[test]
fn control_characters_are_dropped() {
    let root = root(&Response::new().say(Say::new("a\u{0}b\u{8}c\u{1b}d\u{ffff}e")));
    assert_eq!(root.elements()[0].text(), "abcde");
}

#[test]
fn line_breaks_and_tabs_survive_in_text_and_attributes() {
    let text = "satu\r\ndua\rtiga\n\tempat";
    let response = Response::new().say(Say::new(text).voice(text));
    let root = root(&response);
    assert_eq!(root.elements()[0].text(), text);
    assert_eq!(root.elements()[0].attr("voice"), Some(text));
}

#[test]
fn verbs_and_prompts_convert() {
    let p: Prompt = Say::new("x").into();
    assert_eq!(Verb::from(p), Verb::Say(Say::new("x")));
    assert_eq!(
        Verb::from(Prompt::from(Pause::seconds(2))),
        Verb::Pause(Pause { length: 2 })
    );
    assert_eq!(
        Verb::from(Prompt::from(Play::new("u"))),
        Verb::Play(Play::new("u"))
    );
    assert_eq!(Method::Get.as_str(), "GET");
    assert_eq!(Method::Post.as_str(), "POST");
    let built = Response::new()
        .verb(Verb::Hangup)
        .gather(Gather::dtmf("/a").prompt(Say::new("x")));
    assert_eq!(built.verbs.len(), 2);
}

/// Strings rich in the characters that break naive XML writers.
fn nasty() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '&',
        '<',
        '>',
        '"',
        '\'',
        ';',
        '#',
        ']',
        '\0',
        '\u{1}',
        '\u{8}',
        '\u{b}',
        '\u{c}',
        '\u{1f}',
        '\t',
        '\n',
        '\r',
        '\u{7f}',
        '\u{85}',
        '\u{2028}',
        '\u{fffe}',
        '\u{ffff}',
        '\u{fffd}',
        '\u{e000}',
        '\u{10000}',
        '\u{10ffff}',
        'é',
        ' ',
    ]);
    let ch = prop_oneof![
        3 => special,
        2 => any::<char>(),
        2 => prop::char::range('a', 'z'),
    ];
    prop::collection::vec(ch, 0..40).prop_map(|v| v.into_iter().collect())
}

fn legal(s: &str) -> String {
    s.chars().filter(|c| is_xml_char(*c)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_parses_and_round_trips(
        text in nasty(),
        voice in nasty(),
        action in nasty(),
        url in nasty(),
        number in nasty(),
        key in any::<char>(),
    ) {
        let response = Response::new()
            .gather(
                Gather::dtmf(action.clone())
                    .finish_on_key(Some(key))
                    .say(Say::new(text.clone()).voice(voice.clone()))
                    .play(Play::new(url.clone())),
            )
            .say(Say::new(text.clone()))
            .redirect(Redirect::post(url.clone()))
            .dial(Dial::new(number.clone()).caller_id(voice.clone()).action(action.clone()))
            .hangup();
        let xml = response.to_xml();
        let root = parse(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml:?}")))?;
        prop_assert_eq!(root.element_names(), vec!["Gather", "Say", "Redirect", "Dial", "Hangup"]);
        let e = root.elements();
        let gather = e[0];
        let (action, voice, key) = (legal(&action), legal(&voice), legal(&key.to_string()));
        prop_assert_eq!(gather.attr("action"), Some(action.as_str()));
        prop_assert_eq!(gather.attr("finishOnKey"), Some(key.as_str()));
        prop_assert_eq!(gather.element_names(), vec!["Say", "Play"]);
        let nested = gather.elements();
        prop_assert_eq!(nested[0].text(), legal(&text));
        prop_assert_eq!(nested[0].attr("voice"), Some(voice.as_str()));
        prop_assert_eq!(nested[1].text(), legal(&url));
        prop_assert_eq!(e[1].text(), legal(&text));
        prop_assert_eq!(e[2].text(), legal(&url));
        prop_assert_eq!(e[3].text(), legal(&number));
        prop_assert_eq!(e[3].attr("callerId"), Some(voice.as_str()));
        prop_assert_eq!(e[3].attr("action"), Some(action.as_str()));
    }
}
