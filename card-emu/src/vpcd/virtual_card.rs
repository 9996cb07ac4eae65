//! The card side of the vpcd protocol, as a small trait.

/// A card that can sit behind vpcd.
///
/// The vpcd driver inside pcscd turns PC/SC events into these calls
/// (harness-anchors.md §3.1): a power-on, power-off or reset control message
/// calls [`power_on`](Self::power_on), [`power_off`](Self::power_off) or
/// [`reset`](Self::reset); a get-ATR control message calls
/// [`atr`](Self::atr); every longer message is a C-APDU handed to
/// [`transmit`](Self::transmit), whose R-APDU (data ‖ SW1 SW2) goes back
/// unchanged.
///
/// The emulator also calls `power_off` when the TCP connection ends (the card
/// was pulled out, or pcscd went away), so a card loses its volatile state
/// as a physical card would.
pub trait VirtualCard {
    /// The ATR. pcscd asks for it between APDUs to check the card is still
    /// present, so this must be cheap and answer in any power state.
    fn atr(&self) -> Vec<u8>;
    /// Cold power-on.
    fn power_on(&mut self);
    /// Power-off: volatile state is lost.
    fn power_off(&mut self);
    /// Warm reset.
    fn reset(&mut self);
    /// Answers one C-APDU with the R-APDU (data ‖ SW1 SW2).
    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8>;
}

impl<T: VirtualCard + ?Sized> VirtualCard for Box<T> {
    fn atr(&self) -> Vec<u8> {
        (**self).atr()
    }
    fn power_on(&mut self) {
        (**self).power_on();
    }
    fn power_off(&mut self) {
        (**self).power_off();
    }
    fn reset(&mut self) {
        (**self).reset();
    }
    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        (**self).transmit(apdu)
    }
}

/// A card object that can be handed to the emulator thread.
pub type BoxedCard = Box<dyn VirtualCard + Send>;

/// The emulated My Number Card behind vpcd.
impl VirtualCard for crate::Card {
    fn atr(&self) -> Vec<u8> {
        crate::Card::atr(self).to_vec()
    }

    fn power_on(&mut self) {
        crate::Card::power_on(self);
    }

    fn power_off(&mut self) {
        crate::Card::power_off(self);
    }

    fn reset(&mut self) {
        crate::Card::reset(self);
    }

    /// pcscd powers the card before any APDU; should one arrive at an
    /// unpowered card anyway, it is answered `6F00` ("no precise
    /// diagnosis"), the answer card-protocol.md §3.1 reports for the first
    /// command after an unpowered reconnect.
    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        crate::Card::transmit(self, apdu).unwrap_or_else(|_| vec![0x6F, 0x00])
    }
}
