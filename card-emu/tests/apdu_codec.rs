//! Property tests of the APDU codec: parsing never panics, and
//! build → bytes → parse gives back the same command.

use myna_card_emu::apdu::{
    Command, CommandApdu, Instruction, Le, LengthForm, ResponseApdu, StatusWord,
};
use proptest::prelude::*;

fn form() -> impl Strategy<Value = LengthForm> {
    prop_oneof![Just(LengthForm::Short), Just(LengthForm::Extended)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any bytes: parse never panics; whatever parses re-encodes to the
    /// same bytes; decoding into a Command never panics and never yields 9000
    /// as an error.
    #[test]
    fn parse_never_panics_and_reencodes_exactly(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        match CommandApdu::parse(&bytes) {
            Ok(apdu) => {
                prop_assert_eq!(apdu.to_bytes(), bytes);
                if let Err(sw) = Command::try_from(&apdu) {
                    prop_assert!(!sw.is_success());
                }
            }
            Err(error) => prop_assert_eq!(error.status_word(), StatusWord::WRONG_LENGTH),
        }
    }

    /// Structured APDUs of every case and form round-trip.
    #[test]
    fn build_bytes_parse_round_trip(
        header in any::<[u8; 4]>(),
        data in prop_oneof![
            3 => proptest::collection::vec(any::<u8>(), 0..300),
            1 => proptest::collection::vec(any::<u8>(), 60000..=65535),
        ],
        le in proptest::option::of(prop_oneof![1u32..=256, 257u32..=65536, Just(256u32), Just(65536u32)]),
        form in form(),
    ) {
        let [cla, ins, p1, p2] = header;
        match CommandApdu::with_form(cla, ins, p1, p2, data.clone(), le, form) {
            Ok(apdu) => {
                let bytes = apdu.to_bytes();
                let parsed = CommandApdu::parse(&bytes);
                prop_assert_eq!(parsed.as_ref(), Ok(&apdu));
                prop_assert_eq!(apdu.data(), &data[..]);
                prop_assert_eq!(apdu.le().map(Le::effective), le);
                prop_assert_eq!([apdu.cla, apdu.ins, apdu.p1, apdu.p2], header);
            }
            Err(_) => {
                let short_fits = data.len() <= 255 && le.is_none_or(|le| le <= 256);
                let extended_fits = data.len() <= 65535 && le.is_none_or(|le| le <= 65536);
                let fits = match form {
                    LengthForm::Short => short_fits,
                    LengthForm::Extended => extended_fits,
                };
                prop_assert!(!fits);
            }
        }
    }

    /// `CommandApdu::new` picks the short form whenever it fits.
    #[test]
    fn new_prefers_short(data in proptest::collection::vec(any::<u8>(), 0..300), le in proptest::option::of(1u32..=300)) {
        let apdu = CommandApdu::new(0, 0xB0, 0, 0, data.clone(), le).expect("always fits extended");
        let short = data.len() <= 255 && le.is_none_or(|le| le <= 256);
        prop_assert_eq!(apdu.form() == LengthForm::Short, short || (data.is_empty() && le.is_none()));
    }

    /// Le raw/effective: 0 means 256 short and 65536 extended.
    #[test]
    fn le_effective_and_raw(effective in 1u32..=65536, form in form()) {
        match Le::from_effective(effective, form) {
            Some(le) => {
                prop_assert_eq!(le.effective(), effective);
                prop_assert_eq!(le.form(), form);
                prop_assert_eq!(le.raw() == 0, effective == 256 && form == LengthForm::Short || effective == 65536);
            }
            None => prop_assert!(form == LengthForm::Short && effective > 256),
        }
    }

    /// Every status word and instruction round-trips; Debug always shows the hex.
    #[test]
    fn open_sets_round_trip(value in any::<u16>(), ins in any::<u8>()) {
        let sw = StatusWord(value);
        prop_assert_eq!(StatusWord::from_bytes(sw.sw1(), sw.sw2()), sw);
        prop_assert_eq!(u16::from(sw), value);
        let hex_text = format!("{value:04X}");
        let debug = format!("{sw:?}");
        prop_assert!(debug.contains(&hex_text));
        prop_assert_eq!(sw.to_string(), hex_text);
        prop_assert_eq!(Instruction::from(ins).0, ins);
        let debug = format!("{:?}", Instruction(ins));
        let ins_hex = format!("{ins:02X}");
        prop_assert!(debug.contains(&ins_hex));
    }

    /// R-APDUs round-trip.
    #[test]
    fn response_round_trip(data in proptest::collection::vec(any::<u8>(), 0..300), value in any::<u16>()) {
        let response = ResponseApdu { data, sw: StatusWord(value) };
        prop_assert_eq!(ResponseApdu::parse(&response.to_bytes()), Ok(response));
    }
}

#[test]
fn short_and_extended_le_zero() {
    assert_eq!(Le::short(0).effective(), 256);
    assert_eq!(Le::extended(0).effective(), 65536);
    assert_eq!(Le::extended(0x0632).effective(), 0x632);
    assert!(Le::from_effective(0, LengthForm::Extended).is_none());
}

#[test]
fn extended_case_encodings() {
    let case2 = CommandApdu::with_form(0, 0xB0, 0, 0, vec![], Some(0x632), LengthForm::Extended)
        .expect("valid");
    assert_eq!(case2.to_bytes(), [0x00, 0xB0, 0x00, 0x00, 0x00, 0x06, 0x32]);
    let case3 = CommandApdu::with_form(0x80, 0xAE, 0, 0, vec![0xAA; 3], None, LengthForm::Extended)
        .expect("valid");
    assert_eq!(
        case3.to_bytes(),
        [0x80, 0xAE, 0, 0, 0, 0, 3, 0xAA, 0xAA, 0xAA]
    );
    let case4 =
        CommandApdu::with_form(0, 0x88, 0, 0x99, vec![1], Some(65536), LengthForm::Extended)
            .expect("valid");
    assert_eq!(case4.to_bytes(), [0, 0x88, 0, 0x99, 0, 0, 1, 1, 0, 0]);
    assert_eq!(case4.case(), 4);
    let case1 =
        CommandApdu::with_form(0, 0xA4, 0, 0, vec![], None, LengthForm::Extended).expect("valid");
    assert_eq!(
        (case1.form(), case1.to_bytes()),
        (LengthForm::Short, vec![0, 0xA4, 0, 0])
    );
}
