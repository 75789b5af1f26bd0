//! The emulator's own table of Kratos UI message texts (docs/kratos-protocol.md §7), written separately from
//! the client core's table so that a typo in one is caught by the other.
//!
//! Every text the code method shows is the same in v26.2.0 and HEAD (checked against
//! `text/message_*.go` at both tags); 1010025 and 4010011 only exist in HEAD.

use ory_otc_protocol::message as id;
use ory_otc_protocol::ui::{Text, TextKind};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::clock::{minutes_between, rfc3339};
use crate::config::KratosVersion;

fn msg(id: u32, kind: TextKind, text: impl Into<String>, context: Option<Value>) -> Text {
    let context = context.and_then(|v| match v {
        Value::Object(m) => Some(m),
        _ => None,
    });
    Text {
        id,
        text: text.into(),
        kind,
        context,
    }
}

fn info(id: u32, text: &str) -> Text {
    msg(id, TextKind::Info, text, None)
}

fn error(id: u32, text: &str) -> Text {
    msg(id, TextKind::Error, text, None)
}

// --- info: labels and states (docs/kratos-protocol.md §7) -------------------------------------------------

/// 1010014, or 1010025 for refresh/aal2 flows in HEAD (docs/kratos-protocol.md §4 "Login, sent_email").
pub fn login_code_sent(version: KratosVersion, authenticated_user: bool) -> Text {
    if version == KratosVersion::V1_3_1 {
        return info(
            id::LOGIN_CODE_SENT,
            "An email containing a code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and retry the login.",
        );
    }
    if authenticated_user && version == KratosVersion::Latest {
        return info(
            id::LOGIN_CODE_SENT_MFA,
            "A code was sent to your address. If you didn't receive it, please try again.",
        );
    }
    info(
        id::LOGIN_CODE_SENT,
        "A code was sent to the address you provided. If you didn't receive it, please check the spelling of the address and try again.",
    )
}

/// 1010003, on refresh flows.
pub fn login_refresh() -> Text {
    info(
        id::LOGIN_REFRESH,
        "Please confirm this action by verifying that it is you.",
    )
}

/// 1010004, on aal2 flows.
pub fn login_aal2() -> Text {
    info(
        id::LOGIN_AAL2,
        "Please complete the second authentication challenge.",
    )
}

pub fn login_send_code_label() -> Text {
    info(id::LOGIN_SEND_CODE_LABEL, "Send sign in code")
}

pub fn registration_code_sent(version: KratosVersion) -> Text {
    if version == KratosVersion::V1_3_1 {
        return info(
            id::REGISTRATION_CODE_SENT,
            "An email containing a code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and retry the registration.",
        );
    }
    info(
        id::REGISTRATION_CODE_SENT,
        "A code has been sent to the address(es) you provided. If you have not received a message, check the spelling of the address and retry the registration.",
    )
}

pub fn sign_up_label() -> Text {
    info(id::REGISTRATION_SIGN_UP_LABEL, "Sign up")
}

pub fn send_sign_up_code_label() -> Text {
    info(id::REGISTRATION_SEND_CODE_LABEL, "Send sign up code")
}

pub fn back_label() -> Text {
    info(id::REGISTRATION_BACK_LABEL, "Back")
}

pub fn choose_credential() -> Text {
    info(
        id::REGISTRATION_CHOOSE_CREDENTIAL,
        "Please choose a credential to authenticate yourself with.",
    )
}

/// 1070002 as v1.3.1 writes it: the context has the title only.
pub fn generated_label_legacy(title: &str) -> Text {
    msg(
        id::LABEL_GENERATED,
        TextKind::Info,
        title,
        Some(json!({ "title": title })),
    )
}

/// 1070002: a label generated from a schema `title`; context keys sorted as Go's map encoder
/// writes them.
pub fn generated_label(title: &str, name: &str) -> Text {
    msg(
        id::LABEL_GENERATED,
        TextKind::Info,
        title,
        Some(json!({"name": name, "title": title})),
    )
}

pub fn id_label() -> Text {
    info(id::LABEL_ID, "ID")
}

pub fn resend_code_label() -> Text {
    info(id::LABEL_RESEND_CODE, "Resend code")
}

pub fn continue_label() -> Text {
    info(id::LABEL_CONTINUE, "Continue")
}

pub fn registration_code_label() -> Text {
    info(id::LABEL_REGISTRATION_CODE, "Registration code")
}

pub fn login_code_label() -> Text {
    info(id::LABEL_LOGIN_CODE, "Login code")
}

// --- errors ---------------------------------------------------------------------------------

/// 4000001: a herodot 400 turned into a flow message; the text is the reason.
pub fn generic(reason: &str) -> Text {
    msg(
        id::GENERIC_VALIDATION,
        TextKind::Error,
        reason,
        Some(json!({ "reason": reason })),
    )
}

/// 4000002 "Property %s is missing." `{property}`.
pub fn required(property: &str) -> Text {
    msg(
        id::REQUIRED_PROPERTY,
        TextKind::Error,
        format!("Property {property} is missing."),
        Some(json!({ "property": property })),
    )
}

pub fn duplicate_credentials() -> Text {
    error(
        id::DUPLICATE_CREDENTIALS,
        "An account with the same identifier (email, phone, username, ...) exists already.",
    )
}

pub fn no_login_identifier() -> Text {
    error(
        id::NO_LOGIN_IDENTIFIER,
        "Could not find any login identifiers. Did you forget to set them? This could also be caused by a server misconfiguration.",
    )
}

