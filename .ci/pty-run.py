#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and types a secret at its password
prompt: for interactive smart-card clients (jpki-cli) in tests and CI.

    pty-run.py [--secret-env VAR] [--stdin-file FILE] [--timeout SECONDS] -- COMMAND [ARGS...]

- --stdin-file: the file's text is typed first, followed by end-of-file
  (^D), for commands that read a document from standard input before they
  prompt. Text only (one line discipline, canonical mode); it must end in a
  newline.
- --secret-env: the secret is read from this environment variable (never
  from the command line) and typed once the command has switched echo off,
  i.e. once it is reading the password; a secret typed earlier would be
  echoed, or flushed by the program's TCSAFLUSH.
- Everything the command writes to the terminal is copied to standard
  output with every occurrence of the secret replaced by <redacted>.
- Exits with the command's exit status; 124 when it is still running after
  --timeout seconds (it is killed), 125 for a usage error.
"""

import argparse
import os
import pty
import select
import signal
import sys
import termios
import time

EOT = b"\x04"


def echo_is_off(fd):
    try:
        return not (termios.tcgetattr(fd)[3] & termios.ECHO)
    except termios.error:
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret-env")
    parser.add_argument("--stdin-file")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print("pty-run.py: no command", file=sys.stderr)
        return 125
    secret = None
    if args.secret_env:
        secret = os.environ.get(args.secret_env)
        if secret is None:
            print(f"pty-run.py: {args.secret_env} is not set", file=sys.stderr)
            return 125
    document = None
    if args.stdin_file:
        with open(args.stdin_file, "rb") as f:
            document = f.read()
        if not document.endswith(b"\n") or b"\x04" in document:
            print("pty-run.py: --stdin-file must be text ending in a newline", file=sys.stderr)
            return 125

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)

    if document is not None:
        os.write(fd, document + EOT)
    deadline = time.monotonic() + args.timeout
    output = bytearray()
    typed = secret is None
    status = None
    while status is None:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.write(redact(output, secret))
            print(f"\npty-run.py: {command[0]} still running after {args.timeout}s", file=sys.stderr)
            return 124
        if not typed and echo_is_off(fd):
            os.write(fd, secret.encode() + b"\n")
            typed = True
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            output.extend(chunk)
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = raw
    # Drain what is left after the child exited.
    while True:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output.extend(chunk)
    sys.stdout.write(redact(output, secret))
    sys.stdout.flush()
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 128 + os.WTERMSIG(status)


def redact(output, secret):
    text = output.decode("utf-8", "replace")
    if secret:
        text = text.replace(secret, "<redacted>")
    return text


if __name__ == "__main__":
    sys.exit(main())
