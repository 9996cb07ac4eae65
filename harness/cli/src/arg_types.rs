//! Typed command-line values: each option that names a target, a date, a
//! shard or a duration is parsed once, by clap, into a type, so a mistake is
//! a usage error (exit 2) naming the option before anything starts, and no
//! subcommand parses strings of its own. A profile of `myna-conform.toml`
//! goes through the same parsers (its values become command-line words).

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use myna_family_card::target::vpcd_addresses;

/// `--card`: which card answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardSpec {
    /// The built-in emulator.
    Emu,
    /// A card in a PC/SC reader: the first with a card, or the one whose
    /// name contains this text.
    Pcsc(Option<String>),
    /// The emulator hosted behind pcscd's vpcd driver for a reader under
    /// test (`run` only): the spec as written and the address it names.
    Vpcd {
        /// `vpcd`, `vpcd:PORT` or `vpcd:HOST:PORT`, optionally followed by
        /// `,phone=PORT` or `,phone=HOST:PORT`, as given.
        spec: String,
        /// The vpcd address dialled (`HOST:PORT`).
        addr: String,
        /// The vpcd address the holder's smartphone card is hosted at (a
        /// second slot: `card.phone`), when given.
        phone: Option<String>,
    },
}

impl CardSpec {
    /// Whether the card is in a PC/SC reader.
    pub fn is_pcsc(&self) -> bool {
        matches!(self, CardSpec::Pcsc(_))
    }

    /// The reader name asked for (`pcsc:NAME`).
    pub fn reader_name(&self) -> Option<&str> {
        match self {
            CardSpec::Pcsc(name) => name.as_deref(),
            CardSpec::Emu | CardSpec::Vpcd { .. } => None,
        }
    }
}

impl fmt::Display for CardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardSpec::Emu => f.write_str("emu"),
            CardSpec::Pcsc(None) => f.write_str("pcsc"),
            CardSpec::Pcsc(Some(name)) => write!(f, "pcsc:{name}"),
            CardSpec::Vpcd { spec, .. } => f.write_str(spec),
        }
    }
}

/// Why `--card vpcd` is refused outside `run`: only a run hosts a card for
/// a reader under test.
pub const VPCD_ONLY_FOR_RUN: &str = "--card vpcd hosts a card for a reader under test and is \
     only for `run --reader tcp://…`; here use `emu` or `pcsc[:READER NAME]`";

/// Parses `emu`, `pcsc`, `pcsc:READER NAME` or
/// `vpcd[:PORT|:HOST:PORT][,phone=PORT|HOST:PORT]`.
pub fn card_spec(text: &str) -> Result<CardSpec, String> {
    if let Some(addresses) = vpcd_addresses(text) {
        return addresses.map(|a| CardSpec::Vpcd {
            spec: text.to_owned(),
            addr: a.card,
            phone: a.phone,
        });
    }
    match text {
        "emu" => Ok(CardSpec::Emu),
        "pcsc" => Ok(CardSpec::Pcsc(None)),
        _ => match text.strip_prefix("pcsc:") {
            Some("") => Err(
                "expected a reader name after `pcsc:` (or `pcsc` alone: the first reader with a card)"
                    .into(),
            ),
            Some(name) => Ok(CardSpec::Pcsc(Some(name.to_owned()))),
            None => Err(format!(
                "expected `emu`, `pcsc[:READER NAME]` or `vpcd[:PORT]`, found {text:?}"
            )),
        },
    }
}

/// An `http://` or `https://` URL with a host (and a valid port, if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpUrl(String);

