//! The one place that interprets failures: transport errors, RC statuses, rclone's error
//! texts and job stats all become a [`Failure`] with a class, a reason and a suggestion.
//! Retry, breaker and batch logic look only at the result, never at strings.
//!
//! The rules mirror rclone's own (`fs/fserrors/error.go`, `retriable_errors.go`):
//! * `ShouldRetry`: a cause with `Timeout()`/`Temporary()`, `io.EOF`/`io.ErrUnexpectedEOF`, the
//!   errno list (ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, ...) and
//!   the phrases of `retriableErrorStrings` ("use of closed network connection", "unexpected EOF
//!   reading trailer", "transport connection broken", "http: ContentLength=", "server closed
//!   idle connection", "bad record MAC", "stream error:", "tls: use of closed connection").
//! * `ShouldRetryHTTP` with the usual backend codes 429, 500, 502, 503, 504, 509.
//! * A cancelled context is never retried.
//! * Precedence fatal > retry > no-retry: here, a cancellation wins over everything, a
//!   provider code over the HTTP status it came with (Google Drive answers 403 for rate
//!   limits, B2 and Box 403 for full storage), a permanent cause over a generic retryable one.
//! * The default for a text nothing recognises is rclone's own: every error not marked
//!   no-retry or fatal is retried (`fs/accounting/stats.go` sets `retryError`, `cmd.Run`
//!   reruns up to `--retries` 3). So `Unknown` is retryable, within the caller's attempt
//!   limit, and never counts against a remote's breaker; a job's `fatalError`/`retryError`
//!   stats overrule it.
//!
//! rclone's RC answers 500 for most backend failures with the backend's text in `error`, so the
//! RC status alone says little; the text decides, read by its structure (codes and statuses
//! in fixed places, see `text.rs`), never by words a file name or URL may hold.

use std::time::Duration;

use rcmd_types::{FailureClass, FailureInfo, FailureReason};

use crate::rc::{wire::GroupStats, RcError};

/// A classified failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub class: FailureClass,
    pub reason: FailureReason,
    /// Retrying can help: the class is retryable, or a partial job failed with retryable errors.
    pub retryable: bool,
    /// The earliest time to retry, when the server or the error said so.
    pub retry_after: Option<Duration>,
    /// Short error text for the user (never holds request bodies).
    pub message: String,
}

impl Failure {
    pub fn new(reason: FailureReason, message: impl Into<String>) -> Self {
        let class = class_of(reason);
        Failure {
            class,
            reason,
            retryable: class == FailureClass::Retryable,
            retry_after: None,
            message: message.into(),
        }
    }

    pub fn with_retry_after(mut self, after: Option<Duration>) -> Self {
        self.retry_after = after.or(self.retry_after);
        self
    }

    /// Whether this failure says the remote itself is unhealthy (counts for its breaker).
    /// Not found, bad requests, missing config, names taken and cancellations are about the
    /// request.
    pub fn counts_against_remote(&self) -> bool {
        use FailureReason::*;
        matches!(
            self.reason,
            RateLimited
                | ServerError
                | Network
                | Timeout
                | Stalled
                | Unauthorized
                | Forbidden
                | StorageFull
                | NeedsReconnect
                | Certificate
        )
    }

    /// The UI form, with the suggestion in both languages.
    pub fn info(&self) -> FailureInfo {
        let (en, ko) = suggestion(self.reason);
        FailureInfo {
            class: self.class,
            reason: self.reason,
            retryable: self.retryable,
            retry_after_ms: self.retry_after.map(|d| d.as_millis() as u64),
            message: self.message.clone(),
            suggestion_en: en.to_owned(),
            suggestion_ko: ko.to_owned(),
        }
    }
}

/// The class of each reason.
pub fn class_of(reason: FailureReason) -> FailureClass {
    use FailureReason::*;
    match reason {
        // Unknown: rclone itself retries every error not marked no-retry or fatal
        // (`fs/accounting/stats.go` sets retryError, `cmd.Run` reruns up to --retries 3), so an
        // unrecognised text is retried a bounded number of times too; it never counts against
        // a remote's breaker, and a job's stats (fatalError / retryError) overrule it
        RateLimited | ServerError | Network | Timeout | Stalled | JobLost | RcloneNotReady | RemotePaused
        | Corrupted | Unknown => FailureClass::Retryable,
        Unauthorized | Forbidden | StorageFull | NeedsReconnect | RemoteNotConfigured | BackendMissing | BadRequest
        | RcRefused | Certificate | NotRestored | InvalidName | NotEmpty | LimitReached | Undecryptable | Exists
        | InvalidInput | Unsupported | Lockout | AccessCheck | NotPermitted => FailureClass::Permanent,
        NotFound => FailureClass::NotFound,
        Cancelled => FailureClass::Cancelled,
        Partial => FailureClass::Partial,
    }
}

