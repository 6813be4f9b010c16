//! Korean and English texts. Every string the user sees is a field of [`Texts`], so a
//! missing translation is a compile error.

use rcmd_types::{BatchStatus, BreakerState, FailureClass, FailureInfo, IpcErrorKind, SidecarProblem, SidecarState};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Ko,
    En,
}

impl Lang {
    /// The saved choice, else the OS/browser locale (Korean for `ko*`, English otherwise).
    pub fn initial() -> Lang {
        let saved = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item("rcmd.lang").ok().flatten());
        let code = saved.or_else(|| web_sys::window().and_then(|w| w.navigator().language()));
        match code.as_deref() {
            Some(c) if c.starts_with("ko") => Lang::Ko,
            _ => Lang::En,
        }
    }

    pub fn save(self) {
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item("rcmd.lang", self.code());
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ko => Lang::En,
            Lang::En => Lang::Ko,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Ko => &KO,
            Lang::En => &EN,
        }
    }
}

pub struct Texts {
    pub lang_name: &'static str,
    pub starting: &'static str,
    pub ready: &'static str,
    pub restarting: &'static str,
    pub failed: &'static str,
    pub stopped: &'static str,
    pub restart: &'static str,
    pub rclone_version: &'static str,
    pub remotes: &'static str,
    pub no_remotes: &'static str,
    pub refresh: &'static str,
    pub choose_remote: &'static str,
    pub up: &'static str,
    pub startup_failed: &'static str,
    pub ca_file: &'static str,
    pub running_elsewhere: &'static str,
    pub root_relative: &'static str,
    pub root_relative_hint: &'static str,
    pub root_absolute_hint: &'static str,
    pub name: &'static str,
    pub size: &'static str,
    pub modified: &'static str,
    pub empty_dir: &'static str,
    pub loading: &'static str,
    pub settings: &'static str,
    pub rclone_config: &'static str,
    pub rclone_config_hint: &'static str,
    pub apply: &'static str,
    pub dismiss: &'static str,
    pub attempt: &'static str,
    pub retry_in: &'static str,
    // error kinds
    pub err_not_ready: &'static str,
    pub err_invalid_input: &'static str,
    pub err_not_found: &'static str,
    pub err_rclone: &'static str,
    pub err_transport: &'static str,
    pub err_internal: &'static str,
    pub err_circuit_open: &'static str,
    pub korean: bool,
    pub breaker: &'static str,
    pub b_closed: &'static str,
    pub b_open: &'static str,
    pub b_half_open: &'static str,
    pub b_forced_open: &'static str,
    pub failure_rate: &'static str,
    pub in_a_row: &'static str,
    pub last_error: &'static str,
    pub next_probe: &'static str,
    pub reset: &'static str,
    pub pause: &'static str,
    pub no_calls_yet: &'static str,
    pub c_retryable: &'static str,
    pub c_permanent: &'static str,
    pub c_not_found: &'static str,
    pub c_cancelled: &'static str,
    pub c_partial: &'static str,
    pub stale_listing: &'static str,
    pub fallback_listing: &'static str,
    pub tab_files: &'static str,
    pub notifications: &'static str,
    pub send_test: &'static str,
    pub test_sent: &'static str,
    pub only_problems: &'static str,
    pub secret_saved: &'static str,
    pub auto_resume: &'static str,
    pub tab_jobs: &'static str,
    pub no_jobs: &'static str,
    pub copy_to: &'static str,
    pub copy_selected_to: &'static str,
    pub copy: &'static str,
    pub move_: &'static str,
    pub dst_placeholder: &'static str,
    pub resume: &'static str,
    pub cancel: &'static str,
    pub retry_failed: &'static str,
    pub details: &'static str,
    pub items: &'static str,
    pub failed_items: &'static str,
    pub eta: &'static str,
    pub st_queued: &'static str,
    pub st_running: &'static str,
    pub st_paused: &'static str,
    pub st_completed: &'static str,
    pub st_completed_with_errors: &'static str,
    pub st_failed: &'static str,
    pub st_cancelled: &'static str,
    // sidecar problems
    pub p_spawn_failed: &'static str,
    pub p_exited: &'static str,
    pub p_not_ready: &'static str,
    pub p_unresponsive: &'static str,
    pub p_too_many: &'static str,
}

