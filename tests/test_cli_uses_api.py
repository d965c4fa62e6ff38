"""The command line reaches the library only through blinacheck.api (issue 4)."""

from __future__ import annotations

import ast

from .conftest import REPO


def test_commands_import_the_library_only_through_the_api() -> None:
    offenders = []
    for module in sorted((REPO / "blinacheck" / "commands").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            name = node.module or ""
            inside = node.level == 2 and name != "api"
            absolute = (
                node.level == 0 and name.startswith("blinacheck") and name != "blinacheck.api"
            )
            if inside or absolute:
                offenders.append(f"{module.name}: {'..' * (node.level // 2)}{name}")
    assert offenders == []
