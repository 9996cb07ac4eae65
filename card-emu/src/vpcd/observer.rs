//! Hooks that see what crosses the vpcd connection, and a plain stderr log.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use super::message::Control;
use crate::apdu::Instruction;

/// Why a vpcd connection ended, as told to [`VpcdObserver::on_disconnected`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disconnect {
    /// pcscd closed the connection (stopped, restarted, or vpcd unloaded).
    PeerClosed,
    /// The card was pulled out on command ([`super::EmulatorControl::remove`]).
    Removed,
    /// The emulator was asked to stop.
    Shutdown,
    /// The connection failed; the text is the error.
    Failed(String),
}

/// Receives the events of a vpcd session. Every method has an empty default.
///
/// `on_exchange` gets the raw bytes, PINs included: an implementation that
/// writes them anywhere must redact them (see [`describe_command`]).
pub trait VpcdObserver: Send {
    /// One C-APDU and its R-APDU, with the time the card took.
    fn on_exchange(&mut self, command: &[u8], response: &[u8], elapsed: Duration) {
        let _ = (command, response, elapsed);
    }
    /// A control message, after it was applied.
    fn on_control(&mut self, control: Control) {
        let _ = control;
    }
    /// Connected to vpcd (card inserted).
    fn on_connected(&mut self, peer: SocketAddr) {
        let _ = peer;
    }
    /// The connection ended (card removed).
    fn on_disconnected(&mut self, reason: &Disconnect) {
        let _ = reason;
    }
    /// A connection attempt failed; the emulator will retry after `retry_in`
    /// (`None`: it gives up).
    fn on_connect_failed(&mut self, error: &str, retry_in: Option<Duration>) {
        let _ = (error, retry_in);
    }
}

/// Observes nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl VpcdObserver for Silent {}

/// Calls a closure for every exchange; other events are ignored. Built by
/// [`on_exchange`].
pub struct ExchangeHook<F>(F);

/// An observer from a closure `(command, response, elapsed)`, e.g. to
/// record a session.
pub fn on_exchange<F>(hook: F) -> ExchangeHook<F>
where
    F: FnMut(&[u8], &[u8], Duration) + Send,
{
    ExchangeHook(hook)
}

impl<F> VpcdObserver for ExchangeHook<F>
where
    F: FnMut(&[u8], &[u8], Duration) + Send,
{
    fn on_exchange(&mut self, command: &[u8], response: &[u8], elapsed: Duration) {
        (self.0)(command, response, elapsed);
    }
}

/// Writes one line per event to stderr: commands in hex with the data of
/// PIN-carrying commands redacted, responses as length and status word only
/// (a READ BINARY answer may hold personal data).
#[derive(Clone, Copy, Debug, Default)]
pub struct StderrLog;

impl VpcdObserver for StderrLog {
    fn on_exchange(&mut self, command: &[u8], response: &[u8], elapsed: Duration) {
        log_line(&format!(
            "{} -> {} in {:.1} ms",
            describe_command(command),
            describe_response(response),
            elapsed.as_secs_f64() * 1000.0
        ));
    }
    fn on_control(&mut self, control: Control) {
        // pcscd polls GET ATR between APDUs; logging each would drown the rest.
        if control != Control::GetAtr {
            log_line(&format!("control {control:?}"));
        }
    }
    fn on_connected(&mut self, peer: SocketAddr) {
        log_line(&format!("connected to vpcd at {peer} (card inserted)"));
    }
    fn on_disconnected(&mut self, reason: &Disconnect) {
        log_line(&format!("disconnected: {reason:?} (card removed)"));
    }
    fn on_connect_failed(&mut self, error: &str, retry_in: Option<Duration>) {
        match retry_in {
            Some(delay) => log_line(&format!("{error}; retrying in {} ms", delay.as_millis())),
            None => log_line(error),
        }
    }
}

fn log_line(line: &str) {
    // A closed stderr is no reason to stop serving the card.
    let _ = writeln!(std::io::stderr().lock(), "vpcd: {line}");
}

/// A C-APDU in hex, safe to print: everything after the header of an
/// instruction that carries a secret ([`Instruction::SECRET_DATA`]) is
/// replaced by its length.
pub fn describe_command(command: &[u8]) -> String {
    let secret = command
        .get(1)
        .is_some_and(|&ins| Instruction(ins).carries_secret());
    if secret && command.len() > 5 {
        let header = command.get(..4).unwrap_or(command);
        format!(
            "{} <{} bytes redacted>",
            hex::encode_upper(header),
            command.len().saturating_sub(4)
        )
    } else {
        hex::encode_upper(command)
    }
}

/// An R-APDU as `N bytes SW=XXXX`, without its data.
pub fn describe_response(response: &[u8]) -> String {
    match response.len().checked_sub(2) {
        Some(data_len) => format!(
            "{data_len} bytes SW={}",
            hex::encode_upper(response.get(data_len..).unwrap_or_default())
        ),
        None => format!("malformed R-APDU of {} bytes", response.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_data_is_redacted() {
        let shown = describe_command(&[0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34]);
        assert_eq!(shown, "00200080 <5 bytes redacted>");
        // The empty VERIFY (retry query) has nothing to hide.
        assert_eq!(describe_command(&[0x00, 0x20, 0x00, 0x80]), "00200080");
        assert_eq!(
            describe_command(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]),
            "00A4020C02000A"
        );
    }

    #[test]
    fn the_data_of_every_secret_carrying_instruction_is_redacted() {
        // The new PIN of CHANGE KEY on the 共通/住基 AP included.
        for ins in Instruction::SECRET_DATA {
            for cla in [0x00, 0x80, 0x08] {
                let command = [cla, ins.0, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34];
                let shown = describe_command(&command);
                assert!(
                    shown.ends_with("<5 bytes redacted>") && !shown.contains("31323334"),
                    "{ins:?}: {shown}"
                );
            }
        }
    }

    #[test]
    fn response_shows_length_and_status_only() {
        assert_eq!(
            describe_response(&[0x12, 0x34, 0x90, 0x00]),
            "2 bytes SW=9000"
        );
        assert_eq!(describe_response(&[0x6A]), "malformed R-APDU of 1 bytes");
    }
}