/// 4000026 "expected %s, but got %s" `{actual_type, allowed_types}`.
pub fn wrong_type(allowed: &[&str], actual: &str) -> Text {
    msg(
        4000026,
        TextKind::Error,
        format!("expected {}, but got {}", allowed.join(" or "), actual),
        Some(json!({ "actual_type": actual, "allowed_types": allowed })),
    )
}

pub fn account_not_found() -> Text {
    error(
        id::ACCOUNT_NOT_FOUND_OR_NO_CODE,
        "This account does not exist or has not setup sign in with code.",
    )
}

pub fn traits_mismatch() -> Text {
    error(
        id::TRAITS_MISMATCH,
        "The provided traits do not match the traits previously associated with this flow.",
    )
}

/// 4000040 "Enter a valid email address" `{value}` (v26.2.0 and HEAD).
pub fn invalid_email(value: &str) -> Text {
    msg(
        id::INVALID_EMAIL,
        TextKind::Error,
        "Enter a valid email address",
        Some(json!({ "value": value })),
    )
}

fn expired_context(expired_at: OffsetDateTime) -> Value {
    json!({ "expired_at": rfc3339(expired_at), "expired_at_unix": expired_at.unix_timestamp() })
}

/// 4010001 "The login flow expired %.2f minutes ago, please try again."
pub fn login_flow_expired(expired_at: OffsetDateTime, now: OffsetDateTime) -> Text {
    let minutes = minutes_between(expired_at, now);
    msg(
        id::LOGIN_FLOW_EXPIRED,
        TextKind::Error,
        format!("The login flow expired {minutes:.2} minutes ago, please try again."),
        Some(expired_context(expired_at)),
    )
}

pub fn login_no_strategy() -> Text {
    error(
        id::LOGIN_NO_STRATEGY,
        "Could not find a strategy to log you in with. Did you fill out the form correctly?",
    )
}

pub fn registration_no_strategy() -> Text {
    error(
        id::REGISTRATION_NO_STRATEGY,
        "Could not find a strategy to sign you up with. Did you fill out the form correctly?",
    )
}

pub fn login_code_invalid() -> Text {
    error(
        id::LOGIN_CODE_INVALID,
        "The login code is invalid or has already been used. Please try again.",
    )
}

/// 4010011, HEAD only.
pub fn account_disabled() -> Text {
    error(
        id::ACCOUNT_DISABLED,
        "This account has been disabled. Please contact support for assistance.",
    )
}

/// 4040001 "The registration flow expired %.2f minutes ago, please try again."
pub fn registration_flow_expired(expired_at: OffsetDateTime, now: OffsetDateTime) -> Text {
    let minutes = minutes_between(expired_at, now);
    msg(
        id::REGISTRATION_FLOW_EXPIRED,
        TextKind::Error,
        format!("The registration flow expired {minutes:.2} minutes ago, please try again."),
        Some(expired_context(expired_at)),
    )
}

pub fn registration_code_invalid() -> Text {
    error(
        id::REGISTRATION_CODE_INVALID,
        "The registration code is invalid or has already been used. Please try again.",
    )
}

/// The reasons that become 4000001 texts.
pub mod reason {
    pub const TOO_OFTEN: &str = "The request was submitted too often. Please request another code.";
    pub const CODE_ALREADY_USED: &str = "The code was already used. Please request another code.";
    pub const LOGIN_ALREADY_LOGGED_IN: &str =
        "A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?";
    pub const REGISTRATION_ALREADY_LOGGED_IN: &str =
        "A valid session was detected and thus registration is not possible.";
    pub const ORIGIN_ON_API_FLOW: &str = "The HTTP Request Header included the \"Origin\" key, indicating that this request was made as part of an AJAX request in a Browser. The flow however was initiated as an API request. To prevent potential misuse and mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation.";
    pub const COOKIE_ON_API_FLOW: &str = "The HTTP Request Header included the \"Cookie\" key, indicating that this request was made by a Browser. The flow however was initiated as an API request. To prevent potential misuse and mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation.";
    pub const FLOW_ID_MALFORMED: &str = "The flow query parameter is missing or malformed.";
    pub const ENDPOINT_DISABLED: &str =
        "This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.";
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn generated_label_context_keys_are_sorted_like_go_maps() {
        let t = generated_label("E-Mail", "traits.email");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"id":1070002,"text":"E-Mail","type":"info","context":{"name":"traits.email","title":"E-Mail"}}"#
        );
    }

    #[test]
    fn the_expired_text_has_two_decimals_and_unix_context() {
        let at = datetime!(2026-01-01 12:00:00 UTC);
        let t = login_flow_expired(at, at + time::Duration::seconds(150));
        assert_eq!(
            t.text,
            "The login flow expired 2.50 minutes ago, please try again."
        );
        let ctx = t.context.unwrap();
        assert_eq!(ctx["expired_at"], "2026-01-01T12:00:00Z");
        assert_eq!(ctx["expired_at_unix"], 1767268800);
    }

    #[test]
    fn the_authenticated_user_text_exists_only_in_head() {
        assert_eq!(login_code_sent(KratosVersion::Latest, true).id, 1010025);
        assert_eq!(login_code_sent(KratosVersion::V26_2_0, true).id, 1010014);
        assert_eq!(login_code_sent(KratosVersion::Latest, false).id, 1010014);
    }

    #[test]
    fn generic_carries_its_reason_in_context() {
        let t = generic(reason::TOO_OFTEN);
        assert_eq!(t.id, 4000001);
        assert_eq!(t.context.unwrap()["reason"], reason::TOO_OFTEN);
    }
}
