"""Mutations of seed plans: structural, value, byte-level and YAML-feature (see __init__)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]


def seeds() -> list[tuple[str, bytes]]:
    """Every example plan and rule-test fixture plan, by path relative to the repository."""
    files = sorted(REPO.glob("examples/*.yaml")) + sorted(REPO.glob("tests/rules/**/*.yaml"))
    return [(str(path.relative_to(REPO)), path.read_bytes()) for path in files]


EDGE_VALUES: list[Any] = [
    "",
    None,
    0,
    -1,
    1,
    401,
    -401,
    400,
    -400,
    120,
    121,
    "1_5",
    "2_4",
    "١٥",  # Arabic-Indic 15
    "۱۵",  # Extended Arabic-Indic 15
    "１５",  # fullwidth 15
    "1e400",
    ".nan",
    "-.inf",
    "NO",
    "yes",
    "0x1F",
    "0o17",
    "+15",
    " 15 ",
    "15.0",
    "1-7",
    "7-1",
    "1--3",
    "-3--1",
    "0-7",
    "1-400",
    "1 to 7",
    "1,8,15",
    "9999-12-31",
    "0001-01-01",
    "9998-11-26",
    "2026-02-30",
    "03/04/2026",
    "5 March 2026",
    "2026-03-05T10:00",
    dt.date(2026, 3, 5),
    "28 mcg/day",
    "28 µg/day",
    "15 mcg/m2/day",
    "9 mcg/m²/day",
    ".5 mg",
    "0 mg",
    "1e3 mg",
    "99999999999999 mcg/day",
    "12 mg/m2",
    "20 mg",
    "dexamethasone",
    "methotrexate",
    "x" * 501,
    "y" * 5000,
    "a\x1b[2Jb",
    "\u202eevil",
    "tab\there",
    "line\u2028sep",
    "nel\x85x",
    "cr\rx",
    "function(x)",
    "functionality",
    "__proto__",
    "true",
    "false",
    "null",
    [],
    {},
    [1, 2],
    {"a": 1},
    "CNS3",
    "crs",
    "seizure",
    4,
    3,
    "relapsed-refractory",
    "mrd-positive",
    "consolidation",
]

UNKNOWN_KEYS = ["function", "functional_status", "lenght_days", "dose_mg", "notes", "day ", "Day"]


def _walk(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every (path, node) below ``node``, itself included."""
    found = [(path, node)]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _walk(value, (*path, index))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


def _structural(data: Any, rng: random.Random) -> Any:
    nodes = [(p, n) for p, n in _walk(data) if p]
    if not nodes:
        return data
    path, node = rng.choice(nodes)
    parent = _parent(data, path)
    key = path[-1]
    choice = rng.randrange(7)
    if choice == 0:  # remove
        del parent[key]
    elif choice == 1 and isinstance(parent, list):  # duplicate a list entry
        parent.insert(key, _copy(node))
    elif choice == 2:  # an unknown key
        target = node if isinstance(node, dict) else parent if isinstance(parent, dict) else None
        if target is not None:
            target[rng.choice(UNKNOWN_KEYS)] = rng.choice(EDGE_VALUES[:20])
    elif choice == 3:  # a mapping or list turned into a scalar, or the other way round
        parent[key] = rng.choice([[node], {"value": node}, "text", 7])
    elif choice == 4:  # move a node to another place
        other_path, _ = rng.choice(nodes)
        other_parent = _parent(data, other_path)
        if other_path[: len(path)] != path:
            other_parent[other_path[-1]] = _copy(node)
    elif choice == 5 and isinstance(parent, list) and len(parent) > 1:  # reorder
        rng.shuffle(parent)
    else:  # swap two values
        other_path, other = rng.choice(nodes)
        if other_path[: len(path)] != path and path[: len(other_path)] != other_path:
            parent[key], _parent(data, other_path)[other_path[-1]] = _copy(other), _copy(node)
    return data


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


def _value(data: Any, rng: random.Random) -> Any:
    scalars = [(p, n) for p, n in _walk(data) if p and not isinstance(n, dict | list)]
    if not scalars:
        return data
    path, node = rng.choice(scalars)
    parent = _parent(data, path)
    if isinstance(node, int) and not isinstance(node, bool) and rng.random() < 0.5:
        parent[path[-1]] = node + rng.choice([-1, 1, -7, 7, 28, 365, 10**6])
    elif isinstance(node, dt.date) and rng.random() < 0.5:
        try:
            parent[path[-1]] = node + dt.timedelta(days=rng.choice([-1, 1, 28, 366, 3650, -3650]))
        except OverflowError:
            parent[path[-1]] = node
    else:
        parent[path[-1]] = _copy(rng.choice(EDGE_VALUES))
    return data


