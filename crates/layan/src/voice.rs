//! `layan voice`: the voice line's operator tools.
//!
//! - `call` plays the provider (Twilio) against a running server: it signs and posts the
//!   webhooks a real call would cause, prints what the caller would hear, and reads the keys
//!   pressed from stdin, one line per `<Gather>` (an empty line is no input; end of input hangs
//!   up). It needs the same auth token and public URL as the server.
//! - `prompts` renders every fixed prompt to `data_dir/voice/<id>.wav` with espeak-ng, for
//!   `voice.prompts = true`.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use server::Config;
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::Command;
use voice::prompts::PromptId;
use voice::read::Element;

#[derive(Subcommand)]
pub enum VoiceCommand {
    /// Call the voice line of a running server as a phone would: prints what the caller
    /// hears, reads one line of keys per question from stdin (empty line: no key pressed).
    Call(CallArgs),
    /// Render every fixed prompt to WAV with espeak-ng into data_dir/voice (for
    /// voice.prompts); --list prints them instead.
    Prompts(PromptsArgs),
}

#[derive(Args)]
pub struct CallArgs {
    /// The caller's number (E.164 or 08…), as the provider would show it.
    #[arg(long)]
    pub from: String,
    /// The voice line's number that was dialled.
    #[arg(long, default_value = "+62215000165")]
    pub to: String,
    /// Where to send the webhooks when the server cannot be reached at its public URL from
    /// here (e.g. http://127.0.0.1:8080 behind a tunnel); they are still signed for the
    /// public URL.
    #[arg(long)]
    pub server: Option<String>,
    /// Also print the keys pressed (for transcripts).
    #[arg(long)]
    pub echo: bool,
}

#[derive(Args)]
pub struct PromptsArgs {
    /// Print each prompt's file name and words instead of rendering.
    #[arg(long)]
    pub list: bool,
    /// The espeak-ng voice.
    #[arg(long, default_value = "id")]
    pub voice: String,
    /// Speed in words per minute (slower is clearer on a phone line).
    #[arg(long, default_value_t = 145)]
    pub speed: u32,
}

pub async fn run(config: Config, command: VoiceCommand) -> Result<()> {
    match command {
        VoiceCommand::Call(args) => call(config, args).await,
        VoiceCommand::Prompts(args) => prompts(&config, &args),
    }
}

// ---- the simulator ---------------------------------------------------------------------------

/// A new call id in Twilio's shape ("CA" and 32 hex digits).
fn call_sid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::from("CA");
    for i in 0..2u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

struct Simulator {
    http: reqwest::Client,
    token: String,
    /// The public URL the webhooks are signed for.
    public: String,
    /// Where they are sent.
    server: String,
    base_params: Vec<(String, String)>,
    echo: bool,
    out: std::io::Stdout,
}

/// What to do after an answer.
enum Then {
    Post {
        url: String,
        extra: Vec<(String, String)>,
    },
    HangUp,
}

impl Simulator {
    fn say(&mut self, line: &str) -> Result<()> {
        writeln!(self.out, "{line}")?;
        self.out.flush()?;
        Ok(())
    }

    /// Signs and posts one webhook; returns the TwiML answer.
    async fn post(&self, url: &str, extra: &[(String, String)], status: &str) -> Result<String> {
        let mut params = self.base_params.clone();
        params.push(("CallStatus".into(), status.into()));
        params.extend(extra.iter().cloned());
        let signature = voice::signature::expected_signature(&self.token, url, &params);
        let target = match url.strip_prefix(&self.public) {
            Some(rest) => format!("{}{rest}", self.server),
            None => bail!(
                "the server sent a URL outside its public URL {}: {url}",
                self.public
            ),
        };
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        let response = self
            .http
            .post(&target)
            .header("content-type", "application/x-www-form-urlencoded")
            .header(voice::signature::TWILIO_HEADER, signature)
            .body(body)
            .send()
            .await
            .with_context(|| format!("cannot reach the voice line at {target}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status == reqwest::StatusCode::FORBIDDEN {
            bail!("the server refused the signature (403): LAYAN_VOICE_AUTH_TOKEN and LAYAN_VOICE_PUBLIC_URL must be the server's");
        }
        if status == reqwest::StatusCode::NOT_FOUND {
            bail!("no voice line at {target} (404): is LAYAN_VOICE_AUTH_TOKEN set for the server?");
        }
        if !status.is_success() {
            bail!("the voice line answered {status}: {text}");
        }
        Ok(text)
    }

    /// Plays one answer: prints it, reads keys for a Gather, and says where the call goes.
    fn follow(&mut self, xml: &str, input: &mut impl BufRead) -> Result<Then> {
        let root = voice::read::parse(xml)
            .map_err(|e| anyhow::anyhow!("the answer is not well-formed TwiML: {e}"))?;
        if root.name != "Response" {
            bail!("the answer is not a <Response>: <{}>", root.name);
        }
        for verb in root.elements() {
            match verb.name.as_str() {
                "Say" | "Play" | "Pause" => self.prompt(verb)?,
                "Gather" => {
                    for nested in verb.elements() {
                        self.prompt(nested)?;
                    }
                    let mut line = String::new();
                    if input.read_line(&mut line)? == 0 {
                        self.say("[Hangup: the caller hangs up]")?;
                        return Ok(Then::HangUp);
                    }
                    let keys = keys(verb, line.trim());
                    if self.echo {
                        let shown = if keys.is_empty() {
                            "(tidak ada tombol)"
                        } else {
                            keys.as_str()
                        };
                        self.say(&format!("> {shown}"))?;
                    }
                    if !keys.is_empty() {
                        let action = verb
                            .attr("action")
                            .context("a <Gather> without an action")?;
                        return Ok(Then::Post {
                            url: action.to_string(),
                            extra: vec![("Digits".into(), keys)],
                        });
                    }
                    // No input: the provider goes on with the next verb.
                }
                "Redirect" => {
                    return Ok(Then::Post {
                        url: verb.text(),
                        extra: Vec::new(),
                    })
                }
                "Dial" => {
                    self.say(&format!("[Dial {}]", verb.text()))?;
                    let Some(action) = verb.attr("action") else {
                        return Ok(Then::HangUp);
                    };
                    self.say("[the simulator connects no calls: nobody answers]")?;
                    return Ok(Then::Post {
                        url: action.to_string(),
                        extra: vec![("DialCallStatus".into(), "no-answer".into())],
                    });
                }
                "Hangup" => {
                    self.say("[Hangup]")?;
                    return Ok(Then::HangUp);
                }
                other => self.say(&format!("[{other}: not simulated]"))?,
            }
        }
        // Past the last verb, the provider ends the call.
        self.say("[Hangup]")?;
        Ok(Then::HangUp)
    }

    fn prompt(&mut self, e: &Element) -> Result<()> {
        match e.name.as_str() {
            "Say" => self.say(e.text().trim()),
            "Play" => self.say(&format!("[Play {}]", e.text())),
            "Pause" => self.say(&format!("[Pause {} s]", e.attr("length").unwrap_or("1"))),
            other => self.say(&format!("[{other}]")),
        }
    }
}

/// The `Digits` a provider would post for a typed line: the finish key ends the input and is
/// not included, and no more than `numDigits` keys are taken.
fn keys(gather: &Element, typed: &str) -> String {
    let finish = gather.attr("finishOnKey").unwrap_or("#");
    let mut keys: String = typed
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '*' || *c == '#')
        .collect();
    if let Some(f) = finish.chars().next() {
        if let Some(at) = keys.find(f) {
            keys.truncate(at);
        }
    }
    if let Some(n) = gather
        .attr("numDigits")
        .and_then(|n| n.parse::<usize>().ok())
    {
        keys = keys.chars().take(n).collect();
    }
    keys
}

