//! `NativeSession`: the binding of [`sentrial_core::Session`]. Each method queues one input
//! for the core's worker and returns.

use crate::text::{JsStr, JsText};
use napi_derive::napi;
use sentrial_core::{clock, json, Ending, Input, InputKind, Session, SessionInit, Text, Tracker};

/// What the wrapper knows when the wrapped function is called.
#[napi(object)]
pub struct SessionOptions {
    /// Agent name.
    pub agent: String,
    /// End user id.
    pub user_id: String,
    /// Conversation thread.
    pub convo_id: Option<String>,
    /// `extraMetadata`, already serialized by the JS layer (which handles cycles, BigInt, ...).
    pub metadata_json: Option<String>,
    /// The prompt, when it is a string.
    pub input: Option<String>,
    /// The query options' `resume`: the Claude session the run resumes (or forks).
    pub resume: Option<String>,
    /// The query options' `forkSession`.
    pub fork_session: Option<bool>,
    /// The query options' `continue`.
    pub continue_latest: Option<bool>,
    /// How the run was started: `query`, `startup` or `prewarm`.
    pub entry_point: Option<String>,
    /// The Sentrial session this run is a child of (`parentSessionId`).
    pub parent_session_id: Option<String>,
}

pub(crate) fn start(tracker: &Tracker, o: SessionOptions) -> NativeSession {
    let metadata = o
        .metadata_json
        .and_then(|m| json::parse(&m).ok())
        .and_then(|v| match v {
            serde_json::Value::Object(map) => Some(map),
            _ => None,
        })
        .unwrap_or_default();
    let session = tracker.start_session(SessionInit {
        agent: o.agent,
        user_id: o.user_id,
        convo_id: o.convo_id,
        metadata,
        input: o.input,
        started_at: clock::now_ms(),
        resume: o.resume,
        fork: o.fork_session.unwrap_or(false),
        continue_latest: o.continue_latest.unwrap_or(false),
        entry_point: o.entry_point,
        name: None,
        parent_session_id: o.parent_session_id,
    });
    NativeSession { session }
}

/// How the iteration of a tracked `query()` ended: the JS layer's word for it, and the one list
/// of them (a word not listed is refused, `InvalidArg`, rather than read as `stopped`).
#[napi(string_enum = "lowercase")]
pub enum RunEnd {
    /// The iterator finished by itself.
    Done,
    /// The caller stopped iterating early (`break`, `return()`).
    Stopped,
    /// `interrupt()` was called through the wrapper.
    Interrupted,
    /// The iterator threw (the error's message comes with it).
    Threw,
    /// The iterator threw an abort (`AbortError`, or the abort signal had fired).
    Aborted,
}

/// One tracked call of the wrapped `query()`.
#[napi]
pub struct NativeSession {
    session: Session,
}

#[napi]
impl NativeSession {
    /// An SDK message, as `JSON.stringify` wrote it.
    #[napi(catch_unwind)]
    pub fn message(&self, #[napi(ts_arg_type = "string")] json: JsStr) -> napi::Result<()> {
        self.hand_over(InputKind::Message, json)
    }

    /// A hook payload, as `JSON.stringify` wrote it.
    #[napi(catch_unwind)]
    pub fn hook(&self, #[napi(ts_arg_type = "string")] json: JsStr) -> napi::Result<()> {
        self.hand_over(InputKind::Hook, json)
    }

    /// What a permission callback of the user's answered for a tool call, as JSON:
    /// `{ tool_use_id, source: 'hook' | 'can_use_tool', behavior, message? }`.
    #[napi(catch_unwind)]
    pub fn decision(&self, #[napi(ts_arg_type = "string")] json: JsStr) -> napi::Result<()> {
        self.hand_over(InputKind::Decision, json)
    }

    /// An SDK message whose large strings were lifted out before `JSON.stringify`: each stands in
    /// `json` as `partMarker()` followed by its index in `parts`.
    #[napi(catch_unwind)]
    pub fn message_parts(
        &self,
        #[napi(ts_arg_type = "string")] json: JsText,
        #[napi(ts_arg_type = "Array<string>")] parts: Vec<JsText>,
    ) {
        self.session
            .input(InputKind::Message, with_parts(json.0, parts));
    }

    /// A hook payload with its large strings lifted out, as `messageParts`.
    #[napi(catch_unwind)]
    pub fn hook_parts(
        &self,
        #[napi(ts_arg_type = "string")] json: JsText,
        #[napi(ts_arg_type = "Array<string>")] parts: Vec<JsText>,
    ) {
        self.session
            .input(InputKind::Hook, with_parts(json.0, parts));
    }

    /// A user turn of a streamed prompt.
    #[napi(catch_unwind)]
    pub fn user_turn(&self, text: String) {
        self.session.user_turn(text);
    }

    /// `interrupt()` was called through the wrapper.
    #[napi(catch_unwind)]
    pub fn interrupting(&self) {
        self.session.interrupting();
    }

    /// Forgets the session: the wrapped call turned out not to start a run. Nothing of it is sent.
    #[napi(catch_unwind)]
    pub fn discard(&self) {
        self.session.discard();
    }

    /// Its Sentrial session id (what the collector lists it by); null when tracking is off.
    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> Option<String> {
        self.session.id().map(String::from)
    }

    /// Ends the session; `message` is the error's, for `threw` and `aborted`.
    #[napi(catch_unwind)]
    pub fn finish(&self, how: RunEnd, message: Option<String>) {
        let message = message.unwrap_or_default();
        let ending = match how {
            RunEnd::Done => Ending::Done,
            RunEnd::Stopped => Ending::Stopped,
            RunEnd::Interrupted => Ending::Interrupted,
            RunEnd::Threw => Ending::Threw {
                message,
                aborted: false,
            },
            RunEnd::Aborted => Ending::Threw {
                message,
                aborted: true,
            },
        };
        self.session.finish(ending);
    }
}

impl NativeSession {
    /// A short string is written straight into the tracker's queue; a long one is taken as
    /// [`Text`] and queued as its own input.
    fn hand_over(&self, kind: InputKind, json: JsStr) -> napi::Result<()> {
        if json.is_short() {
            self.session.input_with(kind, |buf| json.write_utf8(buf));
        } else {
            self.session
                .input(kind, with_parts(json.into_text()?, Vec::new()));
        }
        Ok(())
    }
}

fn with_parts(json: Text, parts: Vec<JsText>) -> Input {
    Input {
        json,
        parts: parts.into_iter().map(|p| p.0).collect(),
    }
}

/// What stands for a lifted string in the JSON given to `messageParts`/`hookParts` (followed by the
/// part's index). Random per process.
#[napi(catch_unwind)]
pub fn part_marker() -> String {
    sentrial_core::input::part_marker().to_string()
}
