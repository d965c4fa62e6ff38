"""Hostile rule files: a colleague's rules cannot read files, reach the network, run code or hang.

CEL has no I/O: anything that is not one of its own functions fails when the rule set loads
(exit 2, located). Evaluation is bounded: CEL's iteration budget ends an expensive expression
as a `rule-error` finding, `replace` (the one string function that multiplies sizes) and very
long expressions are refused at load, and a rule that keeps a file busy too long is stopped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from blinacheck.engine import celenv, evaluate
from blinacheck.engine.ruleset import MAX_RULES_PER_FILE, RuleSet, RuleSetError, load
from blinacheck.results.findings import RULE_ERROR
from blinacheck.run.lint import lint_bytes

from .conftest import fail_if_hung

HOSTILE = Path(__file__).resolve().parent / "hostile"
PLAN = (HOSTILE / "normal.yaml").read_bytes()  # one cycle of 28 days, IT on lines 11 and 12


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    """Turn a hang into a failure; durations themselves are not asserted."""
    with fail_if_hung(20, "hostile rule"):
        yield


def rule(when: str, *, for_each: str = "plan", message: str = "fired", rule_id: str = "x") -> str:
    """One rule in a rule file; `when` is written as a YAML block scalar on line 8."""
    return (
        textwrap.dedent(
            f"""\
        rules:
          - id: {rule_id}
            title: A colleague's rule
            severity: warning
            for_each: {for_each}
            message: "{message}"
            evidence: [{{source: a colleague}}]
            when: >-
        """
        )
        + textwrap.indent(when, " " * 6)
        + "\n"
    )


def write_rules(folder: Path, text: str, name: str = "colleague.yaml") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return str(folder)


def load_problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        load([write_rules(tmp_path / "rules", text)], builtin=False)
    return [str(p) for p in caught.value.problems]


def lint_with(tmp_path: Path, text: str, plan: bytes = PLAN) -> list[tuple[str, int, str]]:
    ruleset = load([write_rules(tmp_path / "rules", text)], builtin=False)
    result = lint_bytes(plan, "plan.yaml", ruleset)
    return [(f.rule, f.line, f.message) for f in result.findings]


# --- no I/O, no code: unknown functions fail at load, located ------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        ("readFile('/etc/passwd') != ''", "readFile"),
        ("file('/etc/passwd').size() > 0", "file"),
        ("http.get('https://example.org') == ''", "http.get"),
        ("net.fetch('https://example.org') == ''", "net.fetch"),
        ("os.system('touch pwned') == 0", "os.system"),
        ("exec('import os') == null", "exec"),
        ("env('HOME') != ''", "env"),
        ("__import__('os') != null", "__import__"),
        ("plan.title.eval() == ''", "eval"),
    ],
)
def test_io_and_code_calls_fail_at_load_with_a_location(
    call: str, name: str, tmp_path: Path
) -> None:
    problems = load_problems(tmp_path, rule(call))
    assert len(problems) == 1, problems
    where, _, message = problems[0].partition(": ")
    assert where.endswith("colleague.yaml:8:11") or where.endswith("colleague.yaml:8:11")
    assert "rule 'x' when" in message
    assert "undeclared reference" in message or "found no matching overload" in message
    assert name.split(".")[-1] in message


def test_io_attempt_in_a_message_placeholder_fails_at_load(tmp_path: Path) -> None:
    text = rule("true", message="{{ readFile('/etc/passwd') }}")
    problems = load_problems(tmp_path, text)
    assert len(problems) == 1
    assert "colleague.yaml:6:14:" in problems[0]
    assert "message placeholder" in problems[0] and "readFile" in problems[0]


def test_the_environment_offers_only_strings_and_math_extensions() -> None:
    """The whole function surface: CEL's standard library plus the strings and math extensions."""
    import inspect

    source = inspect.getsource(celenv.environment)
    assert "ext_strings.ExtStrings()" in source and "ext_math.ExtMath()" in source
    assert "functions=" not in source and "function_impls" not in source


