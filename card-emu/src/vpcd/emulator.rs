//! The long-running emulator: keeps a card inserted in a vpcd reader,
//! reconnects when pcscd restarts, and pulls or swaps the card on command.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::client::{SessionEnd, SessionOptions, VpcdClient};
use super::error::VpcdError;
use super::observer::{Disconnect, Silent, VpcdObserver};
use super::virtual_card::{BoxedCard, VirtualCard};

/// What the emulator does when the connection cannot be made or is lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reconnect {
    /// Serve one connection: return when pcscd closes it, fail when it
    /// cannot be made. (Remove/insert commands still reconnect.)
    Never,
    /// Keep trying, waiting `initial`, then twice as long each failed
    /// attempt, up to `max`.
    Backoff {
        /// First delay.
        initial: Duration,
        /// Longest delay.
        max: Duration,
    },
}

impl Reconnect {
    /// 200 ms doubling up to 5 s.
    pub fn default_backoff() -> Self {
        Reconnect::Backoff {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(5),
        }
    }
}

/// Options of an [`Emulator`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmulatorOptions {
    /// Timing of each connection.
    pub session: SessionOptions,
    /// Reconnection policy.
    pub reconnect: Reconnect,
    /// Least time a card pulled out on command stays out before an
    /// insert reconnects. pcscd notices a removal only when it polls the
    /// reader (every 400 ms for vpcd); a shorter removal goes unseen and
    /// leaves pcscd reporting the reader empty while the card is in.
    pub removal_dwell: Duration,
}

impl Default for EmulatorOptions {
    /// Serve forever, reconnecting with [`Reconnect::default_backoff`];
    /// a removed card stays out at least 1 s.
    fn default() -> Self {
        Self {
            session: SessionOptions::default(),
            reconnect: Reconnect::default_backoff(),
            removal_dwell: Duration::from_secs(1),
        }
    }
}

/// A command from an [`EmulatorControl`]; the sender waits for the ack.
enum Command {
    Remove(Sender<()>),
    /// `None`: put the last card back.
    Insert(Option<BoxedCard>, Sender<()>),
    Shutdown(Sender<()>),
}

/// The emulator thread is gone (it returned, or failed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the vpcd emulator has stopped")]
pub struct EmulatorStopped;

/// Pulls, inserts and swaps the emulator's card from another thread, as a
/// tester's hand would. Each call returns once the emulator has acted on it.
#[derive(Clone, Debug)]
pub struct EmulatorControl {
    commands: Sender<Command>,
}

impl EmulatorControl {
    /// Pulls the card out: the TCP connection to vpcd is closed and stays
    /// closed until [`insert`](Self::insert) or [`reinsert`](Self::reinsert).
    pub fn remove(&self) -> Result<(), EmulatorStopped> {
        self.send(Command::Remove)
    }

    /// Inserts `card` (after pulling out the current one if it is in):
    /// the emulator reconnects to vpcd, once the card has been out for
    /// [`EmulatorOptions::removal_dwell`], and serves `card` from then on.
    /// A sequence of `insert` calls serves several cards in turn.
    pub fn insert(&self, card: impl VirtualCard + Send + 'static) -> Result<(), EmulatorStopped> {
        let card: BoxedCard = Box::new(card);
        self.send(|ack| Command::Insert(Some(card), ack))
    }

    /// Puts the last card back in (it was powered off when pulled out).
    pub fn reinsert(&self) -> Result<(), EmulatorStopped> {
        self.send(|ack| Command::Insert(None, ack))
    }

    /// Closes the connection and ends [`Emulator::run`] with `Ok`.
    pub fn shutdown(&self) -> Result<(), EmulatorStopped> {
        self.send(Command::Shutdown)
    }

    fn send(&self, command: impl FnOnce(Sender<()>) -> Command) -> Result<(), EmulatorStopped> {
        let (ack, acked) = mpsc::channel();
        self.commands
            .send(command(ack))
            .map_err(|_| EmulatorStopped)?;
        acked.recv().map_err(|_| EmulatorStopped)
    }
}

/// Keeps a [`VirtualCard`] inserted in a vpcd reader.
///
/// ```no_run
/// # use myna_card_emu::vpcd::{Emulator, VirtualCard, DEFAULT_VPCD_ADDR};
/// # fn demo(card: impl VirtualCard + Send + 'static) -> Result<(), Box<dyn std::error::Error>> {
/// let (control, thread) = Emulator::new(DEFAULT_VPCD_ADDR, card).spawn();
/// // … a PC/SC client uses "Virtual PCD 00 00" …
/// control.remove()?; // the reader sees the card pulled out
/// control.reinsert()?; // and put back
/// control.shutdown()?;
/// # let _ = thread.join();
/// # Ok(()) }
/// ```
pub struct Emulator {
    addr: String,
    card: BoxedCard,
    options: EmulatorOptions,
    observer: Box<dyn VpcdObserver>,
    commands: Receiver<Command>,
    sender: Sender<Command>,
}

/// What to do after a command was applied.
enum Next {
    Continue,
    Exit,
}

impl Emulator {
    /// An emulator that will dial vpcd at `addr` (`HOST:PORT`, e.g.
    /// [`super::DEFAULT_VPCD_ADDR`]) and serve `card`, with default options
    /// (serve forever) and no observer.
    pub fn new(addr: impl Into<String>, card: impl VirtualCard + Send + 'static) -> Self {
        let (sender, commands) = mpsc::channel();
        Self {
            addr: addr.into(),
            card: Box::new(card),
            options: EmulatorOptions::default(),
            observer: Box::new(Silent),
            commands,
            sender,
        }
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: EmulatorOptions) -> Self {
        self.options = options;
        self
    }

