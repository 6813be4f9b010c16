//! Tauri commands. Each validates its input and delegates to `rcmd-core`.

pub mod app;
pub mod batches;
pub mod breakers;
pub mod commander;
pub mod connection;
pub mod files;
pub mod notify;
