"""CEL's own checker finds field typos, from typed declarations built from the field table."""

from __future__ import annotations

import pytest

from blinacheck.engine import celenv, celtypes
from blinacheck.engine.fields import OBJECTS


def problems(subject: str, text: str, params: celtypes.ParamTypes = ()) -> list[str]:
    with pytest.raises(celenv.CelCompileError) as caught:
        celenv.compile_expression(subject, text, params)
    return caught.value.messages


def test_a_typo_is_reported_by_cel_with_its_position() -> None:
    assert problems("intrathecal", "intrathecal.cycle_dya == 1") == [
        "intrathecal has no field 'cycle_dya'; did you mean 'cycle_day'? (fields: "
        + ", ".join(sorted(OBJECTS["intrathecal"]))
        + "), at expression 1:12\n"
        " | intrathecal.cycle_dya == 1\n"
        " | ...........^"
    ]


def test_a_typo_inside_nested_comprehensions_is_found_where_it_is() -> None:
    found = problems(
        "plan", "plan.cycles.exists(c,\n  c.steps.exists(s, s.days > 1 && s.mcg_per_dy > 28))"
    )
    assert len(found) == 1
    assert found[0].startswith(
        "infusion_step has no field 'mcg_per_dy'; did you mean 'mcg_per_day'?"
    )
    assert ", at expression 2:36\n" in found[0]


def test_every_typo_of_an_expression_is_reported() -> None:
    found = problems("plan", "plan.titel == '' || plan.cycles.exists(c, c.nmber > 1)")
    assert [line.splitlines()[0].split(";")[0] for line in found] == [
        "plan has no field 'titel'",
        "cycle has no field 'nmber'",
    ]


def test_params_are_declared_by_the_rule() -> None:
    params = (("max_days", "int"), ("drugs", "list<string>"))
    assert celenv.compile_expression("plan", "plan.cycle_count > params.max_days", params)
    assert celenv.compile_expression("intrathecal", "intrathecal.drugs[0] in params.drugs", params)
    found = problems("plan", "plan.cycle_count > params.max_day", params)
    assert found[0].startswith(
        "declared params has no field 'max_day'; did you mean 'max_days'? (fields: drugs, "
        "max_days), at expression 1:26"
    )


def test_a_param_name_that_is_no_identifier_is_read_as_a_map_key() -> None:
    params = (("max-days", "int"),)
    assert celenv.compile_expression("plan", "plan.cycle_count > params['max-days']", params)


def test_numbers_stay_dynamic_strings_and_booleans_are_typed() -> None:
    # An int field compared with a double literal is fine, as it is when evaluated.
    assert celenv.compile_expression("infusion_step", "infusion_step.mcg_per_day > 28", ())
    assert celenv.compile_expression("cycle", "cycle.gap_days.exists(d, d > 1.5)", ())
    # Strings have no fields; a bool is never null (an absent field is tested with has()).
    assert "cannot be the operand of a select operation" in problems("plan", "plan.title.x")[0]
    assert "'(bool, null_type)'" in problems("plan", "plan.has_patient == null")[0]


def test_the_declarations_cover_every_object_and_field_of_the_table() -> None:
    pool = celtypes._pool(())
    for name, fields in OBJECTS.items():
        message = pool.FindMessageTypeByName(f"{celtypes.PACKAGE}.{name}")
        assert [f.name for f in message.fields] == list(fields)


def test_builtin_rules_are_not_checked_at_start_up() -> None:
    # Without params (the built-in rules at run time) every variable is dyn: no typed check.
    assert celenv.compile_expression("intrathecal", "intrathecal.cycle_dya == 1") is not None
