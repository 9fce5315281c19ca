"""Allow ``python -m spsreg``."""

from spsreg.cli.main import app

app(prog_name="spsreg")
