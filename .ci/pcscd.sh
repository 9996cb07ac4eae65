#!/usr/bin/env bash
# Start (or stop) a pcscd with the vsmartcard vpcd driver, so that the
# emulated card can be put behind a real PC/SC stack (DESIGN.md §2, §11).
#
#   bash .ci/pcscd.sh          install what is missing, start pcscd, list readers
#   bash .ci/pcscd.sh start    same
#   bash .ci/pcscd.sh status   list the readers if pcscd answers (exit 1 otherwise)
#   bash .ci/pcscd.sh stop     stop the pcscd this script started
#
# Idempotent: packages already installed are not reinstalled, a running pcscd
# is reused. Needs root (apt-get, and pcscd opens /run/pcscd).
#
# Environment:
#   PCSCD_WAIT_SECONDS  how long to wait for pcscd to answer (default 20)
#   PCSCD_LOG           pcscd's log file (default ${TMPDIR:-/tmp}/myna-pcscd.log)
#   PCSCD_DEBUG         1 (default): pcscd --debug, every call logged; 0: errors only
#                       (for benchmarks: the debug log writes lines per call and
#                       grows by ~100 MB a benchmark run)
set -Eeuo pipefail

PACKAGES=(pcscd vsmartcard-vpcd opensc)
STATE_DIR="${TMPDIR:-/tmp}"
PID_FILE="$STATE_DIR/myna-pcscd.pid"
LOG_FILE="${PCSCD_LOG:-$STATE_DIR/myna-pcscd.log}"
WAIT_SECONDS="${PCSCD_WAIT_SECONDS:-20}"
DEBUG_FLAGS=(--debug)
[[ "${PCSCD_DEBUG:-1}" == 0 ]] && DEBUG_FLAGS=()
APT_STAMP="$STATE_DIR/myna-pcscd.apt-updated"

say() { printf 'pcscd.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

trap 'say "failed at line $LINENO: $BASH_COMMAND"' ERR

need_root() {
    [[ "$(id -u)" -eq 0 ]] || die "must run as root (apt-get and pcscd need it); try: sudo bash $0 ${1:-start}"
}

missing_packages() {
    local pkg
    for pkg in "${PACKAGES[@]}"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != *'install ok installed'* ]]; then
            printf '%s\n' "$pkg"
        fi
    done
}

install_packages() {
    local missing
    mapfile -t missing < <(missing_packages)
    if [[ ${#missing[@]} -eq 0 ]]; then
        say "packages present: ${PACKAGES[*]}"
        return
    fi
    if [[ ! -e "$APT_STAMP" ]]; then
        say "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        touch "$APT_STAMP"
    fi
    say "installing: ${missing[*]}"
    # Package post-install scripts may try to start pcscd through systemd,
    # which does not exist in containers; policy-rc.d keeps them quiet.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Prints the reader names, one a line; fails when pcscd does not answer.
list_readers() {
    local out
    out="$(opensc-tool --list-readers 2>&1)" || return 1
    # opensc-tool prints "No smart card readers found." when pcscd is
    # unreachable as well as when it has no reader.
    grep -q 'No smart card readers found' <<<"$out" && return 1
    sed -n 's/^[[:space:]]*[0-9][0-9]*[[:space:]]\{1,\}[A-Za-z-]*[[:space:]]\{1,\}//p' <<<"$out"
}

pcscd_pid() {
    # The pid recorded by this script when it is still a pcscd; otherwise
    # the daemon's own pid file.
    local pid
    for file in "$PID_FILE" /run/pcscd/pcscd.pid; do
        [[ -r "$file" ]] || continue
        pid="$(tr -dc '0-9' <"$file")"
        [[ -n "$pid" ]] || continue
        if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == pcscd ]]; then
            printf '%s\n' "$pid"
            return 0
        fi
    done
    return 1
}

start() {
    need_root start
    install_packages
    command -v pcscd >/dev/null || die "pcscd not on PATH after installing ${PACKAGES[*]}"
    if pid="$(pcscd_pid)"; then
        say "pcscd already running (pid $pid)"
    else
        say "starting pcscd (log: $LOG_FILE)"
        mkdir -p "$STATE_DIR"
        # A stale socket from a killed pcscd makes the new one refuse to start.
        rm -f /run/pcscd/pcscd.comm
        # pcscd outlives this script: it must not inherit the caller's other
        # descriptors (a test's slot lock taken with flock(1) would be held
        # for as long as pcscd runs).
        (
            for fd in /proc/self/fd/*; do
                fd="${fd##*/}"
                if [[ "$fd" -gt 2 ]]; then eval "exec $fd>&-" 2>/dev/null || true; fi
            done
            exec pcscd --foreground "${DEBUG_FLAGS[@]}"
        ) >"$LOG_FILE" 2>&1 &
        pid=$!
        echo "$pid" >"$PID_FILE"
        disown || true
    fi
    local waited=0 readers=""
    until readers="$(list_readers)" && grep -q 'Virtual PCD' <<<"$readers"; do
        # Alive is enough: right after the fork the child may not have
        # become pcscd yet (its comm is still the shell's).
        if ! kill -0 "$pid" 2>/dev/null; then
            say "pcscd exited; last log lines:"
            tail -n 20 "$LOG_FILE" >&2 || true
            exit 1
        fi
        if (( waited >= WAIT_SECONDS * 2 )); then
            say "pcscd did not show the vpcd readers within ${WAIT_SECONDS}s; last log lines:"
            tail -n 20 "$LOG_FILE" >&2 || true
            exit 1
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
    say "pcscd is up; readers:"
    printf '%s\n' "$readers"
}

status() {
    local readers
    if readers="$(list_readers)"; then
        printf '%s\n' "$readers"
    else
        say "pcscd not answering"
        exit 1
    fi
}

stop() {
    local pid
    if [[ -r "$PID_FILE" ]] && pid="$(tr -dc '0-9' <"$PID_FILE")" && [[ -n "$pid" ]] \
        && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == pcscd ]]; then
        say "stopping pcscd (pid $pid)"
        kill "$pid"
        local n=0
        while kill -0 "$pid" 2>/dev/null && (( n < 50 )); do sleep 0.1; n=$((n + 1)); done
        kill -0 "$pid" 2>/dev/null && die "pcscd (pid $pid) did not stop"
        rm -f "$PID_FILE"
    else
        rm -f "$PID_FILE"
        say "no pcscd started by this script is running"
    fi
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) die "unknown command '${1}'; use start, status or stop" ;;
esac
