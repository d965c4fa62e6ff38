"""`blinacheck lint -o/--output FILE`: any format to a file, never in colour, never over a plan."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, REPO

CHILD = str(EXAMPLES / "child-it-day-1.yaml")


def run_cli(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run(
        [sys.executable, "-m", "blinacheck", *args],
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_file_gets_exactly_what_stdout_would(output_format: str, tmp_path: Path) -> None:
    out = tmp_path / f"findings.{output_format}"
    to_stdout = run_cli("lint", "--format", output_format, CHILD, capture_output=True)
    to_file = run_cli("lint", "--format", output_format, "-o", str(out), CHILD, capture_output=True)
    assert to_file.returncode == to_stdout.returncode == 1
    assert to_file.stdout == ""
    assert out.read_text(encoding="utf-8") == to_stdout.stdout
    assert "it-on-infusion-day-1" in to_stdout.stdout


def _run_on_terminal(*args: str) -> str:
    """Run with standard output on a pseudo-terminal, as in an interactive shell."""
    controller, terminal = pty.openpty()
    try:
        run_cli(*args, stdout=terminal, stderr=subprocess.PIPE)
    finally:
        os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal side is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return b"".join(chunks).decode("utf-8")


def test_no_colour_in_a_file_even_from_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "findings.txt"
    on_terminal = _run_on_terminal("lint", CHILD)
    assert "\x1b[" in on_terminal  # the same run to a terminal is coloured ...
    assert _run_on_terminal("lint", "-o", str(out), CHILD) == ""
    written = out.read_text(encoding="utf-8")
    assert "\x1b[" not in written  # ... the file is not
    assert f"{CHILD}:43:9: error[it-on-infusion-day-1]" in written


def test_refuses_to_write_over_a_checked_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(Path(CHILD).read_bytes())
    before = plan.read_bytes()
    result = run_cli("lint", "-o", str(plan), str(plan), capture_output=True)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{plan}: is one of the files being checked; choose another output file"
    )
    assert plan.read_bytes() == before


def test_unwritable_output_is_a_usage_error(tmp_path: Path) -> None:
    missing_dir = tmp_path / "no-such-dir" / "out.json"
    result = run_cli("lint", "--format", "json", "-o", str(missing_dir), CHILD, capture_output=True)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{missing_dir}: cannot write: ")
    assert "Traceback" not in result.stderr


def test_output_from_a_previous_run_is_not_linted_as_a_plan(tmp_path: Path) -> None:
    """`lint DIR -o DIR/out.json` twice: the earlier output is skipped as not a plan."""
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "child.yaml").write_bytes(Path(CHILD).read_bytes())
    out = plans / "findings.json"
    for _ in range(2):
        result = run_cli(
            "lint", "--format", "json", "-o", str(out), str(plans), capture_output=True
        )
        assert result.returncode == 1, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["files"] == 1


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "html"])
def test_summary_line_goes_to_stderr_with_an_output_file(
    output_format: str, tmp_path: Path
) -> None:
    """With -o nothing else reaches the terminal: the summary says what was found (issue 15)."""
    out = tmp_path / "report.out"
    result = run_cli("lint", "--format", output_format, "-o", str(out), CHILD, capture_output=True)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"1 error, 0 warnings, 0 info in 1 file; written to {out}\n"
    clean = run_cli(
        "lint", "-o", str(out), str(EXAMPLES / "adult-rr-cycles-1-2.yaml"), capture_output=True
    )
    assert clean.returncode == 0
    assert clean.stderr == f"0 errors, 0 warnings, 0 info in 1 file; written to {out}\n"
