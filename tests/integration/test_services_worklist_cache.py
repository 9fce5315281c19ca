"""The worklist cache on SQLite and PostgreSQL: the same worklist as the service, changes (a new
course, a decision) picked up within one refresh by re-evaluating only the changed patients, site
isolation, and one computation for many concurrent requests."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from record_examples import minimal_record

from spsreg.domain import (
    Dose,
    DoseUnit,
    DosingSchedule,
    MedicationCourse,
    PatientRecord,
    Route,
    Site,
    TherapyIntent,
)
from spsreg.services import monitoring as service
from spsreg.services import worklist_cache as cache_module
from spsreg.services.monitoring import (
    AmbiguousAlertError,
    UnknownAlertError,
    acknowledge,
    worklist,
)
from spsreg.services.worklist_cache import WorklistCache
from spsreg.store import Actor, Registry, Role, ScopeError
from spsreg.store.changes import changed_patients_since, patient_pseudonyms

DAY = date(2025, 6, 1)
DECIDED_AT = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
A1, A2, B1 = "p-wlc-a1", "p-wlc-a2", "p-wlc-b1"
COMBINATION = "benzodiazepine_with_opioid"


def course(patient_id: str, name: str, drug: str, mg: float, times: int) -> MedicationCourse:
    return MedicationCourse(
        id=f"{patient_id}-{name}",
        drug_id=drug,
        route=Route.ORAL,
        intent=TherapyIntent.SYMPTOMATIC,
        schedule=DosingSchedule.REGULAR,
        dose=Dose(value=mg, unit=DoseUnit.MG),
        times_per_period=times,
        period_days=1,
        start_date=date(2025, 1, 1),
    )


def patient(patient_id: str, site_id: str, *, opioid: bool) -> PatientRecord:
    courses = [course(patient_id, "dzp", "diazepam", 10, 3)]
    if opioid:
        courses.append(course(patient_id, "oxy", "oxycodone", 5, 2))
    return minimal_record(patient_id, site_id).model_copy(
        update={"medication_courses": tuple(courses)}
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stored(registry: Registry, admin: Actor) -> Registry:
    """A1 (SITE-A): diazepam with oxycodone; A2 (SITE-A): diazepam only; B1 (SITE-B): both."""
    for record in (
        patient(A1, "SITE-A", opioid=True),
        patient(A2, "SITE-A", opioid=False),
        patient(B1, "SITE-B", opioid=True),
    ):
        registry.save_patient_record(admin, record, reason="worklist cache test")
    return registry


def rules_of(listed: service.Worklist, patient_id: str) -> set[str]:
    return {e.alert.rule_id for e in listed.entries if e.alert.patient_id == patient_id}


def test_the_cached_worklist_equals_the_service_worklist(
    stored: Registry, admin: Actor, clinician_a: Actor, clinician_b: Actor
) -> None:
    cache = WorklistCache(timedelta(seconds=2))
    for actor, site in ((clinician_a, None), (clinician_b, None), (admin, None), (admin, "SITE-B")):
        for include_silenced in (False, True):
            expected = worklist(stored, actor, DAY, site=site, include_silenced=include_silenced)
            got = cache.current(stored, actor, DAY, site=site, include_silenced=include_silenced)
            assert got.entries == expected.entries and got.entries
            assert got.patients_evaluated == expected.patients_evaluated
            assert got.silenced_hidden == expected.silenced_hidden
    assert cache.full_computations == 3  # SITE-B's is shared by its clinician and the admin
    view = cache.view(stored, clinician_a, DAY)
    assert set(view.pseudonyms) == {A1, A2}
    assert view.pseudonym_of(A1) == patient(A1, "SITE-A", opioid=True).patient.pseudonym


def test_a_new_course_and_an_acknowledgement_are_picked_up_within_one_refresh(
    stored: Registry, clinician_a: Actor
) -> None:
    clock = FakeClock()
    cache = WorklistCache(timedelta(seconds=2), clock=clock)
    assert COMBINATION not in rules_of(cache.current(stored, clinician_a, DAY), A2)
    stored.add(clinician_a, A2, "medication_courses", course(A2, "oxy", "oxycodone", 5, 2), "pain")
    # Within the refresh interval the cached list is served as it was.
    assert COMBINATION not in rules_of(cache.current(stored, clinician_a, DAY), A2)
    clock.now += 2
    listed = cache.current(stored, clinician_a, DAY)
    assert COMBINATION in rules_of(listed, A2)
    assert listed.entries == worklist(stored, clinician_a, DAY).entries
    assert cache.full_computations == 1 and cache.patients_reevaluated == 2 + 1  # A2 only

    alert = next(e.alert for e in listed.entries if e.alert.rule_id == COMBINATION)
    acknowledge(stored, clinician_a, alert, reason="taper planned", at=DECIDED_AT)
    clock.now += 2
    after = cache.current(stored, clinician_a, DAY)
    assert alert.fingerprint not in {e.alert.fingerprint for e in after.entries}
    assert after.silenced_hidden == listed.silenced_hidden + 1
    silenced = cache.current(stored, clinician_a, DAY, include_silenced=True)
    assert silenced.entries == worklist(stored, clinician_a, DAY, include_silenced=True).entries
    assert cache.full_computations == 1

    # A new date is computed in full; a registry-wide change (a site) recomputes too.
    cache.current(stored, clinician_a, DAY + timedelta(days=1))
    assert cache.full_computations == 2
    stored.add_site(Actor("root", Role.ADMIN), Site(id="SITE-C", name="Site C", country="FR"))
    clock.now += 2
    cache.current(stored, clinician_a, DAY)
    assert cache.full_computations == 3


def test_a_site_actor_never_gets_another_sites_alerts(
    stored: Registry, admin: Actor, clinician_a: Actor, clinician_b: Actor
) -> None:
    clock = FakeClock()
    cache = WorklistCache(timedelta(seconds=2), clock=clock)
    b_list = cache.current(stored, clinician_b, DAY)
    b_alert = next(e for e in b_list.entries if e.alert.patient_id == B1)
    a_list = cache.current(stored, clinician_a, DAY)
    assert {e.alert.site_id for e in a_list.entries} == {"SITE-A"}
    assert B1 not in cache.view(stored, clinician_a, DAY).pseudonyms
    with pytest.raises(ScopeError):
        cache.current(stored, clinician_a, DAY, site="SITE-B")
    with pytest.raises(UnknownAlertError, match="no alert"):
        cache.resolve(stored, clinician_a, b_alert.alert_id, DAY)
    assert cache.resolve(stored, clinician_b, b_alert.alert_id.upper(), DAY) == b_alert
    with pytest.raises(UnknownAlertError, match="not an alert id"):
        cache.resolve(stored, clinician_a, "zz-top", DAY)
    # A change at site B is not even re-evaluated for site A.
    before = cache.patients_reevaluated
    stored.add(admin, B1, "medication_courses", course(B1, "bac", "baclofen", 5, 3), "started")
    clock.now += 2
    cache.current(stored, clinician_a, DAY)
    assert cache.patients_reevaluated == before
    for outsider in (
        Actor("res-1", Role.RESEARCHER, "SITE-A"),
        Actor("pt-1", Role.PATIENT, "SITE-A", patient_id=A1),
    ):
        with pytest.raises(ScopeError, match="no monitoring worklist"):
            cache.current(stored, outsider, DAY)


def test_an_ambiguous_alert_id_is_refused(
    stored: Registry, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = WorklistCache(timedelta(seconds=2))
    monkeypatch.setattr(cache_module, "MIN_PREFIX_LENGTH", 0)
    with pytest.raises(AmbiguousAlertError) as ambiguous:
        cache.resolve(stored, admin, "", DAY)
    assert len(ambiguous.value.candidates) >= 2


def test_changes_since_a_sequence_are_scoped_and_name_registry_wide_ones(
    stored: Registry, admin: Actor, clinician_a: Actor
) -> None:
    head, changed, wide = changed_patients_since(stored, admin, 0)
    assert changed == {A1, A2, B1} and wide  # the two sites were registered first
    assert changed_patients_since(stored, clinician_a, head) == (head, frozenset(), False)
    stored.add(admin, B1, "medication_courses", course(B1, "bac", "baclofen", 5, 3), "started")
    stored.add(admin, A1, "medication_courses", course(A1, "bac", "baclofen", 5, 3), "started")
    new_head, changed_a, wide_a = changed_patients_since(stored, clinician_a, head)
    assert (new_head, changed_a, wide_a) == (head + 2, frozenset({A1}), False)
    assert changed_patients_since(stored, admin, head, site_id="SITE-B")[1] == {B1}
    # The patient moves to site B: site A's cache must hear of it.
    moved = stored.get(admin, "patient", A1)
    stored.update(
        admin,
        "patient",
        moved.record.model_copy(update={"site_id": "SITE-B"}),
        moved.version,
        "moved",
    )
    assert A1 in changed_patients_since(stored, clinician_a, new_head)[1]
    assert patient_pseudonyms(stored, clinician_a, [A1, A2, B1]).keys() == {A2}


def test_concurrent_requests_for_one_worklist_compute_it_once(
    stored: Registry, clinician_a: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    original = service.evaluate_patients

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        time.sleep(0.2)  # long enough for every thread to arrive while it runs
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "evaluate_patients", counted)
    cache = WorklistCache(timedelta(seconds=60))
    barrier = threading.Barrier(8)
    results: list[service.Worklist] = []

    def request() -> None:
        barrier.wait()
        results.append(cache.current(stored, clinician_a, DAY))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and cache.full_computations == 1
    assert len(results) == 8 and all(r.entries == results[0].entries for r in results)
