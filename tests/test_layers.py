"""The layers of docs/architecture.md hold: no import circle, no module imports a layer above it.

The layer order is defined once, in docs/architecture.md between ``layers:start`` and
``layers:end``; this test reads it from there. Every import counts, wherever it stands: at the
top, inside a function (lazy) or under ``if TYPE_CHECKING``. The package root
(``blinacheck/__init__.py``) is the facade, not a layer; any module may read ``__version__``
from it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "blinacheck"


def layers() -> list[list[str]]:
    """Each layer's module prefixes (``read``, ``ruletest``, ``cli``), lowest layer first."""
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- layers:start -->\n```text\n(.*?)```\n<!-- layers:end -->", page, re.S)
    assert block, "docs/architecture.md: the layers block is missing"
    order = []
    for line in block.group(1).splitlines():
        names = line.split("  ")[0].strip()  # the names, then two spaces and what the layer does
        if names:
            order.append([n.strip().rstrip("/").removesuffix(".py") for n in names.split(",")])
    return order


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """The blinacheck modules ``name`` imports (a package, or a module inside it)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "blinacheck"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "blinacheck":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return found - {name}


def layer_of(name: str, order: list[list[str]]) -> int | None:
    """Index of the layer of a module; None for the package root (the facade)."""
    if name == "blinacheck":
        return None
    first = name.split(".")[1]
    for index, prefixes in enumerate(order):
        if first in prefixes:
            return index
    raise AssertionError(f"{name}: in no layer of docs/architecture.md; add it there")


def test_every_module_is_in_a_layer() -> None:
    order = layers()
    assert len(order) >= 8
    for name in MODULES:
        layer_of(name, order)


def test_no_module_imports_a_layer_above_it() -> None:
    order = layers()
    upward = []
    for name in MODULES:
        own = layer_of(name, order)
        for target in imports(name):
            theirs = layer_of(target, order)
            if own is not None and theirs is not None and theirs > own:
                upward.append(f"{name} imports {target} (a layer above)")
    assert upward == []


def test_the_facade_is_imported_only_for_the_version() -> None:
    """``from .. import X`` reaching the package root takes ``__version__`` or a module only."""
    offenders = []
    for name, path in MODULES.items():
        package_depth = name.count(".") + (path.name == "__init__.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module is None):
                continue
            if node.level != package_depth:
                continue  # relative to a sub-package, not to the root
            for alias in node.names:
                if alias.name != "__version__" and f"blinacheck.{alias.name}" not in MODULES:
                    offenders.append(f"{name}: {alias.name} from the package root")
    assert offenders == []


def test_no_import_circles() -> None:
    graph = {name: imports(name) for name in MODULES}
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
