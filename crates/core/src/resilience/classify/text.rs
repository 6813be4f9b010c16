//! Reading rclone's error text by its structure: the codes and statuses that backends and
//! Go's libraries put in fixed places, never words that a file name, path or URL may hold.
//!
//! Order (first match wins):
//! 1. rclone's own sentinels: a cancelled context, a lost job, config and login problems.
//! 2. Provider error codes, as identifier tokens (`userRateLimitExceeded`, `SlowDown`,
//!    `too_many_requests`, `itemNotFound`, `cap_exceeded`, `SSH_FX_NO_SUCH_FILE`, ...): a code
//!    says more than the HTTP status it came with (Drive sends rate limits as 403, B2 and Box
//!    send full storage as 403).
//! 3. HTTP statuses where backends print them (`googleapi: Error 503:`, `StatusCode: 503`,
//!    `(503 service_unavailable)`, `Error "x" (503)`, `(code: 503)`, `HTTP error 503`,
//!    `503 Service Unavailable` with its reason phrase) and FTP reply codes (`421 ...` at the
//!    start of a segment).
//! 4. The errno / Go net texts at the end of the chain (`no space left on device`,
//!    `connection reset by peer`, `i/o timeout`, ...) and rclone's retriable phrases
//!    (`fs/fserrors/error.go` `retriableErrorStrings`).
//!
//! Before any of this, [`scrub`] removes what users control: quoted strings (Go's `%q`
//! paths and `url.Error` URLs), tokens holding `/` or `\` (paths, URLs), the path segment of
//! `os.PathError` (`open <path>: ...`) and request ids.

use rcmd_types::FailureReason::{self, *};

/// The reason the structure of `text` gives, or `Unknown`.
pub(super) fn reason(text: &str) -> FailureReason {
    let lower = text.to_ascii_lowercase();
    // 1. sentinels (fixed texts of rclone and Go, not user data)
    if lower.contains("context canceled") || lower.contains("context cancelled") {
        return Cancelled;
    }
    if lower.trim() == "job not found" {
        return JobLost;
    }
    let clean = scrub(text);
    let lc = clean.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| lc.contains(n));
    // rclone's own advice sits inside quotes ("rclone config reconnect NAME:"): read it first
    if lower.contains("rclone config reconnect")
        || has(&[
            "invalid_grant",
            "couldn't fetch token",
            "oauth2: cannot fetch token",
            "token expired and there's no refresh token",
            // lib/oauthutil: the login was cancelled or denied at the provider
            "oauth authentication was cancelled",
            "no code returned by remote server",
        ])
    {
        return NeedsReconnect;
    }
    if let Some(r) = fixed_phrase(&lc) {
        return r;
    }
    if lower.contains("didn't find section in config file") || has(&["config file not found"]) {
        return RemoteNotConfigured;
    }
    if has(&[
        "couldn't find backend",
        "didn't find backend",
        "couldn't find type field in config",
    ]) {
        return BackendMissing;
    }
    // 2. provider codes
    if let Some(r) = tokens(&clean).find_map(code_reason) {
        return r;
    }
    // 3. statuses in their fixed places
    if let Some(r) = http_status(&clean).and_then(status_reason) {
        return r;
    }
    if let Some(r) = ftp_reply(&clean) {
        return r;
    }
    // 4. errno and Go net texts, rclone's phrases
    errno_reason(&lc)
}

