"""The CEL environment of each subject kind: declared variables, extensions, compile, evaluate.

The CEL runtime (``cel-expr-python``) is imported on first use, so commands that evaluate no rule
never pay for it.
"""

from __future__ import annotations

import functools
import itertools
import re
import weakref
from typing import TYPE_CHECKING, Any, NoReturn

from ..timeline import subjects
from . import cel_ast, celtypes
from .celtypes import ParamTypes
from .fields import variables_for

if TYPE_CHECKING:
    from .rule_cache import Blobs

# Limits on what a rule file may ask of the evaluator (docs/limits.md). CEL itself has no I/O,
# no recursion and no unbounded loops; cel-expr-python stops any one evaluation after 10,000
# comprehension iterations ("Iteration budget exceeded") and its parser refuses nesting deeper
# than 32. What neither sees is a string that grows: ``replace`` multiplies a string's size
# with every chained call (nine calls on ten characters make ten gigabytes), so it is refused,
# and expression text is capped so that concatenation chains stay small.
MAX_EXPRESSION_CHARS = 4000
ITERATION_BUDGET = 10_000  # cel-expr-python's own, fixed; measured, for messages and docs
FORBIDDEN_FUNCTIONS = {
    "replace": "it can multiply the size of a string with every call",
}
# Concatenation only adds sizes, but inside a comprehension it adds them once per iteration and
# cel-cpp keeps every intermediate string until the evaluation ends: 300 concatenations of a
# 500-character title over a plan's 2,400 days took 10 s and 3 GB in one evaluation. The
# built-in rules use at most 17 '+' and 2 'join' in an expression.
MAX_CALLS = {"_+_": 32, "join": 4, "format": 4}
# What a rule that builds more than memory_cap allows is told (a join of many copies, nested).
OUT_OF_MEMORY = (
    "it needed more memory than one file's rules may use (the value it builds grows with "
    "every copy joined or concatenated); simplify the rule"
)


class CelCompileError(Exception):
    """An expression that does not compile; each message is ready for a user."""

    def __init__(self, *messages: str) -> None:
        super().__init__("\n".join(messages))
        self.messages = list(messages)


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
    return _problems(message)[0]


