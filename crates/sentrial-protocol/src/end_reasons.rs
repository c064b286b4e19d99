//! The `end_reason` of a session that did not complete: a word to filter on, from the result
//! subtype or from how the iteration ended.

/// The run reached `maxTurns` (result subtype `error_max_turns`).
pub const END_MAX_TURNS: &str = "error_max_turns";
/// The run reached `maxBudgetUsd` (result subtype `error_max_budget_usd`).
pub const END_MAX_BUDGET: &str = "error_max_budget_usd";
/// The SDK's loop failed (result subtype `error_during_execution`; also after a denial with
/// `interrupt: true`).
pub const END_DURING_EXECUTION: &str = "error_during_execution";
/// Structured output could not be produced (result subtype `error_max_structured_output_retries`).
pub const END_STRUCTURED_OUTPUT: &str = "error_max_structured_output_retries";
/// The model API answered with an error that ended the run (see `api_error_status`).
pub const END_API_ERROR: &str = "api_error";
/// An error result of another kind (its `terminal_reason` when the SDK gave one).
pub const END_ERROR_RESULT: &str = "error_result";
/// `options.abortController` aborted the run.
pub const END_ABORTED: &str = "aborted";
/// `interrupt()` was called.
pub const END_INTERRUPTED: &str = "interrupted";
/// The iterator threw without an error result before it (a crash, a refused claim, ...).
pub const END_EXCEPTION: &str = "exception";
/// The caller stopped iterating (`break`, `return()`) before any result.
pub const END_STOPPED: &str = "stopped";
/// The stream ended by itself without a result.
pub const END_NO_RESULT: &str = "no_result";
/// The tracker was shut down while the run went on.
pub const END_SHUTDOWN: &str = "shutdown";

/// Every end reason this version sends (result subtypes of a newer SDK may add `error_*` ones).
pub const END_REASONS: &[&str] = &[
    END_MAX_TURNS,
    END_MAX_BUDGET,
    END_DURING_EXECUTION,
    END_STRUCTURED_OUTPUT,
    END_API_ERROR,
    END_ERROR_RESULT,
    END_ABORTED,
    END_INTERRUPTED,
    END_EXCEPTION,
    END_STOPPED,
    END_NO_RESULT,
    END_SHUTDOWN,
];
