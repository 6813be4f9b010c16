//! rproxy's command line (clap): `rproxy serve`, and managing users, tokens, notification
//! secrets. A name or an id is never a flag: `rproxy user add --help` prints the help and
//! creates nothing; `rproxy user add -- -x` is refused.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// rproxy: rclone's remote-control API, exactly, with users, roles, durable job ids, a queue
/// for per-file calls and an event stream, in front of a supervised `rclone rcd`.
#[derive(Parser, Debug)]
#[command(
    name = "rproxy",
    version,
    after_help = "Every serve setting may be in rproxy.toml (--config, $RPROXY_CONFIG, or rproxy.toml in the data \
folder); flags win. The data folder is --data-dir, else data_dir in the file, else $RPROXY_DATA_DIR, else \
~/.local/share/rproxy."
)]
pub struct Cli {
    /// The settings file (default: $RPROXY_CONFIG, else rproxy.toml in the data folder)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The data folder (database, rclone's state, secrets)
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The database: a file path (SQLite) or postgres://... (several instances share it)
    #[arg(long, global = true, value_name = "URL")]
    pub db: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serves the RC API (the first start creates the user admin and prints its token)
    Serve(Serve),
    /// Users and their roles
    #[command(subcommand)]
    User(User),
    /// Users' tokens
    #[command(subcommand)]
    Token(Token),
    /// Notification secrets (the value is read from stdin, never the command line)
    #[command(subcommand)]
    Secret(Secret),
    /// Notifications
    #[command(subcommand)]
    Notify(Notify),
}

#[derive(Args, Debug, Default)]
pub struct Serve {
    /// The address to listen on (default 127.0.0.1:5572)
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// The rclone config file rcd uses
    #[arg(long, value_name = "FILE")]
    pub rclone_config: Option<PathBuf>,
    /// A command printing the rclone config's password
    #[arg(long, value_name = "CMD")]
    pub rclone_password_command: Option<String>,
    /// Requests a second per user (0: no limit)
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<f64>,
    /// TLS certificate (PEM), with --tls-key
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM), with --tls-cert
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Listen on a non-loopback address without TLS (tokens would cross the network in clear)
    #[arg(long)]
    pub insecure_listen_without_tls: bool,
}

#[derive(Subcommand, Debug)]
pub enum User {
    /// Adds a user and prints its token (shown only then)
    Add {
        #[arg(value_parser = name)]
        name: String,
        /// admin, operator or viewer
        #[arg(long, default_value = "operator")]
        role: String,
        /// The remotes it may use, comma-separated (default: all)
        #[arg(long, value_name = "A,B")]
        remotes: Option<String>,
    },
    /// Lists the users
    List,
    /// Removes a user and its tokens
    Remove {
        #[arg(value_parser = name)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum Token {
    /// Creates a token for USER and prints it (shown only then)
    Create {
        #[arg(value_parser = name)]
        user: String,
        /// What it is for
        #[arg(long, default_value = "")]
        label: String,
        /// Its lifetime: 30d, 12h, 90m or 45s (default: no expiry)
        #[arg(long, value_name = "TIME")]
        expires_in: Option<String>,
    },
    /// Lists the tokens (of USER)
    List {
        #[arg(value_parser = name)]
        user: Option<String>,
    },
    /// Revokes token ID (its number in `rproxy token list`)
    Revoke { id: i64 },
}

#[derive(Subcommand, Debug)]
pub enum Secret {
    /// Saves KEY's value, read from stdin (webhook.url, webhook.header, telegram.token, email.password)
    Set { key: String },
    /// Removes KEY
    Remove { key: String },
    /// Which secrets are set
    List,
}

#[derive(Subcommand, Debug)]
pub enum Notify {
    /// Sends a test message with [notifications] of rproxy.toml
    Test {
        /// webhook, telegram or email
        channel: String,
    },
}

/// A name or a user: never something that looks like a flag.
fn name(s: &str) -> Result<String, String> {
    if s.starts_with('-') {
        return Err(format!("expected a name, not the flag {s:?}"));
    }
    Ok(s.to_owned())
}
