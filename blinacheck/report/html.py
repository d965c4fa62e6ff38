"""HTML report: one self-contained page to attach to a verification record.

Per plan: a summary (title, indication, the patient data used for dosing, counts by severity),
the findings table (evidence links, overrides with their reasons) and the calendar of every
cycle with flagged days highlighted. Several plans make one page with a section each.

Self-contained means: inline CSS only, no script, nothing fetched (no src, no <link>, no
@import, no url()); a Content-Security-Policy of default-src 'none' makes the browser refuse
anything that slipped in. The only outside addresses are evidence links (<a href> to
http/https) that the reader may choose to follow. Every piece of text from a plan or a rule file
is escaped with html.escape.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable

from .. import __version__
from ..results.display import printable
from ..results.files import FileResult, LintReport
from ..results.findings import Evidence, Finding, Severity
from . import RenderOptions
from . import calendar as cal
from . import record as rec

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
SEVERITY_WORDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}

STYLE = """
:root { --error: #b71c1c; --error-bg: #fde0dc; --warning: #8a5a00; --warning-bg: #fff1c2;
  --info: #01579b; --info-bg: #e1f0fb; --line: #9e9e9e; --muted: #5f6368; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1a1a1a; margin: 0 auto; padding: 1.5rem; max-width: 64rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 0 0 .5rem; border-bottom: 2px solid #1a1a1a; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; break-after: avoid; }
.muted, .path { color: var(--muted); }
.path { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .9em; }
section.plan { margin-top: 2rem; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem;
  margin: .5rem 0; }
dl.summary dt { font-weight: 600; }
dl.summary dd { margin: 0; }
.counts span { display: inline-block; padding: 0 .4rem; border-radius: 3px; margin-right: .3rem; }
.counts span.zero { background: transparent; color: var(--muted); }
span.sev-error, .count-error { background: var(--error-bg); }
span.sev-warning, .count-warning { background: var(--warning-bg); }
span.sev-info, .count-info { background: var(--info-bg); }
table { border-collapse: collapse; width: 100%; }
table.findings { table-layout: fixed; }
table.findings th, table.findings td { overflow-wrap: anywhere; border: 1px solid var(--line);
  padding: .3rem .4rem; text-align: left; vertical-align: top; }
table.findings th { background: #eee; overflow-wrap: normal; }
table.findings td.severity { font-weight: 700; }
td.severity span { white-space: nowrap; }
tr.finding.sev-error td.severity { color: var(--error); background: var(--error-bg);
  border-left: 5px solid var(--error); }
tr.finding.sev-warning td.severity { color: var(--warning); background: var(--warning-bg);
  border-left: 5px solid #f9a825; }
tr.finding.sev-info td.severity { color: var(--info); background: var(--info-bg);
  border-left: 5px solid var(--info); }
tr.finding.suppressed { background: #f3f3f3; color: var(--muted); }
tr.finding.suppressed td.message { text-decoration: line-through; }
td.override { font-style: italic; }
.rule-id { font-family: ui-monospace, Menlo, Consolas, monospace; }
ul.evidence { margin: 0; padding-left: 1rem; }
.unconfirmed { color: var(--warning); font-weight: 600; }
figure.cycle { margin: 1rem 0 1.5rem; break-inside: avoid; page-break-inside: avoid; }
figure.cycle figcaption { font-weight: 600; margin-bottom: .3rem; }
table.grid { table-layout: fixed; }
table.grid th { font-size: .85em; border: 1px solid var(--line); background: #eee; }
table.grid td { border: 1px solid var(--line); vertical-align: top; height: 4.6rem;
  padding: .15rem .3rem; font-size: .85em; overflow: hidden; }
table.grid td.outside { background: transparent; border-color: #ddd; }
table.grid td.day-free { background: repeating-linear-gradient(135deg, #f4f4f4 0 6px,
  #e8e8e8 6px 8px); color: var(--muted); }
table.grid td.day-before { background: #f7f7f7; color: var(--muted); font-style: italic; }
table.grid td.day-gap { background: #eceff1; color: var(--muted); }
table.grid td.flag-error { background: var(--error-bg); outline: 3px solid var(--error);
  outline-offset: -3px; }
table.grid td.flag-warning { background: var(--warning-bg); outline: 3px solid #f9a825;
  outline-offset: -3px; }
table.grid td.flag-info { background: var(--info-bg); outline: 2px solid var(--info);
  outline-offset: -2px; }
td .date { display: block; color: var(--muted); }
td .dayno { font-weight: 700; }
td .mark { float: right; font-weight: 700; text-decoration: none; padding: 0 .2rem;
  border-radius: 2px; color: #fff; }
td .mark-error { background: var(--error); }
td .mark-warning { background: #8a5a00; }
td .mark-info { background: var(--info); }
td .dose { display: block; font-size: 1.1em; font-weight: 600; }
td .dose small { font-weight: 400; color: var(--muted); font-size: .75em; }
table.grid td.hospital { box-shadow: inset 4px 0 0 #78909c; }
td.day-free .dose, td.day-before .dose, td.day-gap .dose { font-weight: 400; }
td .markers { display: block; letter-spacing: .15em; font-family: ui-monospace, Menlo,
  Consolas, monospace; }
abbr { text-decoration: none; }
tr.skipped td { text-align: center; color: var(--muted); font-style: italic; height: auto; }
ul.items { margin: .4rem 0 0; padding-left: 1.2rem; font-size: .9em; }
.legend { font-size: .85em; border: 1px solid var(--line); padding: .4rem .6rem;
  margin-top: 1rem; columns: 2; }
.legend div { break-inside: avoid; }
.legend b { display: inline-block; min-width: 6em; }
.invalid { border-left: 4px solid var(--error); padding-left: .6rem; }
nav ul { margin: .3rem 0; padding-left: 1.2rem; }
table.record, table.doses, table.bags { margin: .3rem 0 .6rem; }
table.record th, table.record td, table.doses th, table.doses td, table.bags th,
table.bags td { border: 1px solid var(--line); padding: .2rem .4rem; text-align: left;
  vertical-align: top; }
table.record th, table.doses th, table.bags th { background: #eee; }
table.record th[scope=row] { width: 14rem; }
.mono { font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
section.signoff { margin-top: 1.5rem; break-inside: avoid; }
table.signoff td { padding: 1.6rem .4rem .2rem; vertical-align: bottom; }
table.signoff td.line { border-bottom: 1px solid #1a1a1a; width: 34%; }
table.signoff td.label { width: 16%; font-weight: 600; white-space: nowrap; }
figure.doses { margin: .6rem 0 1rem; break-inside: avoid; }
@page { margin: 12mm; }
@media print {
  body { font-size: 9.5pt; max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  nav { display: none; }
  section.plan { margin-top: 0; }
  section.plan + section.plan { break-before: page; }
  table.findings tr { break-inside: avoid; }
  thead { display: table-header-group; }
  table.grid td { height: auto; min-height: 3.6em; }
  a { color: inherit; }
  a.evidence::after { content: " <" attr(href) ">"; font-size: .85em; word-break: break-all; }
}
"""


def e(text: object) -> str:
    """Escape any text for HTML content and attribute values (controls, bidi marks and
    undecodable name bytes shown as escapes first, results.display.printable)."""
    return html.escape(printable(str(text), keep_newlines=True), quote=True)


def render(report: LintReport, options: RenderOptions) -> str:
    counts = report.counts()
    suppressed = sum(1 for f in report.findings if f.suppressed is not None)
    plans = len(report.results)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f'<meta name="generator" content="blinacheck {e(__version__)}">',
        f"<title>blinacheck report: {plans} plan{'' if plans == 1 else 's'}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>blinacheck report</h1>",
        f'<p class="muted">blinacheck {e(__version__)} · {plans} plan file'
        f"{'' if plans == 1 else 's'} · {_counts(counts, suppressed)}</p>",
    ]
    out += _record_header(report, options.record)
    if plans > 1:
        out.append("<nav><ul>")
        for number, result in enumerate(report.results, 1):
            out.append(
                f'<li><a href="#plan-{number}">{e(_plan_name(result))}</a> '
                f"{_counts(_file_counts(result), _suppressed(result))}</li>"
            )
        out.append("</ul></nav>")
    out.append("</header>")
    if not report.results:
        out.append("<p>No plan files were found.</p>")
    for number, result in enumerate(report.results, 1):
        out += _plan_section(number, result, options.record)
    out += _signoff()
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# --- summary ----------------------------------------------------------------------------------


def _plan_name(result: FileResult) -> str:
    title = result.timeline.plan.get("title") if result.timeline is not None else None
    return str(title) if title else result.path


def _file_counts(result: FileResult) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for finding in result.findings:
        if finding.suppressed is None:
            counts[str(finding.severity)] += 1
    return counts


def _suppressed(result: FileResult) -> int:
    return sum(1 for f in result.findings if f.suppressed is not None)


def _counts(counts: dict[str, int], suppressed: int) -> str:
    parts = [
        f'<span class="count-{name}{" zero" if not counts[name] else ""}">{counts[name]} {name}'
        f"{'s' if counts[name] != 1 and name != 'info' else ''}</span>"
        for name in ("error", "warning", "info")
    ]
    text = f'<span class="counts">{"".join(parts)}</span>'
    if suppressed:
        text += f" ({suppressed} overridden, not counted)"
    return text


def _plan_section(number: int, result: FileResult, context: rec.RecordContext | None) -> list[str]:
    anchor = f"plan-{number}"
    plan = cal.build(result)
    out = [f'<section class="plan" id="{anchor}">']
    title = plan.title if plan is not None else None
    out.append(f"<h2>{e(title) if title else '<i>Untitled plan</i>'}</h2>")
    out.append(f'<p class="path">{e(result.path)}</p>')
    digest = context.plan_sha256.get(result.path) if context is not None else None
    if digest:
        out.append(f'<p class="sha256">SHA-256 <span class="mono">{e(digest)}</span></p>')
    out.append('<dl class="summary">')
    if plan is not None:
        out.append(f"<dt>Indication</dt><dd>{e(plan.indication)}</dd>")
        for label, value in cal.patient_facts(plan.patient):
            out.append(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>")
        out.append(f"<dt>Cycles</dt><dd>{e(_cycles_summary(plan))}</dd>")
    out.append(f"<dt>Findings</dt><dd>{_counts(_file_counts(result), _suppressed(result))}</dd>")
    out.append("</dl>")
    # Gravest first, then in file order: what to fix first heads the table.
    findings = sorted(result.findings, key=lambda f: (-f.severity, f.line, f.column, f.rule))
    out += _findings_table(anchor, findings, plan)
    out += _overrides(result)
    if plan is not None:
        out += _dose_tables(result)
    if plan is None:
        out.append(
            '<p class="invalid">The plan is not valid, so no calendar can be drawn. '
            "Fix the findings above and run blinacheck again.</p>"
        )
    else:
        out.append("<h3>Calendar</h3>")
        for cycle in plan.cycles:
            out += _cycle_figure(anchor, cycle, findings)
        if plan.unplaced:
            out.append(
                f'<p class="muted">Outside the cycle calendars: {e("; ".join(plan.unplaced))}</p>'
            )
        out += _legend(plan)
    out.append("</section>")
    return out


def _cycles_summary(plan: cal.PlanCalendar) -> str:
    parts = []
    for cycle in plan.cycles:
        text = f"cycle {cycle.number}"
        if cycle.start is not None:
            text += f" from {cycle.start.isoformat()}"
        parts.append(text)
    return f"{len(plan.cycles)}: " + ", ".join(parts)


# --- findings ---------------------------------------------------------------------------------


def _finding_id(anchor: str, index: int) -> str:
    return f"{anchor}-finding-{index}"


def _findings_table(
    anchor: str, findings: list[Finding], plan: cal.PlanCalendar | None
) -> list[str]:
    out = ["<h3>Findings</h3>"]
    if not findings:
        out.append("<p>No findings: every loaded rule passed.</p>")
        return out
    out += [
        '<table class="findings">',
        '<colgroup><col style="width:11%"><col style="width:15%"><col style="width:10%">'
        '<col style="width:25%"><col style="width:28%"><col style="width:11%"></colgroup>',
        "<thead><tr><th>Severity</th><th>Rule</th><th>Where</th><th>Finding</th>"
        "<th>Evidence</th><th>Override</th></tr></thead>",
        "<tbody>",
    ]
    for index, finding in enumerate(findings):
        classes = f"finding sev-{SEVERITY_WORDS[finding.severity]}"
        if finding.suppressed is not None:
            classes += " suppressed"
        rule = f'<span class="rule-id">{e(finding.rule)}</span>'
        if finding.title:
            rule += f"<br>{e(finding.title)}"
        override = ""
        if finding.suppressed is not None:
            override = f"overridden ({e(finding.suppressed.kind)}): {e(finding.suppressed.reason)}"
        out.append(
            f'<tr class="{classes}" id="{_finding_id(anchor, index)}" '
            f'data-rule="{e(finding.rule)}" data-cycle="{_attr(finding.cycle)}" '
            f'data-day="{_attr(finding.day)}">'
            # Mark and word may sit on two lines; neither is ever cut or spills over.
            f'<td class="severity"><span>{cal.severity_mark(finding)}</span> '
            f"<span>{finding.severity}</span></td>"
            f"<td>{rule}</td>"
            f"<td>{_where(finding, plan)}</td>"
            f'<td class="message">{e(finding.message)}</td>'
            f"<td>{_evidence(finding.evidence)}</td>"
            f'<td class="override">{override}</td>'
            "</tr>"
        )
    out += ["</tbody>", "</table>"]
    return out


def _attr(value: int | None) -> str:
    return "" if value is None else str(value)


def _where(finding: Finding, plan: cal.PlanCalendar | None) -> str:
    parts = [f"line {finding.line}, col {finding.column}"]
    if finding.cycle is not None:
        day = f", Day {finding.day}" if finding.day is not None else ""
        cycle = next((c for c in plan.cycles if c.number == finding.cycle), None) if plan else None
        days = cycle.marked_days.get(id(finding), ()) if cycle is not None else ()
        if len(days) > 1:
            day = f", Days {days[0]}-{days[-1]}"
        parts.append(f"cycle {finding.cycle}{day}")
    return "<br>".join(e(p) for p in parts)


def _evidence(evidence: Iterable[Evidence]) -> str:
    items = []
    for item in evidence:
        url = item.link  # only plain web addresses become links (results.findings.web_address)
        if url is not None:
            source = (
                f'<a class="evidence" href="{e(url)}" rel="noopener noreferrer">'
                f"{e(item.source)}</a>"
            )
        else:
            source = e(item.source)
        if item.note:
            source += f" — {e(item.note)}"
        if item.unconfirmed:
            source += ' <span class="unconfirmed">[unconfirmed]</span>'
        items.append(f"<li>{source}</li>")
    return f'<ul class="evidence">{"".join(items)}</ul>' if items else ""


# --- calendar ---------------------------------------------------------------------------------


def _cycle_figure(anchor: str, cycle: cal.CycleCalendar, findings: list[Finding]) -> list[str]:
    index_of = {id(finding): index for index, finding in enumerate(findings)}
    caption = e(cycle.heading)
    if cycle.worst is not None:
        caption += f' <span class="sev-{cycle.worst}">{cal.SEVERITY_MARKS[cycle.worst]}</span>'
    out = [
        f'<figure class="cycle" id="{anchor}-cycle-{cycle.number}" data-cycle="{cycle.number}">',
        f"<figcaption>{caption}</figcaption>",
        '<table class="grid">',
        "<thead><tr>" + "".join(f"<th>{name}</th>" for name in cycle.columns) + "</tr></thead>",
        "<tbody>",
    ]
    for week in cycle.weeks:
        if week.skipped_before:
            out.append(
                f'<tr class="skipped"><td colspan="7">… {week.skipped_before} weeks with '
                "nothing planned …</td></tr>"
            )
        cells = "".join(_cell(anchor, day, index_of) for day in week.cells)
        out.append(f"<tr>{cells}</tr>")
    if cycle.skipped_after:
        out.append(
            f'<tr class="skipped"><td colspan="7">… then {cycle.skipped_after} weeks free until '
            f"Day {cycle.last_day} …</td></tr>"
        )
    out += ["</tbody>", "</table>"]
    items = [day for day in cycle.days if day.items]
    if items:
        out.append('<ul class="items">')
        for day in items:
            when = day.label + (f" ({day.date.isoformat()})" if day.date else "")
            out.append(f"<li><b>{e(when)}</b>: {e('; '.join(day.items))}</li>")
        out.append("</ul>")
    out.append("</figure>")
    return out


def _cell(anchor: str, day: cal.Day | None, index_of: dict[int, int]) -> str:
    if day is None:
        return '<td class="outside"></td>'
    classes = ["day", f"day-{day.kind.name.lower()}"]
    if cal.Marker.HOSPITAL in day.markers:
        classes.append("hospital")
    worst = day.worst
    if worst is not None:
        classes.append(f"flag-{worst}")
    parts = []
    if day.date is not None:
        parts.append(f'<span class="date">{e(day.date_label)}</span>')
    if worst is not None:
        # The mark links to the day's worst finding in the table above.
        mark = cal.SEVERITY_MARKS[worst]
        first = next(f for f in day.findings if f.suppressed is None and f.severity == worst)
        index = index_of.get(id(first))
        if index is None:
            parts.append(f'<span class="mark mark-{worst}">{mark}</span>')
        else:
            target = _finding_id(anchor, index)
            parts.append(f'<a class="mark mark-{worst}" href="#{target}">{mark}</a>')
    parts.append(f'<span class="dayno">{e(day.label)}</span>')
    if day.dose is not None:
        amount = cal.number(day.dose.amount)
        dose = f"{amount} <small>{e(day.dose.unit)}</small>"
        title = f"{amount} {day.dose.unit}"
    else:
        dose, title = e(day.kind.label), day.kind.meaning
    parts.append(f'<span class="dose" title="{e(title)}">{dose}</span>')
    if day.markers:
        markers = "".join(f'<abbr title="{e(m.meaning)}">{m.letter}</abbr>' for m in day.markers)
        parts.append(f'<span class="markers">{markers}</span>')
    tooltip = "; ".join(day.items + tuple(f"{f.severity}: {f.message}" for f in day.findings))
    title_attr = f' title="{e(tooltip)}"' if tooltip else ""
    return f'<td class="{" ".join(classes)}" data-day="{day.day}"{title_attr}>{"".join(parts)}</td>'


def _legend(plan: cal.PlanCalendar) -> list[str]:
    entries = [
        ("D15", "cycle day 15 (no Day 0; D-1 is the day before Day 1)"),
        ("28 mcg/day", "blinatumomab infused that day"),
    ]
    if plan.per_m2_doses:
        entries.append(("mcg/m2/day", "a per-m² dose: no BSA in the plan to convert it"))
    entries += [(kind.label, kind.meaning) for kind in cal.DayKind if kind.label]
    entries += [
        (
            marker.letter,
            marker.meaning + (" (bar at the left edge)" if marker.name == "HOSPITAL" else ""),
        )
        for marker in cal.Marker
    ]
    entries += [
        ("!E !W !I", "worst finding that day: error, warning, info (cell outlined)"),
        ("~E", "overridden finding: listed, does not flag the day"),
    ]
    if any(c.dated for c in plan.cycles):
        entries.append(("Mon…Sun", "rows are calendar weeks, Monday first"))
    if any(not c.dated for c in plan.cycles):
        entries.append(("1st…7th", "no dates in the plan: rows are 7-day blocks from Day 1"))
    rows = "".join(f"<div><b>{e(symbol)}</b> {e(meaning)}</div>" for symbol, meaning in entries)
    return [f'<div class="legend">{rows}</div>']


# --- the verification record ------------------------------------------------------------------


def _record_header(report: LintReport, context: rec.RecordContext | None) -> list[str]:
    out = ['<table class="record" id="record">', "<caption><b>What was checked</b></caption>"]
    rows: list[tuple[str, str]] = []
    if context is None:
        rows.append(("Generated", "not recorded (rendered without a run context)"))
    else:
        utc = context.generated.astimezone(dt.UTC)
        local = context.generated.astimezone()
        rows.append(
            (
                "Generated",
                f"{utc.strftime('%Y-%m-%d %H:%M:%S')} UTC · "
                f"{local.strftime('%Y-%m-%d %H:%M:%S')} local ({local.strftime('%Z %z')})",
            )
        )
        rows.append(("blinacheck", context.version or __version__))
        for path, digest in context.plan_sha256.items():
            rows.append((f"Plan {path}", f"SHA-256 {digest}"))
        for what, digest in context.rule_sets:
            rows.append((f"Rules: {what}", f"SHA-256 {digest}"))
        rows += list(context.configuration)
    out += [
        f'<tr><th scope="row">{e(label)}</th><td class="mono">{e(value)}</td></tr>'
        for label, value in rows
    ]
    out.append("</table>")
    return out


def _overrides(result: FileResult) -> list[str]:
    found = rec.overrides(result)
    if not found:
        return ["<p>Overrides: none.</p>"]
    out = [
        "<h3>Overrides</h3>",
        '<table class="record overrides"><thead><tr><th>Rule</th><th>Severity</th>'
        "<th>Kind</th><th>Reason</th><th>Written in</th></tr></thead><tbody>",
    ]
    for finding, where in found:
        assert finding.suppressed is not None
        out.append(
            f'<tr><td class="rule-id">{e(finding.rule)}</td><td>{finding.severity}</td>'
            f"<td>{e(finding.suppressed.kind)}</td><td>{e(finding.suppressed.reason)}</td>"
            f"<td>{e(where)}</td></tr>"
        )
    out += ["</tbody></table>"]
    return out


def _dose_tables(result: FileResult) -> list[str]:
    out = ["<h3>Doses and bags</h3>"]
    for cycle in rec.cycles(result):
        out += [
            f'<figure class="doses" data-cycle="{cycle.number}">',
            f"<figcaption><b>Cycle {cycle.number}</b></figcaption>",
            '<table class="doses"><thead><tr><th>Days</th><th>Dates</th>'
            "<th>Dose as written</th><th>mcg/day after BSA and caps</th><th>BSA used</th>"
            "</tr></thead><tbody>",
        ]
        for step in cycle.steps:
            out.append(
                f"<tr><td>{e(step.days)}</td><td>{e(step.dates)}</td><td>{e(step.written)}</td>"
                f"<td>{e(step.mcg_per_day)}</td><td>{e(step.bsa)}</td></tr>"
            )
        out.append("</tbody></table>")
        if cycle.bags:
            out.append(
                '<table class="bags"><thead><tr><th>Bag hung on</th><th>Duration</th>'
                "<th>Runs on days</th><th>Must deliver</th><th>Pump rate (label)</th>"
                "</tr></thead><tbody>"
            )
            for bag in cycle.bags:
                when = f"Day {bag.hung_day}" + (f" ({bag.hung_date})" if bag.hung_date else "")
                out.append(
                    f"<tr><td>{e(when)}</td><td>{cal.number(bag.hours)} h</td>"
                    f"<td>{e(bag.days)}</td><td>{e(bag.mcg)}</td><td>{e(bag.rate)}</td></tr>"
                )
            out.append("</tbody></table>")
        else:
            out.append("<p>Bags: none written in the plan.</p>")
        extra = [
            ("Premedication", "; ".join(cycle.premedication) or "none planned"),
            ("IT chemotherapy", "; ".join(cycle.intrathecal) or "none planned"),
            ("Hospital days", cycle.hospital_days),
        ]
        out.append('<dl class="summary">')
        out += [f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in extra]
        out += ["</dl>", "</figure>"]
    out.append(
        '<p class="muted">mcg/day: the dose as written, per-m² doses times the BSA; the caps '
        "are the label's (5 mcg/m²/day at most 9 mcg/day, 15 at most 28). A bag must deliver "
        "the daily doses of the hours it runs. Pump rates are the label's for each bag "
        "duration; volumes of admixture and stabiliser are not shown (not in the fact base)."
        "</p>"
    )
    return out


def _signoff() -> list[str]:
    row = (
        '<tr><td class="label">{who}</td><td class="line"></td>'
        '<td class="label">Date and time</td><td class="line"></td></tr>'
    )
    return [
        '<section class="signoff" id="signoff">',
        "<h3>Sign-off</h3>",
        '<table class="signoff">',
        row.format(who="Prepared by"),
        row.format(who="Verified by"),
        "</table>",
        "</section>",
    ]
