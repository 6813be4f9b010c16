//! RCMD core: the engine the desktop app, the command line and the rproxy server share.
//!
//! * [`rc`]: a typed client for rclone's remote-control API, speaking its real wire format.
//! * [`ops`]: the commander's operations (list, copy, rename, properties, remotes, ...).
//! * [`sidecar`]: launching and supervising a local `rclone rcd`.
//! * [`events`]: the typed event bus the UI bridge and notifications listen to.
//!
//! This crate has no Tauri dependency: the shell adapts it.

pub mod app_dirs;
pub mod batch;
pub mod bisync;
pub mod compare;
pub mod connection;
pub mod desktop;
pub mod edit;
pub mod engine;
pub mod error;
pub mod events;
pub mod logging;
pub mod logs;
pub mod mount;
pub mod net;
pub mod notify;
pub mod ops;
pub mod rc;
pub mod remote_config;
pub mod remote_path;
pub mod resilience;
pub mod rproxy_client;
pub mod schedule;
pub mod secret;
pub mod secrets;
pub mod settings;
pub mod sidecar;
pub mod stop_signal;
pub mod units;
pub mod view;
pub mod watch;

pub use error::{Error, Result};
pub use rcmd_types as types;
