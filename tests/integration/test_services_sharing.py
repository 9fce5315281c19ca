"""Who gets exact counts and who gets controlled ones (on SQLite and PostgreSQL).

The sharing service decides the audience from the actor and the sites an output covers: a site's
own staff about their own patients and the registry administrator inside the registry get exact
counts; a researcher, anything covering another site, or an output marked for sharing get counts
through disclosure control.
The registry statistics released through it hold no count in 1..threshold when shared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spsreg.privacy.disclosure import Audience, DisclosurePolicy, RoundingRule
from spsreg.services.sharing import (
    DisclosureConfigError,
    decide_audience,
    load_disclosure_policy,
    per_patient_refusal,
    sharing_for,
)
from spsreg.services.statistics_release import release_statistics
from spsreg.store import Actor, Registry, Role
from spsreg.synth import CohortConfig, iter_synthetic_patients

COORDINATOR_A = Actor("coordinator-a", Role.COORDINATOR, "SITE-A")
RESEARCHER_A = Actor("researcher-a", Role.RESEARCHER, "SITE-A")


def test_own_site_staff_get_exact_counts_of_their_own_patients_only(
    clinician_a: Actor, admin: Actor
) -> None:
    assert decide_audience(clinician_a, {"SITE-A"}, share=False)[0] is Audience.OWN_SITE_STAFF
    assert decide_audience(COORDINATOR_A, set(), share=False)[0] is Audience.OWN_SITE_STAFF
    administrator = decide_audience(admin, {"SITE-A", "SITE-B"}, share=False)
    assert administrator[0] is Audience.REGISTRY_ADMINISTRATOR and "--share" in administrator[1]
    shared = [
        decide_audience(clinician_a, {"SITE-A"}, share=True),
        decide_audience(clinician_a, {"SITE-A", "SITE-B"}, share=False),
        decide_audience(RESEARCHER_A, {"SITE-A"}, share=False),
        decide_audience(admin, {"SITE-A"}, share=True),
    ]
    assert [audience for audience, _ in shared] == [Audience.SHARED] * 4
    assert "--share" in shared[0][1] and "SITE-B" in shared[1][1]
    assert "researcher" in shared[2][1] and "--share" in shared[3][1]


def test_a_researcher_is_refused_a_per_patient_analysis(clinician_a: Actor, admin: Actor) -> None:
    assert per_patient_refusal(RESEARCHER_A) is not None
    assert per_patient_refusal(clinician_a) is None and per_patient_refusal(admin) is None


def test_the_policy_file_sets_the_policy_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "policy.yaml"
    good.write_text("threshold: 10\nrounding_rule: up\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("threshold: -1\n", encoding="utf-8")

    assert load_disclosure_policy(None) == DisclosurePolicy()
    assert load_disclosure_policy(good) == DisclosurePolicy(
        threshold=10, rounding_rule=RoundingRule.UP
    )
    with pytest.raises(DisclosureConfigError, match="threshold"):
        load_disclosure_policy(bad)
    with pytest.raises(DisclosureConfigError, match="cannot read"):
        load_disclosure_policy(tmp_path / "missing.yaml")


@pytest.fixture
def populated(registry: Registry, admin: Actor) -> Registry:
    config = CohortConfig(patients=10, sites=2, years=1, seed=5)
    for synthetic in iter_synthetic_patients(config):
        registry.save_patient_record(admin, synthetic.record, reason="sharing test")
    return registry


def test_statistics_are_exact_for_own_site_staff_and_controlled_for_the_others(
    populated: Registry, admin: Actor, clinician_a: Actor
) -> None:
    own = populated.statistics(clinician_a)
    exact = release_statistics(own, sharing_for(clinician_a, own.per_site))
    everything = populated.statistics(admin)
    administrator = release_statistics(everything, sharing_for(admin, everything.per_site))
    controlled = release_statistics(everything, sharing_for(admin, everything.per_site, share=True))
    shared_own = release_statistics(own, sharing_for(clinician_a, own.per_site, share=True))

    assert exact.per_site == own.per_site and exact.per_table == own.per_table
    assert exact.metadata()["disclosure_control"]["counts"] == "exact"
    assert administrator.per_site == everything.per_site
    assert administrator.metadata()["disclosure_control"]["audience"] == "registry_administrator"
    for release in (controlled, shared_own):
        metadata = release.metadata()["disclosure_control"]
        assert metadata["audience"] == "shared" and metadata["threshold"] == 7
        released = [
            *(count for counts in release.per_site.values() for count in counts.values()),
            *(count for name, count in release.per_table.items() if name != "sites"),
        ]
        assert all(count is None or (count == 0 or count > 7) for count in released)
        assert all(count is None or count % 5 == 0 for count in released)
    assert controlled.per_table["sites"] == 2
    assert controlled.metadata()["disclosure_control"]["tables"]["rows_per_site"]["suppressed"]
