//! Korean and English texts. Every string the user sees is a field of [`Texts`] (the
//! commander, batches, connection) or [`ViewTexts`] (remote setup, schedules, logs, desktop
//! prompts), so a missing translation is a compile error. The words are in `en.rs` and
//! `ko.rs`.

pub mod compare;
mod en;
mod ko;
pub mod mounts;
pub mod pairs;

use rcmd_types::{
    BatchStatus, BreakerState, FailureClass, FailureInfo, IpcErrorKind, RunOutcome, SidecarProblem, SidecarState,
};

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
            Lang::Ko => &ko::TEXTS,
            Lang::En => &en::TEXTS,
        }
    }
}

pub struct Texts {
    pub left_pane: &'static str,
    pub right_pane: &'static str,
    pub remote_choice: &'static str,
    pub choose_remote_short: &'static str,
    pub local_disk: &'static str,
    pub up_hint: &'static str,
    pub resize_column: &'static str,
    pub edit: &'static str,
    pub edit_opened: &'static str,
    pub edit_uploaded: &'static str,
    pub edit_changed: &'static str,
    pub edit_upload: &'static str,
    pub edit_keep: &'static str,
    pub edit_kept: &'static str,
    pub edit_failed: &'static str,
    pub edit_stop: &'static str,
    pub view: &'static str,
    pub view_cut: &'static str,
    pub view_binary: &'static str,
    pub view_pdf: &'static str,
    pub view_open: &'static str,
    pub view_reused: &'static str,
    pub view_image_failed: &'static str,
    pub hotlist: &'static str,
    pub hotlist_add: &'static str,
    pub hotlist_empty: &'static str,
    pub hotlist_keys: &'static str,
    pub remove: &'static str,
    pub history_title: &'static str,
    pub path_field_hint: &'static str,
    pub path_invalid: &'static str,
    pub free: &'static str,
    pub free_unknown: &'static str,
    pub new_tab: &'static str,
    pub close_tab: &'static str,
    pub tabs: &'static str,
    pub find: &'static str,
    pub path: &'static str,
    pub filter: &'static str,
    pub hidden_files: &'static str,
    pub selected: &'static str,
    pub commands: &'static str,
    pub rename: &'static str,
    pub new_folder: &'static str,
    pub delete: &'static str,
    pub properties: &'static str,
    pub copy_title: &'static str,
    pub no_progress_for: &'static str,
    pub stale_unreachable: &'static str,
    pub chart_ago: &'static str,
    pub select_pattern: &'static str,
    pub deselect_pattern: &'static str,
    pub pattern_hint: &'static str,
    pub pattern: &'static str,
    pub select: &'static str,
    pub deselect: &'static str,
    pub existing_files: &'static str,
    pub skipped_items: &'static str,
    pub kept_newer: &'static str,
    pub kept_existing: &'static str,
    pub conflict_title: &'static str,
    pub exists_in: &'static str,
    pub conflict_source: &'static str,
    pub conflict_destination: &'static str,
    pub newer: &'static str,
    pub conflict_newer_warning: &'static str,
    pub conflict_more: &'static str,
    pub conflict_for_all: &'static str,
    pub overwrite_older: &'static str,
    pub overwrite: &'static str,
    pub skip: &'static str,
    /// Report heading: items copied under another name.
    pub renamed_items: &'static str,
    /// Conflict answer: copy beside the existing file as "name (2).ext".
    pub rename_copy: &'static str,
    pub move_title: &'static str,
    pub delete_title: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub delete_warning: &'static str,
    pub in_folder: &'static str,
    pub folder_name: &'static str,
    pub create: &'static str,
    pub new_name: &'static str,
    pub close: &'static str,
    pub folders_with_contents: &'static str,
    pub computing: &'static str,
    pub files: &'static str,
    pub public_link: &'static str,
    pub no_public_link: &'static str,
    pub in_flight: &'static str,
    pub no_transfers: &'static str,
    pub progress: &'static str,
    pub speed: &'static str,
    pub finished: &'static str,
    pub none_yet: &'static str,
    pub done: &'static str,
    pub failed_word: &'static str,
    pub speed_chart: &'static str,
    pub tab_transfers: &'static str,
    pub chart_top: &'static str,
    pub now: &'static str,
    pub show_transfers: &'static str,
    pub bwlimit: &'static str,
    pub theme: &'static str,
    pub zoom: &'static str,
    pub theme_system: &'static str,
    pub theme_light: &'static str,
    pub theme_dark: &'static str,
    pub ch_desktop: &'static str,
    pub ch_webhook: &'static str,
    pub ch_telegram: &'static str,
    pub ch_email: &'static str,
    pub f_url: &'static str,
    pub f_header: &'static str,
    pub f_header_value: &'static str,
    pub f_chat_id: &'static str,
    pub f_bot_token: &'static str,
    pub f_api: &'static str,
    pub f_smtp_host: &'static str,
    pub f_port: &'static str,
    pub f_security: &'static str,
    pub f_user: &'static str,
    pub f_password: &'static str,
    pub f_from: &'static str,
    pub f_to: &'static str,
    pub st_sent: &'static str,
    pub st_retried: &'static str,
    pub err_connection: &'static str,
    pub conn_title: &'static str,
    pub conn_local: &'static str,
    pub conn_server: &'static str,
    pub conn_connecting: &'static str,
    pub conn_connected: &'static str,
    pub conn_offline: &'static str,
    pub conn_back_after: &'static str,
    pub conn_refused: &'static str,
    pub conn_refused_hint: &'static str,
    pub admins_only: &'static str,
    pub conn_use: &'static str,
    pub conn_in_use: &'static str,
    pub conn_add: &'static str,
    pub srv_name: &'static str,
    pub srv_url: &'static str,
    pub srv_user: &'static str,
    pub srv_token: &'static str,
    pub srv_token_hint: &'static str,
    pub srv_ca: &'static str,
    pub srv_save: &'static str,
    pub srv_test: &'static str,
    pub srv_remove: &'static str,
    pub srv_edit: &'static str,
    pub chk_reachable: &'static str,
    pub chk_tls: &'static str,
    pub chk_plain_http: &'static str,
    pub chk_auth: &'static str,
    pub chk_role: &'static str,
    pub chk_rclone: &'static str,
    pub chk_ok: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub stale_offline: &'static str,
    pub saved: &'static str,
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
    pub report_took: &'static str,
    pub report_retried: &'static str,
    pub report_outages: &'static str,
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
    pub copy: &'static str,
    pub move_: &'static str,
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
            IpcErrorKind::Connection => self.err_connection,
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