/// What the user can do, in English and Korean.
pub fn suggestion(reason: FailureReason) -> (&'static str, &'static str) {
    use FailureReason::*;
    match reason {
        RateLimited => ("The service is limiting requests. RCMD waits and retries; lower the number of parallel transfers if it keeps happening.",
                        "서비스가 요청 수를 제한하고 있습니다. RCMD가 기다렸다가 다시 시도합니다. 계속되면 동시 전송 수를 줄이세요."),
        ServerError => ("The server had a temporary problem. RCMD retries automatically.",
                        "서버에 일시적인 문제가 있습니다. RCMD가 자동으로 다시 시도합니다."),
        Network => ("The connection failed. Check the network or whether the server is up; RCMD retries automatically.",
                    "연결에 실패했습니다. 네트워크나 서버 상태를 확인하세요. RCMD가 자동으로 다시 시도합니다."),
        Timeout => ("The server took too long to answer. RCMD retries; check the network if it keeps happening.",
                    "서버 응답이 너무 늦습니다. RCMD가 다시 시도합니다. 계속되면 네트워크를 확인하세요."),
        Stalled => ("The transfer stopped making progress and was stopped. It will be retried; check the server if it keeps happening.",
                    "전송이 더 이상 진행되지 않아 중지했습니다. 다시 시도합니다. 계속되면 서버를 확인하세요."),
        JobLost => ("rclone restarted or forgot the job. RCMD checks what was done and runs it again.",
                    "rclone이 재시작되었거나 작업을 잃었습니다. RCMD가 완료된 부분을 확인하고 다시 실행합니다."),
        RcloneNotReady => ("rclone is starting or restarting. Wait a moment.",
                           "rclone이 시작 또는 재시작 중입니다. 잠시 기다리세요."),
        RemotePaused => ("This remote failed repeatedly, so calls to it are paused until the next probe. You can reset it in the remote list.",
                         "이 리모트가 반복해서 실패하여 다음 점검 때까지 호출을 멈췄습니다. 리모트 목록에서 초기화할 수 있습니다."),
        Unauthorized => ("The credentials were rejected. Update them with `rclone config` (or `rclone config reconnect` for OAuth remotes).",
                         "인증 정보가 거부되었습니다. `rclone config`로 수정하세요 (OAuth 리모트는 `rclone config reconnect`)."),
        Forbidden => ("Access was denied. Check the account's permissions on this path or bucket.",
                      "접근이 거부되었습니다. 이 경로나 버킷에 대한 계정 권한을 확인하세요."),
        StorageFull => ("The destination is out of space or over quota. Free space or raise the quota, then resume.",
                        "대상 저장소의 공간이 부족하거나 할당량을 초과했습니다. 공간을 확보한 뒤 다시 시작하세요."),
        NeedsReconnect => ("The remote's login expired. Run `rclone config reconnect <remote>:`.",
                           "리모트 로그인이 만료되었습니다. `rclone config reconnect <리모트>:`를 실행하세요."),
        RemoteNotConfigured => ("This remote is not in the rclone config. Check its name or choose the right config file in Settings.",
                                "rclone 설정에 이 리모트가 없습니다. 이름을 확인하거나 설정에서 올바른 설정 파일을 선택하세요."),
        BackendMissing => ("The remote's type is not supported by this rclone. Check its `type` in the config.",
                           "이 rclone은 리모트 유형을 지원하지 않습니다. 설정의 `type`을 확인하세요."),
        BadRequest => ("RCMD sent a request rclone did not accept. Please report this.",
                       "rclone이 RCMD의 요청을 받아들이지 않았습니다. 이 문제를 알려 주세요."),
        NotFound => ("The file or folder does not exist (any more). Refresh the listing.",
                     "파일 또는 폴더가 없습니다. 목록을 새로 고치세요."),
        Cancelled => ("The operation was cancelled.", "작업이 취소되었습니다."),
        Partial => ("Some items failed. See the list of failed items; retry them once the cause is fixed.",
                    "일부 항목이 실패했습니다. 실패한 항목 목록을 확인하고 원인을 해결한 뒤 다시 시도하세요."),
        RcRefused => ("The server refused RCMD's credentials (wrong, revoked or expired token). Save a new token for it in the sidebar's Connection section (Edit on the server).",
                      "서버가 RCMD의 인증 정보를 거부했습니다 (잘못되었거나 취소되었거나 만료된 토큰). 사이드바의 연결 항목에서 서버를 편집해 새 토큰을 저장하세요."),
        NotPermitted => ("The server does not allow this for your account (its role, or a remote that is not yours). Ask the server's admin; retrying will not help.",
                         "서버가 이 계정에 이 작업을 허용하지 않습니다 (역할 또는 본인 것이 아닌 리모트). 서버 관리자에게 문의하세요. 다시 시도해도 해결되지 않습니다."),
        Certificate => ("The server's identity could not be verified: its certificate is not trusted, has expired or is for another name, it refused ours, or its SSH host key changed. Check the remote's URL and certificates (or host keys) with `rclone config`; retrying will not help.",
                        "서버의 신원을 확인할 수 없습니다. 인증서를 신뢰할 수 없거나 만료되었거나 다른 이름용이거나, 서버가 우리 인증서를 거부했거나, SSH 호스트 키가 바뀌었습니다. `rclone config`에서 리모트의 URL과 인증서(또는 호스트 키)를 확인하세요. 다시 시도해도 해결되지 않습니다."),
        NotRestored => ("The file is in an archive storage class (e.g. Glacier, Azure archive tier). Restore it with the provider's tools first, then retry.",
                        "파일이 보관(아카이브) 스토리지 등급(예: Glacier, Azure 보관 계층)에 있습니다. 먼저 제공업체 도구로 복원한 뒤 다시 시도하세요."),
        InvalidName => ("The destination does not accept this name (too long, or characters or encoding it cannot store). Rename the file or choose another destination.",
                        "대상이 이 이름을 받아들이지 않습니다(너무 길거나 저장할 수 없는 문자나 인코딩). 파일 이름을 바꾸거나 다른 대상을 선택하세요."),
        NotEmpty => ("The folder still holds files, so it was not removed. Check what is left in it.",
                     "폴더에 아직 파일이 있어 제거하지 않았습니다. 남아 있는 항목을 확인하세요."),
        LimitReached => ("One of rclone's limits stopped the work (--max-transfer, --max-duration, --max-delete, overlapping remotes or --immutable). Change the limit or the selection, then resume.",
                         "rclone의 제한(--max-transfer, --max-duration, --max-delete, 겹치는 리모트, --immutable)으로 작업이 멈췄습니다. 제한이나 선택을 바꾼 뒤 다시 시작하세요."),
        Undecryptable => ("The encrypted file cannot be decrypted: the crypt remote's password or salt is wrong, or the file is not encrypted or is damaged. Check the crypt remote's settings; retrying will not help.",
                          "암호화된 파일을 복호화할 수 없습니다. crypt 리모트의 비밀번호나 솔트가 틀렸거나, 파일이 암호화되지 않았거나 손상되었습니다. crypt 리모트 설정을 확인하세요. 다시 시도해도 해결되지 않습니다."),
        Corrupted => ("The copy arrived with a different size or checksum than the source and was discarded. RCMD retries; if it keeps happening, check the network or the storage.",
                      "복사본의 크기나 체크섬이 원본과 달라 버렸습니다. RCMD가 다시 시도합니다. 계속되면 네트워크나 저장소를 확인하세요."),
        Exists => ("Something with this name is there already. Choose another name.",
                   "같은 이름의 항목이 이미 있습니다. 다른 이름을 고르세요."),
        InvalidInput => ("This remote name or path is not valid. Correct it and try again.",
                         "리모트 이름이나 경로가 올바르지 않습니다. 고친 뒤 다시 시도하세요."),
        Unsupported => ("This cannot be done with this item here; the message says what to do instead.",
                        "이 항목으로는 여기서 할 수 없습니다. 대신 할 일은 메시지를 보세요."),
        Lockout => ("This two-way sync lost track of its last run (its listings are missing or were left unfinished), so it cannot tell which side changed. Nothing was changed. Run the guided resync: it previews what each side will receive before anything is written.",
                    "이 양방향 동기화가 지난 실행 기록(목록 파일)을 잃어 어느 쪽이 바뀌었는지 알 수 없습니다. 아무것도 바꾸지 않았습니다. 안내에 따라 재동기화를 실행하세요. 쓰기 전에 각 쪽이 받을 내용을 미리 보여 줍니다."),
        AccessCheck => ("A side of this two-way sync is missing its check file (.rcmd-bisync-check): it may be unmounted, emptied or the wrong folder. The run stopped before changing anything. Check that side, then run again.",
                        "양방향 동기화의 한쪽에 확인 파일(.rcmd-bisync-check)이 없습니다. 마운트가 해제되었거나 비었거나 다른 폴더일 수 있습니다. 아무것도 바꾸기 전에 멈췄습니다. 그쪽을 확인한 뒤 다시 실행하세요."),
        Unknown => ("rclone reported an error RCMD does not recognise. Like rclone, RCMD retries it a few times; if it keeps failing, see the message.",
                    "RCMD가 알 수 없는 rclone 오류입니다. rclone처럼 몇 번 다시 시도합니다. 계속 실패하면 메시지를 확인하세요."),
    }
}

