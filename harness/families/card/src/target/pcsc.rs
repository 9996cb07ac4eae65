//! The card role on a real PC/SC reader (feature `pcsc`): a physical card, or
//! our emulator behind pcscd and vpcd (DESIGN.md §2).
//!
//! Like a real host it completes `61xx` with GET RESPONSE and answers `6Cxx`
//! by resending with the right Le (card-protocol.md §3.1: OpenSC and
//! myna-card do so), and records each such step as a [`TransportNote`].
//! Extended APDUs are passed through unchanged.

use std::ffi::CString;
use std::fmt;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use ::pcsc::{
    Card, Context, Disposition, Error as PcscError, Protocols, Scope, ShareMode,
    MAX_BUFFER_SIZE_EXTENDED,
};

use super::card::{CardTarget, CardTargetInfo, PowerEvent, TransportError};

/// Capabilities a PC/SC card target claims unless told otherwise.
pub const DEFAULT_PCSC_CAPABILITIES: [&str; 6] = [
    "card.jpki",
    "card.text",
    "card.surface",
    "card.common",
    "card.power",
    "card.extended-apdu",
];

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

    fn describe(&self) -> String {
        match self {
            ReaderSelector::Exact(name) => format!("named '{name}'"),
            ReaderSelector::Containing(text) => format!("matching '{text}'"),
            ReaderSelector::FirstWithCard => "with a card".to_owned(),
        }
    }

    /// The readers to try, in order.
    fn candidates<'a>(&self, readers: &'a [String]) -> Vec<&'a String> {
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
    fn mode(self) -> ShareMode {
        match self {
            Sharing::Shared => ShareMode::Shared,
            Sharing::Exclusive => ShareMode::Exclusive,
        }
    }
}

/// How to open a [`PcscCard`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcscOptions {
    /// Which reader.
    pub reader: ReaderSelector,
    /// Shared or exclusive access.
    pub sharing: Sharing,
    /// What the card can do, for `applies_if`.
    pub capabilities: Vec<String>,
    /// How long one command (with its GET RESPONSEs) may take before the
    /// step ends in `error` blamed on the environment. Default
    /// [`DEFAULT_TRANSMIT_TIMEOUT`].
    pub transmit_timeout: Duration,
}

/// Default [`PcscOptions::transmit_timeout`]: 30 s, far above any card's
/// slowest command (an RSA-2048 signature takes well under a second).
pub const DEFAULT_TRANSMIT_TIMEOUT: Duration = Duration::from_secs(30);

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

/// Why a [`PcscCard`] could not be opened.
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
    /// The PC/SC service failed.
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

/// A step the transport took on its own, as a real host would.
#[derive(Clone, PartialEq, Eq)]
pub struct TransportNote {
    /// Which rule applied.
    pub kind: NoteKind,
    /// The command the transport sent.
    pub command: Vec<u8>,
    /// The status word that triggered it (`61xx` or `6Cxx`).
    pub trigger: [u8; 2],
}

/// Which host rule a [`TransportNote`] records (card-protocol.md §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// `61xx`: fetched the rest with GET RESPONSE `00 C0 00 00 xx`.
    GetResponse,
    /// `6Cxx`: resent the command with Le = `xx`.
    ResendWithLe,
}

/// Shows the header only: a resent command's data may be a PIN.
impl fmt::Debug for TransportNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportNote")
            .field("kind", &self.kind)
            .field(
                "header",
                &hex::encode_upper(self.command.get(..4).unwrap_or(&self.command)),
            )
            .field("len", &self.command.len())
            .field("trigger", &hex::encode_upper(self.trigger))
            .finish()
    }
}

/// A card in a PC/SC reader.
pub struct PcscCard {
    /// Shared with the transmit thread of a command in flight, which holds
    /// the lock while it waits for the card.
    card: Arc<Mutex<Card>>,
    reader: String,
    atr: Vec<u8>,
    sharing: Sharing,
    capabilities: Vec<String>,
    notes: Vec<TransportNote>,
    transmit_timeout: Duration,
    /// The answer of a command that outlived its timeout, still awaited.
    pending: Option<Receiver<Transmitted>>,
}

/// What a transmit thread hands back.
type Transmitted = (Result<Vec<u8>, Failure>, Vec<TransportNote>);