    /// `1 item`, `3 items`; `3 항목`.
    pub fn count_items(&self, n: u64) -> String {
        match (self.korean, n) {
            (false, 1) => "1 item".to_owned(),
            _ => format!("{n} {}", self.items),
        }
    }

    /// A batch's kind in this language.
    pub fn batch_kind(&self, k: rcmd_types::BatchKind) -> &'static str {
        match k {
            rcmd_types::BatchKind::Copy => self.copy_title,
            rcmd_types::BatchKind::Move => self.move_title,
            rcmd_types::BatchKind::Delete => self.delete_title,
            rcmd_types::BatchKind::Sync => {
                if std::ptr::eq(self, &ko::TEXTS) {
                    "동기화"
                } else {
                    "Sync"
                }
            }
            rcmd_types::BatchKind::Bisync => {
                if std::ptr::eq(self, &ko::TEXTS) {
                    "양방향 동기화"
                } else {
                    "Two-way sync"
                }
            }
        }
    }

    /// What a copy does with existing files, as the conflict dialog's buttons say it.
    pub fn policy(&self, p: rcmd_types::ConflictPolicy) -> &'static str {
        match p {
            rcmd_types::ConflictPolicy::Update => self.overwrite_older,
            rcmd_types::ConflictPolicy::Overwrite => self.overwrite,
            rcmd_types::ConflictPolicy::Skip => self.skip,
            rcmd_types::ConflictPolicy::Rename => self.rename_copy,
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
        if self.korean {
            &f.suggestion_ko
        } else {
            &f.suggestion_en
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

/// The texts of remote setup, schedules, logs and the desktop prompts, one field per string
/// like [`Texts`].
pub struct ViewTexts {
    pub tab_setup: &'static str,
    pub tab_schedules: &'static str,
    pub tab_logs: &'static str,
    // remote setup
    pub new_remote: &'static str,
    pub edit: &'static str,
    pub test: &'static str,
    pub delete: &'static str,
    pub delete_again: &'static str,
    pub name: &'static str,
    pub storage_type: &'static str,
    pub choose_type: &'static str,
    pub show_advanced: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub required: &'static str,
    pub secret_kept: &'static str,
    pub saved: &'static str,
    pub test_ok: &'static str,
    pub test_login_refused: &'static str,
    pub test_access_denied: &'static str,
    pub test_unreachable: &'static str,
    pub testing: &'static str,
    pub rclone_asks: &'static str,
    pub continue_: &'static str,
    pub oauth_wait: &'static str,
    pub oauth_link: &'static str,
    pub oauth_cancel: &'static str,
    pub reconnect: &'static str,
    pub admin_note: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    // schedules
    pub new_schedule: &'static str,
    pub action: &'static str,
    pub copy: &'static str,
    pub move_: &'static str,
    pub source: &'static str,
    pub destination: &'static str,
    pub when: &'static str,
    pub daily: &'static str,
    pub hourly: &'static str,
    pub weekly: &'static str,
    pub custom: &'static str,
    pub at_time: &'static str,
    pub at_minute: &'static str,
    pub weekday: &'static str,
    pub weekdays: [&'static str; 7],
    pub cron: &'static str,
    pub overlap: &'static str,
    pub overlap_skip: &'static str,
    pub overlap_wait: &'static str,
    pub catch_up: &'static str,
    pub enabled: &'static str,
    pub next_run: &'static str,
    pub last_run: &'static str,
    pub never: &'static str,
    pub off: &'static str,
    pub history: &'static str,
    pub no_schedules: &'static str,
    pub timer_title: &'static str,
    pub timer_install: &'static str,
    pub timer_remove: &'static str,
    pub timer_on: &'static str,
    pub timer_off: &'static str,
    pub timer_cron: &'static str,
    // logs
    pub all_levels: &'static str,
    pub filter_text: &'static str,
    pub refresh: &'static str,
    pub copy_lines: &'static str,
    pub copied: &'static str,
    pub no_lines: &'static str,
    pub log_lines: &'static str,
    // close prompt
    pub close_title: &'static str,
    pub close_body: &'static str,
    pub keep_background: &'static str,
    pub pause_quit: &'static str,
    pub quit_now: &'static str,
    // config password
    pub pw_title: &'static str,
    pub pw_body: &'static str,
    pub pw_label: &'static str,
    pub remember: &'static str,
    pub unlock: &'static str,
    // settings
    pub start_login: &'static str,
    pub start_minimized: &'static str,
}

impl ViewTexts {
    pub fn outcome(&self, o: RunOutcome) -> &'static str {
        let ko = std::ptr::eq(self, &ko::VIEWS);
        match (o, ko) {
            (RunOutcome::Started, false) => "started",
            (RunOutcome::Started, true) => "시작됨",
            (RunOutcome::StartedLate, false) => "started late",
            (RunOutcome::StartedLate, true) => "늦게 시작됨",
            (RunOutcome::Missed, false) => "missed",
            (RunOutcome::Missed, true) => "놓침",
            (RunOutcome::Skipped, false) => "skipped",
            (RunOutcome::Skipped, true) => "건너뜀",
            (RunOutcome::Waiting, false) => "waiting",
            (RunOutcome::Waiting, true) => "대기 중",
            (RunOutcome::Failed, false) => "failed",
            (RunOutcome::Failed, true) => "실패",
        }
    }
}

/// The view texts in `lang`.
pub fn views(lang: Lang) -> &'static ViewTexts {
    match lang {
        Lang::Ko => &ko::VIEWS,
        Lang::En => &en::VIEWS,
    }
}
