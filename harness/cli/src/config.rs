//! `myna-conform.toml`: named profiles of defaults, as nextest's
//! `.config/nextest.toml`. `[profile.default]` always applies; `--profile
//! NAME` (or `MYNA_CONFORM_PROFILE`) applies `[profile.NAME]` over it. Each
//! key is a long option of the subcommand (`card`, `oqs`, `out`, `rules`,
//! `catalogue`, `personas`, `expectations`, `iut`, `tags`, timeouts and
//! budgets, …); an option given on the command line wins. Path values are
//! relative to the file's directory (the project root).
//!
//! Applied by adding the options to the command line before it is parsed a
//! second time, so a profile can say nothing the command line could not.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, Command};

/// Options whose values are paths, resolved against the project root.
const PATH_OPTIONS: &[&str] = &[
    "catalogue",
    "personas",
    "out",
    "expectations",
    "iut",
    "ca",
    "sign",
];

/// A problem with the configuration file: bad input, exit 2.
#[derive(Debug)]
pub struct ConfigError(pub String);

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profile: BTreeMap<String, BTreeMap<String, toml::Spanned<toml::Value>>>,
}

/// The profiles of one file.
pub struct Config {
    path: PathBuf,
    text: String,
    file: ConfigFile,
}

impl Config {
    /// Reads `path`; `Ok(None)` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<Config>, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ConfigError(format!("cannot read {}: {e}", path.display()))),
        };
        let file: ConfigFile = toml::from_str(&text).map_err(|e| {
            let at = e
                .span()
                .map(|s| location(&text, s.start))
                .unwrap_or_default();
            ConfigError(format!("{}{at}: {}", path.display(), e.message()))
        })?;
        Ok(Some(Config {
            path: path.to_path_buf(),
            text,
            file,
        }))
    }

    /// The options `profile` adds to `subcommand`, except those the command
    /// line gave (`matches`), as extra command-line words.
    pub fn arguments(
        &self,
        profile: &str,
        subcommand: &Command,
        matches: &ArgMatches,
        cwd: &Path,
    ) -> Result<Vec<OsString>, ConfigError> {
        if profile != "default" && !self.file.profile.contains_key(profile) {
            let known: Vec<&str> = self.file.profile.keys().map(String::as_str).collect();
            return Err(ConfigError(format!(
                "{}: expected a profile of this file ({}), found `{profile}`",
                self.path.display(),
                known.join(", ")
            )));
        }
        let mut merged: BTreeMap<&str, &toml::Spanned<toml::Value>> = BTreeMap::new();
        for name in ["default", profile] {
            for (key, value) in self.file.profile.get(name).into_iter().flatten() {
                merged.insert(key, value);
            }
        }
        let root = self.path.parent().unwrap_or(Path::new("."));
        let mut words = Vec::new();
        let mut problems = Vec::new();
        for (key, value) in merged {
            let Some(arg) = subcommand
                .get_arguments()
                .find(|a| a.get_long() == Some(key))
            else {
                if !known_anywhere(key) {
                    problems.push(format!(
                        "{}{}: expected a long option of myna-conform, found `{key}`",
                        self.path.display(),
                        location(&self.text, value.span().start)
                    ));
                }
                continue;
            };
            let id = arg.get_id().as_str();
            if matches.value_source(id) == Some(ValueSource::CommandLine) {
                continue;
            }
            match words_for(key, value.get_ref(), root, cwd) {
                Ok(mut w) => words.append(&mut w),
                Err(expected) => problems.push(format!(
                    "{}{}: `{key}` expected {expected}",
                    self.path.display(),
                    location(&self.text, value.span().start)
                )),
            }
        }
        if problems.is_empty() {
            Ok(words)
        } else {
            Err(ConfigError(problems.join("\n")))
        }
    }
}

/// Whether any subcommand has the long option `key` (a profile may hold
/// `run` options that `check` does not take).
fn known_anywhere(key: &str) -> bool {
    use clap::CommandFactory;
    let cli = crate::args::Cli::command();
    let found = cli
        .get_subcommands()
        .any(|sub| sub.get_arguments().any(|a| a.get_long() == Some(key)));
    found
}

fn words_for(
    key: &str,
    value: &toml::Value,
    root: &Path,
    cwd: &Path,
) -> Result<Vec<OsString>, &'static str> {
    let flag = OsString::from(format!("--{key}"));
    let one = |v: &toml::Value| -> Result<OsString, &'static str> {
        let text = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            _ => return Err("a string, a number, a boolean or a list of strings"),
        };
        if PATH_OPTIONS.contains(&key) {
            Ok(crate::project::output(Path::new(&text), cwd, Some(root)).into_os_string())
        } else {
            Ok(OsString::from(text))
        }
    };
    match value {
        toml::Value::Boolean(true) => Ok(vec![flag]),
        toml::Value::Boolean(false) => Ok(Vec::new()),
        toml::Value::Array(items) => items
            .iter()
            .map(|v| one(v).map(|w| vec![flag.clone(), w]))
            .collect::<Result<Vec<_>, _>>()
            .map(|w| w.concat()),
        other => Ok(vec![flag, one(other)?]),
    }
}

/// `:line:col` of byte `offset` in `text`.
fn location(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(":{line}:{col}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn config(text: &str) -> Config {
        Config {
            path: PathBuf::from("/p/myna-conform.toml"),
            text: text.to_string(),
            file: toml::from_str(text).unwrap(),
        }
    }

    fn words(cfg: &Config, profile: &str, argv: &[&str]) -> Result<Vec<String>, ConfigError> {
        let cli = crate::args::Cli::command();
        let matches = cli.clone().try_get_matches_from(argv).unwrap();
        let (name, sub_matches) = matches.subcommand().unwrap();
        let sub = cli.find_subcommand(name).unwrap();
        cfg.arguments(profile, sub, sub_matches, Path::new("/p"))
            .map(|w| w.into_iter().map(|w| w.into_string().unwrap()).collect())
    }

    #[test]
    fn profiles_layer_and_the_command_line_wins() {
        let cfg = config(
            "[profile.default]\ncard = \"emu\"\nout = \"reports/x\"\ntags = [\"pin\", \"text\"]\n\
             [profile.ci]\nno-progress = true\nout = \"reports/ci\"\n",
        );
        let w = words(&cfg, "ci", &["myna-conform", "run", "--card", "pcsc"]).unwrap();
        assert!(!w.contains(&"--card".to_string()), "{w:?}");
        assert!(w.windows(2).any(|p| p == ["--out", "reports/ci"]), "{w:?}");
        assert!(w.contains(&"--no-progress".to_string()));
        assert_eq!(w.iter().filter(|x| *x == "--tags").count(), 2);
        // `check` takes none of these but `catalogue`-like ones: nothing added.
        let w = words(&cfg, "default", &["myna-conform", "check"]).unwrap();
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn unknown_keys_and_profiles_are_located_errors() {
        let cfg = config("[profile.default]\ncrad = \"emu\"\n");
        let e = words(&cfg, "default", &["myna-conform", "run"]).unwrap_err();
        assert!(e.0.contains("myna-conform.toml:2:8"), "{}", e.0);
        assert!(e.0.contains("`crad`"), "{}", e.0);
        let e = words(&cfg, "nightly", &["myna-conform", "run"]).unwrap_err();
        assert!(e.0.contains("`nightly`"), "{}", e.0);
        let cfg = config("[profile.default]\ncard = { a = 1 }\n");
        assert!(words(&cfg, "default", &["myna-conform", "run"]).is_err());
    }
}
