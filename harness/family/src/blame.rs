//! Who is at fault when a step or a scenario ends in `error`.

/// Who is at fault. Every variant maps to one documented exit code and no
/// match on it has a `_` arm (Architecture Invariant).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Blame {
    /// The implementation under test misbehaved on the wire.
    Iut,
    /// The target's environment broke (transport, service, card removed).
    Environment,
    /// The scenario asks for something impossible, or something only a run
    /// can find is wrong with it (a template that resolves to nothing).
    Author,
    /// A bug in myna-conform itself.
    Harness,
}

impl Blame {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Blame::Iut => "iut",
            Blame::Environment => "environment",
            Blame::Author => "author",
            Blame::Harness => "harness",
        }
    }
}

/// Documented exit codes (DESIGN §7, README). They live beside [`Blame`]
/// so that the mapping can match every variant of the `non_exhaustive`
/// enum without a `_` arm.
pub mod exit_code {
    use super::Blame;

    /// All pass, or only expected failures (warnings included).
    pub const OK: i32 = 0;
    /// Conformance failures.
    pub const FAILURES: i32 = 1;
    /// Bad input: a scenario, the catalogue, or the arguments.
    pub const BAD_INPUT: i32 = 2;
    /// Infrastructure error: IUT unreachable, pcscd missing, transport broken.
    pub const INFRASTRUCTURE: i32 = 3;
    /// Internal error: a bug in myna-conform itself (please report it).
    pub const INTERNAL: i32 = 4;

    /// The exit code of a run whose worst `error` is blamed on `blame`.
    pub fn of_blame(blame: Blame) -> i32 {
        match blame {
            Blame::Iut => FAILURES,
            Blame::Environment => INFRASTRUCTURE,
            Blame::Author => BAD_INPUT,
            Blame::Harness => INTERNAL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_blame_has_its_own_exit_code() {
        let all = [
            Blame::Iut,
            Blame::Environment,
            Blame::Author,
            Blame::Harness,
        ];
        let codes: Vec<i32> = all.iter().map(|b| exit_code::of_blame(*b)).collect();
        assert_eq!(codes, [1, 3, 2, 4]);
        // Worse blame sorts later: the run's exit code follows the worst.
        assert!(all.windows(2).all(|w| w[0] < w[1]));
    }
}
