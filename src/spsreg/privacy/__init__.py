"""Privacy at the site boundary: de-identification and disclosure control (pure, no I/O, no store).

With about one SPS patient per million, a single count of 1 in an aggregate can point to a person.
Every aggregate that leaves a site (exports, cross-site dashboards, feasibility counts, reports
marked for sharing) goes through the one disclosure-control function,
:func:`spsreg.privacy.disclosure.control_counts`; a site's own staff looking at their own patients
get exact counts. Import from the submodules.
"""

__all__: list[str] = []
