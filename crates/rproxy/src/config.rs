//! `rproxy.toml` and the command-line flags over it. Every setting may be in the file; a flag
//! given on the command line wins. The file is `--config FILE`, else `$RPROXY_CONFIG`, else
//! `rproxy.toml` in the data folder when it exists. Unknown keys are refused (a typo must not
//! silently fall back to a default, e.g. a listen address).
//!
//! ```toml
//! listen = "0.0.0.0:5572"
//! data_dir = "/var/lib/rproxy"
//! tls_cert = "/etc/rproxy/cert.pem"
//! tls_key = "/etc/rproxy/key.pem"
//! rclone_config = "/etc/rproxy/rclone.conf"
//! # an encrypted rclone.conf: rclone runs this to read its password (never put it here)
//! rclone_password_command = "cat /run/credentials/rproxy.service/rclone-pass"
//! rate_limit = 1000
//! ```

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use serde::Deserialize;

/// Where rproxy listens by default: rclone's RC port, loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:5572";

/// The settings of `rproxy serve`, from the file and the flags.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    /// rproxy's database: a `postgres://` URL, else `rproxy.db` in the data folder. (The
    /// engine's batch database stays in the data folder.)
    pub db: Option<String>,
    pub rclone_config: Option<PathBuf>,
    /// A command rclone runs to read the password of an encrypted `rclone.conf`
    /// (`--password-command`).
    pub rclone_password_command: Option<String>,
    /// The rclone binary (default: `rcmd-rclone` next to rproxy, or `$RCMD_RCLONE`).
    pub rclone: Option<PathBuf>,
    /// Requests a second per user (bursts of twice that).
    pub rate_limit: Option<f64>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    #[serde(default)]
    pub insecure_listen_without_tls: bool,
    /// The server's own notifications (`[notifications]`: webhook, telegram, email, lang,
    /// ca_file; the same keys as the app's settings). Their secrets are not here: `rproxy
    /// secret set KEY`.
    pub notifications: Option<rcmd_core::notify::settings::NotifySettings>,
}

/// A config that cannot be used, with what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Reads a config file. Unknown keys are refused, in `[notifications]` too.
    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let parse = |message: String| ConfigError::Parse {
            path: path.display().to_string(),
            message,
        };
        let config: Config = toml::from_str(&text).map_err(|e| parse(e.to_string()))?;
        // the notification settings are the app's too (whose older files may hold keys no
        // longer used), so they accept unknown keys; a typo here must not quietly leave a
        // channel off: checked against the keys the settings have
        let raw: toml::Table = toml::from_str(&text).map_err(|e| parse(e.to_string()))?;
        if let Some(toml::Value::Table(n)) = raw.get("notifications") {
            let known =
                serde_json::to_value(rcmd_core::notify::settings::NotifySettings::default()).unwrap_or_default();
            let mut unknown = vec![];
            unknown_keys(n, &known, "notifications", &mut unknown);
            if !unknown.is_empty() {
                return Err(parse(format!(
                    "unknown key(s) {} (see the [notifications] keys in docs/rproxy.md)",
                    unknown.join(", ")
                )));
            }
        }
        Ok(config)
    }

    /// These settings with the ones given as flags (a flag wins over the file).
    pub fn with_flags(mut self, f: &Flags) -> Config {
        fn set<T: Clone>(slot: &mut Option<T>, flag: &Option<T>) {
            if flag.is_some() {
                slot.clone_from(flag);
            }
        }
        set(&mut self.listen, &f.listen);
        set(&mut self.data_dir, &f.data_dir);
        set(&mut self.db, &f.db);
        set(&mut self.rclone_config, &f.rclone_config);
        set(&mut self.rclone_password_command, &f.rclone_password_command);
        set(&mut self.rate_limit, &f.rate_limit);
        set(&mut self.tls_cert, &f.tls_cert);
        set(&mut self.tls_key, &f.tls_key);
        self.insecure_listen_without_tls |= f.insecure_listen_without_tls;
        self
    }

    /// The address to listen on.
    pub fn listen(&self) -> Result<SocketAddr, ConfigError> {
        let text = self.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        text.parse()
            .map_err(|e| ConfigError::Invalid(format!("listen address {text:?}: {e}")))
    }

    /// Checks that the settings go together: a certificate needs its key, and a
    /// non-loopback address needs TLS unless the insecure flag says otherwise.
    pub fn check(&self) -> Result<(), ConfigError> {
        let listen = self.listen()?;
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) | (None, Some(_)) => return Err(ConfigError::Invalid("tls_cert and tls_key (--tls-cert, --tls-key) go together".into())),
            (None, None) if !listen.ip().is_loopback() && !self.insecure_listen_without_tls => {
                return Err(ConfigError::Invalid(format!(
                    "refusing to listen on {listen} without TLS: tokens would cross the network in clear. Give --tls-cert and \
                     --tls-key, or pass --insecure-listen-without-tls if you really mean it"
                )))
            }
            _ => {}
        }
        if let Some(r) = self.rate_limit {
            if !(r > 0.0 && r.is_finite()) {
                return Err(ConfigError::Invalid(format!(
                    "rate_limit {r} must be a positive number of requests a second"
                )));
            }
        }
        Ok(())
    }

    /// rclone flags these settings need (the password command).
    pub fn rclone_args(&self) -> Vec<String> {
        self.rclone_password_command
            .iter()
            .flat_map(|c| ["--password-command".to_owned(), c.clone()])
            .collect()
    }
}

