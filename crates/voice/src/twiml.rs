//! A typed builder for TwiML, the XML a voice webhook answers with. Twilio reads it, and
//! SignalWire (cXML) and Telnyx (TeXML) accept the same verbs.
//!
//! Every string that reaches the output goes through one of two escapers, so the document is
//! well-formed whatever a caller or a participant's name contains: `&`, `<`, `>`, `"` and `'`
//! become entity references, and characters that XML 1.0 forbids (control characters other
//! than tab, newline and carriage return, and U+FFFE/U+FFFF) are dropped. A carriage return
//! is written as `&#13;` (and in attributes tab and newline as `&#9;`/`&#10;`) so that a
//! parser's line-end and attribute normalisation hands back exactly the text that went in.
//!
//! ```
//! use voice::twiml::{Gather, Redirect, Response, Say};
//!
//! let xml = Response::new()
//!     .gather(
//!         Gather::dtmf("https://layan.example/voice/menu")
//!             .num_digits(1)
//!             .say(Say::new("Tekan satu untuk status kartu.")),
//!     )
//!     .redirect(Redirect::post("https://layan.example/voice/menu?retry=1"))
//!     .to_xml();
//! assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#));
//! ```

/// The `Content-Type` to answer a voice webhook with.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// The language every Indonesian prompt is spoken in.
pub const INDONESIAN: &str = "id-ID";

/// The XML declaration that starts every document.
pub const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// HTTP method for a verb's callback URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// `<Say>`: text spoken by the provider's text-to-speech voice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Say {
    pub text: String,
    /// BCP 47 tag, `id-ID` unless changed.
    pub language: String,
    /// A provider voice name (e.g. `Google.id-ID-Standard-A`); `None` leaves the default.
    pub voice: Option<String>,
}

impl Say {
    /// Indonesian speech in the provider's default voice.
    pub fn new(text: impl Into<String>) -> Self {
        Say {
            text: text.into(),
            language: INDONESIAN.to_string(),
            voice: None,
        }
    }

    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = language.into();
        self
    }

    pub fn voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = Some(voice.into());
        self
    }
}

/// `<Play>`: an audio file, which works for every provider and language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    pub url: String,
}

impl Play {
    pub fn new(url: impl Into<String>) -> Self {
        Play { url: url.into() }
    }
}

/// `<Pause length="…"/>`: silence, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub length: u8,
}

impl Pause {
    pub fn seconds(length: u8) -> Self {
        Pause { length }
    }
}

/// What may be nested inside a `<Gather>`: prompts the caller can barge in on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    Say(Say),
    Play(Play),
    Pause(Pause),
}

impl From<Say> for Prompt {
    fn from(v: Say) -> Self {
        Prompt::Say(v)
    }
}

impl From<Play> for Prompt {
    fn from(v: Play) -> Self {
        Prompt::Play(v)
    }
}

impl From<Pause> for Prompt {
    fn from(v: Pause) -> Self {
        Prompt::Pause(v)
    }
}

/// `<Gather input="dtmf" method="POST">`: collects keypad digits and POSTs them (`Digits`) to
/// `action`. Input is always DTMF and the method always POST, so both are fixed here. With no
/// input before `timeout`, the call falls through to the next verb: put a `<Redirect>` there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gather {
    /// Stop after this many digits; `None` (or 0) waits for the finish key or the timeout.
    pub num_digits: Option<u8>,
    /// The key that ends input. `None` disables it, written as `finishOnKey=""` because the
    /// providers' default is `#`.
    pub finish_on_key: Option<char>,
    /// Seconds of silence after which input ends.
    pub timeout: u8,
    /// Callback URL that receives the digits.
    pub action: String,
    pub language: String,
    pub nested: Vec<Prompt>,
}

impl Gather {
    /// Keypad input posted to `action`, ended by `#` or 5 seconds of silence, in Indonesian.
    pub fn dtmf(action: impl Into<String>) -> Self {
        Gather {
            num_digits: None,
            finish_on_key: Some('#'),
            timeout: 5,
            action: action.into(),
            language: INDONESIAN.to_string(),
            nested: Vec::new(),
        }
    }

    pub fn num_digits(mut self, n: u8) -> Self {
        self.num_digits = Some(n);
        self
    }

    pub fn finish_on_key(mut self, key: Option<char>) -> Self {
        self.finish_on_key = key;
        self
    }

