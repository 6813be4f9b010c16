//! Table-driven like rclone's `fs/fserrors/error_test.go`: real error texts seen from rclone,
//! each with the status the RC answered and the expected reason.

use std::time::Duration;

use rcmd_types::{FailureClass, FailureReason::*};

use super::*;
use crate::rc::wire::GroupStats;

fn api(status: u16, message: &str) -> RcError {
    RcError::Api { path: "p".into(), status, message: message.into(), input: Default::default(), retry_after: None }
}

#[test]
fn rclone_error_texts() {
    let table: &[(u16, &str, FailureReason)] = &[
        // retryable
        (500, r#"failed to open source object: Get "http://127.0.0.1:8080/f": 503 Service Unavailable"#, ServerError),
        (500, "couldn't list files: 503 Service Unavailable: busy", ServerError),
        (500, "429 Too Many Requests", RateLimited),
        (500, "operation error S3: PutObject, https response error StatusCode: 503, api error SlowDown: Please reduce your request rate.", RateLimited),
        (500, "googleapi: Error 429: TooManyRequests", RateLimited),
        (500, "googleapi: Error 403: User Rate Limit Exceeded. Rate of requests for user exceed configured project quota., userRateLimitExceeded", RateLimited),
        (500, "operation error S3: GetObject, exceeded maximum number of attempts, 3, https response error StatusCode: 500", Network),
        (500, r#"Put "http://127.0.0.1:36263/dst/file.bin": EOF"#, Network),
        (500, "unexpected EOF", Network),
        // seen through the fault proxy in front of rclone serve webdav
        (500, r#"error in ListJSON: couldn't list files: Propfind "http://127.0.0.1:35557/dir/": EOF"#, Network),
        (500, "error in ListJSON: couldn't list files: 507 Insufficient Storage: 507 Insufficient Storage", StorageFull),
        (500, "error in ListJSON: couldn't list files: 429 Too Many Requests: 429 Too Many Requests", RateLimited),
        (500, "read tcp 127.0.0.1:50000->127.0.0.1:8080: read: connection reset by peer", Network),
        (500, "write tcp 127.0.0.1:50000->127.0.0.1:8080: write: connection reset by peer", Network),
        (500, r#"Propfind "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused"#, Network),
        (500, "net/http: timeout awaiting response headers", Timeout),
        (500, "dial tcp 10.0.0.1:22: i/o timeout", Timeout),
        (500, "connection lost", Network),
        (500, "couldn't connect SSH: ssh: handshake failed: EOF", Network),
        (500, "http2: server sent GOAWAY and closed the connection; LastStreamID=1", Network),
        (500, "use of closed network connection", Network),
        (500, "net/http: HTTP/1.x transport connection broken: unexpected EOF", Network),
        (500, "write: broken pipe", Network),
        (500, "502 Bad Gateway", ServerError),
        (500, "504 Gateway Timeout", Timeout),
        (500, "500 Internal Server Error", ServerError),
        (500, "509 Bandwidth Limit Exceeded", ServerError),
        (500, "job not found", JobLost),
        // permanent
        (500, "401 Unauthorized", Unauthorized),
        (500, r#"Propfind "http://127.0.0.1:8080/": 401 Unauthorized"#, Unauthorized),
        (500, "403 Forbidden", Forbidden),
        (500, "operation error S3: ListObjectsV2, https response error StatusCode: 403, api error AccessDenied: Access Denied.", Forbidden),
        (500, "api error InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records.", Unauthorized),
        (500, "api error SignatureDoesNotMatch: The request signature we calculated does not match", Unauthorized),
        (500, "couldn't connect SSH: ssh: handshake failed: ssh: unable to authenticate, attempted methods [none password], no supported methods remain", Unauthorized),
        (500, "507 Insufficient Storage", StorageFull),
        (500, r#"Put "http://127.0.0.1:8080/big.bin": 507 Insufficient Storage"#, StorageFull),
        (500, "write /mnt/x/file.partial: no space left on device", StorageFull),
        (500, r#"didn't find section in config file ("nope")"#, RemoteNotConfigured),
        (500, r#"couldn't find backend for type "nosuchtype""#, BackendMissing),
        (500, "empty token found - please run \"rclone config reconnect gdrive:\"", NeedsReconnect),
        (500, "oauth2: cannot fetch token: 400 Bad Request Response: {\"error\":\"invalid_grant\"}", NeedsReconnect),
        (400, "failed to read input JSON: unexpected EOF", BadRequest),
        (400, r#"Didn't find key "fs" in input"#, BadRequest),
        (500, "something nobody has seen before", Unknown),
        // not found
        (404, "object not found", NotFound),
        (404, "error in ListJSON: directory not found", NotFound),
        (404, r#"couldn't find method "nope/nope""#, NotFound),
        // cancelled
        (500, "context canceled", Cancelled),
        (500, r#"Put "http://127.0.0.1:8080/x": context canceled"#, Cancelled),
    ];
    let mut wrong = vec![];
    for (status, text, want) in table {
        let got = classify(&api(*status, text));
        if got.reason != *want {
            wrong.push(format!("{text:?}: got {:?}, want {want:?}", got.reason));
        }
        assert_eq!(got.class, class_of(*want));
        assert_eq!(got.message, *text);
    }
    assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
}

#[test]
fn classes_and_suggestions() {
    let retryable = classify(&api(500, "503 Service Unavailable"));
    assert_eq!((retryable.class, retryable.retryable), (FailureClass::Retryable, true));
    let permanent = classify(&api(500, "403 Forbidden"));
    assert_eq!((permanent.class, permanent.retryable), (FailureClass::Permanent, false));
    let info = permanent.info();
    assert!(info.suggestion_en.contains("permissions"), "{}", info.suggestion_en);
    assert!(info.suggestion_ko.contains("권한"), "{}", info.suggestion_ko);
    assert!(!classify(&api(500, "context canceled")).retryable);
    assert!(!classify(&api(404, "object not found")).counts_against_remote());
    assert!(!classify(&api(400, "bad")).counts_against_remote());
    assert!(classify(&api(500, "connection refused")).counts_against_remote());
}

#[test]
fn numbers_in_names_are_not_statuses() {
    // a file called 503.txt or a size of 4290 bytes must not look like a status
    assert_eq!(classify_text("open /data/503.txt: is a directory").reason, Unknown);
    assert_eq!(classify_text("size 4290 does not match 4291").reason, Unknown);
    assert_eq!(classify_text("bucket s3-429x: weird").reason, Unknown);
}

#[test]
fn retry_after_from_header_and_text() {
    let mut e = api(429, "429 Too Many Requests");
    if let RcError::Api { retry_after, .. } = &mut e {
        *retry_after = Some(Duration::from_secs(7));
    }
    assert_eq!(classify(&e).retry_after, Some(Duration::from_secs(7)));
    let f = classify_text("try again after 2026-11-22T02:00:00Z (1m30.5s)");
    assert_eq!(f.retry_after, Some(Duration::from_millis(90_500)));
    assert_eq!(classify_text("503 Service Unavailable; Retry-After: 12").retry_after, Some(Duration::from_secs(12)));
    assert_eq!(parse_go_duration("250ms"), Some(Duration::from_millis(250)));
    assert_eq!(parse_go_duration("1h2m3s"), Some(Duration::from_secs(3723)));
    assert_eq!(parse_go_duration("-1s"), None);
    assert_eq!(parse_go_duration("soon"), None);
}

#[test]
fn jobs_use_stats_for_partial_and_retry_flags() {
    let stats = |transfers, errors, retry_error, fatal_error, last_error: &str| GroupStats {
        transfers,
        errors,
        retry_error,
        fatal_error,
        last_error: last_error.into(),
        ..GroupStats::default()
    };
    // some items moved, some failed with a retryable cause
    let f = classify_job("", Some(&stats(8, 2, true, false, "503 Service Unavailable")));
    assert_eq!((f.class, f.retryable), (FailureClass::Partial, true));
    assert!(f.message.contains("2 of the job's items failed"), "{}", f.message);
    // some moved, the rest denied: partial, not retryable
    let f = classify_job("", Some(&stats(3, 1, false, false, "403 Forbidden")));
    assert_eq!((f.class, f.retryable), (FailureClass::Partial, false));
    // nothing moved: the cause decides
    let f = classify_job("507 Insufficient Storage", Some(&stats(0, 1, false, false, "")));
    assert_eq!(f.reason, StorageFull);
    // rclone marked an unknown error retryable
    let f = classify_job("weird failure", Some(&stats(0, 1, true, false, "")));
    assert!(f.retryable);
    // fatal beats retry
    let f = classify_job("weird failure", Some(&stats(0, 1, true, true, "")));
    assert!(!f.retryable);
    // cancelled stays cancelled
    let f = classify_job("context canceled", Some(&stats(5, 1, true, false, "")));
    assert_eq!(f.class, FailureClass::Cancelled);
}
