"""The ``blinacheck`` command line: a click group whose commands load on first use.

Each command lives in ``blinacheck/commands/<name>.py``; listing it in ``COMMANDS`` is all it
takes to add one. Loading lazily keeps start-up lean for the pre-commit hook: ``blinacheck lint``
never imports the code of ``calendar`` or ``explain``.
"""

from __future__ import annotations

import errno
import gc
import importlib
import os
import sys
from typing import Any, NoReturn

import click

from . import __version__

# Start-up builds pydantic's validators and the compiled rules: thousands of containers that
# live as long as the process, which CPython's cyclic collector would scan about 90 times before
# the first plan is read. The command line collects rarely from its first import on (what
# collect_rarely() sets for a batch, the same process-wide choice; the library never makes it).
gc.set_threshold(100_000, 50, 100)

COMMANDS = {
    "lint": ("blinacheck.commands.lint", "Lint plan files, or directories searched for them."),
    "test": ("blinacheck.commands.test", "Check annotated fixture plans against the rules."),
    "rules": ("blinacheck.commands.rules", "List the loaded rules: id, severity, subject, title."),
    "explain": ("blinacheck.commands.explain", "Explain a rule: checks, evidence, example."),
    "schema": ("blinacheck.commands.schema", "Print the JSON Schema of the plan-file format."),
    "calendar": ("blinacheck.commands.calendar", "Draw each cycle of plans as a calendar."),
    "convert": ("blinacheck.commands.convert", "Convert a plan to FHIR R4/R5 or to YAML."),
    "draft": ("blinacheck.commands.draft", "Write the label schedule for a patient as a plan."),
    "lsp": ("blinacheck.lsp.command", "Run the language server (stdio; the [lsp] extra)."),
    "audit": ("blinacheck.serve.audit_command", "Export the CDS Hooks service's audit log."),
    "serve": ("blinacheck.serve.command", "Run the CDS Hooks service (the [serve] extra)."),
}


# A full output (a broken pipe, `| head`, is click's to handle: exit 1, silently).
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class _ClosedOutput:
    """Standard output when the process was started without one (``>&-``)."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _output_failed(exc: OSError) -> NoReturn:
    """The output could not be written: say so on stderr and exit 2, with no traceback and
    no second error when Python flushes standard output on the way out."""
    click.echo(f"blinacheck: cannot write the output: {exc.strerror or exc}", err=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    sys.exit(2)


INTERRUPTED = 130  # exit code after Ctrl-C


# pydantic looks for plugins (the entry points of every installed distribution) when it builds
# its first validator; no plugin has any use for blinacheck's own models. A command turns the
# search off for its run (unless the variable is set already: PYDANTIC_DISABLE_PLUGINS= with an
# empty value keeps plugins on) and removes the variable again when it ends, so that a program
# calling main() in-process gets its environment back; --jobs workers inherit it.
_NO_PLUGINS = "PYDANTIC_DISABLE_PLUGINS"


class LazyGroup(click.Group):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        if sys.stdout is None:
            sys.stdout = _ClosedOutput()
        added = _NO_PLUGINS not in os.environ
        if added:
            os.environ[_NO_PLUGINS] = "__all__"
        try:
            return super().main(*args, **kwargs)
        finally:
            if added:
                os.environ.pop(_NO_PLUGINS, None)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # a full disk shows here, not in a message at exit
        except OSError as exc:
            # A full disk can only be met writing, and every file blinacheck writes other
            # than standard output (-o, --write-baseline) reports its own errors.
            if exc.errno in _FULL or isinstance(sys.stdout, _ClosedOutput):
                _output_failed(exc)
            raise
        except KeyboardInterrupt:
            # Ctrl-C stops the run with the shell's code for SIGINT (128 + 2), whatever was
            # under way, rule evaluation included; click alone would say "Aborted!", exit 1.
            click.echo("blinacheck: interrupted", err=True)
            ctx.exit(INTERRUPTED)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[name][0])
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: Any) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="blinacheck")
def main() -> None:
    """Lint planned blinatumomab treatment schedules."""
