//! Division by a level's fixed divisors without a division instruction.
//!
//! A level divides by two numbers fixed when it is made: every probe splits
//! a hash by `span` ([`Span`]), and every slot decode splits a slot's value
//! by `radix` ([`Radix`]). A 64-bit `div` costs tens of cycles and a
//! 128-bit one is a library call, so both are done with precomputed
//! reciprocals instead: a multiplication, a product subtracted back and at
//! most one or two corrections, each result exact (checked against `/` and
//! `%` in the tests below).

/// Division of any `u64` by `span = ⌈2^64 / lines⌉` (as
/// `Layout::new` makes it, `2 ≤ lines < 2^32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    span: u64,
    lines: u64,
}

impl Span {
    pub(crate) fn new(span: u64, lines: u64) -> Span {
        Span { span, lines }
    }

    /// `(h / span, h % span)`.
    ///
    /// The estimate `⌊h × lines / 2^64⌋` is never below the quotient
    /// (`span ≥ 2^64 / lines`) and exceeds it by at most one: the two
    /// ratios differ by less than `h × lines² / 2^128 < 1` since
    /// `lines < 2^32`. The estimate is at most `lines − 1`, and
    /// `(lines − 1) × span < 2^64`, so the product does not wrap; when it
    /// exceeds `h` the subtraction borrows and one step back corrects it.
    #[inline]
    pub(crate) fn div_rem(&self, h: u64) -> (u64, u64) {
        let q = ((u128::from(h) * u128::from(self.lines)) >> 64) as u64;
        let (r, borrow) = h.overflowing_sub(q.wrapping_mul(self.span));
        if borrow {
            (q.wrapping_sub(1), r.wrapping_add(self.span))
        } else {
            (q, r)
        }
    }
}

/// Division of a `u128` below `radix × 2^64` by a fixed `u64` `radix`
/// (Möller and Granlund, "Improved division by invariant integers", 2011:
/// the 2-by-1 division with a precomputed reciprocal of the divisor
/// shifted until its top bit is set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Radix {
    /// The divisor shifted left by `shift` (top bit set).
    normal: u64,
    shift: u32,
    /// `⌊(2^128 − 1) / normal⌋ − 2^64`.
    inverse: u64,
}

impl Radix {
    /// `radix` must not be 0 (a level's radix is at least 2 × 12 × 2).
    pub(crate) fn new(radix: u64) -> Radix {
        let radix = radix.max(1);
        let shift = radix.leading_zeros();
        let normal = radix << shift;
        let inverse = (u128::MAX / u128::from(normal)).wrapping_sub(1 << 64) as u64;
        Radix {
            normal,
            shift,
            inverse,
        }
    }

    /// `(n / radix, n % radix)` for `n < radix × 2^64` (a slot's value:
    /// its remainder, the high part, is below `span ≤ 2^64`). Larger `n`
    /// give a wrong but harmless result (no panic).
    #[inline]
    pub(crate) fn div_rem(&self, n: u128) -> (u64, u64) {
        // n × 2^shift < normal × 2^64: its high word is below `normal`.
        let n = n << self.shift;
        let high = (n >> 64) as u64;
        let low = n as u64;
        let estimate = (u128::from(high) * u128::from(self.inverse))
            .wrapping_add((u128::from(high.wrapping_add(1)) << 64) | u128::from(low));
        let mut q = (estimate >> 64) as u64;
        let mut r = low.wrapping_sub(q.wrapping_mul(self.normal));
        if r > estimate as u64 {
            q = q.wrapping_sub(1);
            r = r.wrapping_add(self.normal);
        }
        if r >= self.normal {
            q = q.wrapping_add(1);
            r = r.wrapping_sub(self.normal);
        }
        (q, r >> self.shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// splitmix64, for spread test inputs.
    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[test]
    fn span_division_is_exact() {
        let mut state = 1u64;
        let mut line_counts = vec![
            2u64,
            3,
            7,
            64,
            1000,
            16_089_000,
            (1 << 29) - 3,
            u32::MAX.into(),
        ];
        line_counts.extend((0..40).map(|_| 2 + next(&mut state) % (1 << 31)));
        for lines in line_counts {
            let span = u64::try_from(u128::from(u64::MAX) / u128::from(lines) + 1).unwrap();
            let divide = Span::new(span, lines);
            let mut inputs = vec![0u64, 1, u64::MAX, u64::MAX - 1, span - 1, span, span + 1];
            for k in [1u64, 2, lines / 2, lines - 1] {
                let edge = k.saturating_mul(span);
                inputs.extend([edge.saturating_sub(1), edge, edge.saturating_add(1)]);
            }
            inputs.extend((0..2000).map(|_| next(&mut state)));
            for h in inputs {
                assert_eq!(divide.div_rem(h), (h / span, h % span), "{h} / {span}");
            }
        }
    }

    #[test]
    fn radix_division_is_exact() {
        let mut state = 2u64;
        let mut radices = vec![
            1u64,
            2,
            3,
            48,
            5_184_000_024,
            1 << 33,
            (1 << 63) + 1,
            u64::MAX,
        ];
        radices.extend((0..40).map(|_| 1 + (next(&mut state) >> (next(&mut state) % 63))));
        for radix in radices {
            let divide = Radix::new(radix);
            let d = u128::from(radix);
            let top = d << 64;
            let mut inputs = vec![0u128, 1, d - 1, d, d + 1, top - 1, top - d, top - d - 1];
            inputs.extend((0..2000).map(|_| {
                let n = (u128::from(next(&mut state)) << 64) | u128::from(next(&mut state));
                n % top
            }));
            inputs.extend((0..500).map(|_| {
                let q = u128::from(next(&mut state));
                let r = u128::from(next(&mut state)) % d;
                q * d + r
            }));
            for n in inputs {
                let (q, r) = divide.div_rem(n);
                assert_eq!(
                    (u128::from(q), u128::from(r)),
                    (n / d, n % d),
                    "{n} / {radix}"
                );
            }
        }
    }
}
