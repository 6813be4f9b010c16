//! Each injected fault, through a real rclone and a real webdav server, comes out with the
//! right failure class.

#![allow(clippy::unwrap_used)]

mod common;

use common::fault::{self, Fault};
use rcmd_core::{
    ops,
    remote_path::RemotePath,
    resilience::classify::classify,
    types::{FailureClass, FailureReason},
};

#[tokio::test]
async fn injected_faults_are_classified() {
    let f = fault::start().await;
    let dir = RemotePath::new("flaky", "dir").unwrap();
    // healthy first
    let listed = ops::list(&f.rc.client, &dir).await.unwrap();
    assert_eq!(listed.len(), 1);

    let cases = [
        (
            Fault::Status {
                code: 503,
                retry_after: None,
            },
            FailureReason::ServerError,
        ),
        (
            Fault::Status {
                code: 500,
                retry_after: None,
            },
            FailureReason::ServerError,
        ),
        (
            Fault::Status {
                code: 502,
                retry_after: None,
            },
            FailureReason::ServerError,
        ),
        (
            Fault::Status {
                code: 429,
                retry_after: Some(3),
            },
            FailureReason::RateLimited,
        ),
        (
            Fault::Status {
                code: 507,
                retry_after: None,
            },
            FailureReason::StorageFull,
        ),
        (
            Fault::Status {
                code: 401,
                retry_after: None,
            },
            FailureReason::Unauthorized,
        ),
        (
            Fault::Status {
                code: 403,
                retry_after: None,
            },
            FailureReason::Forbidden,
        ),
        (Fault::Reset, FailureReason::Network),
        (Fault::Truncate, FailureReason::Network),
    ];
    let mut wrong = vec![];
    for (fault, want) in cases {
        f.proxy.set(fault.clone());
        let err = ops::list(&f.rc.client, &dir)
            .await
            .expect_err("fault must fail the call");
        let got = classify(&err);
        eprintln!("{fault:?} -> {:?}: {err}", got.reason);
        if got.reason != want {
            wrong.push(format!("{fault:?}: got {:?} for {err}", got.reason));
        }
        let retryable = matches!(
            want,
            FailureReason::ServerError | FailureReason::RateLimited | FailureReason::Network
        );
        assert_eq!(got.retryable, retryable, "{fault:?}");
    }
    assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));

    // a dead server (connection refused behind the proxy → 502) and a missing path
    f.proxy.set(Fault::Pass);
    let gone = RemotePath::new("flaky", "no/such/dir").unwrap();
    let err = ops::list(&f.rc.client, &gone).await.unwrap_err();
    assert_eq!(classify(&err).class, FailureClass::NotFound, "{err}");
}