pub const EN: Texts = Texts {
    lang_name: "English",
    starting: "Starting rclone…",
    ready: "Ready",
    restarting: "Restarting rclone",
    failed: "rclone failed",
    stopped: "Stopped",
    restart: "Restart rclone",
    rclone_version: "rclone",
    remotes: "Remotes",
    no_remotes: "No remotes configured. Create one with `rclone config`, or choose a config file in Settings.",
    refresh: "Refresh",
    choose_remote: "Choose a remote on the left to browse it.",
    up: "Up",
    startup_failed: "RCMD could not start",
    ca_file: "Extra CA certificate (PEM file) trusted for HTTPS webhooks and Telegram",
    running_elsewhere: "Running elsewhere",
    root_relative: "Home",
    root_relative_hint: "The remote's own root (remote:): the login's home on sftp/ftp, the configured folder on alias remotes",
    root_absolute_hint: "The filesystem root (remote:/) on sftp, ftp and local remotes",
    name: "Name",
    size: "Size",
    modified: "Modified",
    empty_dir: "This folder is empty.",
    loading: "Loading…",
    settings: "Settings",
    rclone_config: "rclone config file",
    rclone_config_hint: "Empty: rclone's default (RCLONE_CONFIG or ~/.config/rclone/rclone.conf)",
    apply: "Apply",
    dismiss: "Dismiss",
    attempt: "attempt",
    retry_in: "retry in",
    err_not_ready: "rclone is not ready yet",
    err_invalid_input: "Invalid input",
    err_not_found: "Not found",
    err_rclone: "rclone reported an error",
    err_transport: "Cannot reach rclone",
    err_internal: "Unexpected error",
    err_circuit_open: "Remote paused",
    korean: false,
    breaker: "Circuit breaker",
    b_closed: "healthy",
    b_open: "paused",
    b_half_open: "probing",
    b_forced_open: "paused by you",
    failure_rate: "Failure rate",
    in_a_row: "failures in a row",
    last_error: "Last error",
    next_probe: "Next try",
    reset: "Reset",
    pause: "Pause",
    no_calls_yet: "No calls yet.",
    c_retryable: "temporary",
    c_permanent: "needs you",
    c_not_found: "not found",
    c_cancelled: "cancelled",
    c_partial: "partial",
    stale_listing: "This remote is paused; showing the listing cached this many seconds ago:",
    fallback_listing: "This remote is paused; showing the fallback remote",
    tab_files: "Files",
    notifications: "Notifications",
    send_test: "Send test",
    test_sent: "Sent ✓",
    only_problems: "Only problems",
    secret_saved: "saved (type to replace)",
    auto_resume: "Resume interrupted jobs when RCMD starts",
    tab_jobs: "Jobs",
    no_jobs: "No jobs yet. Open a folder and use \"Copy folder to…\".",
    copy_to: "Copy or move this folder to",
    copy_selected_to: "Copy or move the selected items to",
    copy: "Copy",
    move_: "Move",
    dst_placeholder: "remote:path",
    resume: "Resume",
    cancel: "Cancel",
    retry_failed: "Retry failed",
    details: "Details",
    items: "items",
    failed_items: "Failed items",
    eta: "left",
    st_queued: "queued",
    st_running: "running",
    st_paused: "paused",
    st_completed: "completed",
    st_completed_with_errors: "completed with errors",
    st_failed: "failed",
    st_cancelled: "cancelled",
    p_spawn_failed: "rclone could not be started",
    p_exited: "rclone exited",
    p_not_ready: "rclone did not answer in time",
    p_unresponsive: "rclone stopped answering",
    p_too_many: "rclone keeps failing; gave up after",
};

