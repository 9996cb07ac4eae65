//! How to open a [`PcscCard`](super::PcscCard): which reader, shared or
//! exclusive, the capabilities claimed, and the deadline of every PC/SC
//! call; and why opening failed.

use ::pcsc::ShareMode;

use super::super::card::TransportError;

/// Capabilities a PC/SC card target claims unless told otherwise.
pub const DEFAULT_PCSC_CAPABILITIES: [&str; 6] = [
    "card.jpki",
    "card.text",
    "card.surface",
    "card.common",
    "card.power",
    "card.extended-apdu",
];

/// Default [`PcscOptions::transmit_timeout`]: 30 s, far above any card's
/// slowest command (an RSA-2048 signature takes well under a second) and
/// any pcscd call on a live reader.
pub const DEFAULT_TRANSMIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Which reader to use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReaderSelector {
    /// The reader with exactly this name.
    Exact(String),
    /// A reader whose name is this text, or else contains it (ignoring
    /// case); among several, the first one with a card.
    Containing(String),
    /// The first reader that has a card.
    FirstWithCard,
}

impl ReaderSelector {
    /// The selector for the CLI's `--card pcsc[:NAME]`: `None` or an empty
    /// name picks the first reader with a card, a name is matched exactly or
    /// as a substring.
    pub fn from_cli(name: Option<&str>) -> Self {
        match name {
            Some(name) if !name.is_empty() => ReaderSelector::Containing(name.to_owned()),
            _ => ReaderSelector::FirstWithCard,
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            ReaderSelector::Exact(name) => format!("named '{name}'"),
            ReaderSelector::Containing(text) => format!("matching '{text}'"),
            ReaderSelector::FirstWithCard => "with a card".to_owned(),
        }
    }

    /// The readers to try, in order.
    pub(super) fn candidates<'a>(&self, readers: &'a [String]) -> Vec<&'a String> {
        match self {
            ReaderSelector::Exact(name) => readers.iter().filter(|r| *r == name).collect(),
            ReaderSelector::Containing(text) => {
                let exact: Vec<&String> = readers.iter().filter(|r| *r == text).collect();
                if !exact.is_empty() {
                    return exact;
                }
                let wanted = text.to_lowercase();
                readers
                    .iter()
                    .filter(|r| r.to_lowercase().contains(&wanted))
                    .collect()
            }
            ReaderSelector::FirstWithCard => readers.iter().collect(),
        }
    }
}

/// Whether other applications may use the card while the harness has it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sharing {
    /// Others may connect too (PC/SC `SCARD_SHARE_SHARED`); each command and
    /// its GET RESPONSE run inside one PC/SC transaction.
    #[default]
    Shared,
    /// Nobody else may connect (`SCARD_SHARE_EXCLUSIVE`).
    Exclusive,
}

impl Sharing {
    pub(super) fn mode(self) -> ShareMode {
        match self {
            Sharing::Shared => ShareMode::Shared,
            Sharing::Exclusive => ShareMode::Exclusive,
        }
    }
}

/// How to open a [`PcscCard`](super::PcscCard).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcscOptions {
    /// Which reader.
    pub reader: ReaderSelector,
    /// Shared or exclusive access.
    pub sharing: Sharing,
    /// What the card can do, for `applies_if`.
    pub capabilities: Vec<String>,
    /// How long one PC/SC wait may take before the step (or the opening)
    /// ends in `error` blamed on the environment: one command with its GET
    /// RESPONSEs, one power event (`SCardReconnect` and `SCardStatus`), the
    /// opening (context, reader list, connect, ATR), a transaction's begin
    /// or end, the disconnect. Default [`DEFAULT_TRANSMIT_TIMEOUT`]
    /// (`run --card-timeout MS`).
    pub transmit_timeout: std::time::Duration,
    /// Whether the harness and its PC/SC worker thread look for each
    /// other's message for a moment before they sleep (the caller up to
    /// 400 µs for an answer, the worker up to 200 µs for its next job), while
    /// every runnable thread on the machine has a core (Linux's run queue,
    /// `/proc/loadavg`): on an idle machine this spares the wake-up of a
    /// halted core, twice per APDU; on a busy one, or where the run queue
    /// cannot be read, each sleeps at once. Either way every wait is bounded
    /// by [`transmit_timeout`](Self::transmit_timeout). Default `true`;
    /// `false` is the harness before looking was added (docs/pcsc.md,
    /// "Benchmark").
    pub look_before_sleeping: bool,
}

