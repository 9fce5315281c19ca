"""The rule kinds: one module per kind, registered here by kind name.

Adding a rule of an existing kind is data only (rules.yaml). Adding a kind is a parameter model in
``spsreg.knowledge.rule_parameters`` plus a module here with its :class:`RuleCheck`.
"""

from collections.abc import Mapping
from types import MappingProxyType

from spsreg.monitoring.kinds.assessment_gap import AssessmentGapCheck
from spsreg.monitoring.kinds.base import RuleCheck
from spsreg.monitoring.kinds.benzodiazepine_load import BenzodiazepineLoadCheck
from spsreg.monitoring.kinds.combination import CombinationCheck
from spsreg.monitoring.kinds.diary_sedation import DiarySedationCheck
from spsreg.monitoring.kinds.dose_limit import DoseLimitCheck
from spsreg.monitoring.kinds.infusion_schedule import InfusionScheduleCheck
from spsreg.monitoring.kinds.lab_monitoring import LabMonitoringCheck
from spsreg.monitoring.kinds.pump_refill import PumpRefillCheck
from spsreg.monitoring.kinds.rising_falls import RisingFallsCheck
from spsreg.monitoring.kinds.risk_reminder import RiskReminderCheck
from spsreg.monitoring.kinds.withdrawal import WithdrawalCheck

__all__ = ["KINDS", "RuleCheck"]

KINDS: Mapping[str, type[RuleCheck]] = MappingProxyType(
    {
        kind.kind: kind
        for kind in (
            DoseLimitCheck,
            BenzodiazepineLoadCheck,
            CombinationCheck,
            WithdrawalCheck,
            PumpRefillCheck,
            InfusionScheduleCheck,
            LabMonitoringCheck,
            RiskReminderCheck,
            AssessmentGapCheck,
            DiarySedationCheck,
            RisingFallsCheck,
        )
    }
)
"""Kind name -> its check class."""
