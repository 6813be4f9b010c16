//! The HTTP side of the RC client.

use std::time::Duration;

use serde::{de::DeserializeOwned, Serialize};
use tracing::instrument;
use url::Url;

use super::{wire::ErrorBody, RcError};
use crate::secret::Secret;

/// A cheap-to-clone handle on one rclone RC endpoint.
///
/// It never sets an overall request timeout: dropping the connection of a synchronous call
/// makes rclone cancel the work, so long work runs as async jobs (see [`super::JobHandle`])
/// and callers that want a limit (health checks) pass one per call.
#[derive(Clone)]
pub struct RcClient {
    base: Url,
    auth: Option<(String, Secret)>,
    http: reqwest::Client,
    /// An rproxy server's client ([`RcClient::for_server`]): errors name the server.
    server: bool,
}

impl std::fmt::Debug for RcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RcClient")
            .field("base", &self.base.as_str())
            .field("user", &self.auth.as_ref().map(|(u, _)| u))
            .finish_non_exhaustive()
    }
}

/// A reply passed through as bytes (status, body and the `X-Rclone-Jobid` header).
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub body: Vec<u8>,
    pub jobid: Option<i64>,
    /// `Retry-After` in seconds, when the reply had one.
    pub retry_after: Option<Duration>,
    /// The reply's `Content-Type`.
    pub content_type: Option<String>,
    /// A 401 from rproxy for a valid token past its expiry ([`TOKEN_EXPIRED_HEADER`]).
    pub token_expired: bool,
}

/// The header rproxy adds to a 401 when the token was right but has expired, so a client can
/// say "ask for a new token" instead of "wrong token".
pub const TOKEN_EXPIRED_HEADER: &str = "x-rproxy-auth-error";
/// Its value.
pub const TOKEN_EXPIRED: &str = "token-expired";

fn token_expired(h: &reqwest::header::HeaderMap) -> bool {
    h.get(TOKEN_EXPIRED_HEADER).and_then(|v| v.to_str().ok()) == Some(TOKEN_EXPIRED)
}

impl RcClient {
    /// A client for `base` (e.g. `http://127.0.0.1:5572/`) with optional basic-auth credentials.
    pub fn new(base: Url, auth: Option<(String, Secret)>) -> Self {
        let http = reqwest::Client::builder()
            // loopback RC traffic must never go through a user's HTTP proxy
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        RcClient {
            base,
            auth,
            http,
            server: false,
        }
    }

