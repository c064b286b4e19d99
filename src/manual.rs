//! `NativeManualSession`: the binding of [`sentrial_core::manual::ManualSession`]. The JS layer
//! checks the caller's arguments and hands each step over as JSON; the core reads it on its
//! worker.

use napi_derive::napi;
use sentrial_core::manual::ManualSession;
use sentrial_core::Tracker;

/// One manual session (`createSession`, `begin`).
#[napi]
pub struct NativeManualSession {
    session: ManualSession,
}

/// Creates a manual session from its JSON (`createSession`'s fields); `None` when tracking is
/// off.
pub(crate) fn create(tracker: &Tracker, json: String) -> Option<NativeManualSession> {
    tracker
        .start_manual(json)
        .map(|session| NativeManualSession { session })
}

#[napi]
impl NativeManualSession {
    /// Its Sentrial session id.
    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> String {
        self.session.id().to_string()
    }

    /// One step, as JSON: `{ kind: 'tool_call' | 'decision' | 'error' | 'llm_call', ... }` with
    /// the fields of `trackToolCall`, `trackDecision`, `trackError` or `trackLLMCall`.
    #[napi(catch_unwind)]
    pub fn step(&self, json: String) {
        self.session.step(json);
    }

    /// Ends the session with `completeSession`'s fields, as JSON. False when it had ended already.
    #[napi(catch_unwind)]
    pub fn complete(&self, json: String) -> bool {
        self.session.complete(json)
    }
}
