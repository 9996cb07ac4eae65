#!/usr/bin/env bash
# Installs the independent My Number Card clients that the interop tests
# (harness/cli/tests/interop_*.rs) run against the emulator behind pcscd:
# OpenSC comes with .ci/pcscd.sh; this adds jpki-cli from crates.io and the
# tools its test uses (openssl to verify signatures, python3 for the
# pseudo-terminal that types PINs, .ci/pty-run.py).
#
#   bash .ci/clients.sh
#
# Idempotent: jpki-cli is built only when that version is not installed
# (about two minutes on two cores), Debian packages only when missing.
set -Eeuo pipefail

JPKI_CLI_VERSION=0.4.3

say() { printf 'clients.sh: %s\n' "$*" >&2; }
trap 'say "failed at line $LINENO: $BASH_COMMAND"' ERR

missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v python3 >/dev/null || missing+=(python3)
if [[ ${#missing[@]} -gt 0 ]]; then
    say "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bin="${CARGO_HOME:-$HOME/.cargo}/bin/jpki-cli"
if [[ -x "$bin" ]] && grep -q " $JPKI_CLI_VERSION\$" <<<"$("$bin" --version 2>/dev/null || true)"; then
    say "jpki-cli $JPKI_CLI_VERSION present"
else
    say "building jpki-cli $JPKI_CLI_VERSION (cargo install --locked)"
    # pcsc-sys links libpcsclite; without libpcsclite-dev only the runtime
    # library is there (see .cargo/config.toml, whose [env] cargo install
    # does not read).
    PCSC_LIB_DIR="${PCSC_LIB_DIR:-/usr/lib/x86_64-linux-gnu}" \
    PCSC_LIB_NAME="${PCSC_LIB_NAME:-dylib:+verbatim=libpcsclite.so.1}" \
        cargo install jpki-cli --version "$JPKI_CLI_VERSION" --locked --quiet
fi
"$bin" --version >&2
