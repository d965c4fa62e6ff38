"""The ``blinacheck`` command line: a click group whose commands load on first use.

Each command lives in ``blinacheck/commands/<name>.py``; listing it in ``COMMANDS`` is all it
takes to add one. Loading lazily keeps start-up lean for the pre-commit hook: ``blinacheck lint``
never imports the code of ``calendar`` or ``explain``.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from . import __version__

COMMANDS = {
    "lint": ("blinacheck.commands.lint", "Lint plan files, or directories searched for them."),
    "test": ("blinacheck.commands.test", "Check annotated fixture plans against the rules."),
    "rules": ("blinacheck.commands.rules", "List the loaded rules: id, severity, subject, title."),
    "explain": ("blinacheck.commands.explain", "Explain a rule: checks, evidence, example."),
    "schema": ("blinacheck.commands.schema", "Print the JSON Schema of the plan-file format."),
    "calendar": ("blinacheck.commands.calendar", "Draw each cycle of plans as a calendar."),
}


class LazyGroup(click.Group):
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