impl fmt::Debug for PcscCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcscCard")
            .field("reader", &self.reader)
            .field("atr", &hex::encode_upper(&self.atr))
            .field("sharing", &self.sharing)
            .finish_non_exhaustive()
    }
}

/// The readers pcscd knows, in its order.
pub fn list_pcsc_readers() -> Result<Vec<String>, TransportError> {
    let context = establish()?;
    readers_of(&context)
}

fn establish() -> Result<Context, TransportError> {
    Context::establish(Scope::User).map_err(|e| map_error("connecting to the PC/SC service", e))
}

fn readers_of(context: &Context) -> Result<Vec<String>, TransportError> {
    match context.list_readers_owned() {
        Ok(names) => Ok(names
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect()),
        Err(PcscError::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(map_error("listing readers", e)),
    }
}

impl PcscCard {
    /// Connects to the card in the reader chosen by `options.reader`.
    pub fn open(options: PcscOptions) -> Result<Self, PcscOpenError> {
        let context = establish().map_err(PcscOpenError::Transport)?;
        let readers = readers_of(&context).map_err(PcscOpenError::Transport)?;
        let candidates = options.reader.candidates(&readers);
        if candidates.is_empty() {
            return Err(PcscOpenError::NoMatchingReader {
                wanted: options.reader.describe(),
                seen: readers,
            });
        }
        let mut tried = Vec::new();
        for reader in candidates {
            let Ok(name) = CString::new(reader.as_str()) else {
                tried.push(format!("'{reader}': name contains a NUL byte"));
                continue;
            };
            match context.connect(&name, options.sharing.mode(), Protocols::ANY) {
                Ok(card) => {
                    let atr = current_atr(&card).map_err(PcscOpenError::Transport)?;
                    return Ok(Self {
                        card: Arc::new(Mutex::new(card)),
                        reader: reader.clone(),
                        atr,
                        sharing: options.sharing,
                        capabilities: options.capabilities,
                        notes: Vec::new(),
                        transmit_timeout: options.transmit_timeout,
                        pending: None,
                    });
                }
                Err(e @ (PcscError::NoService | PcscError::ServiceStopped)) => {
                    return Err(PcscOpenError::Transport(map_error("connecting", e)));
                }
                Err(e) => tried.push(format!("'{reader}': {e}")),
            }
        }
        Err(PcscOpenError::NoCard { tried })
    }

    /// Connects again to the same reader through a new PC/SC context: after
    /// the card was pulled out and put back (the old handle only answers
    /// "card removed"), or after pcscd restarted. Fails at once, without
    /// waiting, when the card or the service is still gone.
    pub fn reopen(&mut self) -> Result<(), TransportError> {
        let options = PcscOptions {
            reader: ReaderSelector::Exact(self.reader.clone()),
            sharing: self.sharing,
            capabilities: self.capabilities.clone(),
            transmit_timeout: self.transmit_timeout,
        };
        *self = PcscCard::open(options).map_err(TransportError::from)?;
        Ok(())
    }

    /// The reader's name.
    pub fn reader_name(&self) -> &str {
        &self.reader
    }

    /// The GET RESPONSE and resend steps taken since the last call.
    pub fn take_notes(&mut self) -> Vec<TransportNote> {
        std::mem::take(&mut self.notes)
    }

    /// Runs `body` inside one PC/SC transaction, so that no other
    /// application can talk to the card in between (e.g. for a whole
    /// scenario on a shared reader). Fails if the transaction cannot be
    /// started or ended.
    pub fn in_transaction<R>(
        &mut self,
        body: impl FnOnce(&mut dyn CardTarget) -> R,
    ) -> Result<R, TransportError> {
        let sharing = self.sharing;
        self.settle_pending()?;
        let shared = Arc::clone(&self.card);
        let mut card = match shared.try_lock() {
            Ok(card) => card,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                return Err(TransportError::Timeout(
                    "the card has not answered an earlier command".to_owned(),
                ))
            }
        };
        let error = match card.transaction() {
            Ok(tx) => {
                let mut inside = InTransaction {
                    tx,
                    reader: &self.reader,
                    atr: &mut self.atr,
                    sharing,
                    capabilities: &self.capabilities,
                    notes: &mut self.notes,
                };
                let result = body(&mut inside);
                inside
                    .tx
                    .end(Disposition::LeaveCard)
                    .map_err(|(_, e)| map_error("ending the transaction", e))?;
                return Ok(result);
            }
            Err(e) => e,
        };
        drop(card);
        let mapped = map_error("beginning a transaction", error);
        if error == PcscError::ResetCard {
            return Err(self.recover_from_reset(mapped));
        }
        Err(mapped)
    }

    /// After another application reset the card, PC/SC wants a reconnect
    /// before the handle works again.
    fn recover_from_reset(&mut self, error: TransportError) -> TransportError {
        let mode = self.sharing.mode();
        let Ok(mut card) = self.card_mut() else {
            return error;
        };
        let reconnected = card.reconnect(mode, Protocols::ANY, Disposition::LeaveCard);
        drop(card);
        match reconnected {
            Ok(()) => TransportError::Other(format!(
                "the card was reset by another PC/SC application; its security state is lost \
                 (reconnected): {error}"
            )),
            Err(e) => map_error("reconnecting after a reset by another application", e),
        }
    }
}