def _problems(message: str, params: ParamTypes = ()) -> list[str]:
    """CEL's compile errors, one message each: what is wrong, where, and the line pictured."""
    text = str(message).removeprefix("INVALID_ARGUMENT: ").removesuffix(" [INVALID_ARGUMENT]")
    out: list[str] = []
    seen: list[str] = []
    for chunk in re.split(r"(?m)^ERROR: ", text):
        lines = [line for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        head = lines[0].removeprefix("ERROR: ").replace(" -1:-1:", ":")
        where, found, what = head.partition(": ")
        explained = celtypes.explain(what, params)
        if out and (explained == what or head in seen):
            continue  # after the first error only the typos: the others tend to follow from it
        seen.append(head)
        if found and where.startswith("<input>:"):
            head = (
                f"{explained}, at expression {where.removeprefix('<input>:')}"
                if explained != what
                else f"expression {where.removeprefix('<input>:')}: {what}"
            )
        picture = [line.replace(" [INVALID_ARGUMENT]", "") for line in lines[1:3]]
        out.append("\n".join([head, *picture]))
    return out or ["invalid expression"]


def _calls(serialized: bytes) -> dict[str, int]:
    """How many call nodes of each limited function the checked AST holds.

    A call's function name is field 2 of ``cel.expr.Expr.Call``: tag 0x12, its length, the
    name. Each call leaves those bytes, so their count bounds the calls from above; a field
    named like a function (``has(params.replace)``, also tag 0x12) adds to it. The AST is read
    only when that bound is over a limit, and then it counts.
    """
    names = [*FORBIDDEN_FUNCTIONS, *MAX_CALLS]
    bound = {name: serialized.count(b"\x12" + bytes([len(name)]) + name.encode()) for name in names}
    if all(bound[name] == 0 for name in FORBIDDEN_FUNCTIONS) and all(
        bound[name] <= most for name, most in MAX_CALLS.items()
    ):
        return bound
    root, _ = cel_ast.parse_checked(serialized)
    counts = dict.fromkeys(names, 0)
    for node in cel_ast.nodes(root):
        if node.kind == "call" and node.name in counts:
            counts[node.name] += 1
    return counts


def compile_expression(subject: str, text: str, params: ParamTypes | None = None) -> Any:
    """Compile and check one expression of a rule over ``subject``.

    With ``params`` (the rule's parameters and their types), fields are checked by CEL against
    the typed declarations of :mod:`celtypes`; without, every variable is ``dyn`` (the built-in
    rules, whose fields the test suite checks).
    """
    if len(text) > MAX_EXPRESSION_CHARS:
        raise CelCompileError(
            f"expression is {len(text):,} characters long, over the limit of "
            f"{MAX_EXPRESSION_CHARS:,}; split the rule into simpler ones"
        )
    env = environment(subject) if params is None else celtypes.environment(subject, params)
    try:
        expression = env.compile(text)
    except RuntimeError as exc:
        raise CelCompileError(*_problems(str(exc), params or ())) from None
    serialized = expression.serialize()
    calls = _calls(serialized)
    for name, why in FORBIDDEN_FUNCTIONS.items():
        if calls.get(name):
            raise CelCompileError(f"'{name}()' is not available in blinacheck rules: {why}")
    for name, most in MAX_CALLS.items():
        if calls.get(name, 0) > most:
            shown = "+" if name == "_+_" else f"{name}()"
            raise CelCompileError(
                f"'{shown}' is used {calls[name]} times, more than the {most} allowed in one "
                "expression (strings built in a loop can exhaust memory); split the rule"
            )
    return Program(subject, text, expression, serialized)


# --- evaluating many rules on one plan: one shared activation per file -------------------------
#
# cel-expr-python converts a bound Python value to CEL in full the first time an evaluation
# reads it, and keeps the conversion for the life of the Activation. Binding ``plan`` afresh for
# every (rule, subject) pair therefore converted the whole plan (every cycle, every day)
# thousands of times per file. Instead each file gets ONE activation holding the plan, the
# patient and every rule's params; an expression is compiled a second time, wrapped so that it
# picks its ``cycle``, its subject and its ``params`` from there, with two functions that return
# the indexes of the evaluation under way:
#
#     [plan.cycles[_ci(_ctx)]].map(cycle, [cycle.intrathecal[_si(_ctx)]].map(intrathecal,
#         [_params['rule-id']].map(params, (<the rule's expression>))[0])[0])[0]
#
# The indexes belong to the activation, not to the process: ``_ctx`` is bound in each
# activation to its own number, and the functions look the indexes up by it (see
# _CYCLE_INDEX). Two threads linting at once (a RuleSet may be shared) each read their own
# plan. One activation serves one file in one thread at a time (evaluate.apply makes it).
#
# The rule's own expression is unchanged, sees the same names with the same values, and is
# still checked (types, fields) as written; the wrapper adds three iterations to the budget.
# Subjects are addressed inside ``plan`` (converted once) where the timeline nests them there
# ("direct"); SharedActivation checks that it does, else binds each kind's subjects as a list.

_CONTEXT_VARIABLE = "_ctx"
_SUBJECT_VARIABLE = "_k_"  # _k_intrathecal: every intrathecal subject of the file, in order
# Where each kind's subjects sit inside the plan view, and the key of their list.
DIRECT = {kind.name: kind.view_list for kind in subjects.KINDS if kind.view_list}


class Program:
    """A compiled rule expression: as checked against the field schema, and as run.

    A program read from the rule cache (:mod:`.rule_cache`) holds its checked form as bytes,
    made an expression again only if something asks for it; its runtime forms come compiled.
    """

    __slots__ = ("_checked", "_runtime", "_serialized", "subject", "text")

    def __init__(
        self, subject: str, text: str, checked: Any, serialized: bytes | None = None
    ) -> None:
        self.subject = subject
        self.text = text
        self._checked = checked
        self._serialized = serialized
        self._runtime: dict[tuple[str, bool], Any] = {}

    @property
    def checked(self) -> Any:
        if self._checked is None:
            self._checked = environment(self.subject).deserialize(self._serialized)
        return self._checked

    def serialize(self) -> bytes:
        if self._serialized is None:
            self._serialized = self.checked.serialize()
        return self._serialized

    def runtime(self, rule_id: str, direct: bool) -> Any:
        """The wrapped expression for the shared activation (compiled on first use)."""
        compiled = self._runtime.get((rule_id, direct))
        if compiled is None:
            text = _wrap(self.subject, rule_id, self.text, direct)
            compiled = runtime_environment().compile(text)
            self._runtime[(rule_id, direct)] = compiled
        return compiled

    def runtime_count(self) -> int:
        return len(self._runtime)

    def to_data(self, blobs: Blobs) -> dict[str, Any]:
        """The program as JSON-able data for the rule cache, its compiled forms in ``blobs``."""
        return {
            "subject": self.subject,
            "text": self.text,
            "checked": blobs.add(self.serialize()),
            "runtime": [
                [rule_id, direct, blobs.add(compiled.serialize())]
                for (rule_id, direct), compiled in self._runtime.items()
            ],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any], blobs: Blobs) -> Program:
        """The program :meth:`to_data` described (ValueError, KeyError, TypeError or
        RuntimeError when the data is not such a description)."""
        from .fields import SUBJECT_TYPES

        program = cls(str(data["subject"]), str(data["text"]), None, blobs.get(data["checked"]))
        if program.subject not in SUBJECT_TYPES:
            raise ValueError(f"unknown subject {program.subject!r}")
        environment = runtime_environment()
        for rule_id, direct, number in data["runtime"]:
            key = (str(rule_id), bool(direct))
            program._runtime[key] = environment.deserialize(blobs.get(number))
        return program