def test_cli_exits_2_with_the_location_and_no_traceback(tmp_path: Path) -> None:
    rules = write_rules(tmp_path / "rules", rule("readFile('/etc/passwd') != ''"))
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(PLAN)
    done = subprocess.run(
        [sys.executable, "-m", "blinacheck", "lint", "--isolated", "--rules", rules, str(plan)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 2
    assert "colleague.yaml:8:11: rule 'x' when:" in done.stderr
    assert "undeclared reference to 'readFile'" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


# --- load-time limits ----------------------------------------------------------------------


def test_replace_is_refused_at_load(tmp_path: Path) -> None:
    # Nine chained replaces of 'a' by ten a's on a ten-character title: 10 GB of string.
    chain = "plan.title" + ".replace('a', 'aaaaaaaaaa')" * 9
    problems = load_problems(tmp_path, rule(f"{chain}.size() > 0"))
    assert len(problems) == 1
    assert "colleague.yaml:8:11:" in problems[0]
    assert "'replace()' is not available in blinacheck rules" in problems[0]


def test_the_word_replace_in_text_is_fine(tmp_path: Path) -> None:
    text = rule("plan.indication != 'replace(me)'", message="replace the bag")
    assert lint_with(tmp_path, text) == [("x", 3, "replace the bag")]


def test_concatenation_chains_are_capped_at_load(tmp_path: Path) -> None:
    def balanced(leaves: int) -> str:  # (a + b) + (c + d): a chain this long nests too deep
        if leaves == 1:
            return "plan.indication"
        return f"({balanced(leaves // 2)} + {balanced(leaves - leaves // 2)})"

    chain = balanced(celenv.MAX_CALLS["_+_"] + 1)
    problems = load_problems(
        tmp_path, rule(f"cycle.days.map(d, {chain}).size() > 0", for_each="cycle")
    )
    assert len(problems) == 1
    assert "colleague.yaml:8:11:" in problems[0]
    assert f"more than the {celenv.MAX_CALLS['_+_']} allowed in one expression" in problems[0]


def test_nested_joins_are_capped_at_load(tmp_path: Path) -> None:
    nested = "cycle.days.map(d, d.date)"
    for _ in range(celenv.MAX_CALLS["join"] + 1):
        nested = f"[{nested}.join('')]"
    problems = load_problems(tmp_path, rule(f"{nested}.size() > 0", for_each="cycle"))
    assert len(problems) == 1
    assert "'join()' is used 5 times, more than the 4 allowed" in problems[0]


def test_overlong_expression_is_refused_at_load(tmp_path: Path) -> None:
    long = " || ".join(["plan.cycle_count == 99"] * 200)
    assert len(long) > celenv.MAX_EXPRESSION_CHARS
    problems = load_problems(tmp_path, rule(long))
    assert len(problems) == 1
    assert f"over the limit of {celenv.MAX_EXPRESSION_CHARS:,}" in problems[0]
    assert "colleague.yaml:8:11:" in problems[0]


@pytest.mark.parametrize(
    "expression",
    ["(" * 500 + "true" + ")" * 500, "[" * 500 + "1" + "]" * 500 + " != []", "1" + " + 1" * 500],
)
def test_deep_nesting_is_refused_at_load(expression: str, tmp_path: Path) -> None:
    problems = load_problems(tmp_path, rule(expression))
    assert len(problems) == 1
    assert "colleague.yaml:8:11:" in problems[0]
    assert "recursion" in problems[0]


def test_too_many_rules_in_one_file(tmp_path: Path) -> None:
    one = rule("false").split("\n", 1)[1]
    body = "rules:\n" + "".join(
        one.replace("id: x", f"id: r{n}") for n in range(MAX_RULES_PER_FILE + 1)
    )
    problems = load_problems(tmp_path, body)
    assert len(problems) == 1
    assert "colleague.yaml:2:3:" in problems[0]
    assert f"at most {MAX_RULES_PER_FILE} items" in problems[0]


# --- malicious YAML in a rule file -----------------------------------------------------------


def test_alias_bomb_in_a_rule_file(tmp_path: Path) -> None:
    text = (HOSTILE / "billion-laughs.yaml").read_text()
    problems = load_problems(tmp_path, text)
    assert problems == [
        f"{tmp_path / 'rules' / 'colleague.yaml'}:3:4: anchor '&a' found; anchors and aliases "
        "are not supported in blinacheck files: write the values out"
    ]


def test_python_tag_in_a_rule_file_runs_nothing(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    text = rule("true").replace(
        "title: A colleague's rule", f"title: !!python/object/apply:os.system ['touch {target}']"
    )
    problems = load_problems(tmp_path, text)
    assert len(problems) == 1
    assert (
        "colleague.yaml:3:12: tag 'tag:yaml.org,2002:python/object/apply:os.system'"
        in (problems[0])
    )
    assert not target.exists()


def test_cli_malicious_rule_yaml_exits_2(tmp_path: Path) -> None:
    rules = write_rules(tmp_path / "rules", (HOSTILE / "billion-laughs.yaml").read_text())
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(PLAN)
    done = subprocess.run(
        [sys.executable, "-m", "blinacheck", "lint", "--isolated", "--rules", rules, str(plan)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "colleague.yaml:3:4: anchor '&a' found" in done.stderr
    assert "Traceback" not in done.stderr


# --- evaluation budget -----------------------------------------------------------------------


def test_nested_comprehensions_end_as_rule_error(tmp_path: Path) -> None:
    # 28 days cubed is 21,952 iterations: over CEL's budget of 10,000 for one evaluation.
    expensive = (
        "plan.cycles.all(c, c.days.all(d, c.days.all(e, c.days.all(f, d.day + e.day + f.day > 0))))"
    )
    found = lint_with(tmp_path, rule(expensive))
    assert len(found) == 1
    assert found[0][0] == RULE_ERROR
    assert found[0][1] == 3
    assert found[0][2] == (
        "rule 'x' could not be evaluated here: it ran over CEL's budget of 10,000 "
        "comprehension iterations for one evaluation; simplify the rule"
    )


def test_string_blow_up_by_concatenation_is_bounded(tmp_path: Path) -> None:
    # Each day builds a string from every day's joined list: quadratic, then cubic, growth.
    blow_up = (
        "cycle.days.map(d, cycle.days.map(e, cycle.days.map(f, plan.indication)"
        ".join('')).join('')).join('').size() > 0"
    )
    found = lint_with(tmp_path, rule(blow_up, for_each="cycle"))
    assert [(rule_id, line) for rule_id, line, _ in found] == [(RULE_ERROR, 6)]
    assert "budget of 10,000 comprehension iterations" in found[0][2]


def join_bomb(copies: int = 250, levels: int = 4) -> str:
    """A short rule that asks for gigabytes: each level joins `copies` copies of the last one
    (ten characters times 250**4 is 39 GB); no loop, so the iteration budget never sees it."""
    expression = "['0123456789']"
    for name in "abcdefgh"[:levels]:
        expression += f".map({name}, [{','.join([name] * copies)}].join(''))"
    return expression + "[0].size() > 0"


def test_string_blow_up_by_joined_copies_ends_as_rule_error(tmp_path: Path) -> None:
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    found = lint_with(tmp_path, rule(join_bomb()))
    assert found == [
        (
            RULE_ERROR,
            3,
            "rule 'x' could not be evaluated here: it needed more memory than one file's rules "
            "may use (the value it builds grows with every copy joined or concatenated); "
            "simplify the rule",
        )
    ]
    # The cap lasts only while rules are evaluated: the process gets its own limit back.
    assert resource.getrlimit(resource.RLIMIT_AS) == before


def test_the_memory_cap_lets_real_sizes_through(tmp_path: Path) -> None:
    # Two levels of 250 copies: 625,000 characters, well under the cap; the rule fires.
    assert lint_with(tmp_path, rule(join_bomb(levels=2))) == [("x", 3, "fired")]


def test_cli_join_bomb_exits_with_the_finding_and_no_traceback(tmp_path: Path) -> None:
    rules = write_rules(tmp_path / "rules", rule(join_bomb()))
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(PLAN)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "blinacheck",
            "lint",
            "--no-builtin-rules",
            "--rules",
            rules,
            str(plan),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "error[rule-error] rule 'x' could not be evaluated here: it needed more memory" in (
        done.stdout
    )
    assert "1 error, 0 warnings, 0 info in 1 file" in done.stdout + done.stderr


def test_within_budget_the_same_shape_works(tmp_path: Path) -> None:
    fine = "cycle.days.map(d, cycle.days.map(e, plan.indication).join('')).join('').size() > 0"
    assert lint_with(tmp_path, rule(fine, for_each="cycle")) == [("x", 6, "fired")]


def test_a_rule_that_keeps_a_file_busy_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real limit is seconds; at zero the first subject already exceeds it, which shows the
    # mechanism without timing anything: one finding, then the rule is skipped for the file.
    monkeypatch.setattr(evaluate, "RULE_SECONDS_PER_FILE", 0.0)
    text = rule("intrathecal.cycle_day != 0", for_each="intrathecal")
    found = lint_with(tmp_path, text)
    assert found == [
        (
            RULE_ERROR,
            11,
            "rule 'x' took more than 0 s on this file and was stopped here; the rest of the "
            "file was not checked with it",
        ),
        ("x", 11, "fired"),
    ]


def test_rule_errors_do_not_stop_other_rules(tmp_path: Path) -> None:
    expensive = "plan.cycles.all(c, c.days.all(d, c.days.all(e, c.days.all(f, true))))"
    text = rule(expensive) + rule("true", rule_id="y").split("\n", 1)[1]
    found = lint_with(tmp_path, text)
    assert [(rule_id, line) for rule_id, line, _ in found] == [(RULE_ERROR, 3), ("y", 3)]


def test_builtin_rules_stay_within_the_limits() -> None:
    ruleset: RuleSet = load()
    for loaded in ruleset.rules:
        assert len(loaded.when_text) <= celenv.MAX_EXPRESSION_CHARS
        assert ".replace(" not in loaded.when_text
