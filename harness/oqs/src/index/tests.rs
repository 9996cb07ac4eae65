//! Tests of the serial index.

use super::*;

fn s(v: u64) -> Serial {
    Serial::new(v).unwrap_or_else(|| unreachable!("test serials are non-zero"))
}

#[test]
fn reissue_traces_back_to_the_registration() {
    let mut index = SerialIndex::with_capacity(4, 2);
    let p = index.add_person().unwrap_or(NONE);
    let a = index.issue(p, s(0xA), 100).unwrap_or(NONE);
    assert!(index.register(p, a).is_ok());
    assert_eq!(
        index.resolve(s(0xA)),
        Resolution::Linked { cert: a, person: p }
    );
    let b = index.issue(p, s(0xB), 200).unwrap_or(NONE);
    let c = index.issue(p, s(0xC), 300).unwrap_or(NONE);
    assert_eq!(
        index.resolve(s(0xA)),
        Resolution::Revoked { cert: a, person: p }
    );
    assert_eq!(
        index.resolve(s(0xB)),
        Resolution::Revoked { cert: b, person: p }
    );
    assert_eq!(
        index.resolve(s(0xC)),
        Resolution::Unlinked { cert: c, person: p }
    );
    assert_eq!(
        index.trace(c),
        Trace {
            registered: Some(p),
            steps: 2
        }
    );
    index.relink(p, c);
    assert_eq!(
        index.resolve(s(0xC)),
        Resolution::Linked { cert: c, person: p }
    );
    assert_eq!(index.resolve(s(0xD)), Resolution::Unknown);
}

#[test]
fn growth_keeps_every_key_and_every_id() {
    let mut index = SerialIndex::default();
    let p = index.add_person().unwrap_or(NONE);
    let mut ids = Vec::new();
    for v in 1..=5000u64 {
        ids.push(index.issue(p, s(v * 7919), 1).unwrap_or(NONE));
    }
    assert!(index.levels() > 1, "the table grew by levels");
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "ids are distinct");
    for (v, id) in (1..=5000u64).zip(&ids) {
        assert_eq!(index.find(s(v * 7919)), Some(*id), "ids never move");
        assert_eq!(index.serial(*id), Some(s(v * 7919)));
    }
    assert_eq!(index.find(s(3)), None);
    assert!(index.issue(p, s(7919), 1).is_err());
    assert_eq!(index.certificates(), 5000);
    assert_eq!(index.owner(ids[4999]), Some(p), "a 4999-step chain");
    assert_eq!(index.trace(ids[4999]).steps, 4999);
}

#[test]
fn unregistered_chain_traces_to_nothing() {
    let mut index = SerialIndex::default();
    let p = index.add_person().unwrap_or(NONE);
    let q = index.add_person().unwrap_or(NONE);
    let _ = index.issue(p, s(1), 1);
    let b = index.issue(p, s(2), 1).unwrap_or(NONE);
    let qa = index.issue(q, s(3), 1).unwrap_or(NONE);
    assert!(index.register(q, qa).is_ok());
    assert_eq!(
        index.trace(b),
        Trace {
            registered: None,
            steps: 1
        }
    );
    assert!(
        index.register(p, qa).is_err(),
        "a person cannot register another person's certificate"
    );
}

#[test]
fn cancellation_follows_the_link_and_registration_clears_it() {
    let mut index = SerialIndex::default();
    let p = index.add_person().unwrap_or(NONE);
    let a = index.issue(p, s(0x10), 1).unwrap_or(NONE);
    assert!(index.register(p, a).is_ok());
    index.cancel(p);
    assert!(index.is_cancelled(p));
    assert!(!index.is_registered(p));
    assert_eq!(
        index.resolve(s(0x10)),
        Resolution::Cancelled { cert: a, person: p }
    );
    let b = index.issue(p, s(0x20), 2).unwrap_or(NONE);
    assert_eq!(
        index.owner(b),
        Some(p),
        "the holder is found through the chain"
    );
    assert_eq!(index.previous(b), Some(a));
    assert_eq!(
        index.trace(b),
        Trace {
            registered: None,
            steps: 1
        },
        "a cancelled registration is not found by tracing"
    );
    index.relink(p, b);
    assert_eq!(index.linked(p), Some(b));
    assert_eq!(
        index.resolve(s(0x20)),
        Resolution::Cancelled { cert: b, person: p },
        "the cancellation moves with the link"
    );
    assert!(index.register(p, b).is_ok());
    assert!(!index.is_cancelled(p));
    assert_eq!(
        index.resolve(s(0x20)),
        Resolution::Linked { cert: b, person: p }
    );
    assert_eq!(
        index.resolve(s(0x10)),
        Resolution::Revoked { cert: a, person: p }
    );
}

