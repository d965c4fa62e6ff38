"""The audit log of the CDS Hooks service (issue 13): cards and their feedback, stored in SQLite
or PostgreSQL, read back after a restart by a new process; nothing dropped, no patient data."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from blinacheck.serve.audit import (
    COLUMNS,
    AuditLogError,
    FeedbackEntry,
    IssuedCard,
    open_audit_log,
)

from .postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

SIGN = "blinacheck-order-sign"
RECEIVED = datetime(2026, 3, 2, 9, 15, 0, tzinfo=UTC)

CARDS = [
    IssuedCard(
        uuid="3d5e1c1a-0f43-4b5c-9a51-1f1e9c9b2a01",
        rule="it-on-infusion-day-1",
        indicator="critical",
        summary="Intrathecal chemotherapy on the first day of the infusion",
        issued_at="2026-03-02T09:00:00+00:00",
    ),
    IssuedCard(
        uuid="7a2b9f40-5c11-4e0e-8d7c-2b6f3e4d5a02",
        rule="premedication-missing",
        indicator="warning",
        summary="Required corticosteroid premedication missing",
        issued_at="2026-03-02T09:00:01+00:00",
    ),
]
OVERRIDE = FeedbackEntry(
    card=CARDS[0].uuid,
    outcome="overridden",
    override_code="patient-specific",
    override_system="https://blinacheck.example/override-reasons",
    user_comment="Discussed with the attending, IT stays on Day 1",
    accepted_suggestions=(),
    outcome_timestamp="2026-03-02T09:05:00+00:00",
)
ACCEPT = FeedbackEntry(
    card=CARDS[1].uuid,
    outcome="accepted",
    override_code=None,
    override_system=None,
    user_comment=None,
    accepted_suggestions=("c2a1e3f0-8b7d-4c55-9e2a-5d1f0b3c4a03",),
    outcome_timestamp="2026-03-02T09:06:00+00:00",
)

EXPECTED = [
    {
        "service": SIGN,
        "card": CARDS[0].uuid,
        "card_known": True,
        "rule": "it-on-infusion-day-1",
        "indicator": "critical",
        "summary": CARDS[0].summary,
        "issued_at": "2026-03-02T09:00:00+00:00",
        "outcome": "overridden",
        "override_code": "patient-specific",
        "override_system": "https://blinacheck.example/override-reasons",
        "user_comment": "Discussed with the attending, IT stays on Day 1",
        "accepted_suggestions": [],
        "outcome_timestamp": "2026-03-02T09:05:00+00:00",
        "received_at": "2026-03-02T09:15:00+00:00",
    },
    {
        "service": SIGN,
        "card": CARDS[1].uuid,
        "card_known": True,
        "rule": "premedication-missing",
        "indicator": "warning",
        "summary": "Required corticosteroid premedication missing",
        "issued_at": "2026-03-02T09:00:01+00:00",
        "outcome": "accepted",
        "override_code": None,
        "override_system": None,
        "user_comment": None,
        "accepted_suggestions": ["c2a1e3f0-8b7d-4c55-9e2a-5d1f0b3c4a03"],
        "outcome_timestamp": "2026-03-02T09:06:00+00:00",
        "received_at": "2026-03-02T09:15:00+00:00",
    },
]

READ_BACK = (
    "import json, sys\n"
    "from blinacheck.serve.audit import open_audit_log\n"
    "log = open_audit_log(sys.argv[1], create=False)\n"
    "print(json.dumps(list(log.rows())))\n"
    "log.close()\n"
)

WRITE_ONE = (
    "import sys\n"
    "from blinacheck.serve.audit import IssuedCard, open_audit_log\n"
    "log = open_audit_log(sys.argv[1])\n"
    "log.record_cards('s', [IssuedCard(sys.argv[2], 'r', 'info', 'x', sys.argv[2])])\n"
    "log.close()\n"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def audit_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def read_in_new_process(url: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-c", READ_BACK, url], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, object]] = json.loads(done.stdout)
    return rows


def test_cards_and_feedback_survive_a_restart(audit_url: str) -> None:
    log = open_audit_log(audit_url, clock=lambda: RECEIVED)
    log.record_cards(SIGN, CARDS)
    log.record_feedback(SIGN, [OVERRIDE, ACCEPT])
    log.close()
    assert read_in_new_process(audit_url) == EXPECTED
    # The schema already there, a second instance opens the log and adds to it.
    with open_audit_log(audit_url, clock=lambda: RECEIVED) as again:
        again.record_feedback(SIGN, [OVERRIDE])
    rows = read_in_new_process(audit_url)
    assert rows == [EXPECTED[0], EXPECTED[0], EXPECTED[1]]


def test_a_card_without_feedback_is_exported_once(audit_url: str) -> None:
    with open_audit_log(audit_url) as log:
        log.record_cards(SIGN, CARDS[:1])
    blank = dict.fromkeys(COLUMNS[7:])
    assert read_in_new_process(audit_url) == [{**EXPECTED[0], **blank}]


def test_feedback_about_an_unknown_card_is_kept_and_flagged(
    audit_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    stray = FeedbackEntry(
        card="00000000-0000-4000-8000-000000000000",
        outcome="overridden",
        override_code=None,
        override_system=None,
        user_comment=None,
        accepted_suggestions=(),
        outcome_timestamp="2026-03-02T10:00:00+00:00",
    )
    with open_audit_log(audit_url, clock=lambda: RECEIVED) as log:
        log.record_cards(SIGN, CARDS[:1])
        log.record_feedback(SIGN, [stray])
    assert "00000000-0000-4000-8000-000000000000" in caplog.text
    rows = read_in_new_process(audit_url)
    assert rows[1] == {
        "service": SIGN,
        "card": "00000000-0000-4000-8000-000000000000",
        "card_known": False,
        "rule": None,
        "indicator": None,
        "summary": None,
        "issued_at": None,
        "outcome": "overridden",
        "override_code": None,
        "override_system": None,
        "user_comment": None,
        "accepted_suggestions": [],
        "outcome_timestamp": "2026-03-02T10:00:00+00:00",
        "received_at": "2026-03-02T09:15:00+00:00",
    }
    assert len(rows) == 2


def test_a_card_recorded_twice_is_kept_once(audit_url: str) -> None:
    with open_audit_log(audit_url) as log:
        log.record_cards(SIGN, CARDS[:1])
        log.record_cards(SIGN, CARDS[:1])
        assert len(list(log.rows())) == 1


def test_threads_share_one_log(audit_url: str) -> None:
    """uvicorn answers requests on several threads; each write lands, none is lost."""
    with open_audit_log(audit_url) as log:

        def work(thread: int) -> None:
            for n in range(20):
                card = IssuedCard(f"t{thread}-{n}", "r", "info", "s", f"2026-03-02T09:{n:02}")
                log.record_cards(SIGN, [card])
                log.record_feedback(SIGN, [replace(ACCEPT, card=card.uuid)])

        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    rows = read_in_new_process(audit_url)
    assert len(rows) == 160
    assert all(row["card_known"] and row["outcome"] == "accepted" for row in rows)


def test_instances_starting_together_all_open_the_log(audit_url: str) -> None:
    """Several service instances start at once on a new database: each creates the schema if
    missing, none fails, every write is kept."""
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", WRITE_ONE, audit_url, f"card-{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(6)
    ]
    for start in starts:
        _, err = start.communicate(timeout=60)
        assert start.returncode == 0, err
    assert sorted(str(row["card"]) for row in read_in_new_process(audit_url)) == [
        f"card-{n}" for n in range(6)
    ]


def columns_of(url: str) -> dict[str, list[str]]:
    tables = ("blinacheck_cards", "blinacheck_feedback", "blinacheck_token_ids")
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return {t: [row[1] for row in db.execute(f"PRAGMA table_info({t})")] for t in tables}
    import psycopg

    with psycopg.connect(url) as db:
        return {
            t: [
                row[0]
                for row in db.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "ORDER BY ordinal_position",
                    (t,),
                )
            ]
            for t in tables
        }


def test_the_schema_has_no_place_for_patient_data(audit_url: str) -> None:
    """Exactly these columns: no patient id, name, birth date, encounter or plan text. A new
    column is a deliberate change of this test and of docs/cds-hooks.md."""
    open_audit_log(audit_url).close()
    assert columns_of(audit_url) == {
        "blinacheck_cards": ["uuid", "service", "rule", "indicator", "summary", "issued_at"],
        "blinacheck_feedback": [
            "id",
            "service",
            "card",
            "outcome",
            "override_code",
            "override_system",
            "user_comment",
            "accepted_suggestions",
            "outcome_timestamp",
            "received_at",
        ],
        # the jti of accepted bearer tokens until they expire (the EHR's, not the patient's)
        "blinacheck_token_ids": ["issuer", "jti", "expires"],
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "unknown scheme 'mysql'; use sqlite:///FILE or postgresql://"),
        ("audit.db", "not a URL; use sqlite:///FILE or postgresql://"),
        ("sqlite:///:memory:", "the audit log must be a file, to outlive the service"),
        ("sqlite://audit.db", "a SQLite URL is sqlite:///FILE"),
    ],
)
def test_a_bad_url_is_refused_clearly(url: str, message: str) -> None:
    with pytest.raises(AuditLogError, match="audit log database") as refused:
        open_audit_log(url)
    assert message in str(refused.value)


def test_a_sqlite_file_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AuditLogError, match="cannot open it: unable to open database file"):
        open_audit_log(f"sqlite:///{tmp_path / 'no' / 'audit.db'}")


def test_an_export_of_a_file_that_is_not_an_audit_log_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AuditLogError, match="no such file"):
        open_audit_log(f"sqlite:///{tmp_path / 'typo.db'}", create=False)
    assert not (tmp_path / "typo.db").exists()
    plan = tmp_path / "plan.yaml"
    plan.write_text("blinacheck: 1\n")
    with pytest.raises(AuditLogError, match="file is not a database"):
        open_audit_log(f"sqlite:///{plan}", create=False)
    assert plan.read_text() == "blinacheck: 1\n"


def test_an_unreachable_postgresql_is_refused_without_its_password() -> None:
    import socket

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(AuditLogError) as refused:
        open_audit_log(f"postgresql://audit:s3cret@127.0.0.1:{port}/audit")
    message = str(refused.value)
    assert message.startswith(f"audit log database postgresql://audit:***@127.0.0.1:{port}/audit:")
    assert "s3cret" not in message


def test_a_dropped_postgresql_connection_is_made_anew(request: pytest.FixtureRequest) -> None:
    """The server ends the connection (a restart, a failover): the next write reconnects."""
    import psycopg

    url: str = request.getfixturevalue("postgres_url")
    log = open_audit_log(url)
    log.record_cards(SIGN, CARDS[:1])
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    with pytest.raises(AuditLogError):
        log.record_cards(SIGN, CARDS[1:])  # the write under way when the connection died
    log.record_cards(SIGN, CARDS[1:])
    log.close()
    assert [row["card"] for row in read_in_new_process(url)] == [c.uuid for c in CARDS]


def test_feedback_with_another_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="outcome must be one of accepted, overridden"):
        FeedbackEntry("c", "ignored", None, None, None, (), "2026-03-02T09:00:00Z")


FIRST_USE = (
    "import sys\n"
    "from blinacheck.serve.audit import open_audit_log\n"
    "log = open_audit_log(sys.argv[1])\n"
    "print(log.first_use('https://ehr.example.org', sys.argv[2], float(sys.argv[3])))\n"
    "log.close()\n"
)


def test_a_token_id_is_first_used_once_across_processes(audit_url: str) -> None:
    """The replay check the service's workers share (serve/tokens.py): a jti recorded by one
    process is a replay in another; an expired one is forgotten."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with open_audit_log(audit_url, clock=lambda: now) as log:
        expires = now.timestamp() + 300
        assert log.first_use("https://ehr.example.org", "jti-1", expires) is True
        assert log.first_use("https://ehr.example.org", "jti-1", expires) is False
        assert log.first_use("https://other.example.org", "jti-1", expires) is True
        # long expired (more than the 60 s kept past exp): forgotten at the next use
        assert log.first_use("https://ehr.example.org", "old", now.timestamp() - 3600) is True

    def in_new_process(jti: str, expires: float) -> str:
        done = subprocess.run(
            [sys.executable, "-c", FIRST_USE, audit_url, jti, str(expires)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    future = datetime.now(UTC).timestamp() + 300
    assert in_new_process("jti-2", future) == "True"
    assert in_new_process("jti-2", future) == "False"
    with open_audit_log(audit_url) as log:
        assert log.first_use("https://ehr.example.org", "jti-2", future) is False
        assert log.first_use("https://ehr.example.org", "old", 0.0) is True  # it was pruned


def test_expired_token_ids_are_deleted_once_a_minute(audit_url: str) -> None:
    """Each check is one synced write: the delete of expired ids runs at most once a minute
    per process (a token past its exp is refused for that anyway)."""
    times = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()]
    with open_audit_log(audit_url, clock=lambda: datetime.fromtimestamp(times[0], UTC)) as log:
        start = times[0]
        assert log.first_use("https://ehr.example.org", "a", start + 300) is True  # deletes
        assert log.first_use("https://ehr.example.org", "gone", start - 3600) is True
        times[0] = start + 30  # within the minute: not deleted yet
        assert log.first_use("https://ehr.example.org", "gone", start - 3600) is False
        times[0] = start + 61
        assert log.first_use("https://ehr.example.org", "gone", start - 3600) is True
