"""The clinical data-entry forms: new patient, visit with scales, medication course (new and
edit, with the live safety check), lab result and adverse event.

Each form is for the staff of the patient's site (an administrator may enter pseudonymised data at
any site; the store refuses identifiers from anyone but the site's staff). Errors come back in
plain language next to the field with everything typed kept; a saved entry redirects (303) to the
patient page with a signed notice (:func:`~spsreg.web.pages.patient_forms_common.read_notice`).
"""

from fastapi import APIRouter

from spsreg.web.pages import (
    patient_forms_medication,
    patient_forms_patient,
    patient_forms_results,
    patient_forms_visit,
)
from spsreg.web.pages.patient_forms_common import read_notice

__all__ = ["read_notice", "router"]

router = APIRouter()
for _module in (
    patient_forms_patient,
    patient_forms_visit,
    patient_forms_medication,
    patient_forms_results,
):
    router.include_router(_module.router)
