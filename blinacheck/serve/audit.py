"""The audit log: every card the service issued and every feedback the EHR sent about one.

One interface over two databases, chosen by URL: ``sqlite:///audit.db`` (relative to the
current directory; ``sqlite:////var/lib/blinacheck/audit.db`` absolute), the embedded default,
and ``postgresql://user@host:port/db`` for several service instances behind a load balancer
(psycopg 3, the ``[serve]`` extra). The schema is created when missing, by every instance that
opens the log, safely at the same time. Every write is committed before the call returns, so
nothing is lost when the service stops.

No patient data is stored: a card's uuid, rule, indicator and summary (the service records
the rule's title), and the EHR's feedback on it. The only free text is the
clinician's override comment (docs/cds-hooks.md, "The audit log").
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

OUTCOMES = ("accepted", "overridden")

# The columns of rows(), in order: the CSV header of `blinacheck audit export`.
COLUMNS = (
    "service",
    "card",
    "card_known",
    "rule",
    "indicator",
    "summary",
    "issued_at",
    "outcome",
    "override_code",
    "override_system",
    "user_comment",
    "accepted_suggestions",
    "outcome_timestamp",
    "received_at",
)

_log = logging.getLogger("blinacheck.serve.audit")


class AuditLogError(Exception):
    """The audit log cannot be opened or written: a bad URL, a missing driver, no database."""


@dataclass(frozen=True)
class IssuedCard:
    """A card as it was sent: its uuid, the rule behind it, its indicator and summary."""

    uuid: str
    rule: str
    indicator: str
    summary: str
    issued_at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class FeedbackEntry:
    """One feedback item of the CDS Hooks feedback endpoint, about the card ``card`` (a uuid)."""

    card: str
    outcome: str  # "accepted" or "overridden"
    override_code: str | None
    override_system: str | None
    user_comment: str | None
    accepted_suggestions: tuple[str, ...]
    outcome_timestamp: str

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {self.outcome!r}")


def _now() -> datetime:
    return datetime.now(UTC)


def open_audit_log(
    url: str, *, create: bool = True, clock: Callable[[], datetime] = _now
) -> AuditLog:
    """The audit log at ``url``, its tables created if missing.

    With ``create=False`` (an export) the log must exist already: nothing is created.
    ``clock`` gives the time a feedback is received (tests fix it). Raises AuditLogError for a
    URL of another scheme, a missing driver, a database that cannot be reached or, with
    ``create=False``, one that is not a blinacheck audit log.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise AuditLogError(
            f"audit log database {url!r}: not a URL; use sqlite:///FILE or "
            "postgresql://USER@HOST:PORT/DATABASE"
        )
    if scheme == "sqlite":
        path = _sqlite_path(url, rest)
        if not create and not path.is_file():
            raise AuditLogError(f"audit log database {path}: no such file")
        return AuditLog(_SQLite(path, create), clock, file=path)
    if scheme in ("postgresql", "postgres"):
        return AuditLog(_Postgres(url, create), clock)
    raise AuditLogError(
        f"audit log database: unknown scheme {scheme!r}; use sqlite:///FILE or "
        "postgresql://USER@HOST:PORT/DATABASE"
    )


def _sqlite_path(url: str, rest: str) -> Path:
    if not rest.startswith("/") or rest == "/":
        raise AuditLogError(
            f"audit log database {url!r}: a SQLite URL is sqlite:///FILE "
            "(three slashes, then the file; four for an absolute path)"
        )
    path = rest[1:]
    if path in (":memory:", "") or path.startswith("file:"):
        raise AuditLogError(
            f"audit log database {url!r}: the audit log must be a file, to outlive the service"
        )
    return Path(path)


class _Backend(Protocol):
    """What AuditLog needs of a database: run statements in one transaction, read rows."""

    placeholder: str

    def execute(self, statements: Sequence[tuple[str, Sequence[Sequence[object]]]]) -> None: ...

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


