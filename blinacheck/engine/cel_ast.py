"""Check field references in a compiled CEL expression against the subject schema.

With every variable declared ``dyn``, CEL's own checker accepts ``intrathecal.cycle_dya``; it
would only fail at evaluation, on some plan, some day. To catch the typo when the rule set loads,
we read the checked AST that ``Expression.serialize()`` returns (a ``google.protobuf.Any``
holding a ``cel.expr.CheckedExpr``) with a small protobuf wire-format reader, and walk it with
the types of :mod:`blinacheck.engine.fields`, comprehension variables included. No protobuf
runtime is needed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field

from .fields import OBJECTS

# --- protobuf wire format ---------------------------------------------------------------------

Fields = dict[int, list[bytes | int]]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> Fields:
    out: Fields = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: bytes | int
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos : pos + 4], pos + 4
        else:  # pragma: no cover - groups are not used by cel.expr
            raise ValueError(f"unsupported wire type {wire}")
        out.setdefault(number, []).append(value)
    return out


def _one(fields: Fields, number: int) -> bytes | None:
    values = fields.get(number)
    return values[0] if values and isinstance(values[0], bytes) else None


def _text(fields: Fields, number: int) -> str:
    value = _one(fields, number)
    return value.decode() if value is not None else ""


@dataclass
class Node:
    """A CEL AST node, reduced to what the field check needs."""

    kind: str  # ident | select | call | list | struct | comprehension | const
    id: int = 0
    name: str = ""  # ident name, select field, call function
    test_only: bool = False
    children: list[Node] = field(default_factory=list)
    # comprehension parts
    iter_var: str = ""
    accu_var: str = ""
    iter_range: Node | None = None


def _expr(data: bytes) -> Node:
    f = _fields(data)
    node_id = f.get(2, [0])[0]
    assert isinstance(node_id, int)
    if (raw := _one(f, 4)) is not None:
        return Node("ident", node_id, _text(_fields(raw), 1))
    if (raw := _one(f, 5)) is not None:
        s = _fields(raw)
        operand = _one(s, 1)
        children = [_expr(operand)] if operand is not None else []
        test_only = bool(s.get(3, [0])[0])
        return Node("select", node_id, _text(s, 2), test_only, children)
    if (raw := _one(f, 6)) is not None:
        c = _fields(raw)
        target = _one(c, 1)
        children = [_expr(target)] if target is not None else []
        children += [_expr(a) for a in c.get(3, []) if isinstance(a, bytes)]
        return Node("call", node_id, _text(c, 2), children=children)
    if (raw := _one(f, 7)) is not None:
        items = _fields(raw).get(1, [])
        return Node("list", node_id, children=[_expr(e) for e in items if isinstance(e, bytes)])
    if (raw := _one(f, 8)) is not None:
        children = []
        for entry in _fields(raw).get(2, []):
            assert isinstance(entry, bytes)
            e = _fields(entry)
            children += [_expr(v) for n in (3, 4) if (v := _one(e, n)) is not None]
        return Node("struct", node_id, children=children)
    if (raw := _one(f, 9)) is not None:
        c = _fields(raw)
        rng = _one(c, 2)
        parts = [_expr(p) for n in (4, 5, 6, 7) if (p := _one(c, n)) is not None]
        return Node(
            "comprehension",
            node_id,
            children=parts,
            iter_var=_text(c, 1),
            accu_var=_text(c, 3),
            iter_range=_expr(rng) if rng is not None else None,
        )
    return Node("const", node_id)


def nodes(root: Node) -> Iterator[Node]:
    """Every node of the tree, the root first (iterative: a tree may be deep)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)
        if node.iter_range is not None:
            stack.append(node.iter_range)


def parse_checked(serialized: bytes) -> tuple[Node, dict[int, int]]:
    """The root expression and the map from node id to character offset."""
    any_fields = _fields(serialized)
    checked = _fields(_one(any_fields, 2) or b"")
    root = _expr(_one(checked, 4) or b"")
    positions: dict[int, int] = {}
    info = _one(checked, 5)
    if info is not None:
        for entry in _fields(info).get(4, []):
            assert isinstance(entry, bytes)
            e = _fields(entry)
            key, value = e.get(1, [0])[0], e.get(2, [0])[0]
            assert isinstance(key, int) and isinstance(value, int)
            positions[key] = value
    return root, positions


# --- the field check ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldProblem:
    offset: int  # character offset in the expression, -1 when unknown
    message: str


_SCALARS = {"int", "double", "string", "bool"}


class _Checker:
    def __init__(self, params: dict[str, str], positions: dict[int, int]) -> None:
        self.params = params
        self.positions = positions
        self.problems: list[FieldProblem] = []

    def fields_of(self, type_name: str) -> dict[str, str] | None:
        if type_name == "params":
            return self.params
        spec = OBJECTS.get(type_name)
        return {name: f.type for name, f in spec.items()} if spec is not None else None

    def type_of(self, node: Node, scope: dict[str, str]) -> str:
        if node.kind == "ident":
            return scope.get(node.name, "dyn")
        if node.kind == "select":
            owner = self.type_of(node.children[0], scope) if node.children else "dyn"
            return self._select(node, owner)
        if node.kind == "comprehension":
            range_type = self.type_of(node.iter_range, scope) if node.iter_range else "dyn"
            inner = dict(scope)
            inner[node.iter_var] = range_type[5:-1] if range_type.startswith("list<") else "dyn"
            inner[node.accu_var] = "dyn"
            for child in node.children:
                self.type_of(child, inner)
            return "dyn"
        child_types = [self.type_of(child, scope) for child in node.children]
        if node.kind == "call" and node.name == "_[_]" and child_types:
            container = child_types[0]
            return container[5:-1] if container.startswith("list<") else "dyn"
        if node.kind == "call" and node.name == "size":
            return "int"
        return "dyn"

    def _select(self, node: Node, owner: str) -> str:
        if owner in _SCALARS or owner.startswith("list<"):
            self._problem(node, f"'{node.name}' is selected from a {owner}, which has no fields")
            return "dyn"
        fields = self.fields_of(owner)
        if fields is None:  # dyn or map: nothing known to check against
            return "dyn"
        if node.name not in fields:
            known = sorted(fields)
            guess = difflib.get_close_matches(node.name, known, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            what = "declared params" if owner == "params" else owner
            listing = ", ".join(known) if known else "none"
            self._problem(node, f"{what} has no field '{node.name}'{hint} (fields: {listing})")
            return "dyn"
        return fields[node.name]

    def _problem(self, node: Node, message: str) -> None:
        self.problems.append(FieldProblem(self.positions.get(node.id, -1), message))


def check_fields(
    serialized: bytes, variables: dict[str, str], params: dict[str, str]
) -> list[FieldProblem]:
    """Problems with field references in a compiled expression, given the variables' types."""
    root, positions = parse_checked(serialized)
    checker = _Checker(params, positions)
    checker.type_of(root, dict(variables))
    return sorted(checker.problems, key=lambda p: p.offset)