#[test]
fn a_foreign_certificate_is_not_linked_and_ids_out_of_range_are_nothing() {
    let mut index = SerialIndex::with_capacity(2, 2);
    let p = index.add_person().unwrap_or(NONE);
    let q = index.add_person().unwrap_or(NONE);
    let pa = index.issue(p, s(1), 1).unwrap_or(NONE);
    let qa = index.issue(q, s(2), 1).unwrap_or(NONE);
    index.relink(p, qa);
    assert_eq!(index.linked(p), None);
    assert_eq!(index.linked(q), None);
    index.revoke(pa);
    assert!(index.is_revoked(pa) && !index.is_active(pa));
    assert!(index.register(p, pa).is_err());
    assert_eq!(index.owner(99), None);
    assert_eq!(index.not_after(99), None);
    assert!(!index.is_active(99));
    assert!(index.issue(7, s(3), 1).is_err(), "no such person");
    index.set_not_after(qa, 77);
    assert_eq!(index.not_after(qa), Some(77));
}

/// Deterministic scattered test serials (splitmix64), never zero.
fn scattered(i: u64) -> u64 {
    hash::hash(1, i.wrapping_add(0x5EED)) | 1
}

#[test]
fn the_national_layout_is_73_bits_seven_to_a_line() {
    // 87.3 M persons, one in five re-issued, plus the benchmark's 2,048.
    let layout = level::Layout::new(0, 104_762_048, 87_301_024);
    let layout = layout.unwrap_or_else(|| unreachable!("fits"));
    assert_eq!((layout.width, layout.slots), (73, 7));
    let bytes = layout.lines * 64 + layout.lines * 7 * 2;
    assert!(
        bytes as f64 / 104_762_048.0 <= 12.2,
        "{bytes} bytes of lines and expiry days"
    );
    // The first 10⁶ and 10⁷ of the benchmark, and a small model.
    for (serials, persons) in [(1_202_048, 1_001_024), (12_002_048, 10_001_024)] {
        let layout = level::Layout::new(0, serials, persons).unwrap_or_else(|| unreachable!());
        assert_eq!(layout.slots, 7, "{serials}: {layout:?}");
    }
    assert!(level::Layout::new(u32::MAX - 64, 1000, 10).is_none());
}

#[test]
fn misses_are_exact_even_beside_a_stored_remainder() {
    let mut index = SerialIndex::with_capacity(20_000, 20_000);
    let mut serials = Vec::new();
    for i in 0..20_000u64 {
        let p = index.add_person().unwrap_or(NONE);
        let v = scattered(i);
        assert!(index.issue(p, s(v), 1).is_ok());
        serials.push(v);
    }
    assert!(index.levels() >= 2, "the first level overflowed");
    let span = index.levels.first().map_or(1, Level::span);
    let issued: std::collections::HashSet<u64> = serials.iter().copied().collect();
    let mut probed = 0;
    for v in &serials {
        for choice in 0..2 {
            // Same remainder in the neighbouring lines, and the neighbouring
            // remainders in the same line: other serials, never found.
            let h = hash::hash(choice, *v);
            for other in [
                h.wrapping_add(span),
                h.wrapping_sub(span),
                h.wrapping_add(1),
                h.wrapping_sub(1),
            ] {
                let w = hash::unhash(choice, other);
                if w == 0 || issued.contains(&w) {
                    continue;
                }
                probed += 1;
                assert_eq!(index.resolve(s(w)), Resolution::Unknown, "{w:#x}");
            }
        }
    }
    assert!(probed > 150_000);
    for j in 0..100_000u64 {
        let w = scattered(1 << 40 | j);
        assert_eq!(index.find(s(w)), None);
    }
}

