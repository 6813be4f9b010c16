//! Failure handling for RC calls. All matching on rclone's error text lives in [`classify`].

pub mod classify;
