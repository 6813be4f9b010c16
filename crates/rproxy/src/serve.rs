//! Accepting connections, plain or TLS, with the limits a server on a network needs: a bound
//! on open connections (the rest wait in the kernel's backlog, never starving the process of
//! descriptors), a deadline for the TLS handshake and for a request's headers, an idle limit
//! between requests, and a graceful end: on shutdown no new connection is accepted, idle
//! ones close, and requests in flight get [`Limits::drain`] to finish.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    sync::{watch, Semaphore},
};
use tokio_rustls::TlsAcceptor;

/// The client's address, in every request's extensions (for per-address login limits).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

/// Connection limits. `Default` is what `rproxy serve` uses.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// From accepting a connection to the end of the TLS handshake.
    pub handshake: Duration,
    /// From the first byte of a request (or the connection's start) to its last header.
    pub header_read: Duration,
    /// A connection with no request in flight is closed after this long.
    pub idle: Duration,
    /// How long requests in flight may run after shutdown begins.
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            handshake: Duration::from_secs(10),
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            drain: Duration::from_secs(30),
        }
    }
}

/// Serves `app` on `listener` (over TLS with `tls`) until `shutdown` resolves, then drains.
pub async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<TlsAcceptor>,
    app: axum::Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut conns = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // a slot first: past the limit, connections wait in the backlog instead of each
        // taking a descriptor here
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // out of descriptors or similar: wait a moment instead of spinning
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let (tls, app, limits, stop) = (tls.clone(), app.clone(), limits.clone(), stop_rx.clone());
        conns.spawn(async move {
            let _permit = permit;
            match tls {
                None => connection(stream, peer, app, &limits, stop).await,
                Some(acceptor) => match tokio::time::timeout(limits.handshake, acceptor.accept(stream)).await {
                    Ok(Ok(s)) => connection(s, peer, app, &limits, stop).await,
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                },
            }
        });
        // finished connections are collected as we go
        while conns.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(limits.drain, async { while conns.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            left = conns.len(),
            "connections still busy after the drain time: closed"
        );
        conns.abort_all();
    }
}

/// One HTTP/1.1 connection with its timeouts; a graceful close when `stop` turns true.
async fn connection<S>(stream: S, peer: SocketAddr, app: axum::Router, limits: &Limits, mut stop: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let active = idle::Active::default();
    let counter = active.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ClientAddr(peer));
        let (app, in_flight) = (app.clone(), counter.begin());
        async move {
            let resp = tower::ServiceExt::oneshot(app, req.map(axum::body::Body::new)).await?;
            // in flight until its body is sent (or dropped): an event stream is never idle
            Ok::<_, std::convert::Infallible>(resp.map(|body| {
                axum::body::Body::new(http_body_util::BodyExt::map_frame(body, move |f| {
                    let _keep = &in_flight;
                    f
                }))
            }))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    let conn = builder
        .serve_connection(TokioIo::new(IdleTimeout::new(stream, limits.idle, active)), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => if let Err(e) = r { tracing::debug!(%peer, error = %e, "connection ended") },
        _ = async { let _ = stop.wait_for(|s| *s).await; } => {
            // finish the request in flight (bounded by the drain time), then close
            conn.as_mut().graceful_shutdown();
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended while draining");
            }
        }
    }
}

pub use idle::IdleTimeout;

mod idle;