async fn call(config: Config, args: CallArgs) -> Result<()> {
    let token = config.voice.auth_token.expose().to_string();
    if token.is_empty() {
        bail!("LAYAN_VOICE_AUTH_TOKEN is not set: the simulator signs webhooks like the provider and needs the server's token");
    }
    let public = config.voice_public_url();
    let server = args
        .server
        .as_deref()
        .map(|s| s.trim_end_matches('/').to_string())
        .unwrap_or_else(|| public.clone());
    let sid = call_sid();
    let mut sim = Simulator {
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?,
        token,
        public: public.clone(),
        server,
        base_params: vec![
            (
                "AccountSid".into(),
                "ACsimulated0000000000000000000000".into(),
            ),
            ("ApiVersion".into(), "2010-04-01".into()),
            ("CallSid".into(), sid),
            ("Direction".into(), "inbound".into()),
            ("From".into(), args.from.clone()),
            ("To".into(), args.to.clone()),
        ],
        echo: args.echo,
        out: std::io::stdout(),
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut url = format!("{public}/voice/twiml");
    let mut extra: Vec<(String, String)> = Vec::new();
    let mut status = "ringing";
    loop {
        let xml = sim.post(&url, &extra, status).await?;
        status = "in-progress";
        match sim.follow(&xml, &mut input)? {
            Then::Post { url: u, extra: e } => {
                url = u;
                extra = e;
            }
            Then::HangUp => break,
        }
    }
    // The status callback a provider sends when the call is over.
    sim.post(&format!("{public}/voice/twiml/status"), &[], "completed")
        .await?;
    Ok(())
}

// ---- prerecorded prompts -----------------------------------------------------------------------

fn espeak_installed() -> bool {
    Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn prompts(config: &Config, args: &PromptsArgs) -> Result<()> {
    let dir = server::voice::audio_dir(config);
    let mut out = std::io::stdout().lock();
    if args.list {
        for p in PromptId::ALL {
            writeln!(out, "{}.wav\t{}", p.id(), p.text())?;
        }
        return Ok(());
    }
    if !espeak_installed() {
        writeln!(
            out,
            "espeak-ng is not installed, so no prompt was rendered; the voice line speaks every prompt with <Say>.\nInstall it (apt install espeak-ng) and run this again, or record the {} prompts yourself as {}/<id>.wav (`layan voice prompts --list` prints them).",
            PromptId::ALL.len(),
            dir.display()
        )?;
        return Ok(());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for p in PromptId::ALL {
        let file = dir.join(format!("{}.wav", p.id()));
        render(args, p.text(), &file)?;
        writeln!(out, "{}", file.display())?;
    }
    writeln!(
        out,
        "{} prompts rendered. Set LAYAN_VOICE_PROMPTS=true and restart the server to play them.",
        PromptId::ALL.len()
    )?;
    Ok(())
}

fn render(args: &PromptsArgs, text: &str, file: &Path) -> Result<()> {
    let status = Command::new("espeak-ng")
        .args(["-v", &args.voice, "-s", &args.speed.to_string(), "-w"])
        .arg(file)
        .arg(text)
        .status()
        .context("running espeak-ng")?;
    if !status.success() {
        bail!("espeak-ng failed on {}: {status}", file.display());
    }
    Ok(())
}