def _wrap(subject: str, rule_id: str, text: str, direct: bool) -> str:
    from .fields import IN_CYCLE

    quoted = rule_id.replace("\\", "\\\\").replace("'", "\\'")
    wrapped = f"[_params['{quoted}']].map(params, ({text}\n))[0]"
    if subject not in ("plan", "cycle"):
        if direct and subject in DIRECT:
            owner, key = DIRECT[subject]
            source = f"{owner}.{key}[_si({_CONTEXT_VARIABLE})]"
        else:
            source = f"{_SUBJECT_VARIABLE}{subject}[_si({_CONTEXT_VARIABLE})]"
        wrapped = f"[{source}].map({subject}, {wrapped})[0]"
    if subject in IN_CYCLE:
        cycles = "plan.cycles" if direct else "_cycles"
        wrapped = f"[{cycles}[_ci({_CONTEXT_VARIABLE})]].map(cycle, {wrapped})[0]"
    return wrapped


@functools.cache
def runtime_environment() -> Any:
    cel = _cel()
    from cel_expr_python.ext import ext_math, ext_strings

    from .fields import SUBJECT_TYPES

    names = ["plan", "patient", "_cycles", "_params"]
    names += [f"{_SUBJECT_VARIABLE}{kind}" for kind in SUBJECT_TYPES if kind not in names]
    indexes = [
        cel.FunctionDecl(
            name, [cel.Overload(f"{name}_int", cel.Type.INT, [cel.Type.INT], impl=impl)]
        )
        for name, impl in (("_ci", _CYCLE_INDEX.__getitem__), ("_si", _SUBJECT_INDEX.__getitem__))
    ]
    variables = {name: cel.Type.DYN for name in names}
    variables[_CONTEXT_VARIABLE] = cel.Type.INT
    return cel.NewEnv(
        variables=variables,
        extensions=[ext_strings.ExtStrings(), ext_math.ExtMath()],
        functions=indexes,
    )


# Which subject the evaluation under way is about, by the number of its activation: the
# number travels in the activation (``_ctx``), each activation reads its own entries, so two
# threads never read each other's plan. The functions CEL calls are the dicts' own C-level
# ``__getitem__``: no Python code runs inside an evaluation, so a Ctrl-C is never handled in
# there (CEL would turn its KeyboardInterrupt into an "ABORTED" error value and go on).
_CYCLE_INDEX: dict[int, int] = {}
_SUBJECT_INDEX: dict[int, int] = {}
_NUMBERS = itertools.count(1)


