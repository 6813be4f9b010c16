//! The command line (clap): `rcmd batch|server|schedule ...`, the same through `rcmd-cli` and
//! through the app binary (`rcmd batch ...`). `--server NAME` and the rclone options may stand
//! anywhere; `batch` may be left out (`rcmd-cli copy a: b:`).

use clap::{Args, Parser, Subcommand, ValueEnum};
use rcmd_core::types::parse_batch_id;

/// Batches from the command line (scripts, cron, servers), over the same engine and database
/// as the RCMD app, with its own supervised rclone.
#[derive(Parser, Debug)]
#[command(
    name = "rcmd",
    version,
    after_help = "Exit: 0 all done, 2 some items failed, 3 paused or cancelled, 1 error.\n\
Ctrl-C pauses a running batch (again: exit at once); `rcmd batch resume ID` continues it exactly.\n\
With --server, the batch runs on the server: Ctrl-C stops following, not the batch.\n\
RCMD_RCLONE_FLAGS: rclone flags in the environment (both apply; options win)."
)]
pub struct Cli {
    /// Runs on this saved rproxy server (`rcmd server add`); the batch goes on there when
    /// this command stops
    #[arg(long, global = true, value_name = "NAME")]
    pub server: Option<String>,
    #[command(flatten)]
    pub rclone: RcloneOptions,
    #[command(subcommand)]
    pub command: Command,
}

/// rclone options for the batches run here (copy, move, delete, resume, retry).
#[derive(Args, Debug, Default)]
pub struct RcloneOptions {
    /// Bandwidth limit, as rclone takes it (10M, off, "08:00,512k 18:00,off")
    #[arg(long, global = true, value_name = "RATE")]
    pub bwlimit: Option<String>,
    /// Files copied at once (1-64)
    #[arg(long, global = true, value_name = "N")]
    pub transfers: Option<String>,
    /// Files checked at once (1-64)
    #[arg(long, global = true, value_name = "N")]
    pub checkers: Option<String>,
    /// Any other rclone flag (repeatable), e.g. --rclone-flag=--fast-list
    #[arg(long = "rclone-flag", global = true, value_name = "FLAG", allow_hyphen_values = true)]
    pub rclone_flag: Vec<String>,
}

impl RcloneOptions {
    /// Whether any option was given.
    pub fn given(&self) -> bool {
        self.bwlimit.is_some() || self.transfers.is_some() || self.checkers.is_some() || !self.rclone_flag.is_empty()
    }

