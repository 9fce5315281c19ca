"""Reading the parts of a CT.gov study (design, arms and interventions, outcomes, eligibility,
locations) into the parts of a :class:`~spsreg.domain.trials.TrialRecord`, each problem at its
CT.gov path (see :mod:`spsreg.ingest.ctgov`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spsreg.domain.trials import (
    Allocation,
    ArmType,
    EligibleSex,
    InterventionModel,
    InterventionType,
    MaskedParty,
    Masking,
    PrimaryPurpose,
    RecruitmentStatus,
    StandardAge,
    TrialArm,
    TrialDesign,
    TrialEligibility,
    TrialIntervention,
    TrialLocation,
    TrialOutcome,
)
from spsreg.ingest.ctgov_fields import StudyFields, join_path

__all__ = [
    "arms_and_interventions",
    "design",
    "eligibility",
    "locations",
    "outcomes",
    "paths_under",
]


def design(fields: StudyFields, module: Mapping[str, Any], path: str) -> TrialDesign | None:
    """``designModule.designInfo`` (``module`` is the design module at ``path``)."""
    here = join_path(path, "designInfo")
    info = fields.obj(module, "designInfo", path)
    masking_path = join_path(here, "maskingInfo")
    masking = fields.obj(info, "maskingInfo", here)
    values = {
        "allocation": fields.code(info, "allocation", here, Allocation, "allocation"),
        "intervention_model": fields.code(
            info, "interventionModel", here, InterventionModel, "intervention model"
        ),
        "intervention_model_description": fields.raw(info, "interventionModelDescription"),
        "primary_purpose": fields.code(
            info, "primaryPurpose", here, PrimaryPurpose, "primary purpose"
        ),
        "masking": fields.code(masking, "masking", masking_path, Masking, "masking"),
        "masked_parties": fields.codes(
            masking, "whoMasked", masking_path, MaskedParty, "masked party"
        ),
    }
    paths = {
        "": here,
        "intervention_model_description": join_path(here, "interventionModelDescription"),
    }
    return fields.build(TrialDesign, paths, values)


def arms_and_interventions(
    fields: StudyFields, protocol: Mapping[str, Any], path: str
) -> tuple[list[TrialArm | None], list[TrialIntervention | None]]:
    """``armsInterventionsModule``: the arm groups and the interventions, in CT.gov's order."""
    here = join_path(path, "armsInterventionsModule")
    module = fields.obj(protocol, "armsInterventionsModule", path)
    arms = [
        fields.build(
            TrialArm,
            paths_under(
                where,
                label="label",
                description="description",
                intervention_names="interventionNames",
            ),
            {
                "label": fields.raw(arm, "label"),
                "type": fields.code(arm, "type", where, ArmType, "arm type"),
                "description": fields.raw(arm, "description"),
                "intervention_names": fields.texts(arm, "interventionNames", where),
            },
        )
        for where, arm in fields.objects(module, "armGroups", here)
    ]
    interventions = [
        fields.build(
            TrialIntervention,
            paths_under(
                where,
                name="name",
                description="description",
                arm_labels="armGroupLabels",
                other_names="otherNames",
            ),
            {
                "type": fields.code(item, "type", where, InterventionType, "intervention type"),
                "name": fields.raw(item, "name"),
                "description": fields.raw(item, "description"),
                "arm_labels": fields.texts(item, "armGroupLabels", where),
                "other_names": fields.texts(item, "otherNames", where),
            },
        )
        for where, item in fields.objects(module, "interventions", here)
    ]
    return arms, interventions


def outcomes(
    fields: StudyFields, module: Mapping[str, Any], key: str, path: str
) -> list[TrialOutcome | None]:
    """The outcome measures listed under ``key`` of the outcomes module."""
    return [
        fields.build(
            TrialOutcome,
            paths_under(
                where, measure="measure", time_frame="timeFrame", description="description"
            ),
            {
                "measure": fields.raw(item, "measure"),
                "time_frame": fields.raw(item, "timeFrame"),
                "description": fields.raw(item, "description"),
            },
        )
        for where, item in fields.objects(module, key, path)
    ]


def eligibility(
    fields: StudyFields, protocol: Mapping[str, Any], path: str
) -> TrialEligibility | None:
    """``eligibilityModule``: criteria text, sex, age limits, healthy volunteers, age groups."""
    here = join_path(path, "eligibilityModule")
    module = fields.obj(protocol, "eligibilityModule", path)
    values = {
        "criteria": fields.raw(module, "eligibilityCriteria"),
        "sex": fields.code(module, "sex", here, EligibleSex, "sex"),
        "minimum_age": fields.age(module, "minimumAge", here),
        "maximum_age": fields.age(module, "maximumAge", here),
        "healthy_volunteers": fields.raw(module, "healthyVolunteers"),
        "standard_ages": fields.codes(module, "stdAges", here, StandardAge, "standard age group"),
    }
    paths = paths_under(
        here, criteria="eligibilityCriteria", healthy_volunteers="healthyVolunteers"
    )
    return fields.build(TrialEligibility, paths, values)


def locations(
    fields: StudyFields, protocol: Mapping[str, Any], path: str
) -> list[TrialLocation | None]:
    """``contactsLocationsModule.locations`` (contacts and coordinates are not kept)."""
    here = join_path(path, "contactsLocationsModule")
    module = fields.obj(protocol, "contactsLocationsModule", path)
    names = ("facility", "city", "state", "zip", "country")
    return [
        fields.build(
            TrialLocation,
            paths_under(where, **{name: name for name in names}),
            {
                **{name: fields.raw(location, name) for name in names},
                "status": fields.code(location, "status", where, RecruitmentStatus, "status"),
            },
        )
        for where, location in fields.objects(module, "locations", here)
    ]


def paths_under(base: str, **keys: str) -> dict[str, str]:
    """Model field -> CT.gov path under ``base`` (the model's own errors go to ``base``)."""
    return {"": base, **{field: join_path(base, key) for field, key in keys.items()}}
