"""The ``spsreg`` command line: thin Typer commands that parse, call a service and print."""