_TABLES = (
    """CREATE TABLE IF NOT EXISTS blinacheck_cards (
        uuid TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        rule TEXT NOT NULL,
        indicator TEXT NOT NULL,
        summary TEXT NOT NULL,
        issued_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS blinacheck_feedback (
        id {serial},
        service TEXT NOT NULL,
        card TEXT NOT NULL,
        outcome TEXT NOT NULL,
        override_code TEXT,
        override_system TEXT,
        user_comment TEXT,
        accepted_suggestions TEXT NOT NULL,
        outcome_timestamp TEXT NOT NULL,
        received_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS blinacheck_feedback_card ON blinacheck_feedback (card)",
    # The jti of every bearer token accepted, until it expires: a token replayed to another
    # worker or instance sharing the log is refused there too (tokens.Verifier).
    """CREATE TABLE IF NOT EXISTS blinacheck_token_ids (
        issuer TEXT NOT NULL,
        jti TEXT NOT NULL,
        expires REAL NOT NULL,
        PRIMARY KEY (issuer, jti)
    )""",
)

# Cards with each of their feedbacks (or none), then feedback about no card the log knows.
_ROWS = """
SELECT c.service, c.uuid, 1, c.rule, c.indicator, c.summary, c.issued_at,
       f.outcome, f.override_code, f.override_system, f.user_comment, f.accepted_suggestions,
       f.outcome_timestamp, f.received_at, COALESCE(f.id, 0) AS fid,
       c.issued_at AS sort_time
FROM blinacheck_cards c LEFT JOIN blinacheck_feedback f ON f.card = c.uuid
UNION ALL
SELECT f.service, f.card, 0, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
       CAST(NULL AS TEXT), f.outcome, f.override_code, f.override_system, f.user_comment,
       f.accepted_suggestions, f.outcome_timestamp, f.received_at, f.id AS fid,
       f.outcome_timestamp AS sort_time
FROM blinacheck_feedback f
WHERE NOT EXISTS (SELECT 1 FROM blinacheck_cards k WHERE k.uuid = f.card)
ORDER BY sort_time, 2, fid
"""


# Expired token ids are deleted at most this often by one process (each delete is a synced
# write; a token past its exp is refused for that anyway, so a late delete changes nothing).
_PRUNE_EVERY_SECONDS = 60.0


class AuditLog:
    """The audit log of one service instance; safe to share between threads."""

    def __init__(
        self, backend: _Backend, clock: Callable[[], datetime] = _now, file: Path | None = None
    ) -> None:
        self._db = backend
        self._clock = clock
        self.file = file  # the SQLite file, None for a server
        self._pruned_at = float("-inf")  # when expired token ids were last deleted

    def record_cards(self, service: str, cards: Sequence[IssuedCard]) -> None:
        """Store the cards one response carried (a card stored before is kept as it was)."""
        if not cards:
            return
        p = self._db.placeholder
        sql = (
            "INSERT INTO blinacheck_cards (uuid, service, rule, indicator, summary, issued_at) "
            f"VALUES ({', '.join([p] * 6)}) ON CONFLICT (uuid) DO NOTHING"
        )
        params = [(c.uuid, service, c.rule, c.indicator, c.summary, c.issued_at) for c in cards]
        self._db.execute([(sql, params)])

    def record_feedback(self, service: str, entries: Sequence[FeedbackEntry]) -> None:
        """Store each feedback entry; one about a card the log does not know is stored too,
        and shows ``card_known`` false in rows()."""
        if not entries:
            return
        p = self._db.placeholder
        received = self._clock().astimezone(UTC).isoformat(timespec="seconds")
        sql = (
            "INSERT INTO blinacheck_feedback (service, card, outcome, override_code, "
            "override_system, user_comment, accepted_suggestions, outcome_timestamp, "
            f"received_at) VALUES ({', '.join([p] * 9)})"
        )
        params = [
            (
                service,
                e.card,
                e.outcome,
                e.override_code,
                e.override_system,
                e.user_comment,
                json.dumps(list(e.accepted_suggestions)),
                e.outcome_timestamp,
                received,
            )
            for e in entries
        ]
        self._db.execute([(sql, params)])
        cards = sorted({e.card for e in entries})
        known = self._known(cards)
        for card in cards:
            if card not in known:
                _log.warning("feedback about card %s, which this audit log never issued", card)

    def first_use(self, issuer: str, jti: str, expires: float) -> bool:
        """Record that a token with this ``jti`` from ``issuer`` was accepted; False if one was
        already recorded (a replay), by this process or any other sharing the log. Tokens past
        their expiry are forgotten (they are refused for their ``exp`` anyway)."""
        p = self._db.placeholder
        now = self._clock().timestamp()
        if now - self._pruned_at >= _PRUNE_EVERY_SECONDS:  # one write per call, not two
            self._db.execute(
                [(f"DELETE FROM blinacheck_token_ids WHERE expires < {p}", [(now - 60.0,)])]
            )
            self._pruned_at = now
        inserted = self._db.query(
            "INSERT INTO blinacheck_token_ids (issuer, jti, expires) "
            f"VALUES ({p}, {p}, {p}) ON CONFLICT (issuer, jti) DO NOTHING RETURNING jti",
            (issuer, jti, float(expires)),
        )
        return bool(inserted)

    def _known(self, cards: Sequence[str]) -> set[str]:
        p = self._db.placeholder
        found: set[str] = set()
        for start in range(0, len(cards), 500):
            chunk = cards[start : start + 500]
            sql = f"SELECT uuid FROM blinacheck_cards WHERE uuid IN ({', '.join([p] * len(chunk))})"
            found |= {row[0] for row in self._db.query(sql, chunk)}
        return found

    def rows(self) -> Iterator[dict[str, object]]:
        """Every card with each feedback about it (a card without feedback once, its feedback
        columns None), then feedback about unknown cards; in time order. Keys: COLUMNS."""
        for row in self._db.query(_ROWS):
            record = dict(zip(COLUMNS, row[: len(COLUMNS)], strict=True))
            record["card_known"] = bool(record["card_known"])
            suggestions = record["accepted_suggestions"]
            record["accepted_suggestions"] = (
                json.loads(suggestions) if isinstance(suggestions, str) else None
            )
            yield record

    def close(self) -> None:
        """Close the database connection; every write was committed already."""
        self._db.close()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


class _SQLite:
    """SQLite through the standard library: one connection shared under a lock, WAL journal
    (readers never wait for the writer; several processes may share the file), every
    transaction synced to disk before it returns."""

    placeholder = "?"

    def __init__(self, path: Path, create: bool) -> None:
        self._path = path
        self._lock = threading.Lock()
        try:
            # timeout: wait up to 30 s for another process's write instead of failing.
            self._conn = sqlite3.connect(
                path, timeout=30, check_same_thread=False, isolation_level=None
            )
            _wal(self._conn)
            self._conn.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error as exc:
            raise AuditLogError(f"audit log database {path}: cannot open it: {exc}") from None
        if create:
            serial = "INTEGER PRIMARY KEY AUTOINCREMENT"
            self.execute([(table.format(serial=serial), [()]) for table in _TABLES])
        else:
            _check_tables(self, str(path))

    def execute(self, statements: Sequence[tuple[str, Sequence[Sequence[object]]]]) -> None:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    for sql, params in statements:
                        if len(params) == 1:
                            self._conn.execute(sql, params[0])
                        else:
                            self._conn.executemany(sql, params)
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise AuditLogError(f"audit log database {self._path}: {exc}") from None

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise AuditLogError(f"audit log database {self._path}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _wal(conn: sqlite3.Connection, patience: float = 30.0) -> None:
    """Switch to the WAL journal. SQLite answers "database is locked" at once, without waiting
    for its busy timeout, while another process switches the same new file (several workers
    starting together): wait and try again, up to ``patience`` seconds."""
    deadline = time.monotonic() + patience
    pause = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def _check_tables(backend: _Backend, name: str) -> None:
    for table in ("blinacheck_cards", "blinacheck_feedback"):
        try:
            backend.query(f"SELECT 1 FROM {table} LIMIT 1")
        except AuditLogError as exc:
            reason = str(exc).removeprefix(f"audit log database {name}: ")
            raise AuditLogError(
                f"audit log database {name}: not a blinacheck audit log ({reason})"
            ) from None


# Held while the schema is created, so that instances starting together do not race in
# PostgreSQL's catalogue (concurrent CREATE TABLE IF NOT EXISTS can fail there).
_SCHEMA_LOCK = 0x626C696E61


class _Postgres:
    """PostgreSQL through psycopg 3: one connection shared under a lock, each write one
    committed transaction; a connection the server dropped is made anew on the next call."""

    placeholder = "%s"

    def __init__(self, url: str, create: bool) -> None:
        try:
            import psycopg
        except ImportError:
            raise AuditLogError(
                "a PostgreSQL audit log needs psycopg: pip install 'blinacheck[serve]'"
            ) from None
        self._psycopg = psycopg
        self._url = url
        self._lock = threading.Lock()
        self._conn: Any = None
        if not create:
            with self._lock:
                self._connection()  # a server that cannot be reached says so, not "no tables"
            _check_tables(self, _redacted(url))
            return
        serial = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        schema: list[tuple[str, Sequence[Sequence[object]]]] = [
            ("SELECT pg_advisory_xact_lock(%s)", [(_SCHEMA_LOCK,)])
        ]
        schema += [(table.format(serial=serial), [()]) for table in _TABLES]
        self.execute(schema)

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed or self._conn.broken:
            try:
                self._conn = self._psycopg.connect(self._url, autocommit=True, connect_timeout=10)
            except self._psycopg.Error as exc:
                raise AuditLogError(
                    f"audit log database {_redacted(self._url)}: {_one_line(exc)}"
                ) from None
        return self._conn

    def execute(self, statements: Sequence[tuple[str, Sequence[Sequence[object]]]]) -> None:
        with self._lock:
            conn = self._connection()
            try:
                with conn.transaction(), conn.cursor() as cursor:
                    for sql, params in statements:
                        if len(params) == 1:
                            cursor.execute(sql, params[0])
                        else:
                            cursor.executemany(sql, params)
            except self._psycopg.Error as exc:
                raise AuditLogError(
                    f"audit log database {_redacted(self._url)}: {_one_line(exc)}"
                ) from None

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            conn = self._connection()
            try:
                with conn.cursor() as cursor:
                    cursor.execute(sql, params)
                    rows: list[tuple[Any, ...]] = cursor.fetchall()
                    return rows
            except self._psycopg.Error as exc:
                raise AuditLogError(
                    f"audit log database {_redacted(self._url)}: {_one_line(exc)}"
                ) from None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