/// The side of a transfer a failure belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Source,
    Destination,
}

/// The side of a transfer (copy/move job) that `f` is about, when rclone's own wrappers say
/// it; `None` when the text does not (the caller then probes each side). Only rclone's fixed
/// wrapper phrases are read (`fs/operations/copy.go`: "failed to open source object";
/// `fs/march/march.go`: "error reading source/destination directory"; `fs/operations`:
/// "failed to make directory", "Failed to set modification time"), never names or URLs.
/// Running out of space is always the writer's problem.
pub fn side_of(f: &Failure) -> Option<Side> {
    if f.reason == FailureReason::StorageFull {
        return Some(Side::Destination);
    }
    let lower = f.message.to_ascii_lowercase();
    let wrapper = |phrases: &[&str]| {
        phrases
            .iter()
            .any(|p| lower.starts_with(p) || lower.contains(&format!(": {p}")))
    };
    let src = wrapper(&[
        "failed to open source object",
        "error reading source directory",
        "error reading source root directory",
        "the source cannot be reached",
    ]);
    let dst = wrapper(&[
        "error reading destination directory",
        "error reading destination root directory",
        "the destination cannot be reached",
        "failed to make directory",
        "failed to set modification time",
        "partial file rename failed",
    ]);
    match (src, dst) {
        (true, false) => Some(Side::Source),
        (false, true) => Some(Side::Destination),
        _ => None,
    }
}

