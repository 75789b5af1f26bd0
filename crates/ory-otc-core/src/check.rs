//! Argument checks, made before any request. Each returns the value as it will be sent, or
//! [`Error::InvalidArgument`]. No message echoes the value: it may be a code or a token.

use ory_otc_protocol::Secret;

use crate::error::Error;

/// The longest e-mail address accepted (RFC 3696 errata: 64 + 1 + 255).
pub const MAX_EMAIL_LEN: usize = 320;
/// The longest session token accepted.
pub const MAX_TOKEN_LEN: usize = 4096;

/// An e-mail address (or other identifier): trimmed, 1 to 320 characters, no control
/// characters. Its shape is Kratos's to judge (4000040), so a typo is an outcome, not an error.
pub fn email(email: &str) -> Result<String, Error> {
    let email = email.trim();
    if email.is_empty() {
        return Err(Error::invalid_value("email", "must not be empty"));
    }
    if email.len() > MAX_EMAIL_LEN {
        return Err(Error::invalid_value(
            "email",
            format!("must be at most {MAX_EMAIL_LEN} bytes"),
        ));
    }
    if email.chars().any(char::is_control) {
        return Err(Error::invalid_value(
            "email",
            "must not contain control characters",
        ));
    }
    Ok(email.to_owned())
}

/// A flow id: a UUID in its hyphenated form, returned lowercased as Kratos writes it.
pub fn flow_id(flow_id: &str) -> Result<String, Error> {
    let ok = flow_id.len() == 36 && uuid::Uuid::try_parse(flow_id).is_ok();
    if !ok {
        return Err(Error::invalid_value(
            "flowId",
            "must be a UUID such as 0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d",
        ));
    }
    Ok(flow_id.to_ascii_lowercase())
}

/// A one-time code: 4 to 16 ASCII digits (Kratos mails 6).
pub fn code(code: &str) -> Result<(), Error> {
    let ok = (4..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        // The code itself is never echoed.
        return Err(Error::invalid_value("code", "must be 4 to 16 digits"));
    }
    Ok(())
}

pub fn session_token(token: &Secret) -> Result<(), Error> {
    let t = token.expose();
    if t.is_empty() || t.len() > MAX_TOKEN_LEN || !t.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return Err(Error::invalid_value(
            "sessionToken",
            format!("must be 1 to {MAX_TOKEN_LEN} visible ASCII characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn emails_are_trimmed_and_bounded() {
        assert_eq!(email("  a@b.c ").unwrap(), "a@b.c");
        for bad in ["", "   ", "a\u{0}@b.c", "a\n@b.c"] {
            assert_eq!(
                email(bad).unwrap_err().code(),
                ErrorCode::InvalidArgValue,
                "{bad:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(320));
        assert_eq!(email(&long).unwrap_err().code(), ErrorCode::InvalidArgValue);
        // Shape is Kratos's call.
        assert!(email("not-an-email").is_ok());
        assert!(email("jürgen@exämple.de").is_ok());
    }

    #[test]
    fn flow_ids_must_be_hyphenated_uuids() {
        assert_eq!(
            flow_id("0B1C2D3E-4F50-4A1B-8C2D-3E4F5A6B7C8D").unwrap(),
            "0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d"
        );
        for bad in [
            "",
            "abc",
            "0b1c2d3e4f504a1b8c2d3e4f5a6b7c8d",
            "{0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d}",
            "0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d&x=1",
            "../../../../etc/passwd/aaaaaaaaaaaaaa",
            "0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c%2",
        ] {
            assert!(flow_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_are_digits_and_never_echoed() {
        assert!(code("123456").is_ok());
        for bad in ["", "12a456", "123", "1".repeat(100).as_str(), "12345６"] {
            let err = code(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgValue);
            if !bad.is_empty() {
                assert!(!err.to_string().contains(bad), "{err}");
            }
        }
    }

    #[test]
    fn tokens_are_visible_ascii() {
        assert!(session_token(&Secret::new("ory_st_abc")).is_ok());
        for bad in ["", "ory st", "ory_st_\n", &"x".repeat(5000)] {
            let err = session_token(&Secret::new(bad)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgValue);
            assert!(bad.is_empty() || !err.to_string().contains(bad));
        }
    }
}