    /// A client for a remote RC server (rproxy) at `base` over HTTP(S), trusting the platform's
    /// roots and, when given, the CA certificate in `ca_file` (PEM).
    pub fn for_server(base: Url, auth: (String, Secret), ca_file: Option<&std::path::Path>) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(30));
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| format!("{} is not a PEM certificate: {e}", path.display()))?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder.build().map_err(|e| format!("cannot set up HTTPS: {e}"))?;
        Ok(RcClient {
            base,
            auth: Some(auth),
            http,
            server: true,
        })
    }

    /// A client that reaches `base` through the unix socket `socket` (the sidecar's private
    /// RC socket); `base` only names the host for the requests.
    #[cfg(unix)]
    pub fn over_unix_socket(base: Url, socket: &std::path::Path, auth: Option<(String, Secret)>) -> Self {
        let http = reqwest::Client::builder()
            .unix_socket(socket)
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        RcClient {
            base,
            auth,
            http,
            server: false,
        }
    }

    /// The same endpoint and transport (TCP or unix socket) with other credentials.
    pub fn with_auth(&self, auth: Option<(String, Secret)>) -> RcClient {
        RcClient {
            base: self.base.clone(),
            auth,
            http: self.http.clone(),
            server: self.server,
        }
    }

    /// Whether this is an rproxy server's client ([`RcClient::for_server`]).
    pub fn is_server(&self) -> bool {
        self.server
    }

    /// The endpoint's base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// A request of `method` to `url` with this client's credentials (for the file calls).
    pub(super) fn authed(&self, method: reqwest::Method, url: Url) -> reqwest::RequestBuilder {
        let req = self.http.request(method, url);
        match &self.auth {
            Some((user, pass)) => req.basic_auth(user, Some(pass.expose())),
            None => req,
        }
    }

    /// Opens rproxy's event stream (`GET rproxy/events`), resuming after `last_id` when given.
    /// The reply is returned as soon as its headers are in; read it with `chunk()`.
    pub async fn open_events(&self, last_id: Option<i64>) -> Result<reqwest::Response, RcError> {
        let path = "rproxy/events";
        let url = self.base.join(path).map_err(|_| RcError::Unexpected {
            path: path.to_owned(),
            status: 0,
            snippet: "invalid base URL".into(),
            retry_after: None,
        })?;
        let mut req = self.http.get(url);
        if let Some((user, pass)) = &self.auth {
            req = req.basic_auth(user, Some(pass.expose()));
        }
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let resp = req.send().await.map_err(|source| RcError::Transport {
            path: path.to_owned(),
            server: self.server,
            source,
        })?;
        match resp.status().as_u16() {
            200 => Ok(resp),
            401 => Err(RcError::Unauthorized {
                path: path.to_owned(),
                expired: token_expired(resp.headers()),
            }),
            status => {
                let snippet = resp.text().await.unwrap_or_default().chars().take(200).collect();
                Err(RcError::Unexpected {
                    path: path.to_owned(),
                    status,
                    snippet,
                    retry_after: None,
                })
            }
        }
    }

    /// Calls `path` with `params` serialized as the JSON body and decodes the reply.
    #[instrument(level = "debug", skip_all, fields(path), err(level = "debug", Display))]
    pub async fn call<P, T>(&self, path: &str, params: &P) -> Result<T, RcError>
    where
        P: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.call_with_timeout(path, params, None).await
    }

    /// Like [`RcClient::call`], with a limit on the whole request. Use only for calls whose
    /// cancellation is harmless (`rc/noop`, `job/status`).
    pub async fn call_with_timeout<P, T>(&self, path: &str, params: &P, timeout: Option<Duration>) -> Result<T, RcError>
    where
        P: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let body = serde_json::to_vec(params).map_err(|source| RcError::Encode {
            path: path.to_owned(),
            source,
        })?;
        let reply = self.send(path, body, timeout).await?;
        if reply.status == 200 {
            serde_json::from_slice(&reply.body).map_err(|source| RcError::Decode {
                path: path.to_owned(),
                source,
            })
        } else {
            Err(error_from_reply(path, &reply))
        }
    }

    /// Sends `body` as-is and returns the reply unparsed, whatever its status. For pass-through
    /// use (a proxy) and for testing rclone's handling of malformed requests.
    pub async fn call_raw(&self, path: &str, body: Vec<u8>) -> Result<RawReply, RcError> {
        self.send(path, body, None).await
    }

    async fn send(&self, path: &str, body: Vec<u8>, timeout: Option<Duration>) -> Result<RawReply, RcError> {
        let transport = |source| RcError::Transport {
            path: path.to_owned(),
            server: self.server,
            source,
        };
        // segment by segment, so that '?', '#' and '%' in a path stay part of it (rcd decodes
        // the path before matching it): a path is never split into a different path and query
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| RcError::Unexpected {
                path: path.to_owned(),
                status: 0,
                snippet: "invalid RC base URL".to_owned(),
                retry_after: None,
            })?
            .pop_if_empty()
            .extend(path.trim_start_matches('/').split('/'));
        let mut req = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some((user, pass)) = &self.auth {
            req = req.basic_auth(user, Some(pass.expose()));
        }
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        // what the headers say, read before the body consumes the reply
        let reply = RawReply::new(status, resp.headers(), Vec::new());
        let body = resp.bytes().await.map_err(transport)?.to_vec();
        Ok(RawReply { body, ..reply })
    }
}

impl RawReply {
    /// A reply with `status`, what its `headers` say, and `body`.
    pub(super) fn new(status: u16, headers: &reqwest::header::HeaderMap, body: Vec<u8>) -> RawReply {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        RawReply {
            status,
            body,
            jobid: text("x-rclone-jobid").and_then(|v| v.parse().ok()),
            retry_after: text(reqwest::header::RETRY_AFTER.as_str())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
            content_type: text(reqwest::header::CONTENT_TYPE.as_str()).map(str::to_owned),
            token_expired: token_expired(headers),
        }
    }
}

/// Turns a non-200 reply into the matching error.
pub(super) fn error_from_reply(path: &str, reply: &RawReply) -> RcError {
    if reply.status == 401 {
        return RcError::Unauthorized {
            path: path.to_owned(),
            expired: reply.token_expired,
        };
    }
    match serde_json::from_slice::<ErrorBody>(&reply.body) {
        Ok(body) => RcError::Api {
            path: path.to_owned(),
            status: if body.status != 0 { body.status } else { reply.status },
            message: body.error,
            input: body.input,
            retry_after: reply.retry_after,
        },
        Err(_) => RcError::Unexpected {
            path: path.to_owned(),
            status: reply.status,
            snippet: String::from_utf8_lossy(&reply.body).chars().take(200).collect(),
            retry_after: reply.retry_after,
        },
    }
}
