"""The one table of subject kinds: the lists of things a rule can be about (``for_each``).

Every other place that names the kinds derives from this table: the timeline's subject lists
and the plan-file keys of in-cycle items (timeline/views.py), the ``for_each`` values and the
``report_at`` keys a rule file may use (engine/ruleset.py), the variables bound in CEL and the
direct paths to each subject inside the plan view (engine/fields.py, engine/celenv.py), and
the catalogue's wording (report/catalogue.py). A new kind is a row here, its view in
timeline/views.py with its fields in engine/fields.py, and its docs (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SubjectKind:
    """One kind of subject, and everything the layers above need to know of it."""

    name: str  # the for_each value, the CEL variable and the field table's object name
    each: str  # the catalogue's "applies to": "each intrathecal (IT) chemotherapy entry"
    owner: str  # what a report_at key belongs to: "the IT entry"
    in_cycle: bool  # a subject of a cycle: the rule sees that cycle as `cycle`
    # The plan model (a class of plan/"py", named so that loading this table loads no
    # models) whose keys a finding can point at (report_at); None: the subject itself.
    model: str | None
    # The key of a cycle's list in the plan file that holds items of this kind, if any.
    cycle_list: str | None = None
    # Where the subjects sit inside the plan view: (the variable holding them, its list key).
    view_list: tuple[str, str | None] | None = None


KINDS: tuple[SubjectKind, ...] = (
    SubjectKind("plan", "the whole plan", "the plan", False, "Plan"),
    SubjectKind("cycle", "each cycle", "the cycle", True, "Cycle", view_list=("cycles", None)),
    SubjectKind(
        "infusion_step",
        "each infusion step",
        "the infusion step",
        True,
        "InfusionStep",
        view_list=("cycle", "steps"),
    ),
    SubjectKind(
        "intrathecal",
        "each intrathecal (IT) chemotherapy entry",
        "the IT entry",
        True,
        "Intrathecal",
        cycle_list="intrathecal",
        view_list=("cycle", "intrathecal"),
    ),
    SubjectKind(
        "premedication",
        "each premedication entry",
        "the premedication entry",
        True,
        "Premedication",
        cycle_list="premedication",
        view_list=("cycle", "premedication"),
    ),
    SubjectKind(
        "interruption",
        "each interruption of the infusion",
        "the interruption",
        True,
        "Interruption",
        cycle_list="interruptions",
        view_list=("cycle", "interruptions"),
    ),
    SubjectKind(
        "adverse_event",
        "each adverse event",
        "the adverse event",
        True,
        "AdverseEvent",
        cycle_list="adverse_events",
        view_list=("cycle", "adverse_events"),
    ),
    SubjectKind(
        "vaccination",
        "each vaccination",
        "the vaccination",
        False,
        "Vaccination",
        view_list=("plan", "vaccinations"),
    ),
    # A gap is reported on the later cycle, whose keys report_at may name.
    SubjectKind(
        "cycle_gap",
        "the gap between each two consecutive cycles",
        "the later cycle",
        True,
        "Cycle",
    ),
    # A drug name is the name itself: a finding points at it, and it has no keys.
    SubjectKind(
        "drug_name", "each drug name of an IT or premedication entry", "the drug name", True, None
    ),
)

BY_NAME = {kind.name: kind for kind in KINDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
