"""Importers: one module per format, each reading a file into domain objects (never SQL).

Every reader reports problems as :class:`spsreg.ingest.errors.RecordError` values instead of
raising, so that one bad record never stops the good ones from being read.
"""
