//! Korean and English texts. Every string the user sees is a field of [`Texts`], so a
//! missing translation is a compile error.

use rcmd_types::{IpcErrorKind, SidecarProblem, SidecarState};

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
        }
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
