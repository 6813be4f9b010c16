//! A file's bytes between a remote and this computer's disk (quick view, edit), whichever
//! way the connection goes: with this computer's rclone, a copy job to or from the local disk
//! (retries, breakers, stall watchdog); connected to a server, whose rclone's disk is not this
//! computer's, a read or write through its `rproxy/file` route, under the same breaker, with
//! a stall limit on the bytes.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use super::layer::Resilient;
use crate::{
    rc::RcError,
    remote_path::{RemotePath, LOCAL_DISK},
    view::ViewError,
    Error, Result,
};

/// A problem with this computer's copy (not the remote's fault).
fn local_error(path: &Path, e: std::io::Error) -> Error {
    ViewError::Cache {
        dir: path.parent().unwrap_or(path).display().to_string(),
        reason: e.to_string(),
    }
    .into()
}

/// Where a download is written until it is whole (then renamed onto `local`).
fn partial(local: &Path) -> PathBuf {
    let mut name = local.file_name().unwrap_or_default().to_os_string();
    name.push(".rcmd-part");
    local.with_file_name(name)
}

impl Resilient {
    /// Copies remote file `file` to `local` (replaced whole: a broken transfer leaves nothing
    /// at `local`).
    pub async fn download(&self, file: &RemotePath, local: &Path, cancel: &CancellationToken) -> Result<()> {
        if !self.is_server() {
            let dst = RemotePath::new(LOCAL_DISK, &local.to_string_lossy())?;
            self.copy_file(file, &dst, cancel).await?;
            return Ok(());
        }
        let idle = self.watchdog().stall_after;
        let part = partial(local);
        let name = file.path().rsplit('/').next().unwrap_or_default().to_owned();
        let result = self
            .transfer_once(&file.parent(), None, Some(&name), cancel, |rc| {
                let part = part.clone();
                async move {
                    let resp = rc.server_read(&file.fs(), file.path()).await?;
                    let mut out = tokio::fs::File::create(&part)
                        .await
                        .map_err(|e| local_error(&part, e))?;
                    let mut body = resp.bytes_stream();
                    loop {
                        let next = tokio::select! {
                            _ = cancel.cancelled() => return Err(Error::Cancelled),
                            n = tokio::time::timeout(idle, body.next()) => n,
                        };
                        match next {
                            Err(_) => {
                                let path = crate::rc::FILE_ROUTE.to_owned();
                                return Err(RcError::BodyStalled { path, idle }.into());
                            }
                            Ok(None) => break,
                            Ok(Some(Err(source))) => {
                                let path = crate::rc::FILE_ROUTE.to_owned();
                                // the file route is rproxy's: only a server's client reads it
                                return Err(RcError::Transport {
                                    path,
                                    server: true,
                                    source,
                                }
                                .into());
                            }
                            Ok(Some(Ok(chunk))) => out.write_all(&chunk).await.map_err(|e| local_error(&part, e))?,
                        }
                    }
                    out.flush().await.map_err(|e| local_error(&part, e))?;
                    out.sync_all().await.map_err(|e| local_error(&part, e))?;
                    Ok(())
                }
            })
            .await;
        match result {
            Ok(()) => std::fs::rename(&part, local).map_err(|e| local_error(local, e)),
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                Err(e)
            }
        }
    }

    /// Copies `local` to remote file `file` (replacing it).
    pub async fn upload(&self, local: &Path, file: &RemotePath, cancel: &CancellationToken) -> Result<()> {
        if !self.is_server() {
            let src = RemotePath::new(LOCAL_DISK, &local.to_string_lossy())?;
            self.copy_file(&src, file, cancel).await?;
            return Ok(());
        }
        // bounded by the caller (edit: EDIT_MAX_BYTES): read whole, sent in one request
        let bytes = tokio::fs::read(local).await.map_err(|e| local_error(local, e))?;
        let name = file.path().rsplit('/').next().unwrap_or_default().to_owned();
        // the whole request is bounded: the stall limit plus the time at 64 KiB/s
        let limit = self.watchdog().stall_after + std::time::Duration::from_secs(bytes.len() as u64 / 65536);
        self.transfer_once(&file.parent(), None, Some(&name), cancel, |rc| {
            let bytes = bytes.clone();
            async move {
                let fs = file.fs();
                tokio::select! {
                    _ = cancel.cancelled() => Err(Error::Cancelled),
                    r = tokio::time::timeout(limit, rc.server_write(&fs, file.path(), bytes)) => match r {
                        Ok(r) => Ok(r?),
                        Err(_) => Err(RcError::BodyStalled { path: crate::rc::FILE_ROUTE.to_owned(), idle: limit }.into()),
                    },
                }
            }
        })
        .await
    }
}
