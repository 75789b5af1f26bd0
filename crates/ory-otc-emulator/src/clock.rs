//! The emulator's clock: wall time plus an offset that tests move forward.
//!
//! Flows, codes and sessions expire against this clock, so a test calls
//! [`Clock::advance`] instead of sleeping. Times are cut to microseconds, the precision Kratos's
//! database keeps, so a timestamp read back from a flow equals the one written.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;

#[derive(Debug, Default)]
pub struct Clock {
    /// How far the emulated time runs ahead of the wall clock, in microseconds.
    offset_micros: AtomicI64,
}

impl Clock {
    /// The emulated "now", in UTC, to the microsecond.
    pub fn now(&self) -> OffsetDateTime {
        let wall = OffsetDateTime::now_utc();
        let offset = time::Duration::microseconds(self.offset_micros.load(Ordering::Relaxed));
        truncate_to_micros(wall + offset)
    }

    /// Moves the emulated time forward. Never moves it back.
    pub fn advance(&self, by: Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.offset_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

fn truncate_to_micros(t: OffsetDateTime) -> OffsetDateTime {
    let nanos = t.nanosecond();
    t.replace_nanosecond(nanos - nanos % 1_000).unwrap_or(t)
}

/// Formats like Go's `time.RFC3339Nano` in UTC: fractional seconds without trailing zeros, and
/// no fraction at all when it is zero (`2026-01-01T12:00:00.1234Z`, `2026-01-01T12:00:00Z`).
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let nanos = t.nanosecond();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Seconds between `later` and `earlier` as Go's `Duration.Minutes()` would give them.
pub fn minutes_between(earlier: OffsetDateTime, later: OffsetDateTime) -> f64 {
    let d = later - earlier;
    d.whole_nanoseconds() as f64 / 60e9
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn rfc3339_trims_trailing_zeros_like_go() {
        assert_eq!(
            rfc3339(datetime!(2026-01-01 12:00:00.123400 UTC)),
            "2026-01-01T12:00:00.1234Z"
        );
        assert_eq!(
            rfc3339(datetime!(2026-01-01 12:00:00 UTC)),
            "2026-01-01T12:00:00Z"
        );
    }

    #[test]
    fn advancing_moves_now_forward_by_at_least_the_amount() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        let after = clock.now();
        assert!(after - before >= time::Duration::hours(1));
        assert!(after - before < time::Duration::hours(1) + time::Duration::seconds(5));
    }

    #[test]
    fn now_has_microsecond_precision() {
        assert_eq!(Clock::default().now().nanosecond() % 1_000, 0);
    }
}
