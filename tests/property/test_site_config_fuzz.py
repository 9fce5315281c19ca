"""Damaged site configuration files (monitoring settings, disclosure policy) never crash or hang
their loaders: a configuration, or the loader's own error naming the file."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from fuzz_limits import bounded, damaged_bytes, junk, mutation_of
from hypothesis import example, given, settings
from hypothesis import strategies as st

from spsreg.monitoring.engine import load_rule_book
from spsreg.privacy.disclosure import DisclosurePolicy
from spsreg.services.monitoring import SiteConfigError, SiteMonitoringConfig, load_site_config
from spsreg.services.sharing import DisclosureConfigError, load_disclosure_policy

FUZZ = settings(deadline=None, max_examples=60)
RULES = load_rule_book()
RULE_ID = "benzodiazepine_load_escalation"  # a shipped rule with a window_days setting
MONITORING: Any = {"settings": {RULE_ID: {"window_days": 30}}, "disabled_rules": [RULE_ID]}
DISCLOSURE: Any = {"threshold": 8, "rounding_base": 5, "rounding_rule": "nearest"}


def _contents(valid: Any) -> st.SearchStrategy[bytes]:
    text = yaml.safe_dump(valid).encode()
    dumped = (mutation_of(valid) | junk).map(lambda doc: yaml.safe_dump(doc).encode())
    return dumped | damaged_bytes(text)


EXAMPLES = (
    b"\xff\xfe",  # not UTF-8 (was a UnicodeDecodeError)
    b"threshold: 2025-02-30\n",  # not a date (was a ValueError)
    b"threshold: " + b"9" * 5000 + b"\n",  # an integer too long (was a ValueError)
    b"settings: &loop {a: *loop}\n",
)


def _written(folder: str, content: bytes) -> Path:
    path = Path(folder) / "config.yaml"
    path.write_bytes(content)
    return path


@FUZZ
@given(_contents(MONITORING))
@example(EXAMPLES[0])
@example(EXAMPLES[1])
@example(EXAMPLES[2])
@example(EXAMPLES[3])
def test_a_damaged_monitoring_configuration_loads_or_is_refused(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _written(folder, content)
        try:
            config = bounded(lambda: load_site_config(path, RULES))
        except SiteConfigError as error:
            assert str(path) in str(error)
        else:
            assert isinstance(config, SiteMonitoringConfig)


@FUZZ
@given(_contents(DISCLOSURE))
@example(EXAMPLES[0])
@example(EXAMPLES[1])
@example(EXAMPLES[2])
@example(EXAMPLES[3])
def test_a_damaged_disclosure_configuration_loads_or_is_refused(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _written(folder, content)
        try:
            policy = bounded(lambda: load_disclosure_policy(path))
        except DisclosureConfigError as error:
            assert str(path) in str(error)
        else:
            assert isinstance(policy, DisclosurePolicy)
