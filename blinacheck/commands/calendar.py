"""``blinacheck calendar``: draw each cycle of a plan as a week-by-week grid in the terminal.

Text from a file (its name, the title, drug names, findings) is shown through
results.display.printable, so no control or bidi character reaches the terminal.

The grid is 78 columns wide (7 cells of 10), so it fits an 80-column terminal. Every marker is a
letter or symbol, so the picture reads the same in plain text (no terminal, or NO_COLOR) as in
colour; colour only adds emphasis. rich is imported here, on use, never by ``blinacheck lint``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

import click

from . import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    emit,
    fail,
    rule_set_options,
    summary_to_stderr,
    use_color,
)

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table

    from ..api import FileResult, Finding, LintReport, calendar

WIDTH = 80
CELL = 10  # characters per day cell, one space each side included
SEVERITY_STYLES = {
    "error": "bold white on red",
    "warning": "bold black on yellow",
    "info": "black on cyan",
}
KIND_STYLES = {"FREE": "dim", "BEFORE": "dim italic", "GAP": "dim"}


def printable(text: str) -> str:
    from ..api import printable as escape

    return escape(text)


@click.command("calendar")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the calendar to FILE (plain text) instead of standard output.",
)
@rule_set_options
def command(
    paths: tuple[str, ...], output: str | None, rule_dirs: tuple[str, ...], no_builtin_rules: bool
) -> None:
    """Draw each cycle of plan files as a calendar, with findings marked on their days.

    The findings, overrides and exit code are those of lint with the same options and
    configuration: 1 when a finding at or above fail-on counts, else 0; 2 for a usage problem.
    """
    from rich.console import Console

    from ..api import ConfigError, PathError, lint_paths, load_settings

    # The settings of `blinacheck lint` with the same options: the configuration file found
    # from the current directory, inline overrides, the exit code's fail-on (docs/calendar.md).
    try:
        settings = load_settings(rule_dirs=rule_dirs, builtin=not no_builtin_rules)
    except ConfigError as exc:
        fail(str(exc))
    try:
        report = lint_paths(paths, settings)
    except PathError as exc:
        fail(str(exc))
    for note in report.notes:
        click.echo(printable(note), err=True)
    if not report.results:
        fail("no plan files found in " + ", ".join(printable(p) for p in paths))
    color = use_color(sys.stdout) and output is None
    if output is not None:
        emit(render_text(report), output, checked=[result.path for result in report.results])
        summary_to_stderr(report, output)
    elif color:
        width = min(Console().width, WIDTH)
        # use_color has decided this is a terminal; rich must not second-guess it.
        console = Console(
            width=width, force_terminal=True, highlight=False, emoji=False, soft_wrap=False
        )
        draw(console, report)
    else:
        sys.stdout.write(render_text(report))
    sys.exit(EXIT_FINDINGS if report.fails(settings.fail_on) else EXIT_CLEAN)


def plain_console(file: TextIO, width: int = WIDTH) -> Console:
    """A console that writes text only: no colour, no bold, no cursor codes."""
    from rich.console import Console

    return Console(
        file=file,
        width=width,
        color_system=None,
        force_terminal=False,
        no_color=True,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )


def render_text(report: LintReport, width: int = WIDTH) -> str:
    """The calendar of every plan in the report as plain text (what tests and pipes see)."""
    buffer = io.StringIO()
    draw(plain_console(buffer, width), report)
    # rich pads table lines to their full width; trailing blanks only get in the way of a diff.
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def draw(console: Console, report: LintReport) -> None:
    from ..api import calendar

    per_m2 = False
    dated = undated = False
    for number, result in enumerate(report.results):
        if number:
            console.rule(style="dim")
        plan = calendar.build(result)
        if plan is None:
            _invalid(console, result)
            continue
        _plan(console, plan)
        per_m2 |= plan.per_m2_doses
        dated |= any(c.dated for c in plan.cycles)
        undated |= any(not c.dated for c in plan.cycles)
    console.print()
    console.print(_legend(per_m2=per_m2, dated=dated, undated=undated))


def _invalid(console: Console, result: FileResult) -> None:
    from rich.text import Text

    console.print(Text(printable(result.path), style="bold"))
    console.print(Text("The plan is not valid, so no calendar can be drawn. Fix these first:"))
    console.print(_findings_grid(result.findings))


def _plan(console: Console, plan: calendar.PlanCalendar) -> None:
    from rich.text import Text

    from ..api import calendar

    console.print(Text(printable(plan.path), style="bold"))
    if plan.title:
        console.print(Text(printable(plan.title)))
    console.print(Text(f"Indication: {plan.indication}"))
    console.print(
        Text(printable("; ".join(f"{k} {v}" for k, v in calendar.patient_facts(plan.patient))))
    )
    for cycle in plan.cycles:
        console.print()
        _cycle(console, cycle)
    if plan.unplaced:
        console.print()
        console.print(Text(printable("Outside the cycle calendars: " + "; ".join(plan.unplaced))))
    if plan.plan_findings:
        console.print()
        console.print(Text("Findings about the plan as a whole", style="bold"))
        console.print(_findings_grid(plan.plan_findings))


def _cycle(console: Console, cycle: calendar.CycleCalendar) -> None:
    from rich.text import Text

    from ..api import calendar

    heading = Text(cycle.heading, style="bold")
    mark = calendar.SEVERITY_MARKS.get(cycle.worst) if cycle.worst is not None else None
    if mark:
        heading.append(f"  {mark}", style=SEVERITY_STYLES[str(cycle.worst)])
    console.print(heading)
    table = _new_table(cycle, header=True)
    for week in cycle.weeks:
        if week.skipped_before:
            console.print(table)
            console.print(Text(f"  ... {_weeks(week.skipped_before)} with nothing planned ..."))
            table = _new_table(cycle, header=False)
        table.add_row(*(_cell(day, dated=cycle.dated) for day in week.cells))
    console.print(table)
    if cycle.skipped_after:
        console.print(
            Text(f"  ... then {_weeks(cycle.skipped_after)} free until Day {cycle.last_day}")
        )
    items = [day for day in cycle.days if day.items]
    if items:
        console.print(_items_grid(items))
    if cycle.findings:
        console.print(Text(f"Findings in cycle {cycle.number}", style="bold"))
        console.print(_findings_grid(cycle.findings, where=cycle.where))


def _weeks(count: int) -> str:
    return f"{count} week{'s' if count != 1 else ''}"


def _new_table(cycle: calendar.CycleCalendar, *, header: bool) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(
        box=box.SQUARE,
        show_header=header,
        show_lines=True,
        padding=(0, 0),
        header_style="bold",
        expand=False,
    )
    for name in cycle.columns:
        table.add_column(name, width=CELL, no_wrap=True, overflow="crop", justify="left")
    return table


def _cell(day: calendar.Day | None, *, dated: bool) -> RenderableType:
    from rich.text import Text

    from ..api import calendar

    if day is None:
        return Text("")
    severity = day.worst
    mark = calendar.SEVERITY_MARKS[severity] if severity is not None else ""
    dose = day.dose.short if day.dose is not None else day.kind.label
    lines = [day.date_label] if dated else []
    lines += [f"{day.label:<6}{mark}", dose, day.marker_letters]
    width = CELL - 2
    # Spaces inside the text (not table padding) so a severity background fills the whole cell.
    text = "\n".join(f" {line[:width]:<{width}} " for line in lines)
    if severity is not None:
        style = SEVERITY_STYLES[str(severity)]
    else:
        style = KIND_STYLES.get(day.kind.name, "")
    return Text(text, style=style)


def _day_words(day: calendar.Day) -> str:
    from ..api import calendar

    label: str = day.label
    if day.date is None:
        return label
    return f"{label} {calendar.WEEKDAYS[day.date.weekday()]} {day.date_label}"


def _items_grid(days: list[calendar.Day]) -> Table:
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for day in days:
        # Text, not str: plan text must never be read as rich markup.
        grid.add_row(Text(f"  {_day_words(day)}"), Text(printable("; ".join(day.items))))
    return grid


def _findings_grid(
    findings: list[Finding], *, where: Callable[[Finding], str] | None = None
) -> Table:
    from rich.table import Table
    from rich.text import Text

    from ..api import calendar

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for finding in findings:
        mark = calendar.severity_mark(finding)
        days = f" {where(finding)}" if where is not None else ""
        text = Text()
        text.append(f"{finding.severity}[{printable(finding.rule)}]", style="bold")
        text.append(f" line {finding.line}: {printable(finding.message)}")
        if finding.suppressed is not None:
            override = f" — overridden ({finding.suppressed.kind}): {finding.suppressed.reason}"
            text.append(printable(override), style="italic")
        style = SEVERITY_STYLES[str(finding.severity)] if finding.suppressed is None else ""
        grid.add_row(Text(f"  {mark}{days}", style=style), text)
    return grid


def _legend(*, per_m2: bool, dated: bool, undated: bool) -> Table:
    from rich.table import Table
    from rich.text import Text

    from ..api import calendar

    entries: list[tuple[str, str]] = [
        ("D15", "cycle day 15 (no Day 0)"),
        ("28", "mcg/day infused that day"),
    ]
    if per_m2:
        entries.append(("15/m2", "mcg/m2/day (no BSA known)"))
    entries += [(kind.label, kind.meaning) for kind in calendar.DayKind if kind.label]
    entries += [(marker.letter, marker.meaning) for marker in calendar.Marker]
    entries += [
        ("!E", "worst finding: error"),
        ("!W", "worst finding: warning"),
        ("!I", "worst finding: info"),
        ("~E", "overridden, day not marked"),
    ]
    # Two entries a line keep the legend short; every meaning fits its 30 columns.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=1)
    for _ in range(2):
        grid.add_column(no_wrap=True, style="bold", width=6)
        grid.add_column(no_wrap=True, width=30)
    pairs = [entries[i : i + 2] for i in range(0, len(entries), 2)]
    for pair in pairs:
        cells: list[str] = [""]
        for symbol, meaning in pair:
            cells += [symbol, meaning]
        grid.add_row(*(Text(cell) for cell in cells))
    layout = []
    if dated:
        layout.append("rows with dates are calendar weeks, Monday first")
    if undated:
        layout.append("without dates, rows are 7-day blocks counted from Day 1 (1st..7th)")
    box = Table.grid()
    box.add_column()
    box.add_row(Text("Legend", style="bold"))
    box.add_row(grid)
    for line in layout:
        box.add_row(Text(line[0].upper() + line[1:] + "."))
    return box
