"""The HTML report (lint --format html): escaping, self-containment, content, and a real browser."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from click.testing import CliRunner

from blinacheck.cli import main
from blinacheck.engine.ruleset import RuleSet, load
from blinacheck.report import RenderOptions, get
from blinacheck.results.files import FileResult, LintReport
from blinacheck.results.findings import Evidence, Severity, Suppression
from blinacheck.run.lint import lint_file

from .conftest import EXAMPLES, lint

CHILD = EXAMPLES / "child-it-day-1.yaml"
ADULT = EXAMPLES / "adult-rr-cycles-1-2.yaml"
HIGH_RISK = EXAMPLES / "rr-high-risk-adult.yaml"
TEMPLATE = EXAMPLES / "protocol-template-rr.yaml"
CHROMIUM = shutil.which("chromium")
# Debian's package; CI installs it with: apt-get install -y --no-install-recommends chromium
CHROMIUM_MISSING = "chromium is not installed (Debian: apt-get install -y chromium)"


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parents: list[Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def ancestor(self, tag: str) -> Element:
        return next(p for p in reversed(self.parents) if p.tag == tag)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    @property
    def content(self) -> str:
        return "".join(self.text)


class Page(HTMLParser):
    """Every element with its attributes and the text inside it (nested text counts too)."""

    VOID: ClassVar[set[str]] = {
        "meta",
        "br",
        "col",
        "img",
        "link",
        "input",
        "hr",
        "base",
        "source",
        "wbr",
    }

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.style = ""
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, list(self.open))
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text.append(data)
        if self.open and self.open[-1].tag == "style":
            self.style += data

    def find(self, tag: str, cls: str | None = None) -> list[Element]:
        return [e for e in self.elements if e.tag == tag and (cls is None or cls in e.classes)]


def render(results: list[FileResult]) -> str:
    return get("html")(LintReport(results=results), RenderOptions())


def report_of(paths: list[Path], ruleset: RuleSet) -> str:
    return render([lint_file(str(p), ruleset) for p in paths])


def assert_self_contained(markup: str) -> None:
    page = Page(markup)
    tags = {e.tag for e in page.elements}
    for forbidden in ("script", "img", "link", "iframe", "object", "embed", "base", "form"):
        assert forbidden not in tags, forbidden
    assert "<script" not in markup.lower()
    for element in page.elements:
        assert "src" not in element.attrs, element
        assert not any(name.startswith("on") for name in element.attrs), element
        href = element.attrs.get("href")
        if href is None:
            continue
        if href.startswith("#"):
            target = href[1:]
            assert any(e.attrs.get("id") == target for e in page.elements), href
        else:
            # The one kind of outside address: an evidence link the reader may follow.
            assert element.tag == "a" and "evidence" in element.classes, element
            assert href.startswith(("https://", "http://")), href
    assert "@import" not in page.style and "url(" not in page.style
    csp = [e for e in page.find("meta") if e.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0].attrs["content"]


# --- escaping and self-containment ------------------------------------------------------------

HOSTILE = """
    blinacheck: 1
    title: <script>alert(1)</script>
    indication: relapsed-refractory
    patient: {age_years: 7, weight_kg: 24, height_cm: 120}
    cycles:
      - cycle: 1
        start: 2026-03-09
        infusion:
          - {days: 1-7, dose: 5 mcg/m2/day}
          - {days: 8-28, dose: 15 mcg/m2/day}
        intrathecal:
          - {day: 1, drugs: ["<img src=x onerror=alert(2)>"], dose: 12 mg}
        interruptions:
          - {day: 20, hours: 4, reason: "\\"><a href=\\"http://evil.example\\">x</a>"}
    vaccinations:
      - {date: 2026-03-20, vaccine: "<iframe src=//evil.example>", live: false}
"""


def test_plan_text_is_escaped(builtin_rules: RuleSet) -> None:
    markup = render([lint(HOSTILE, builtin_rules)])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "<script" not in markup.lower() and "<iframe" not in markup.lower()
    assert "<img" not in markup.lower()
    page = Page(markup)
    (heading,) = [h for h in page.find("h2")]
    assert heading.content == "<script>alert(1)</script>"
    assert not [a for a in page.find("a") if "evil" in a.attrs.get("href", "")]
    # The IT drug name shows as text in the day list and the finding message.
    assert "IT <img src=x onerror=alert(2)> 12 mg" in "".join(page.find("ul", "items")[0].text)
    assert_self_contained(markup)


def test_examples_report_has_no_external_references(builtin_rules: RuleSet) -> None:
    markup = report_of(sorted(EXAMPLES.glob("*.yaml")), builtin_rules)
    assert_self_contained(markup)
    evidence = Page(markup).find("a", "evidence")
    assert evidence, "the examples' findings cite evidence with links"
    assert all(a.attrs["rel"] == "noopener noreferrer" for a in evidence)


def test_only_web_addresses_become_links(tmp_path: Path) -> None:
    # A rule file with a javascript: link is refused when it loads (test_hostile_rules); an
    # Evidence built in Python with one still never becomes a link, nor text in the page.
    (tmp_path / "house.yaml").write_text(
        """\
rules:
  - id: every-it-dose
    title: Every IT dose is noted
    severity: warning
    for_each: intrathecal
    when: "true"
    message: IT on Day {{intrathecal.cycle_day}}
    evidence:
      - source: clicking this must not run code
        url: "https://example.org/replaced-below"
      - source: a real page
        url: https://example.org/guideline
"""
    )
    loaded = load([str(tmp_path)], builtin=False)
    rule = loaded.rules[0]
    hostile = (Evidence("clicking this must not run code", url="javascript:alert(1)"),)
    ruleset = RuleSet([replace(rule, evidence=hostile + rule.evidence[1:])])
    markup = report_of([ADULT], ruleset)
    assert 'href="javascript' not in markup and "javascript:" not in markup
    assert "clicking this must not run code" in markup
    links = [a.attrs["href"] for a in Page(markup).find("a", "evidence")]
    assert links == ["https://example.org/guideline"] * 3  # three IT doses
    assert_self_contained(markup)


# --- content ----------------------------------------------------------------------------------


def test_one_section_per_plan_in_order(builtin_rules: RuleSet) -> None:
    markup = report_of([CHILD, ADULT, TEMPLATE], builtin_rules)
    page = Page(markup)
    sections = page.find("section", "plan")
    assert [s.attrs["id"] for s in sections] == ["plan-1", "plan-2", "plan-3"]
    assert [h.content for h in page.find("h2")] == [
        "Paediatric R/R B-ALL, blinatumomab cycle 1 (IT booked on Day 1)",
        "Adult R/R B-ALL, blinatumomab cycles 1-2",
        "Protocol template - R/R B-ALL, blinatumomab cycles 1-2 (>= 45 kg)",
    ]
    nav = [a.attrs["href"] for a in page.find("a") if re.fullmatch(r"#plan-\d+", a.attrs["href"])]
    assert nav == ["#plan-1", "#plan-2", "#plan-3"]
    # Every cycle has its calendar: 1 + 2 + 2.
    assert len(page.find("figure", "cycle")) == 5
    assert_self_contained(markup)


def test_summary_shows_the_patient_data_used_for_dosing(builtin_rules: RuleSet) -> None:
    page = Page(report_of([CHILD], builtin_rules))
    summary = page.find("dl", "summary")[0].content
    assert "Weight24 kg (weighed 2026-03-06)" in summary
    assert "Height120 cm" in summary
    assert "BSA0.89 m² (Mosteller, from height and weight)" in summary
    assert "Indicationrelapsed-refractory" in summary
    assert "1 error0 warnings0 info" in summary


def flagged_days(page: Page) -> dict[tuple[str, str, str], str]:
    """{(plan section id, cycle, day): flag class} of every highlighted day cell."""
    found = {}
    for td in page.find("td", "day"):
        flags = [c for c in td.classes if c.startswith("flag-")]
        if flags:
            section = td.ancestor("section").attrs["id"]
            cycle = td.ancestor("figure").attrs["data-cycle"]
            found[(section, cycle, td.attrs["data-day"])] = flags[0]
    return found


def test_child_finding_row_and_flagged_day(builtin_rules: RuleSet) -> None:
    page = Page(report_of([CHILD], builtin_rules))
    (row,) = page.find("tr", "finding")
    assert (row.attrs["data-rule"], row.classes[1]) == ("it-on-infusion-day-1", "sev-error")
    assert "line 43, col 9cycle 1, Day 1" in row.content
    assert "doi:10.3389/fimmu.2025.1690916" in row.content
    assert flagged_days(page) == {("plan-1", "1", "1"): "flag-error"}
    (day1,) = [td for td in page.find("td", "flag-error")]
    assert "!E" in day1.content and "IT methotrexate 12 mg" in day1.attrs["title"]
    # The mark links to the finding's row.
    (mark,) = page.find("a", "mark")
    assert mark.attrs["href"] == "#" + row.attrs["id"]
    # Free days look different from infusion days.
    kinds = [next(c for c in td.classes if c.startswith("day-")) for td in page.find("td", "day")]
    assert kinds == ["day-infusion"] * 28 + ["day-free"] * 14


def step_days(result: FileResult, subject: str) -> list[int]:
    """The days of the infusion step /cycles/N/infusion/K, as written in the plan."""
    assert result.timeline is not None
    _, _, cycle, _, step = subject.split("/")
    found = result.timeline.cycles[int(cycle)]["steps"][int(step)]
    return [d for d in range(found["from_day"], found["to_day"] + 1) if d != 0]


def test_every_flagged_day_is_the_worst_finding_of_that_day(builtin_rules: RuleSet) -> None:
    examples = sorted(EXAMPLES.glob("*.yaml"))
    results = [lint_file(str(p), builtin_rules) for p in examples]
    expected: dict[tuple[str, str, str], str] = {}
    for number, result in enumerate(results, 1):
        for finding in result.findings:
            if finding.suppressed is not None or finding.day is None:
                continue
            # A finding about an infusion step marks every day of the step.
            about_step = "/infusion/" in finding.subject
            days = step_days(result, finding.subject) if about_step else [finding.day]
            for day in days:
                key = (f"plan-{number}", str(finding.cycle), str(day))
                worst = max(finding.severity, Severity.parse(expected.get(key, "flag-info")[5:]))
                expected[key] = f"flag-{worst}"
    assert ("plan-2", "1", "1") in expected, "child-it-day-1: it-on-infusion-day-1, Day 1"
    assert flagged_days(Page(render(results))) == expected


FIRST_WEEK = """
    blinacheck: 1
    indication: relapsed-refractory
    patient: {age_years: 40, weight_kg: 70}
    cycles:
      - cycle: 1
        start: 2026-03-02
        infusion:
          - {days: 1-3, dose: 9 mcg/day}
          - {days: 4-7, dose: 30 mcg/day}
          - {days: 8-28, dose: 28 mcg/day}
"""


def test_a_finding_about_a_range_of_days_marks_every_day(builtin_rules: RuleSet) -> None:
    """dose-above-cap on the step of Days 4-7 flags Days 4, 5, 6 and 7, not only Day 4."""
    result = lint(FIRST_WEEK, builtin_rules)
    on_days = sorted((f.rule, f.day) for f in result.findings if f.day is not None)
    assert on_days == [("dose-above-cap", 4)]
    page = Page(render([result]))
    assert flagged_days(page) == {("plan-1", "1", str(d)): "flag-error" for d in (4, 5, 6, 7)}
    rows = {r.attrs["data-rule"]: r for r in page.find("tr", "finding")}
    row = rows["dose-above-cap"]
    assert "cycle 1, Days 4-7" in row.content
    # Each flagged day's mark links to the finding's row.
    assert {a.attrs["href"] for a in page.find("a", "mark")} == {"#" + row.attrs["id"]}
    assert len(page.find("a", "mark")) == 4


def test_overridden_finding_shows_its_reason_and_flags_nothing(builtin_rules: RuleSet) -> None:
    result = lint_file(str(CHILD), builtin_rules)
    (finding,) = result.findings
    reason = "IT moved by the team <after> review; see note 12"
    result.findings = [finding.with_suppression(Suppression("inline", reason))]
    markup = render([result])
    page = Page(markup)
    (row,) = page.find("tr", "finding")
    assert "suppressed" in row.classes
    assert f"overridden (inline): {reason}" in row.content
    assert "~E" in row.content
    assert not [td for td in page.find("td", "day") if "flag-error" in td.classes]
    assert "(1 overridden, not counted)" in page.find("dl", "summary")[0].content


def test_invalid_plan_gets_a_section_without_calendar(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("blinacheck: 1\ntitle: Broken\nindication: sometimes\ncycles: []\n")
    output = tmp_path / "report.html"
    result = CliRunner().invoke(
        main, ["lint", "--format", "html", "-o", str(output), str(broken), str(ADULT)]
    )
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == f"2 errors, 0 warnings, 0 info in 2 files; written to {output}\n"
    page = Page(output.read_text(encoding="utf-8"))
    sections = page.find("section", "plan")
    assert len(sections) == 2
    assert "The plan is not valid, so no calendar can be drawn" in sections[0].content
    assert {r.attrs["data-rule"] for r in page.find("tr", "finding")} == {"invalid-plan"}
    assert len(page.find("figure", "cycle")) == 2  # the adult plan's cycles only


def test_print_stylesheet_keeps_grids_whole(builtin_rules: RuleSet) -> None:
    style = Page(report_of([ADULT], builtin_rules)).style
    assert "@page" in style and "@media print" in style
    assert "figure.cycle { margin: 1rem 0 1.5rem; break-inside: avoid;" in style
    assert "table.grid { table-layout: fixed; }" in style


# --- a real browser ---------------------------------------------------------------------------


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_report_renders_in_headless_chromium(tmp_path: Path, builtin_rules: RuleSet) -> None:
    # A missing browser fails the test: a skip would pass the suite without the check it owes.
    assert CHROMIUM is not None, CHROMIUM_MISSING
    report = tmp_path / "report.html"
    markup = report_of([CHILD, HIGH_RISK, TEMPLATE], builtin_rules)
    report.write_text(markup, encoding="utf-8")
    url = report.as_uri()

    dumped = chromium(tmp_path, "--dump-dom", url)
    # The Content-Security-Policy would log any blocked fetch or script: there is none.
    assert "Content Security Policy" not in dumped.stderr
    page = Page(dumped.stdout)
    assert len(page.find("section", "plan")) == 3
    rows = [r for r in page.find("tr", "finding") if r.ancestor("section").attrs["id"] == "plan-1"]
    assert [(r.attrs["data-rule"], r.classes[1]) for r in rows] == [
        ("it-on-infusion-day-1", "sev-error")
    ]
    high_risk = {
        r.attrs["data-rule"]
        for r in page.find("tr", "finding")
        if r.attrs["id"].startswith("plan-2")
    }
    assert {"it-on-infusion-day-1", "step-up-missing"} <= high_risk
    flagged = flagged_days(page)
    assert flagged[("plan-1", "1", "1")] == "flag-error"
    assert ("plan-2", "1", "1") in flagged
    assert not [key for key in flagged if key[0] == "plan-3"]  # the template is clean

    hostile = tmp_path / "hostile.html"
    hostile.write_text(render([lint(HOSTILE, builtin_rules)]), encoding="utf-8")
    shown = chromium(tmp_path, "--dump-dom", hostile.as_uri())
    assert "Content Security Policy" not in shown.stderr
    assert Page(shown.stdout).find("h2")[0].content == "<script>alert(1)</script>"
    assert not Page(shown.stdout).find("script")

    screenshot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1100,1500", url)
    assert png_size(screenshot) == (1100, 1500)
    assert screenshot.stat().st_size > 50_000  # a rendered page, not a blank one


MEASURE = """<script>
addEventListener("load", () => {
  const boxes = [];
  for (const cell of document.querySelectorAll("td.severity")) {
    const box = cell.getBoundingClientRect();
    for (const label of cell.querySelectorAll("span")) {
      const text = label.getBoundingClientRect();
      boxes.push([cell.textContent, box.left, box.right, text.left, text.right]);
    }
  }
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify(boxes);
  document.body.append(out);
});
</script>"""


def measured_severity_labels(tmp_path: Path, markup: str, width: int) -> list[list[object]]:
    """[cell text, cell left, cell right, label left, label right] of every severity label,
    laid out by Chromium in a window ``width`` px wide. For the test only, the copy measured
    drops the Content-Security-Policy so that a script can read the boxes."""
    page = tmp_path / f"measure-{width}.html"
    markup = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", markup)
    page.write_text(markup.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dumped = chromium(tmp_path, f"--window-size={width},1000", "--dump-dom", page.as_uri())
    found = re.search(r'<pre id="measured">([^<]*)</pre>', dumped.stdout)
    assert found is not None, dumped.stderr[-2000:]
    import json

    boxes: list[list[object]] = json.loads(html_unescape(found.group(1)))
    return boxes


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_severity_label_stays_in_its_column_at_1280_px_and_in_print(
    tmp_path: Path, builtin_rules: RuleSet
) -> None:
    assert CHROMIUM is not None, CHROMIUM_MISSING
    markup = report_of([HIGH_RISK, CHILD], builtin_rules)
    # Print: the print stylesheet applied on screen, in the width of A4 (210 mm) and of US
    # Letter (8.5 in) less the 12 mm margins, at 96 px per inch.
    printed = markup.replace("@media print", "@media all")
    for width, page in ((1280, markup), (703, printed), (725, printed)):
        boxes = measured_severity_labels(tmp_path, page, width)
        words = {str(box[0]).split()[-1] for box in boxes}
        assert words == {"error", "warning", "info"}, (width, boxes)
        for text, left, right, label_left, label_right in boxes:
            assert isinstance(left, float | int) and isinstance(right, float | int)
            assert isinstance(label_left, float | int) and isinstance(label_right, float | int)
            assert left <= label_left and label_right <= right, (width, text, boxes)


# --- the verification record (issue 15) -------------------------------------------------------

HOUSE_RULE = """\
rules:
  - id: house-it-note
    title: Every IT dose is noted
    severity: info
    for_each: intrathecal
    when: "true"
    message: IT dose on Day {{intrathecal.cycle_day}}
    evidence:
      - source: house rule for this test
"""

CHILD_OVERRIDDEN = CHILD.read_text(encoding="utf-8").replace(
    "      - {day: 1, drugs: [methotrexate], dose: 12 mg}",
    "      # blinacheck: ignore[it-on-infusion-day-1] -- moved with the team, see note 12\n"
    "      - {day: 1, drugs: [methotrexate], dose: 12 mg}",
)


def record_run(tmp_path: Path) -> tuple[Path, Path, str]:
    """lint --format html -o of the child plan with an override, a configuration and a house
    rule directory: (plan, house rules, the report's markup)."""
    plan = tmp_path / "child.yaml"
    plan.write_text(CHILD_OVERRIDDEN, encoding="utf-8")
    house = tmp_path / "house"
    if not house.exists():
        house.mkdir()
        (house / "notes.yaml").write_text(HOUSE_RULE, encoding="utf-8")
    config = tmp_path / "blinacheck.toml"
    config.write_text(
        'ignore = ["neurotoxicity-risk-factors"]\n\n[severity]\nhospitalization-missing = "info"'
        "\n\n[params.weight-measurement-stale]\nmax_days = 14\n",
        encoding="utf-8",
    )
    report = tmp_path / "record.html"
    result = CliRunner().invoke(
        main,
        [
            "lint",
            "--format",
            "html",
            "--config",
            str(config),
            "--rules",
            str(house),
            "-o",
            str(report),
            str(plan),
        ],
    )
    assert result.exit_code == 0, result.output
    return plan, house, report.read_text(encoding="utf-8")


def header(page: Page) -> dict[str, str]:
    (table,) = [t for t in page.find("table", "record") if t.attrs.get("id") == "record"]
    rows = [e for e in page.elements if e.tag == "tr" and table in e.parents]
    found = {}
    for row in rows:
        cells = [e for e in page.elements if e.tag in ("th", "td") and row in e.parents]
        found[cells[0].content] = cells[1].content
    return found


def test_record_header_identifies_what_was_checked(tmp_path: Path) -> None:
    import datetime as dt
    import hashlib

    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    plan, house, markup = record_run(tmp_path)
    rows = header(Page(markup))
    generated = rows["Generated"]
    utc = dt.datetime.strptime(generated.split(" UTC")[0], "%Y-%m-%d %H:%M:%S")
    assert before <= utc.replace(tzinfo=dt.UTC) <= dt.datetime.now(dt.UTC)
    assert " local (" in generated
    digest = hashlib.sha256(plan.read_bytes()).hexdigest()
    assert rows[f"Plan {plan}"] == f"SHA-256 {digest}"
    assert rows["blinacheck"] == __import__("blinacheck").__version__
    assert re.fullmatch(r"SHA-256 [0-9a-f]{64}", rows["Rules: built-in rules"])
    house_digest = rows[f"Rules: directory {house}"]
    (house / "notes.yaml").write_text(HOUSE_RULE.replace("is noted", "is listed"))
    assert header(Page(record_run(tmp_path)[2]))[f"Rules: directory {house}"] != house_digest
    assert rows["Configuration file"] == str(tmp_path / "blinacheck.toml")
    assert rows["ignore (file)"] == "neurotoxicity-risk-factors"
    assert rows["Changed severities"] == "hospitalization-missing = info"
    assert rows["Changed params"] == "weight-measurement-stale.max_days = 14"
    assert rows["Baseline"] == "none"


def test_record_lists_every_override_with_its_reason_and_place(tmp_path: Path) -> None:
    plan, _, markup = record_run(tmp_path)
    page = Page(markup)
    (table,) = page.find("table", "overrides")
    line = CHILD_OVERRIDDEN.splitlines().index(
        "      - {day: 1, drugs: [methotrexate], dose: 12 mg}"
    )
    assert "it-on-infusion-day-1" in table.content
    assert "moved with the team, see note 12" in table.content
    assert f"{plan}, the comment on or above line {line + 1}" in table.content


def test_record_dose_and_bag_table(builtin_rules: RuleSet) -> None:
    markup = report_of([CHILD, ADULT], builtin_rules)
    page = Page(markup)
    child, adult = page.find("section", "plan")
    doses = [t for t in page.find("table", "doses") if child in t.parents]
    (cells,) = [[td.content for td in page.find("td") if t in td.parents] for t in doses]
    # 5 and 15 mcg/m2/day at BSA 0.89 m2 (Mosteller, 120 cm, 24 kg), under their caps.
    assert cells == [
        "1-7",
        "2026-03-09 to 2026-03-15",
        "5 mcg/m2/day",
        "4.47 mcg/day (5 × 0.89 m²; cap 9)",
        "0.89 m²",
        "8-28",
        "2026-03-16 to 2026-04-05",
        "15 mcg/m2/day",
        "13.42 mcg/day (15 × 0.89 m²; cap 28)",
        "0.89 m²",
    ]
    bags = [t for t in page.find("table", "bags") if adult in t.parents]
    first = [
        [td.content for td in page.find("td") if tr in td.parents]
        for tr in page.find("tr")
        if bags[0] in tr.parents
    ][1:]
    # The adult's cycle 1: 48-hour bags, a 24-hour bag on Day 7 so the 28 mcg/day bag starts
    # on Day 8, and the label's pump rates (48 h 5 mL/h, 24 h 10 mL/h).
    assert first[:5] == [
        ["Day 1 (2026-03-02)", "48 h", "1-2", "18 mcg", "5 mL/h"],
        ["Day 3 (2026-03-04)", "48 h", "3-4", "18 mcg", "5 mL/h"],
        ["Day 5 (2026-03-06)", "48 h", "5-6", "18 mcg", "5 mL/h"],
        ["Day 7 (2026-03-08)", "24 h", "7", "9 mcg", "10 mL/h"],
        ["Day 8 (2026-03-09)", "48 h", "8-9", "56 mcg", "5 mL/h"],
    ]
    assert first[-1] == ["Day 28 (2026-03-29)", "24 h", "28", "28 mcg", "10 mL/h"]
    assert "Day -3: methotrexate 15 mg; Day 15: methotrexate 15 mg" in adult.content
    assert "Day 1: dexamethasone 20 mg, 60 min before; Day 8: dexamethasone 20 mg" in adult.content
    assert "Hospital days1-9" in adult.content
    assert "mL" not in markup.replace("mL/h", "")  # no volumes: the fact base gives none


def test_record_sign_off_fields_print_with_lines(tmp_path: Path, builtin_rules: RuleSet) -> None:
    assert CHROMIUM is not None, CHROMIUM_MISSING
    markup = report_of([CHILD], builtin_rules)
    page = Page(markup)
    (signoff,) = page.find("section", "signoff")
    labels = [td.content for td in page.find("td", "label") if signoff in td.parents]
    assert labels == ["Prepared by", "Date and time", "Verified by", "Date and time"]
    # In print (the print stylesheet applied on screen at A4 width), every line to sign on
    # is drawn: a bottom border at least 1 px, and room to write above it.
    probe = """<script>addEventListener("load", () => { const out = [];
      for (const td of document.querySelectorAll("table.signoff td.line")) {
        const s = getComputedStyle(td); const r = td.getBoundingClientRect();
        out.push([s.borderBottomStyle, parseFloat(s.borderBottomWidth), r.width, r.height]); }
      const pre = document.createElement("pre"); pre.id = "measured";
      pre.textContent = JSON.stringify(out); document.body.append(pre); });</script>"""
    printed = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", markup)
    printed = printed.replace("@media print", "@media all").replace("</body>", probe + "</body>")
    target = tmp_path / "signoff.html"
    target.write_text(printed, encoding="utf-8")
    dumped = chromium(tmp_path, "--window-size=703,1000", "--dump-dom", target.as_uri())
    found = re.search(r'<pre id="measured">([^<]*)</pre>', dumped.stdout)
    assert found is not None
    import json

    lines = json.loads(found.group(1))
    assert len(lines) == 4
    for style, width, box_width, height in lines:
        assert style == "solid" and width >= 1 and box_width > 150 and height > 20