/// Provider error codes (exact, case-sensitive identifiers) → reason. Sources: rclone's
/// backends and the SDKs they use (see the closing note of the
/// issue): drive (googleapi reasons), onedrive (api.Error codes), dropbox (error summary
/// tags), s3 (smithy API error codes), b2 (`(status code)`), box (`Error "code"`), sftp
/// (`SSH_FX_*`), webdav (Sabre exceptions).
fn code_reason(token: &str) -> Option<FailureReason> {
    Some(match token {
        // rate limits and quotas that reset with time
        "rateLimitExceeded"
        | "userRateLimitExceeded"
        | "dailyLimitExceeded"
        | "downloadQuotaExceeded"
        | "sharingRateLimitExceeded"
        | "activityLimitReached"
        | "throttledRequest"
        | "too_many_requests"
        | "too_many_write_operations"
        | "SlowDown"
        | "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException"
        | "TooManyRequests"
        | "rate_limit_exceeded"
        | "transaction_cap_exceeded"
        | "download_cap_exceeded"
        | "operation_blocked_temporary" => RateLimited,
        // no space or over quota at the destination
        "storageQuotaExceeded"
        | "quotaExceeded"
        | "teamDriveFileLimitExceeded"
        | "quotaLimitReached"
        | "insufficientStorage"
        | "insufficient_space"
        | "cap_exceeded"
        | "storage_cap_exceeded"
        | "storage_limit_exceeded"
        | "XMinioStorageFull"
        | "InsufficientStorage"
        | "EntityTooLarge" => StorageFull,
        "notFound"
        | "itemNotFound"
        | "not_found"
        | "NoSuchKey"
        | "NoSuchBucket"
        | "NoSuchUpload"
        | "SSH_FX_NO_SUCH_FILE" => NotFound,
        "AccessDenied"
        | "accessDenied"
        | "insufficientFilePermissions"
        | "access_denied_insufficient_permissions"
        | "AllAccessDisabled"
        | "SSH_FX_PERMISSION_DENIED"
        | "cannotDownloadAbusiveFile"
        | "restricted_content" => Forbidden,
        "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "authError"
        | "InvalidAuthenticationToken"
        | "bad_auth_token"
        | "invalid_access_token"
        | "NotAuthenticated"
        | "ExpiredToken"
        | "InvalidToken" => Unauthorized,
        "expired_access_token" | "expired_auth_token" => NeedsReconnect,
        "backendError"
        | "internalError"
        | "InternalError"
        | "ServiceUnavailable"
        | "serviceNotAvailable"
        | "generalException"
        | "service_unavailable" => ServerError,
        "RequestTimeout" | "RequestTimeTooSkewed" => Timeout,
        "SSH_FX_CONNECTION_LOST" | "SSH_FX_NO_CONNECTION" => Network,
        // archived objects (S3, Azure): restore first
        "InvalidObjectState" | "ObjectNotInActiveTierError" | "BlobArchived" | "BlobBeingRehydrated" => NotRestored,
        "pathIsTooLong" | "InvalidResourceName" | "malformed_path" | "InvalidObjectName" => InvalidName,
        "BucketNotEmpty" => NotEmpty,
        _ => return None,
    })
}

/// The fixed texts of permanent conditions in rclone's, Go's and x/crypto's sources (and the
/// one retryable family that embeds user text, checked first): what retrying cannot change.
fn fixed_phrase(lc: &str) -> Option<FailureReason> {
    let has = |needles: &[&str]| needles.iter().any(|n| lc.contains(n));
    // fs/operations/copy.go, b2, vfs: the copy arrived damaged (its text quotes Fs names)
    if lc.starts_with("corrupted on transfer") || lc.contains(": corrupted on transfer") {
        return Some(Corrupted);
    }
    // crypto/x509, crypto/tls (verification and the peer's certificate alerts),
    // ssh/knownhosts, backend/sftp's host key pinning
    if has(&[
        "x509: ",
        "tls: failed to verify certificate",
        "tls: bad certificate",
        "tls: unknown certificate",
        "tls: expired certificate",
        "tls: revoked certificate",
        "tls: unsupported certificate",
        "first record does not look like a tls handshake",
        "refusing to follow https to http redirect",
        "knownhosts: key mismatch",
        "knownhosts: key is unknown",
        "knownhosts: key is revoked",
        "sftp: host key mismatch",
        "but no key is pinned for this algorithm",
        "which pin_host_key cannot validate",
        "host_keys already contains",
    ]) {
        return Some(Certificate);
    }
    // backend/s3 (InvalidObjectState rewritten), backend/azureblob
    if has(&[
        "restore first",
        "blob in archive tier",
        "can't update archive tier blob",
    ]) {
        return Some(NotRestored);
    }
    // backend/crypt/cipher.go
    if has(&[
        "failed to authenticate decrypted block",
        "not an encrypted file",
        "file is too short to be encrypted",
        "file has truncated block header",
        "undecryptable file name",
    ]) {
        return Some(Undecryptable);
    }
    // fs/accounting, fs/sync, lib/batcher, fs/fserrors (FatalError(nil))
    if has(&[
        "max transfer limit reached",
        "max transfer duration reached",
        "--max-delete threshold reached",
        "--max-delete-size threshold reached",
        "files on overlapping remotes",
        "immutable file modified",
        "batcher is shutting down",
    ]) || lc.trim() == "fatal error"
    {
        return Some(LimitReached);
    }
    // fs/fs.go ErrorFileNameTooLong and ENAMETOOLONG, EILSEQ, backend/local, dropbox, mailru
    if has(&[
        "file name too long",
        "invalid or incomplete multibyte or wide character",
        "is not a path within the local root",
        "is disallowed - not uploading",
        "invalid characters in object name",
        "syntax is incorrect",
    ]) {
        return Some(InvalidName);
    }
    // backends' own wordings: login refused (smb, protondrive), full (union, pcloud-like),
    // a library or drive that does not exist (seafile)
    if has(&["the attempted logon is invalid", "incorrect login credentials"]) {
        return Some(Unauthorized);
    }
    if has(&["not enough quota", "no upstreams found with more than"]) {
        return Some(StorageFull);
    }
    if has(&["was not found, and the option to create it is not activated"]) {
        return Some(NotFound);
    }
    // fs/fs.go ErrorDirectoryNotEmpty and ENOTEMPTY, vfs, backends' own wordings
    if has(&[
        "directory not empty",
        "directory is not empty",
        "folder not empty",
        "the directory is not empty",
    ]) {
        return Some(NotEmpty);
    }
    None
}

