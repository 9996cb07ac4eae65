//! `--card vpcd[:PORT]`: the harness hosts the card itself. The emulator
//! dials vpcd inside pcscd, so a reader under test reads it as the card in
//! "Virtual PCD 00 00" (port 35963; "… 00 01" for 35964), while the
//! harness's own card steps reach the same card in process. Every APDU
//! that arrives through vpcd is kept (the data of a secret-carrying
//! instruction zeroed, its length kept) as the peer's trace, which the
//! reader family turns into `reader.card-trace`. Each scenario gets a fresh
//! card of its persona, swapped in under the open vpcd connection.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use myna_card_emu::vpcd::{
    Control, Emulator, EmulatorControl, VirtualCard, VpcdObserver, DEFAULT_VPCD_PORT,
};
use myna_card_emu::{Card, CardProfile};
use myna_scenario::Scenario;

use super::emu::EmuProvider;
use super::{
    CardProvider, CardTarget, CardTargetInfo, OpenedCard, PeerExchange, PeerTrace, PowerEvent,
    ProviderError, TransportError, EMU_CAPABILITIES,
};
use crate::run::secret_ranges;

/// How long [`VpcdHostProvider::start`] waits for vpcd to take the card.
pub const VPCD_CONNECT_PATIENCE: Duration = Duration::from_secs(10);
/// How long it then waits for pcscd to power the card up (pcscd polls the
/// reader every 400 ms and powers a new card at once); a connection never
/// powered is one vpcd is not serving.
pub const VPCD_POLL_PATIENCE: Duration = Duration::from_secs(5);
/// Connections tried before giving up.
pub const VPCD_ATTEMPTS: u32 = 3;
/// Most peer exchanges kept between two drains; later ones are dropped
/// and counted ([`PeerTrace::dropped`]), so a reader looping on the card
/// cannot exhaust memory.
pub const MAX_PEER_EXCHANGES: usize = 100_000;

/// The card both sides share, and what the peer sent it.
struct Hosted {
    card: Card,
    /// The scenario powered the card off (`power: off`); pcscd's own
    /// power-downs of an idle card do not count.
    off_by_scenario: bool,
    peer: Vec<PeerExchange>,
    dropped: u64,
}

type Shared = Arc<Mutex<Hosted>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Hosted> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The card as vpcd sees it: answers, and keeps what it was sent before
/// the answer goes back (so a reader's answer to the harness never
/// overtakes its own trace).
struct PeerCard(Shared);

impl VirtualCard for PeerCard {
    fn atr(&self) -> Vec<u8> {
        lock(&self.0).card.atr().to_vec()
    }
    fn power_on(&mut self) {
        lock(&self.0).card.power_on();
    }
    fn power_off(&mut self) {
        lock(&self.0).card.power_off();
    }
    fn reset(&mut self) {
        lock(&self.0).card.reset();
    }
    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        let started = Instant::now();
        let mut hosted = lock(&self.0);
        let response = VirtualCard::transmit(&mut hosted.card, apdu);
        let exchange = PeerExchange {
            command: without_secrets(apdu),
            response: response.clone(),
            duration_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        };
        if hosted.peer.len() >= MAX_PEER_EXCHANGES {
            hosted.dropped = hosted.dropped.saturating_add(1);
        } else {
            hosted.peer.push(exchange);
        }
        response
    }
}

/// `command` with the data of a secret-carrying instruction zeroed.
fn without_secrets(command: &[u8]) -> Vec<u8> {
    let mut kept = command.to_vec();
    for range in secret_ranges(command) {
        if let Some(data) = kept.get_mut(range) {
            data.fill(0);
        }
    }
    kept
}

/// What [`VpcdHostProvider::start`] waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    /// The TCP connection to vpcd is open.
    Connected,
    /// pcscd powered the card: it noticed the insertion.
    PoweredOn,
    /// pcscd read the ATR.
    AtrRead,
}

/// Tells [`VpcdHostProvider::start`] what vpcd did.
struct Readiness(Sender<Seen>);

