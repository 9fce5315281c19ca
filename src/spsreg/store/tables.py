"""The registry schema as SQLAlchemy Core tables (portable: SQLite and PostgreSQL).

Layout:

* ``sites``, ``patients`` (pseudonymised), ``patient_identifiers`` (identifiable data, one row per
  patient, readable only by the patient's own site).
* One table per section of :class:`~spsreg.domain.record.PatientRecord`. Each row carries its
  ``patient_id``, a ``position`` (the record's tuples are ordered, and a round trip must give back
  the same order) and a ``row_version`` for optimistic concurrency. Nested sections
  (``assessments`` of a visit, ``itb_pump_refills`` of a pump) also name their parent.
* ``audit_log`` (hash-chained, append-only) and ``schema_info``.
* ``trials``: trial records (public ClinicalTrials.gov data, not site data), one row per NCT
  number holding the whole record as JSON plus a few columns to filter on. Later trial work
  (eligibility criteria, screening, enrolment) refers to a trial by its ``nct_id``.
* ``trial_criteria`` (a trial's structured eligibility criteria), ``trial_enrolments``,
  ``randomization_lists`` (the scheme and its secret seed) and ``allocations`` (the whole
  generated list, each entry taken by one patient at most; see
  :mod:`spsreg.store.randomization` for what keeps unused entries concealed, and its limits).
* ``users`` (accounts: role, site, argon2id password hash) and ``login_failures`` (one row per
  failed login, for the lockout window); see :mod:`spsreg.store.accounts`.
* ``web_sessions`` (SHA-256 of each session token, never the token), ``api_tokens`` (SHA-256 of
  each token's secret) and ``access_log`` (who read identifiable data, append-only); see
  :mod:`spsreg.store.sessions`, :mod:`spsreg.store.api_tokens`, :mod:`spsreg.store.access_log`.

Coded values (enums) are stored as their text value, not as database enum types: the domain model
validates them, and a new code then needs no ALTER TYPE migration. Record ids are primary keys per
table, so a record id identifies one record registry-wide. Column lengths follow the domain's
``max_length`` limits. The mapping between these columns and the domain classes is in
:mod:`spsreg.store.mapping`; Alembic migrations in ``migrations/versions`` must match this module
exactly (a test compares them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeDecorator

__all__ = [
    "ACCESS_LOG",
    "ADMINISTRATIONS",
    "ADVERSE_EVENTS",
    "ALERT_ACKNOWLEDGEMENTS",
    "ALLOCATIONS",
    "API_TOKENS",
    "ASSESSMENTS",
    "AUDIT_LOG",
    "COMORBIDITIES",
    "CONSENTS",
    "DIARY_ENTRIES",
    "GENETIC_MARKERS",
    "ITB_PUMPS",
    "ITB_PUMP_REFILLS",
    "LAB_RESULTS",
    "LOGIN_FAILURES",
    "MEDICATION_COURSES",
    "NON_DRUG_THERAPIES",
    "PATIENTS",
    "PATIENT_IDENTIFIERS",
    "PROCEDURES",
    "RANDOMIZATION_LISTS",
    "SCHEMA_INFO",
    "SITES",
    "TRIALS",
    "TRIAL_CRITERIA",
    "TRIAL_ENROLMENTS",
    "USERS",
    "VISITS",
    "WEB_SESSIONS",
    "JSONText",
    "metadata",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so that migrations can name what they create and alter."""

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class JSONText(TypeDecorator[Any]):
    """A JSON column written as JSON text that the store has already serialised.

    The store serialises JSON fields once, with pydantic (fast, and exact for floats); the column
    then passes that text through instead of serialising it again. Reads return Python values as
    with a plain JSON column. The database type is JSON on both backends.
    """

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


ID = 64  # RecordId: 1-64 characters
CODE = 32  # length of a stored enum value


def _id(
    name: str,
    *args: SchemaItem,
    nullable: bool = False,
    primary_key: bool = False,
    index: bool | None = None,
) -> Column[str]:
    return Column(name, String(ID), *args, nullable=nullable, primary_key=primary_key, index=index)


def _row_version() -> Column[int]:
    return Column("row_version", Integer, nullable=False)


