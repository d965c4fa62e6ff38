"""The pre-commit hook (.pre-commit-hooks.yaml), exercised with the real ``pre-commit`` tool.

A temporary git repository uses the hook exactly as docs/pre-commit.md shows (``repo:`` + ``rev:``
in .pre-commit-config.yaml), ``pre-commit install`` puts it in .git/hooks, and real ``git commit``
calls show that a plan with an error blocks the commit and a clean plan passes.

The hook repository is a snapshot of this working tree (committed files and new, not yet
committed ones), committed in a temporary git repository: ``pre-commit try-repo`` on the
checkout itself would only see committed and staged changes, and it builds a fresh hook
environment on every call. Building the environment pip-installs blinacheck and its
dependencies (the package index must be reachable); it happens once per test session, in a
temporary PRE_COMMIT_HOME.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "blinacheck tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "blinacheck tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def git(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = run(["git", "-c", "commit.gpgsign=false", *args], cwd, env)
    return result


@pytest.fixture(scope="session")
def hook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for pre-commit: its own PRE_COMMIT_HOME, a git identity, our Python first."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(home)}
    env["PATH"] = os.pathsep.join((str(Path(sys.executable).parent), env.get("PATH", "")))
    env.pop("GIT_DIR", None)
    env.pop("GIT_INDEX_FILE", None)
    return env


@pytest.fixture(scope="session")
def hook_repo(
    tmp_path_factory: pytest.TempPathFactory, hook_env: dict[str, str]
) -> tuple[str, str]:
    """A committed snapshot of this working tree: (repository path, revision)."""
    listed = run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], ROOT, hook_env
    )
    assert listed.returncode == 0, listed.stderr
    snapshot = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted in the working tree is still "cached"
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
        result = git(snapshot, hook_env, *args)
        assert result.returncode == 0, result.stderr
    rev = git(snapshot, hook_env, "rev-parse", "HEAD").stdout.strip()
    return str(snapshot), rev


def pre_commit_config(repo: str, rev: str, args: list[str] | None = None) -> str:
    hook = "      - id: blinacheck\n"
    if args is not None:
        hook += f"        args: [{', '.join(args)}]\n"
    return f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n{hook}"


@pytest.fixture
def project(tmp_path: Path, hook_repo: tuple[str, str], hook_env: dict[str, str]) -> Path:
    """A fresh git repository using the hook, installed as its pre-commit git hook."""
    repo, rev = hook_repo
    assert git(tmp_path, hook_env, "init", "-q").returncode == 0
    (tmp_path / ".pre-commit-config.yaml").write_text(pre_commit_config(repo, rev))
    installed = run([sys.executable, "-m", "pre_commit", "install"], tmp_path, hook_env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return tmp_path


def commit(project: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    assert git(project, env, "add", *files).returncode == 0
    return git(project, env, "commit", "-m", "plans")


def commits(project: Path, env: dict[str, str]) -> int:
    log = git(project, env, "rev-list", "--count", "HEAD")
    return int(log.stdout.strip()) if log.returncode == 0 else 0


def test_hook_manifest_is_valid() -> None:
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert hook["id"] == "blinacheck"
    assert hook["entry"] == "blinacheck lint --only-plans --allow-no-plans"
    assert hook["language"] == "python"


def test_plan_with_an_error_blocks_the_commit(project: Path, hook_env: dict[str, str]) -> None:
    (project / "plans").mkdir()
    shutil.copy(EXAMPLES / "child-it-day-1.yaml", project / "plans")
    result = commit(project, hook_env, ".pre-commit-config.yaml", "plans")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "blinacheck" in output and "Failed" in output
    assert "plans/child-it-day-1.yaml:43:9: error[it-on-infusion-day-1]" in output
    assert commits(project, hook_env) == 0


def test_clean_plan_and_other_yaml_pass(project: Path, hook_env: dict[str, str]) -> None:
    (project / "plans").mkdir()
    shutil.copy(EXAMPLES / "adult-rr-cycles-1-2.yaml", project / "plans")
    # YAML and JSON that are not plans are handed to the hook too, and must be skipped.
    (project / ".github" / "workflows").mkdir(parents=True)
    (project / ".github" / "workflows" / "ci.yaml").write_text("on: push\njobs: {}\n")
    (project / "package.json").write_text('{"name": "x"}\n')
    result = commit(project, hook_env, ".")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "blinacheck" in output and "Passed" in output
    assert commits(project, hook_env) == 1


def test_plan_that_does_not_parse_blocks_the_commit(
    project: Path, hook_env: dict[str, str]
) -> None:
    # A plan with a YAML syntax error is still a plan (it declares `blinacheck:`), not skipped.
    (project / "broken.yaml").write_text("blinacheck: 1\nindication: [relapsed-refractory\n")
    result = commit(project, hook_env, ".")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "broken.yaml:3:1: error[invalid-plan] YAML syntax error" in output
    assert commits(project, hook_env) == 0


def test_commit_without_plans_passes_and_misspelt_header_blocks(
    project: Path, hook_env: dict[str, str]
) -> None:
    # Only non-plans: nothing to lint, and the hook passes (--allow-no-plans).
    (project / "ci.yaml").write_text("on: push\njobs: {}\n")
    result = commit(project, hook_env, ".")
    assert result.returncode == 0, result.stdout + result.stderr
    # A plan whose header is misspelt is evidently a plan: linted, reported, the commit blocked.
    text = (EXAMPLES / "adult-rr-cycles-1-2.yaml").read_text(encoding="utf-8")
    (project / "plan.yaml").write_text(text.replace("blinacheck: 1", "blinachek: 1", 1))
    result = commit(project, hook_env, "plan.yaml")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "error[invalid-plan] 'blinachek' is not the format header" in output
    assert commits(project, hook_env) == 1


def test_user_args_keep_only_plans(
    project: Path, hook_repo: tuple[str, str], hook_env: dict[str, str]
) -> None:
    # `args:` replaces the hook's args; --only-plans lives in `entry`, so it stays, and a
    # baseline given in args is honoured: the known finding no longer blocks the commit.
    repo, rev = hook_repo
    (project / ".pre-commit-config.yaml").write_text(
        pre_commit_config(repo, rev, ["--baseline", "baseline.json"])
    )
    shutil.copy(EXAMPLES / "child-it-day-1.yaml", project)
    written = run(
        [sys.executable, "-m", "blinacheck", "lint", "--write-baseline", "baseline.json",
         "child-it-day-1.yaml"],
        project,
        hook_env,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    result = commit(project, hook_env, ".")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert commits(project, hook_env) == 1


def test_docs_show_the_hook_as_it_is() -> None:
    import re

    import yaml

    text = (ROOT / "docs" / "pre-commit.md").read_text(encoding="utf-8")
    shown = re.search(r"## What the hook does\n\n```yaml\n(.*?)```", text, flags=re.DOTALL)
    assert shown
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert yaml.safe_load(shown.group(1)) == hooks