#[test]
fn a_full_line_pair_goes_to_the_next_level_and_is_found_there() {
    // Two lines of seven: 200 serials overflow it again and again.
    let mut index = SerialIndex::with_capacity(1, 1);
    assert_eq!(index.levels(), 1);
    let p = index.add_person().unwrap_or(NONE);
    let mut ids = Vec::new();
    for i in 0..200u64 {
        ids.push(index.issue(p, s(scattered(i)), i as u16).unwrap_or(NONE));
    }
    assert!(index.levels() >= 3, "{} levels", index.levels());
    for (i, id) in (0..200u64).zip(&ids) {
        assert_eq!(index.find(s(scattered(i))), Some(*id));
        assert_eq!(index.not_after(*id), Some(i as u16));
        assert_eq!(index.serial(*id), Some(s(scattered(i))));
    }
    for i in 200..2000u64 {
        assert_eq!(index.find(s(scattered(i))), None);
    }
    // The first level filled at once: what went past it is not in its
    // filter, and its "no" sends the lookup on instead of ending it.
    let first = &index.levels[0];
    assert!(!first.ends_search());
    let past_a_no = (0..200u64)
        .filter(|i| !first.filter_passes(Level::hashes(scattered(*i))))
        .count();
    assert!(past_a_no > 50, "{past_a_no}");
    // Every re-issue superseded the one before; the newest resolves.
    let newest = ids[199];
    assert_eq!(index.newest(p), Some(newest));
    assert!(ids[..199].iter().all(|id| !index.is_active(*id)));
    assert_eq!(
        index.resolve(s(scattered(199))),
        Resolution::Unlinked {
            cert: newest,
            person: p
        }
    );
}

#[test]
fn persons_beyond_the_first_level_s_link_range_go_to_a_new_level() {
    let mut index = SerialIndex::with_capacity(100, 1);
    let mut expected = Vec::new();
    for i in 0..5000u64 {
        let p = index.add_person().unwrap_or(NONE);
        let c = index.issue(p, s(scattered(i)), 9).unwrap_or(NONE);
        assert!(index.register(p, c).is_ok());
        expected.push((p, c));
    }
    for (i, (p, c)) in (0..5000u64).zip(&expected) {
        assert_eq!(
            index.resolve(s(scattered(i))),
            Resolution::Linked {
                cert: *c,
                person: *p
            }
        );
        assert!(index.is_registered(*p));
    }
}

#[test]
fn the_index_reports_its_bytes() {
    let index = SerialIndex::with_capacity(1_000, 1_000);
    let bytes = index.bytes_allocated();
    // 1,000 / 0.96 slots in 149 lines of 7 (64 B each), 6 filter bits and
    // a 2-byte day per slot, 11 bits (ids below 149 × 8) + 1 bit per person.
    assert!((13_800..14_000).contains(&bytes), "{bytes}");
    let persons = index.person_bytes_allocated();
    assert!((1_375..1_600).contains(&persons), "{persons}");
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Against a `HashMap`: every issued serial is found with the id
        /// `issue` gave, rebuilds from its slot and names its holder;
        /// duplicates are refused; anything else is unknown.
        #[test]
        fn agrees_with_a_hash_map(
            capacity in 0usize..300,
            ops in prop::collection::vec((0u32..20, 1u64..400), 1..600),
            misses in prop::collection::vec(1u64..u64::MAX, 0..50),
        ) {
            let mut index = SerialIndex::with_capacity(capacity, 4);
            let mut persons = Vec::new();
            let mut naive: HashMap<u64, (CertId, PersonId)> = HashMap::new();
            for (who, raw) in ops {
                let who = who as usize;
                while persons.len() <= who {
                    persons.push(index.add_person().unwrap_or(NONE));
                }
                let person = persons[who];
                // Small and scattered serials both.
                let serial = if raw % 2 == 0 { raw } else { scattered(raw) };
                match index.issue(person, s(serial), 1) {
                    Ok(cert) => {
                        prop_assert!(!naive.contains_key(&serial));
                        naive.insert(serial, (cert, person));
                    }
                    Err(_) => prop_assert!(naive.contains_key(&serial)),
                }
            }
            prop_assert_eq!(index.certificates(), naive.len());
            for (serial, (cert, person)) in &naive {
                prop_assert_eq!(index.find(s(*serial)), Some(*cert));
                prop_assert_eq!(index.serial(*cert), Some(s(*serial)));
                prop_assert_eq!(index.owner(*cert), Some(*person));
            }
            for miss in misses {
                if !naive.contains_key(&miss) {
                    prop_assert_eq!(index.resolve(s(miss)), Resolution::Unknown);
                }
            }
        }
    }
}