def _section(name: str, *items: SchemaItem, date_column: str | None = None) -> Table:
    """A patient-record section table: id, patient_id, position, row_version, then its fields."""
    indexes: list[SchemaItem] = [Index(None, "patient_id", "position")]
    if date_column is not None:
        indexes.append(Index(None, date_column))
    return Table(
        name,
        metadata,
        _id("id", primary_key=True),
        _id("patient_id", ForeignKey("patients.id")),
        Column("position", Integer, nullable=False),
        _row_version(),
        *items,
        *indexes,
    )


SITES = Table(
    "sites",
    metadata,
    _id("id", primary_key=True),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    _row_version(),
)

PATIENTS = Table(
    "patients",
    metadata,
    _id("id", primary_key=True),
    Column("pseudonym", String(32), nullable=False, unique=True),
    _id("site_id", ForeignKey("sites.id"), index=True),
    Column("sex", String(CODE), nullable=False),
    Column("birth_year_month", String(7), nullable=False),
    Column("vital_status", String(CODE), nullable=False),
    Column("date_of_death", Date),
    Column("first_contact_date", Date),
    Column("onset_date", Date),
    Column("diagnosis_date", Date, index=True),
    Column("diagnosis_code", Text, nullable=False),
    Column("genetic_diagnosis", String(200)),
    Column("undiagnosed", Boolean, nullable=False),
    Column("phenotype", String(CODE), index=True),
    Column("biobank_link", String(200)),
    Column("functioning_classification", String(200)),
    _row_version(),
)

PATIENT_IDENTIFIERS = Table(
    "patient_identifiers",
    metadata,
    _id("patient_id", ForeignKey("patients.id"), primary_key=True),
    Column("given_name", String(100), nullable=False),
    Column("family_name", String(100), nullable=False),
    Column("hospital_number", String(50), nullable=False, index=True),
    Column("date_of_birth", Date, nullable=False),
    Column("address", String(300)),
    Column("phone", String(50)),
    Column("email", String(200)),
    _row_version(),
)

CONSENTS = _section(
    "consents",
    Column("kind", String(CODE), nullable=False),
    Column("status", String(CODE), nullable=False),
    Column("recorded_on", Date, nullable=False),
    Column("withdrawn_on", Date),
    date_column="recorded_on",
)

LAB_RESULTS = _section(
    "lab_results",
    Column("analyte", String(64), nullable=False, index=True),
    Column("collected_on", Date, nullable=False),
    Column("specimen", String(CODE), nullable=False),
    Column("method", String(CODE), nullable=False),
    Column("value", Double),
    Column("unit", String(32)),
    Column("qualitative", String(CODE)),
    Column("titre_denominator", Integer),
    Column("laboratory", String(200)),
    date_column="collected_on",
)

COMORBIDITIES = _section(
    "comorbidities",
    Column("kind", String(CODE), nullable=False, index=True),
    Column("detail", String(200)),
    Column("diagnosed_on", Date),
    Column("resolved_on", Date),
)

GENETIC_MARKERS = _section(
    "genetic_markers",
    Column("system", String(32), nullable=False),
    Column("locus", String(32), nullable=False),
    Column("allele", String(64), nullable=False),
    Column("tested_on", Date),
    Column("method", String(64)),
)

VISITS = _section(
    "visits",
    Column("visit_date", Date, nullable=False),
    Column("kind", String(CODE), nullable=False),
    Column("weight_kg", Double),
    date_column="visit_date",
)

ASSESSMENTS = Table(
    "assessments",
    metadata,
    _id("id", primary_key=True),
    _id("patient_id", ForeignKey("patients.id")),
    _id("visit_id", ForeignKey("visits.id"), index=True),
    Column("position", Integer, nullable=False),
    _row_version(),
    Column("scale_id", String(64), nullable=False, index=True),
    Column("scale_version", String(32), nullable=False),
    Column("responses", JSONText, nullable=False),
    Index(None, "patient_id", "position"),
    UniqueConstraint("visit_id", "scale_id"),
)

MEDICATION_COURSES = _section(
    "medication_courses",
    Column("drug_id", String(64), nullable=False, index=True),
    Column("route", String(CODE), nullable=False),
    Column("intent", String(CODE), nullable=False),
    Column("schedule", String(CODE), nullable=False),
    Column("dose_value", Double, nullable=False),
    Column("dose_unit", String(CODE), nullable=False),
    Column("times_per_period", Integer),
    Column("period_days", Integer),
    Column("course_days", Integer),
    Column("weight_kg", Double),
    Column("start_date", Date, nullable=False),
    Column("stop_date", Date),
    Column("stop_reason", String(CODE)),
    _id("previous_course_id", nullable=True),
    date_column="start_date",
)

