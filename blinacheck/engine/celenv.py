"""The CEL environment of each subject kind: declared variables, extensions, compile, evaluate.

The CEL runtime (``cel-expr-python``) is imported on first use, so commands that evaluate no rule
never pay for it.
"""

from __future__ import annotations

import functools
from typing import Any

from .fields import variables_for


class CelCompileError(Exception):
    """An expression that does not compile; the message is ready for a user."""


class CelEvalError(Exception):
    """An expression that failed while evaluating (missing field, budget exhausted, ...)."""


@functools.cache
def _cel() -> Any:
    from cel_expr_python import cel

    return cel


@functools.cache
def environment(subject: str) -> Any:
    cel = _cel()
    from cel_expr_python.ext import ext_math, ext_strings

    variables = {name: cel.Type.DYN for name in variables_for(subject)}
    return cel.NewEnv(
        variables=variables, extensions=[ext_strings.ExtStrings(), ext_math.ExtMath()]
    )


def _clean(message: str) -> str:
    lines = [line for line in str(message).splitlines() if line.strip()]
    head = lines[0] if lines else "invalid expression"
    for prefix in ("INVALID_ARGUMENT: ", "ERROR: "):
        head = head.removeprefix(prefix)
    head = head.replace("<input>:", "expression ")
    picture = [line.replace(" [INVALID_ARGUMENT]", "") for line in lines[1:3]]
    return "\n".join([head, *picture]) if picture else head


def compile_expression(subject: str, text: str) -> Any:
    try:
        return environment(subject).compile(text)
    except RuntimeError as exc:
        raise CelCompileError(_clean(str(exc))) from None


def evaluate(subject: str, expression: Any, data: dict[str, Any]) -> Any:
    """Evaluate and return the plain Python value; raise CelEvalError for CEL errors."""
    cel = _cel()
    try:
        value = expression.eval(environment(subject).Activation(data))
    except RuntimeError as exc:
        raise CelEvalError(_clean(str(exc)).splitlines()[0]) from None
    if value.type() == cel.Type.ERROR:
        raise CelEvalError(str(value.value()))
    return value.plain_value()