impl VpcdObserver for Readiness {
    fn on_connected(&mut self, _peer: std::net::SocketAddr) {
        let _ = self.0.send(Seen::Connected);
    }
    fn on_control(&mut self, control: Control) {
        let seen = match control {
            Control::PowerOn | Control::Reset => Seen::PoweredOn,
            Control::GetAtr => Seen::AtrRead,
            _ => return,
        };
        let _ = self.0.send(seen);
    }
}

/// The harness's side of the hosted card.
struct HostedTarget {
    shared: Shared,
    addr: String,
    /// Whether this is the smartphone card's slot (`card.phone`).
    phone: bool,
}

impl CardTarget for HostedTarget {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut hosted = lock(&self.shared);
        // pcscd powers an idle card down; the harness's own steps find it
        // powered, as a PC/SC client connecting would.
        if !hosted.card.is_powered() && !hosted.off_by_scenario {
            hosted.card.power_on();
        }
        hosted
            .card
            .transmit(command)
            .map_err(|_| TransportError::Other("the card is powered off (add `power: on`)".into()))
    }

    fn power(&mut self, event: PowerEvent) -> Result<Option<Vec<u8>>, TransportError> {
        let mut hosted = lock(&self.shared);
        hosted.off_by_scenario = event == PowerEvent::Off;
        Ok(match event {
            PowerEvent::Off => {
                hosted.card.power_off();
                None
            }
            PowerEvent::On => Some(hosted.card.power_on()),
            PowerEvent::Reset => Some(hosted.card.reset()),
        })
    }

    fn info(&self) -> CardTargetInfo {
        CardTargetInfo {
            target: format!("vpcd:{}", self.addr),
            reader_name: None,
            atr: lock(&self.shared).card.atr().to_vec(),
        }
    }

    fn capabilities(&self) -> Vec<String> {
        hosted_capabilities(self.phone)
    }

    fn peer_exchanges(&mut self) -> Option<PeerTrace> {
        let mut hosted = lock(&self.shared);
        Some(PeerTrace {
            exchanges: std::mem::take(&mut hosted.peer),
            dropped: std::mem::take(&mut hosted.dropped),
        })
    }
}

/// The capabilities of a hosted card: the emulator's, `card.phone` only
/// when the smartphone card is hosted on a second slot.
fn hosted_capabilities(with_phone: bool) -> Vec<String> {
    EMU_CAPABILITIES
        .iter()
        .filter(|c| with_phone || **c != "card.phone")
        .map(|s| s.to_string())
        .collect()
}

/// One vpcd slot the harness serves a card in, for the whole run.
struct Slot {
    shared: Shared,
    addr: String,
    control: EmulatorControl,
}

impl Slot {
    /// Dials vpcd at `addr` with a card of `profile` and waits for pcscd to
    /// take it (connected within [`VPCD_CONNECT_PATIENCE`], powered within
    /// [`VPCD_POLL_PATIENCE`], up to [`VPCD_ATTEMPTS`] connections); an
    /// environment error when vpcd never does.
    fn start(addr: &str, profile: CardProfile) -> Result<Self, ProviderError> {
        let shared = Arc::new(Mutex::new(Hosted {
            card: Card::new(profile),
            off_by_scenario: false,
            peer: Vec::new(),
            dropped: 0,
        }));
        let (events, seen) = mpsc::channel();
        let emulator =
            Emulator::new(addr, PeerCard(Arc::clone(&shared))).with_observer(Readiness(events));
        let (control, _thread) = emulator.spawn();
        let slot = Slot {
            shared,
            addr: addr.to_string(),
            control,
        };
        for attempt in 1..=VPCD_ATTEMPTS {
            if !wait_for(&seen, Seen::Connected, VPCD_CONNECT_PATIENCE) {
                return Err(ProviderError::Environment(format!(
                    "--card vpcd: nothing listens at {addr} within {}s (is pcscd running with \
                     vsmartcard-vpcd? see docs/pcsc.md)",
                    VPCD_CONNECT_PATIENCE.as_secs()
                )));
            }
            // pcscd powers a new card up, reads its ATR and lists it; the
            // next presence poll (every ~450 ms) shows the connection held.
            if wait_for(&seen, Seen::PoweredOn, VPCD_POLL_PATIENCE)
                && wait_for(&seen, Seen::AtrRead, VPCD_POLL_PATIENCE)
                && wait_for(&seen, Seen::AtrRead, VPCD_POLL_PATIENCE)
            {
                return Ok(slot);
            }
            // vpcd sometimes never takes a connection made right after the
            // previous card went away: pull the card out, put it back in.
            if attempt < VPCD_ATTEMPTS
                && (slot.control.remove().is_err() || slot.control.reinsert().is_err())
            {
                break;
            }
        }
        Err(ProviderError::Environment(format!(
            "--card vpcd: vpcd at {addr} accepted the card but pcscd never powered it \
             ({VPCD_ATTEMPTS} connections, {}s each; is another emulator already on that port?)",
            VPCD_POLL_PATIENCE.as_secs()
        )))
    }

