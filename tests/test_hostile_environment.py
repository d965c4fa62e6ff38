"""A hostile machine: special files, unreadable paths, a full or closed output (issue 16, 4 and 10).

In a folder search only regular files are opened, and without blocking: a FIFO named *.yaml, a
dangling symbolic link, a file or sub-folder that cannot be read each become one invalid-plan
finding for that path, and every other file is still linted and reported. A path named on the
command line that cannot be read is exit 2, as before, and never a hang. A rule file that cannot
be read is exit 2 with the file named. A full or closed standard output is exit 2 with a message.

Permissions are tested for real: when the tests run as root (who reads a file whatever its
mode), blinacheck runs without the two capabilities that let root ignore file modes
(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, dropped from its bounding set with prctl), so the
kernel refuses it what it refuses any user.
"""

from __future__ import annotations

import ctypes
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .conftest import EXAMPLES, REPO, fail_if_hung

GOOD = (EXAMPLES / "child-it-day-1.yaml").read_text()
PR_CAPBSET_DROP = 24  # <linux/prctl.h>
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2  # <linux/capability.h>


def drop_file_mode_override() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def as_user() -> Callable[[], None] | None:
    """Root obeys file modes like any user in the subprocess; others already do."""
    return drop_file_mode_override if os.geteuid() == 0 else None


def blinacheck(
    *args: str,
    preexec: Callable[[], None] | None = None,
    stdout: int | None = subprocess.PIPE,
    timeout: float = 30,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blinacheck", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "NO_COLOR": "1"},
        preexec_fn=preexec,
        timeout=timeout,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for root, dirs, _ in os.walk(tmp_path):  # let pytest clean up what a test locked
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)


def findings_by_file(run: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in json.loads(run.stdout)["findings"]:
        found.setdefault(Path(finding["path"]).name, []).append(finding["message"])
    return found


# --- item 4: special files ------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_fifo_in_a_folder_is_reported_and_never_waited_on(folder: Path, jobs: str) -> None:
    (folder / "a-plan.yaml").write_text(GOOD)
    os.mkfifo(folder / "b-pipe.yaml")
    (folder / "c-plan.yaml").write_text(GOOD)
    with fail_if_hung(40, "a FIFO in a folder"):
        run = blinacheck("lint", "--format", "json", "--jobs", jobs, str(folder), timeout=30)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    found = findings_by_file(run)
    assert set(found) == {"a-plan.yaml", "b-pipe.yaml", "c-plan.yaml"}
    assert found["b-pipe.yaml"] == [
        "cannot be read: it is a FIFO (named pipe), not a regular file; blinacheck reads plan "
        "files only from regular files"
    ]
    finding = next(
        f for f in json.loads(run.stdout)["findings"] if f["path"].endswith("b-pipe.yaml")
    )
    assert (finding["rule"], finding["line"], finding["column"]) == ("invalid-plan", 1, 1)


def test_a_named_fifo_is_exit_2_not_a_hang(folder: Path) -> None:
    os.mkfifo(folder / "pipe.yaml")
    run = blinacheck("lint", str(folder / "pipe.yaml"), timeout=30)
    assert run.returncode == 2
    assert f"{folder / 'pipe.yaml'}: not a regular file or directory" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_socket_in_a_folder_is_reported(folder: Path) -> None:
    import socket

    (folder / "plan.yaml").write_text(GOOD)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(folder / "socket.yaml"))
        run = blinacheck("lint", "--format", "json", str(folder))
    finally:
        server.close()
    found = findings_by_file(run)
    assert found["socket.yaml"] == [
        "cannot be read: it is a socket, not a regular file; blinacheck reads plan files only "
        "from regular files"
    ]
    assert "plan.yaml" in found


def test_a_file_swapped_for_a_fifo_after_the_check_is_not_waited_on(folder: Path) -> None:
    # The opened file is checked again (fstat) and the open does not block.
    from blinacheck.read.source import NotRegularFile, read_regular_file

    os.mkfifo(folder / "pipe.yaml")
    with fail_if_hung(10, "reading a FIFO"), pytest.raises(NotRegularFile, match="FIFO"):
        read_regular_file(str(folder / "pipe.yaml"), 100)


