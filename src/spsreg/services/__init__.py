"""Services: the use cases that join the store and the engines above it (monitoring).

The command line (and later the web application) calls these; each takes the
:class:`~spsreg.store.Actor` on whose behalf it runs, and the store applies that actor's scope.
See :mod:`spsreg.services.monitoring` (worklist, decisions about alerts, evaluation on change).
"""
