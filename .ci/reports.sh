#!/usr/bin/env bash
# What the report tests need (docs/reports.md): headless Chromium for the
# report.html browser test, xmllint for the JUnit XSD test, CJK fonts so
# the screenshot shows the Japanese requirement texts. Idempotent; root.
set -Eeuo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v openssl >/dev/null || need+=(openssl)
# Here-strings, not pipes into grep -q/head: under pipefail the writer's
# SIGPIPE (exit 141) would fail the step.
fonts="$(fc-list 2>/dev/null || true)"
grep -qi 'noto.*cjk' <<<"$fonts" || need+=(fonts-noto-cjk)
if ((${#need[@]})); then
  echo "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
chromium --version
xmllint_version="$(xmllint --version 2>&1 || true)"
echo "${xmllint_version%%$'\n'*}"
# The CI recipes' check (.ci/recipes.py): the GitHub and GitLab schemas
# check-jsonschema vendors, and PyYAML to read the recipes.
if ! python3 -c 'import yaml' 2>/dev/null || ! python3 -m check_jsonschema --version >/dev/null 2>&1; then
  echo "installing check-jsonschema and PyYAML (pip)"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore 'check-jsonschema==0.39.0' 'PyYAML>=6,<7'
fi
python3 -m check_jsonschema --version
