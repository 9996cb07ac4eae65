#!/usr/bin/env python3
"""Runs the CI recipes of docs/ci/ on this machine, job by job, as their CI
systems would: GitHub Actions' four shards then the merge job, GitLab's
`parallel: 4` shard job then the merge job.

Neither GitHub nor GitLab is reachable from here, so this stands in for
them: first each recipe is validated against its CI system's published
schema (check-jsonschema's vendored github-workflows and gitlab-ci schemas),
then every `run:` / `script:` line runs in bash in a fresh job directory
(a copy of the checkout's inputs, the built binary linked in) with the
variables the CI system sets (matrix values, CI_NODE_INDEX/TOTAL,
RUNNER_TEMP, GITHUB_STEP_SUMMARY, a File-type signing-key variable).
Artifacts are copied from job to job as the recipe declares them. The
merged report must verify, hold every scenario of the unsharded run, and
the merge job must exit as the unsharded run did.

Usage: python3 .ci/recipes.py   (after `cargo build --release -p myna-conform`)
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "myna-conform")
# What a job's checkout holds: everything a run reads, not reports/.
INPUTS = ["scenarios", "vectors", "myna-conform.toml"]


def fail(message):
    print(f"recipes.py: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def validate_schemas():
    have = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--version"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if have.returncode != 0:
        if os.environ.get("CI") == "true":
            fail("check-jsonschema is not installed (.ci/reports.sh installs it)")
        print("recipes.py: check-jsonschema absent, schema validation skipped")
        return
    for schema, recipe in [
        ("vendor.github-workflows", "docs/ci/github-actions.yml"),
        ("vendor.gitlab-ci", "docs/ci/gitlab-ci.yml"),
    ]:
        subprocess.run(
            [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, os.path.join(ROOT, recipe)],
            check=True,
        )


def new_job_dir(parent, name, keys_dir):
    """A fresh checkout stand-in: the inputs copied, the built
    binary where `cargo build --release` leaves it, the public key where
    the recipes expect it committed."""
    job = os.path.join(parent, name)
    os.makedirs(os.path.join(job, "target", "release"))
    os.makedirs(os.path.join(job, "keys"))
    for entry in INPUTS:
        source = os.path.join(ROOT, entry)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(job, entry))
        elif os.path.exists(source):
            shutil.copy(source, os.path.join(job, entry))
    os.symlink(BIN, os.path.join(job, "target", "release", "myna-conform"))
    shutil.copy(
        os.path.join(keys_dir, "ci.pub.pem"),
        os.path.join(job, "keys", "report-signing-key.pub.pem"),
    )
    return job


def run_lines(job, script, env, label):
    """Runs one step's shell text in the job directory. A `cargo build` of
    the binary is already done (CI built it with the same flags)."""
    script = "\n".join(
        line for line in script.splitlines() if not line.strip().startswith("cargo build")
    )
    if not script.strip():
        return 0
    print(f"recipes.py: [{label}] $ {script.strip().splitlines()[0]} …", flush=True)
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=job,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if result.returncode != 0:
        print(result.stdout[-4000:], file=sys.stderr)
    return result.returncode


def github_expr(text, values):
    def replace(match):
        key = match.group(1).strip()
        if key not in values:
            fail(f"github-actions.yml uses ${{{{ {key} }}}}, which this stand-in does not set")
        return str(values[key])

    return re.sub(r"\$\{\{([^}]*)\}\}", replace, text)


def copy_tree(source, target):
    if os.path.isdir(source):
        shutil.copytree(source, target, dirs_exist_ok=True, symlinks=True)


def run_github(work, keys_dir, key_pem):
    recipe = yaml.safe_load(open(os.path.join(ROOT, "docs/ci/github-actions.yml")))
    jobs = recipe["jobs"]
    artifacts = os.path.join(work, "github-artifacts")
    shards = jobs["shard"]["strategy"]["matrix"]["shard"]
    for shard in shards:
        job = new_job_dir(work, f"github-shard-{shard}", keys_dir)
        values = {"matrix.shard": shard}
        env = dict(os.environ, RUNNER_TEMP=tempfile.mkdtemp(dir=work))
        for step in jobs["shard"]["steps"]:
            if "run" in step:
                code = run_lines(job, github_expr(step["run"], values), env, f"github shard {shard}")
                if code != 0:
                    fail(f"github shard {shard}: a step exited {code}")
            elif step.get("uses", "").startswith("actions/upload-artifact"):
                name = github_expr(step["with"]["name"], values)
                path = github_expr(step["with"]["path"], values)
                copy_tree(os.path.join(job, path), os.path.join(artifacts, name))
    merge = jobs["merge"]
    if merge.get("needs") != "shard":
        fail("github merge job does not wait for the shards")
    job = new_job_dir(work, "github-merge", keys_dir)
    summary = os.path.join(work, "github-step-summary.md")
    env = dict(
        os.environ,
        RUNNER_TEMP=tempfile.mkdtemp(dir=work),
        GITHUB_STEP_SUMMARY=summary,
    )
    values = {"secrets.REPORT_SIGNING_KEY": key_pem}
    code = 0
    for step in merge["steps"]:
        if "run" in step:
            step_env = dict(env)
            for key, value in (step.get("env") or {}).items():
                step_env[key] = github_expr(str(value), values)
            code = run_lines(job, github_expr(step["run"], values), step_env, "github merge")
            if code != 0:
                break
        elif step.get("uses", "").startswith("actions/download-artifact"):
            pattern = step["with"]["pattern"].replace("*", "")
            for name in sorted(os.listdir(artifacts)):
                if name.startswith(pattern):
                    copy_tree(
                        os.path.join(artifacts, name),
                        os.path.join(job, step["with"]["path"], name),
                    )
    if not os.path.getsize(summary):
        fail("github merge job wrote no step summary")
    return code, os.path.join(job, "reports", "merged")


def run_gitlab(work, keys_dir):
    recipe = yaml.safe_load(open(os.path.join(ROOT, "docs/ci/gitlab-ci.yml")))
    shard, merge = recipe["shard"], recipe["merge"]
    total = shard["parallel"]
    artifacts = os.path.join(work, "gitlab-artifacts")
    for index in range(1, total + 1):
        job = new_job_dir(work, f"gitlab-shard-{index}", keys_dir)
        env = dict(os.environ, CI_NODE_INDEX=str(index), CI_NODE_TOTAL=str(total))
        script = "\n".join(shard.get("before_script", []) + shard["script"])
        code = run_lines(job, script, env, f"gitlab shard {index}")
        if code != 0:
            fail(f"gitlab shard {index}: the script exited {code}")
        for path in shard["artifacts"]["paths"]:
            copy_tree(os.path.join(job, path), os.path.join(artifacts, path))
    job = new_job_dir(work, "gitlab-merge", keys_dir)
    copy_tree(artifacts, job)
    env = dict(os.environ, REPORT_SIGNING_KEY=os.path.join(keys_dir, "ci.pem"))
    script = "\n".join(merge.get("before_script", []) + merge["script"])
    code = run_lines(job, script, env, "gitlab merge")
    junit = merge["artifacts"]["reports"]["junit"]
    if not os.path.exists(os.path.join(job, junit)):
        fail(f"gitlab merge job left no {junit}")
    return code, os.path.join(job, "reports", "merged")


def scenario_ids(report_dir):
    report = json.load(open(os.path.join(report_dir, "report.json")))
    return sorted(s["id"] for s in report["scenarios"])


def main():
    if not os.access(BIN, os.X_OK):
        fail(f"{BIN} is not built (cargo build --release -p myna-conform)")
    validate_schemas()
    work = tempfile.mkdtemp(prefix="myna-recipes-")
    keys_dir = os.path.join(work, "keys")
    subprocess.run([BIN, "report", "keygen", "--out", keys_dir, "--name", "ci"], check=True)
    key_pem = open(os.path.join(keys_dir, "ci.pem")).read()

    reference = new_job_dir(work, "unsharded", keys_dir)
    expected_code = subprocess.run(
        [BIN, "run", "--no-progress", "--out", "reports/all"],
        cwd=reference,
        stdout=subprocess.DEVNULL,
    ).returncode
    expected_ids = scenario_ids(os.path.join(reference, "reports", "all"))

    for name, (code, merged) in [
        ("github-actions.yml", run_github(work, keys_dir, key_pem)),
        ("gitlab-ci.yml", run_gitlab(work, keys_dir)),
    ]:
        if code != expected_code:
            fail(f"{name}: the merge job exited {code}; the unsharded run exits {expected_code}")
        ids = scenario_ids(merged)
        if ids != expected_ids:
            fail(f"{name}: the merged report holds {len(ids)} scenarios, the unsharded run {len(expected_ids)}")
        subprocess.run(
            [BIN, "report", "verify", merged, "--key", os.path.join(keys_dir, "ci.pub.pem")],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"recipes.py: {name}: {len(ids)} scenarios merged from shards, signed, verified, exit {code}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