    /// A fresh, powered card of `profile` in the slot: pcscd keeps the
    /// reader's connection open across scenarios and powers nothing again.
    fn insert_fresh(&self, profile: CardProfile) {
        let mut hosted = lock(&self.shared);
        hosted.card = Card::new(profile);
        hosted.off_by_scenario = false;
        hosted.peer.clear();
        hosted.dropped = 0;
    }

    fn target(&self, phone: bool) -> HostedTarget {
        HostedTarget {
            shared: Arc::clone(&self.shared),
            addr: self.addr.clone(),
            phone,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // Pulls the card out of vpcd; the thread ends on its own.
        let _ = self.control.shutdown();
    }
}

/// The smartphone card's slot, and the phone it holds for a persona that
/// has none (the default persona's, untouched by the scenario).
struct PhoneSlot {
    slot: Slot,
    spare: CardProfile,
}

/// The emulated card served to vpcd for the whole run, and optionally the
/// holder's smartphone card on a second vpcd slot; a fresh card (and
/// phone) of each scenario's persona.
pub struct VpcdHostProvider {
    personas: EmuProvider,
    card: Slot,
    phone: Option<PhoneSlot>,
}

/// Where `--card vpcd[…][,phone=…]` hosts the card and the smartphone card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpcdAddresses {
    /// The card's vpcd address (`HOST:PORT`).
    pub card: String,
    /// The smartphone card's vpcd address, when it is hosted too.
    pub phone: Option<String>,
}

/// `vpcd`, `vpcd:PORT` or `vpcd:HOST:PORT` → the vpcd address; `None` when
/// `spec` is not a vpcd card spec.
pub fn vpcd_address(spec: &str) -> Option<Result<String, String>> {
    let rest = match spec {
        "vpcd" => return Some(Ok(format!("127.0.0.1:{DEFAULT_VPCD_PORT}"))),
        other => other.strip_prefix("vpcd:")?,
    };
    Some(host_port(rest).ok_or_else(|| {
        format!("--card vpcd expects `vpcd`, `vpcd:PORT` or `vpcd:HOST:PORT`, found {spec:?}")
    }))
}

/// `PORT` (on 127.0.0.1) or `HOST:PORT`.
fn host_port(text: &str) -> Option<String> {
    match text.rsplit_once(':') {
        None => text
            .parse::<u16>()
            .ok()
            .map(|port| format!("127.0.0.1:{port}")),
        Some((host, port)) if !host.is_empty() => port
            .parse::<u16>()
            .ok()
            .map(|port| format!("{host}:{port}")),
        Some(_) => None,
    }
}

/// `vpcd[:PORT|:HOST:PORT][,phone=PORT|HOST:PORT]` → where the card and the
/// smartphone card are hosted; `None` when `spec` is not a vpcd card spec.
pub fn vpcd_addresses(spec: &str) -> Option<Result<VpcdAddresses, String>> {
    let (card, phone) = match spec.split_once(',') {
        Some((card, phone)) => (card, Some(phone)),
        None => (spec, None),
    };
    let card = match vpcd_address(card)? {
        Ok(card) => card,
        Err(e) => return Some(Err(e)),
    };
    let phone = match phone {
        None => None,
        Some(text) => match text.strip_prefix("phone=").and_then(host_port) {
            Some(phone) if phone == card => {
                return Some(Err(format!(
                    "--card {spec:?}: the card and the smartphone card need two vpcd slots \
                     (two ports)"
                )))
            }
            Some(phone) => Some(phone),
            None => {
                return Some(Err(format!(
                    "--card vpcd expects `,phone=PORT` or `,phone=HOST:PORT` after the card's \
                     address, found {spec:?}"
                )))
            }
        },
    };
    Some(Ok(VpcdAddresses { card, phone }))
}

