"""Lookups other modules rely on: drug ids (a contract), names and suggestions, classes,
interactions, labs, equivalence, phenotypes, comorbidities and disease codes."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest
import yaml

from spsreg.domain.conditions import ComorbidityKind
from spsreg.domain.labs import AssayMethod, Specimen
from spsreg.domain.medications import Route, TherapyIntent
from spsreg.domain.patient import Phenotype
from spsreg.domain.units import DoseUnit
from spsreg.knowledge import (
    DrugClass,
    KnowledgePack,
    UnknownDrugError,
    UnknownLabAnalyteError,
    UnknownPhenotypeError,
    load_knowledge_pack,
    load_knowledge_pack_from,
)
from spsreg.knowledge.drugs import AtcStatus
from spsreg.knowledge.labs import Comparator, ThresholdKind, canonical_lab_unit
from spsreg.knowledge.pack import PACK_FILES

CONTRACT_DRUG_IDS = [
    "diazepam",
    "clonazepam",
    "lorazepam",
    "baclofen",
    "gabapentin",
    "pregabalin",
    "tizanidine",
    "levetiracetam",
    "prednisone",
    "methylprednisolone",
    "ivig",
    "rituximab",
    "mycophenolate_mofetil",
    "azathioprine",
    "botulinum_toxin",
    "morphine",
    "oxycodone",
    "codeine",
    "tramadol",
    "fentanyl",
    "hydromorphone",
]
CONTRACT_ANALYTE_IDS = [
    "gad65_antibody",
    "glyr_antibody",
    "amphiphysin_antibody",
    "dppx_antibody",
    "gabaa_receptor_antibody",
    "glucose",
    "hba1c",
    "creatinine",
    "egfr",
    "igg",
    "cd19_b_cells",
    "hbsag",
    "anti_hbc",
    "anti_hbs",
    "alt",
    "ast",
]


@pytest.fixture(scope="module")
def pack() -> KnowledgePack:
    return load_knowledge_pack()


def test_the_shipped_pack_is_loaded_once(pack: KnowledgePack) -> None:
    assert load_knowledge_pack() is pack
    assert pack.pack_version == "2026.1"
    assert set(pack.reviewed_on) == set(PACK_FILES)


# -- drugs ------------------------------------------------------------------------------------
def test_every_contract_drug_id_exists(pack: KnowledgePack) -> None:
    assert sorted(d.id for d in pack.drugs) == sorted(CONTRACT_DRUG_IDS)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("diazepan", "diazepam"),
        ("clonazepan", "clonazepam"),
        ("baclophen", "baclofen"),
        ("ritux", "rituximab"),
    ],
)
def test_unknown_drug_ids_raise_with_close_matches(
    pack: KnowledgePack, typed: str, expected: str
) -> None:
    with pytest.raises(UnknownDrugError) as caught:
        pack.drug(typed)
    assert expected in caught.value.suggestions
    assert f"did you mean '{expected}'" in str(caught.value) or expected in str(caught.value)


def test_unknown_drug_with_nothing_close_suggests_nothing(pack: KnowledgePack) -> None:
    with pytest.raises(
        UnknownDrugError, match=r"^unknown drug 'paracetamol' in the knowledge pack$"
    ):
        pack.drug("paracetamol")


@pytest.mark.parametrize(
    ("name", "drug_id"),
    [
        ("Valium", "diazepam"),
        ("VALIUM", "diazepam"),
        ("Klonopin", "clonazepam"),
        ("Lioresal", "baclofen"),
        ("IVIg", "ivig"),
        ("Mycophenolate  Mofetil", "mycophenolate_mofetil"),
        ("mycophenolate-mofetil", "mycophenolate_mofetil"),
        ("MabThera", "rituximab"),
        ("Botox", "botulinum_toxin"),
    ],
)
def test_find_drug_matches_names_and_synonyms_ignoring_case(
    pack: KnowledgePack, name: str, drug_id: str
) -> None:
    found = pack.find_drug(name)
    assert found is not None and found.id == drug_id


def test_find_drug_returns_none_for_unknown_names(pack: KnowledgePack) -> None:
    assert pack.find_drug("diazepan") is None


def test_a_brand_name_is_suggested_as_its_generic_id(pack: KnowledgePack) -> None:
    assert pack.suggest_drug_ids("Valum") == ("diazepam",)
    assert pack.suggest_drug_ids("Rivotril") == ("clonazepam",)


def test_drug_classes(pack: KnowledgePack) -> None:
    assert {d.id for d in pack.drugs_in_class(DrugClass.BENZODIAZEPINE)} == {
        "diazepam",
        "clonazepam",
        "lorazepam",
    }
    assert {d.id for d in pack.drugs_in_class("opioid")} == {
        "morphine",
        "oxycodone",
        "codeine",
        "tramadol",
        "fentanyl",
        "hydromorphone",
    }
    with pytest.raises(ValueError):
        pack.drugs_in_class("muscle_relaxant")


def test_routes_and_units_of_baclofen_separate_oral_mg_from_intrathecal_mcg(
    pack: KnowledgePack,
) -> None:
    baclofen = pack.drug("baclofen")
    assert baclofen.allowed_routes == (Route.ORAL, Route.INTRATHECAL)
    assert baclofen.dose_units(Route.ORAL) == (DoseUnit.MG,)
    assert baclofen.dose_units(Route.INTRATHECAL) == (DoseUnit.MCG,)
    assert baclofen.dose_units(Route.IV) == ()
    assert [w.routes for w in baclofen.boxed_warnings] == [(Route.INTRATHECAL,)]


def test_ivig_is_dosed_in_g_per_kg_or_g(pack: KnowledgePack) -> None:
    ivig = pack.drug("ivig")
    assert ivig.dose_units(Route.IV) == (DoseUnit.G_PER_KG, DoseUnit.G)
    course = ivig.dosing(Route.IV)
    assert course is not None
    assert [(r.minimum, r.maximum, r.unit, r.basis.value) for r in course.sps_doses] == [
        (2, 2, DoseUnit.G_PER_KG, "per_course")
    ]


def test_label_and_sps_doses_are_kept_apart_and_cited(pack: KnowledgePack) -> None:
    oral = pack.drug("diazepam").dosing(Route.ORAL)
    assert oral is not None
    assert (
        oral.label_doses[0].minimum,
        oral.label_doses[0].maximum,
        oral.label_doses[0].basis.value,
    ) == (2, 10, "per_dose")
    assert "openFDA" in oral.label_doses[0].citation.reference
    assert (
        oral.sps_doses[0].minimum,
        oral.sps_doses[0].maximum,
        oral.sps_doses[0].basis.value,
    ) == (5, 100, "per_day")


def test_codes_keep_the_atc_index_version_and_former_codes(pack: KnowledgePack) -> None:
    gabapentin = pack.drug("gabapentin")
    assert [(c.code, c.index_version, c.status) for c in gabapentin.atc] == [
        ("N02BF01", "WHO ATC/DDD 2026", AtcStatus.CURRENT),
        ("N03AX12", "WHO ATC/DDD 2021", AtcStatus.FORMER),
    ]
    current = pack.drug("rituximab").current_atc
    assert current is not None and current.code == "L01FA01"
    assert [c.code for c in pack.drug("rituximab").atc if c.status is AtcStatus.FORMER] == [
        "L01XC02"
    ]


@pytest.mark.parametrize(
    ("drug_id", "rxcui"),
    [
        ("diazepam", "3322"),
        ("clonazepam", "2598"),
        ("lorazepam", "6470"),
        ("baclofen", "1292"),
        ("morphine", "7052"),
        ("tramadol", "10689"),
    ],
)
def test_rxnorm_codes(pack: KnowledgePack, drug_id: str, rxcui: str) -> None:
    code = pack.drug(drug_id).rxnorm
    assert code is not None and code.rxcui == rxcui


@pytest.mark.parametrize("drug_id", ["ivig", "mycophenolate_mofetil", "botulinum_toxin"])
def test_unverified_rxcuis_are_absent_with_a_reason(pack: KnowledgePack, drug_id: str) -> None:
    drug = pack.drug(drug_id)
    assert drug.rxnorm is None
    assert any(gap.field == "rxnorm" for gap in drug.unverified)


def test_intents_follow_the_domain_vocabulary(pack: KnowledgePack) -> None:
    assert pack.drug("ivig").intent is TherapyIntent.IMMUNOTHERAPY
    assert pack.drug("diazepam").intent is TherapyIntent.SYMPTOMATIC


def test_monitoring_needs_name_lab_analytes_and_timing(pack: KnowledgePack) -> None:
    (tizanidine,) = pack.drug("tizanidine").monitoring
    assert tizanidine.analytes == ("alt", "ast")
    assert [(t.anchor.value, t.offset_months) for t in tizanidine.timing] == [
        ("baseline", None),
        ("maximum_dose_reached", 1),
    ]
    (hbv,) = pack.drug("rituximab").monitoring
    assert (
        hbv.analytes == ("hbsag", "anti_hbc") and hbv.timing[0].anchor.value == "before_first_dose"
    )


def test_interactions_are_class_level_and_symmetric(pack: KnowledgePack) -> None:
    assert [i.id for i in pack.interactions_between("clonazepam", "tramadol")] == [
        "benzodiazepine_opioid"
    ]
    assert [i.id for i in pack.interactions_between("fentanyl", "lorazepam")] == [
        "benzodiazepine_opioid"
    ]
    assert [i.id for i in pack.interactions_between("morphine", "baclofen")] == ["baclofen_opioid"]
    assert pack.interactions_between("baclofen", "diazepam") == ()
    with pytest.raises(UnknownDrugError):
        pack.interactions_between("diazepam", "opium")


# -- benzodiazepine equivalence ----------------------------------------------------------------
def test_diazepam_equivalents_use_the_selected_cited_table(pack: KnowledgePack) -> None:
    table = pack.benzodiazepine_equivalence
    assert table is not None and table.id == "ashton_2002"
    assert pack.diazepam_equivalent_mg("diazepam", 15) == 15.0
    assert pack.diazepam_equivalent_mg("clonazepam", 2) == 40.0  # 0.5 mg ~ 10 mg diazepam
    assert pack.diazepam_equivalent_mg("lorazepam", 2.5) == 25.0  # 1 mg ~ 10 mg diazepam
    assert pack.diazepam_equivalent_mg("diazepam", 10, Route.IV) is None
    assert pack.diazepam_equivalent_mg("baclofen", 10) is None
    with pytest.raises(UnknownDrugError):
        pack.diazepam_equivalent_mg("temazepam", 10)
    assert "not for switching" in pack.benzodiazepine_equivalence_caveat


def _pack_with_selected_table(tmp_path: Path, table: str | None) -> KnowledgePack:
    data = resources.files("spsreg.knowledge") / "data"
    for name in PACK_FILES:
        shutil.copyfile(str(data / name), tmp_path / name)
    path = tmp_path / "benzodiazepine_equivalence.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["selected_table"] = table
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return load_knowledge_pack_from(tmp_path)


def test_a_site_can_select_the_other_cited_table(tmp_path: Path) -> None:
    pack = _pack_with_selected_table(tmp_path, "va_dod_2021")
    assert pack.diazepam_equivalent_mg("clonazepam", 2) == 20.0  # 1 mg ~ 10 mg diazepam
    assert pack.diazepam_equivalent_mg("lorazepam", 2) == 10.0  # 2 mg ~ 10 mg diazepam


def test_without_a_selected_table_there_is_no_equivalence(tmp_path: Path) -> None:
    pack = _pack_with_selected_table(tmp_path, None)
    assert pack.benzodiazepine_equivalence is None
    assert pack.diazepam_equivalent_mg("diazepam", 10) is None


# -- labs -------------------------------------------------------------------------------------
def test_every_contract_analyte_id_exists(pack: KnowledgePack) -> None:
    assert sorted(a.id for a in pack.labs) == sorted(CONTRACT_ANALYTE_IDS)


def test_gad65_ria_and_elisa_are_separate_measurements(pack: KnowledgePack) -> None:
    gad = pack.lab("gad65_antibody")
    assert gad.units_for(AssayMethod.RIA) == ("nmol/L",)
    assert gad.units_for(AssayMethod.ELISA) == ("IU/mL",)
    assert gad.allows(Specimen.CSF, AssayMethod.RIA, "nmol/L")
    assert not gad.allows(Specimen.CSF, AssayMethod.ELISA, "IU/mL")
    assert not gad.allows(Specimen.SERUM, AssayMethod.RIA, "IU/mL")


def test_gad65_loinc_codes_are_the_verified_three(pack: KnowledgePack) -> None:
    gad = pack.lab("gad65_antibody")
    assert [(c.code, c.specimen.value, c.method.value) for c in gad.loinc] == [
        ("94345-6", "serum", "ria"),
        ("94359-7", "csf", "ria"),
        ("56540-8", "serum", "elisa"),
    ]
    all_codes = {c.code for analyte in pack.labs for c in analyte.loinc}
    assert all_codes.isdisjoint({"53708-4", "13926-1", "101233-5"})


def test_gad65_thresholds_apply_only_to_their_own_method_and_unit(pack: KnowledgePack) -> None:
    gad = pack.lab("gad65_antibody")
    ria_serum = {t.id: t for t in gad.thresholds_for(AssayMethod.RIA, "nmol/L", Specimen.SERUM)}
    assert set(ria_serum) == {"mayo_ria_serum_reference", "hopkins_high_titre_ria"}
    high = ria_serum["hopkins_high_titre_ria"]
    assert (high.kind, high.comparator, high.value) == (
        ThresholdKind.HIGH_TITRE_ABOVE,
        Comparator.GT,
        20,
    )
    assert high.comparator.holds(20.5, high.value) and not high.comparator.holds(20, high.value)
    elisa = {t.id: t.value for t in gad.thresholds_for(AssayMethod.ELISA, "IU/mL", Specimen.SERUM)}
    assert elisa == {"arup_elisa_positive": 5.0, "hopkins_high_titre_elisa": 1000}
    assert gad.thresholds_for(AssayMethod.RIA, "IU/mL", Specimen.SERUM) == ()


def test_comparators() -> None:
    assert Comparator.LE.holds(0.02, 0.02) and not Comparator.LT.holds(0.02, 0.02)
    assert Comparator.GE.holds(5, 5) and not Comparator.GT.holds(5, 5)


def test_unknown_analytes_raise_with_suggestions(pack: KnowledgePack) -> None:
    with pytest.raises(UnknownLabAnalyteError) as caught:
        pack.lab("gad65_antibodies")
    assert caught.value.suggestions[0] == "gad65_antibody"
    assert pack.find_lab("HbA1c") is pack.lab("hba1c")
    assert pack.suggest_lab_ids("anti-HBc") == ("anti_hbc",)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("iu/ml", "IU/mL"),
        ("µmol/L", "umol/L"),
        ("mL/min/1.73 m²", "mL/min/1.73m2"),
        ("bananas", None),
    ],
)
def test_canonical_lab_units(written: str, canonical: str | None) -> None:
    assert canonical_lab_unit(written) == canonical


# -- phenotypes, comorbidities, disease codes --------------------------------------------------
def test_every_domain_phenotype_is_described(pack: KnowledgePack) -> None:
    assert {p.id for p in pack.phenotypes} == set(Phenotype)
    classic = pack.phenotype("classic")
    assert {c.id for c in classic.criteria_sets} >= {
        "newsome_johnson_classic_major",
        "classic_trial_eligibility",
    }
    assert all(c.citation.url for c in classic.criteria_sets)
    assert any("glycine receptor" in item for item in classic.criteria_sets[0].criteria)


def test_phenotypes_without_retrieved_criteria_say_so(pack: KnowledgePack) -> None:
    assert any("PERM" in gap.field for gap in pack.phenotype(Phenotype.PERM).unverified)
    assert pack.phenotype("overlap").criteria_sets == ()
    with pytest.raises(UnknownPhenotypeError, match="did you mean 'sps_plus'"):
        pack.phenotype("sps-plus")


def test_every_comorbidity_kind_is_named(pack: KnowledgePack) -> None:
    assert {c.id for c in pack.comorbidities} == set(ComorbidityKind)
    diabetes = pack.comorbidity("type_1_diabetes")
    assert (
        diabetes.sps_association is not None
        and "Orphanet" in diabetes.sps_association.citation.reference
    )
    assert pack.comorbidity(ComorbidityKind.ANXIETY).sps_association is None


def test_disease_codes(pack: KnowledgePack) -> None:
    codes = {(c.system.value, c.code) for c in pack.disease_codes}
    assert codes == {
        ("icd10cm", "G25.82"),
        ("icd9cm", "333.91"),
        ("icd10", "G25.8"),
        ("orphanet", "ORPHA:3198"),
        ("snomed_ct", "5217008"),
    }
    snomed = pack.disease_code_for("5217008")
    assert snomed is not None and snomed.single_source and snomed.confidence.value == "medium"
    assert not any(c.system.value == "icd11" for c in pack.disease_codes)
    confusion = pack.code_confusion("G25.81")
    assert confusion is not None and confusion.actually_means == "Restless legs syndrome"
    assert confusion.correct_code == "G25.82"


def test_unverified_items_cover_what_the_reference_flags(pack: KnowledgePack) -> None:
    fields = {(u.file, u.item_id, u.field) for u in pack.unverified_items()}
    assert ("codes.yaml", "-", "icd11") in fields
    assert ("drugs.yaml", "ivig", "rxnorm") in fields
    assert ("drugs.yaml", "mycophenolate_mofetil", "rxnorm") in fields
    assert ("drugs.yaml", "rituximab", "monitoring.b_cell_threshold") in fields
    assert ("drugs.yaml", "clonazepam", "routes.oral.label_doses") in fields
    assert any(
        u.item_id == "baclofen" and "maintenance" in u.field for u in pack.unverified_items()
    )
    assert any(u.item_id == "prednisone" and "glucose" in u.field for u in pack.unverified_items())


def test_an_equivalence_entry_is_found_by_route_value_as_well_as_by_enum() -> None:
    from spsreg.domain.medications import Route
    from spsreg.knowledge import load_knowledge_pack

    table = load_knowledge_pack().benzodiazepine_equivalence
    assert table is not None
    assert table.entry("diazepam", Route.ORAL) is not None
    assert table.entry("diazepam", "oral") == table.entry("diazepam", Route.ORAL)  # type: ignore[arg-type]
