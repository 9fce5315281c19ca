"""Setting up a trial's concealed randomization list.

The scheme comes from the trial record and the administrator's choices: the treatments are the
record's arm labels (or those given), except for a crossover trial (intervention model
``CROSSOVER``), whose treatments are the sequences ``AB`` and ``BA`` with A and B the first two
arms. The strata are every combination of the chosen factors' values (sites registered now,
every phenotype and "not recorded", every recorded sex). The seed is 32 bytes from
:mod:`secrets`; the whole list is generated (:func:`spsreg.trials.randomization.generate_list`)
and stored at once, and only a summary comes back (see :mod:`spsreg.store.randomization` for
what stays concealed, and from whom it cannot be).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from spsreg.domain.trials import InterventionModel
from spsreg.store import Actor, Registry, ScopeError
from spsreg.store.randomization import ListEntry, RandomizationSetup, strata_for
from spsreg.store.scope import Role
from spsreg.trials.randomization import (
    CROSSOVER_SEQUENCES,
    BlockScheme,
    generate_list,
    parse_ratio,
)

__all__ = ["DEFAULT_PER_STRATUM", "MAX_TREATMENT_LABEL", "setup_randomization"]

DEFAULT_PER_STRATUM = 40
"""Entries per stratum when neither ``per_stratum`` nor the trial's enrolment count says more."""
MAX_TREATMENT_LABEL = 200


def setup_randomization(
    registry: Registry,
    actor: Actor,
    nct_id: str,
    *,
    factors: Sequence[str],
    block_sizes: Sequence[int],
    ratio: str = "1:1",
    per_stratum: int | None = None,
    arms: Sequence[str] | None = None,
    reason: str = "randomization list set up",
) -> RandomizationSetup:
    """Generate and store the trial's whole list from a fresh secret seed (administrator)."""
    if actor.role is not Role.ADMIN:
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) cannot set up randomization: only an "
            "administrator can"
        )
    record = registry.get_trial(actor, nct_id).record
    labels = tuple(arms) if arms else tuple(arm.label for arm in record.arms)
    crossover = record.design.intervention_model is InterventionModel.CROSSOVER
    if len(labels) < 2:
        raise ValueError(f"trial {nct_id} lists fewer than two arms: name them with --arms")
    if any(len(label) > MAX_TREATMENT_LABEL for label in labels):
        raise ValueError(f"arm labels are limited to {MAX_TREATMENT_LABEL} characters")
    treatments = CROSSOVER_SEQUENCES if crossover else labels
    size = per_stratum or max(DEFAULT_PER_STRATUM, record.enrollment_count or 0)
    scheme = BlockScheme(
        treatments=treatments,
        ratio=parse_ratio(ratio, len(treatments)),
        block_sizes=tuple(block_sizes),
        per_stratum=size,
    )
    strata = strata_for(list(factors), [site.id for site in registry.list_sites(actor)])
    seed = secrets.token_bytes(32)
    entries = [ListEntry(**asdict(entry)) for entry in generate_list(scheme, strata, seed)]
    document: dict[str, Any] = {
        "design": "crossover" if crossover else "parallel",
        "factors": list(factors),
        "treatments": list(treatments),
        "ratio": list(scheme.ratio),
        "block_sizes": list(scheme.block_sizes),
        "per_stratum": size,
    }
    if crossover:
        document["sequence_arms"] = {"A": labels[0], "B": labels[1]}
    return registry.create_randomization_list(actor, nct_id, document, entries, seed, reason)