    /// Replaces the observer.
    pub fn with_observer(mut self, observer: impl VpcdObserver + 'static) -> Self {
        self.observer = Box::new(observer);
        self
    }

    /// A handle to pull and insert the card while [`run`](Self::run) runs.
    pub fn control(&self) -> EmulatorControl {
        EmulatorControl {
            commands: self.sender.clone(),
        }
    }

    /// Runs [`run`](Self::run) on a new thread.
    pub fn spawn(self) -> (EmulatorControl, JoinHandle<Result<(), VpcdError>>) {
        let control = self.control();
        let thread = std::thread::spawn(move || self.run());
        (control, thread)
    }

    /// Serves the card until [`EmulatorControl::shutdown`], until every
    /// control handle is gone while the card is out, or (with
    /// [`Reconnect::Never`]) until the connection ends or cannot be made.
    pub fn run(self) -> Result<(), VpcdError> {
        let Emulator {
            addr,
            mut card,
            options,
            mut observer,
            commands,
            sender,
        } = self;
        // Only outside handles may keep the command channel open.
        drop(sender);
        let (initial, max) = match options.reconnect {
            Reconnect::Never => (Duration::ZERO, Duration::ZERO),
            Reconnect::Backoff { initial, max } => (initial, max.max(initial)),
        };
        let retrying = options.reconnect != Reconnect::Never;
        let mut backoff = initial;
        let mut inserted = true;
        // When the card was last pulled out on command.
        let mut removed_at: Option<Instant> = None;

        loop {
            if !inserted {
                let Ok(command) = commands.recv() else {
                    return Ok(());
                };
                if let Next::Exit = apply(command, &mut card, &mut inserted) {
                    return Ok(());
                }
                backoff = initial;
                continue;
            }
            if let Some(removed) = removed_at {
                let left = options.removal_dwell.saturating_sub(removed.elapsed());
                if !left.is_zero() {
                    if let Next::Exit = wait(&commands, left, &mut card, &mut inserted) {
                        return Ok(());
                    }
                    continue;
                }
                removed_at = None;
            }

            let mut client = match VpcdClient::connect_with(&addr, &options.session) {
                Ok(client) => client,
                Err(error) => {
                    if !retrying {
                        observer.on_connect_failed(&error.to_string(), None);
                        return Err(error);
                    }
                    observer.on_connect_failed(&error.to_string(), Some(backoff));
                    if let Next::Exit = wait(&commands, backoff, &mut card, &mut inserted) {
                        return Ok(());
                    }
                    backoff = backoff.saturating_mul(2).min(max);
                    continue;
                }
            };
            observer.on_connected(client.peer());

            let mut pending = None;
            let ended = client.serve_until(&mut card, observer.as_mut(), &mut || match commands
                .try_recv()
            {
                Ok(command) => {
                    pending = Some(command);
                    true
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => false,
            });
            let served_any = client.messages_served() > 0;
            client.close();
            card.power_off();
            if served_any {
                backoff = initial;
            }

            match ended {
                Ok(SessionEnd::Stopped) => {
                    let Some(command) = pending else { continue };
                    let reason = match command {
                        Command::Shutdown(_) => Disconnect::Shutdown,
                        _ => Disconnect::Removed,
                    };
                    observer.on_disconnected(&reason);
                    removed_at = Some(Instant::now());
                    if let Next::Exit = apply(command, &mut card, &mut inserted) {
                        return Ok(());
                    }
                }
                Ok(SessionEnd::PeerClosed) => {
                    observer.on_disconnected(&Disconnect::PeerClosed);
                    if !retrying {
                        return Ok(());
                    }
                    if let Next::Exit = wait(&commands, backoff, &mut card, &mut inserted) {
                        return Ok(());
                    }
                    backoff = backoff.saturating_mul(2).min(max);
                }
                Err(error) => {
                    observer.on_disconnected(&Disconnect::Failed(error.to_string()));
                    if !retrying {
                        return Err(error);
                    }
                    if let Next::Exit = wait(&commands, backoff, &mut card, &mut inserted) {
                        return Ok(());
                    }
                    backoff = backoff.saturating_mul(2).min(max);
                }
            }
        }
    }
}

/// Sleeps `delay` unless a command comes first; applies it.
fn wait(
    commands: &Receiver<Command>,
    delay: Duration,
    card: &mut BoxedCard,
    inserted: &mut bool,
) -> Next {
    match commands.recv_timeout(delay) {
        Ok(command) => apply(command, card, inserted),
        Err(RecvTimeoutError::Timeout) => Next::Continue,
        Err(RecvTimeoutError::Disconnected) => {
            std::thread::sleep(delay);
            Next::Continue
        }
    }
}

/// Applies a command while no connection is open, then acknowledges it.
fn apply(command: Command, card: &mut BoxedCard, inserted: &mut bool) -> Next {
    // The sender may have given up waiting; the command still applies.
    match command {
        Command::Remove(ack) => {
            *inserted = false;
            let _ = ack.send(());
            Next::Continue
        }
        Command::Insert(new_card, ack) => {
            if let Some(new_card) = new_card {
                *card = new_card;
            }
            *inserted = true;
            let _ = ack.send(());
            Next::Continue
        }
        Command::Shutdown(ack) => {
            let _ = ack.send(());
            Next::Exit
        }
    }
}
