//! rclone's error shapes, as the client surfaces them: unknown remote, missing file,
//! malformed request, unknown method, lost job, wrong credentials.

#![allow(clippy::unwrap_used)]

mod common;

use rcmd_core::{
    ops,
    rc::{JobHandle, RcError},
    remote_path::RemotePath,
    resilience::classify,
    secret::Secret,
};
use serde_json::{json, Value};

#[tokio::test]
async fn unknown_remote_is_a_500_with_rclones_message() {
    let rc = common::start().await;
    let err = ops::list(&rc.client, &RemotePath::new("nosuch", "").unwrap())
        .await
        .unwrap_err();
    match &err {
        RcError::Api {
            path,
            status,
            message,
            input,
            retry_after,
        } => {
            assert_eq!(retry_after, &None);
            assert_eq!(path, "operations/list");
            assert_eq!(*status, 500);
            assert!(message.contains("didn't find section in config file"), "{message}");
            assert_eq!(input["fs"], json!("nosuch:"));
        }
        other => panic!("expected Api error, got {other:?}"),
    }
    assert!(err.to_string().contains("nosuch"), "{err}");
}

#[tokio::test]
async fn missing_file_and_directory_are_404() {
    let rc = common::start().await;
    let gone = RemotePath::new("local", "no/such/file.txt").unwrap();
    let err = ops::delete_file(&rc.client, &gone).await.unwrap_err();
    assert!(classify::is_not_found(&err), "{err:?}");
    assert!(err.to_string().contains("object not found"), "{err}");

    let err = ops::list(&rc.client, &RemotePath::new("local", "nodir").unwrap())
        .await
        .unwrap_err();
    assert!(classify::is_not_found(&err), "{err:?}");
    assert!(err.to_string().contains("directory not found"), "{err}");
}

#[tokio::test]
async fn malformed_requests_are_400() {
    let rc = common::start().await;
    // truncated JSON
    let raw = rc
        .client
        .call_raw("operations/list", b"{\"fs\":".to_vec())
        .await
        .unwrap();
    assert_eq!(raw.status, 400);
    let body: Value = serde_json::from_slice(&raw.body).unwrap();
    assert_eq!(body["status"], json!(400));
    assert_eq!(body["path"], json!("operations/list"));
    assert!(
        body["error"].as_str().unwrap().contains("failed to read input JSON"),
        "{body}"
    );

    // a missing parameter, through the typed call
    let err = rc
        .client
        .call::<_, Value>("operations/list", &json!({ "remote": "" }))
        .await
        .unwrap_err();
    assert!(classify::is_bad_request(&err), "{err:?}");
    assert!(err.to_string().contains("fs"), "{err}");

    // an unknown method
    let err = rc
        .client
        .call::<_, Value>("no/such/method", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
}

#[tokio::test]
async fn unknown_or_foreign_job_is_lost() {
    let rc = common::start().await;
    let started = rc.client.start_job("rc/noop", Default::default(), "g").await.unwrap();

    let never = JobHandle {
        jobid: 999_999,
        ..started.clone()
    };
    let err = rc.client.job_status(&never).await.unwrap_err();
    assert!(matches!(err, RcError::JobLost { jobid: 999_999, .. }), "{err:?}");

    // same id, but issued by another rclone process
    let foreign = JobHandle {
        execute_id: "another-process".into(),
        ..started
    };
    let err = rc.client.job_status(&foreign).await.unwrap_err();
    assert!(matches!(err, RcError::JobLost { .. }), "{err:?}");
}

#[tokio::test]
async fn wrong_credentials_are_refused() {
    let rc = common::start().await;
    let anonymous = rc.client.with_auth(None);
    let err = anonymous.call::<_, Value>("rc/noop", &json!({})).await.unwrap_err();
    assert!(matches!(err, RcError::Unauthorized { .. }), "{err:?}");

    let wrong = rc
        .client
        .with_auth(Some(("rcmd".into(), Secret::new("wrong-password"))));
    let err = wrong.call::<_, Value>("rc/noop", &json!({})).await.unwrap_err();
    assert!(matches!(err, RcError::Unauthorized { .. }), "{err:?}");
    assert!(!err.to_string().contains("wrong-password"));
}

#[tokio::test]
async fn failed_job_reports_rclones_error() {
    let rc = common::start().await;
    let src = RemotePath::new("local", "does-not-exist.txt").unwrap();
    let dst = RemotePath::new("mem", "x/y.txt").unwrap();
    let watchdog = rcmd_core::resilience::watchdog::WatchdogConfig::default();
    let err = ops::copy_file(&rc.client, &src, &dst, &watchdog, &Default::default())
        .await
        .unwrap_err();
    match err {
        RcError::JobFailed { message, stats, .. } => {
            assert!(message.contains("not found"), "{message}");
            // rclone fails before any transfer starts: the group counts no error, so the
            // job's error text is what classification relies on
            let stats = stats.expect("stats of the job's group");
            assert_eq!((stats.errors, stats.transfers), (0, 0));
        }
        other => panic!("expected JobFailed, got {other:?}"),
    }
}
