//! Scheduled batches: "every night at 02:00 copy A to B".
//!
//! A [`Scheduler`] is ticked (every few seconds by the app, once per minute by
//! `rcmd schedule run-due` from a systemd user timer or cron). Each tick handles the due times
//! since the last one: the latest is started when it is on time (or late, with catch-up); older
//! ones, and late ones without catch-up, are recorded as missed. Nothing is dropped silently.
//! A due time is handled by one process only (a compare-and-set on the schedule row plus a
//! unique run record), and the overlap rule keeps two runs of one schedule from running at once.

pub mod clock;
pub mod cron;
mod scheduler;
pub mod store;
pub mod timer;

pub use chrono::{DateTime, NaiveDateTime};
pub use clock::{ManualWall, SystemWall, WallClock};
pub use cron::{Cron, CronError};
pub use scheduler::{Launch, RunnerLaunch, ScheduleError, Scheduler, GRACE_MS};
pub use store::ScheduleStore;
