"""Exporters: one module per format, each writing domain objects (never SQL).

Exports are long and tidy (one table per section, keyed by patient and instance ids) and come with a
data dictionary generated from the domain model.
"""
