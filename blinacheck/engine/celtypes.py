"""Typed CEL declarations built from the field table, so that CEL's own checker finds typos.

Each object of :data:`fields.OBJECTS` becomes a protobuf message type in a descriptor pool
(package ``blinacheck``), and a rule's variables are declared with those types: CEL then
reports ``undefined field 'cycle_dya'`` with its position, inside comprehensions too. This is
how Kubernetes checks its CEL admission rules.

Numbers are declared as ``google.protobuf.Value`` (CEL's dynamic value), because rules compare
an int field with a double (``step.mcg_per_day > 28``), which CEL's checker refuses between
typed numbers; lists of numbers are ``google.protobuf.ListValue`` for the same reason. Strings,
booleans, lists of strings and objects are typed. The declarations serve only the check: plans
are evaluated as plain values in :func:`celenv.runtime_environment`.

A rule's ``params`` is a message ``blinacheck.params`` with one field per declared parameter,
in a pool of its own for each distinct set of parameters. The pools and the environments are
built on first use and kept. The built-in rules are checked by the test suite, not at every
start-up (see :func:`ruleset.load`), so a plain lint never builds them.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any

from .fields import OBJECTS, variables_for

PACKAGE = "blinacheck"
_NUMBERS = {"int", "double", "dyn"}
ParamTypes = tuple[tuple[str, str], ...]  # (name, type) of each param, in order
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _field(message: Any, name: str, number: int, type_: str) -> None:
    from google.protobuf import descriptor_pb2

    proto = descriptor_pb2.FieldDescriptorProto
    listed = type_.startswith("list<")
    inner = type_[5:-1] if listed else type_
    field = message.field.add(name=name, number=number, label=proto.LABEL_OPTIONAL)
    if inner in OBJECTS:
        field.type, field.type_name = proto.TYPE_MESSAGE, f".{PACKAGE}.{inner}"
    elif inner in _NUMBERS:
        field.type = proto.TYPE_MESSAGE
        field.type_name = ".google.protobuf.ListValue" if listed else ".google.protobuf.Value"
        return
    else:
        field.type = {"string": proto.TYPE_STRING, "bool": proto.TYPE_BOOL}[inner]
    if listed:
        field.label = proto.LABEL_REPEATED


@functools.cache
def _pool(params: ParamTypes) -> Any:
    from google.protobuf import descriptor_pb2, descriptor_pool, struct_pb2

    file = descriptor_pb2.FileDescriptorProto(
        name=f"{PACKAGE}.proto", package=PACKAGE, syntax="proto3"
    )
    file.dependency.append("google/protobuf/struct.proto")
    for name, fields in OBJECTS.items():
        message = file.message_type.add(name=name)
        for number, (field_name, spec) in enumerate(fields.items(), 1):
            _field(message, field_name, number, spec.type)
    message = file.message_type.add(name="params")
    for number, (name, type_) in enumerate(params, 1):
        _field(message, name, number, type_)
    pool = descriptor_pool.DescriptorPool()
    struct = descriptor_pb2.FileDescriptorProto()
    struct_pb2.DESCRIPTOR.CopyToProto(struct)
    pool.Add(struct)
    pool.Add(file)
    return pool


@functools.cache
def environment(subject: str, params: ParamTypes) -> Any:
    """The checking environment of a rule over ``subject`` with these params."""
    from cel_expr_python import cel
    from cel_expr_python.ext import ext_math, ext_strings

    variables = {
        name: cel.Type(f"{PACKAGE}.{type_}") for name, type_ in variables_for(subject).items()
    }
    if not all(_IDENTIFIER.fullmatch(name) for name, _ in params):
        # A parameter named 'max-days' is read as params['max-days']: a map, unchecked.
        variables["params"] = cel.Type.Map(cel.Type.STRING, cel.Type.DYN)
        params = ()
    return cel.NewEnv(
        descriptor_pool=_pool(params),
        variables=variables,
        extensions=[ext_strings.ExtStrings(), ext_math.ExtMath()],
    )


_UNDEFINED = re.compile(r"undefined field '(?P<name>[^']*)' not found in struct '(?P<type>[^']*)'")


def explain(message: str, params: ParamTypes) -> str:
    """CEL's "undefined field" in our words, with a guess and the fields there are."""
    match = _UNDEFINED.search(message)
    if match is None:
        return message
    type_name = match["type"].removeprefix(f"{PACKAGE}.")
    if type_name == "params":
        what, known = "declared params", [name for name, _ in params]
    else:
        what, known = type_name, list(OBJECTS.get(type_name, {}))
    name = match["name"]
    guess = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    listing = ", ".join(sorted(known)) if known else "none"
    return f"{what} has no field '{name}'{hint} (fields: {listing})"
