"""One module per CLI command; each exposes ``command`` (a click.Command)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


def _rule_cache(ctx: click.Context, param: click.Parameter, no_cache: bool) -> None:
    """The command line keeps compiled rule sets in the user's cache directory
    (docs/performance.md); ``--no-cache`` neither reads nor writes it."""
    from ..api import rule_cache

    if no_cache:
        rule_cache.disable()
    else:
        rule_cache.enable()


def rule_set_options(command: F) -> F:
    """``--rules DIR`` (repeatable), ``--no-builtin-rules`` and ``--no-cache``: the same on
    every command."""
    command = click.option(
        "--no-cache",
        is_flag=True,
        expose_value=False,
        callback=_rule_cache,
        help="Compile the rules afresh: neither read nor write the cache of compiled rules "
        "($BLINACHECK_CACHE_DIR, else $XDG_CACHE_HOME/blinacheck or ~/.cache/blinacheck).",
    )(command)
    command = click.option(
        "--no-builtin-rules", is_flag=True, help="Do not load the built-in rules."
    )(command)
    return click.option(
        "--rules",
        "rule_dirs",
        multiple=True,
        type=click.Path(),
        help="Extra rule directory (repeatable).",
    )(command)


def fail(message: str) -> NoReturn:
    """Report a usage problem on stderr and exit 2 (control characters shown as escapes)."""
    from ..api import printable

    click.echo(printable(message, keep_newlines=True), err=True)
    sys.exit(EXIT_USAGE)


def load_rules(rule_dirs: tuple[str, ...] | list[str], builtin: bool) -> Any:
    """The rule set, or exit 2 with every rule-file problem located."""
    from ..api import RuleSetError
    from ..api import load_rules as load

    try:
        return load(rule_dirs, builtin=builtin)
    except RuleSetError as exc:
        fail("invalid rule set:\n" + "\n".join(str(p) for p in exc.problems))


def use_color(stream: object) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def emit(
    text: str | bytes, output: str | None, *, checked: list[str] | tuple[str, ...] = ()
) -> None:
    """Write a command's output to stdout, or to the file named by ``-o/--output``.

    ``checked`` are the files the command read: blinacheck never writes over one of them.
    """
    if output is None:
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        return
    for path in checked:
        try:
            same = os.path.samefile(output, path)
        except OSError:  # either does not exist (yet): not the same file
            same = False
        if same:
            fail(f"{output}: is one of the files being checked; choose another output file")
    try:
        if isinstance(text, bytes):
            with open(output, "wb") as binary:
                binary.write(text)
        else:
            with open(output, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror or exc}")


def summary_to_stderr(report: Any, output: str | None) -> None:
    """With ``-o FILE`` nothing else reaches the terminal: say what was found, on stderr."""
    if output is None:
        return
    from ..api import summary_line

    click.echo(f"{summary_line(report)}; written to {output}", err=True)
