#!/usr/bin/env bash
# What the HTTP benchmarks need (docs/oqs.md "Benchmarks"): wrk, the
# closed-loop baseline of harness/oqs/benches/{server,generator}.rs.
# Idempotent; root.
set -Eeuo pipefail
if ! command -v wrk >/dev/null; then
  echo "installing wrk"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
wrk_version="$(wrk --version 2>&1 || true)"
echo "${wrk_version%%$'\n'*}"