ADMINISTRATIONS = _section(
    "administrations",
    _id("course_id", index=True),
    Column("given_on", Date, nullable=False),
    Column("dose_value", Double, nullable=False),
    Column("dose_unit", String(CODE), nullable=False),
    Column("cycle_number", Integer),
    Column("day_of_cycle", Integer),
    date_column="given_on",
)

ITB_PUMPS = _section(
    "itb_pumps",
    Column("implanted_on", Date, nullable=False),
    Column("removed_on", Date),
    Column("reservoir_volume_ml", Double, nullable=False),
    Column("device", String(100)),
)

ITB_PUMP_REFILLS = Table(
    "itb_pump_refills",
    metadata,
    _id("id", primary_key=True),
    _id("patient_id", ForeignKey("patients.id")),
    _id("pump_id", ForeignKey("itb_pumps.id"), index=True),
    Column("position", Integer, nullable=False),
    _row_version(),
    Column("refilled_on", Date, nullable=False, index=True),
    Column("volume_ml", Double, nullable=False),
    Column("concentration_mcg_per_ml", Double, nullable=False),
    Column("daily_dose_mcg", Double, nullable=False),
    Column("alarm_date", Date),
    Index(None, "patient_id", "position"),
)

PROCEDURES = _section(
    "procedures",
    Column("kind", String(CODE), nullable=False, index=True),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("sessions", Integer),
    Column("detail", String(200)),
    date_column="start_date",
)

