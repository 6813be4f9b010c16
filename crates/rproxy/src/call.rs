//! A call's body, read only after authentication (the layers run first) and only up to
//! [`MAX_BODY`], and its parameters merged like rcd merges them (query, then the JSON or form
//! body).

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{header, HeaderName, StatusCode},
};

use crate::{
    error::RcError,
    gate::{AuditNote, Caller},
    params::{self, Params},
    state::AppState,
};

/// Largest request body accepted (413 above).
pub const MAX_BODY: usize = 8 << 20;

/// The body of an authenticated request, with what its parameters are parsed from.
pub struct RcBody {
    path: String,
    bytes: Bytes,
    query: Option<String>,
    content_type: Option<String>,
    prefer: Option<String>,
    note: AuditNote,
}

impl FromRequest<Arc<AppState>> for RcBody {
    type Rejection = RcError;

    async fn from_request(req: Request, st: &Arc<AppState>) -> Result<Self, RcError> {
        let (mut parts, body) = req.into_parts();
        let path = <Caller as FromRequestParts<_>>::from_request_parts(&mut parts, st)
            .await?
            .path;
        let header = |name: HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let refuse = |status, msg: String| RcError::new(&path, None, status, msg);
        let bytes = match axum::body::to_bytes(body, MAX_BODY).await.map_err(|e| e.into_inner()) {
            Ok(b) => b,
            Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
                let msg = format!("request body refused: larger than {MAX_BODY} bytes");
                return Err(refuse(StatusCode::PAYLOAD_TOO_LARGE, msg));
            }
            Err(e) => return Err(refuse(StatusCode::BAD_REQUEST, format!("request body refused: {e}"))),
        };
        let content_type = header(header::CONTENT_TYPE);
        if content_type
            .as_deref()
            .is_some_and(|c| c.trim_start().to_ascii_lowercase().starts_with("multipart/"))
        {
            // rcd reads uploads (operations/uploadfile) from multipart bodies; rproxy forwards
            // parameters as JSON and would drop the file: refused, never silently lost
            let msg = "multipart bodies (operations/uploadfile) are not supported through rproxy: upload with operations/copyfile from a remote, or a batch";
            return Err(refuse(StatusCode::NOT_IMPLEMENTED, msg.to_owned()));
        }
        Ok(RcBody {
            query: parts.uri.query().map(str::to_owned),
            prefer: header(HeaderName::from_static("prefer")),
            note: parts.extensions.get::<AuditNote>().cloned().unwrap_or_default(),
            path,
            bytes,
            content_type,
        })
    }
}

impl RcBody {
    /// The parameters of a POST: query and body merged; the remote they name goes to the
    /// audit entry.
    pub fn params(&self) -> Result<Params, RcError> {
        self.parse(&self.bytes, self.prefer.as_deref())
    }

    /// The parameters of a GET (a read of the admin API): the query only.
    pub fn query_params(&self) -> Result<Params, RcError> {
        self.parse(&[], None)
    }

    fn parse(&self, body: &[u8], prefer: Option<&str>) -> Result<Params, RcError> {
        let p = params::merge(self.query.as_deref(), self.content_type.as_deref(), body, prefer)
            .map_err(|e| RcError::new(&self.path, None, StatusCode::BAD_REQUEST, e.to_string()))?;
        self.note.remote(crate::audit::first_remote(&p.values));
        Ok(p)
    }
}