def _forget(number: int) -> None:
    _CYCLE_INDEX.pop(number, None)
    _SUBJECT_INDEX.pop(number, None)


class SharedActivation:
    """Everything the rules read about one plan, converted to CEL at most once.

    ``subjects`` maps each kind to its subjects as (data, cycle index, index in its own list).
    """

    def __init__(
        self,
        plan: dict[str, Any],
        patient: dict[str, Any],
        cycles: list[dict[str, Any]],
        subjects: dict[str, list[tuple[dict[str, Any], int | None, int]]],
        params: dict[str, dict[str, Any]],
    ) -> None:
        self.direct = _nested_in_plan(plan, cycles, subjects)
        self.number = number = next(_NUMBERS)
        _CYCLE_INDEX[number] = _SUBJECT_INDEX[number] = 0
        weakref.finalize(self, _forget, number)
        data: dict[str, Any] = {
            "plan": plan,
            "patient": patient,
            "_params": params,
            _CONTEXT_VARIABLE: number,
        }
        if not self.direct:
            data["_cycles"] = cycles
        for kind, items in subjects.items():
            if kind not in ("plan", "cycle") and (not self.direct or kind not in DIRECT):
                data[f"{_SUBJECT_VARIABLE}{kind}"] = [item for item, _, _ in items]
        self.activation = runtime_environment().Activation(data)

    def evaluate(
        self, program: Program, rule_id: str, cycle: int | None, position: int, ordinal: int
    ) -> Any:
        """Evaluate a program for one subject and return the plain value (CelEvalError on a CEL
        error). The subject is given by its ``position`` in its own list in the
        plan view, its ``ordinal`` among all subjects of its kind."""
        cel = _cel()
        _CYCLE_INDEX[self.number] = cycle if cycle is not None else 0
        _SUBJECT_INDEX[self.number] = (
            position if self.direct and program.subject in DIRECT else ordinal
        )
        try:
            value = program.runtime(rule_id, self.direct).eval(self.activation)
            if value.type() == cel.Type.ERROR:
                raise_error(value.value())
            return value.plain_value()
        except RuntimeError as exc:
            if str(exc).startswith("ABORTED"):
                raise KeyboardInterrupt from None
            raise CelEvalError(_eval_message(exc)) from None
        except MemoryError:
            raise CelEvalError(OUT_OF_MEMORY) from None


def raise_error(error: Any) -> NoReturn:
    """Raise the CEL error value ``error``: CelEvalError, or KeyboardInterrupt for a Ctrl-C.

    cel-expr-python turns a KeyboardInterrupt raised in Python code that CEL called into an
    error value "ABORTED: ..." and nothing else does; it must stop the run like any Ctrl-C.
    """
    message = str(error)
    if message.startswith("ABORTED"):
        raise KeyboardInterrupt
    raise CelEvalError(message)


def _nested_in_plan(
    plan: dict[str, Any],
    cycles: list[dict[str, Any]],
    subjects: dict[str, list[tuple[dict[str, Any], int | None, int]]],
) -> bool:
    """Whether every subject is the very object found where DIRECT says (cheap identity test)."""
    try:
        if plan.get("cycles") is not cycles:
            return False
        for kind, (owner, key) in DIRECT.items():
            for item, cycle, position in subjects.get(kind, ()):
                if owner == "cycles":
                    found = cycles[position]
                elif owner == "cycle":
                    found = cycles[cycle][key][position]
                else:
                    found = plan[owner if key is None else key][position]
                if found is not item:
                    return False
    except (KeyError, IndexError, TypeError):
        return False
    return True


def _eval_message(exc: RuntimeError) -> str:
    message = _clean(str(exc)).splitlines()[0]
    if "Iteration budget exceeded" in message:
        message = (
            f"it ran over CEL's budget of {ITERATION_BUDGET:,} comprehension iterations "
            "for one evaluation; simplify the rule"
        )
    return message