/// Classifies an RC failure. Order: transport, then RC status + error text, then job results.
pub fn classify(err: &RcError) -> Failure {
    match err {
        // the connection to rclone itself failed: rclone died or is restarting, which says
        // nothing about any remote (a slow synchronous call can time out because the remote
        // is slow, so a timeout stays a timeout)
        RcError::Transport { source, .. } => {
            let reason = if source.is_timeout() {
                FailureReason::Timeout
            } else {
                FailureReason::RcloneNotReady
            };
            Failure::new(reason, err.to_string())
        }
        // 400: rclone could not parse our request, whatever the text (it may say "EOF")
        RcError::Api {
            status: 400, message, ..
        } => Failure::new(FailureReason::BadRequest, message.clone()),
        RcError::Api {
            status,
            message,
            retry_after,
            ..
        } => {
            let by_text = classify_text(message);
            let f = match (by_text.reason, *status) {
                (FailureReason::Unknown, 404) => Failure::new(FailureReason::NotFound, message.clone()),
                (FailureReason::Unknown, 429) => Failure::new(FailureReason::RateLimited, message.clone()),
                // rclone answers a remote's denial as 500 with the backend's text; a 403 of the
                // RC endpoint itself is rproxy's policy refusing this account
                (FailureReason::Unknown, 403) => Failure::new(FailureReason::NotPermitted, message.clone()),
                (FailureReason::Unknown, 502..=504) => Failure::new(FailureReason::ServerError, message.clone()),
                _ => by_text,
            };
            f.with_retry_after(*retry_after)
        }
        // the RC endpoint refused RCMD itself (rclone's own RC credentials, an rproxy token):
        // a remote's refusal comes back as rclone's error text instead
        RcError::Unauthorized { .. } => Failure::new(FailureReason::RcRefused, err.to_string()),
        RcError::Unexpected {
            status, retry_after, ..
        } => {
            let reason = match status {
                429 => FailureReason::RateLimited,
                500..=599 => FailureReason::ServerError,
                _ => FailureReason::Unknown,
            };
            Failure::new(reason, err.to_string()).with_retry_after(*retry_after)
        }
        // our request or rclone's reply did not have the expected shape: retrying cannot help
        RcError::Encode { .. } | RcError::Decode { .. } => Failure::new(FailureReason::BadRequest, err.to_string()),
        RcError::JobLost { .. } => Failure::new(FailureReason::JobLost, err.to_string()),
        RcError::JobTimeout { .. } => Failure::new(FailureReason::Timeout, err.to_string()),
        RcError::Stalled { .. } | RcError::BodyStalled { .. } => Failure::new(FailureReason::Stalled, err.to_string()),
        RcError::Unreachable { message, .. } => {
            let f = classify_text(message);
            let reason = if f.counts_against_remote() {
                f.reason
            } else {
                FailureReason::Network
            };
            Failure::new(reason, err.to_string())
        }
        RcError::JobFailing { last_error, .. } => {
            let f = classify_text(last_error);
            Failure {
                message: err.to_string(),
                ..f
            }
        }
        // it may still be writing: nothing to retry until it ends
        RcError::JobNotStopped { .. } => {
            let mut f = Failure::new(FailureReason::Stalled, err.to_string());
            f.retryable = false;
            f
        }
        RcError::JobFailed { message, stats, .. } => classify_job(message, stats.as_ref()),
    }
}