pub const KO: Texts = Texts {
    lang_name: "한국어",
    starting: "rclone 시작 중…",
    ready: "준비됨",
    restarting: "rclone 재시작 중",
    failed: "rclone 실패",
    stopped: "중지됨",
    restart: "rclone 재시작",
    rclone_version: "rclone",
    remotes: "리모트",
    no_remotes: "설정된 리모트가 없습니다. `rclone config`로 만들거나 설정에서 설정 파일을 선택하세요.",
    refresh: "새로 고침",
    choose_remote: "왼쪽에서 탐색할 리모트를 선택하세요.",
    up: "위로",
    startup_failed: "RCMD를 시작할 수 없습니다",
    ca_file: "HTTPS 웹훅과 텔레그램에 추가로 신뢰할 CA 인증서 (PEM 파일)",
    running_elsewhere: "다른 곳에서 실행 중",
    root_relative: "홈",
    root_relative_hint: "리모트 자체의 루트(remote:): sftp/ftp에서는 로그인 계정의 홈, alias 리모트에서는 설정된 폴더",
    root_absolute_hint: "sftp, ftp, local 리모트의 파일 시스템 루트(remote:/)",
    name: "이름",
    size: "크기",
    modified: "수정 시각",
    empty_dir: "이 폴더는 비어 있습니다.",
    loading: "불러오는 중…",
    settings: "설정",
    rclone_config: "rclone 설정 파일",
    rclone_config_hint: "비워 두면 rclone 기본값 (RCLONE_CONFIG 또는 ~/.config/rclone/rclone.conf)",
    apply: "적용",
    dismiss: "닫기",
    attempt: "시도",
    retry_in: "재시도까지",
    err_not_ready: "rclone이 아직 준비되지 않았습니다",
    err_invalid_input: "잘못된 입력",
    err_not_found: "찾을 수 없음",
    err_rclone: "rclone 오류",
    err_transport: "rclone에 연결할 수 없음",
    err_internal: "예기치 않은 오류",
    err_circuit_open: "리모트 일시 중지됨",
    korean: true,
    breaker: "회로 차단기",
    b_closed: "정상",
    b_open: "일시 중지",
    b_half_open: "점검 중",
    b_forced_open: "사용자가 중지함",
    failure_rate: "실패율",
    in_a_row: "연속 실패",
    last_error: "마지막 오류",
    next_probe: "다음 시도",
    reset: "초기화",
    pause: "일시 중지",
    no_calls_yet: "아직 호출이 없습니다.",
    c_retryable: "일시적",
    c_permanent: "조치 필요",
    c_not_found: "없음",
    c_cancelled: "취소됨",
    c_partial: "일부 실패",
    stale_listing: "이 리모트는 일시 중지되었습니다. 다음 초 전에 캐시된 목록을 표시합니다:",
    fallback_listing: "이 리모트는 일시 중지되었습니다. 대체 리모트를 표시합니다:",
    tab_files: "파일",
    notifications: "알림",
    send_test: "테스트 전송",
    test_sent: "전송됨 ✓",
    only_problems: "문제만",
    secret_saved: "저장됨 (바꾸려면 입력)",
    auto_resume: "RCMD 시작 시 중단된 작업 자동 재개",
    tab_jobs: "작업",
    no_jobs: "아직 작업이 없습니다. 폴더를 열고 \"폴더 복사\"를 사용하세요.",
    copy_to: "이 폴더를 복사 또는 이동할 위치",
    copy_selected_to: "선택한 항목을 복사 또는 이동할 위치",
    copy: "복사",
    move_: "이동",
    dst_placeholder: "리모트:경로",
    resume: "재개",
    cancel: "취소",
    retry_failed: "실패 항목 재시도",
    details: "자세히",
    items: "항목",
    failed_items: "실패한 항목",
    eta: "남음",
    st_queued: "대기 중",
    st_running: "실행 중",
    st_paused: "일시 중지됨",
    st_completed: "완료",
    st_completed_with_errors: "일부 오류와 함께 완료",
    st_failed: "실패",
    st_cancelled: "취소됨",
    p_spawn_failed: "rclone을 시작할 수 없습니다",
    p_exited: "rclone이 종료되었습니다",
    p_not_ready: "rclone이 제시간에 응답하지 않았습니다",
    p_unresponsive: "rclone이 응답을 멈췄습니다",
    p_too_many: "rclone이 계속 실패하여 중단했습니다. 시도 횟수:",
};