fn status_reason(status: u16) -> Option<FailureReason> {
    Some(match status {
        401 => Unauthorized,
        403 => Forbidden,
        404 | 410 => NotFound,
        408 | 504 => Timeout,
        429 => RateLimited,
        507 => StorageFull,
        // 423 Locked and 425 Too Early are retried by rclone's webdav backend
        423 | 425 | 500 | 502 | 503 | 509 | 520..=529 => ServerError,
        _ => return None,
    })
}

/// HTTP reason phrases that follow a status code in Go's `resp.Status` (`503 Service
/// Unavailable`): the pair, not the number alone, marks a status.
const REASON_PHRASES: &[(u16, &str)] = &[
    (401, "unauthorized"),
    (403, "forbidden"),
    (404, "not found"),
    (408, "request timeout"),
    (410, "gone"),
    (423, "locked"),
    (425, "too early"),
    (429, "too many requests"),
    (500, "internal server error"),
    (502, "bad gateway"),
    (503, "service unavailable"),
    (504, "gateway timeout"),
    (507, "insufficient storage"),
    (509, "bandwidth limit exceeded"),
];

/// The HTTP status in one of the places backends print it.
fn http_status(clean: &str) -> Option<u16> {
    let lc = clean.to_ascii_lowercase();
    let after = |marker: &str| -> Option<u16> {
        lc.match_indices(marker)
            .find_map(|(i, _)| three_digits(&lc[i + marker.len()..]))
    };
    // googleapi, smithy (S3), lib/rest, Dropbox SDK, Box `Error "code" (403)` / bare `(403)`
    for marker in [
        "googleapi: error ",
        "got http response code ",
        "statuscode: ",
        "http error ",
        "(code: ",
        "status code ",
        "status code: ",
    ] {
        if let Some(s) = after(marker) {
            return Some(s).filter(|s| *s != 0);
        }
    }
    // B2 `(403 cap_exceeded)` and Box `(403)`: a parenthesised status
    for (i, _) in lc.match_indices('(') {
        let rest = &lc[i + 1..];
        if let Some(s) = three_digits(rest) {
            let tail = &rest[3..];
            if tail.starts_with(')') || (tail.starts_with(' ') && tail[1..].split(')').next().is_some_and(is_code_word))
            {
                return Some(s);
            }
        }
    }
    // `503 Service Unavailable`
    REASON_PHRASES
        .iter()
        .find(|(code, phrase)| {
            let needle = format!("{code} {phrase}");
            lc.match_indices(&needle)
                .any(|(i, _)| i == 0 || !lc.as_bytes()[i - 1].is_ascii_alphanumeric())
        })
        .map(|(code, _)| *code)
}

/// FTP reply codes (`net/textproto`: `%03d %s`) at the start of a segment: `421 Too many
/// connections`, `update stor: 552 Disk quota exceeded`.
fn ftp_reply(clean: &str) -> Option<FailureReason> {
    clean.split(": ").find_map(|segment| {
        let code = three_digits(segment.trim_start())?;
        let msg = segment.trim_start().get(3..)?.to_ascii_lowercase();
        if !msg.starts_with(' ') {
            return None;
        }
        Some(match code {
            421 => RateLimited,
            425 | 426 => Network,
            450 | 451 => ServerError,
            452 | 552 => StorageFull,
            530 => Unauthorized,
            553 => Forbidden,
            550 if msg.contains("denied") || msg.contains("permission") => Forbidden,
            550 => NotFound,
            _ => return None,
        })
    })
}

