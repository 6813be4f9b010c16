//! Typed client for rclone's remote-control (RC) API.
//!
//! Wire format (rclone 1.75): every call is `POST /<path>` with a JSON body (at least `{}`)
//! and `Content-Type: application/json`; success is a JSON object, failure is
//! `{error, input, path, status}` with HTTP 400 (bad parameters/JSON), 404 (object, directory
//! or method not found) or 500 (everything else). With `_async: true` a call returns
//! `{jobid, executeId}` at once and runs as a job polled with `job/status`.

mod client;
mod error;
mod files;
mod jobs;
pub mod wire;

pub use client::{RawReply, RcClient, TOKEN_EXPIRED, TOKEN_EXPIRED_HEADER};
pub use error::RcError;
pub use files::{FILE_ROUTE, UPLOAD_PATH};
pub use jobs::{JobHandle, WaitOptions};