impl Default for PcscOptions {
    /// First reader with a card, shared, [`DEFAULT_PCSC_CAPABILITIES`].
    fn default() -> Self {
        Self {
            reader: ReaderSelector::FirstWithCard,
            sharing: Sharing::Shared,
            capabilities: DEFAULT_PCSC_CAPABILITIES
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
            transmit_timeout: DEFAULT_TRANSMIT_TIMEOUT,
            look_before_sleeping: true,
        }
    }
}

impl PcscOptions {
    /// Default options for the given reader.
    pub fn reader(reader: ReaderSelector) -> Self {
        Self {
            reader,
            ..Self::default()
        }
    }
}

/// Why a [`PcscCard`](super::PcscCard) could not be opened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PcscOpenError {
    /// No reader has the wanted name.
    #[error("no PC/SC reader {wanted}; readers seen: {}", list_or_none(.seen))]
    NoMatchingReader {
        /// The selector, described.
        wanted: String,
        /// Every reader pcscd listed.
        seen: Vec<String>,
    },
    /// Matching readers exist but none has a usable card.
    #[error("no usable card in the PC/SC reader(s) {}", .tried.join("; "))]
    NoCard {
        /// `'reader': reason` for each reader tried.
        tried: Vec<String>,
    },
    /// The PC/SC service failed, or did not answer in time.
    #[error("{0}")]
    Transport(TransportError),
}

impl From<PcscOpenError> for TransportError {
    fn from(error: PcscOpenError) -> Self {
        match error {
            PcscOpenError::Transport(inner) => inner,
            PcscOpenError::NoCard { .. } => TransportError::CardRemoved(error.to_string()),
            PcscOpenError::NoMatchingReader { .. } => TransportError::Other(error.to_string()),
        }
    }
}

fn list_or_none(readers: &[String]) -> String {
    if readers.is_empty() {
        "none (is a reader plugged in, or vpcd installed? see docs/pcsc.md)".to_owned()
    } else {
        readers
            .iter()
            .map(|r| format!("'{r}'"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_pick_exact_then_substring_then_any() {
        let readers = vec![
            "Virtual PCD 00 00".to_owned(),
            "Virtual PCD 00 01".to_owned(),
            "ACS ACR1252 1S CL Reader [ACR1252 Reader] 00 00".to_owned(),
        ];
        let exact = ReaderSelector::Exact("Virtual PCD 00 01".into());
        assert_eq!(exact.candidates(&readers), vec![&readers[1]]);
        assert!(ReaderSelector::Exact("Virtual PCD".into())
            .candidates(&readers)
            .is_empty());
        let some = ReaderSelector::Containing("virtual pcd".into());
        assert_eq!(some.candidates(&readers), vec![&readers[0], &readers[1]]);
        let exact_wins = ReaderSelector::Containing("Virtual PCD 00 01".into());
        assert_eq!(exact_wins.candidates(&readers), vec![&readers[1]]);
        assert_eq!(ReaderSelector::FirstWithCard.candidates(&readers).len(), 3);
        assert_eq!(
            ReaderSelector::from_cli(None),
            ReaderSelector::FirstWithCard
        );
        assert_eq!(
            ReaderSelector::from_cli(Some("ACR1252")),
            ReaderSelector::Containing("ACR1252".into())
        );
    }

    #[test]
    fn no_matching_reader_lists_the_readers_seen() {
        let error = PcscOpenError::NoMatchingReader {
            wanted: ReaderSelector::Exact("Foo".into()).describe(),
            seen: vec!["Virtual PCD 00 00".into(), "Virtual PCD 00 01".into()],
        };
        assert_eq!(
            error.to_string(),
            "no PC/SC reader named 'Foo'; readers seen: 'Virtual PCD 00 00', 'Virtual PCD 00 01'"
        );
        let none = PcscOpenError::NoMatchingReader {
            wanted: "with a card".into(),
            seen: vec![],
        };
        assert!(none.to_string().contains("readers seen: none"), "{none}");
    }
}
