//! Wall-clock time for schedules, injectable so tests can jump over a night or a "sleep".

use std::sync::{
    atomic::{AtomicI64, Ordering},
    Arc,
};

use chrono::{DateTime, Local, LocalResult, NaiveDateTime, TimeZone, Utc};

/// Unix milliseconds and the local time zone's view of them.
pub trait WallClock: Send + Sync + 'static {
    /// Now, in unix ms.
    fn now_ms(&self) -> i64;
    /// `ms` as local wall-clock time.
    fn local(&self, ms: i64) -> NaiveDateTime;
    /// Local wall-clock `t` in unix ms. A time skipped by a daylight-saving change is taken
    /// as the first valid time after it; a repeated one as its first occurrence.
    fn unix_ms(&self, t: NaiveDateTime) -> i64;
}

/// The computer's clock and time zone.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemWall;

impl WallClock for SystemWall {
    fn now_ms(&self) -> i64 {
        Utc::now().timestamp_millis()
    }

    fn local(&self, ms: i64) -> NaiveDateTime {
        DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .with_timezone(&Local)
            .naive_local()
    }

    fn unix_ms(&self, t: NaiveDateTime) -> i64 {
        match Local.from_local_datetime(&t) {
            LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => d.timestamp_millis(),
            // in a spring-forward gap: an hour later exists
            LocalResult::None => Local
                .from_local_datetime(&(t + chrono::Duration::hours(1)))
                .earliest()
                .map(|d| d.timestamp_millis())
                .unwrap_or_else(|| t.and_utc().timestamp_millis()),
        }
    }
}

/// A clock in UTC that moves only when told to (tests).
#[derive(Clone, Debug, Default)]
pub struct ManualWall {
    ms: Arc<AtomicI64>,
}

impl ManualWall {
    /// A clock showing `t` (UTC).
    pub fn at(t: NaiveDateTime) -> Self {
        ManualWall {
            ms: Arc::new(AtomicI64::new(t.and_utc().timestamp_millis())),
        }
    }

    pub fn set(&self, t: NaiveDateTime) {
        self.ms.store(t.and_utc().timestamp_millis(), Ordering::SeqCst);
    }

    pub fn advance_minutes(&self, minutes: i64) {
        self.ms.fetch_add(minutes * 60_000, Ordering::SeqCst);
    }
}

impl WallClock for ManualWall {
    fn now_ms(&self) -> i64 {
        self.ms.load(Ordering::SeqCst)
    }

    fn local(&self, ms: i64) -> NaiveDateTime {
        DateTime::from_timestamp_millis(ms).unwrap_or_default().naive_utc()
    }

    fn unix_ms(&self, t: NaiveDateTime) -> i64 {
        t.and_utc().timestamp_millis()
    }
}
