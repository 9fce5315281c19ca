"""The web application: server-rendered pages for clinicians, coordinators, patients and
researchers, and the JSON REST API under ``/api/v1`` (FastAPI, Jinja2, no front-end build).

Start it with ``spsreg serve``; build it in code with :func:`spsreg.web.app.create_app`. Every
request runs as the logged-in person's :class:`~spsreg.store.Actor`, so the store's site scope
applies to every page and every API call (see ``docs/web.md``).
"""