BYTES = [
    b"\x00",
    b"\x1b",
    b"\xe9",
    b"\r",
    b"\xc2\x85",
    b"\xe2\x80\xa8",
    b"\t",
    b"\x07",
    b"\xff",
    b"\xef\xbb\xbf",
    b"{",
    b"[",
    b"'",
    b'"',
    b"#",
    b":",
    b"-",
    b"\n",
    b" ",
    b"&",
    b"*",
    b"!",
]


def _bytes(raw: bytes, rng: random.Random) -> bytes:
    if not raw:
        return rng.choice(BYTES)
    at = rng.randrange(len(raw))
    choice = rng.randrange(8)
    if choice == 0:  # flip a bit
        return raw[:at] + bytes([raw[at] ^ (1 << rng.randrange(8))]) + raw[at + 1 :]
    if choice == 1:
        return raw[:at] + rng.choice(BYTES) + raw[at:]
    if choice == 2:
        return raw[:at] + raw[at + rng.randrange(1, 40) :]
    if choice == 3:
        end = min(len(raw), at + rng.randrange(1, 200))
        return raw[:end] + raw[at:end] * rng.randrange(1, 4) + raw[end:]
    if choice == 4:  # every line end rewritten
        return raw.replace(b"\n", rng.choice([b"\r", b"\r\n", b"\xc2\x85", b"\xe2\x80\xa8"]))
    if choice == 5:
        return b"\xef\xbb\xbf" + raw
    if choice == 6:
        return raw[:at]
    return raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1 :]


YAML_SNIPPETS = [
    "x: &a [1, 2]\ny: *a\n",
    "title: !!python/object/apply:os.system ['true']\n",
    "title: !secret x\n",
    "%YAML 1.1\n---\n",
    "---\nblinacheck: 1\n",
    "? [complex, key]\n: value\n",
    "title: |\n  block\n  scalar\n",
    "title: >-\n  folded\n",
    'title: "esc \\e \\0 \\u202e \\x85"\n',
    "# blinacheck: ignore[dose-above-cap] -- reviewed\n",
    "# blinacheck: ignore[]\n",
    "title: 'unterminated\n",
    "{a: 1, b: [2, {c: 3}]}\n",
    "<<: {a: 1}\n",
    "blinacheck: 1\n",
    "- list\n- at top\n",
    "title: [" * 80 + "]" * 80 + "\n",
    "cycles: []\n",
    "!!binary aGVsbG8=\n",
]


def _yaml_feature(raw: bytes, rng: random.Random) -> bytes:
    lines = raw.split(b"\n")
    at = rng.randrange(len(lines) + 1)
    choice = rng.randrange(4)
    if choice == 0:  # a snippet between lines
        snippet = rng.choice(YAML_SNIPPETS).encode()
        return b"\n".join([*lines[:at], snippet.rstrip(b"\n"), *lines[at:]])
    if choice == 1 and at < len(lines):  # an anchor or tag on a value
        line = lines[at]
        if b": " in line:
            head, _, tail = line.partition(b": ")
            lines[at] = head + b": " + rng.choice([b"&a ", b"!!str ", b"!!int ", b"!x "]) + tail
        return b"\n".join(lines)
    if choice == 2:  # the whole document in flow style or as JSON
        try:
            data = yaml.safe_load(raw)
            if rng.random() < 0.5:
                import json

                return json.dumps(data, default=str).encode()
            return yaml.safe_dump(data, default_flow_style=True, width=10**9).encode()
        except Exception:
            return raw
    if at < len(lines):  # an inline comment, or indentation off by one
        lines[at] = (b" " + lines[at]) if rng.random() < 0.5 else lines[at] + b"  # note: x"
    return b"\n".join(lines)


def _data_mutation(
    mutation: Callable[[Any, random.Random], Any],
) -> Callable[[bytes, random.Random], bytes]:
    def mutate(raw: bytes, rng: random.Random) -> bytes:
        try:
            data = yaml.safe_load(raw)
        except Exception:
            return raw
        if not isinstance(data, dict | list):
            return raw
        data = mutation(data, rng)
        style = rng.random() < 0.3
        return yaml.safe_dump(
            data,
            default_flow_style=style,
            sort_keys=False,
            allow_unicode=True,
            width=rng.choice([80, 10**9]),
        ).encode()

    return mutate


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "structural": _data_mutation(_structural),
    "value": _data_mutation(_value),
    "bytes": _bytes,
    "yaml": _yaml_feature,
}


def case(rng: random.Random, corpus: list[tuple[str, bytes]]) -> tuple[str, list[str], bytes]:
    """One fuzz case: its seed, the mutations applied, and the bytes."""
    name, raw = rng.choice(corpus)
    applied = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        kind = rng.choice(list(MUTATIONS))
        raw = MUTATIONS[kind](raw, rng)
        applied.append(kind)
    return name, applied, raw
