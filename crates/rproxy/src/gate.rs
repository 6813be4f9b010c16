//! The layers every request passes before any handler, outermost first:
//! 1. [`authenticate`]: credentials checked for every method and path (like rcd with
//!    `--rc-user`), then the path must be canonical (a call runs only under the spelling that
//!    is judged: see `canonical`); the request is audited once, with its answer's status.
//! 2. [`throttle`]: the per-user rate limit, and 503 while the database is unreachable.
//!
//! Handlers take the authenticated [`Caller`] as an extractor.

use std::sync::{Arc, Mutex};

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{header, request::Parts, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tracing::info;

use crate::{
    audit::Entry,
    auth::{parse_authorization, Credentials, Refusal, User},
    error::{rc_error, token_expired, unauthorized, RcError},
    reply::{unavailable, with_retry_after},
    state::AppState,
};

/// The authenticated caller of a request: its user, the credentials it presented (an event
/// stream checks them again), its address and the canonical RC path it called.
#[derive(Clone)]
pub struct Caller {
    pub user: User,
    pub creds: Option<Credentials>,
    pub ip: Option<std::net::IpAddr>,
    /// `core/stats` for `/core/stats`.
    pub path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = RcError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, RcError> {
        // set by `authenticate`, which wraps every route: missing only if a route escaped it
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            let path = parts.uri.path().trim_start_matches('/');
            RcError::new(
                path,
                None,
                StatusCode::INTERNAL_SERVER_ERROR,
                "request not authenticated",
            )
        })
    }
}

/// What a handler learnt for the audit entry (the remote the call named).
#[derive(Clone, Default)]
pub struct AuditNote(Arc<Mutex<Option<String>>>);

impl AuditNote {
    pub fn remote(&self, remote: Option<String>) {
        if let Ok(mut r) = self.0.lock() {
            *r = remote;
        }
    }

    fn take(&self) -> Option<String> {
        self.0.lock().ok().and_then(|mut r| r.take())
    }
}

/// Layer 1: authentication, then the canonical path; one audit entry per request.
pub async fn authenticate(State(st): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    // the raw path, for the audit log of a refusal; a call runs only under its canonical name
    let raw_path = req.uri().path().trim_start_matches('/').to_owned();
    let ip = req.extensions().get::<crate::serve::ClientAddr>().map(|a| a.0.ip());
    let creds = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_authorization);
    let user = match &creds {
        Some(c) => st.users.check_from(c, ip).await,
        None => Err(Refusal::Invalid),
    };
    let user = match user {
        Ok(u) => u,
        Err(refusal) => {
            info!(path = %raw_path, "refused: bad credentials");
            let tried = match creds {
                Some(Credentials::Basic { user, .. }) => format!("-{user}"),
                _ => "-".to_owned(),
            };
            let resp = refused(&raw_path, refusal);
            st.audit.record(Entry {
                user: tried,
                path: raw_path,
                remote: None,
                status: resp.status().as_u16(),
            });
            return resp;
        }
    };
    let path = match crate::canonical::rc_path(req.uri().path()) {
        Ok(p) => p.to_owned(),
        Err(e) => {
            info!(user = %user.name, path = %raw_path, "refused: path not canonical");
            let resp = rc_error(&raw_path, None, StatusCode::BAD_REQUEST, &e.to_string());
            st.audit.record(Entry {
                user: user.name.clone(),
                path: raw_path,
                remote: None,
                status: resp.status().as_u16(),
            });
            return resp;
        }
    };
    let note = AuditNote::default();
    let name = user.name.clone();
    req.extensions_mut().insert(note.clone());
    req.extensions_mut().insert(Caller {
        user,
        creds,
        ip,
        path: path.clone(),
    });
    let resp = next.run(req).await;
    st.audit.record(Entry {
        user: name,
        path,
        remote: note.take(),
        status: resp.status().as_u16(),
    });
    resp
}

/// The answer to refused credentials: rcd's 401 (with the expiry header for an expired
/// token), 429 after too many failures, 503 while the database cannot say.
fn refused(path: &str, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Expired => token_expired(),
        Refusal::Invalid => unauthorized(),
        Refusal::Limited(wait) => {
            let msg = "too many failed logins: wait before trying again";
            with_retry_after(rc_error(path, None, StatusCode::TOO_MANY_REQUESTS, msg), wait)
        }
        Refusal::Unavailable => unavailable(path),
    }
}

/// Layer 2: the caller's rate limit, then the database's health.
pub async fn throttle(State(st): State<Arc<AppState>>, caller: Caller, req: Request, next: Next) -> Response {
    if let Err(wait) = st.limit.check(caller.user.id) {
        let msg = "too many requests: slow down";
        return with_retry_after(rc_error(&caller.path, None, StatusCode::TOO_MANY_REQUESTS, msg), wait);
    }
    if st.users.health.is_down() {
        return unavailable(&caller.path);
    }
    next.run(req).await.into_response()
}
