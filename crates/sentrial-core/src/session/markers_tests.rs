use super::*;
use serde_json::json;

#[test]
fn system_messages_keep_their_named_fields() {
    let (kind, data) = of_system(
        "compact_boundary",
        &json!({"compact_metadata": {"trigger": "auto", "pre_tokens": 190000, "post_tokens": 12000,
                    "preserved_segment": {"head_uuid": "a"}}}),
    )
    .unwrap();
    assert_eq!(kind, "compact");
    assert_eq!(
        Value::Object(data),
        json!({"trigger": "auto", "pre_tokens": 190000, "post_tokens": 12000})
    );
    let (kind, data) = of_system(
        "api_retry",
        &json!({"attempt": 1, "max_retries": 10, "retry_delay_ms": 512, "error_status": 529,
                    "error": "overloaded", "uuid": "u"}),
    )
    .unwrap();
    assert_eq!(kind, "api_retry");
    assert_eq!(data["error_status"], 529);
    assert!(!data.contains_key("uuid"));
    let (kind, data) = of_system(
        "model_refusal_fallback",
        &json!({"original_model": "a", "fallback_model": "b", "api_refusal_category": "cyber"}),
    )
    .unwrap();
    assert_eq!(
        (kind, &data["category"]),
        ("model_fallback", &json!("cyber"))
    );
    assert!(of_system("status", &json!({"status": "requesting"})).is_none());
    assert!(of_system("init", &json!({})).is_none());
}

#[test]
fn routine_rate_limit_events_are_not_markers() {
    assert!(of_rate_limit(&json!({"rate_limit_info": {"status": "allowed"}})).is_none());
    let (_, data) = of_rate_limit(
            &json!({"rate_limit_info": {"status": "rejected", "rateLimitType": "five_hour", "resetsAt": 1}}),
        )
        .unwrap();
    assert_eq!(data["rate_limit_type"], "five_hour");
}

#[test]
fn a_synthetic_api_error_keeps_status_and_text() {
    let msg = json!({"type": "assistant", "api_error_status": 400, "error": "unknown",
                         "is_api_error_message": true});
    let message = json!({"model": "<synthetic>", "content": [{"type": "text", "text": "API Error: 400 bad"}]});
    let (kind, data) = of_synthetic(&msg, &message).unwrap();
    assert_eq!(kind, "api_error");
    assert_eq!(
        Value::Object(data),
        json!({"status": 400, "error": "unknown", "message": "API Error: 400 bad"})
    );
    assert!(of_synthetic(&json!({"type": "assistant"}), &message).is_none());
}

#[test]
fn only_the_interrupt_note_is_a_marker() {
    assert!(of_user_text("[Request interrupted by user for tool use]").is_some());
    assert!(of_user_text("hello").is_none());
}
