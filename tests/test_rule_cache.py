"""The cache of compiled rule sets (engine/rule_cache.py, issue 17): the same findings with and
without it, never trusted across versions or after a rule file changed, ignored when corrupt or
not the user's own, never written beside the checked files. Every test uses a folder of its
own under tmp_path; timings are measured in bench/, never here."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blinacheck.engine import rule_cache, ruleset
from blinacheck.run.lint import lint_bytes

from .conftest import EXAMPLES, REPO, run_blinacheck

PLANS = sorted([*EXAMPLES.glob("*.yaml"), *(REPO / "tests" / "rules").rglob("*.yaml")])

RULE = """\
rules:
  - id: local-title-short
    title: A short title
    severity: warning
    for_each: plan
    when: size(plan.title) < params.least
    message: the title has fewer than {{ params.least }} characters
    params: {least: 400}
    evidence: [{source: local policy}]
"""


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    """The cache on, in a folder of this test's own; off again (and nothing pending) after."""
    folder = tmp_path / "cache"
    rule_cache.enable(folder)
    yield folder
    rule_cache.disable()


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("rules-*.json"))


def outcome(rules: ruleset.RuleSet) -> list[Any]:
    """Every finding of every example and rule fixture plan, as plain data."""
    out = []
    for plan in PLANS:
        result = lint_bytes(plan.read_bytes(), str(plan), rules)
        out.append(
            [
                (f.rule, str(f.severity), f.line, f.column, f.message, f.subject, f.title)
                for f in result.findings
            ]
        )
    return out


def described(rules: ruleset.RuleSet) -> list[Any]:
    """What a rule set says about its rules (catalogue, explain, SARIF read these)."""
    return [
        (
            r.id,
            r.title,
            r.description,
            r.severity,
            [(c.when, c.severity) for c in r.severity_cases],
            r.for_each,
            r.when_text,
            [p.text for p in r.message],
            r.message_text,
            r.params,
            r.evidence,
            r.report_at,
            r.overridable,
            r.example,
            r.file,
            r.line,
            r.builtin,
        )
        for r in rules.rules
    ]


