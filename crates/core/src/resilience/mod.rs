//! Failure handling for RC calls. All matching on rclone's error text lives in [`classify`].

pub mod breaker;
pub mod breakers;
pub mod classify;
pub mod clock;
pub mod files;
pub mod layer;
pub mod retry;
pub mod watchdog;
