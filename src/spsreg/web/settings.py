"""Settings of the web application: the database, the session policy and the date it runs on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from spsreg.store.sessions import SessionPolicy

__all__ = ["WebSettings"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WebSettings:
    """How one app instance runs.

    ``database_url``: the registry (``spsreg.store.config.database_url_from_env`` by default).
    ``session``: idle timeout, absolute lifetime and how often activity is written.
    ``monitoring_config``: a site monitoring configuration file (YAML), as for ``spsreg alerts``.
    ``clock``: the current time (tests pass a fixed one); ``today`` follows it.
    ``worklist_refresh``: how old the cached worklist may get before the audit trail is checked
    again for changed patients.
    ``warm_worklists``: compute every site's worklist for today in the background at startup, so
    the first visitors do not wait for it.
    """

    database_url: str
    session: SessionPolicy = field(default_factory=SessionPolicy)
    monitoring_config: Path | None = None
    clock: Callable[[], datetime] = _utc_now
    worklist_refresh: timedelta = timedelta(seconds=2)
    warm_worklists: bool = False

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()
