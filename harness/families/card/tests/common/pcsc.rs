//! Shared by the tests and benchmarks that go through a real pcscd with
//! vsmartcard-vpcd (tests/pcsc_vpcd.rs, benches/pcsc.rs): the slot lock,
//! whether the reader is there, and opening it once pcscd sees the card.

use std::time::{Duration, Instant};

use myna_family_card::target::{
    list_pcsc_readers, PcscCard, PcscOptions, ReaderSelector, TransportError,
};

#[path = "../../../../test-support/vpcd_slots.rs"]
mod vpcd_slots;

/// Waits (bounded) until no other process's PC/SC test uses the vpcd slots
/// and claims them; released when the file is dropped (or the process dies).
pub fn claim_slots() -> std::fs::File {
    vpcd_slots::claim_slot_file()
}

/// Why `reader` cannot be used: pcscd does not answer, or lists no such
/// reader. `None` when it is there; any other failure is the test's.
pub fn reader_missing(reader: &str) -> Option<String> {
    match list_pcsc_readers() {
        Ok(readers) if readers.iter().any(|r| r == reader) => None,
        Ok(readers) => Some(format!(
            "vpcd reader '{reader}' not found (readers: {readers:?}; is vsmartcard-vpcd installed?)"
        )),
        Err(TransportError::ServiceUnavailable(e)) => Some(format!("pcscd not running ({e})")),
        Err(other) => panic!("listing PC/SC readers failed: {other}"),
    }
}

/// Opens `reader` once pcscd has seen the card in it, waiting at most
/// `patience` (never asserted on: a slow machine only waits longer).
pub fn open_when_present(reader: &str, patience: Duration) -> PcscCard {
    let deadline = Instant::now() + patience;
    loop {
        match PcscCard::open(PcscOptions::reader(ReaderSelector::Exact(reader.into()))) {
            Ok(card) => return card,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("the emulated card never showed up in '{reader}': {e}"),
        }
    }
}
