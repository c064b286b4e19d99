//! `NativeSession`: the binding of [`sentrial_core::Session`]. Each method is one channel send.

use napi_derive::napi;
use sentrial_core::{clock, json, Ending, Session, SessionInit, Tracker};

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
    });
    NativeSession { session }
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
    pub fn message(&self, json: String) {
        self.session.message(json);
    }

    /// A hook payload, as `JSON.stringify` wrote it.
    #[napi(catch_unwind)]
    pub fn hook(&self, json: String) {
        self.session.hook(json);
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

    /// Ends the session. `how`: `done`, `stopped`, `interrupted`, `threw` or `aborted` (the last two
    /// with the error's message).
    #[napi(catch_unwind)]
    pub fn finish(&self, how: String, message: Option<String>) {
        let message = message.unwrap_or_default();
        let ending = match how.as_str() {
            "done" => Ending::Done,
            "interrupted" => Ending::Interrupted,
            "threw" => Ending::Threw {
                message,
                aborted: false,
            },
            "aborted" => Ending::Threw {
                message,
                aborted: true,
            },
            _ => Ending::Stopped,
        };
        self.session.finish(ending);
    }
}
