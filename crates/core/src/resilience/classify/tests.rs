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
        (500, "operation error S3: GetObject, exceeded maximum number of attempts, 3, https response error StatusCode: 500", ServerError),
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
        (500, "is a directory not a file", Unknown),
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
            continue;
        }
        assert_eq!(got.class, class_of(*want));
        assert_eq!(got.message, *text);
    }
    assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
}

/// Texts in the formats of rclone's most used backends and of the SDKs they use (format
/// strings read in rclone's source at v1.75.0-121: `backend/<name>/<name>.go`, their
/// `api/types.go`, googleapi, smithy-go, the Dropbox SDK, pkg/sftp, net/textproto).
#[test]
fn provider_formats() {
    let table: &[(&str, FailureReason)] = &[
        // drive (googleapi.Error: `googleapi: Error <status>: <message>, <reason>`)
        ("googleapi: Error 403: Rate Limit Exceeded, rateLimitExceeded", RateLimited),
        ("googleapi: Error 403: Daily Limit Exceeded, dailyLimitExceeded", RateLimited),
        ("googleapi: Error 403: The download quota for this file has been exceeded., downloadQuotaExceeded", RateLimited),
        ("googleapi: Error 403: The user's Drive storage quota has been exceeded., storageQuotaExceeded", StorageFull),
        ("googleapi: Error 403: The file limit for this shared drive has been exceeded., teamDriveFileLimitExceeded", StorageFull),
        ("googleapi: Error 503: Backend Error, backendError", ServerError),
        ("googleapi: Error 404: File not found: 1AbCdEf., notFound", NotFound),
        ("googleapi: Error 403: The user does not have sufficient permissions for this file., insufficientFilePermissions", Forbidden),
        ("googleapi: Error 401: Invalid Credentials, authError", Unauthorized),
        ("googleapi: got HTTP response code 502 with body: <html>bad gateway</html>", ServerError),
        // onedrive (api.Error: `<code>[: <inner>]: <message>`; pacer retry-after)
        ("activityLimitReached: throttledRequest: The request has been throttled: trying again in 120s", RateLimited),
        ("quotaLimitReached: Insufficient Space Available.", StorageFull),
        ("itemNotFound: The resource could not be found.", NotFound),
        ("accessDenied: Access denied", Forbidden),
        ("InvalidAuthenticationToken: Access token has expired or is not yet valid.", Unauthorized),
        ("serviceNotAvailable: Service unavailable", ServerError),
        ("failed to get root: 401 Unauthorized: ", Unauthorized),
        // dropbox (error_summary tag paths; SDK `Unexpected error: %v (code: %v)`)
        ("too_many_requests/..: trying again in 5m0s", RateLimited),
        ("upload failed: batch upload failed: upload failed: too_many_write_operations", RateLimited),
        ("upload failed: path/insufficient_space/..", StorageFull),
        ("path/not_found/..", NotFound),
        ("expired_access_token/..", NeedsReconnect),
        ("Unexpected error: upstream connect error or disconnect/reset before headers (code: 503)", ServerError),
        // s3 (smithy: `operation error S3: <op>, https response error StatusCode: <n>, RequestID: .., HostID: .., api error <Code>: <msg>`)
        ("operation error S3: PutObject, exceeded maximum number of attempts, 10, https response error StatusCode: 503, RequestID: 7QX1ABCD, HostID: aGVsbG8=, api error SlowDown: Please reduce your request rate.", RateLimited),
        ("operation error S3: GetObject, https response error StatusCode: 500, RequestID: 1A2B, HostID: x=, api error InternalError: We encountered an internal error. Please try again.", ServerError),
        ("operation error S3: UploadPart, https response error StatusCode: 400, RequestID: 9F, HostID: y=, api error RequestTimeout: Your socket connection to the server was not read from or written to within the timeout period.", Timeout),
        ("operation error S3: GetObject, https response error StatusCode: 404, RequestID: 1, HostID: 2, NoSuchKey: The specified key does not exist.", NotFound),
        ("operation error S3: HeadObject, https response error StatusCode: 404, RequestID: 1, HostID: 2, api error NotFound: Not Found", NotFound),
        ("operation error S3: PutObject, https response error StatusCode: 507, RequestID: 1, HostID: 2, api error XMinioStorageFull: Storage backend has reached its minimum free drive threshold.", StorageFull),
        (r#"operation error S3: PutObject, https response error StatusCode: 0, RequestID: , HostID: , request send failed, Put "https://bucket.s3.eu-west-1.amazonaws.com/dir/file.bin?x-id=PutObject": dial tcp 52.1.2.3:443: connect: connection refused"#, Network),
        // b2 (`<message> (<status> <code>)`)
        ("Cannot upload files, storage cap exceeded. (403 cap_exceeded)", StorageFull),
        ("Transaction cap exceeded, see the Caps & Alerts page to increase your cap (403 transaction_cap_exceeded)", RateLimited),
        ("Too many requests (429 too_many_requests): trying again in 1s", RateLimited),
        ("File not present: photos/a.jpg (404 not_found)", NotFound),
        ("failed to authorize account: failed to authenticate: unauthorized (401 unauthorized)", Unauthorized),
        // box (`Error "<code>" (<status>)[: <message>]`)
        (r#"Error "storage_limit_exceeded" (403): Account storage limit reached"#, StorageFull),
        (r#"Error "rate_limit_exceeded" (429): Request rate limit exceeded, please try again later"#, RateLimited),
        (r#"Error "not_found" (404): Not Found"#, NotFound),
        (r#"Error "503 Service Unavailable" (503)"#, ServerError),
        // sftp (pkg/sftp normalises NO_SUCH_FILE / PERMISSION_DENIED to os errors)
        ("Open failed: file does not exist", NotFound),
        ("remove /srv/data/old.txt: file does not exist", NotFound),
        ("Update Create failed: permission denied", Forbidden),
        ("Update ReadFrom failed: connection lost", Network),
        (r#"mkdir "/srv/data/new" failed: sftp: "Operation unsupported" (SSH_FX_OP_UNSUPPORTED)"#, Unknown),
        ("couldn't connect SSH: dial tcp 192.0.2.10:22: i/o timeout", Timeout),
        // webdav (api.Error joins message, exception and `<status> <reason>`)
        (r#"unchunked simple update failed: Insufficient Storage: Sabre\DAV\Exception\InsufficientStorage: 507 Insufficient Storage"#, StorageFull),
        (r#"unchunked simple update failed: "report.docx" is locked: OCA\DAV\Connector\Sabre\Exception\FileLocked: 423 Locked"#, ServerError),
        ("couldn't list files: <html><head><title>502 Bad Gateway</title></head></html>: 502 Bad Gateway", ServerError),
        // ftp (net/textproto `%03d %s`)
        (r#"failed to make FTP connection to "ftp.example.com:21": 421 Too many connections (8) from this IP"#, RateLimited),
        (r#"failed to make FTP connection to "ftp.example.com:21": 530 Login incorrect."#, Unauthorized),
        ("update stor: 552 Disk quota exceeded", StorageFull),
        ("update stor: 426 Failure writing network stream.", Network),
        ("list: 550 Permission denied.", Forbidden),
        ("open: 550 Failed to open file.", NotFound),
        // local (os.PathError `<op> <path>: <errno>`)
        ("open /mnt/backup/IMG_0001.jpg.3f2a9c1e.partial: no space left on device", StorageFull),
        ("preallocate: file too big for remaining disk space", StorageFull),
        ("open /srv/ro/file.txt: read-only file system", Forbidden),
        ("open /data/f.txt: too many open files", Network),
        (r#"Get "https://h/dir/rate%20limit": dial tcp: lookup h: no such host"#, Network),
    ];
    let mut wrong = vec![];
    for (text, want) in table {
        let got = classify_text(text);
        if got.reason != *want {
            wrong.push(format!("{text:?}: got {:?}, want {want:?}", got.reason));
        }
    }
    assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
    assert_eq!(classify_text("activityLimitReached: throttledRequest: throttled: trying again in 120s").retry_after, Some(Duration::from_secs(120)));
    assert_eq!(classify_text("too_many_requests/..: trying again in 5m0s").retry_after, Some(Duration::from_secs(300)));
}

/// A word inside a file name, path or URL never decides the class: the structure does.
#[test]
fn names_in_paths_and_urls_do_not_decide() {
    let table: &[(&str, FailureReason)] = &[
        ("open /data/rate limit notes.txt: permission denied", Forbidden),
        ("open /data/timeout.log: no such file or directory", NotFound),
        ("open /backups/forbidden-timeout.txt: no space left on device", StorageFull),
        (r#"Put "http://nas/backups/forbidden-timeout.txt": 503 Service Unavailable"#, ServerError),
        (r#"Put "http://nas/quota exceeded/unauthorized.txt": connection reset by peer"#, Network),
        (r#"failed to open directory "429 Too Many Requests": open /home/u/429 Too Many Requests: permission denied"#, Forbidden),
        ("File not present: backups/SlowDown/userRateLimitExceeded.txt (404 not_found)", NotFound),
        (r#"mkdir "/srv/401 Unauthorized" failed: sftp: "Failure" (SSH_FX_FAILURE)"#, Unknown),
        ("open /data/503.txt: is a directory", Unknown),
    ];
    let mut wrong = vec![];
    for (text, want) in table {
        let got = classify_text(text);
        if got.reason != *want {
            wrong.push(format!("{text:?}: got {:?}, want {want:?}", got.reason));
        }
    }
    assert!(wrong.is_empty(), "decided by a name:\n{}", wrong.join("\n"));
}

#[test]
fn unknown_texts_are_retried_like_rclone_does_but_never_open_a_breaker() {
    let f = classify_text("something nobody has seen before");
    assert_eq!((f.reason, f.class, f.retryable), (Unknown, FailureClass::Retryable, true));
    assert!(!f.counts_against_remote());
    // rclone marked every error no-retry: the stats overrule the default
    let stats = GroupStats { errors: 1, retry_error: false, ..GroupStats::default() };
    assert!(!classify_job("something nobody has seen before", Some(&stats)).retryable);
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
