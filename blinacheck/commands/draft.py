"""``blinacheck draft``: write the label schedule for a patient (or a protocol template)."""

from __future__ import annotations

import datetime as dt
import os
import shlex
import sys
from typing import Any

import click

from . import fail

INDICATIONS = ("relapsed-refractory", "mrd-positive", "consolidation")


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value}: not a date; write YYYY-MM-DD, e.g. 2026-03-02")


def _it_days(text: str | None) -> tuple[tuple[int | None, int], ...]:
    """'-3,15' (every cycle) or '1:-3,15' (cycle 1 Day -3, every cycle Day 15)."""
    if not text:
        return ()
    days: list[tuple[int | None, int]] = []
    for item in text.split(","):
        item = item.strip()
        cycle, _, day = item.rpartition(":")
        try:
            days.append((int(cycle) if cycle else None, int(day)))
        except ValueError:
            fail(
                f"--it-days: '{item}' is not a day; write cycle days separated by commas, "
                "a day for every cycle (15) or CYCLE:DAY for one cycle (1:-3)"
            )
    return tuple(days)


@click.command("draft")
@click.option(
    "--indication", required=True, type=click.Choice(INDICATIONS), help="The plan's indication."
)
@click.option("--age", type=click.FloatRange(min=0), help="Age in years (0.5 = 6 months).")
@click.option("--weight", type=click.FloatRange(min=0, min_open=True), help="Weight in kg.")
@click.option("--height", type=click.FloatRange(min=0, min_open=True), help="Height in cm.")
@click.option(
    "--bsa", type=click.FloatRange(min=0, min_open=True), help="BSA in m² (not with --height)."
)
@click.option("--weighed-on", metavar="DATE", help="Date the weight was taken (YYYY-MM-DD).")
@click.option(
    "--start", metavar="DATE", help="Day 1 of cycle 1 (YYYY-MM-DD); without it, cycle days only."
)
@click.option("--cycles", type=int, default=2, show_default=True, help="Number of cycles.")
@click.option("--bag-hours", type=float, help="Bag duration in hours.  [default: 48]")
@click.option(
    "--it-days",
    metavar="LIST",
    help="IT chemotherapy days: '15' in every cycle, '1:-3' in cycle 1 only; comma-separated.",
)
@click.option(
    "--allow-it-day-1", is_flag=True, help="Write IT on Day 1 even so (the evidence is against it)."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the plan to FILE.")
@click.option("--force", is_flag=True, help="With -o: replace FILE if it exists.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Configuration whose rule parameters shape the draft, instead of the one found.",
)
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
def command(
    indication: str,
    age: float | None,
    weight: float | None,
    height: float | None,
    bsa: float | None,
    weighed_on: str | None,
    start: str | None,
    cycles: int,
    bag_hours: float | None,
    it_days: str | None,
    allow_it_day_1: bool,
    output: str | None,
    force: bool,
    config_file: str | None,
    isolated: bool,
) -> None:
    """Write the label schedule for a patient as a plan file (a protocol template without one).

    Every block carries a comment with its source; facts the fact base could not confirm are
    marked UNCONFIRMED in the file and on standard error. The institution's rule parameters
    (free interval, bag durations, ...) shape the draft. Check the result with blinacheck lint.
    """
    from ..api import ConfigError, builtin_ruleset, draft, load_settings

    if height is not None and bsa is not None:
        fail("give --height or --bsa, not both (the BSA comes from one of them)")
    try:
        settings = load_settings(config_file, isolated=isolated)
    except ConfigError as exc:
        fail(str(exc))
    for note in settings.notes:
        click.echo(note, err=True)
    resolved = settings.ruleset.by_id()
    builtin = builtin_ruleset().by_id()

    def param(rule: str, name: str, default: Any) -> Any:
        found = resolved.get(rule) or builtin.get(rule)
        return found.params.get(name, default) if found is not None else default

    def enabled(rule: str) -> bool:
        return rule in resolved or rule not in builtin

    request = draft.Request(
        indication=indication,
        patient=draft.Patient(
            age_years=age,
            weight_kg=weight,
            height_cm=height,
            bsa_m2=bsa,
            weighed_on=_date(weighed_on, "--weighed-on"),
        ),
        start=_date(start, "--start"),
        cycles=cycles,
        bag_hours=bag_hours,
        it_days=_it_days(it_days),
        allow_it_day_1=allow_it_day_1,
    )
    try:
        result = draft.draft(request, draft.Institution(param, enabled))
    except draft.DraftError as exc:
        fail(f"cannot draft: {exc}")
    for note in result.notes:
        click.echo(note, err=True)
    if output is None:
        sys.stdout.write(result.text)
        return
    if os.path.exists(output) and not force:
        fail(f"{output}: exists; choose another file, or pass --force to replace it")
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(result.text)
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror or exc}")
    click.echo(f"wrote {output}; check it with: blinacheck lint {shlex.quote(output)}", err=True)
