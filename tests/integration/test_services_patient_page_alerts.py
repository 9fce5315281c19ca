"""The patient page's alerts taken from the worklist cache are those of a fresh evaluation.

With the app's :class:`WorklistCache`, :func:`patient_page` lists the patient's entries of the
cached worklist of their site instead of evaluating the rules again. They must be the alerts (and
the silenced count) a direct evaluation gives, only this patient's, and up to date at once after a
decision even though the cache itself would wait an hour before checking the audit trail.
"""

from __future__ import annotations

from datetime import date, timedelta

from record_examples import full_record

from spsreg.services.monitoring import acknowledge, worklist
from spsreg.services.patient_overview import PatientPage, patient_page
from spsreg.services.worklist_cache import WorklistCache
from spsreg.store import Actor, Registry

A, B = "p-0001", "p-0002"
AS_OF = date(2020, 6, 1)  # full_record raises several alerts on this day


def rule_ids(page: PatientPage) -> list[tuple[str, str]]:
    return [(entry.alert.rule_id, entry.alert.fingerprint) for entry in page.alerts]


def test_page_alerts_from_the_cache_match_a_fresh_evaluation(
    registry: Registry, clinician_a: Actor
) -> None:
    registry.save_patient_record(clinician_a, full_record(A, "SITE-A"), reason="import")
    registry.save_patient_record(clinician_a, full_record(B, "SITE-A"), reason="import")
    cache = WorklistCache(timedelta(hours=1))
    cache.view(registry, clinician_a, AS_OF)  # filled before the decision below

    direct = patient_page(registry, clinician_a, A, as_of=AS_OF)
    cached = patient_page(registry, clinician_a, A, as_of=AS_OF, worklist_cache=cache)
    assert len(direct.alerts) >= 2
    assert rule_ids(cached) == rule_ids(direct)
    assert cached.alerts == direct.alerts
    assert {entry.alert.patient_id for entry in cached.alerts} == {A}
    site_list = cache.current(registry, clinician_a, AS_OF).entries
    assert [e for e in site_list if e.alert.patient_id == A] == list(cached.alerts)
    assert any(e.alert.patient_id == B for e in site_list)

    first = direct.alerts[0].alert
    acknowledge(registry, clinician_a, first, reason="seen in clinic")
    direct = patient_page(registry, clinician_a, A, as_of=AS_OF)
    cached = patient_page(registry, clinician_a, A, as_of=AS_OF, worklist_cache=cache)
    assert direct.silenced_alerts == cached.silenced_alerts == 1
    assert first.fingerprint not in {entry.alert.fingerprint for entry in cached.alerts}
    assert cached.alerts == direct.alerts
    fresh = worklist(registry, clinician_a, AS_OF, patient_ids=[A])
    assert cached.alerts == fresh.entries