impl VpcdHostProvider {
    /// Hosts a card of the default persona at `addr` (see [`Slot::start`]).
    pub fn start(addr: &str, personas: EmuProvider) -> Result<Self, ProviderError> {
        Self::start_with_phone(
            &VpcdAddresses {
                card: addr.to_string(),
                phone: None,
            },
            personas,
        )
    }

    /// Hosts a card of the default persona at `addresses.card` and, with
    /// `addresses.phone`, its smartphone card there (`card.phone`).
    pub fn start_with_phone(
        addresses: &VpcdAddresses,
        personas: EmuProvider,
    ) -> Result<Self, ProviderError> {
        let mut personas = personas;
        let (profile, _) = personas.persona(super::DEFAULT_PERSONA)?;
        let phone_profile = match &addresses.phone {
            None => None,
            Some(addr) => match personas.phone(super::DEFAULT_PERSONA)? {
                Some(profile) => Some((addr, profile)),
                None => {
                    return Err(ProviderError::Environment(format!(
                        "--card vpcd,phone=…: the default persona `{}` has no smartphone card",
                        super::DEFAULT_PERSONA
                    )))
                }
            },
        };
        let card = Slot::start(&addresses.card, profile)?;
        let phone = match phone_profile {
            None => None,
            Some((addr, spare)) => Some(PhoneSlot {
                slot: Slot::start(addr, spare.clone())?,
                spare,
            }),
        };
        Ok(VpcdHostProvider {
            personas,
            card,
            phone,
        })
    }

    /// The vpcd address served.
    pub fn address(&self) -> &str {
        &self.card.addr
    }

    /// The smartphone card's vpcd address, when it is hosted.
    pub fn phone_address(&self) -> Option<&str> {
        self.phone.as_ref().map(|p| p.slot.addr.as_str())
    }
}

/// Waits until `wanted` arrives on `seen`, at most `patience`.
fn wait_for(seen: &Receiver<Seen>, wanted: Seen, patience: Duration) -> bool {
    let deadline = Instant::now() + patience;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match seen.recv_timeout(left) {
            Ok(event) if event == wanted => return true,
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return false,
        }
    }
}

impl CardProvider for VpcdHostProvider {
    fn open(&mut self, scenario: &Scenario) -> Result<OpenedCard, ProviderError> {
        let id = scenario
            .persona
            .as_deref()
            .unwrap_or(super::DEFAULT_PERSONA)
            .to_string();
        let (profile, vars) = self.personas.persona(&id)?;
        self.card.insert_fresh(profile);
        let phone = match &self.phone {
            None => None,
            Some(slot) => match self.personas.phone(&id)? {
                Some(profile) => {
                    slot.slot.insert_fresh(profile);
                    Some(Box::new(slot.slot.target(true)) as Box<dyn CardTarget>)
                }
                // The slot holds a phone nobody's scenario names.
                None => {
                    slot.slot.insert_fresh(slot.spare.clone());
                    None
                }
            },
        };
        Ok(OpenedCard {
            target: Box::new(self.card.target(false)),
            phone,
            persona: Some(id),
            vars,
        })
    }

    fn describe(&mut self) -> Result<CardTargetInfo, ProviderError> {
        Ok(CardTargetInfo {
            target: format!("vpcd:{}", self.card.addr),
            reader_name: None,
            atr: lock(&self.card.shared).card.atr().to_vec(),
        })
    }

    fn capabilities(&self) -> Vec<String> {
        hosted_capabilities(self.phone.is_some())
    }