/// Classifies a finished job from its error text and its group's `core/stats`.
pub fn classify_job(error: &str, stats: Option<&GroupStats>) -> Failure {
    let text = match stats {
        Some(s) if error.is_empty() => s.last_error.as_str(),
        _ => error,
    };
    let mut f = classify_text(text);
    let Some(s) = stats else { return f };
    if f.class == FailureClass::Cancelled {
        return f;
    }
    if f.reason == FailureReason::Unknown && s.retry_error && !s.fatal_error {
        // rclone itself marked the errors retryable
        f = Failure::new(FailureReason::ServerError, text);
    }
    if f.reason == FailureReason::Unknown && s.errors > 0 && !s.retry_error {
        // rclone marked every error no-retry: its decision beats the default
        f.retryable = false;
    }
    if s.transfers + s.checks + s.deletes + s.renames > 0 && s.errors > 0 {
        let retryable = f.retryable || (s.retry_error && !s.fatal_error);
        return Failure {
            class: FailureClass::Partial,
            reason: FailureReason::Partial,
            retryable,
            retry_after: f.retry_after,
            message: format!("{} of the job's items failed: {text}", s.errors),
        };
    }
    if s.fatal_error {
        f.retryable = false;
    }
    f
}

/// Classifies the end of a `sync/bisync` call. rclone answers most of bisync's own stops
/// with the bare text "bisync aborted" (the cause goes to rclone's log only), so what is left
/// in the pair's working folder decides: without both listings bisync must resync (a
/// lockout); with them the abort was retryable (`--resilient`). Its delete guard answers
/// "too many deletes"; a lock held by a live run "prior lock file found".
pub fn classify_bisync(err: &RcError, listings_left: bool) -> Failure {
    let text = strip_ansi(&err.to_string());
    let lower = text.to_ascii_lowercase();
    if lower.contains("too many deletes") {
        return Failure::new(
            FailureReason::LimitReached,
            "too many deletes: this run would delete more than the pair's limit allows on a side; nothing was changed",
        );
    }
    if lower.contains("prior lock file found") {
        return Failure::new(
            FailureReason::RcloneNotReady,
            "another run of this pair holds its lock; try again when it has ended",
        );
    }
    if lower.contains("check file check failed") || lower.contains("access test failed") {
        return Failure::new(
            FailureReason::AccessCheck,
            "check-access failed: a side is missing its check file",
        );
    }
    if lower.contains("bisync aborted") || lower.contains("must run --resync") {
        return if listings_left {
            Failure::new(
                FailureReason::ServerError,
                "bisync stopped with an error it can retry without a resync (see the log for the file)",
            )
        } else {
            Failure::new(
                FailureReason::Lockout,
                "bisync lost track of the last run and needs a resync",
            )
        };
    }
    let mut f = classify(err);
    f.message = strip_ansi(&f.message);
    f
}

