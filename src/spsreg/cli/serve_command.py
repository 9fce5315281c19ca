"""``spsreg serve``: run the web application and the REST API (uvicorn)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from spsreg.cli.context import open_cli_registry
from spsreg.cli.output import fail

__all__ = ["register", "serve"]


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="worker processes")] = 1,
    session_idle_minutes: Annotated[
        float, typer.Option(min=1, help="log out after this many minutes without activity")
    ] = 15,
    session_lifetime_hours: Annotated[
        float, typer.Option(min=0.1, help="log out this many hours after login, active or not")
    ] = 8,
    monitoring_config: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="site monitoring configuration (YAML)"),
    ] = None,
    ssl_certfile: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="TLS certificate (PEM)")
    ] = None,
    ssl_keyfile: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="TLS private key (PEM)")
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(help="proxies trusted to say the request came over TLS (X-Forwarded-Proto)"),
    ] = None,
) -> None:
    """Serve the web pages and the /api/v1 REST API until stopped (Ctrl-C).

    Session cookies are marked Secure when the request came over TLS: serve with --ssl-certfile
    and --ssl-keyfile, or behind a TLS proxy named in --forwarded-allow-ips.
    """
    import uvicorn

    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise fail("give both --ssl-certfile and --ssl-keyfile, or neither")
    with open_cli_registry():
        pass  # refuses clearly when the database is missing or not at this schema
    os.environ["SPSREG_SESSION_IDLE_MINUTES"] = str(session_idle_minutes)
    os.environ["SPSREG_SESSION_LIFETIME_HOURS"] = str(session_lifetime_hours)
    if monitoring_config is not None:
        os.environ["SPSREG_MONITORING_CONFIG"] = str(monitoring_config.resolve())
    scheme = "https" if ssl_certfile else "http"
    typer.echo(f"spsreg serving on {scheme}://{host}:{port}/ (Ctrl-C to stop)", err=True)
    uvicorn.run(
        "spsreg.web.main:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level="warning",
        access_log=False,
    )
