//! The browser's cookies during one call in browser mode (docs/kratos-protocol.md §2.6, §9).
//!
//! A call starts from the `Cookie` header the browser sent to the app. Every request of the
//! call carries the cookies as they stand, and every `Set-Cookie` Kratos answers with updates
//! them, as a browser's cookie jar would for the length of the call: a call that creates a
//! flow and submits it carries the CSRF cookie Kratos set on creation. The `Set-Cookie`
//! headers are also kept, in order, to hand back to the browser.
//!
//! All requests go to one origin, so cookies are not matched by domain or path. No value is
//! ever printed: `Debug` shows cookie names only.

use std::fmt;

use cookie::time::OffsetDateTime;
use cookie::Cookie;

use crate::config::CookieDomain;
use crate::outcome::CsrfCause;

/// Kratos's CSRF cookie: `csrf_token_<sha256 hex of the public URL>` (docs/kratos-protocol.md §2.6).
const CSRF_COOKIE_PREFIX: &str = "csrf_token_";

/// The cookies of one browser, during one call.
#[derive(Default)]
pub struct Cookies {
    /// Name and value, in the order the browser sent them; new cookies are appended.
    jar: Vec<(String, String)>,
    /// `Set-Cookie` values to forward to the browser, in the order Kratos sent them.
    set_cookie: Vec<String>,
}

impl Cookies {
    /// No cookies: a browser's first visit, or API mode.
    pub fn none() -> Self {
        Self::default()
    }

    /// The cookies of a `Cookie` request header (`a=1; b=2`). Pairs without `=` are skipped, as
    /// browsers never send them.
    pub fn from_header(header: &str) -> Self {
        let jar = header
            .split(';')
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                let name = name.trim();
                (!name.is_empty()).then(|| (name.to_owned(), value.trim().to_owned()))
            })
            .collect();
        Self {
            jar,
            set_cookie: Vec::new(),
        }
    }

    /// The `Cookie` header for the next request, or `None` when there are no cookies.
    pub(crate) fn header(&self) -> Option<String> {
        if self.jar.is_empty() {
            return None;
        }
        let mut header = String::new();
        for (name, value) in &self.jar {
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(name);
            header.push('=');
            header.push_str(value);
        }
        Some(header)
    }

    /// Takes in one `Set-Cookie` header of a Kratos answer: updates the jar, and keeps the header
    /// for the browser, its `Domain` rewritten as configured. A header that does not parse is
    /// forwarded as it came and leaves the jar alone: the browser is the judge of it.
    pub(crate) fn store(&mut self, set_cookie: &str, domain: Option<&CookieDomain>) {
        let Ok(mut parsed) = Cookie::parse(set_cookie.to_owned()) else {
            self.set_cookie.push(set_cookie.to_owned());
            return;
        };
        let expired = parsed
            .max_age()
            .is_some_and(|age| age.is_zero() || age.is_negative())
            || parsed
                .expires_datetime()
                .is_some_and(|at| at <= OffsetDateTime::now_utc());
        let name = parsed.name().to_owned();
        let position = self.jar.iter().position(|(n, _)| *n == name);
        match (expired, position) {
            (true, Some(i)) => {
                self.jar.remove(i);
            }
            (true, None) => {}
            (false, Some(i)) => self.jar[i].1 = parsed.value().to_owned(),
            (false, None) => self.jar.push((name, parsed.value().to_owned())),
        }
        let forwarded = match domain {
            None => set_cookie.to_owned(),
            Some(CookieDomain::Remove) => {
                parsed.unset_domain();
                parsed.to_string()
            }
            Some(CookieDomain::Set(d)) => {
                parsed.set_domain(d.clone());
                parsed.to_string()
            }
        };
        self.set_cookie.push(forwarded);
    }

    /// The `Set-Cookie` headers to forward to the browser, in the order Kratos sent them.
    pub fn set_cookie(&self) -> &[String] {
        &self.set_cookie
    }

    pub fn into_set_cookie(self) -> Vec<String> {
        self.set_cookie
    }

    /// Why Kratos could have found a CSRF violation in a request carrying these cookies.
    pub fn csrf_cause(&self) -> CsrfCause {
        if self.jar.is_empty() {
            CsrfCause::NoCookie
        } else if !self
            .jar
            .iter()
            .any(|(n, _)| n.starts_with(CSRF_COOKIE_PREFIX))
        {
            CsrfCause::NoCsrfCookie
        } else {
            CsrfCause::Mismatch
        }
    }
}