    fn personas(&self) -> Option<Vec<String>> {
        self.personas.personas()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpcd_specs_name_an_address() {
        assert_eq!(vpcd_address("vpcd"), Some(Ok("127.0.0.1:35963".into())));
        assert_eq!(
            vpcd_address("vpcd:35964"),
            Some(Ok("127.0.0.1:35964".into()))
        );
        assert_eq!(
            vpcd_address("vpcd:10.0.0.2:35963"),
            Some(Ok("10.0.0.2:35963".into()))
        );
        assert!(matches!(vpcd_address("vpcd:x"), Some(Err(_))));
        assert_eq!(vpcd_address("pcsc:Virtual PCD 00 00"), None);
        assert_eq!(vpcd_address("vpcdx"), None);
    }

    #[test]
    fn a_vpcd_spec_may_name_the_phones_slot() {
        let both = |card: &str, phone: Option<&str>| {
            Some(Ok(VpcdAddresses {
                card: card.into(),
                phone: phone.map(str::to_string),
            }))
        };
        assert_eq!(vpcd_addresses("vpcd"), both("127.0.0.1:35963", None));
        assert_eq!(
            vpcd_addresses("vpcd:35964,phone=35963"),
            both("127.0.0.1:35964", Some("127.0.0.1:35963"))
        );
        assert_eq!(
            vpcd_addresses("vpcd,phone=10.0.0.2:35964"),
            both("127.0.0.1:35963", Some("10.0.0.2:35964"))
        );
        for bad in [
            "vpcd,phone=",
            "vpcd,phone=x",
            "vpcd,tel=35964",
            "vpcd,phone=35963",
        ] {
            assert!(matches!(vpcd_addresses(bad), Some(Err(_))), "{bad}");
        }
        assert!(matches!(vpcd_addresses("vpcd:x,phone=35964"), Some(Err(_))));
        assert_eq!(vpcd_addresses("emu"), None);
    }

    #[test]
    fn card_phone_is_declared_only_with_a_hosted_phone() {
        assert!(hosted_capabilities(true).contains(&"card.phone".to_string()));
        let without = hosted_capabilities(false);
        assert!(!without.contains(&"card.phone".to_string()));
        assert!(without.contains(&"card.jpki".to_string()));
    }

    #[test]
    fn the_peer_trace_is_capped_and_counts_what_it_dropped() {
        let mut personas = EmuProvider::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../vectors/personas"
        ));
        let (profile, _) = personas.persona("taro").unwrap();
        let shared = Arc::new(Mutex::new(Hosted {
            card: Card::new(profile),
            off_by_scenario: false,
            peer: Vec::new(),
            dropped: 0,
        }));
        let mut peer = PeerCard(Arc::clone(&shared));
        let query = [0x00, 0x20, 0x00, 0x80];
        for _ in 0..MAX_PEER_EXCHANGES + 2 {
            assert_eq!(VirtualCard::transmit(&mut peer, &query).len(), 2);
        }
        let mut harness = HostedTarget {
            shared,
            addr: "test".into(),
            phone: false,
        };
        let trace = harness.peer_exchanges().unwrap();
        assert_eq!(trace.exchanges.len(), MAX_PEER_EXCHANGES);
        assert_eq!(trace.dropped, 2);
        // Drained: the next step starts empty.
        assert_eq!(harness.peer_exchanges().unwrap(), PeerTrace::default());
        // pcscd powered the idle card down; the harness's step finds it on.
        VirtualCard::power_off(&mut peer);
        assert!(harness.transmit(&query).is_ok());
        harness.power(PowerEvent::Off).unwrap();
        assert!(harness.transmit(&query).is_err());
    }

    #[test]
    fn the_peer_trace_keeps_no_pin() {
        let verify = [0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34];
        assert_eq!(
            without_secrets(&verify),
            vec![0x00, 0x20, 0x00, 0x80, 0x04, 0, 0, 0, 0]
        );
        let select = [0x00, 0xA4, 0x04, 0x0C, 0x02, 0xD3, 0x92];
        assert_eq!(without_secrets(&select), select.to_vec());
    }
}
