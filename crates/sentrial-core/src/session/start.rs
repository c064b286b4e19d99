//! The start of a session: what the wrapper knew when it was called, and what the SDK's
//! `system`/`init` message then told of the run.

use crate::json::{str_of, string_of};
use sentrial_protocol::{McpServer, Payload, SessionStart};
use serde_json::{Map, Value};

/// What the wrapper knows when it is called, before the SDK says anything.
#[derive(Debug, Clone, Default)]
pub struct SessionInit {
    /// Agent name.
    pub agent: String,
    /// End user id.
    pub user_id: String,
    /// Conversation thread.
    pub convo_id: Option<String>,
    /// The user's `extraMetadata`.
    pub metadata: Map<String, Value>,
    /// The prompt, when it is a string.
    pub input: Option<String>,
    /// When the wrapped function was called (ms since the epoch).
    pub started_at: i64,
    /// The options' `resume`: the Claude session this run resumes (or forks, with `fork`).
    pub resume: Option<String>,
    /// The options' `forkSession`.
    pub fork: bool,
    /// The options' `continue`: the run goes on with the latest Claude session of its folder,
    /// which its `system`/`init` message names.
    pub continue_latest: bool,
    /// How the run was started (`query`, `startup`, `prewarm`, `manual`).
    pub entry_point: Option<String>,
    /// The session's name, when it was given one.
    pub name: Option<String>,
    /// The Sentrial session this one runs under (`parentSessionId`).
    pub parent_session_id: Option<String>,
}

/// What the SDK told of the run: its `system`/`init` message, and the model it answered with.
#[derive(Debug, Default)]
pub(super) struct RunInfo {
    /// The Claude Code session id from the `system`/`init` message.
    pub claude_session_id: Option<String>,
    /// The model the run uses.
    pub model: Option<String>,
    /// What the SDK reported that goes in the session's metadata.
    pub sdk_metadata: Map<String, Value>,
    /// The MCP servers it listed.
    pub mcp_servers: Vec<McpServer>,
}

impl RunInfo {
    /// Reads a `system`/`init` message. Returns whether the Claude session id was known before it.
    pub fn read_init(&mut self, msg: &Value) -> bool {
        let had_id = self.claude_session_id.is_some();
        if self.claude_session_id.is_none() {
            self.claude_session_id = string_of(msg, "session_id");
        }
        if let Some(model) = str_of(msg, "model") {
            self.model = Some(model.to_owned());
        }
        for (from, to) in [
            ("claude_code_version", "claude_code_version"),
            ("cwd", "cwd"),
            ("permissionMode", "permission_mode"),
        ] {
            if let Some(v) = msg.get(from).filter(|v| !v.is_null()) {
                self.sdk_metadata.insert(to.into(), v.clone());
            }
        }
        if let Some(servers) = msg.get("mcp_servers").and_then(Value::as_array) {
            self.mcp_servers = servers
                .iter()
                .filter_map(|s| {
                    Some(McpServer {
                        name: string_of(s, "name")?,
                        status: string_of(s, "status").unwrap_or_default(),
                    })
                })
                .collect();
        }
        had_id
    }

    /// The session's start, from what the wrapper knew and what the SDK has said so far.
    pub fn start(&self, init: &SessionInit) -> Payload {
        let mut metadata = self.sdk_metadata.clone();
        // The user's own keys win over what the SDK reported.
        metadata.extend(init.metadata.clone());
        let (resumed_from, forked_from) = match (&init.resume, init.fork) {
            (Some(id), false) => (Some(id.clone()), None),
            (Some(id), true) => (None, Some(id.clone())),
            // `continue` goes on with the session its init names.
            (None, _) if init.continue_latest => (self.claude_session_id.clone(), None),
            (None, _) => (None, None),
        };
        Payload::SessionStart(SessionStart {
            agent: init.agent.clone(),
            user_id: init.user_id.clone(),
            convo_id: init.convo_id.clone(),
            claude_session_id: self.claude_session_id.clone(),
            model: self.model.clone(),
            input: init.input.clone(),
            metadata,
            started_at: init.started_at,
            resumed_from,
            forked_from,
            entry_point: init.entry_point.clone(),
            mcp_servers: self.mcp_servers.clone(),
            name: init.name.clone(),
            parent_session_id: init.parent_session_id.clone(),
        })
    }
}
