//! Kratos's numeric UI message ids for the code method (docs/kratos-protocol.md §7).
//!
//! The ids are part of the wire protocol and stable across Kratos releases; the texts are not
//! (§12), so texts are kept by each side separately and classification uses ids only.

/// 1010003: "Please confirm this action by verifying that it is you." (refresh flows)
pub const LOGIN_REFRESH: u32 = 1010003;
/// 1010004: "Please complete the second authentication challenge." (aal2 flows)
pub const LOGIN_AAL2: u32 = 1010004;
/// 1010014: a login code was sent (state `sent_email`).
pub const LOGIN_CODE_SENT: u32 = 1010014;
/// 1010015: label of the "Send sign in code" button.
pub const LOGIN_SEND_CODE_LABEL: u32 = 1010015;
/// 1010025: a login code was sent, for refresh and aal2 flows (Kratos after v26.2.0).
pub const LOGIN_CODE_SENT_MFA: u32 = 1010025;

/// 1040001: label of the "Sign up" button.
pub const REGISTRATION_SIGN_UP_LABEL: u32 = 1040001;
/// 1040005: a registration code was sent (state `sent_email`).
pub const REGISTRATION_CODE_SENT: u32 = 1040005;
/// 1040006: label of the "Send sign up code" button.
pub const REGISTRATION_SEND_CODE_LABEL: u32 = 1040006;
/// 1040008: label of the "Back" button.
pub const REGISTRATION_BACK_LABEL: u32 = 1040008;
/// 1040009: "Please choose a credential to authenticate yourself with."
pub const REGISTRATION_CHOOSE_CREDENTIAL: u32 = 1040009;

/// 1070002: a label generated from the identity schema's title.
pub const LABEL_GENERATED: u32 = 1070002;
/// 1070004: label "ID".
pub const LABEL_ID: u32 = 1070004;
/// 1070007: label "Email".
pub const LABEL_EMAIL: u32 = 1070007;
/// 1070008: label "Resend code".
pub const LABEL_RESEND_CODE: u32 = 1070008;
/// 1070009: label "Continue".
pub const LABEL_CONTINUE: u32 = 1070009;
/// 1070012: label "Registration code".
pub const LABEL_REGISTRATION_CODE: u32 = 1070012;
/// 1070013: label "Login code".
pub const LABEL_LOGIN_CODE: u32 = 1070013;

/// 4000001: generic validation error; its text is the reason (too often, already used,
/// session already available on submit, the API-flow Cookie/Origin guard, decode errors).
pub const GENERIC_VALIDATION: u32 = 4000001;
/// 4000002: "Property %s is missing."
pub const REQUIRED_PROPERTY: u32 = 4000002;
/// 4000007: an account with the same identifier exists already.
pub const DUPLICATE_CREDENTIALS: u32 = 4000007;
/// 4000009: the identity schema has no code identifier.
pub const NO_LOGIN_IDENTIFIER: u32 = 4000009;
/// 4000028: duplicate account, with login hints.
pub const DUPLICATE_CREDENTIALS_HINT: u32 = 4000028;
/// 4000035: "This account does not exist or has not setup sign in with code."
pub const ACCOUNT_NOT_FOUND_OR_NO_CODE: u32 = 4000035;
/// 4000036: the traits differ from those the code was sent for.
pub const TRAITS_MISMATCH: u32 = 4000036;
/// 4000040: "Enter a valid email address" (Kratos v26.2.0 and later).
pub const INVALID_EMAIL: u32 = 4000040;
/// 4000041: "Enter a valid phone number".
pub const INVALID_PHONE: u32 = 4000041;

/// 4010001: the login flow expired (carried by the replacement flow).
pub const LOGIN_FLOW_EXPIRED: u32 = 4010001;
/// 4010002: no login strategy matched the submitted method.
pub const LOGIN_NO_STRATEGY: u32 = 4010002;
/// 4010003: no registration strategy matched the submitted method.
pub const REGISTRATION_NO_STRATEGY: u32 = 4010003;
/// 4010008: the login code is invalid or has already been used (also an expired code, after v26.2.0).
pub const LOGIN_CODE_INVALID: u32 = 4010008;
/// 4010011: the account has been disabled.
pub const ACCOUNT_DISABLED: u32 = 4010011;

/// 4040001: the registration flow expired (carried by the replacement flow).
pub const REGISTRATION_FLOW_EXPIRED: u32 = 4040001;
/// 4040002: the registration was already completed.
pub const REGISTRATION_ALREADY_COMPLETED: u32 = 4040002;
/// 4040003: the registration code is invalid or has already been used.
pub const REGISTRATION_CODE_INVALID: u32 = 4040003;

/// 5000001: system error; its text is the reason.
pub const SYSTEM_GENERIC: u32 = 5000001;