/// The errno text at the end of an error chain and rclone's fixed phrases.
fn errno_reason(lc: &str) -> FailureReason {
    let has = |needles: &[&str]| needles.iter().any(|n| lc.contains(n));
    if has(&[
        "no space left on device",
        "disk quota exceeded",
        "file too big for remaining disk space",
        "not enough space on the disk",
    ]) {
        return StorageFull;
    }
    if has(&[
        "permission denied",
        "operation not permitted",
        "read-only file system",
        "access is denied",
        "access denied",
    ]) {
        return Forbidden;
    }
    if has(&["unable to authenticate", "authentication failed", "login incorrect"]) {
        return Unauthorized;
    }
    if has(&[
        "no such file or directory",
        "file does not exist",
        "object not found",
        "directory not found",
        "cannot find the file specified",
        "cannot find the path specified",
    ]) {
        return NotFound;
    }
    // Go's net.Error Timeout() texts
    if has(&[
        "i/o timeout",
        "connection timed out",
        "timeout awaiting response headers",
        "tls handshake timeout",
        "client.timeout exceeded",
        "deadline exceeded",
    ]) {
        return Timeout;
    }
    // retriableErrorStrings, the retriable errno list, io.EOF / io.ErrUnexpectedEOF, DNS and SSH
    if has(&[
        "use of closed network connection",
        "unexpected eof reading trailer",
        "transport connection broken",
        "http: contentlength=",
        "server closed idle connection",
        "bad record mac",
        "stream error:",
        "tls: use of closed connection",
        "http2: server sent goaway",
        "connection reset by peer",
        "connection refused",
        "broken pipe",
        "no route to host",
        "network is unreachable",
        "host is down",
        "software caused connection abort",
        "resource temporarily unavailable",
        "connection lost",
        "too many open files",
        "unexpected eof",
        "no such host",
        "couldn't connect ssh",
        "exceeded maximum number of attempts",
    ]) || lc.trim_end().ends_with(": eof")
        || lc.trim() == "eof"
    {
        return Network;
    }
    Unknown
}

/// Identifier tokens (`[A-Za-z0-9_]+`) of `clean`.
fn tokens(clean: &str) -> impl Iterator<Item = &str> {
    clean
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
}

fn three_digits(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() >= 3 && b[..3].iter().all(u8::is_ascii_digit) && !b.get(3).is_some_and(u8::is_ascii_digit) {
        s[..3].parse().ok()
    } else {
        None
    }
}

fn is_code_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')
}

/// Operations of Go's `os.PathError` (`<op> <path>: <errno>`): the path is unquoted.
const PATH_OPS: &[&str] = &[
    "open",
    "stat",
    "lstat",
    "mkdir",
    "remove",
    "rename",
    "write",
    "read",
    "readdirent",
    "unlinkat",
    "chmod",
    "chtimes",
    "truncate",
    "symlink",
    "readlink",
    "close",
    "sync",
    "fstat",
    "lchown",
    "link",
];

/// `text` without what users control: `"quoted"` strings (kept when they are a bare code such
/// as Box's `"storage_limit_exceeded"`), the path of an `os.PathError` segment, tokens with
/// `/` or `\` (paths, URLs; Dropbox tags such as `path/not_found/..` and `i/o` are kept) and
/// request ids.
pub(super) fn scrub(text: &str) -> String {
    // quoted strings
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('"') {
            Some(end) => {
                let inner = &after[..end];
                if is_code_word(inner) {
                    out.push_str(inner);
                }
                rest = &after[end + 1..];
            }
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    // os.PathError segments: drop `<op> <path>` up to its ": "
    let segments: Vec<&str> = out.split(": ").collect();
    let kept: Vec<&str> = segments
        .iter()
        .copied()
        .filter(|seg| {
            let mut words = seg.trim_start().splitn(2, ' ');
            let (op, arg) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            !(PATH_OPS.contains(&op) && !arg.is_empty() && !arg.starts_with("tcp") && !arg.starts_with("udp"))
        })
        .collect();
    let joined = kept.join(": ");
    // tokens holding paths or URLs, and request ids
    let mut words: Vec<&str> = Vec::new();
    let mut skip_next = false;
    for w in joined.split_whitespace() {
        if skip_next {
            skip_next = false;
            continue;
        }
        if w == "RequestID:" || w == "HostID:" {
            skip_next = true;
            continue;
        }
        let bare = w.trim_end_matches([',', ':', ';', '.', ')']).trim_start_matches('(');
        let lower = bare.to_ascii_lowercase();
        // Dropbox error summaries are tag paths: `path/not_found/..`
        let dropbox_tag = bare.contains('/') && bare.trim_end_matches(['/', '.']).split('/').all(is_code_word);
        let go_words = lower == "i/o" || lower.starts_with("net/http") || lower.starts_with("http/");
        if (w.contains('/') || w.contains('\\')) && !dropbox_tag && !go_words {
            continue;
        }
        words.push(w);
    }
    words.join(" ")
}

/// The network cause a raw error names, in a few words ("connection refused"), for messages
/// a person reads; `None` when it names none of these.
pub(super) fn network_cause(text: &str) -> Option<&'static str> {
    let lc = text.to_ascii_lowercase();
    [
        ("connection refused", "connection refused"),
        ("connection reset by peer", "connection reset"),
        ("no such host", "host name not found"),
        ("no route to host", "no route to host"),
        ("network is unreachable", "network unreachable"),
        ("host is down", "host is down"),
        ("i/o timeout", "no answer (timed out)"),
        ("tls handshake timeout", "no answer (timed out)"),
        ("broken pipe", "connection broken"),
    ]
    .into_iter()
    .find(|(needle, _)| lc.contains(needle))
    .map(|(_, cause)| cause)
}