    pub fn timeout(mut self, seconds: u8) -> Self {
        self.timeout = seconds;
        self
    }

    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = language.into();
        self
    }

    /// Appends a nested prompt (`Say`, `Play` or `Pause`).
    pub fn prompt(mut self, prompt: impl Into<Prompt>) -> Self {
        self.nested.push(prompt.into());
        self
    }

    pub fn say(self, say: Say) -> Self {
        self.prompt(say)
    }

    pub fn play(self, play: Play) -> Self {
        self.prompt(play)
    }

    pub fn pause(self, pause: Pause) -> Self {
        self.prompt(pause)
    }
}

/// `<Redirect method="…">url</Redirect>`: continue with the TwiML at another URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub url: String,
    pub method: Method,
}

impl Redirect {
    pub fn post(url: impl Into<String>) -> Self {
        Redirect {
            url: url.into(),
            method: Method::Post,
        }
    }

    pub fn get(url: impl Into<String>) -> Self {
        Redirect {
            url: url.into(),
            method: Method::Get,
        }
    }
}

/// `<Dial>number</Dial>`: transfer the caller to an agent's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    /// E.164 number of the agent line.
    pub number: String,
    /// The number shown to the agent; `None` keeps the caller's.
    pub caller_id: Option<String>,
    /// Seconds to ring before giving up.
    pub timeout: u8,
    /// Callback URL told the outcome when the dialled call ends.
    pub action: Option<String>,
}

impl Dial {
    /// Rings `number` for 30 seconds (the providers' default).
    pub fn new(number: impl Into<String>) -> Self {
        Dial {
            number: number.into(),
            caller_id: None,
            timeout: 30,
            action: None,
        }
    }

    pub fn caller_id(mut self, caller_id: impl Into<String>) -> Self {
        self.caller_id = Some(caller_id.into());
        self
    }

    pub fn timeout(mut self, seconds: u8) -> Self {
        self.timeout = seconds;
        self
    }

    pub fn action(mut self, url: impl Into<String>) -> Self {
        self.action = Some(url.into());
        self
    }
}

/// One top-level verb of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    Say(Say),
    Play(Play),
    Pause(Pause),
    Gather(Gather),
    Redirect(Redirect),
    Dial(Dial),
    Hangup,
}

impl From<Prompt> for Verb {
    fn from(p: Prompt) -> Self {
        match p {
            Prompt::Say(v) => Verb::Say(v),
            Prompt::Play(v) => Verb::Play(v),
            Prompt::Pause(v) => Verb::Pause(v),
        }
    }
}

/// A `<Response>` document: verbs executed in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    pub verbs: Vec<Verb>,
}

impl Response {
    pub fn new() -> Self {
        Response::default()
    }

    pub fn verb(mut self, verb: Verb) -> Self {
        self.verbs.push(verb);
        self
    }

    pub fn say(self, say: Say) -> Self {
        self.verb(Verb::Say(say))
    }

    pub fn play(self, play: Play) -> Self {
        self.verb(Verb::Play(play))
    }

    pub fn pause(self, pause: Pause) -> Self {
        self.verb(Verb::Pause(pause))
    }

    pub fn gather(self, gather: Gather) -> Self {
        self.verb(Verb::Gather(gather))
    }

    pub fn redirect(self, redirect: Redirect) -> Self {
        self.verb(Verb::Redirect(redirect))
    }

    pub fn dial(self, dial: Dial) -> Self {
        self.verb(Verb::Dial(dial))
    }

    pub fn hangup(self) -> Self {
        self.verb(Verb::Hangup)
    }

    /// The document, starting with the XML declaration.
    pub fn to_xml(&self) -> String {
        let mut w = Writer::default();
        w.out.push_str(DECLARATION);
        w.out.push('\n');
        w.open("Response", &[]);
        for verb in &self.verbs {
            w.verb(verb);
        }
        w.close("Response");
        w.out
    }
}

