//! A file's bytes over HTTP, for where rclone cannot copy to this computer's disk (the app
//! connected to a server): rclone's `--rc-serve` read (`GET /[fs]/path` on rcd), its
//! `operations/uploadfile` write (multipart, on rcd), and rproxy's [`FILE_ROUTE`], which
//! judges a typed `fs` and `remote` and makes those two calls on its own rcd.
//!
//! Paths are encoded here byte by byte (every byte but the unreserved ones is `%XX`), never
//! through a URL parser's path handling, which drops `.` and `..` segments: callers refuse
//! such segments first, so the path rclone decodes is exactly the one that was judged.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use url::Url;

use super::{
    client::{error_from_reply, RawReply},
    RcClient, RcError,
};

/// rproxy's route for one file's bytes: `GET ?fs=&remote=` reads it (a `Range` header is
/// passed on), `POST ?fs=&remote=` with the raw bytes as the body writes it.
pub const FILE_ROUTE: &str = "rproxy/file";
/// rcd's upload call (multipart; the file lands at `remote/<part's file name>`).
pub const UPLOAD_PATH: &str = "operations/uploadfile";
/// How much of an error reply is read.
const ERROR_BODY_MAX: usize = 64 * 1024;

/// `s` with every byte but `A-Z a-z 0-9 - . _ ~` written as `%XX`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl RcClient {
    /// `base` + `path` (already encoded) + `query`; an error when the URL parser changed it
    /// (it never does with checked input: no `.`/`..` segment reaches here).
    fn file_url(&self, call: &str, path: &str, query: &[(&str, &str)]) -> Result<Url, Box<RcError>> {
        let mut url = self.base_url().clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}/{path}"));
        url.set_query(None);
        if !query.is_empty() {
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{k}={}", encode_component(v)))
                .collect();
            url.set_query(Some(&q.join("&")));
        }
        if !url.path().ends_with(path) {
            return Err(Box::new(RcError::Unexpected {
                path: call.to_owned(),
                status: 0,
                snippet: format!("the path {path:?} does not survive as a URL"),
                retry_after: None,
            }));
        }
        Ok(url)
    }

    /// Reads file `remote` of `fs` from an rcd started with `--rc-serve` (`GET /[fs]/remote`),
    /// the `range` (an HTTP `Range` value) only when given. Answers once the headers are in
    /// (200, or 206 for a range); read the body with `chunk()` or `bytes_stream()`.
    pub async fn serve_read(&self, fs: &str, remote: &str, range: Option<&str>) -> Result<reqwest::Response, RcError> {
        let segs: Vec<String> = remote.split('/').map(encode_component).collect();
        let path = format!("[{}]/{}", encode_component(fs), segs.join("/"));
        let url = self.file_url("serve", &path, &[]).map_err(|e| *e)?;
        let mut req = self.authed(reqwest::Method::GET, url);
        if let Some(r) = range {
            req = req.header(reqwest::header::RANGE, r);
        }
        self.file_reply("serve", req).await
    }

    /// Writes `body` as `dir/name` on `fs` through rcd's `operations/uploadfile` (one
    /// multipart part whose file name is `name`; `fs` and `dir` in the query, where rcd reads
    /// an upload's parameters).
    pub async fn upload_file<S, E>(&self, fs: &str, dir: &str, name: &str, body: S) -> Result<(), RcError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        let boundary = format!("rcmd-{:032x}", rand::random::<u128>());
        // RFC 7578/5987: the name as UTF-8, percent-encoded, so quotes, spaces and non-ASCII
        // names arrive as they are
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file0\"; filename*=UTF-8''{}\r\nContent-Type: application/octet-stream\r\n\r\n",
            encode_component(name)
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        let stream = futures_util::stream::once(async move { Ok::<_, E>(Bytes::from(head)) })
            .chain(body)
            .chain(futures_util::stream::once(async move { Ok(Bytes::from(tail)) }));
        let url = self
            .file_url(UPLOAD_PATH, UPLOAD_PATH, &[("fs", fs), ("remote", dir)])
            .map_err(|e| *e)?;
        let req = self
            .authed(reqwest::Method::POST, url)
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(reqwest::Body::wrap_stream(stream));
        self.file_reply(UPLOAD_PATH, req).await.map(drop)
    }

    /// Reads file `remote` of `fs` through rproxy ([`FILE_ROUTE`]).
    pub async fn server_read(&self, fs: &str, remote: &str) -> Result<reqwest::Response, RcError> {
        let url = self
            .file_url(FILE_ROUTE, FILE_ROUTE, &[("fs", fs), ("remote", remote)])
            .map_err(|e| *e)?;
        self.file_reply(FILE_ROUTE, self.authed(reqwest::Method::GET, url))
            .await
    }

    /// Writes `bytes` as file `remote` of `fs` through rproxy ([`FILE_ROUTE`]).
    pub async fn server_write(&self, fs: &str, remote: &str, bytes: Vec<u8>) -> Result<(), RcError> {
        let url = self
            .file_url(FILE_ROUTE, FILE_ROUTE, &[("fs", fs), ("remote", remote)])
            .map_err(|e| *e)?;
        let req = self
            .authed(reqwest::Method::POST, url)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        self.file_reply(FILE_ROUTE, req).await.map(drop)
    }

    /// Sends `req`; a 200/206 reply is returned unread, any other is read into its error.
    async fn file_reply(&self, call: &str, req: reqwest::RequestBuilder) -> Result<reqwest::Response, RcError> {
        let transport = |source| RcError::Transport {
            path: call.to_owned(),
            server: self.is_server(),
            source,
        };
        let mut resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        if status == 200 || status == 206 {
            return Ok(resp);
        }
        let reply = RawReply::new(status, resp.headers(), Vec::new());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            body.extend_from_slice(&chunk);
            if body.len() >= ERROR_BODY_MAX {
                break;
            }
        }
        Err(error_from_reply(call, &RawReply { body, ..reply }))
    }
}

#[cfg(test)]
mod tests {
    use super::encode_component;

    #[test]
    fn every_byte_but_the_unreserved_is_escaped() {
        assert_eq!(encode_component("a b/c"), "a%20b%2Fc");
        assert_eq!(encode_component("한"), "%ED%95%9C");
        assert_eq!(encode_component("x'\"%?#[]:;"), "x%27%22%25%3F%23%5B%5D%3A%3B");
        assert_eq!(encode_component("A-z_0.9~"), "A-z_0.9~");
    }
}