impl PcscCard {
    /// The card handle for an operation that needs it alone (reconnect):
    /// not while a timed-out command is still in flight.
    fn card_mut(&mut self) -> Result<MutexGuard<'_, Card>, TransportError> {
        self.settle_pending()?;
        match self.card.try_lock() {
            Ok(card) => Ok(card),
            Err(TryLockError::Poisoned(poisoned)) => Ok(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => Err(TransportError::Timeout(
                "the card has not answered an earlier command".to_owned(),
            )),
        }
    }

    /// Waits (at most the transmit timeout) for the command that timed out
    /// before; its late answer is dropped.
    fn settle_pending(&mut self) -> Result<(), TransportError> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        match pending.recv_timeout(self.transmit_timeout) {
            Ok(_) | Err(RecvTimeoutError::Disconnected) => Ok(()),
            Err(RecvTimeoutError::Timeout) => {
                self.pending = Some(pending);
                Err(TransportError::Timeout(format!(
                    "the card has not answered an earlier command for another {} ms",
                    self.transmit_timeout.as_millis()
                )))
            }
        }
    }

    /// Sends `command` (with GET RESPONSE and resends) on a thread of its
    /// own and waits at most the transmit timeout: SCardTransmit itself has
    /// none, and a stopped card or emulator behind pcscd blocks it for as
    /// long as it is stopped (issue 9).
    fn transmit_in_time(&mut self, command: &[u8]) -> Result<Vec<u8>, Failure> {
        if let Err(stuck) = self.settle_pending() {
            return Err(Failure::Stuck(stuck.to_string()));
        }
        let card = Arc::clone(&self.card);
        let command = command.to_vec();
        let (answer, answered) = mpsc::channel::<Transmitted>();
        let spawned = std::thread::Builder::new()
            .name("pcsc-transmit".to_owned())
            .spawn(move || {
                let mut notes = Vec::new();
                let mut card = card.lock().unwrap_or_else(PoisonError::into_inner);
                let outcome = match card.transaction() {
                    Ok(tx) => exchange(
                        &mut |apdu: &[u8]| transmit_raw(&tx, apdu),
                        &command,
                        &mut notes,
                    ),
                    Err(e) => Err(Failure::Pcsc("beginning a transaction", e)),
                };
                let _ = answer.send((outcome, notes));
            });
        if spawned.is_err() {
            return Err(Failure::Stuck(
                "cannot start the transmit thread".to_owned(),
            ));
        }
        match answered.recv_timeout(self.transmit_timeout) {
            Ok((outcome, notes)) => {
                self.notes.extend(notes);
                outcome
            }
            Err(RecvTimeoutError::Timeout) => {
                self.pending = Some(answered);
                Err(Failure::Stuck(format!(
                    "no answer from the card within {} ms (--card-timeout)",
                    self.transmit_timeout.as_millis()
                )))
            }
            Err(RecvTimeoutError::Disconnected) => Err(Failure::Stuck(
                "the transmit thread ended without an answer".to_owned(),
            )),
        }
    }
}

impl CardTarget for PcscCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let outcome = self.transmit_in_time(command);
        match outcome {
            Ok(response) => Ok(response),
            Err(Failure::Pcsc(op, PcscError::ResetCard)) => {
                let error = map_error(op, PcscError::ResetCard);
                Err(self.recover_from_reset(error))
            }
            Err(failure) => Err(failure.into_transport()),
        }
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        let sharing = self.sharing;
        let atr = {
            let mut card = self.card_mut()?;
            power(&mut card, sharing, event)?
        };
        if let Some(atr) = &atr {
            self.atr.clone_from(atr);
        }
        Ok(atr)
    }

    fn info(&self) -> CardTargetInfo {
        info(&self.reader, &self.atr)
    }

    fn capabilities(&self) -> Vec<String> {
        self.capabilities.clone()
    }
}