def test_the_same_findings_without_cache_cold_and_warm(cache: Path, tmp_path: Path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    (local / "title.yaml").write_text(RULE)
    rule_cache.disable()
    without = ruleset.load([str(local)])
    expected = outcome(without)
    rule_cache.enable(cache)
    cold = ruleset.load([str(local)])
    assert outcome(cold) == expected
    assert entries(cache) == []  # written when the process exits
    rule_cache.write_pending()
    assert len(entries(cache)) == 1
    warm = ruleset.load([str(local)])
    assert warm.rules[0].when is not cold.rules[0].when  # read from the cache, not shared
    assert outcome(warm) == expected
    assert described(warm) == described(without)
    assert sum(p.runtime_count() for rule in warm.rules for p in ruleset._programs(rule)) > 0
    assert any(f for findings in expected for f in findings if f[0] == "local-title-short")


def test_the_runtime_forms_compiled_later_are_kept(cache: Path) -> None:
    first = ruleset.load()
    rule_cache.write_pending()
    stored = entries(cache)[0].read_bytes()
    lint_bytes((EXAMPLES / "child-it-day-1.yaml").read_bytes(), "plan.yaml", first)
    rule_cache.write_pending()  # nothing new was compiled when loading: only now it writes
    assert entries(cache)[0].read_bytes() != stored
    again = ruleset.load()
    compiled = sum(p.runtime_count() for rule in again.rules for p in ruleset._programs(rule))
    assert compiled > 0
    rule_cache.write_pending()


def stored(folder: Path) -> tuple[str, Any, rule_cache.Blobs]:
    """The one entry in ``folder``: its key, data and byte strings."""
    (path,) = entries(folder)
    key = path.name.removeprefix("rules-").removesuffix(".json")
    found = rule_cache.fetch(key)
    assert found is not None
    return key, *found


def test_an_entry_is_really_read(cache: Path) -> None:
    ruleset.load()
    rule_cache.write_pending()
    key, data, blobs = stored(cache)
    data["rules"][0]["title"] = "A title only the cache knows"
    rule_cache._write(cache, key, (data, blobs))
    assert ruleset.load().rules[0].title == "A title only the cache knows"


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"not a cache at all",
        b"blinacheck compiled rules\n",
        None,  # a valid entry, truncated
        "flipped",  # a valid entry with one byte of its body changed
        "json",  # a checksum that matches a body that is not a rule set
    ],
)
def test_a_corrupt_entry_is_ignored_and_replaced(cache: Path, garbage: Any) -> None:
    expected = outcome(ruleset.load())
    rule_cache.write_pending()
    (path,) = entries(cache)
    valid = path.read_bytes()
    if garbage is None:
        path.write_bytes(valid[: len(valid) // 2])
    elif garbage == "flipped":
        at = len(valid) - 100
        path.write_bytes(valid[:at] + bytes([valid[at] ^ 1]) + valid[at + 1 :])
    elif garbage == "json":
        key = valid.split(b"\n", 2)[1].decode()
        rule_cache._write(
            cache, key, ({"rules": [{"id": "x", "when": {"checked": 9}}]}, rule_cache.Blobs())
        )
    else:
        path.write_bytes(garbage)
    assert outcome(ruleset.load()) == expected
    rule_cache.write_pending()
    assert path.read_bytes().split(b"\n", 3)[:2] == valid.split(b"\n", 3)[:2]
    assert rule_cache.fetch(path.name.removeprefix("rules-").removesuffix(".json")) is not None


def test_never_trusted_across_versions(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ruleset.load()
    rule_cache.write_pending()
    key, data, blobs = stored(cache)
    data["rules"][0]["title"] = "Stored by another version"
    rule_cache._write(cache, key, (data, blobs))
    assert ruleset.load().rules[0].title == "Stored by another version"
    for part, value in [("blinacheck", "9.9.9"), ("cel-expr-python", "9.9.9"), ("python", "4")]:
        environment = rule_cache._environment()
        monkeypatch.setitem(
            rule_cache._state, "environment", environment.replace(f"{part} ", f"{part} {value}")
        )
        assert rule_cache.key(ruleset._sources(), False) != key
        assert ruleset.load().rules[0].title != "Stored by another version"
        monkeypatch.setitem(rule_cache._state, "environment", environment)


def test_the_versions_and_sources_are_in_the_key() -> None:
    rule_cache._state.pop("environment", None)
    environment = rule_cache._environment()
    from cel_expr_python import cel

    import blinacheck

    assert f"blinacheck {blinacheck.__version__} " in environment
    assert "cel-expr-python cel_expr_python-" in environment
    assert str(os.stat(cel.__file__).st_size) in environment
    sources = ruleset._sources()
    base = rule_cache.key(sources, False)
    assert rule_cache.key(sources, True) != base  # field checks on or off
    name, raw, builtin = sources[0]
    assert rule_cache.key([(name, raw + b"\n", builtin), *sources[1:]], False) != base
    assert rule_cache.key([(name + "x", raw, builtin), *sources[1:]], False) != base
    assert rule_cache.key([(name, raw, not builtin), *sources[1:]], False) != base
    assert rule_cache.key(sources[1:], False) != base


def test_any_change_to_a_rule_file_is_a_miss(cache: Path, tmp_path: Path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    (local / "title.yaml").write_text(RULE)
    first = ruleset.load([str(local)], builtin=False)
    rule_cache.write_pending()
    assert first.rules[0].params == {"least": 400}
    (local / "title.yaml").write_text(RULE.replace("least: 400", "least: 4"))
    second = ruleset.load([str(local)], builtin=False)
    assert second.rules[0].params == {"least": 4}
    rule_cache.write_pending()
    assert len(entries(cache)) == 2
    (local / "other.yaml").write_text(RULE.replace("local-title-short", "local-other"))
    assert [r.id for r in ruleset.load([str(local)], builtin=False).rules] == [
        "local-other",
        "local-title-short",
    ]


def test_a_broken_rule_file_is_reported_every_time(cache: Path, tmp_path: Path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    (local / "bad.yaml").write_text(RULE.replace("size(plan.title)", "size(plan.titel)"))
    for _ in range(2):
        with pytest.raises(ruleset.RuleSetError, match="titel"):
            ruleset.load([str(local)], builtin=False)
        rule_cache.write_pending()
    assert entries(cache) == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_an_entry_others_may_write_is_not_trusted(cache: Path) -> None:
    ruleset.load()
    rule_cache.write_pending()
    key, _, _ = stored(cache)
    (path,) = entries(cache)
    path.chmod(0o666)
    assert rule_cache.fetch(key) is None
    path.chmod(0o600)
    cache.chmod(0o777)
    assert rule_cache.fetch(key) is None
    cache.chmod(0o700)
    assert rule_cache.fetch(key) is not None


def test_an_unwritable_cache_folder_is_no_error(cache: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    rule_cache.enable(blocker / "cache")  # cannot be created: a file is in the way
    expected = outcome(ruleset.load())
    rule_cache.write_pending()
    assert outcome(ruleset.load()) == expected


def test_old_entries_are_pruned(cache: Path) -> None:
    for number in range(rule_cache.KEEP + 3):
        rule_cache._write(cache, f"{number:064x}", ({"rules": []}, rule_cache.Blobs()))
    assert len(entries(cache)) == rule_cache.KEEP


def test_the_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BLINACHECK_CACHE_DIR", str(tmp_path / "mine"))
    assert rule_cache.default_directory() == tmp_path / "mine"
    monkeypatch.delenv("BLINACHECK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert rule_cache.default_directory() == tmp_path / "xdg" / "blinacheck"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert rule_cache.default_directory() == tmp_path / "home" / ".cache" / "blinacheck"
    rule_cache.disable()
    assert rule_cache.directory() is None
    assert rule_cache.key(ruleset._sources(), False) is not None


def test_the_library_alone_writes_no_cache(tmp_path: Path) -> None:
    code = (
        "import blinacheck, sys; "
        "r = blinacheck.lint_file(sys.argv[1]); "
        "print(len(blinacheck.builtin_ruleset().rules) > 20)"
    )
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLES / "adult-rr-cycles-1-2.yaml")],
        env={**os.environ, "BLINACHECK_CACHE_DIR": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout == "True\n", done.stderr
    assert not (tmp_path / "cache").exists()


def test_the_command_line_caches_outside_the_checked_folder(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    for name in ("adult-rr-cycles-1-2.yaml", "child-it-day-1.yaml"):
        (plans / name).write_bytes((EXAMPLES / name).read_bytes())
    before = sorted(os.listdir(plans))
    folder = tmp_path / "cache"
    env = {"BLINACHECK_CACHE_DIR": str(folder)}
    args = ("lint", "--isolated", "--format", "json", str(plans))
    plain = run_blinacheck(*args, "--no-cache", env=env, cwd=tmp_path)
    assert not folder.exists()  # --no-cache writes nothing
    cold = run_blinacheck(*args, env=env, cwd=tmp_path)
    assert len(entries(folder)) == 1
    warm = run_blinacheck(*args, env=env, cwd=tmp_path)
    assert plain.returncode == cold.returncode == warm.returncode
    assert plain.stdout == cold.stdout == warm.stdout
    assert json.loads(plain.stdout)
    assert sorted(os.listdir(plans)) == before
    assert sorted(os.listdir(tmp_path)) == ["cache", "plans"]


def _runtime_forms(data: Any) -> int:
    programs = []
    for rule in data["rules"]:
        programs += [rule["when"], *(case[0] for case in rule["severity_cases"])]
        programs += [expression for _, expression in rule["message"] if expression is not None]
    return sum(len(program["runtime"]) for program in programs)


def test_parallel_workers_read_the_cache_and_keep_what_they_compiled(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    for plan in sorted(EXAMPLES.glob("*.yaml")):
        (plans / plan.name).write_bytes(plan.read_bytes())
    folder = tmp_path / "cache"
    env = {"BLINACHECK_CACHE_DIR": str(folder)}
    args = ("lint", "--isolated", "--format", "json", "--jobs", "2", str(plans))
    first = run_blinacheck(*args, env=env, cwd=tmp_path)
    rule_cache.enable(folder)
    try:
        _, data, _ = stored(folder)
    finally:
        rule_cache.disable()
    # The main process evaluated nothing; the workers' runtime forms were kept at their exit.
    assert _runtime_forms(data) > 0
    again = run_blinacheck(*args, env=env, cwd=tmp_path)
    plain = run_blinacheck(*args, "--no-cache", env=env, cwd=tmp_path)
    assert first.stdout == again.stdout == plain.stdout
    assert first.returncode == again.returncode == plain.returncode
