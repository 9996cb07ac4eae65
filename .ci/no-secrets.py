#!/usr/bin/env python3
"""Fails if any persona secret (PIN, password, 照合番号, birth key, security
code) appears in the given files or directories: as text standing on its own
(not as a digit run inside a hex dump or a hash), or as the hex of its bytes
at a byte boundary of a hex run. JSON files are checked string by string, so
timing numbers cannot collide with short numeric PINs.
Used by .ci/run on the main job's console output and reports."""
import json
import pathlib
import re
import sys

SECRET_KEYS = ("my_number", "auth_pin", "sign_password", "text_pin", "juki_pin",
               "security_code", "birth_key", "check_b")
HEX_RUN = re.compile(r"[0-9A-Fa-f*]{8,}")


def secrets(personas: pathlib.Path):
    found = set()
    for doc in personas.glob("*/persona.yaml"):
        for line in doc.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^(\w+):\s*'?\"?([^'\"#]*)'?\"?\s*$", line)
            if m and m.group(1) in SECRET_KEYS and m.group(2).strip() not in ("", "null"):
                found.add(m.group(2).strip())
    return found


def leaks(text: str, secret: str) -> bool:
    standalone = re.compile(r"(?<![0-9A-Za-z])" + re.escape(secret) + r"(?![0-9A-Za-z])")
    if standalone.search(text):
        return True
    hexed = secret.encode().hex()
    for run in HEX_RUN.finditer(text):
        body = run.group(0).lower()
        for i in range(0, len(body) - len(hexed) + 1, 2):
            if body.startswith(hexed, i):
                return True
    return False


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


JSON_SCRIPT = re.compile(
    r'<script type="application/json"[^>]*>(.*?)</script>', re.DOTALL)


def html_texts(raw: str):
    """report.html embeds its data as JSON in a script element: that part is
    checked string by string (timings there are numbers, as in report.json),
    the rest of the page as text."""
    texts = [JSON_SCRIPT.sub("", raw)]
    for block in JSON_SCRIPT.findall(raw):
        try:
            texts.extend(strings(json.loads(block)))
        except ValueError:
            texts.append(block)
    return texts


def files(paths):
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            yield from (f for f in p.rglob("*") if f.is_file())
        elif p.is_file():
            yield p


def main():
    values = secrets(pathlib.Path("vectors/personas"))
    if len(values) < 10:
        sys.exit(f"no-secrets: only {len(values)} secrets found in vectors/personas; is this the repository root?")
    found = []
    checked = 0
    for f in files(sys.argv[1:]):
        raw = f.read_text(encoding="utf-8", errors="replace")
        checked += 1
        texts = [raw]
        if f.suffix == ".json":
            try:
                texts = list(strings(json.loads(raw)))
            except ValueError:
                pass
        elif f.suffix == ".html":
            texts = html_texts(raw)
        if any(leaks(t, v) for t in texts for v in values):
            found.append(f"{f}: contains a persona secret (value withheld)")
    if checked == 0:
        sys.exit("no-secrets: nothing to check")
    if found:
        print("\n".join(sorted(found)))
        sys.exit(1)
    print(f"no-secrets: {len(values)} secret values absent from {checked} files")


main()
