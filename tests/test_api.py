"""The Python API (blinacheck.api, re-exported lazily by the blinacheck package)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import blinacheck
from blinacheck import api

from .conftest import EXAMPLES, REPO

HOUSE_RULES = str(REPO / "tests" / "formats_fixtures" / "rules")

# A 7-year-old, R/R cycle 1 dosed per m2 with the step-up, dexamethasone premedication and
# hospital Days 1-9 as in examples/child-it-day-1.yaml; IT methotrexate on Day 1 (line 15) is
# the one finding, an error for a child.
CHILD_PLAN = textwrap.dedent(
    """\
    blinacheck: 1
    indication: relapsed-refractory
    patient: {age_years: 7, weight_kg: 24, height_cm: 120, weighed_on: 2026-03-06}
    cycles:
      - cycle: 1
        start: 2026-03-09
        infusion:
          - {days: 1-7, dose: 5 mcg/m2/day}
          - {days: 8-28, dose: 15 mcg/m2/day}
        premedication:
          - {drug: dexamethasone, dose: 4.5 mg, day: 1, minutes_before: 60}
          - {drug: dexamethasone, dose: 4.5 mg, day: 8, minutes_before: 60}
        hospitalization: 1-9
        intrathecal:
          - {day: 1, drugs: [methotrexate], dose: 12 mg}
    """
)


def test_lint_text_with_the_builtin_rules() -> None:
    result = blinacheck.lint_text(CHILD_PLAN, path="child.yaml")
    assert isinstance(result, blinacheck.FileResult)
    assert [(f.rule, f.severity, f.path, f.line, f.column) for f in result.findings] == [
        ("it-on-infusion-day-1", blinacheck.Severity.ERROR, "child.yaml", 15, 9)
    ]
    finding = result.findings[0]
    assert isinstance(finding, blinacheck.Finding)
    assert (finding.cycle, finding.day, finding.suppressed) == (1, 1, None)
    assert finding.evidence and finding.evidence[0].source.startswith("[P1] Liu B et al.")


def test_lint_text_with_a_rule_set_of_ones_own() -> None:
    rules = blinacheck.load_rules([HOUSE_RULES], builtin=False)
    assert isinstance(rules, blinacheck.RuleSet)
    assert [rule.id for rule in rules.rules] == [
        "house-it-dose-missing",
        "house-cycle-length-missing",
        "house-title-missing",
    ]
    result = blinacheck.lint_text(CHILD_PLAN, rules)
    assert [(f.rule, str(f.severity), f.line) for f in result.findings] == [
        ("house-title-missing", "info", 1),
        ("house-cycle-length-missing", "warning", 5),
    ]


def test_render_json_from_a_file_result_and_a_report() -> None:
    result = blinacheck.lint_text(CHILD_PLAN, path="child.yaml")
    data = json.loads(blinacheck.render(result, "json"))
    assert [(f["rule"], f["line"]) for f in data["findings"]] == [("it-on-infusion-day-1", 15)]
    assert data["summary"] == {"files": 1, "error": 1, "warning": 0, "info": 0}
    report = blinacheck.lint_paths([str(EXAMPLES / "child-it-day-1.yaml")])
    assert isinstance(report, blinacheck.LintReport)
    text = blinacheck.render(report, "text")
    assert text.endswith("1 error, 0 warnings, 0 info in 1 file\n")


def test_errors_are_exceptions_not_exits(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        blinacheck.render(blinacheck.LintReport(), "xml")
    with pytest.raises(blinacheck.PathError, match="no such file or directory"):
        blinacheck.lint_paths([str(tmp_path / "missing.yaml")])
    bad = tmp_path / "rules"
    bad.mkdir()
    (bad / "bad.yaml").write_text("rules:\n  - id: Not An Id\n", encoding="utf-8")
    with pytest.raises(blinacheck.RuleSetError) as caught:
        blinacheck.load_rules([str(bad)], builtin=False)
    assert caught.value.problems[0].file.endswith("bad.yaml")


def test_package_exports_exactly_the_api() -> None:
    assert sorted(blinacheck.__all__) == sorted([*api.__all__, "__version__"])
    for name in api.__all__:
        assert getattr(blinacheck, name) is getattr(api, name), name
    with pytest.raises(AttributeError):
        _ = blinacheck.no_such_name  # type: ignore[attr-defined]


def test_import_blinacheck_is_cheap() -> None:
    """`import blinacheck` loads no pydantic, YAML or CEL; the first API use does."""
    heavy = ["pydantic", "pydantic_core", "yaml", "cel_expr_python", "dateutil", "click"]
    probe = textwrap.dedent(
        f"""
        import json, sys
        heavy = {heavy!r}
        def loaded():
            return sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy))
        import blinacheck
        before = loaded()
        blinacheck.lint_text
        print(json.dumps([before, loaded()]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    before, after = json.loads(result.stdout)
    assert before == []
    assert {"pydantic", "yaml"} <= set(after)  # the probe itself can see heavy imports


def _imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            modules.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


@pytest.mark.parametrize("module", ["__init__.py", "schema.py"])
def test_commands_use_only_the_api(module: str) -> None:
    """The CLI reaches the library through blinacheck.api, never its inner modules."""
    imports = _imports(REPO / "blinacheck" / "commands" / module)
    inner = {m for m in imports if m.startswith("..") and m != "..api"}
    assert inner == set(), inner
    assert "..api" in imports


def test_docs_api_examples_run_and_print_what_the_page_shows(tmp_path: Path) -> None:
    page = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w*)\n(.*?)```", page, re.DOTALL)
    code = [body for lang, body in blocks if lang == "python"]
    shown = [body for lang, body in blocks if lang == "console"]
    assert len(code) >= 3 and shown, "docs/api.md: a ```python example and its ```console output"
    # Run where the repository's paths resolve but nothing is written into the checkout.
    for name in ("examples", "docs"):
        (tmp_path / name).symlink_to(REPO / name)
    outputs = []
    for body in code:
        result = subprocess.run(
            [sys.executable, "-c", body], capture_output=True, text=True, cwd=tmp_path, timeout=60
        )
        assert result.returncode == 0, body + result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == shown[0]
    assert outputs[1] == "True\n"  # load_settings: the examples fail as `lint examples/` does
    assert outputs[2] == "['sth-dosing-weight-missing']\n"
    sarif = json.loads((tmp_path / "blinacheck.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
