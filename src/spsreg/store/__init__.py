"""Storage: SQLAlchemy tables, Alembic migrations, scoped and audited access (SQLite | PostgreSQL).

Start with :func:`open_registry` (or :class:`Registry` over :func:`create_engine_for`), and call
everything with the :class:`Actor` on whose behalf it runs. See ``docs/storage.md``.
"""

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
    open_registry,
)
from spsreg.store.scope import Actor, Role

__all__ = [
    "Actor",
    "AuditAction",
    "AuditEntry",
    "AuditHead",
    "AuditVerification",
    "ConflictError",
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
    "StoreError",
    "Versioned",
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