    /// The options as `--name=value` words, for [`crate::flags::take`] to check.
    pub fn words(&self) -> Vec<String> {
        let mut out = vec![];
        for (name, value) in [
            ("--bwlimit", &self.bwlimit),
            ("--transfers", &self.transfers),
            ("--checkers", &self.checkers),
        ] {
            out.extend(value.iter().map(|v| format!("{name}={v}")));
        }
        out.extend(self.rclone_flag.iter().map(|f| format!("--rclone-flag={f}")));
        out
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Batches: copy, move, delete, and steer them
    #[command(subcommand)]
    Batch(Batch),
    /// Saved rproxy servers (their tokens in the keyring)
    #[command(subcommand)]
    Server(Server),
    /// Scheduled batches (run by the app while it runs, by `run-due` from a system timer otherwise)
    #[command(subcommand)]
    Schedule(Schedule),
    /// Mounts: a remote as a folder (or drive), supervised and recovered
    #[command(subcommand)]
    Mount(Mount),
    /// Serves: a remote over WebDAV, HTTP, SFTP, FTP or DLNA, with a generated password
    #[command(subcommand)]
    Serve(Serve),
    /// Two-way sync pairs (rclone bisync with guard rails): the first run is a previewed
    /// resync. Exit: 0 done, 3 paused, 4 locked out (preview and run a resync), 5 refused by a
    /// guard (delete limit, check file missing), 1 error
    #[command(subcommand)]
    Bisync(Bisync),
    /// Watch mode: runs watched schedules when their folders change (and by their clock),
    /// until Ctrl-C; the app does this while it runs
    #[command(subcommand)]
    Watch(WatchCmd),
    /// Compares two folders (rclone check) and lists what differs; writes nothing.
    /// Exit: 0 they match, 6 they differ, 1 error
    Compare {
        left: String,
        right: String,
        /// Every row as JSON (states, sizes and times of both sides, default directions)
        #[arg(long)]
        json: bool,
        /// Only check that LEFT's files are on the right
        #[arg(long)]
        one_way: bool,
        #[command(flatten)]
        read: CompareRead,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Makes DST match SRC (one way): copies what is new or different, deletes what is only
    /// in DST; replaced and deleted files go to a dated backup folder unless --no-backup.
    /// Exit: 0 done, 2 some files failed, 3 paused, 5 refused by the delete guard, 1 error
    Sync {
        src: String,
        dst: String,
        /// Shows what would be copied and deleted; writes nothing
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: the plan as JSON
        #[arg(long)]
        json: bool,
        /// Where replaced and deleted files go (remote:path on DST's remote; default:
        /// DST's parent/.rcmd-backup/DATE-TIME/NAME)
        #[arg(long, value_name = "PATH", conflicts_with = "no_backup")]
        backup_dir: Option<String>,
        /// Replaced and deleted files are gone for good
        #[arg(long)]
        no_backup: bool,
        /// Refuse to start when more than N files would be deleted
        #[arg(long, value_name = "N")]
        max_delete: Option<u64>,
        /// Refuse to start when more than P % of DST's files would be deleted (default 50; 100 = no limit)
        #[arg(long, value_name = "P", default_value_t = 50)]
        max_delete_percent: u32,
        #[command(flatten)]
        read: CompareRead,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Finds files below PATH by name, size and age. Exit: 0 found, 6 none found, 1 error
    Find {
        path: String,
        /// Name pattern (rclone glob, repeatable): "*.jpg", "report-202?-*"
        #[arg(long, value_name = "GLOB")]
        name: Vec<String>,
        /// At most this many files
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        filter: FilterArgs,
    },
}

/// How a compare reads the files.
#[derive(Args, Debug, Default)]
pub struct CompareRead {
    /// Compare the bytes (both sides read in full): for remotes without a hash in common
    #[arg(long)]
    pub download: bool,
}

/// Which files an operation covers (applied per call; the same for compare, preview and run).
#[derive(Args, Debug, Default)]
pub struct FilterArgs {
    /// rclone include pattern (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// rclone exclude pattern (repeatable; applied before the includes)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Only files at least this big (100k, 10M, 1G)
    #[arg(long, value_name = "SIZE")]
    pub min_size: Option<String>,
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<String>,
    /// Only files older than this (30m, 2d, 1y)
    #[arg(long, value_name = "AGE")]
    pub min_age: Option<String>,
    /// Only files younger than this
    #[arg(long, value_name = "AGE")]
    pub max_age: Option<String>,
    /// Leave out folders that hold a file of this name (.nosync)
    #[arg(long, value_name = "NAME")]
    pub exclude_if_present: Option<String>,
    /// A filter saved in the app (Settings → filters), with the options above added to it
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Batch {
    /// Copies every file under SRC to DST
    Copy {
        /// remote:path
        src: String,
        /// remote:path
        dst: String,
        #[arg(long, value_enum, default_value_t = OnConflict::Update)]
        on_conflict: OnConflict,
        #[command(flatten)]
        filter: Box<FilterArgs>,
    },
    /// Moves every file under SRC to DST (the emptied folders are removed)
    Move {
        src: String,
        dst: String,
        #[arg(long, value_enum, default_value_t = OnConflict::Update)]
        on_conflict: OnConflict,
        #[command(flatten)]
        filter: Box<FilterArgs>,
    },
    /// Deletes every file under PATH
    Delete { path: String },
    /// Lists the batches, newest first
    List {
        #[arg(long)]
        json: bool,
    },
    /// A batch's report: its failed items with their reasons
    Report {
        #[arg(value_parser = parse_batch_id)]
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Continues a paused or interrupted batch exactly where it stopped
    Resume {
        #[arg(value_parser = parse_batch_id)]
        id: i64,
    },
    /// Queues the failed items again, then runs the batch
    Retry {
        #[arg(value_parser = parse_batch_id)]
        id: i64,
    },
    /// Pauses a batch running on the server (--server)
    Pause {
        #[arg(value_parser = parse_batch_id)]
        id: i64,
    },
    /// Cancels a batch on the server (--server)
    Cancel {
        #[arg(value_parser = parse_batch_id)]
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum Server {
    /// Saves a server; its token is read from stdin, never the command line
    Add {
        name: String,
        /// http://host:port/ or https://host:port/
        url: String,
        /// The rproxy user the token belongs to
        #[arg(long)]
        user: String,
        /// The CA certificate to trust for it (PEM)
        #[arg(long, value_name = "PEM")]
        ca_file: Option<String>,
    },
    /// Reachable, certificate, credentials, role, rclone version
    Test { name: String },
    /// Lists the saved servers
    List,
    /// Forgets a server and its token
    Remove { name: String },
}

/// What a copy or move does with a file that exists at the destination.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnConflict {
    /// Replace it only when it is older than the source; a newer one is kept
    Update,
    /// Replace it, even a newer one
    Overwrite,
    /// Keep every existing file
    Skip,
    /// Keep every existing file and copy beside it as "name (2).ext"
    Rename,
}

impl From<OnConflict> for rcmd_core::types::ConflictPolicy {
    fn from(o: OnConflict) -> Self {
        match o {
            OnConflict::Update => Self::Update,
            OnConflict::Overwrite => Self::Overwrite,
            OnConflict::Skip => Self::Skip,
            OnConflict::Rename => Self::Rename,
        }
    }
}

/// A scheduled batch's kind.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ScheduledKind {
    Copy,
    Move,
    /// Makes DST match SRC (backups, delete guard: a run over the guard fails and notifies)
    Sync,
    /// Runs the two-way sync pair named SRC (no DST)
    Bisync,
}

/// Which side wins a file that differs during a resync.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ResyncModeArg {
    Newer,
    Older,
    Larger,
    Smaller,
    Path1,
    Path2,
}

impl From<ResyncModeArg> for rcmd_core::types::ResyncMode {
    fn from(m: ResyncModeArg) -> Self {
        use rcmd_core::types::ResyncMode as R;
        match m {
            ResyncModeArg::Newer => R::Newer,
            ResyncModeArg::Older => R::Older,
            ResyncModeArg::Larger => R::Larger,
            ResyncModeArg::Smaller => R::Smaller,
            ResyncModeArg::Path1 => R::Path1,
            ResyncModeArg::Path2 => R::Path2,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Bisync {
    /// Lists the pairs and where they stand
    List {
        #[arg(long)]
        json: bool,
    },
    /// Adds a pair (its first run is `resync`)
    Add {
        name: String,
        path1: String,
        path2: String,
        /// Stop a run that would delete more than P % of a side's files
        #[arg(long, value_name = "P", default_value_t = 50)]
        max_delete_percent: u32,
        /// Stop a run that would delete more than N files (checked by a dry run first)
        #[arg(long, value_name = "N")]
        max_delete: Option<u64>,
        /// A file changed on both sides: the newer keeps its name (default: both are kept
        /// with a numbered suffix)
        #[arg(long)]
        newer_wins: bool,
        /// Replaced and deleted files are gone for good (default: dated backup folders)
        #[arg(long)]
        no_backup: bool,
        /// Run even when a side lacks the check file (default: such a run stops)
        #[arg(long)]
        no_check_access: bool,
        /// A run's lock expires after this many minutes without renewal (at least 2)
        #[arg(long, value_name = "MIN", default_value_t = 5)]
        lock_minutes: u32,
        #[command(flatten)]
        filter: Box<FilterArgs>,
    },
    /// What a run, or with --resync a resync, would do (rclone's dry run; writes nothing)
    Preview {
        pair: String,
        #[arg(long, value_enum, value_name = "WINNER")]
        resync: Option<ResyncModeArg>,
        #[arg(long)]
        json: bool,
    },
    /// The guided resync: shows the preview; with --yes runs it
    Resync {
        pair: String,
        /// Which side wins a file that differs
        #[arg(long, value_enum, default_value_t = ResyncModeArg::Newer)]
        mode: ResyncModeArg,
        /// Run it (after reading the preview)
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// Runs the pair in the foreground and prints the run's report
    Run {
        pair: String,
        #[arg(long)]
        json: bool,
    },
    /// Removes a pair (its files stay)
    Remove { pair: String },
}

#[derive(Subcommand, Debug)]
pub enum WatchCmd {
    /// Runs the watched schedules on change (and every schedule by its clock) until Ctrl-C
    Run,
    /// The watched schedules
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum Schedule {
    /// Lists the schedules with their next and last runs
    List {
        #[arg(long)]
        json: bool,
    },
    /// Adds a schedule. Cron: minute hour day month weekday, local time; "0 2 * * *" = every night at 02:00
    Add {
        name: String,
        cron: String,
        kind: ScheduledKind,
        /// The source (for bisync: the pair's name)
        src: String,
        dst: Option<String>,
        /// Also run when SRC (a local folder; for bisync the pair's local sides) changes, once
        /// it has been quiet this many seconds; the cron stays as the periodic full run
        #[arg(long, value_name = "SECS")]
        watch: Option<u32>,
        /// What the runs do with files that exist at the destination
        #[arg(long, value_enum, default_value_t = OnConflict::Update)]
        on_conflict: OnConflict,
        /// When the previous run still runs, wait for it (default: skip this one)
        #[arg(long)]
        wait: bool,
        /// A run missed while the computer was off is not made up
        #[arg(long)]
        no_catch_up: bool,
        /// sync: refuse a run that would delete more than N files
        #[arg(long, value_name = "N")]
        max_delete: Option<u64>,
        /// sync: refuse a run that would delete more than P % of DST's files (100 = no limit)
        #[arg(long, value_name = "P", default_value_t = 50)]
        max_delete_percent: u32,
        /// sync: replaced and deleted files are gone for good
        #[arg(long)]
        no_backup: bool,
        #[command(flatten)]
        filter: Box<FilterArgs>,
    },
    /// Removes a schedule
    Remove { id: i64 },
    /// The latest runs (of one schedule): started, late, missed, skipped, waiting, failed
    Runs { id: Option<i64> },
    /// Runs what is due now, waits for it, exits (for a system timer)
    RunDue,
    /// Installs the system timer that runs `run-due` every minute
    InstallTimer {
        /// A crontab line instead of systemd user units
        #[arg(long)]
        cron: bool,
    },
    /// Removes the system timer
    RemoveTimer {
        #[arg(long)]
        cron: bool,
    },
}

/// The words of a batch command given without `batch` (`rcmd-cli copy a: b:`), with it.
pub fn with_batch_word(args: &[String]) -> Vec<String> {
    const VERBS: [&str; 9] = [
        "copy", "move", "delete", "list", "report", "resume", "retry", "pause", "cancel",
    ];
    const TAKES_VALUE: [&str; 5] = ["--server", "--bwlimit", "--transfers", "--checkers", "--rclone-flag"];
    let mut out = args.to_vec();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if TAKES_VALUE.contains(&a) {
            i += 2;
            continue;
        }
        if a.starts_with('-') {
            i += 1;
            continue;
        }
        if VERBS.contains(&a) {
            out.insert(i, "batch".to_owned());
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn batch_may_be_left_out_and_options_stand_anywhere() {
        assert_eq!(
            with_batch_word(&words(&["--server", "list", "copy", "a:", "b:"])),
            words(&["--server", "list", "batch", "copy", "a:", "b:"])
        );
        assert_eq!(
            with_batch_word(&words(&["schedule", "list"])),
            words(&["schedule", "list"])
        );
        let cli = Cli::try_parse_from(words(&[
            "rcmd",
            "copy",
            "a:",
            "b:",
            "--transfers",
            "8",
            "--server",
            "s",
        ]));
        assert!(cli.is_err(), "without the batch word clap refuses; main adds it");
        let argv = with_batch_word(&words(&[
            "--bwlimit",
            "1M",
            "copy",
            "a:",
            "b:",
            "--rclone-flag",
            "--fast-list",
        ]));
        let cli = Cli::try_parse_from(std::iter::once("rcmd".to_owned()).chain(argv)).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(cli.command, Command::Batch(Batch::Copy { .. })));
        assert_eq!(
            cli.rclone.words(),
            words(&["--bwlimit=1M", "--rclone-flag=--fast-list"])
        );
    }
}

/// VFS cache modes.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum CacheModeArg {
    Off,
    Minimal,
    Writes,
    Full,
}

#[derive(Subcommand, Debug)]
pub enum Mount {
    /// Lists the mounts with their state (also those the app runs)
    List {
        #[arg(long)]
        json: bool,
    },
    /// Sets up a mount: NAME, what to mount (remote:path or a folder), where (a folder;
    /// on Windows a drive letter X: or *)
    Add {
        name: String,
        fs: String,
        mount_point: String,
        #[arg(long)]
        read_only: bool,
        /// VFS cache mode (writes: what most programs need)
        #[arg(long, value_enum, default_value_t = CacheModeArg::Writes)]
        cache_mode: CacheModeArg,
        /// Largest cache (10G, 500M); default no limit
        #[arg(long, value_name = "SIZE")]
        cache_max_size: Option<String>,
        /// mount, mount2 or nfsmount (Linux); default: rclone's choice
        #[arg(long = "type", value_name = "TYPE")]
        mount_type: Option<String>,
        /// Mounted by `mount up --auto` and when the app starts
        #[arg(long)]
        auto: bool,
    },
    /// Forgets a mount (it must be down)
    Remove { name: String },
    /// Mounts NAMEs (or, with --auto, the auto-mounts) and keeps them mounted until Ctrl-C or
    /// SIGTERM (a systemd user service runs `rcmd-cli mount up --auto`)
    Up {
        names: Vec<String>,
        #[arg(long)]
        auto: bool,
        /// At the end, wait this long for pending uploads (then they stay in rclone's cache
        /// and are uploaded the next time)
        #[arg(long, value_name = "SECS", default_value_t = 60)]
        wait: u64,
    },
    /// The systemd user service that keeps the auto-mounts up while you are logged in
    /// (`rcmd-cli mount up --auto`): install, remove, or print it
    Service {
        #[arg(value_enum)]
        action: ServiceAction,
    },
    /// Unmounts NAME, in whichever RCMD process runs it; refuses while uploads are pending
    /// unless --wait or --force
    Down {
        name: String,
        /// Wait this long for pending uploads
        #[arg(long, value_name = "SECS")]
        wait: Option<u64>,
        /// Unmount even with uploads pending (they stay in rclone's cache)
        #[arg(long)]
        force: bool,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ServiceAction {
    Install,
    Remove,
    Print,
}

/// Serve protocols.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ServeProtocolArg {
    Webdav,
    Http,
    Sftp,
    Ftp,
    Dlna,
}

#[derive(Subcommand, Debug)]
pub enum Serve {
    List {
        #[arg(long)]
        json: bool,
    },
    /// Sets up a serve; prints the generated password once (it is kept in the keyring)
    Add {
        name: String,
        fs: String,
        protocol: ServeProtocolArg,
        /// host:port (default 127.0.0.1 and a free port)
        #[arg(long, value_name = "ADDR", default_value = "")]
        addr: String,
        /// No user and password (only on a loopback address)
        #[arg(long)]
        no_auth: bool,
        #[arg(long)]
        read_only: bool,
        /// Started by `serve up --auto`, `mount up --auto` and when the app starts
        #[arg(long)]
        auto: bool,
    },
    Remove {
        name: String,
    },
    /// Starts NAMEs (or the auto-start ones) and keeps them running until Ctrl-C or SIGTERM
    Up {
        names: Vec<String>,
        #[arg(long)]
        auto: bool,
    },
    /// Stops NAME in whichever RCMD process runs it
    Down {
        name: String,
    },
}
