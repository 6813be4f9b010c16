//! Tauri commands. Each validates its input and delegates to `rcmd-core`.

pub mod app;
pub mod batches;
pub mod breakers;
pub mod commander;
pub mod compare;
pub mod connection;
pub mod desktop;
pub mod files;
pub mod mounts;
pub mod notify;
pub mod pairs;
pub mod remotes;
pub mod schedules;
pub mod view;