NON_DRUG_THERAPIES = _section(
    "non_drug_therapies",
    Column("kind", String(CODE), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("stop_date", Date),
    Column("sessions_per_month", Double),
    Column("detail", String(200)),
)

ADVERSE_EVENTS = _section(
    "adverse_events",
    Column("term", String(120), nullable=False, index=True),
    Column("grade", Integer, nullable=False),
    Column("onset_date", Date, nullable=False),
    Column("resolved_date", Date),
    Column("serious", Boolean, nullable=False),
    Column("suspected_course_ids", JSONText, nullable=False),
    Column("outcome", String(CODE), nullable=False),
    Column("action_taken", String(CODE), nullable=False),
    date_column="onset_date",
)

DIARY_ENTRIES = _section(
    "diary_entries",
    Column("entry_date", Date, nullable=False),
    Column("stiffness", Integer),
    Column("spasm_count", Integer),
    Column("falls", Integer),
    Column("triggers", JSONText, nullable=False),
    Column("sedation", Integer),
    Column("doses_taken", JSONText, nullable=False),
    UniqueConstraint("patient_id", "entry_date"),
)

AUDIT_LOG = Table(
    "audit_log",
    metadata,
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("recorded_at", String(32), nullable=False),
    Column("actor_user", String(200), nullable=False),
    Column("actor_role", String(CODE), nullable=False),
    Column("actor_site_id", String(ID)),
    Column("action", String(CODE), nullable=False),
    Column("entity_kind", String(CODE), nullable=False),
    Column("entity_id", String(ID), nullable=False),
    # No foreign key: the trail of a deleted patient must outlive the patient.
    Column("patient_id", String(ID), index=True),
    Column("before", Text),
    Column("after", Text),
    Column("reason", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Index(None, "entity_kind", "entity_id"),
)

SCHEMA_INFO = Table(
    "schema_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

ALERT_ACKNOWLEDGEMENTS = Table(
    "alert_acknowledgements",
    metadata,
    _id("id", primary_key=True),
    # Checked at commit: replacing a whole record deletes and re-inserts the patient row in one
    # transaction, and the patient's decisions must survive that (see store/acknowledgements.py).
    _id("patient_id", ForeignKey("patients.id", deferrable=True, initially="DEFERRED")),
    _id("rule_id"),
    Column("fingerprint", String(128), nullable=False),
    Column("kind", String(CODE), nullable=False),
    Column("reason", Text, nullable=False),
    Column("acknowledged_by", String(200), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True), nullable=False),
    Column("snoozed_until", Date),
    _row_version(),
    Index(None, "patient_id", "rule_id"),
)

TRIALS = Table(
    "trials",
    metadata,
    Column("nct_id", String(11), primary_key=True),  # 'NCT' and 8 digits
    Column("overall_status", String(CODE), index=True),
    Column("phase", String(CODE)),  # the phases joined as CT.gov lists them: PHASE2/PHASE3
    Column("intervention_model", String(CODE)),
    Column("last_update_posted", Date),
    Column("record", JSONText, nullable=False),  # the whole TrialRecord (spsreg.trials)
    _row_version(),
)

TRIAL_CRITERIA = Table(
    "trial_criteria",
    metadata,
    Column("nct_id", String(11), ForeignKey("trials.nct_id"), primary_key=True),
    Column("document_text", Text, nullable=False),  # the YAML or JSON exactly as given
    Column("document", JSONText, nullable=False),  # the validated criteria as canonical JSON
    Column("version", Integer, nullable=False),  # 1 for the first document, +1 per replacement
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    _row_version(),
)

TRIAL_ENROLMENTS = Table(
    "trial_enrolments",
    metadata,
    Column("nct_id", String(11), ForeignKey("trials.nct_id"), primary_key=True),
    # Checked at commit, as for alert decisions: a whole-record replace re-inserts the patient row.
    _id(
        "patient_id",
        ForeignKey("patients.id", deferrable=True, initially="DEFERRED"),
        primary_key=True,
    ),
    _id("site_id", index=True),
    Column("status", String(CODE), nullable=False),  # enrolled, withdrawn
    Column("screened_on", Date, nullable=False),  # the date the patient was screened eligible
    Column("criteria_version", Integer, nullable=False),
    Column("enrolled_on", Date, nullable=False),
    Column("enrolled_by", String(200), nullable=False),
    Column("withdrawn_on", Date),
    _row_version(),
)

RANDOMIZATION_LISTS = Table(
    "randomization_lists",
    metadata,
    Column("nct_id", String(11), ForeignKey("trials.nct_id"), primary_key=True),
    Column("scheme", JSONText, nullable=False),  # factors, treatments, ratio, block sizes, size
    Column("seed", String(128), nullable=False),  # secret: never returned by the store
    Column("list_digest", String(64), nullable=False),  # SHA-256 of seed and list (commitment)
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    _row_version(),
)

ALLOCATIONS = Table(
    "allocations",
    metadata,
    Column("nct_id", String(11), ForeignKey("randomization_lists.nct_id"), primary_key=True),
    Column("stratum", String(200), primary_key=True),
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("block", Integer, nullable=False),
    Column("block_size", Integer, nullable=False),
    Column("treatment", String(200), nullable=False),  # an arm label, or a sequence (AB, BA)
    _id(
        "patient_id",
        ForeignKey("patients.id", deferrable=True, initially="DEFERRED"),
        nullable=True,
    ),
    Column("allocated_at", DateTime(timezone=True)),
    Column("allocated_by", String(200)),
    _row_version(),
    UniqueConstraint("nct_id", "patient_id"),
)

USERS = Table(
    "users",
    metadata,
    Column("name", String(200), primary_key=True),  # the Actor.user of the account
    Column("role", String(CODE), nullable=False),
    _id("site_id", ForeignKey("sites.id"), nullable=True, index=True),
    # No foreign key: a whole-record replace re-inserts the patient row, and an account may
    # outlive a deleted record (it then sees no patient data).
    _id("patient_id", nullable=True),
    Column("password_hash", String(512), nullable=False),  # argon2id PHC string; never returned
    Column("disabled", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
    _row_version(),
)

LOGIN_FAILURES = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(200), ForeignKey("users.name"), nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False),
    Index(None, "user_name", "failed_at"),
)

WEB_SESSIONS = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 hex of the token (never stored)
    Column("user_name", String(200), ForeignKey("users.name"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),  # useless without the session cookie
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),  # the absolute end
)

API_TOKENS = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),  # public part of the token
    Column("secret_hash", String(64), nullable=False),  # SHA-256 hex of the secret part
    Column("user_name", String(200), ForeignKey("users.name"), nullable=False, index=True),
    Column("role", String(CODE), nullable=False),
    _id("site_id", ForeignKey("sites.id"), nullable=True),
    _id("patient_id", nullable=True),  # no foreign key, as for users
    Column("label", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
    _row_version(),
)

ACCESS_LOG = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("actor_user", String(200), nullable=False),
    Column("actor_role", String(CODE), nullable=False),
    Column("actor_site_id", String(ID)),
    # No foreign key: the trail of a deleted patient must outlive the patient.
    Column("patient_id", String(ID), index=True),
    Column("what", String(CODE), nullable=False),
    Column("channel", String(CODE), nullable=False),
)