# --- item 10: unreadable paths, rule files, the output --------------------------------------


def test_a_dangling_symlink_in_a_folder_is_one_finding(folder: Path) -> None:
    (folder / "good.yaml").write_text(GOOD)
    (folder / "gone.yaml").symlink_to(folder / "deleted.yaml")
    run = blinacheck("lint", "--format", "json", str(folder))
    assert run.returncode == 1, run.stderr
    found = findings_by_file(run)
    assert found["gone.yaml"] == [
        f"cannot be read: it is a symbolic link to '{folder / 'deleted.yaml'}', which does not "
        "exist; blinacheck reads plan files only from regular files"
    ]
    assert "good.yaml" in found


def test_an_unreadable_file_and_sub_folder_are_findings(folder: Path) -> None:
    (folder / "good.yaml").write_text(GOOD)
    (folder / "locked.yaml").write_text(GOOD)
    (folder / "locked.yaml").chmod(0)
    (folder / "ward").mkdir()
    (folder / "ward" / "plan.yaml").write_text(GOOD)
    (folder / "ward").chmod(0)
    run = blinacheck("lint", "--format", "json", str(folder), preexec=as_user())
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    found = findings_by_file(run)
    assert found["locked.yaml"] == [
        "cannot be read: Permission denied; blinacheck reads plan files only from regular files"
    ]
    assert found["ward"] == [
        "folder cannot be searched: Permission denied; the plans in it are not checked"
    ]
    assert "good.yaml" in found


def test_a_named_unreadable_folder_is_exit_2(folder: Path) -> None:
    (folder / "ward").mkdir()
    (folder / "ward").chmod(0)
    run = blinacheck("lint", str(folder / "ward"), preexec=as_user())
    assert run.returncode == 2
    assert f"'{folder / 'ward'}' is not readable" in run.stderr  # click's own check
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("what", ["file", "folder", "fifo"])
def test_an_unreadable_rules_file_is_exit_2(folder: Path, what: str) -> None:
    rules = folder / "rules"
    rules.mkdir()
    (rules / "fine.yaml").write_text("rules: []\n")
    if what == "file":
        target = rules / "local.yaml"
        target.write_text("rules: []\n")
        target.chmod(0)
        message = "cannot read the file: Permission denied"
    elif what == "folder":
        target = rules / "more"
        target.mkdir()
        target.chmod(0)
        message = "cannot read the rule folder: Permission denied"
    else:
        target = rules / "pipe.yaml"
        os.mkfifo(target)
        message = "cannot read the file: it is a FIFO (named pipe), not a regular file"
    with fail_if_hung(40, "an unreadable rules file"):
        run = blinacheck(
            "lint", "--rules", str(rules), str(EXAMPLES / "child-it-day-1.yaml"), preexec=as_user()
        )
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"{target}:1:1: {message}" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize(
    "command",
    [
        ["lint", str(EXAMPLES)],
        ["lint", "--format", "sarif", str(EXAMPLES)],
        ["calendar", str(EXAMPLES / "child-it-day-1.yaml")],
        ["rules"],
    ],
)
def test_a_full_output_is_exit_2_with_a_message(command: list[str]) -> None:
    with open("/dev/full", "w") as full:
        run = blinacheck(*command, stdout=full.fileno())
    assert run.returncode == 2
    assert run.stderr == "blinacheck: cannot write the output: No space left on device\n"


def test_a_closed_output_is_exit_2_with_a_message() -> None:
    def close_stdout() -> None:
        os.close(1)

    run = blinacheck("lint", str(EXAMPLES), stdout=None, preexec=close_stdout)
    assert run.returncode == 2
    assert run.stderr == "blinacheck: cannot write the output: standard output is closed\n"


def test_a_closed_output_does_not_matter_with_an_output_file(folder: Path) -> None:
    def close_stdout() -> None:
        os.close(1)

    out = folder / "report.json"
    run = blinacheck(
        "lint", "--format", "json", "-o", str(out), str(EXAMPLES), stdout=None, preexec=close_stdout
    )
    assert run.returncode == 1, run.stderr
    assert json.loads(out.read_text())["findings"]
    assert stat.S_ISREG(out.stat().st_mode)
