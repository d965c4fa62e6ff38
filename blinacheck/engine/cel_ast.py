"""The call nodes of a compiled CEL expression, read from its serialized checked AST.

cel-expr-python gives no access to the AST but ``Expression.serialize()`` (a
``google.protobuf.Any`` holding a ``cel.expr.CheckedExpr``); this small wire-format reader turns
that into :class:`Node` trees, so that load-time limits count real calls (``join()``, ``+``),
not names in the text. Field references are checked by CEL itself, against the typed
declarations of :mod:`celtypes`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

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
