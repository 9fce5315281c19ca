"""Suite-wide settings: every randomness is seeded.

Hypothesis runs derandomized (the same examples on every run, so CI is reproducible) and with no
deadline (the machine may be loaded). For a wider random search locally, run with
``HYPOTHESIS_PROFILE=explore``.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("seeded", derandomize=True, deadline=None, database=None)
settings.register_profile("explore", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "seeded"))
