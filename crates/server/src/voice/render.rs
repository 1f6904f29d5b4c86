//! A reply of the call machine as TwiML: words as `<Say>` (or `<Play>` of a prerecorded
//! prompt), nested in a `<Gather>` so callers can barge in, with a `<Redirect>` after it for
//! the caller who presses nothing. Every callback URL is absolute, built from the public URL
//! the provider calls, and carries the step number so a retried webhook is recognised.

use std::collections::HashSet;
use voice::call::{Next, Reply};
use voice::prompts::{PromptId, Speech};
use voice::twiml::{Dial, Gather, Play, Prompt, Redirect, Response, Say};

/// How words become audio on this server.
#[derive(Debug, Clone, Default)]
pub struct Voice {
    /// The public URL, without a trailing slash.
    pub base: String,
    /// The provider's TTS voice.
    pub say_voice: String,
    /// Prompts with a recording to play.
    pub recorded: HashSet<PromptId>,
}

impl Voice {
    fn prompt(&self, speech: &Speech) -> Prompt {
        match speech {
            Speech::Prompt(id) if self.recorded.contains(id) => Prompt::Play(Play::new(format!(
                "{}/voice/audio/{}.wav",
                self.base,
                id.id()
            ))),
            other => Prompt::Say(Say::new(other.text().into_owned()).voice(&self.say_voice)),
        }
    }

    pub fn url(&self, hook: &str, seq: u32) -> String {
        format!("{}/voice/twiml/{hook}?seq={seq}", self.base)
    }

    /// The TwiML for `reply`, whose callbacks carry `seq`.
    pub fn render(&self, reply: &Reply, seq: u32) -> String {
        let prompts: Vec<Prompt> = reply.speech.iter().map(|s| self.prompt(s)).collect();
        let mut response = Response::new();
        match &reply.next {
            Next::Gather(expect) => {
                let mut gather = Gather::dtmf(self.url("gather", seq))
                    .finish_on_key(expect.finish_on_hash.then_some('#'))
                    .timeout(expect.timeout_secs);
                if let Some(n) = expect.max_digits {
                    gather = gather.num_digits(n);
                }
                for p in prompts {
                    gather = gather.prompt(p);
                }
                response = response
                    .gather(gather)
                    .redirect(Redirect::post(self.url("silence", seq)));
            }
            Next::Dial(number) => {
                for p in prompts {
                    response = response.verb(p.into());
                }
                response = response.dial(Dial::new(number.clone()).action(self.url("dial", seq)));
            }
            Next::Hangup => {
                for p in prompts {
                    response = response.verb(p.into());
                }
                response = response.hangup();
            }
            Next::Nothing => {}
        }
        response.to_xml()
    }
}
