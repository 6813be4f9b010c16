//! Outgoing HTTPS for notifications and rproxy servers: rustls with the platform's
//! root certificates, plus an optional extra CA file for servers with a private or
//! self-signed certificate.

use std::{
    error::Error as _,
    path::{Path, PathBuf},
    time::Duration,
};

/// Failures building an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("cannot read the CA file {path}: {source}")]
    CaRead {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the CA file {path} holds no usable PEM certificate")]
    CaInvalid { path: String },
    #[error("cannot build the HTTP client: {0}")]
    Build(#[source] reqwest::Error),
}

/// TLS trust for outgoing connections.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsConfig {
    /// PEM file with one or more CA certificates trusted in addition to the platform's.
    pub extra_ca: Option<PathBuf>,
}

impl TlsConfig {
    /// From a settings field, where an empty string means "none".
    pub fn from_setting(path: &str) -> Self {
        let p = path.trim();
        TlsConfig {
            extra_ca: (!p.is_empty()).then(|| PathBuf::from(p)),
        }
    }
}

/// An HTTP client with `timeout` per request that trusts the platform's roots and `tls`'s
/// extra CA.
pub fn http_client(timeout: Duration, tls: &TlsConfig) -> Result<reqwest::Client, NetError> {
    let mut builder = reqwest::Client::builder().timeout(timeout).use_rustls_tls();
    if let Some(path) = &tls.extra_ca {
        for cert in read_ca(path)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(NetError::Build)
}

fn read_ca(path: &Path) -> Result<Vec<reqwest::Certificate>, NetError> {
    let shown = path.display().to_string();
    let pem = std::fs::read(path).map_err(|source| NetError::CaRead {
        path: shown.clone(),
        source,
    })?;
    match reqwest::Certificate::from_pem_bundle(&pem) {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        _ => Err(NetError::CaInvalid { path: shown }),
    }
}

/// Whether a request failed because the server's certificate was not trusted (unknown
/// issuer, expired, wrong name, ...). Decided from the error's structure: rustls's
/// certificate error somewhere in the source chain.
pub fn is_certificate_error(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = e.source();
    // bounded: error chains are short, a cycle must not hang us
    for _ in 0..32 {
        let Some(c) = cause else { return false };
        if is_rustls_cert(c) {
            return true;
        }
        // io::Error::source() skips the error it wraps (it returns the inner error's source):
        // step into the wrapped error itself
        cause = match c.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => c.source(),
        };
    }
    false
}

fn is_rustls_cert(e: &(dyn std::error::Error + 'static)) -> bool {
    matches!(
        e.downcast_ref::<rustls::Error>(),
        Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
    )
}