/// `text` without terminal colour codes (bisync colours its messages).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            // CSI: parameters up to the final letter
            for n in chars.by_ref() {
                if n.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Classifies rclone's error text alone, by its structure (see [`text`]).
pub fn classify_text(text: &str) -> Failure {
    let reason = text::reason(text);
    Failure::new(reason, text).with_retry_after(retry_after_in_text(text))
}

/// The network cause `text` (a raw rclone error) names, in a few words ("connection
/// refused", "host name not found"); `None` when it names none.
pub fn network_cause(text: &str) -> Option<&'static str> {
    text::network_cause(text)
}

/// A retry delay written in the text: rclone's `ErrorRetryAfter` prints
/// `try again after <time> (<duration>)`, its pacer `<err>: trying again in <duration>`
/// (`lib/pacer/pacer.go`, OneDrive, Dropbox, B2); some backends print `retry after <n>s` or
/// `Retry-After: <n>`.
fn retry_after_in_text(text: &str) -> Option<Duration> {
    let lower = text.to_ascii_lowercase();
    if let Some(rest) = lower.split("try again after ").nth(1) {
        let inner = rest.split('(').nth(1)?.split(')').next()?;
        return parse_go_duration(inner);
    }
    if let Some((_, rest)) = lower.rsplit_once(": trying again in ") {
        let token: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        return parse_go_duration(&token);
    }
    for key in ["retry-after: ", "retry after "] {
        if let Some(rest) = lower.split(key).nth(1) {
            let token: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            return parse_go_duration(&token).or_else(|| token.parse::<u64>().ok().map(Duration::from_secs));
        }
    }
    None
}

/// Parses Go's `time.Duration` text (`1h2m3.5s`, `250ms`, `4.99s`). Negative → `None`.
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() || s.starts_with('-') {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[unit_len..];
    }
    Some(Duration::from_secs_f64(total))
}

/// rclone's `job/status` for an unknown id: HTTP 500 `{"error": "job not found"}`
/// (rc/jobs/job.go). Happens after rclone restarts or once a finished job expired.
pub fn is_job_not_found(err: &RcError) -> bool {
    matches!(err, RcError::Api { status: 500, message, .. } if message == "job not found")
}

/// rclone answers 404 for "object not found", "directory not found" and unknown RC methods.
pub fn is_not_found(err: &RcError) -> bool {
    err.status() == Some(404)
}

/// Whether a line rclone logged only echoes an answer RCMD receives and judges itself: the RC
/// server's record of a failed call (`rcserver/rcserver.go`: `rc: "path": error: ...`), and
/// "directory not found" while listing (`walk/walk.go`), which verification expects for
/// folders not made yet. Such lines are logged at info level (kept in the app's log for
/// diagnosis), not as rclone's errors.
pub fn is_echo_of_an_answer(source: &str, msg: &str) -> bool {
    let rc_echo = source.starts_with("rcserver/") && msg.starts_with("rc: \"");
    let missing_folder = source.starts_with("walk/") && msg.to_ascii_lowercase().ends_with("directory not found");
    rc_echo || missing_folder
}

/// rclone's `operations/check` logs every difference it finds at error level (`file not in
/// ...`, `sizes differ`, `md5 differ`, `3 differences found`): these are the compare's
/// answer, already in its report, not failures. Read errors during a check stay errors.
pub fn is_compare_finding(source: &str, msg: &str) -> bool {
    if !source.starts_with("operations/check") {
        return false;
    }
    let m = msg.to_ascii_lowercase();
    m.starts_with("file not in ")
        || m.ends_with(" differ")
        || m.ends_with("differences found")
        || m.ends_with("files missing")
        || m.ends_with("matching files")
        || m.ends_with("hashes could not be checked")
        || m.ends_with("identical files")
        || m.contains("not using a hash for checks")
}

/// rclone could not decrypt an encrypted config: the password is wrong or missing
/// (`fs/config/crypt.go`: "unable to decrypt configuration", "Couldn't decrypt configuration").
pub fn is_config_password_error(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("unable to decrypt configuration") || t.contains("couldn't decrypt configuration")
}

/// rclone answers 400 for malformed JSON and bad or missing parameters.
pub fn is_bad_request(err: &RcError) -> bool {
    err.status() == Some(400)
}

mod text;

#[cfg(test)]
mod tests;
