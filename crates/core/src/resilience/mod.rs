//! Failure handling for RC calls. All matching on rclone's error text lives in [`classify`].

pub mod classify;
pub mod clock;
pub mod retry;
