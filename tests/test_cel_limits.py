"""Load-time limits on CEL expressions count what the expression does, not what its text says."""

from __future__ import annotations

import pytest

from blinacheck.engine import celenv


def test_a_field_named_replace_is_not_a_call() -> None:
    # params.replace is a field; the old byte scan refused it as a call to replace().
    assert celenv.compile_expression("plan", "has(params.replace)") is not None
    assert celenv.compile_expression("plan", "params.replace == true") is not None


def test_a_call_to_replace_is_refused() -> None:
    with pytest.raises(celenv.CelCompileError, match=r"'replace\(\)' is not available"):
        celenv.compile_expression("plan", "plan.title.replace('a', 'b') == ''")


def test_a_call_to_replace_beside_a_field_named_replace_is_refused() -> None:
    with pytest.raises(celenv.CelCompileError, match=r"'replace\(\)' is not available"):
        celenv.compile_expression(
            "plan", "has(params.replace) && plan.title.replace('a', 'b') == ''"
        )


def test_fields_named_join_do_not_count_as_joins() -> None:
    most = celenv.MAX_CALLS["join"]
    fields = " && ".join("has(params.join)" for _ in range(most + 3))
    assert celenv.compile_expression("plan", fields) is not None
    calls = " + ".join("[plan.indication].join('')" for _ in range(most + 1))
    with pytest.raises(celenv.CelCompileError, match=rf"'join\(\)' is used {most + 1} times"):
        celenv.compile_expression("plan", f"({calls}) != ''")
    # The same number of joins, less one, with the fields beside them: allowed.
    fewer = " + ".join("[plan.indication].join('')" for _ in range(most))
    assert celenv.compile_expression("plan", f"{fields} && ({fewer}) != ''") is not None
