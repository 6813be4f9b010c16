//! Tauri commands. Each validates its input and delegates to `rcmd-core`.

pub mod app;
pub mod breakers;
pub mod files;
