"""The drug vocabulary (blinacheck/plan/drugs.py): canonical names, abbreviations, equivalence,
and an institution's local names (docs/plan-format.md, drug names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blinacheck import api
from blinacheck.plan import drugs

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("written", "name", "kind"),
    [
        ("methotrexate", "methotrexate", drugs.NAME),
        ("Dexamethasone Sodium Phosphate", "dexamethasone", drugs.NAME),
        ("methylprednisolone  sodium succinate", "methylprednisolone", drugs.NAME),
        ("dexamethasone (sodium phosphate)", "dexamethasone", drugs.NAME),
        ("MTX", "methotrexate", drugs.ABBREVIATION),
        ("Ara-C", "cytarabine", drugs.ABBREVIATION),
        ("ara c", "cytarabine", drugs.ABBREVIATION),
        ("HC", "hydrocortisone", drugs.ABBREVIATION),
        ("dex", "dexamethasone", drugs.ABBREVIATION),
        ("HCT", "hct", drugs.AMBIGUOUS),
        ("triple IT", "triple it", drugs.COMBINATION),
        ("dexamethason", "dexamethason", drugs.UNKNOWN),
        ("cytarabine liposomal", "cytarabine liposomal", drugs.UNKNOWN),
        ("dexamethasone forte", "dexamethasone forte", drugs.UNKNOWN),
    ],
)
def test_names_resolve(written: str, name: str, kind: str) -> None:
    resolved = drugs.resolve(written)
    assert (resolved.name, resolved.kind) == (name, kind)
    assert resolved.written == written


def test_ambiguous_and_unknown_names_mean_no_drug() -> None:
    assert drugs.resolve("HCT").drugs == ()
    assert drugs.resolve("HCT").abbreviation is not None
    assert drugs.resolve("HCT").abbreviation.read_as == ("hydrocortisone", "hydrochlorothiazide")
    unknown = drugs.resolve("dexamethason")
    assert unknown.drugs == () and unknown.suggestion == "dexamethasone"
    assert drugs.resolve("paracetamol").suggestion is None
    assert drugs.resolve("triple IT").drugs == ("methotrexate", "cytarabine", "hydrocortisone")


def test_corticosteroid_equivalence() -> None:
    # prednisone 5 = prednisolone 5 = methylprednisolone 4 = dexamethasone 0.75 = HC 20 [S1]
    assert drugs.equivalent_mg("prednisolone", 100, to="prednisone") == 100
    assert drugs.equivalent_mg("methylprednisolone", 80, to="prednisone") == 100
    assert drugs.equivalent_mg("hydrocortisone", 400, to="prednisone") == 100
    assert drugs.equivalent_mg("prednisone", 100, to="dexamethasone") == pytest.approx(15)
    assert drugs.equivalent_mg("methotrexate", 12, to="prednisone") is None


PLAN = """\
blinacheck: 1
indication: relapsed-refractory
patient: {{age_years: 5, weight_kg: 19, height_cm: 110}}
cycles:
  - cycle: 1
    infusion:
      - {{days: 1-7, dose: 5 mcg/m2/day}}
      - {{days: 8-28, dose: 15 mcg/m2/day}}
    intrathecal:
      - {{day: 15, drugs: [{drug}], dose: 15 mg}}
"""


def _findings(text: str, settings: api.Settings | None = None) -> list[tuple[str, str, str]]:
    settings = settings or api.load_settings(isolated=True)
    result = api.lint_text(text, settings, path="plan.yaml")
    return [(f.rule, str(f.severity), f.message) for f in result.findings]


def test_mtx_is_judged_as_methotrexate() -> None:
    spelled = _findings(PLAN.format(drug="methotrexate"))
    abbreviated = _findings(PLAN.format(drug="MTX"))
    band = [f for f in spelled if f[0] == "it-methotrexate-dose-for-age"]
    assert band and band[0][1] == "warning"
    assert [f for f in abbreviated if f[0] == "it-methotrexate-dose-for-age"] == band
    assert [f[:2] for f in abbreviated if f[0] == "drug-name-abbreviated"] == [
        ("drug-name-abbreviated", "warning")
    ]
    assert not [f for f in spelled if f[0] == "drug-name-abbreviated"]


def test_local_names_make_a_drug_known(tmp_path: Path) -> None:
    fixture = ROOT / "tests" / "rules" / "drug-name-unknown" / "local-names.yaml"
    text = fixture.read_text(encoding="utf-8")
    assert "drug-name-unknown" in [f[0] for f in _findings(text)]
    config = tmp_path / "blinacheck.toml"
    config.write_text('[params.drug-name-unknown]\nlocal_names = ["Ondansetron"]\n')
    settings = api.load_settings(str(config))
    assert "drug-name-unknown" not in [f[0] for f in _findings(text, settings)]


def test_local_names_must_be_text(tmp_path: Path) -> None:
    config = tmp_path / "blinacheck.toml"
    config.write_text("[params.drug-name-unknown]\nlocal_names = 5\n")
    with pytest.raises(api.ConfigError, match="local_names"):
        api.load_settings(str(config))


def test_unknown_name_keeps_its_text() -> None:
    # Shown as written (lower case, spaces collapsed): markup or brackets are not rewritten.
    assert drugs.resolve("Drug (X)  <b>").name == "drug (x) <b>"