impl HttpUrl {
    /// The URL as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses an `http://` or `https://` URL.
pub fn http_url(text: &str) -> Result<HttpUrl, String> {
    let Some(rest) = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
    else {
        let hint = if text.contains("://") {
            String::new()
        } else {
            format!(" (with the scheme: http://{text})")
        };
        return Err(format!(
            "expected an http:// or https:// URL, found {text:?}{hint}"
        ));
    };
    if text.chars().any(char::is_whitespace) {
        return Err(format!("expected a URL without spaces, found {text:?}"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        // `[::1]` alone: the colons are the address's, not a port.
        Some((host, port)) if !port.contains(']') => {
            if !port.parse::<u16>().is_ok_and(|p| p > 0) {
                return Err(format!(
                    "expected a port number 1-65535 in {text:?}, found {port:?}"
                ));
            }
            host
        }
        _ => authority,
    };
    if host.is_empty() {
        return Err(format!("expected a host in {text:?}, found none"));
    }
    Ok(HttpUrl(text.to_owned()))
}

/// `--oqs`, `--portal`: the built-in reference or an HTTP server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpTarget {
    /// The built-in reference, in process.
    Builtin,
    /// A server under test.
    Url(HttpUrl),
}

impl HttpTarget {
    /// The URL of a server under test.
    pub fn url(&self) -> Option<&HttpUrl> {
        match self {
            HttpTarget::Builtin => None,
            HttpTarget::Url(url) => Some(url),
        }
    }
}

/// Parses `builtin` or an `http(s)://` URL.
pub fn http_target(text: &str) -> Result<HttpTarget, String> {
    if text == "builtin" {
        return Ok(HttpTarget::Builtin);
    }
    http_url(text)
        .map(HttpTarget::Url)
        .map_err(|e| format!("{e}; or `builtin`"))
}

/// `--reader`: the reference reader or one over the adapter protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReaderSpec {
    /// The reference reader, in process.
    Builtin,
    /// A reader at `HOST:PORT` speaking harness/reader/PROTOCOL.md.
    Tcp(String),
}

impl fmt::Display for ReaderSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReaderSpec::Builtin => f.write_str("builtin"),
            ReaderSpec::Tcp(address) => write!(f, "tcp://{address}"),
        }
    }
}

/// Parses `builtin` or `tcp://HOST:PORT`.
pub fn reader_spec(text: &str) -> Result<ReaderSpec, String> {
    if text == "builtin" {
        return Ok(ReaderSpec::Builtin);
    }
    let Some(address) = text.strip_prefix("tcp://") else {
        let hint = if text.contains("://") {
            String::new()
        } else {
            format!(" (with the scheme: tcp://{text})")
        };
        return Err(format!(
            "expected `builtin` or tcp://HOST:PORT, found {text:?}{hint}"
        ));
    };
    let Some((host, port)) = address.rsplit_once(':') else {
        return Err(format!(
            "expected tcp://HOST:PORT, found {text:?} (no port)"
        ));
    };
    if host.is_empty() || host.contains('/') || host.chars().any(char::is_whitespace) {
        return Err(format!("expected a host in {text:?}, found {host:?}"));
    }
    if !port.parse::<u16>().is_ok_and(|p| p > 0) {
        return Err(format!(
            "expected a port number 1-65535 in {text:?}, found {port:?}"
        ));
    }
    Ok(ReaderSpec::Tcp(address.to_owned()))
}

/// `--rules`: a calendar date that exists, kept as written (`YYYY-MM-DD`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesDate(String);

impl RulesDate {
    /// `YYYY-MM-DD`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses `YYYY-MM-DD`; `2026-02-30` is refused (February 2026 has 28 days).
pub fn rules_date(text: &str) -> Result<RulesDate, String> {
    let shape = || format!("expected a date YYYY-MM-DD, found {text:?}");
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(shape());
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
        return Err(shape());
    }
    let (Ok(year), Ok(month), Ok(day)) =
        (year.parse::<i32>(), month.parse::<u8>(), day.parse::<u8>())
    else {
        return Err(shape());
    };
    let Ok(month) = time::Month::try_from(month) else {
        return Err(format!("{text} is not a date: there is no month {month}"));
    };
    match time::Date::from_calendar_date(year, month, day) {
        Ok(_) => Ok(RulesDate(text.to_owned())),
        Err(_) => Err(format!(
            "{text} is not a date: {month} {year} has {} days",
            month.length(year)
        )),
    }
}

