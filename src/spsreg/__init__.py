"""spsreg: Stiff Person Syndrome registry, therapy monitoring and evidence platform."""

__version__ = "0.1.0"
