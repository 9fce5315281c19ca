"""Clinical trials: trial records, and small-trial design and analysis for SPS.

The design and analysis modules (docs/trials-design.md) are pure statistics over plain values (no
I/O, no store); import them from their modules, so that importing the package stays light:

* :mod:`spsreg.trials.crossover` — 2x2 AB/BA crossover by period differences, carry-over caveat,
* :mod:`spsreg.trials.parallel` — parallel groups with baseline adjustment (ANCOVA),
* :mod:`spsreg.trials.nof1` — series of N-of-1 trials, DerSimonian-Laird random effects,
* :mod:`spsreg.trials.power` and :mod:`spsreg.trials.simulate` — power and sample size by
  vectorised Monte Carlo simulation with its Monte Carlo error,
* :mod:`spsreg.trials.variance` — between/within-patient SD from repeated measurements,
* :mod:`spsreg.trials.data_files` — the CSV layouts of ``spsreg trials analyze --data``.
"""