/// `--shard K/N`: run the K-th of N shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// K, 1-based.
    pub index: u32,
    /// N.
    pub count: u32,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Parses `K/N` with 1 ≤ K ≤ N (the engine's grammar).
pub fn shard(text: &str) -> Result<Shard, String> {
    myna_engine::select::parse_shard(text).map(|(index, count)| Shard { index, count })
}

/// `--listen`: the address a server binds.
pub fn listen_address(text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("expected IP:PORT (e.g. 127.0.0.1:8080, [::1]:8080), found {text:?}"))
}

/// A duration such as `10s`, `500ms` or `2m`; a bare number is seconds.
pub fn duration_seconds(text: &str) -> Result<Duration, String> {
    duration(text, "s")
}

/// A timeout such as `30s` or `500ms`; a bare number is milliseconds.
pub fn timeout_millis(text: &str) -> Result<Duration, String> {
    duration(text, "ms")
}

/// The longest duration accepted: a week (longer is a mistake, and would
/// overflow the clocks it is added to).
const LONGEST: Duration = Duration::from_secs(7 * 24 * 3600);

fn duration(text: &str, bare_unit: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let (number, unit) = match trimmed.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => trimmed.split_at(i),
        None => (trimmed, bare_unit),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("expected a duration like 10s, 500ms or 2m, found {text:?}"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        other => {
            return Err(format!(
                "expected a unit ms, s or m in {text:?}, found {other:?}"
            ))
        }
    };
    if seconds.is_nan() || seconds <= 0.0 {
        return Err(format!("expected a positive duration, found {text:?}"));
    }
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if d <= LONGEST && !d.is_zero() => Ok(d),
        Ok(d) if d.is_zero() => Err(format!("expected a positive duration, found {text:?}")),
        _ => Err(format!("expected at most a week, found {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("emu", CardSpec::Emu)]
    #[case("pcsc", CardSpec::Pcsc(None))]
    #[case("pcsc:ACS ACR1252 00 00", CardSpec::Pcsc(Some("ACS ACR1252 00 00".into())))]
    #[case("vpcd", CardSpec::Vpcd { spec: "vpcd".into(), addr: "127.0.0.1:35963".into(), phone: None })]
    #[case("vpcd:35964", CardSpec::Vpcd { spec: "vpcd:35964".into(), addr: "127.0.0.1:35964".into(), phone: None })]
    #[case("vpcd:35964,phone=35963", CardSpec::Vpcd { spec: "vpcd:35964,phone=35963".into(), addr: "127.0.0.1:35964".into(), phone: Some("127.0.0.1:35963".into()) })]
    fn card_specs(#[case] text: &str, #[case] expected: CardSpec) {
        assert_eq!(card_spec(text), Ok(expected.clone()));
        assert_eq!(expected.to_string(), text, "Display round-trips");
    }

    #[rstest]
    #[case(
        "emulator",
        "expected `emu`, `pcsc[:READER NAME]` or `vpcd[:PORT]`, found \"emulator\""
    )]
    #[case(
        "",
        "expected `emu`, `pcsc[:READER NAME]` or `vpcd[:PORT]`, found \"\""
    )]
    #[case(
        "pcsc:",
        "expected a reader name after `pcsc:` (or `pcsc` alone: the first reader with a card)"
    )]
    #[case(
        "vpcd:x",
        "--card vpcd expects `vpcd`, `vpcd:PORT` or `vpcd:HOST:PORT`, found \"vpcd:x\""
    )]
    #[case(
        "PCSC",
        "expected `emu`, `pcsc[:READER NAME]` or `vpcd[:PORT]`, found \"PCSC\""
    )]
    fn bad_card_specs(#[case] text: &str, #[case] error: &str) {
        assert_eq!(card_spec(text), Err(error.to_owned()));
    }

    #[rstest]
    #[case("http://127.0.0.1:8080")]
    #[case("https://oqs.example.jp/base/path/")]
    #[case("http://[::1]:8080/x")]
    #[case("http://[::1]")]
    #[case("https://host?x=1")]
    fn good_urls(#[case] text: &str) {
        assert_eq!(http_url(text).map(|u| u.to_string()), Ok(text.to_owned()));
        assert_eq!(
            http_target(text),
            Ok(HttpTarget::Url(HttpUrl(text.to_owned())))
        );
    }

    #[rstest]
    #[case(
        "ftp://host",
        "expected an http:// or https:// URL, found \"ftp://host\""
    )]
    #[case(
        "localhost:8080",
        "expected an http:// or https:// URL, found \"localhost:8080\" (with the scheme: http://localhost:8080)"
    )]
    #[case("http://", "expected a host in \"http://\", found none")]
    #[case("https://:443/x", "expected a host in \"https://:443/x\", found none")]
    #[case(
        "http://host:99999",
        "expected a port number 1-65535 in \"http://host:99999\", found \"99999\""
    )]
    #[case(
        "http://host:0",
        "expected a port number 1-65535 in \"http://host:0\", found \"0\""
    )]
    #[case(
        "http://host:80x/",
        "expected a port number 1-65535 in \"http://host:80x/\", found \"80x\""
    )]
    #[case("http://a b", "expected a URL without spaces, found \"http://a b\"")]
    fn bad_urls(#[case] text: &str, #[case] error: &str) {
        assert_eq!(http_url(text), Err(error.to_owned()));
        assert_eq!(http_target(text), Err(format!("{error}; or `builtin`")));
    }

    #[test]
    fn builtin_is_the_reference() {
        assert_eq!(http_target("builtin"), Ok(HttpTarget::Builtin));
        assert_eq!(reader_spec("builtin"), Ok(ReaderSpec::Builtin));
        // `builtin` is a target, not a URL.
        assert!(http_url("builtin").is_err());
    }

    #[rstest]
    #[case("tcp://127.0.0.1:7400", "127.0.0.1:7400")]
    #[case("tcp://reader.local:1", "reader.local:1")]
    #[case("tcp://[::1]:7400", "[::1]:7400")]
    fn good_readers(#[case] text: &str, #[case] address: &str) {
        let spec = reader_spec(text);
        assert_eq!(spec, Ok(ReaderSpec::Tcp(address.to_owned())));
        assert_eq!(spec.map(|s| s.to_string()), Ok(text.to_owned()));
    }

    #[rstest]
    #[case(
        "127.0.0.1:7400",
        "expected `builtin` or tcp://HOST:PORT, found \"127.0.0.1:7400\" (with the scheme: tcp://127.0.0.1:7400)"
    )]
    #[case(
        "http://127.0.0.1:7400",
        "expected `builtin` or tcp://HOST:PORT, found \"http://127.0.0.1:7400\""
    )]
    #[case(
        "tcp://host",
        "expected tcp://HOST:PORT, found \"tcp://host\" (no port)"
    )]
    #[case("tcp://:7400", "expected a host in \"tcp://:7400\", found \"\"")]
    #[case(
        "tcp://host:port",
        "expected a port number 1-65535 in \"tcp://host:port\", found \"port\""
    )]
    #[case(
        "tcp://host:70000",
        "expected a port number 1-65535 in \"tcp://host:70000\", found \"70000\""
    )]
    #[case(
        "tcp://host/x:7400",
        "expected a host in \"tcp://host/x:7400\", found \"host/x\""
    )]
    fn bad_readers(#[case] text: &str, #[case] error: &str) {
        assert_eq!(reader_spec(text), Err(error.to_owned()));
    }

    #[rstest]
    #[case("2024-10-07")]
    #[case("2024-02-29")]
    #[case("2026-12-31")]
    fn good_dates(#[case] text: &str) {
        assert_eq!(
            rules_date(text).map(|d| d.as_str().to_owned()),
            Ok(text.to_owned())
        );
    }

    #[rstest]
    #[case("2026-02-30", "2026-02-30 is not a date: February 2026 has 28 days")]
    #[case("2025-02-29", "2025-02-29 is not a date: February 2025 has 28 days")]
    #[case("2024-04-31", "2024-04-31 is not a date: April 2024 has 30 days")]
    #[case("2024-10-00", "2024-10-00 is not a date: October 2024 has 31 days")]
    #[case("2024-13-01", "2024-13-01 is not a date: there is no month 13")]
    #[case("2024-1-01", "expected a date YYYY-MM-DD, found \"2024-1-01\"")]
    #[case("20241007", "expected a date YYYY-MM-DD, found \"20241007\"")]
    #[case("2024-10-07x", "expected a date YYYY-MM-DD, found \"2024-10-07x\"")]
    #[case("today", "expected a date YYYY-MM-DD, found \"today\"")]
    #[case("+202-10-07", "expected a date YYYY-MM-DD, found \"+202-10-07\"")]
    fn bad_dates(#[case] text: &str, #[case] error: &str) {
        assert_eq!(rules_date(text), Err(error.to_owned()));
    }

    #[rstest]
    #[case("1/1", 1, 1)]
    #[case("2/4", 2, 4)]
    #[case("4/4", 4, 4)]
    fn good_shards(#[case] text: &str, #[case] index: u32, #[case] count: u32) {
        let parsed = shard(text);
        assert_eq!(parsed, Ok(Shard { index, count }));
        assert_eq!(parsed.map(|s| s.to_string()), Ok(text.to_owned()));
    }

    #[rstest]
    #[case("5/4", "expected 1 ≤ K ≤ N, found 5/4")]
    #[case("0/4", "expected 1 ≤ K ≤ N, found 0/4")]
    #[case("1/0", "expected 1 ≤ K ≤ N, found 1/0")]
    #[case("2", "expected K/N (e.g. 1/4), found \"2\"")]
    #[case("a/4", "shard index \"a\" is not a number")]
    #[case("1/b", "shard count \"b\" is not a number")]
    #[case("-1/4", "shard index \"-1\" is not a number")]
    fn bad_shards(#[case] text: &str, #[case] error: &str) {
        assert_eq!(shard(text), Err(error.to_owned()));
    }

    #[rstest]
    #[case("127.0.0.1:8080")]
    #[case("[::1]:0")]
    #[case("0.0.0.0:443")]
    fn good_listen_addresses(#[case] text: &str) {
        assert_eq!(
            listen_address(text).map(|a| a.to_string()),
            Ok(text.to_owned())
        );
    }

    #[rstest]
    #[case("localhost:8080")]
    #[case("8080")]
    #[case("127.0.0.1")]
    #[case("127.0.0.1:65536")]
    fn bad_listen_addresses(#[case] text: &str) {
        assert_eq!(
            listen_address(text),
            Err(format!(
                "expected IP:PORT (e.g. 127.0.0.1:8080, [::1]:8080), found {text:?}"
            ))
        );
    }

    #[rstest]
    #[case("10s", Duration::from_secs(10))]
    #[case("500ms", Duration::from_millis(500))]
    #[case("2m", Duration::from_secs(120))]
    #[case("1.5s", Duration::from_millis(1500))]
    #[case("3", Duration::from_secs(3))]
    fn good_durations(#[case] text: &str, #[case] expected: Duration) {
        assert_eq!(duration_seconds(text), Ok(expected));
    }

    #[rstest]
    #[case("30000", Duration::from_secs(30))]
    #[case("30s", Duration::from_secs(30))]
    #[case("250ms", Duration::from_millis(250))]
    fn good_timeouts(#[case] text: &str, #[case] expected: Duration) {
        assert_eq!(timeout_millis(text), Ok(expected));
    }

    #[rstest]
    #[case("0s", "expected a positive duration, found \"0s\"")]
    #[case("0", "expected a positive duration, found \"0\"")]
    #[case("ten", "expected a duration like 10s, 500ms or 2m, found \"ten\"")]
    #[case("", "expected a duration like 10s, 500ms or 2m, found \"\"")]
    #[case("-5s", "expected a duration like 10s, 500ms or 2m, found \"-5s\"")]
    #[case("5h", "expected a unit ms, s or m in \"5h\", found \"h\"")]
    #[case("1e30s", "expected a unit ms, s or m in \"1e30s\", found \"e30s\"")]
    #[case("8000000s", "expected at most a week, found \"8000000s\"")]
    #[case(
        "99999999999999999999999m",
        "expected at most a week, found \"99999999999999999999999m\""
    )]
    fn bad_durations(#[case] text: &str, #[case] error: &str) {
        assert_eq!(duration_seconds(text), Err(error.to_owned()));
    }
}
