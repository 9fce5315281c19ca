"""The SPS knowledge pack: cited clinical facts as data, with typed loaders that check them.

Add the public names of a new area (e.g. scales) as an import line and to ``__all__``.
"""

from spsreg.knowledge.citation import Citation, EvidenceLevel
from spsreg.knowledge.drugs import Drug, DrugClass, Interaction, MonitoringNeed, RouteDosing
from spsreg.knowledge.errors import (
    KnowledgePackError,
    PackProblem,
    UnknownDrugError,
    UnknownLabAnalyteError,
    UnknownPackEntryError,
    UnknownPhenotypeError,
)
from spsreg.knowledge.labs import LAB_UNITS, LabAnalyte, LabMeasurement, LabThreshold
from spsreg.knowledge.pack import (
    KnowledgePack,
    UnverifiedEntry,
    load_knowledge_pack,
    load_knowledge_pack_from,
)

__all__ = [
    "LAB_UNITS",
    "Citation",
    "Drug",
    "DrugClass",
    "EvidenceLevel",
    "Interaction",
    "KnowledgePack",
    "KnowledgePackError",
    "LabAnalyte",
    "LabMeasurement",
    "LabThreshold",
    "MonitoringNeed",
    "PackProblem",
    "RouteDosing",
    "UnknownDrugError",
    "UnknownLabAnalyteError",
    "UnknownPackEntryError",
    "UnknownPhenotypeError",
    "UnverifiedEntry",
    "load_knowledge_pack",
    "load_knowledge_pack_from",
]