impl fmt::Debug for Cookies {
    /// Names only: a value can be a session cookie.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cookies")
            .field("jar", &self.jar.iter().map(|(n, _)| n).collect::<Vec<_>>())
            .field("set_cookie", &self.set_cookie.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSRF: &str =
        "csrf_token_806060ca5bf70dff3caa0e5c860002aade9d470a5a4dce73bcfa7ba10778f481";

    #[test]
    fn a_cookie_header_is_read_and_written_back_in_order() {
        let c = Cookies::from_header("a=1; b = 2 ;junk; =x; c=3=4");
        assert_eq!(c.header().as_deref(), Some("a=1; b=2; c=3=4"));
        assert_eq!(Cookies::from_header("").header(), None);
        assert_eq!(Cookies::none().header(), None);
    }

    #[test]
    fn set_cookie_updates_the_jar_like_a_browser() {
        let mut c = Cookies::from_header("a=1; ory_kratos_session=old");
        c.store(
            &format!("{CSRF}=tok; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"),
            None,
        );
        c.store("ory_kratos_session=new; Path=/; HttpOnly", None);
        assert_eq!(
            c.header().as_deref(),
            Some(format!("a=1; ory_kratos_session=new; {CSRF}=tok").as_str())
        );
        c.store(
            "ory_kratos_session=gone; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0",
            None,
        );
        assert_eq!(
            c.header().as_deref(),
            Some(format!("a=1; {CSRF}=tok").as_str())
        );
        assert_eq!(
            c.set_cookie().len(),
            3,
            "every header is forwarded, in order"
        );
        assert!(c.set_cookie()[0].starts_with(CSRF));
    }

    #[test]
    fn the_domain_is_rewritten_or_removed_only_when_asked() {
        let raw = "ory_kratos_session=v; Path=/; Domain=kratos.internal; HttpOnly";
        let mut keep = Cookies::none();
        keep.store(raw, None);
        assert_eq!(keep.set_cookie(), [raw]);

        let mut set = Cookies::none();
        set.store(raw, Some(&CookieDomain::Set("example.com".into())));
        assert!(
            set.set_cookie()[0].contains("Domain=example.com"),
            "{}",
            set.set_cookie()[0]
        );
        assert!(!set.set_cookie()[0].contains("kratos.internal"));

        let mut removed = Cookies::none();
        removed.store(raw, Some(&CookieDomain::Remove));
        assert!(
            !removed.set_cookie()[0].contains("Domain"),
            "{}",
            removed.set_cookie()[0]
        );
        assert!(removed.set_cookie()[0].starts_with("ory_kratos_session=v"));
        assert!(removed.set_cookie()[0].contains("HttpOnly"));
    }

    #[test]
    fn the_csrf_cause_follows_the_cookies_sent() {
        assert_eq!(Cookies::none().csrf_cause(), CsrfCause::NoCookie);
        assert_eq!(
            Cookies::from_header("a=1").csrf_cause(),
            CsrfCause::NoCsrfCookie
        );
        assert_eq!(
            Cookies::from_header(&format!("a=1; {CSRF}=x")).csrf_cause(),
            CsrfCause::Mismatch
        );
    }

    #[test]
    fn debug_shows_names_never_values() {
        let mut c = Cookies::from_header("ory_kratos_session=SECRETVALUE");
        c.store("x=ALSOSECRET; Path=/", None);
        let shown = format!("{c:?}");
        assert!(shown.contains("ory_kratos_session"), "{shown}");
        assert!(
            !shown.contains("SECRETVALUE") && !shown.contains("ALSOSECRET"),
            "{shown}"
        );
    }
}
