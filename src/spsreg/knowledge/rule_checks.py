"""Checks that a monitoring rule's references exist in the knowledge pack.

A rule points at drugs, drug classes, interactions, monitoring needs, analytes and scales the pack
defines. Checking them when the rules load turns a typo into a load error that names the rule and
field, instead of a rule that silently never fires.
"""

from __future__ import annotations

from spsreg.knowledge.drugs import DoseBasis, DoseRange, Drug, MonitoringAnchor
from spsreg.knowledge.errors import UnknownPackEntryError
from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_parameters import (
    AssessmentGapParameters,
    BenzodiazepineLoadParameters,
    CombinationParameters,
    DiarySedationParameters,
    DoseLimitParameters,
    DoseRangeRef,
    DrugSelector,
    InfusionScheduleParameters,
    LabMonitoringParameters,
    MonitoringNeedRef,
    RisingFallsParameters,
    RiskReminderParameters,
    RuleParameters,
    WithdrawalParameters,
)
from spsreg.knowledge.scales import load_scale_definitions

__all__ = ["dose_limit_range", "rule_reference_problems"]

Problems = list[tuple[str, str]]

_NEED_ANCHORS = {
    "before_first_dose": MonitoringAnchor.BEFORE_FIRST_DOSE,
    "baseline": MonitoringAnchor.BASELINE,
    "maximum_dose_reached": MonitoringAnchor.MAXIMUM_DOSE_REACHED,
}


def rule_reference_problems(pack: KnowledgePack, parameters: RuleParameters) -> Problems:
    """(field, reason) for every reference in ``parameters`` the pack does not define."""
    problems: Problems = []
    if isinstance(parameters, DoseLimitParameters):
        problems += _range_problems(pack, "limit", parameters.limit, parameters.doses_per_day)
    elif isinstance(parameters, BenzodiazepineLoadParameters) and parameters.limit is not None:
        problems += _range_problems(pack, "limit", parameters.limit, None)
    elif isinstance(parameters, CombinationParameters):
        if not any(i.id == parameters.interaction_id for i in pack.interactions):
            problems.append(
                ("interaction_id", f"{parameters.interaction_id!r} is not in drugs.yaml")
            )
    elif isinstance(parameters, WithdrawalParameters):
        problems += _selector_problems(pack, "drugs", parameters.drugs)
    elif isinstance(parameters, InfusionScheduleParameters | RiskReminderParameters):
        problems += _drug_problems(pack, "drug_id", parameters.drug_id)
    elif isinstance(parameters, LabMonitoringParameters):
        problems += _lab_problems(pack, parameters)
    elif isinstance(parameters, DiarySedationParameters):
        for index, selector in enumerate(parameters.sedating):
            problems += _selector_problems(pack, f"sedating[{index}]", selector)
    elif isinstance(parameters, AssessmentGapParameters):
        if parameters.scale_id not in load_scale_definitions():
            problems.append(("scale_id", f"{parameters.scale_id!r} is not a packaged scale"))
    elif isinstance(parameters, RisingFallsParameters) and parameters.scale_id is not None:
        definition = load_scale_definitions().get(parameters.scale_id)
        if definition is None:
            problems.append(("scale_id", f"{parameters.scale_id!r} is not a packaged scale"))
        elif parameters.item_id not in definition.item_ids:
            problems.append(("item_id", f"{parameters.item_id!r} is not an item of the scale"))
    return problems


def dose_limit_range(pack: KnowledgePack, ref: DoseRangeRef) -> DoseRange | None:
    """The cited range a dose limit uses: the highest daily maximum of the named source.

    A per-dose maximum is used only when the source gives no daily maximum (the rule then states
    how many doses a day the source allows). None when the source gives no maximum at all.
    """
    dosing = pack.drug(ref.drug_id).dosing(ref.route)
    if dosing is None:
        return None
    ranges = dosing.label_doses if ref.source == "label" else dosing.sps_doses
    with_maximum = [r for r in ranges if r.maximum is not None]
    daily = [r for r in with_maximum if r.basis is DoseBasis.PER_DAY]
    candidates = daily or [r for r in with_maximum if r.basis is DoseBasis.PER_DOSE]
    if not candidates:
        return None
    return max(candidates, key=lambda r: r.maximum or 0.0)


def _drug_problems(pack: KnowledgePack, field: str, drug_id: str) -> Problems:
    try:
        pack.drug(drug_id)
    except UnknownPackEntryError as error:
        return [(field, str(error))]
    return []


def _selector_problems(pack: KnowledgePack, field: str, selector: DrugSelector) -> Problems:
    if selector.drug_id is not None:
        problems = _drug_problems(pack, f"{field}.drug_id", selector.drug_id)
        if problems:
            return problems
        drugs: tuple[Drug, ...] = (pack.drug(selector.drug_id),)
    else:
        assert selector.drug_class is not None
        drugs = pack.drugs_in_class(selector.drug_class)
        if not drugs:
            return [(f"{field}.drug_class", f"no drug of class {selector.drug_class} in the pack")]
    routes = {route for drug in drugs for route in drug.allowed_routes}
    stray = [route.value for route in selector.routes if route not in routes]
    if stray:
        return [(f"{field}.routes", f"route(s) {', '.join(stray)} are not routes of these drugs")]
    return []


def _range_problems(
    pack: KnowledgePack, field: str, ref: DoseRangeRef, doses_per_day: int | None
) -> Problems:
    problems = _drug_problems(pack, f"{field}.drug_id", ref.drug_id)
    if problems:
        return problems
    if pack.drug(ref.drug_id).dosing(ref.route) is None:
        return [(f"{field}.route", f"{ref.drug_id} is not given by the {ref.route.value} route")]
    chosen = dose_limit_range(pack, ref)
    if chosen is None:
        return [(field, f"drugs.yaml gives no {ref.source} maximum for {ref.drug_id} {ref.route}")]
    if chosen.basis is DoseBasis.PER_DOSE and doses_per_day is None:
        return [("doses_per_day", "the cited maximum is per dose: state the doses a day allowed")]
    if not chosen.unit.is_mass:
        return [(field, f"the cited maximum is in {chosen.unit.value}, not a mass")]
    return []


def _need_problems(pack: KnowledgePack, need: MonitoringNeedRef, anchor: str) -> Problems:
    problems = _drug_problems(pack, "need.drug_id", need.drug_id)
    if problems:
        return problems
    found = next((n for n in pack.drug(need.drug_id).monitoring if n.id == need.need_id), None)
    if found is None:
        return [("need.need_id", f"{need.drug_id} has no monitoring need {need.need_id!r}")]
    wanted = _NEED_ANCHORS.get(anchor)
    if wanted is not None and wanted not in {timing.anchor for timing in found.timing}:
        return [("anchor", f"the monitoring need {need.need_id} has no {anchor} timing")]
    return []


def _lab_problems(pack: KnowledgePack, parameters: LabMonitoringParameters) -> Problems:
    problems = _selector_problems(pack, "drugs", parameters.drugs)
    if parameters.need is not None:
        problems += _need_problems(pack, parameters.need, parameters.anchor)
    known = {analyte.id for analyte in pack.labs}
    problems += [
        (f"analytes[{index}]", f"{analyte!r} is not a lab analyte in labs.yaml")
        for index, analyte in enumerate(parameters.analytes)
        if analyte not in known
    ]
    return problems