/// Whether XML 1.0 allows `c` at all (production `Char`; Rust chars are never surrogates).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Escapes `s` for character data or an attribute value and drops forbidden characters.
fn escape_into(out: &mut String, s: &str, attribute: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // A raw CR is turned into LF by every parser; a reference survives.
            '\r' => out.push_str("&#13;"),
            // Attribute-value normalisation turns raw tab and LF into spaces.
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

#[derive(Default)]
struct Writer {
    out: String,
}

type Attr<'a> = (&'static str, Option<&'a str>);

impl Writer {
    fn start(&mut self, name: &str, attrs: &[Attr<'_>]) {
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            if let Some(value) = value {
                self.out.push(' ');
                self.out.push_str(key);
                self.out.push_str("=\"");
                escape_into(&mut self.out, value, true);
                self.out.push('"');
            }
        }
    }

    fn open(&mut self, name: &str, attrs: &[Attr<'_>]) {
        self.start(name, attrs);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn empty(&mut self, name: &str, attrs: &[Attr<'_>]) {
        self.start(name, attrs);
        self.out.push_str("/>");
    }

    fn text_element(&mut self, name: &str, attrs: &[Attr<'_>], text: &str) {
        self.open(name, attrs);
        escape_into(&mut self.out, text, false);
        self.close(name);
    }

    fn say(&mut self, say: &Say) {
        let attrs = [
            ("language", Some(say.language.as_str())),
            ("voice", say.voice.as_deref()),
        ];
        self.text_element("Say", &attrs, &say.text);
    }

    fn play(&mut self, play: &Play) {
        self.text_element("Play", &[], &play.url);
    }

    fn pause(&mut self, pause: Pause) {
        let length = pause.length.to_string();
        self.empty("Pause", &[("length", Some(&length))]);
    }

    fn verb(&mut self, verb: &Verb) {
        match verb {
            Verb::Say(say) => self.say(say),
            Verb::Play(play) => self.play(play),
            Verb::Pause(pause) => self.pause(*pause),
            Verb::Gather(gather) => self.gather(gather),
            Verb::Redirect(r) => {
                self.text_element("Redirect", &[("method", Some(r.method.as_str()))], &r.url)
            }
            Verb::Dial(d) => {
                let timeout = d.timeout.to_string();
                let attrs = [
                    ("callerId", d.caller_id.as_deref()),
                    ("timeout", Some(timeout.as_str())),
                    ("action", d.action.as_deref()),
                ];
                self.text_element("Dial", &attrs, &d.number);
            }
            Verb::Hangup => self.empty("Hangup", &[]),
        }
    }

    fn gather(&mut self, g: &Gather) {
        let num_digits = g.num_digits.filter(|n| *n > 0).map(|n| n.to_string());
        let finish_on_key = g.finish_on_key.map(String::from).unwrap_or_default();
        let timeout = g.timeout.to_string();
        let attrs = [
            ("input", Some("dtmf")),
            ("numDigits", num_digits.as_deref()),
            ("finishOnKey", Some(finish_on_key.as_str())),
            ("timeout", Some(timeout.as_str())),
            ("action", Some(g.action.as_str())),
            ("method", Some(Method::Post.as_str())),
            ("language", Some(g.language.as_str())),
        ];
        if g.nested.is_empty() {
            self.empty("Gather", &attrs);
            return;
        }
        self.open("Gather", &attrs);
        for prompt in &g.nested {
            match prompt {
                Prompt::Say(say) => self.say(say),
                Prompt::Play(play) => self.play(play),
                Prompt::Pause(pause) => self.pause(*pause),
            }
        }
        self.close("Gather");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str, attribute: bool) -> String {
        let mut out = String::new();
        escape_into(&mut out, s, attribute);
        out
    }

    #[test]
    fn the_five_markup_characters_become_entities() {
        assert_eq!(
            escaped(r#"a&b<c>d"e'f"#, false),
            "a&amp;b&lt;c&gt;d&quot;e&apos;f"
        );
    }

    #[test]
    fn forbidden_characters_are_dropped_and_line_ends_survive() {
        assert_eq!(escaped("a\u{0}b\u{1b}c\u{FFFE}d\u{FFFF}", false), "abcd");
        assert_eq!(escaped("x\ty\nz\r", false), "x\ty\nz&#13;");
        assert_eq!(escaped("x\ty\nz\r", true), "x&#9;y&#10;z&#13;");
        // Legal but unusual characters are kept.
        assert_eq!(
            escaped("\u{7f}\u{85}\u{1F600}", false),
            "\u{7f}\u{85}\u{1F600}"
        );
    }

    #[test]
    fn an_empty_response_is_still_a_document() {
        assert_eq!(
            Response::new().to_xml(),
            format!("{DECLARATION}\n<Response></Response>")
        );
    }
}
