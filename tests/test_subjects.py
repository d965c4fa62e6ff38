"""The one subject table (timeline/subjects.py): every layer's list of kinds is derived from it,
so a new kind is one row, its view and its fields (docs/architecture.md)."""

from __future__ import annotations

import re

import pytest

from blinacheck.engine import celenv, fields
from blinacheck.engine.ruleset import RuleSetError, load
from blinacheck.plan import models
from blinacheck.report import catalogue
from blinacheck.timeline import subjects, views

from .conftest import REPO


def test_every_layer_lists_the_kinds_of_the_table() -> None:
    names = [kind.name for kind in subjects.KINDS]
    assert list(views.SUBJECT_KINDS) == names
    assert list(fields.SUBJECT_TYPES) == names
    assert list(catalogue.SUBJECTS) == names
    assert set(fields.IN_CYCLE) == {k.name for k in subjects.KINDS if k.in_cycle}
    assert set(celenv.DIRECT) == {k.name for k in subjects.KINDS if k.view_list}
    assert views.ITEM_KEYS == {
        "intrathecal": "intrathecal",
        "premedication": "premedication",
        "interruption": "interruptions",
        "adverse_event": "adverse_events",
    }


@pytest.mark.parametrize("kind", subjects.KINDS, ids=lambda k: k.name)
def test_each_row_points_at_what_exists(kind: subjects.SubjectKind) -> None:
    assert kind.name in fields.OBJECTS, "its fields are declared in engine/fields.py"
    if kind.model is not None:
        assert issubclass(getattr(models, kind.model), models.BaseModel)
    if kind.cycle_list is not None:
        assert kind.cycle_list in models.Cycle.model_fields
        assert kind.in_cycle
    if kind.view_list is not None:
        owner, key = kind.view_list
        assert owner in ("plan", "cycle", "cycles")
        assert key is None or key in fields.OBJECTS["cycle" if owner == "cycle" else "plan"]


def test_a_rule_over_an_unknown_kind_names_the_known_ones(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    (tmp_path / "r.yaml").write_text(
        "rules:\n"
        "  - id: x\n    title: over transfusions\n    severity: info\n"
        "    for_each: transfusion\n    when: 'true'\n    message: m\n"
        "    evidence: [{source: s}]\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleSetError) as caught:
        load([str(tmp_path)], builtin=False)
    message = str(caught.value)
    assert "for_each" in message
    for name in subjects.NAMES:
        assert f"'{name}'" in message, message


def test_no_other_module_spells_out_the_list_of_kinds() -> None:
    # A list naming the kinds one after another ("plan", "cycle", "infusion_step", ...) is
    # what the table replaced; only the table may hold one.
    listing = re.compile(r'"infusion_step",\s*"intrathecal",\s*"premedication"')
    found = [
        str(path.relative_to(REPO))
        for path in sorted((REPO / "blinacheck").rglob("*.py"))
        if listing.search(path.read_text(encoding="utf-8"))
    ]
    assert found == [], found
