#!/usr/bin/env bash
# The portal's OpenAPI document checked by third-party tools from PyPI
# (pinned): openapi-spec-validator validates harness/portal/openapi.yaml
# (harness/portal/tests/openapi.rs runs it too, mandatory when CI=true);
# with a URL, schemathesis tests that server against the document it
# serves (.ci/schemathesis.toml: fixed seed, 20 examples per operation).
#   bash .ci/portal-api.sh install
#   bash .ci/portal-api.sh schemathesis http://127.0.0.1:18090 reports/schemathesis
set -Eeuo pipefail
cd "$(dirname "$0")/.."
validator='openapi-spec-validator==0.9.0'
fuzzer='schemathesis==4.32.5'

# schemathesis brings pytest, hypothesis and more: a virtualenv of its own
# keeps them out of the python3 the other CI tools use.
venv="${TMPDIR:-/tmp}/myna-conform-schemathesis"

case "${1:-}" in
  install)
    # As a module of python3, not a console script: pyenv's shims would not
    # know a script pip just installed.
    # The pinned versions, not merely some version: an older one is replaced.
    have="$(python3 -m pip show openapi-spec-validator 2>/dev/null || true)"
    if [[ "$have" != *"Version: ${validator#*==}"* ]]; then
      echo "installing $validator (pip)"
      python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "$validator"
    fi
    have="$("$venv/bin/python" -m pip show schemathesis 2>/dev/null || true)"
    if [[ "$have" != *"Version: ${fuzzer#*==}"* ]]; then
      echo "installing $fuzzer (pip, in $venv)"
      python3 -m venv "$venv"
      "$venv/bin/python" -m pip install -q --disable-pip-version-check "$fuzzer"
    fi
    python3 -m openapi_spec_validator --version
    "$venv/bin/python" -m schemathesis.cli --version
    python3 -m openapi_spec_validator --schema 3.1 harness/portal/openapi.yaml
    ;;
  schemathesis)
    url="${2:?usage: portal-api.sh schemathesis URL [OUT]}"
    out="${3:-reports/schemathesis}"
    mkdir -p "$out"
    # Bounded: a server that stops answering fails CI instead of hanging it.
    timeout 600 "$venv/bin/python" -m schemathesis.cli --config-file .ci/schemathesis.toml run "$url/openapi.yaml" \
      --max-examples 20 --checks all --no-color \
      --report junit --report-dir "$out"
    ;;
  *)
    echo "usage: $0 install | schemathesis URL [OUT]" >&2
    exit 2
    ;;
esac