#[test]
fn a_bulk_load_equals_issue_then_register() {
    let mut one = SerialIndex::with_capacity(300, 100);
    let mut bulk = SerialIndex::with_capacity(300, 100);
    let mut batch = Vec::new();
    for p in 0..100u32 {
        assert_eq!(one.add_person().ok(), Some(p));
        assert_eq!(bulk.add_person().ok(), Some(p));
    }
    // First certificates (registered or not), then re-issues of every
    // third person, registered or not; one person cancelled in between.
    for round in 0..3u64 {
        for p in 0..100u32 {
            if round > 0 && p % 3 != 0 {
                continue;
            }
            let register = (p + round as u32).is_multiple_of(2);
            let serial = s(scattered(round << 32 | u64::from(p)));
            let c = one.issue(p, serial, round as u16).unwrap_or(NONE);
            if register {
                assert!(one.register(p, c).is_ok());
            }
            batch.push(Issue {
                person: p,
                serial,
                not_after_day: round as u16,
                register,
            });
        }
    }
    let mut ids = Vec::new();
    assert!(bulk.issue_all(&batch, &mut ids).is_ok());
    assert_eq!(ids.len(), batch.len());
    for (issue, id) in batch.iter().zip(&ids) {
        assert_eq!(one.resolve(issue.serial), bulk.resolve(issue.serial));
        assert_eq!(bulk.find(issue.serial), Some(*id));
        assert_eq!(one.not_after(*id), bulk.not_after(*id));
    }
    for p in 0..100u32 {
        assert_eq!(one.linked(p), bulk.linked(p), "p{p}");
        assert_eq!(one.newest(p), bulk.newest(p));
    }
    let again = [batch[0]];
    assert!(bulk.issue_all(&again, &mut ids).is_err(), "a duplicate");
}

#[test]
fn filter_false_positives_and_filtered_levels_answer_exactly() {
    // Overflowed (not full), so that some serials went past the first
    // level: its filter holds them too, so that its "no" ends a lookup.
    let mut index = SerialIndex::with_capacity(20_000, 20_000);
    let mut serials = Vec::new();
    for i in 0..21_000u64 {
        let p = index.add_person().unwrap_or(NONE);
        let v = scattered(i);
        let c = index.issue(p, s(v), 1).unwrap_or(NONE);
        assert!(index.register(p, c).is_ok());
        serials.push((v, c, p));
    }
    assert!(index.levels() >= 2, "the first level overflowed");
    let first = &index.levels[0];
    assert!(first.ends_search(), "the first level is not full");
    let mut later = 0;
    for (v, c, p) in &serials {
        assert_eq!(
            index.resolve(s(*v)),
            Resolution::Linked {
                cert: *c,
                person: *p
            }
        );
        later += usize::from(*c >= first.end());
        assert!(first.filter_passes(Level::hashes(*v)), "no false negative");
    }
    assert!(later > 100, "{later} in later levels");
    // Never-issued serials the filter lets through: its false positives,
    // answered by the lines.
    let false_positives = (0..50_000u64)
        .map(|j| scattered(1 << 41 | j))
        .filter(|w| first.filter_passes(Level::hashes(*w)))
        .inspect(|w| assert_eq!(index.resolve(s(*w)), Resolution::Unknown))
        .count();
    assert!(false_positives > 100, "{false_positives}");
}

#[test]
fn person_ids_widen_past_the_first_level_s_range() {
    // A first level of 64 slots: ids of later levels need more bits.
    let mut index = SerialIndex::with_capacity(1, 1);
    let mut held = Vec::new();
    for i in 0..3000u64 {
        let p = index.add_person().unwrap_or(NONE);
        held.push((p, index.issue(p, s(scattered(i)), 1).unwrap_or(NONE)));
    }
    assert!(held.iter().any(|(_, c)| *c >= 1 << 10));
    assert!(held.iter().all(|(p, c)| index.newest(*p) == Some(*c)));
}