impl Texts {
    pub fn error_kind(&self, kind: IpcErrorKind) -> &'static str {
        match kind {
            IpcErrorKind::NotReady => self.err_not_ready,
            IpcErrorKind::InvalidInput => self.err_invalid_input,
            IpcErrorKind::NotFound => self.err_not_found,
            IpcErrorKind::Rclone => self.err_rclone,
            IpcErrorKind::Transport => self.err_transport,
            IpcErrorKind::Internal => self.err_internal,
            IpcErrorKind::CircuitOpen => self.err_circuit_open,
        }
    }

    pub fn breaker_state(&self, s: BreakerState) -> &'static str {
        match s {
            BreakerState::Closed => self.b_closed,
            BreakerState::Open => self.b_open,
            BreakerState::HalfOpen => self.b_half_open,
            BreakerState::ForcedOpen => self.b_forced_open,
        }
    }

    pub fn class(&self, c: FailureClass) -> &'static str {
        match c {
            FailureClass::Retryable => self.c_retryable,
            FailureClass::Permanent => self.c_permanent,
            FailureClass::NotFound => self.c_not_found,
            FailureClass::Cancelled => self.c_cancelled,
            FailureClass::Partial => self.c_partial,
        }
    }

    pub fn batch_status(&self, s: BatchStatus) -> &'static str {
        match s {
            BatchStatus::Queued => self.st_queued,
            BatchStatus::Running => self.st_running,
            BatchStatus::Paused => self.st_paused,
            BatchStatus::Completed => self.st_completed,
            BatchStatus::CompletedWithErrors => self.st_completed_with_errors,
            BatchStatus::Failed => self.st_failed,
            BatchStatus::Cancelled => self.st_cancelled,
        }
    }

    /// The failure's suggestion in this language.
    pub fn suggestion<'a>(&self, f: &'a FailureInfo) -> &'a str {
        if self.korean { &f.suggestion_ko } else { &f.suggestion_en }
    }

    /// Short label of a state, for the status pill.
    pub fn state_label(&self, state: &SidecarState) -> &'static str {
        match state {
            SidecarState::Starting { .. } => self.starting,
            SidecarState::Ready { .. } => self.ready,
            SidecarState::Restarting { .. } => self.restarting,
            SidecarState::Failed { .. } => self.failed,
            SidecarState::Stopped => self.stopped,
        }
    }

    /// One sentence for a problem, with its details.
    pub fn problem(&self, p: &SidecarProblem) -> String {
        match p {
            SidecarProblem::SpawnFailed { message } => format!("{}: {message}", self.p_spawn_failed),
            SidecarProblem::Exited { code, signal } => {
                let detail = match (code, signal) {
                    (_, Some(s)) => format!("signal {s}"),
                    (Some(c), None) => format!("exit code {c}"),
                    (None, None) => "?".to_owned(),
                };
                format!("{} ({detail})", self.p_exited)
            }
            SidecarProblem::NotReady { timeout_ms } => format!("{} ({} s)", self.p_not_ready, timeout_ms / 1000),
            SidecarProblem::Unresponsive { failed_checks } => format!("{} ({failed_checks}×)", self.p_unresponsive),
            SidecarProblem::TooManyRestarts { attempts, last } => {
                format!("{} {attempts}. {}", self.p_too_many, self.problem(last))
            }
        }
    }
}