/// The keys of `table` that `known` (the settings as JSON) does not have, as dotted paths
/// below `at`. `webhook.url` is known although never written back (it is a secret now).
fn unknown_keys(table: &toml::Table, known: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    for (key, value) in table {
        let path = format!("{at}.{key}");
        match known.get(key) {
            Some(inner) => {
                if let toml::Value::Table(t) = value {
                    unknown_keys(t, inner, &path, out);
                }
            }
            None if path == "notifications.webhook.url" => {}
            None => out.push(path),
        }
    }
}

/// The settings given on the command line (`rproxy serve --listen ...`); each wins over the
/// file's.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub db: Option<String>,
    pub rclone_config: Option<PathBuf>,
    pub rclone_password_command: Option<String>,
    pub rate_limit: Option<f64>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub insecure_listen_without_tls: bool,
}

/// The config file to read: `flag` (`--config FILE`), `$RPROXY_CONFIG`, or `rproxy.toml` in
/// `data_dir` when it exists.
pub fn config_file(flag: Option<&Path>, data_dir: &Path) -> Option<PathBuf> {
    flag.map(Path::to_owned)
        .or_else(|| std::env::var_os("RPROXY_CONFIG").map(PathBuf::from))
        .or_else(|| {
            let default = data_dir.join("rproxy.toml");
            default.is_file().then_some(default)
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn file_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("rproxy.toml");
        std::fs::write(
            &f,
            "listen = \"127.0.0.1:6000\"\nrate_limit = 50\nrclone_password_command = \"cat /run/pw\"\n",
        )
        .unwrap();
        let c = Config::read(&f).unwrap().with_flags(&Flags {
            rate_limit: Some(7.0),
            ..Flags::default()
        });
        assert_eq!(c.listen().unwrap().port(), 6000);
        assert_eq!(c.rate_limit, Some(7.0), "a flag wins over the file");
        assert_eq!(c.rclone_args(), ["--password-command", "cat /run/pw"]);
        c.check().unwrap();
        assert_eq!(config_file(None, dir.path()), Some(f.clone()));
        assert_eq!(
            config_file(Some(Path::new("/x.toml")), dir.path()),
            Some(PathBuf::from("/x.toml"))
        );
    }

    #[test]
    fn mistakes_are_refused_with_what_to_fix() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("rproxy.toml");
        std::fs::write(&f, "lisen = \"0.0.0.0:1\"\n").unwrap();
        let e = Config::read(&f).unwrap_err().to_string();
        assert!(e.contains("lisen") && e.contains("rproxy.toml"), "{e}");
        let open = Config {
            listen: Some("0.0.0.0:5572".into()),
            ..Config::default()
        };
        assert!(open.check().unwrap_err().to_string().contains("without TLS"));
        assert!(Config {
            insecure_listen_without_tls: true,
            ..open.clone()
        }
        .check()
        .is_ok());
        let half = Config {
            tls_cert: Some("c".into()),
            ..Config::default()
        };
        assert!(half.check().unwrap_err().to_string().contains("go together"));
        assert!(Config {
            listen: Some("nope".into()),
            ..Config::default()
        }
        .check()
        .is_err());
        assert!(Config {
            rate_limit: Some(0.0),
            ..Config::default()
        }
        .check()
        .is_err());
    }

    #[test]
    fn notification_keys_are_checked_too() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("rproxy.toml");
        let good = "[notifications]\nlang = \"ko\"\nca_file = \"\"\n[notifications.telegram]\nenabled = true\nonly_problems = true\nchat_id = \"42\"\napi_base = \"http://127.0.0.1:1\"\n\
                    [notifications.webhook]\nenabled = false\nurl = \"https://hooks.example/x\"\nheader_name = \"Authorization\"\n\
                    [notifications.email]\nenabled = false\nhost = \"smtp.example\"\nport = 587\nuser = \"u\"\nfrom = \"a@b\"\nto = \"c@d\"\n";
        std::fs::write(&f, good).unwrap();
        let c = Config::read(&f).unwrap();
        assert!(c.notifications.unwrap().telegram.toggle.enabled);
        // a misspelt key would have left Telegram off without a word
        std::fs::write(
            &f,
            "[notifications.telegram]\nenabeld = true\nchat_id = \"42\"\n[notifications]\nlnag = \"ko\"\n",
        )
        .unwrap();
        let e = Config::read(&f).unwrap_err().to_string();
        assert!(
            e.contains("notifications.telegram.enabeld")
                && e.contains("notifications.lnag")
                && e.contains("rproxy.toml"),
            "{e}"
        );
    }
}
