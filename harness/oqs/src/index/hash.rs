//! The two hashes of a serial, both bijections of `u64`, and their
//! inverses: a slot stores only part of a hash, and the index rebuilds the
//! whole serial from the slot's position and that part.

/// MurmurHash3's 64-bit finaliser (choice 0).
const MURMUR: (u64, u64) = (0xff51_afd7_ed55_8ccd, 0xc4ce_b9fe_1a85_ec53);
/// splitmix64's output multipliers (choice 1), with its shifts 30, 27, 31.
const SPLITMIX: (u64, u64) = (0xbf58_476d_1ce4_e5b9, 0x94d0_49bb_1331_11eb);

/// The multiplicative inverse of an odd `a` modulo 2^64 (Newton's
/// iteration doubles the correct low bits each round: 3, 6, … 96).
const fn inverse(a: u64) -> u64 {
    let mut x = a;
    let mut round = 0;
    while round < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
        round += 1;
    }
    x
}

/// Undoes `x ^= x >> shift`.
const fn unshift(y: u64, shift: u32) -> u64 {
    let mut x = y;
    let mut s = shift;
    while s < 64 {
        x = y ^ (x >> shift);
        s += shift;
    }
    x
}

/// The hash a slot of `choice` (0 or 1) is placed by.
#[inline]
pub(crate) fn hash(choice: u32, serial: u64) -> u64 {
    let mut h = serial;
    if choice == 0 {
        h ^= h >> 33;
        h = h.wrapping_mul(MURMUR.0);
        h ^= h >> 33;
        h = h.wrapping_mul(MURMUR.1);
        h ^ (h >> 33)
    } else {
        h = (h ^ (h >> 30)).wrapping_mul(SPLITMIX.0);
        h = (h ^ (h >> 27)).wrapping_mul(SPLITMIX.1);
        h ^ (h >> 31)
    }
}

/// The serial whose `choice` hash is `h`.
pub(crate) fn unhash(choice: u32, h: u64) -> u64 {
    if choice == 0 {
        let mut x = unshift(h, 33);
        x = x.wrapping_mul(inverse(MURMUR.1));
        x = unshift(x, 33);
        x = x.wrapping_mul(inverse(MURMUR.0));
        unshift(x, 33)
    } else {
        let mut x = unshift(h, 31);
        x = x.wrapping_mul(inverse(SPLITMIX.1));
        x = unshift(x, 27);
        x = x.wrapping_mul(inverse(SPLITMIX.0));
        unshift(x, 30)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_hashes_invert() {
        for v in [
            1u64,
            2,
            0xA,
            u64::MAX,
            0x8000_0000_0000_0000,
            0x1234_5678_9ABC_DEF0,
        ] {
            for choice in 0..2 {
                assert_eq!(unhash(choice, hash(choice, v)), v, "{choice} {v:#x}");
            }
        }
        assert_ne!(hash(0, 7), hash(1, 7));
        assert_eq!(inverse(MURMUR.0).wrapping_mul(MURMUR.0), 1);
    }
}
