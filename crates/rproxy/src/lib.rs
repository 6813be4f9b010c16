//! rproxy: a server that speaks rclone's remote-control API exactly (same paths, bodies,
//! errors, job model) in front of a supervised `rclone rcd`, adding users with roles,
//! per-user remotes and a deny list for dangerous calls. Built on RCMD's engine (`rcmd-core`):
//! the sidecar supervisor and RC client are reused.

pub mod audit;
pub mod auth;
mod batch_bisync;
mod batch_sync;
pub mod batches;
mod call;
pub mod canonical;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
mod forward;
mod gate;
mod handlers;
pub mod jobs;
pub mod limit;
pub mod login;
pub mod notify;
mod own_stats;
pub mod params;
pub mod policy;
pub mod queue;
mod reply;
pub mod router;
pub mod serve;
mod state;
pub mod tls;
pub mod verifier;
pub mod watch;

pub use router::{router, AppState};
