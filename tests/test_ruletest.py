"""`blinacheck test`: annotation parsing, checking fixtures, the command, and the fixture sets.

The runner's own fixtures (tests/ruletest_fixtures/) use only the first rules of the pack
(step-up-missing, treatment-free-interval-short, it-on-infusion-day-1): pass/ holds fixtures that
must pass, fail/ fixtures that must fail in exactly the way each test below states.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from blinacheck.cli import main
from blinacheck.engine.ruleset import RuleSet, builtin_rule_files, compile_sources, load
from blinacheck.results.findings import Severity
from blinacheck.ruletest import (
    EXPECT,
    EXPECT_NOT,
    FixtureSearchError,
    Problem,
    check_bytes,
    check_fixture,
    comments,
    find_fixtures,
    parse_annotations,
    render,
    run,
)

from .conftest import REPO

FIXTURES = REPO / "tests" / "ruletest_fixtures"
PASS_DIR = FIXTURES / "pass"
FAIL_DIR = FIXTURES / "fail"
INSTITUTION = REPO / "docs" / "examples" / "institution"
BUILTIN_FIXTURES = REPO / "tests" / "rules"
KNOWN = {"step-up-missing", "it-on-infusion-day-1", "treatment-free-interval-short", "x-y"}


def text(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def targets(source: str) -> list[tuple[str, str, int, Severity | None]]:
    annotations, problems = parse_annotations(text(source), KNOWN)
    assert problems == []
    return [(a.kind, a.rule, a.line, a.severity) for a in annotations]


def problems_of(source: str) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in parse_annotations(text(source), KNOWN)[1]]


# --- comments and annotations ----------------------------------------------------------------


def test_end_of_line_annotation_is_about_its_own_line() -> None:
    assert targets(
        """
        cycles:
          - cycle: 1
            infusion:  # expect: step-up-missing
        """
    ) == [(EXPECT, "step-up-missing", 3, None)]


def test_own_line_annotation_is_about_the_next_yaml_line() -> None:
    # Blank lines and other comment lines in between are skipped.
    assert targets(
        """
        intrathecal:
          # expect: it-on-infusion-day-1

          # the Day 1 dose:
          - {day: 1, drugs: [methotrexate]}
        """
    ) == [(EXPECT, "it-on-infusion-day-1", 5, None)]


def test_several_ids_and_severity_pins() -> None:
    assert targets(
        """
        - {cycle: 1}  # expect: step-up-missing (error), it-on-infusion-day-1(warning) ,x-y
        """
    ) == [
        (EXPECT, "step-up-missing", 1, Severity.ERROR),
        (EXPECT, "it-on-infusion-day-1", 1, Severity.WARNING),
        (EXPECT, "x-y", 1, None),
    ]


def test_expect_not_and_no_space_after_hash() -> None:
    assert targets(
        """
        start: 2026-03-02  #expect-not:treatment-free-interval-short
        #expect-not: step-up-missing
        infusion:
        """
    ) == [
        (EXPECT_NOT, "treatment-free-interval-short", 1, None),
        (EXPECT_NOT, "step-up-missing", 3, None),
    ]


def test_hash_inside_quoted_and_block_scalars_is_not_a_comment() -> None:
    source = text(
        """
        title: "Plan # expect: step-up-missing"
        note: 'it''s # expect: step-up-missing'  # a real comment
        drugs: [methotrexate, "x # expect: step-up-missing"]
        code: a#b
        reason: |  # expect: it-on-infusion-day-1
          pump # expect: step-up-missing
          # expect: step-up-missing
        long: "two
          lines # expect: step-up-missing"
        last: 1
        """
    )
    assert [(c.line, c.text.strip()) for c in comments(source)] == [
        (2, "a real comment"),
        (5, "expect: it-on-infusion-day-1"),
    ]
    annotations, problems = parse_annotations(source, KNOWN)
    assert problems == []
    assert [(a.rule, a.line) for a in annotations] == [("it-on-infusion-day-1", 5)]


def test_comments_are_still_found_after_a_yaml_syntax_error() -> None:
    # A fixture for invalid-plan may not be valid YAML; past the error, a simpler reading
    # (still quote-aware) takes over.
    source = text(
        """
        blinacheck: 1
        cycles: @oops  # expect: invalid-plan
        title: "a # b"  # expect: step-up-missing
        note: it's fine  # expect-not: it-on-infusion-day-1
        """
    )
    annotations, problems = parse_annotations(source, KNOWN)
    assert problems == []
    assert [(a.rule, a.line) for a in annotations] == [
        ("invalid-plan", 2),
        ("step-up-missing", 3),
        ("it-on-infusion-day-1", 4),
    ]


def test_crlf_line_endings_number_lines_as_the_linter_does() -> None:
    source = "blinacheck: 1\r\n# expect: step-up-missing\r\n\r\ncycles: []\r\n"
    annotations, _ = parse_annotations(source, KNOWN)
    assert [(a.rule, a.line) for a in annotations] == [("step-up-missing", 4)]


def test_unknown_rule_id_is_a_fixture_error_with_a_suggestion() -> None:
    assert problems_of("a: 1  # expect: it-on-infusion-day1\n") == [
        (1, "unknown rule id 'it-on-infusion-day1' (did you mean 'it-on-infusion-day-1'?)")
    ]
    assert problems_of("a: 1  # expect: zzz\n") == [(1, "unknown rule id 'zzz'")]


def test_engine_ids_may_be_named() -> None:
    assert [r for _, r, _, _ in targets("a: 1  # expect: invalid-plan, rule-error\n")] == [
        "invalid-plan",
        "rule-error",
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a: 1  # expect:\n", "'expect:' names no rule id"),
        (
            "a: 1  # expect: step-up-missing (fatal)\n",
            "unknown severity 'fatal' for 'step-up-missing'; use error, warning or info",
        ),
        (
            "a: 1  # expect-not: step-up-missing (error)\n",
            "'expect-not:' takes no severity ('step-up-missing (error)'); no finding of the rule "
            "may be on the line",
        ),
        (
            "a: 1  # expect: step-up-missing because the dose is flat\n",
            "cannot read 'step-up-missing because the dose is flat' in 'expect:'; write RULE-ID "
            "or RULE-ID (severity), separated by commas",
        ),
        ("a: 1  # expect: Step_Up\n", "'Step_Up' is not a rule id"),
        (
            "a: 1  # expected: step-up-missing\n",
            "'expected:' is not an annotation; write 'expect:' or 'expect-not:'",
        ),
        ("a: 1\n# expect: step-up-missing\n", "'expect:' has no line after it to apply to"),
    ],
)
def test_malformed_annotations_are_fixture_errors(source: str, message: str) -> None:
    assert [m for _, m in problems_of(source)] == [message]


def test_expect_and_expect_not_of_one_rule_on_one_line_contradict() -> None:
    assert problems_of(
        """
        # expect-not: step-up-missing
        infusion:  # expect: step-up-missing
        """
    ) == [(1, "line 2 is annotated both 'expect' and 'expect-not' for 'step-up-missing'")]


def test_prose_comments_are_not_annotations() -> None:
    annotations, problems = parse_annotations(
        "# Expected findings: step-up-missing at line 5.\n# ok: fine\na: 1\n", KNOWN
    )
    assert (annotations, problems) == ([], [])


# --- checking fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load()


@pytest.mark.parametrize("name", sorted(p.name for p in PASS_DIR.iterdir()))
def test_passing_fixtures_pass(name: str, rules: RuleSet) -> None:
    result = check_fixture(str(PASS_DIR / name), rules)
    assert result.failures == []
    assert result.rules  # each names at least one rule


def failures(name: str, rules: RuleSet) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in check_fixture(str(FAIL_DIR / name), rules).failures]


STEP_UP_MESSAGE = (
    "cycle 1 of a relapsed/refractory plan should run at the lower dose on Days 1-7 and step up "
    "to the target on Day 8; this plan gives 28 mcg/day on days 1-28"
)
IT_MESSAGE = (
    "IT methotrexate on Day 1 of cycle 1, the day the blinatumomab infusion starts; give it on "
    "another day"
)


def test_missing_and_unexpected_findings_fail(rules: RuleSet) -> None:
    assert failures("missing-and-unexpected.yaml", rules) == [
        (7, "missing finding of step-up-missing"),
        (8, f"unexpected finding: step-up-missing (error): {STEP_UP_MESSAGE}"),
    ]


def test_wrong_severity_fails(rules: RuleSet) -> None:
    assert failures("wrong-severity.yaml", rules) == [
        (
            11,
            "wrong severity: it-on-infusion-day-1 reported as error, expected warning: "
            + IT_MESSAGE,
        )
    ]


def test_finding_on_an_expect_not_line_fails(rules: RuleSet) -> None:
    assert failures("expect-not-violated.yaml", rules) == [
        (
            11,
            f"unexpected finding on a line marked expect-not: it-on-infusion-day-1 (warning): "
            f"{IT_MESSAGE}",
        )
    ]


def test_fixture_without_annotations_fails(rules: RuleSet) -> None:
    assert failures("no-annotations.yaml", rules) == [
        (
            None,
            "no annotations: a fixture must name the rules it tests with "
            "'# expect: RULE-ID' or '# expect-not: RULE-ID' comments",
        )
    ]


def test_fixture_naming_an_unknown_rule_fails(rules: RuleSet) -> None:
    assert failures("unknown-rule.yaml", rules) == [
        (11, "unknown rule id 'it-on-infusion-day1' (did you mean 'it-on-infusion-day-1'?)")
    ]


def test_invalid_plan_fails_a_fixture_that_does_not_name_it(rules: RuleSet) -> None:
    [(line, message)] = failures("invalid-not-named.yaml", rules)
    assert line == 9
    assert message.startswith("the plan is not valid, so no rule ran on it: dose: '28'")
    assert message.endswith("(annotate 'expect: invalid-plan' if that is what this fixture tests)")


def test_unnamed_rules_are_not_checked(rules: RuleSet) -> None:
    # The child's IT on Day 1 fires, but the fixture names only step-up-missing.
    source = text(
        """
        blinacheck: 1
        indication: relapsed-refractory
        patient: {age_years: 7, weight_kg: 24, height_cm: 120}
        cycles:
          - cycle: 1
            infusion:  # expect-not: step-up-missing
              - {days: 1-7, dose: 5 mcg/m2/day}
              - {days: 8-28, dose: 15 mcg/m2/day}
            intrathecal:
              - {day: 1, drugs: [methotrexate], dose: 12 mg}
        """
    )
    assert check_bytes(source.encode(), "f.yaml", rules).failures == []


def test_two_pinned_severities_on_one_line_both_required(rules: RuleSet) -> None:
    source = text(
        """
        blinacheck: 1
        indication: relapsed-refractory
        patient: {age_years: 7}
        cycles:
          - cycle: 1
            infusion:
              - {days: 1-28, dose: 28 mcg/day}
            intrathecal:
              # expect: it-on-infusion-day-1 (error), it-on-infusion-day-1 (warning)
              - {day: 1, drugs: [methotrexate]}
        """
    )
    assert [(p.line, p.message) for p in check_bytes(source.encode(), "f", rules).failures] == [
        (10, "missing finding of it-on-infusion-day-1 (warning)")
    ]


def test_rule_error_of_a_named_rule_fails_the_fixture() -> None:
    # A rule whose condition cannot be evaluated (int times double fails at runtime in CEL).
    broken = compile_sources(
        [
            (
                "broken.yaml",
                text(
                    """
                    rules:
                      - id: local-broken
                        title: A rule that cannot decide
                        severity: warning
                        for_each: cycle
                        when: dyn(cycle.number) * 2.0 > 1.0
                        message: never shown
                        evidence: [{source: nowhere in particular}]
                    """
                ).encode(),
                False,
            )
        ]
    )
    source = text(
        """
        blinacheck: 1
        indication: mrd-positive
        cycles:
          - cycle: 1  # expect-not: local-broken
            infusion: [{days: 1-28, dose: 28 mcg/day}]
        """
    ).encode()
    result = check_bytes(source, "f.yaml", broken)
    assert [p.line for p in result.failures] == [4]
    assert result.failures[0].message.startswith("rule error: rule 'local-broken'")


def test_non_utf8_fixture_fails_with_a_location(rules: RuleSet) -> None:
    result = check_bytes(b"blinacheck: 1\nx: \xff\n", "f.yaml", rules)
    assert [p.line for p in result.failures] == [2]
    assert "cannot read the fixture: byte 0xff is not valid UTF-8" in result.failures[0].message


def test_render_lists_each_fixture_then_the_summary(rules: RuleSet) -> None:
    report = run(
        [str(FAIL_DIR / "wrong-severity.yaml"), str(PASS_DIR / "interval-short.yaml")], rules
    )
    lines = render(report).splitlines()
    assert lines[0] == f"FAIL {FAIL_DIR / 'wrong-severity.yaml'}"
    assert lines[1].startswith("  line 11: wrong severity: it-on-infusion-day-1 reported as error")
    assert lines[2] == f"PASS {PASS_DIR / 'interval-short.yaml'}"
    assert lines[3] == "1 passed, 1 failed"
    assert render(report, quiet=True).splitlines()[-1] == "1 passed, 1 failed"
    assert "PASS" not in render(report, quiet=True)


def test_render_escapes_what_the_fixture_brings_to_the_terminal(
    rules: RuleSet, tmp_path: Path
) -> None:
    # A file name and the fixture's text can carry terminal escapes; the report shows them inert.
    named = tmp_path / "wrong\x1b[2Jseverity.yaml"
    text = (FAIL_DIR / "wrong-severity.yaml").read_text()
    named.write_text(text + "note: \x1b]0;pwned\x07\n")
    shown = render(run([str(named)], rules))
    assert "\x1b" not in shown and "\x07" not in shown
    assert f"FAIL {tmp_path}/wrong\\e[2Jseverity.yaml" in shown


def test_find_fixtures_walks_directories_sorted_and_refuses_bad_paths(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("b/z.yml", "a.yaml", ".hidden/x.yaml", "notes.txt", "plan.json"):
        (tmp_path / name).write_text("blinacheck: 1\n")
    assert find_fixtures([str(tmp_path)]) == [str(tmp_path / "a.yaml"), str(tmp_path / "b/z.yml")]
    with pytest.raises(FixtureSearchError, match="no such file or directory"):
        find_fixtures([str(tmp_path / "missing")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FixtureSearchError, match=r"no fixture files \(\*.yaml, \*.yml\) found"):
        find_fixtures([str(tmp_path / "empty")])


def test_problem_str() -> None:
    assert str(Problem(3, "x")) == "line 3: x"
    assert str(Problem(None, "x")) == "x"


# --- the command -----------------------------------------------------------------------------


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["test", *args])
    return result.exit_code, result.stdout, result.stderr


def test_command_exits_0_when_all_pass() -> None:
    code, out, _ = invoke(str(PASS_DIR))
    assert code == 0
    lines = out.splitlines()
    assert lines[-1] == "6 passed, 0 failed"
    assert all(line.startswith(f"PASS {PASS_DIR}/") for line in lines[:-1])


def test_command_exits_1_on_any_failure() -> None:
    code, out, _ = invoke(str(PASS_DIR), str(FAIL_DIR))
    assert code == 1
    assert out.splitlines()[-1] == "6 passed, 6 failed"
    assert re.findall(r"^FAIL (\S+)$", out, re.MULTILINE) == [
        str(FAIL_DIR / name)
        for name in (
            "expect-not-violated.yaml",
            "invalid-not-named.yaml",
            "missing-and-unexpected.yaml",
            "no-annotations.yaml",
            "unknown-rule.yaml",
            "wrong-severity.yaml",
        )
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("no/such/dir",), "no/such/dir: no such file or directory"),
        (("--rules", "no/such/rules", "tests"), "no/such/rules:1:1: rules directory not found"),
    ],
)
def test_command_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    code, out, err = invoke(*args)
    assert code == 2
    assert out == ""
    assert message in err


def test_command_empty_directory_exits_2(tmp_path: Path) -> None:
    code, _, err = invoke(str(tmp_path))
    assert (code, err.strip()) == (2, f"{tmp_path}: no fixture files (*.yaml, *.yml) found")


def test_command_defaults_to_tests_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke()
    assert code == 2
    assert "no fixture paths given and no tests/rules directory here" in err
    (tmp_path / "tests" / "rules").mkdir(parents=True)
    shutil.copy(PASS_DIR / "interval-short.yaml", tmp_path / "tests" / "rules")
    code, out, _ = invoke()
    assert (code, out) == (0, "PASS tests/rules/interval-short.yaml\n1 passed, 0 failed\n")


def test_command_no_builtin_rules_makes_builtin_ids_unknown() -> None:
    code, out, _ = invoke(
        "--no-builtin-rules",
        "--rules",
        str(INSTITUTION / "rules"),
        str(PASS_DIR / "interval-short.yaml"),
    )
    assert code == 1
    assert "unknown rule id 'treatment-free-interval-short'" in out


# --- the institution sample (docs/testing-rules.md) ------------------------------------------


def test_institution_sample_passes() -> None:
    code, out, _ = invoke("--rules", str(INSTITUTION / "rules"), str(INSTITUTION / "fixtures"))
    assert code == 0, out
    assert out.splitlines()[-1] == "4 passed, 0 failed"


def test_institution_fixtures_catch_a_broken_rule() -> None:
    # The sample fixtures really test the rule: with its condition or its severity case broken,
    # they fail.
    source = (INSTITUTION / "rules" / "st-example.yaml").read_text()
    for old, new in (
        ("when: plan.has_patient && !has(patient.weight_kg)", "when: plan.has_patient"),
        ("when: plan.has_patient && !has(patient.weight_kg)", "when: 1 == 2"),
        ("severity: error", "severity: warning"),
    ):
        assert old in source
        builtin = [(name, raw, True) for name, raw in builtin_rule_files()]
        ruleset = compile_sources([*builtin, ("st.yaml", source.replace(old, new).encode(), False)])
        report = run([str(INSTITUTION / "fixtures")], ruleset)
        assert report.failed >= 1, f"no fixture noticed: {new}"


def _doc_blocks() -> dict[str, str]:
    doc = (REPO / "docs" / "testing-rules.md").read_text()
    return {
        name: body
        for name, body in re.findall(r"^File `([^`]+)`:\n\n```yaml\n(.*?)```$", doc, re.M | re.S)
    }


def test_docs_show_the_sample_files_exactly() -> None:
    blocks = _doc_blocks()
    sample = sorted(str(p.relative_to(REPO)) for p in INSTITUTION.rglob("*.yaml") if p.is_file())
    assert sorted(blocks) == sample
    for name, body in blocks.items():
        assert (REPO / name).read_text() == body, f"docs/testing-rules.md shows an old {name}"


def test_docs_show_the_real_run_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    doc = (REPO / "docs" / "testing-rules.md").read_text()
    command = (
        "blinacheck test --rules docs/examples/institution/rules "
        "docs/examples/institution/fixtures/"
    )
    shown = re.search(re.escape(command) + r"\n```\n\n```text\n(.*?)```", doc, re.S)
    assert shown, "docs/testing-rules.md lost its run example"
    code, out, _ = invoke(*command.split()[2:])
    assert (code, out) == (0, shown.group(1))


# --- the built-in rule pack's fixtures (tests/rules/) ------------------------------------------


def test_builtin_fixtures_pass_and_cover_every_builtin_rule(rules: RuleSet) -> None:
    """tests/rules/ (the rule pack's fixtures) passes, and for every built-in rule holds a
    fixture where it must fire at each severity it can take, and one where it must not."""
    assert BUILTIN_FIXTURES.is_dir(), "tests/rules/ (the built-in rules' fixtures) is missing"
    report = run([str(BUILTIN_FIXTURES)], rules)
    assert report.failed == 0, render(report, quiet=True)
    pinned: dict[str, set[str]] = {}
    quiet: set[str] = set()
    for path in find_fixtures([str(BUILTIN_FIXTURES)]):
        annotations, _ = parse_annotations(Path(path).read_text(encoding="utf-8"))
        for a in annotations:
            if a.kind == EXPECT:
                pinned.setdefault(a.rule, set()).add(str(a.severity) if a.severity else "")
            else:
                quiet.add(a.rule)
    builtin = [rule for rule in rules.rules if rule.builtin]
    assert sorted(r.id for r in builtin if r.id not in pinned) == [], "rules that never fire"
    assert sorted(r.id for r in builtin if r.id not in quiet) == [], "rules never kept quiet"
    unpinned = {
        rule.id: sorted(missing)
        for rule in builtin
        if (
            missing := {str(rule.severity), *(str(case.severity) for case in rule.severity_cases)}
            - pinned[rule.id]
        )
    }
    assert unpinned == {}, "severities no fixture pins"
