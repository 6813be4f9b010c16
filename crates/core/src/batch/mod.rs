//! Batches of file operations with durable per-item checkpoints in SQLite.
//!
//! Items run in chunks: one rclone job (`sync/copy`, `sync/move`, `operations/delete`) per
//! chunk with the chunk's file list as a filter, because one RC call per file is 4.7-6.3x
//! slower than a job over the same files. Each chunk is claimed and settled in one
//! transaction each; items that were in flight when the app or rclone died are verified at
//! the destination before anything is redone.

mod collide;
pub mod conflict;
mod lease;
mod pause;
pub mod plan;
mod probe;
pub mod processor;
pub mod raw_names;
pub mod recent;
mod request;
pub mod runner;
mod settle;
mod single;
pub mod store;
pub mod sync;
pub mod verify;

pub use lease::LeaseOwner;
pub use processor::{BatchControl, Processor, ProcessorConfig};
pub use recent::Recent;
pub use request::{BatchRequest, Created, Selection, StartError};
pub use runner::{as_seen, Runner, RunnerSink, INTERRUPTED};
pub use settle::VANISHED;
pub use store::{Store, StoreError};
pub use sync::{SyncError, SyncRequest};