/// The card target seen from inside [`PcscCard::in_transaction`].
struct InTransaction<'a> {
    tx: ::pcsc::Transaction<'a>,
    reader: &'a str,
    atr: &'a mut Vec<u8>,
    sharing: Sharing,
    capabilities: &'a [String],
    notes: &'a mut Vec<TransportNote>,
}

impl CardTarget for InTransaction<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let tx = &self.tx;
        exchange(
            &mut |apdu: &[u8]| transmit_raw(tx, apdu),
            command,
            self.notes,
        )
        .map_err(Failure::into_transport)
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        let mode = self.sharing.mode();
        let atr = match event {
            PowerEvent::Off => {
                self.tx
                    .reconnect(mode, Protocols::ANY, Disposition::UnpowerCard)
                    .map_err(|e| map_error("powering the card off", e))?;
                None
            }
            PowerEvent::On => Some(current_atr(&self.tx)?),
            PowerEvent::Reset => {
                self.tx
                    .reconnect(mode, Protocols::ANY, Disposition::ResetCard)
                    .map_err(|e| map_error("resetting the card", e))?;
                Some(current_atr(&self.tx)?)
            }
        };
        if let Some(atr) = &atr {
            self.atr.clone_from(atr);
        }
        Ok(atr)
    }

    fn info(&self) -> CardTargetInfo {
        info(self.reader, self.atr)
    }

    fn capabilities(&self) -> Vec<String> {
        self.capabilities.to_vec()
    }
}

fn info(reader: &str, atr: &[u8]) -> CardTargetInfo {
    CardTargetInfo {
        target: format!("pcsc:{reader}"),
        reader_name: Some(reader.to_owned()),
        atr: atr.to_vec(),
    }
}

/// Power events through `SCardReconnect`. PC/SC cannot leave a connected
/// card unpowered: `Off` is a cold reset (power down, then up; volatile
/// state is lost), `On` reads the ATR, `Reset` is a warm reset.
fn power(
    card: &mut Card,
    sharing: Sharing,
    event: PowerEvent,
) -> Result<Option<Vec<u8>>, TransportError> {
    let mode = sharing.mode();
    match event {
        PowerEvent::Off => {
            card.reconnect(mode, Protocols::ANY, Disposition::UnpowerCard)
                .map_err(|e| map_error("powering the card off", e))?;
            Ok(None)
        }
        PowerEvent::On => Ok(Some(current_atr(card)?)),
        PowerEvent::Reset => {
            card.reconnect(mode, Protocols::ANY, Disposition::ResetCard)
                .map_err(|e| map_error("resetting the card", e))?;
            Ok(Some(current_atr(card)?))
        }
    }
}

fn current_atr(card: &Card) -> Result<Vec<u8>, TransportError> {
    card.status2_owned()
        .map(|status| status.atr().to_vec())
        .map_err(|e| map_error("reading the ATR", e))
}

fn transmit_raw(card: &Card, command: &[u8]) -> Result<Vec<u8>, Failure> {
    let mut buffer = vec![0u8; MAX_BUFFER_SIZE_EXTENDED];
    match card.transmit(command, &mut buffer) {
        // No status word at all is not something a card can send: vpcd
        // answers so when the virtual card's connection is gone.
        Ok([]) => Err(Failure::EmptyAnswer),
        Ok(answer) => Ok(answer.to_vec()),
        Err(e) => Err(Failure::Pcsc("transmitting an APDU", e)),
    }
}

/// Maps a PC/SC error to the engine's transport error, with what was being
/// done.
fn map_error(doing: &str, error: PcscError) -> TransportError {
    let message = format!("{doing}: {error} ({error:?})");
    match error {
        PcscError::NoService | PcscError::ServiceStopped | PcscError::Shutdown => {
            TransportError::ServiceUnavailable(format!(
                "{message}; is pcscd running? (`bash .ci/pcscd.sh` starts one)"
            ))
        }
        PcscError::NoReadersAvailable => TransportError::ServiceUnavailable(message),
        PcscError::RemovedCard
        | PcscError::NoSmartcard
        | PcscError::ReaderUnavailable
        | PcscError::UnknownReader => TransportError::CardRemoved(message),
        // The reader driver failed to reach the card (pcscd turns the
        // driver's communication error into these): with vpcd, the virtual
        // card's connection is gone; with a real reader, the card was
        // pulled out or lost contact.
        PcscError::NotTransacted | PcscError::CommError => TransportError::CardRemoved(format!(
            "{message}; the reader could not reach the card (pulled out?)"
        )),
        PcscError::Timeout | PcscError::WaitedTooLong => TransportError::Timeout(message),
        _ => TransportError::Other(message),
    }
}

