//! The HTTP side, in the axum shape: a route table for rproxy's own calls, a fallback that
//! forwards every other path to rcd under the policy, and the layers every request passes
//! first (see `gate.rs`): authentication with the canonical path and the audit entry, then the
//! rate limit and the database's health. Requests are traced (at debug level) with the
//! `Authorization` header marked sensitive, so a token never reaches a log.
//!
//! axum routes by the raw URI path; the authentication layer wraps every route and the
//! fallback and refuses a path that is not canonical before any handler runs, so a route is
//! only ever reached under the one spelling that is judged.

use std::sync::Arc;

use axum::{http::header, middleware::from_fn_with_state, routing::any, Router};

pub use crate::{call::MAX_BODY, state::AppState};
use crate::{forward, gate, handlers};

/// Every request: routed by path; each handler answers the methods it serves (rcd's 404 for
/// the others).
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/rproxy/events", any(handlers::events::route))
        .route("/rproxy/whoami", any(handlers::whoami))
        .route("/rproxy/batch/{*verb}", any(handlers::batch))
        .route("/rproxy/file", any(handlers::files::route))
        .route("/rproxy/admin/{*verb}", any(handlers::admin::rest))
        .route("/rproxy/{*verb}", any(handlers::admin::rc))
        .fallback(forward::call)
        .layer(from_fn_with_state(state.clone(), gate::throttle))
        .layer(from_fn_with_state(state.clone(), gate::authenticate))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(tower_http::trace::DefaultMakeSpan::new().include_headers(true)),
        )
        .layer(tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .with_state(state)
}
