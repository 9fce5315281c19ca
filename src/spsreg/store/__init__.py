"""Storage: SQLAlchemy tables, Alembic migrations, scoped and audited access (SQLite | PostgreSQL).

Start with :func:`open_registry` (or :class:`Registry` over :func:`create_engine_for`), and call
everything with the :class:`Actor` on whose behalf it runs. See ``docs/storage.md``.
"""

from spsreg.store.access_log import AccessEntry
from spsreg.store.api_tokens import ApiToken
from spsreg.store.audit import (
    AuditAction,
    AuditEntry,
    AuditHead,
    AuditVerification,
    audit_head,
    iter_audit_entries,
    verify_audit_chain,
)
from spsreg.store.config import create_engine_for, data_dir, database_url_from_env
from spsreg.store.edits import Versioned
from spsreg.store.errors import ConflictError, NotFoundError, ScopeError, StoreError
from spsreg.store.mapping import RecordKind
from spsreg.store.migrate import SchemaStatus, migrate, schema_status
from spsreg.store.registry import (
    OnExisting,
    PatientSummary,
    Registry,
    RegistryStatistics,
    SaveOutcome,
    SaveStatus,
    WrongPasswordError,
    open_registry,
)
from spsreg.store.scope import Actor, Role
from spsreg.store.sessions import ActiveSession, NewSession, SessionPolicy

__all__ = [
    "AccessEntry",
    "ActiveSession",
    "Actor",
    "ApiToken",
    "AuditAction",
    "AuditEntry",
    "AuditHead",
    "AuditVerification",
    "ConflictError",
    "NewSession",
    "NotFoundError",
    "OnExisting",
    "PatientSummary",
    "RecordKind",
    "Registry",
    "RegistryStatistics",
    "Role",
    "SaveOutcome",
    "SaveStatus",
    "SchemaStatus",
    "ScopeError",
    "SessionPolicy",
    "StoreError",
    "Versioned",
    "WrongPasswordError",
    "audit_head",
    "create_engine_for",
    "data_dir",
    "database_url_from_env",
    "iter_audit_entries",
    "migrate",
    "open_registry",
    "schema_status",
    "verify_audit_chain",
]
