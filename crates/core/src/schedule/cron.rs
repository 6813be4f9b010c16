//! Cron expressions (the five classic fields: minute hour day-of-month month day-of-week),
//! evaluated in local wall-clock time at minute resolution.
//!
//! Each field takes `*`, numbers, ranges `a-b`, lists `a,b`, and steps `*/n` or `a-b/n`;
//! day-of-week is 0-7 (0 and 7 are Sunday). As in cron, when both day fields are restricted a
//! day matches either of them. Shorthands: `@hourly`, `@daily`, `@weekly`, `@monthly`.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// A parsed expression: one bit set per allowed value of each field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    days_restricted: bool,
    weekdays_restricted: bool,
    text: String,
}

/// Why an expression was refused (shown to the user as is).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CronError {
    #[error("a schedule has five fields (minute hour day month weekday), found {0}")]
    Fields(usize),
    #[error("{field}: `{value}` is not a number, range or step in {min}-{max}")]
    Value {
        field: &'static str,
        value: String,
        min: u32,
        max: u32,
    },
    #[error("this schedule never runs (no such date)")]
    Never,
}

const FIELDS: [(&str, u32, u32); 5] = [
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day", 1, 31),
    ("month", 1, 12),
    ("weekday", 0, 7),
];

impl Cron {
    /// Parses `text`; whitespace between fields may be any run of spaces or tabs.
    pub fn parse(text: &str) -> Result<Cron, CronError> {
        let expanded = match text.trim() {
            "@hourly" => "0 * * * *",
            "@daily" | "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            other => other,
        };
        let parts: Vec<&str> = expanded.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(CronError::Fields(parts.len()));
        }
        let mut bits = [0u64; 5];
        for (i, part) in parts.iter().enumerate() {
            bits[i] = field(part, FIELDS[i])?;
        }
        // Sunday is 0 and 7
        let weekdays = ((bits[4] | (bits[4] >> 7)) & 0x7f) as u8;
        let cron = Cron {
            minutes: bits[0],
            hours: bits[1] as u32,
            days: bits[2] as u32,
            months: bits[3] as u16,
            weekdays,
            days_restricted: parts[2] != "*",
            weekdays_restricted: parts[4] != "*",
            text: text.trim().to_owned(),
        };
        // 31 February and the like: refuse instead of looping for ever
        if cron
            .next_after(
                NaiveDate::from_ymd_opt(2000, 1, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .unwrap_or_default(),
            )
            .is_none()
        {
            return Err(CronError::Never);
        }
        Ok(cron)
    }

    /// The expression as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn day_matches(&self, d: NaiveDate) -> bool {
        if self.months & (1 << d.month()) == 0 {
            return false;
        }
        let dom = self.days & (1 << d.day()) != 0;
        let dow = self.weekdays & (1 << d.weekday().num_days_from_sunday()) != 0;
        match (self.days_restricted, self.weekdays_restricted) {
            (true, true) => dom || dow,
            (true, false) => dom,
            (false, true) => dow,
            (false, false) => true,
        }
    }

    /// The first matching minute strictly after `t` (local wall-clock time), within eight
    /// years (every valid expression matches within that span, leap days included).
    pub fn next_after(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        let start = t.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let mut day = start.date();
        let last = day + Duration::days(366 * 8);
        let mut from = start.time();
        while day <= last {
            if self.day_matches(day) {
                if let Some(time) = self.first_time_from(from) {
                    return Some(day.and_time(time));
                }
            }
            day = day.succ_opt()?;
            from = NaiveTime::MIN;
        }
        None
    }

    fn first_time_from(&self, from: NaiveTime) -> Option<NaiveTime> {
        for h in from.hour()..24 {
            if self.hours & (1 << h) == 0 {
                continue;
            }
            let m0 = if h == from.hour() { from.minute() } else { 0 };
            if let Some(m) = (m0..60).find(|m| self.minutes & (1 << m) != 0) {
                return NaiveTime::from_hms_opt(h, m, 0);
            }
        }
        None
    }
}

/// One field's allowed values as bits.
fn field(text: &str, (name, min, max): (&'static str, u32, u32)) -> Result<u64, CronError> {
    let bad = || CronError::Value {
        field: name,
        value: text.to_owned(),
        min,
        max,
    };
    let mut bits = 0u64;
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(bad)?),
            None => (item, 1),
        };
        let num = |s: &str| {
            s.parse::<u32>()
                .ok()
                .filter(|v| (min..=max).contains(v))
                .ok_or_else(bad)
        };
        let (lo, hi) = match range {
            "*" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (num(a)?, num(b)?),
                // `5/15` means 5, 20, 35, 50, as in common crons
                None if step > 1 => (num(r)?, max),
                None => (num(r)?, num(r)?),
            },
        };
        if lo > hi {
            return Err(bad());
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test time")
    }

    fn next(cron: &str, t: &str) -> String {
        Cron::parse(cron)
            .expect("valid")
            .next_after(at(t))
            .expect("runs")
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    #[test]
    fn nightly_runs_at_two_the_next_night() {
        assert_eq!(next("0 2 * * *", "2026-12-01 01:59"), "2026-12-01 02:00");
        assert_eq!(next("0 2 * * *", "2026-12-01 02:00"), "2026-12-02 02:00");
        assert_eq!(next("@daily", "2026-12-31 23:59"), "2027-01-01 00:00");
    }

    #[test]
    fn steps_ranges_lists_and_weekdays() {
        assert_eq!(next("*/15 * * * *", "2026-12-01 10:07"), "2026-12-01 10:15");
        assert_eq!(next("5/20 * * * *", "2026-12-01 10:26"), "2026-12-01 10:45");
        assert_eq!(next("0 9-17/4 * * *", "2026-12-01 13:00"), "2026-12-01 17:00");
        assert_eq!(next("30 8 * * 1-5", "2026-12-04 09:00"), "2026-12-07 08:30"); // Friday -> Monday
        assert_eq!(next("0 0 * * 7", "2026-12-01 00:00"), "2026-12-06 00:00"); // Sunday as 7
        assert_eq!(next("0 12 1,15 * *", "2026-12-02 00:00"), "2026-12-15 12:00");
        // both day fields restricted: either matches (cron's rule)
        assert_eq!(next("0 0 13 * 5", "2026-12-01 00:00"), "2026-12-04 00:00");
        assert_eq!(next("0 0 29 2 *", "2026-03-01 00:00"), "2028-02-29 00:00");
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        assert_eq!(Cron::parse("0 2 * *"), Err(CronError::Fields(4)));
        assert!(matches!(
            Cron::parse("61 * * * *"),
            Err(CronError::Value { field: "minute", .. })
        ));
        assert!(matches!(
            Cron::parse("0 5-2 * * *"),
            Err(CronError::Value { field: "hour", .. })
        ));
        assert!(matches!(Cron::parse("*/0 * * * *"), Err(CronError::Value { .. })));
        assert!(matches!(
            Cron::parse("0 0 * * mon"),
            Err(CronError::Value { field: "weekday", .. })
        ));
        assert_eq!(Cron::parse("0 0 31 2 *"), Err(CronError::Never));
    }
}
