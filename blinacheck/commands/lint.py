"""``blinacheck lint``: lint plan files and report findings."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..api import DEFAULT_MAX_BYTES, FAIL_ON, FORMATS
from . import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    emit,
    fail,
    rule_set_options,
    summary_to_stderr,
    use_color,
)

_UNITS = {"": 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3}

# The outputs that draw the calendar, from each result's timeline (the others read findings).
CALENDAR_FORMATS = ("html", "pdf")


class ByteSize(click.ParamType[int, Any]):
    """A size in bytes: 100000, 500KB, 4MiB."""

    name = "size"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower().replace(" ", "")
        number = text.rstrip("kmgib")
        unit = text[len(number) :]
        if not number.isdigit() or unit not in _UNITS or int(number) < 1:
            self.fail(f"'{value}' is not a size; write e.g. 4MiB, 500KB or 100000", param, ctx)
        return int(number) * _UNITS[unit]


@click.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "output_format",
    type=click.Choice([*FORMATS, "pdf"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the output to FILE instead of standard output (never in colour).",
)
@rule_set_options
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default=None,
    help="Lowest severity that makes the exit code 1.  [default: the configuration's fail-on, "
    "else warning]",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Configuration file (blinacheck.toml, or a pyproject.toml with [tool.blinacheck]) "
    "instead of the one found from the current directory.",
)
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option(
    "--select",
    multiple=True,
    metavar="IDS",
    help="Comma-separated rule ids to run; replaces the configuration's select.",
)
@click.option("--ignore", multiple=True, metavar="IDS", help="Comma-separated rule ids not to run.")
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    help="Report findings recorded in this baseline file as suppressed.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    help="Record the current findings in this baseline file (then report as with --baseline).",
)
@click.option(
    "--only-plans",
    is_flag=True,
    help="Treat named files like files found in a directory: skip non-plans and excluded "
    "files (for the pre-commit hook).",
)
@click.option(
    "--allow-no-plans",
    is_flag=True,
    help="Exit 0 when no file was a plan (the pre-commit hook: a commit often holds none); "
    "without it a run that lints no plan says so and exits 2.",
)
@click.option(
    "--max-file-size",
    type=ByteSize(),
    default=DEFAULT_MAX_BYTES,
    show_default=f"{DEFAULT_MAX_BYTES // 1024**2}MiB",
    help="Larger files are reported as invalid-plan, unread (e.g. 4MiB, 500KB, 100000).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Lint in N processes (same output, same order).  [default: every CPU for 50 files "
    "or more, else 1]",
)
@click.option(
    "--stdin-filename",
    metavar="NAME",
    help="With the path '-' (a plan on standard input): the name to report it under.",
)
@click.option(
    "--sarif-omit-suppressed",
    is_flag=True,
    help="SARIF: leave overridden and baselined findings out (GitHub code scanning ignores "
    "SARIF suppressions and would show them as open alerts).",
)
@click.option(
    "--docs-url",
    metavar="URL",
    help="SARIF: where blinacheck's docs/ are published; gives informationUri and each "
    "rule's helpUri (URL/rule-catalogue.md#RULE).",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list files skipped as not being plans.")
def command(
    paths: tuple[str, ...],
    output_format: str,
    output: str | None,
    rule_dirs: tuple[str, ...],
    no_builtin_rules: bool,
    fail_on: str | None,
    config_file: str | None,
    isolated: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline_file: str | None,
    write_baseline: str | None,
    only_plans: bool,
    allow_no_plans: bool,
    max_file_size: int,
    jobs: int | None,
    stdin_filename: str | None,
    sarif_omit_suppressed: bool,
    docs_url: str | None,
    verbose: bool,
) -> None:
    """Lint plan files, or directories searched for them."""
    from ..api import (
        BaselineError,
        ConfigError,
        PathError,
        collect_rarely,
        lint_paths,
        load_settings,
        printable,
        render,
    )

    if baseline_file and write_baseline:
        fail("--baseline and --write-baseline cannot be used together")
    if output_format == "pdf" and output is None:
        fail("--format pdf writes a file: give -o FILE")
    try:
        settings = load_settings(
            config_file,
            isolated=isolated,
            rule_dirs=rule_dirs,
            builtin=not no_builtin_rules,
            select=select or None,
            ignore=ignore,
            fail_on=fail_on,
        )
    except ConfigError as exc:
        fail(str(exc))
    collect_rarely()
    try:
        report = lint_paths(
            paths,
            settings,
            only_plans=only_plans,
            max_bytes=max_file_size,
            jobs=jobs,
            stdin_name=stdin_filename or "<stdin>",
            baseline=baseline_file,
            write_baseline=write_baseline,
            timelines=output_format in CALENDAR_FORMATS,
        )
    except (PathError, BaselineError) as exc:
        fail(str(exc))
    for note in report.notes:
        click.echo(printable(note, keep_newlines=True), err=True)
    color = use_color(sys.stdout) and output_format == "text" and output is None
    record = None
    if output_format in CALENDAR_FORMATS:
        from ..api import record_context

        rows = configuration_rows(
            settings, select, ignore, baseline_file or write_baseline, settings.fail_on
        )
        record = record_context(report, settings.ruleset, rows)
    page_format = "html" if output_format == "pdf" else output_format
    text = render(
        report,
        page_format,
        ruleset=settings.ruleset,
        color=color,
        verbose=verbose,
        record=record,
        omit_suppressed=sarif_omit_suppressed,
        docs_url=docs_url,
    )
    checked = [result.path for result in report.results]
    if output_format == "pdf":
        from ..api import pdf

        try:
            emit(pdf.render(text), output, checked=checked)
        except pdf.PdfUnavailable as exc:
            fail(str(exc))
    else:
        emit(text, output, checked=checked)
    summary_to_stderr(report, output)
    if not report.results and not allow_no_plans:
        skipped = len(report.skipped)
        fail(
            "blinacheck: no plan was linted: "
            + (
                f"{skipped} file(s) were skipped as not being plans (-v lists them); "
                if skipped
                else "no .yaml, .yml or .json file was found; "
            )
            + "a plan file starts with 'blinacheck: 1' (--allow-no-plans accepts a run "
            "without plans)"
        )
    sys.exit(EXIT_FINDINGS if report.fails(settings.fail_on) else EXIT_CLEAN)


def configuration_rows(
    settings: Any,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline: str | None,
    fail_on: str,
) -> list[tuple[str, str]]:
    """The configuration in effect, as rows for the verification record's header."""
    config = settings.config
    data: dict[str, Any] = config.data if config is not None else {}

    def ids(values: Any) -> str:
        listed = [str(v) for v in values or ()]
        return ", ".join(listed) if listed else "none"

    rows = [("Configuration file", config.path if config is not None else "none")]
    rows.append(("select (file)", ids(data.get("select"))))
    rows.append(("ignore (file)", ids(data.get("ignore"))))
    if select:
        rows.append(("--select", ids(select)))
    if ignore:
        rows.append(("--ignore", ids(ignore)))
    severity = data.get("severity") or {}
    rows.append(
        ("Changed severities", ids(f"{rule} = {level}" for rule, level in severity.items()))
    )
    params = data.get("params") or {}
    changed = [
        f"{rule}.{name} = {value}"
        for rule, table in params.items()
        if isinstance(table, dict)
        for name, value in table.items()
    ]
    rows.append(("Changed params", ids(changed)))
    rows.append(("Baseline", baseline or "none"))
    rows.append(("fail-on", fail_on))
    rows.append(("Rules run", str(len(settings.ruleset.rules))))
    return rows
