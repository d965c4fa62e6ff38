"""``blinacheck audit export`` (issue 13): the audit log as CSV or JSON, read by a new process
(a restart), with exact output; spreadsheet formulas neutralised; bad databases refused."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from blinacheck.serve.audit import COLUMNS, open_audit_log

from .conftest import REPO, run_blinacheck
from .postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from .test_audit_log import ACCEPT, CARDS, EXPECTED, OVERRIDE, RECEIVED, SIGN

HEADER = (
    "service,card,card_known,rule,indicator,summary,issued_at,outcome,override_code,"
    "override_system,user_comment,accepted_suggestions,outcome_timestamp,received_at\r\n"
)


def write_log(url: str) -> None:
    with open_audit_log(url, clock=lambda: RECEIVED) as log:
        log.record_cards(SIGN, CARDS)
        log.record_feedback(SIGN, [OVERRIDE, ACCEPT])


def test_csv_export(tmp_path: Path) -> None:
    """RFC 4180: CRLF after each record, quotes around a cell with a comma or a quote."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    write_log(url)
    out = tmp_path / "review.csv"
    done = run_blinacheck("audit", "export", "--database", url, "-o", str(out))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert out.read_bytes().decode("utf-8") == (
        HEADER
        + "blinacheck-order-sign,3d5e1c1a-0f43-4b5c-9a51-1f1e9c9b2a01,true,it-on-infusion-day-1,"
        "critical,Intrathecal chemotherapy on the first day of the infusion,"
        "2026-03-02T09:00:00+00:00,overridden,patient-specific,"
        "https://blinacheck.example/override-reasons,"
        '"Discussed with the attending, IT stays on Day 1",[],'
        "2026-03-02T09:05:00+00:00,2026-03-02T09:15:00+00:00\r\n"
        "blinacheck-order-sign,7a2b9f40-5c11-4e0e-8d7c-2b6f3e4d5a02,true,premedication-missing,"
        "warning,Required corticosteroid premedication missing,"
        "2026-03-02T09:00:01+00:00,accepted,,,,"
        '"[""c2a1e3f0-8b7d-4c55-9e2a-5d1f0b3c4a03""]",2026-03-02T09:06:00+00:00,2026-03-02T09:15:00+00:00\r\n'
    )


def test_json_export_from_postgresql(postgres_url: str) -> None:  # noqa: F811
    write_log(postgres_url)
    done = run_blinacheck("audit", "export", "--database", postgres_url, "--format", "json")
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == EXPECTED
    assert done.stdout.startswith('[\n  {\n    "service": "blinacheck-order-sign",\n')


def test_an_empty_log_exports_its_header_or_an_empty_list(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    open_audit_log(url).close()
    assert run_blinacheck("audit", "export", "--database", url).stdout == HEADER.replace("\r", "")
    as_json = run_blinacheck("audit", "export", "--database", url, "--format", "json")
    assert as_json.stdout == "[]\n"


@pytest.mark.parametrize(
    ("comment", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("ok = fine", "ok = fine"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(
    tmp_path: Path, comment: str, cell: str
) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    with open_audit_log(url, clock=lambda: RECEIVED) as log:
        log.record_cards(SIGN, CARDS[:1])
        log.record_feedback(SIGN, [replace(OVERRIDE, user_comment=comment)])
    row = run_blinacheck("audit", "export", "--database", url).stdout.split("\n")[1]
    assert ",Discussed" not in row
    assert f",https://blinacheck.example/override-reasons,{cell},[]," in row
    # JSON keeps the comment as it was: it is no spreadsheet.
    as_json = run_blinacheck("audit", "export", "--database", url, "--format", "json")
    assert json.loads(as_json.stdout)[0]["user_comment"] == comment


def test_output_to_a_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    write_log(url)
    out = tmp_path / "review.json"
    done = run_blinacheck("audit", "export", "--database", url, "--format", "json", "-o", str(out))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert json.loads(out.read_text()) == EXPECTED


def test_the_output_is_never_the_database_itself(tmp_path: Path) -> None:
    database = tmp_path / "audit.db"
    write_log(f"sqlite:///{database}")
    before = database.read_bytes()
    done = run_blinacheck(
        "audit", "export", "--database", f"sqlite:///{database}", "-o", str(database)
    )
    assert done.returncode == 2
    assert "is one of the files being checked; choose another output file" in done.stderr
    assert database.read_bytes() == before


@pytest.mark.parametrize(
    ("database", "message"),
    [
        ("sqlite:///{tmp}/typo.db", "audit log database {tmp}/typo.db: no such file"),
        ("mysql://u@h/db", "unknown scheme 'mysql'"),
        ("sqlite:///{tmp}/plan.yaml", "file is not a database"),
        (
            "sqlite:///{tmp}/empty.db",
            "not a blinacheck audit log (no such table: blinacheck_cards)",
        ),
    ],
)
def test_a_database_that_cannot_be_exported_is_refused(
    tmp_path: Path, database: str, message: str
) -> None:
    (tmp_path / "plan.yaml").write_text("blinacheck: 1\n")
    import sqlite3

    sqlite3.connect(tmp_path / "empty.db").close()
    done = run_blinacheck("audit", "export", "--database", database.format(tmp=tmp_path))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("blinacheck audit export: ")
    assert message.format(tmp=tmp_path) in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "typo.db").exists()


def test_the_documented_export_runs_as_shown(tmp_path: Path) -> None:
    doc = (REPO / "docs" / "audit-log.md").read_text(encoding="utf-8")
    command = doc.split("<!-- audit:command -->\n```sh\n")[1].split("\n```")[0]
    shown = doc.split("<!-- audit:csv -->\n```text\n")[1].split("```")[0]
    words = command.split()
    assert words[:3] == ["blinacheck", "audit", "export"]
    database = words[words.index("--database") + 1]
    assert database == "sqlite:///blinacheck-audit.db"  # the service's default, relative
    write_log(f"sqlite:///{tmp_path / 'blinacheck-audit.db'}")
    done = run_blinacheck(*words[1:], cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == shown
    assert shown.splitlines()[0] == ",".join(COLUMNS)
