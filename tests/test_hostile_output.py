"""What reaches a person, and what reaches a program (issue 16, items 7 and 8).

Human-facing output (text, GitHub annotations, `-v` lines, stderr, the calendar, rule listings)
shows control and bidi characters from files as escapes, through the one function
blinacheck.printable; a file name with a newline cannot forge a `::error` line. JSON keeps the
exact text and stays valid UTF-8 even for a file name that is not UTF-8; SARIF percent-encodes
such a name in its URI.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from blinacheck import printable

from .conftest import EXAMPLES, REPO

CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "blinacheck", *args],
        capture_output=True,
        cwd=cwd or REPO,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", "\\e[2J"),
        ("\x07", "\\x07"),
        ("a\rb", "a\\rb"),
        ("\x08", "\\x08"),
        ("\x00", "\\x00"),
        ("\x7f", "\\x7f"),
        ("\x9b31m", "\\x9b31m"),  # the one-byte CSI of C1
        ("abc\u202edef", "abc\\u202edef"),
        ("\u2066x\u2069", "\\u2066x\\u2069"),
        ("line\u2028sep", "line\\u2028sep"),
        ("two\nlines", "two\\nlines"),
        ("tab\there", "tab\\there"),
        ("caf\udce9.yaml", "caf\\xe9.yaml"),  # a name byte that is not UTF-8
        ("café 28 µg/m² — ≥ 10", "café 28 µg/m² — ≥ 10"),  # ordinary text is left alone
    ],
)
def test_printable_escapes_what_could_drive_a_terminal(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_printable_can_keep_line_ends() -> None:
    assert printable("a\nb\x1b", keep_newlines=True) == "a\nb\\e"


HOSTILE_PLAN = (
    'blinacheck: 1\nindication: relapsed-refractory\ntitle: "Plan\\e[2J\\a\\u202e"\n'
    "cycles:\n  - cycle: 1\n    infusion:\n      - {days: 1-28, dose: 28 mcg/day}\n"
    '    premedication:\n      - {day: "1\\e[2J\\r0 errors\\b\\0", drug: dexa, dose: 20 mg}\n'
)


@pytest.mark.parametrize("output_format", ["text", "github"])
def test_plan_values_reach_the_terminal_escaped(tmp_path: Path, output_format: str) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(HOSTILE_PLAN)
    done = run("lint", "--format", output_format, str(plan))
    assert done.returncode == 1
    out = done.stdout.decode("utf-8")
    assert CONTROLS.search(out) is None, repr(out)
    assert "\\e[2J\\r0 errors\\x08\\x00" in out


def test_json_keeps_the_exact_text(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(HOSTILE_PLAN)
    done = run("lint", "--format", "json", str(plan))
    (finding,) = json.loads(done.stdout.decode("utf-8"))["findings"]
    assert "'1\x1b[2J\r0 errors\x08\x00' is not a cycle day" in finding["message"]


def test_calendar_shows_the_title_escaped(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(HOSTILE_PLAN.split("    premedication:")[0])
    done = run("calendar", str(plan))
    out = done.stdout.decode("utf-8")
    assert "Plan\\e[2J\\x07\\u202e" in out
    assert CONTROLS.search(out) is None, repr(out)


def test_a_file_name_with_a_newline_cannot_forge_an_annotation(tmp_path: Path) -> None:
    forged = "x\n::error file=forged.yaml,line=1::0 errors\x1b[2J.yaml"
    (tmp_path / forged).write_text("title: not a plan\n")
    (tmp_path / "plan.yaml").write_text((EXAMPLES / "child-it-day-1.yaml").read_text())
    done = run("lint", "--format", "github", "-v", str(tmp_path))
    lines = done.stdout.decode("utf-8").splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert commands and all("file=forged.yaml" not in line for line in commands)
    assert all(line.startswith("::error file=" + str(tmp_path)) for line in commands)
    assert (
        f"skipped (not a blinacheck plan): {tmp_path}/x\\n::error file=forged.yaml,line=1::"
        "0 errors\\e[2J.yaml"
    ) in lines
    # ... nor on stderr, where the runner reads workflow commands too.
    missing = run("lint", "--format", "github", str(tmp_path / forged / "gone.yaml"))
    assert missing.returncode == 2
    assert missing.stderr.decode().count("\n") == 1
    assert "\\n::error file=forged.yaml" in missing.stderr.decode()


def test_rule_text_reaches_the_terminal_escaped(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "local.yaml").write_text(
        "rules:\n"
        "  - id: local-marker\n"
        '    title: "Marker\\e]0;owned\\a"\n'
        "    severity: info\n"
        "    for_each: plan\n"
        "    when: 'true'\n"
        '    message: "every plan\\e[2J\\u202e"\n'
        "    description: A test rule.\n"
        "    evidence:\n"
        "      - source: test\n"
    )
    listing = run("rules", "--no-builtin-rules", "--rules", str(rules))
    assert listing.returncode == 0, listing.stderr
    assert "Marker\\e]0;owned\\x07" in listing.stdout.decode()
    assert CONTROLS.search(listing.stdout.decode()) is None
    linted = run("lint", "--no-builtin-rules", "--rules", str(rules), str(EXAMPLES))
    out = linted.stdout.decode()
    assert "every plan\\e[2J\\u202e" in out
    assert CONTROLS.search(out) is None


# --- item 7: file names that are not UTF-8 --------------------------------------------------

NAME = b"caf\xe9.yaml"


@pytest.fixture
def latin1_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "plans"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), NAME), "wb") as handle:
        handle.write((EXAMPLES / "child-it-day-1.yaml").read_bytes())
    return folder


def test_sarif_percent_encodes_a_name_that_is_not_utf8(latin1_folder: Path) -> None:
    done = run("lint", "--format", "sarif", "plans", cwd=latin1_folder.parent)
    assert done.returncode == 1, done.stderr
    sarif = json.loads(done.stdout.decode("utf-8"))
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert uris == {"plans/caf%E9.yaml"}
    absolute = run("lint", "--format", "sarif", str(latin1_folder))
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(absolute.stdout.decode("utf-8"))["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert uris == {(latin1_folder / "caf%E9.yaml").as_posix().join(["file://", ""])}


def test_json_names_the_exact_bytes_in_valid_utf8(latin1_folder: Path) -> None:
    done = run("lint", "--format", "json", str(latin1_folder))
    text = done.stdout.decode("utf-8")  # valid UTF-8, or this raises
    paths = {finding["path"] for finding in json.loads(text)["findings"]}
    assert {os.fsencode(path) for path in paths} == {os.fsencode(latin1_folder) + b"/" + NAME}
    assert "caf\\udce9.yaml" in text


@pytest.mark.parametrize("output_format", ["text", "concise", "github", "html"])
def test_human_formats_show_the_byte_escaped(latin1_folder: Path, output_format: str) -> None:
    done = run("lint", "--format", output_format, str(latin1_folder))
    assert done.returncode == 1, done.stderr
    assert "caf\\xe9.yaml" in done.stdout.decode("utf-8")


@pytest.mark.parametrize("output_format", ["text", "concise", "json", "sarif", "github", "html"])
def test_output_file_and_baseline_with_a_name_that_is_not_utf8(
    latin1_folder: Path, output_format: str
) -> None:
    out = latin1_folder.parent / "report.out"
    done = run("lint", "--format", output_format, "-o", str(out), str(latin1_folder))
    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr
    out.read_bytes().decode("utf-8")
    baseline = latin1_folder.parent / "baseline.json"
    written = run("lint", "--write-baseline", str(baseline), str(latin1_folder))
    assert b"Traceback" not in written.stderr, written.stderr
    baseline.read_bytes().decode("utf-8")
    again = run("lint", "--format", "json", "--baseline", str(baseline), str(latin1_folder))
    findings = json.loads(again.stdout.decode("utf-8"))["findings"]
    assert findings and all(f.get("suppressed", {}).get("kind") == "baseline" for f in findings)


# --- item 9: the echoed plan line is cut around the column ----------------------------------


def one_line_plan(cycles: int = 20, entries: int = 20, padding: int = 520) -> str:
    pad = " " * padding  # blanks between flow entries: a long line, few findings to lint
    it = ", ".join("{day: 1, drugs: [methotrexate], dose: 12 mg}" + pad for _ in range(entries))
    cycle = "{cycle: %d, infusion: [{days: 1-28, dose: 28 mcg/day}], intrathecal: [" + it + "]}"
    body = ", ".join(cycle % (n + 1) for n in range(cycles))
    return (
        "{blinacheck: 1, indication: mrd-positive, patient: {age_years: 9}, cycles: ["
        + body
        + "]}\n"
    )


def test_a_one_line_plan_does_not_print_its_line_per_finding(tmp_path: Path) -> None:
    plan = tmp_path / "one-line.yaml"
    text = one_line_plan()
    assert 200_000 < len(text) < 250_000 and text.count("\n") == 1
    plan.write_text(text)
    done = run("lint", str(plan))
    out = done.stdout.decode()
    findings = out.count("error[") + out.count("warning[") + out.count("info[")
    assert findings >= 400
    assert len(out) < findings * 600  # was the whole 225 KB line once per finding: ~1 GB
    excerpts = [line for line in out.splitlines() if line.startswith("    1 | ")]
    assert len(excerpts) == findings
    assert max(len(line) for line in excerpts) <= len("    1 | ") + 102


def test_the_caret_stays_under_the_column_of_a_cut_line() -> None:
    from blinacheck import lint_text

    result = lint_text(one_line_plan(cycles=2, entries=3))
    text = render_one(result)
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if not line.startswith("    1 | "):
            continue
        header = lines[number - 1]
        column = int(header.split(":")[2])
        caret = lines[number + 1].index("^") - len("      | ")
        shown = line[len("    1 | ") :]
        start = 0 if not shown.startswith("…") else column - 1 - (caret - 1)
        source = one_line_plan(cycles=2, entries=3).rstrip("\n")
        # The character above the caret is the one at the finding's column.
        assert shown[caret] == source[column - 1], (header, shown, caret)
        assert start >= 0


def render_one(result: object) -> str:
    from blinacheck import render

    return render(result, "text")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "args",
    [
        ("lint", "-o", "{bad}", "{plan}"),  # click's own message: a directory, not a file
        ("lint", "--baseline", "{bad}", "{plan}"),
        ("lint", "{bad}/missing.yaml"),  # blinacheck's message: no such file
        ("lint", "--rules", "{bad}/none", "{plan}"),
        ("test", "{bad}/none"),
    ],
)
def test_paths_in_usage_errors_reach_the_terminal_escaped(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    bad = tmp_path / "dir\x1b]0;pwned\x07.yaml"
    bad.mkdir()
    plan = EXAMPLES / "child-it-day-1.yaml"
    done = run(*(a.format(bad=bad, plan=plan) for a in args))
    assert done.returncode == 2
    err = done.stderr.decode("utf-8")
    assert "pwned" in err  # the path is named...
    assert CONTROLS.search(err) is None, repr(err)  # ...but cannot drive the terminal