/// Why an exchange failed, before mapping (so that a reset by another
/// application can be recognised and recovered from).
#[derive(Debug)]
enum Failure {
    Pcsc(&'static str, PcscError),
    EndlessGetResponse,
    /// The reader reported success with not even a status word.
    EmptyAnswer,
    /// No answer within the transmit timeout.
    Stuck(String),
}

impl Failure {
    fn into_transport(self) -> TransportError {
        match self {
            Failure::Pcsc(doing, error) => map_error(doing, error),
            Failure::EmptyAnswer => TransportError::CardRemoved(
                "the reader returned an empty answer, not even a status word; the card was \
                 pulled out or the reader lost it"
                    .to_owned(),
            ),
            Failure::Stuck(why) => TransportError::Timeout(why),
            Failure::EndlessGetResponse => TransportError::Other(format!(
                "the card still answered 61xx after {MAX_GET_RESPONSES} GET RESPONSE commands"
            )),
        }
    }
}

/// Bound on GET RESPONSE rounds for one command (256 × 256 bytes covers
/// the largest extended answer).
const MAX_GET_RESPONSES: usize = 256;

/// One APDU out, the reader's answer back, nothing added.
type RawTransmit<'a> = dyn FnMut(&[u8]) -> Result<Vec<u8>, Failure> + 'a;

/// Sends `command` and applies the host rules of card-protocol.md §3.1:
/// `6Cxx` → resend once with Le = xx; `61xx` → GET RESPONSE `00 C0 00 00 xx`
/// until another status word, concatenating the data.
fn exchange(
    raw: &mut RawTransmit<'_>,
    command: &[u8],
    notes: &mut Vec<TransportNote>,
) -> Result<Vec<u8>, Failure> {
    let mut response = raw(command)?;
    if let Some([0x6C, le]) = status_word(&response) {
        if let Some(resent) = with_le(command, le) {
            response = raw(&resent)?;
            notes.push(TransportNote {
                kind: NoteKind::ResendWithLe,
                command: resent,
                trigger: [0x6C, le],
            });
        }
    }
    let mut data = Vec::new();
    for _ in 0..MAX_GET_RESPONSES {
        let Some([0x61, available]) = status_word(&response) else {
            data.extend_from_slice(&response);
            return Ok(data);
        };
        data.extend_from_slice(
            response
                .get(..response.len().saturating_sub(2))
                .unwrap_or_default(),
        );
        let mut get_response = vec![0x00, 0xC0, 0x00, 0x00, available];
        response = raw(&get_response)?;
        notes.push(TransportNote {
            kind: NoteKind::GetResponse,
            command: get_response.clone(),
            trigger: [0x61, available],
        });
        // A card may still correct the length of the GET RESPONSE itself.
        if let Some([0x6C, le]) = status_word(&response) {
            if let Some(last) = get_response.last_mut() {
                *last = le;
            }
            response = raw(&get_response)?;
            notes.push(TransportNote {
                kind: NoteKind::ResendWithLe,
                command: get_response,
                trigger: [0x6C, le],
            });
        }
    }
    Err(Failure::EndlessGetResponse)
}

fn status_word(response: &[u8]) -> Option<[u8; 2]> {
    match response {
        [.., sw1, sw2] => Some([*sw1, *sw2]),
        _ => None,
    }
}

/// `command` with its Le set to `le` (added when absent), for the `6Cxx`
/// resend. `None` when the command's length fits no ISO 7816-4 case.
fn with_le(command: &[u8], le: u8) -> Option<Vec<u8>> {
    let mut out = command.to_vec();
    match command {
        // Case 1.
        [_, _, _, _] => out.push(le),
        // Case 2 short.
        [_, _, _, _, _] => *out.get_mut(4)? = le,
        // Extended: 00, then Lc or Le on two bytes.
        [_, _, _, _, 0x00, hi, lo, ..] => {
            let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
            match command.len().checked_sub(7)? {
                // Case 2E: the three bytes were Le.
                0 => {
                    out.truncate(5);
                    out.extend_from_slice(&[0x00, le]);
                }
                // Case 3E: add a two-byte Le.
                n if n == lc => out.extend_from_slice(&[0x00, le]),
                // Case 4E: replace the two-byte Le.
                n if n == lc.checked_add(2)? => {
                    out.truncate(out.len().checked_sub(2)?);
                    out.extend_from_slice(&[0x00, le]);
                }
                _ => return None,
            }
        }
        // Short with Lc.
        [_, _, _, _, lc, ..] => {
            let lc = usize::from(*lc);
            match command.len().checked_sub(5)? {
                n if n == lc => out.push(le),
                n if n == lc + 1 => *out.last_mut()? = le,
                _ => return None,
            }
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The commands a scripted card received.
    type Sent = std::rc::Rc<std::cell::RefCell<Vec<Vec<u8>>>>;

    /// A scripted card: answers in order, records what it was sent.
    fn scripted(answers: Vec<Vec<u8>>) -> (impl FnMut(&[u8]) -> Result<Vec<u8>, Failure>, Sent) {
        let sent = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let log = std::rc::Rc::clone(&sent);
        let mut answers = answers.into_iter();
        let raw = move |apdu: &[u8]| {
            log.borrow_mut().push(apdu.to_vec());
            answers
                .next()
                .ok_or(Failure::Pcsc("script", PcscError::RemovedCard))
        };
        (raw, sent)
    }

    #[test]
    fn get_response_is_sent_until_the_data_is_complete() {
        let (mut raw, sent) = scripted(vec![
            vec![0xAA, 0x61, 0x02],
            vec![0xBB, 0xCC, 0x61, 0x01],
            vec![0xDD, 0x90, 0x00],
        ]);
        let mut notes = Vec::new();
        let response = exchange(&mut raw, &[0x00, 0xB0, 0x00, 0x00, 0x01], &mut notes).unwrap();
        assert_eq!(response, vec![0xAA, 0xBB, 0xCC, 0xDD, 0x90, 0x00]);
        assert_eq!(
            *sent.borrow(),
            vec![
                vec![0x00, 0xB0, 0x00, 0x00, 0x01],
                vec![0x00, 0xC0, 0x00, 0x00, 0x02],
                vec![0x00, 0xC0, 0x00, 0x00, 0x01],
            ]
        );
        assert_eq!(notes.len(), 2);
        assert!(notes.iter().all(|n| n.kind == NoteKind::GetResponse));
        assert_eq!(notes[0].trigger, [0x61, 0x02]);
    }

    #[test]
    fn wrong_length_is_resent_with_the_cards_le() {
        let (mut raw, sent) = scripted(vec![vec![0x6C, 0x04], vec![1, 2, 3, 4, 0x90, 0x00]]);
        let mut notes = Vec::new();
        let response = exchange(&mut raw, &[0x00, 0xCA, 0x01, 0x00, 0x00], &mut notes).unwrap();
        assert_eq!(response, vec![1, 2, 3, 4, 0x90, 0x00]);
        assert_eq!(sent.borrow()[1], vec![0x00, 0xCA, 0x01, 0x00, 0x04]);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].kind, NoteKind::ResendWithLe);
        assert_eq!(notes[0].trigger, [0x6C, 0x04]);
    }

    #[test]
    fn a_second_wrong_length_is_returned_not_looped() {
        let (mut raw, sent) = scripted(vec![vec![0x6C, 0x04], vec![0x6C, 0x02]]);
        let response =
            exchange(&mut raw, &[0x00, 0xCA, 0x01, 0x00, 0x00], &mut Vec::new()).unwrap();
        assert_eq!(response, vec![0x6C, 0x02]);
        assert_eq!(sent.borrow().len(), 2);
    }

    #[test]
    fn other_status_words_pass_through_untouched() {
        for answer in [
            vec![0x90, 0x00],
            vec![0x63, 0xC2],
            vec![0x6A, 0x82],
            vec![0x6F],
        ] {
            let (mut raw, sent) = scripted(vec![answer.clone()]);
            let mut notes = Vec::new();
            let response = exchange(&mut raw, &[0x00, 0x20, 0x00, 0x80], &mut notes).unwrap();
            assert_eq!(response, answer);
            assert_eq!(sent.borrow().len(), 1);
            assert!(notes.is_empty());
        }
    }

    #[test]
    fn a_card_that_never_stops_answering_61xx_is_an_error() {
        let (mut raw, _) = scripted(vec![vec![0x61, 0x01]; MAX_GET_RESPONSES + 5]);
        let failure = exchange(&mut raw, &[0x00, 0xB0, 0x00, 0x00], &mut Vec::new()).unwrap_err();
        assert!(matches!(failure, Failure::EndlessGetResponse));
        assert!(failure.into_transport().to_string().contains("61xx"));
    }

    #[test]
    fn a_transport_error_in_the_loop_is_reported() {
        let (mut raw, _) = scripted(vec![vec![0x61, 0x10]]);
        let failure = exchange(&mut raw, &[0x00, 0xB0, 0x00, 0x00], &mut Vec::new()).unwrap_err();
        assert!(matches!(
            failure.into_transport(),
            TransportError::CardRemoved(_)
        ));
    }

    #[test]
    fn le_is_set_for_every_apdu_case() {
        // Case 1: appended.
        assert_eq!(with_le(&[0, 0xCA, 1, 0], 4), Some(vec![0, 0xCA, 1, 0, 4]));
        // Case 2: replaced.
        assert_eq!(
            with_le(&[0, 0xCA, 1, 0, 0], 4),
            Some(vec![0, 0xCA, 1, 0, 4])
        );
        // Case 3: appended after the data.
        assert_eq!(
            with_le(&[0, 0xCB, 0, 0, 2, 0xAA, 0xBB], 9),
            Some(vec![0, 0xCB, 0, 0, 2, 0xAA, 0xBB, 9])
        );
        // Case 4: replaced.
        assert_eq!(
            with_le(&[0, 0xCB, 0, 0, 2, 0xAA, 0xBB, 0], 9),
            Some(vec![0, 0xCB, 0, 0, 2, 0xAA, 0xBB, 9])
        );
        // Case 2E.
        assert_eq!(
            with_le(&[0, 0xB0, 0, 0, 0, 0, 0], 9),
            Some(vec![0, 0xB0, 0, 0, 0, 0, 9])
        );
        // Case 3E and 4E.
        assert_eq!(
            with_le(&[0, 0x2A, 0, 0, 0, 0, 1, 0xAA], 9),
            Some(vec![0, 0x2A, 0, 0, 0, 0, 1, 0xAA, 0, 9])
        );
        assert_eq!(
            with_le(&[0, 0x2A, 0, 0, 0, 0, 1, 0xAA, 0, 0], 9),
            Some(vec![0, 0x2A, 0, 0, 0, 0, 1, 0xAA, 0, 9])
        );
        // Lengths that fit no case.
        assert_eq!(with_le(&[0, 0xCA, 1], 4), None);
        assert_eq!(with_le(&[0, 0xCB, 0, 0, 5, 0xAA], 4), None);
        assert_eq!(with_le(&[0, 0xCB, 0, 0, 0, 0, 5, 0xAA], 4), None);
    }

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

    #[test]
    fn pcsc_errors_map_to_transport_errors() {
        assert!(matches!(
            map_error("x", PcscError::NoService),
            TransportError::ServiceUnavailable(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::ServiceStopped),
            TransportError::ServiceUnavailable(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::RemovedCard),
            TransportError::CardRemoved(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::NoSmartcard),
            TransportError::CardRemoved(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::NotTransacted),
            TransportError::CardRemoved(_)
        ));
        assert!(matches!(
            Failure::EmptyAnswer.into_transport(),
            TransportError::CardRemoved(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::Timeout),
            TransportError::Timeout(_)
        ));
        assert!(matches!(
            map_error("x", PcscError::SharingViolation),
            TransportError::Other(_)
        ));
        assert!(map_error("transmitting", PcscError::RemovedCard)
            .to_string()
            .starts_with("card removed: transmitting: "));
    }

    #[test]
    fn note_debug_hides_command_data() {
        let note = TransportNote {
            kind: NoteKind::ResendWithLe,
            command: vec![0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34],
            trigger: [0x6C, 0x00],
        };
        let shown = format!("{note:?}");
        assert!(
            shown.contains("00200080") && !shown.contains("31323334"),
            "{shown}"
        );
    }
}
