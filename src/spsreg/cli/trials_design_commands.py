"""``spsreg trials analyze|power``: analyse a small trial from a data file; power by simulation.

Thin: the statistics are :mod:`spsreg.trials` (pure), the figures
:mod:`spsreg.reports.figures.trials`, the registry's variance estimate
:mod:`spsreg.services.trial_design`. docs/trials-design.md explains the methods; docs/cli.md the
options and the JSON documents (kinds ``trial-analysis`` and ``trial-power``).
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from spsreg.cli.context import SiteOption, UserOption, actor_for, day_option, open_cli_registry
from spsreg.cli.output import FormatOption, OutputFormat, emit, fail, render_table
from spsreg.cli.trials_commands import trials_app

__all__ = ["analyze_command", "power_command"]


class DesignChoice(StrEnum):
    CROSSOVER = "crossover"
    PARALLEL = "parallel"
    NOF1 = "nof1"


DesignOption = Annotated[
    DesignChoice, typer.Option("--design", help="crossover (2x2 AB/BA), parallel or nof1")
]


def _fmt(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}g}"


def _estimate_row(name: str, estimate: dict[str, Any]) -> list[str]:
    return [
        name,
        _fmt(estimate["estimate"]),
        _fmt(estimate["se"]),
        f"[{_fmt(estimate['ci_low'])}, {_fmt(estimate['ci_high'])}]",
        _fmt(estimate["p_value"]),
        estimate["method"],
    ]


def _analyse(design: DesignChoice, data: Path) -> tuple[dict[str, Any], Any, Any]:
    """The analysis document, the analysis and the parsed data of ``data``."""
    from spsreg.trials.crossover import analyse_crossover
    from spsreg.trials.data_files import TrialDataError, parse_trial_data
    from spsreg.trials.nof1 import analyse_nof1
    from spsreg.trials.parallel import analyse_parallel

    try:
        text = data.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read the data file {data}: {error}") from error
    try:
        parsed = parse_trial_data(str(data), text, design.value)
        if design is DesignChoice.CROSSOVER:
            analysis: Any = analyse_crossover(parsed)
        elif design is DesignChoice.PARALLEL:
            analysis = analyse_parallel(parsed)
        else:
            analysis = analyse_nof1(parsed)
    except TrialDataError as error:
        raise fail(str(error)) from error
    except ValueError as error:
        raise fail(f"{data}: {error}") from error
    return {"design": design.value, "data": str(data), **analysis.to_document()}, analysis, parsed


def _figure(design: DesignChoice, analysis: Any, parsed: Any, label: str) -> Any:
    from spsreg.reports.figures import trials as figures

    if design is DesignChoice.CROSSOVER:
        return figures.crossover_profiles(
            [s.sequence for s in parsed], [s.period1 for s in parsed],
            [s.period2 for s in parsed], label,
        )  # fmt: skip
    if design is DesignChoice.PARALLEL:
        import numpy as np

        treated = np.array([s.group == "treatment" for s in parsed])
        baseline = np.array([s.baseline for s in parsed])
        outcome = np.array([s.outcome for s in parsed])
        effect, slope = analysis.adjusted.estimate, analysis.baseline_slope
        intercept = float(np.mean(outcome - slope * baseline - effect * treated))
        return figures.ancova_plot(
            [s.group for s in parsed], baseline.tolist(), outcome.tolist(),
            intercept=intercept, effect=effect, slope=slope, outcome_label=label,
        )  # fmt: skip
    pooled = analysis.pooled
    return figures.nof1_forest(
        [p.patient for p in analysis.patients],
        [(p.effect.estimate, p.effect.ci_low, p.effect.ci_high) for p in analysis.patients],
        fixed=(pooled.fixed.estimate, pooled.fixed.ci_low, pooled.fixed.ci_high),
        random=(pooled.random.estimate, pooled.random.ci_low, pooled.random.ci_high),
        prediction=None
        if pooled.prediction_low is None
        else (pooled.prediction_low, pooled.prediction_high),
        outcome_label=label,
    )


@trials_app.command("analyze")
def analyze_command(
    design: DesignOption,
    data: Annotated[Path, typer.Option("--data", help="the CSV data file (docs/trials-design.md)")],
    figure: Annotated[
        Path | None, typer.Option("--figure", help="write the figure here (.svg or .png)")
    ] = None,
    outcome_label: Annotated[
        str, typer.Option("--outcome-label", help="the outcome's name on the figure")
    ] = "Outcome",
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Analyse a small trial: 2x2 crossover, parallel groups with baseline (ANCOVA) or a series
    of N-of-1 trials (random effects). Effect = treatment minus control."""
    if figure is not None and figure.suffix.lower() not in {".svg", ".png"}:
        raise fail(f"--figure {figure}: the file must end in .svg or .png")
    document, analysis, parsed = _analyse(design, data)
    written = None
    if figure is not None:
        from spsreg.reports.figures.trials import write_figure

        try:
            written = str(write_figure(_figure(design, analysis, parsed, outcome_label), figure))
        except OSError as error:
            raise fail(f"cannot write the figure {figure}: {error}") from error
    document["figure"] = written
    rows = [_estimate_row("treatment effect", document["effect"])]
    extra = {
        "crossover": [("period effect", "period_effect"), ("carry-over (totals)", "carry_over")],
        "parallel": [("unadjusted difference", "unadjusted")],
        "nof1": [("fixed effect", "fixed_effect")],
    }[design.value]
    rows += [_estimate_row(name, document[key]) for name, key in extra]
    if design is DesignChoice.NOF1:
        rows += [_estimate_row(f"patient {p['patient']}", p) for p in document["patients"]]
    table = render_table(
        f"{design.value} trial, {document['n']} "
        f"{'patients' if design is DesignChoice.NOF1 else 'subjects'} ({data.name})",
        ["estimate", "value", "SE", "95% CI", "p", "method"],
        rows,
    )
    lines = list(document["notes"])
    if design is DesignChoice.NOF1:
        h, pi = document["heterogeneity"], document["prediction_interval"]
        lines.insert(0, f"tau^2 = {_fmt(h['tau2'])}, I^2 = {_fmt(100 * h['i2'])}%, "
                        f"Q = {_fmt(h['q'])}" + ("" if pi is None else
                        f"; 95% prediction interval [{_fmt(pi['low'])}, {_fmt(pi['high'])}]"))  # fmt: skip
    if written:
        lines.append(f"Figure written to {written}")
    emit(output_format, "trial-analysis", document, tables=[table], lines=lines)


def _registry_sd(outcome: str, as_of: str | None, site: str | None, user: str | None) -> Any:
    from spsreg.services.trial_design import registry_variance
    from spsreg.store import StoreError

    day = day_option(as_of, "--as-of")
    with open_cli_registry() as registry:
        try:
            return registry_variance(registry, actor_for(site, user), outcome, as_of=day, site=site)
        except (StoreError, ValueError) as error:
            raise fail(str(error)) from error


@trials_app.command("power")
def power_command(
    design: DesignOption,
    n: Annotated[int, typer.Option("--n", help="patients in the trial (all arms together)")],
    effect: Annotated[
        float, typer.Option("--effect", help="true effect, treatment minus control (outcome units)")
    ],
    sd: Annotated[
        float | None, typer.Option("--sd", help="SD of one measurement across patients")
    ] = None,
    within_sd: Annotated[
        float | None, typer.Option("--within-sd", help="within-patient SD (default: --sd)")
    ] = None,
    from_registry: Annotated[
        str | None,
        typer.Option("--from-registry", help="estimate --sd and --within-sd of this outcome"),
    ] = None,
    sims: Annotated[int, typer.Option("--sims", help="simulated trials")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 20261121,
    alpha: Annotated[float, typer.Option("--alpha", help="two-sided significance level")] = 0.05,
    cycles: Annotated[int, typer.Option("--cycles", help="nof1: cycles per patient")] = 3,
    effect_sd: Annotated[
        float, typer.Option("--effect-sd", help="nof1: between-patient SD of the true effect")
    ] = 0.0,
    target_power: Annotated[
        float | None, typer.Option("--target-power", help="also search the n for this power")
    ] = None,
    max_n: Annotated[int, typer.Option("--max-n", help="largest n searched")] = 200,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="registry data as of this date (YYYY-MM-DD)")
    ] = None,
    site: SiteOption = None,
    user: UserOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Power of a small trial by simulation, with its Monte Carlo error (and the sample size for
    a target power)."""
    from spsreg.trials.power import PowerScenario, sample_size, simulated_power

    source = None
    if from_registry is not None:
        if sd is not None or within_sd is not None:
            raise fail("give either --from-registry or --sd/--within-sd, not both")
        source = _registry_sd(from_registry, as_of, site, user).to_document()
        sd, within_sd = source["sd"], source["within_sd"]
    elif sd is None:
        raise fail("give --sd (and --within-sd), or --from-registry OUTCOME")
    notes = []
    if within_sd is None:
        within_sd = sd
        notes.append("No --within-sd: taken equal to --sd (no between-patient variation), which "
                     "is conservative for a crossover and gives ANCOVA nothing to adjust for.")  # fmt: skip
    started = time.perf_counter()
    try:
        scenario = PowerScenario(design.value, effect, sd, within_sd, alpha, cycles, effect_sd)
        result = simulated_power(scenario, n, sims, seed)
        search = None
        if target_power is not None:
            search = sample_size(scenario, target_power, sims, seed, max_n)
    except ValueError as error:
        raise fail(str(error)) from error
    elapsed = time.perf_counter() - started
    method = {
        "crossover": "noncentral t, exact (period-difference t-test)",
        "parallel": "noncentral t, approximate (ANCOVA)",
        "nof1": None,
    }[design.value]
    if design is DesignChoice.NOF1:
        notes.append("DerSimonian-Laird with few cycles per patient rejects too often: run with "
                     "--effect 0 to see the simulated type I error (docs/trials-design.md).")  # fmt: skip
    document = {
        **scenario.to_document(),
        "sims": sims,
        "seed": seed,
        **result.to_document(),
        "closed_form_method": method,
        "sample_size": None if search is None else search.to_document(),
        "variance_source": source,
        "elapsed_seconds": round(elapsed, 3),
        "notes": notes,
    }
    rows = [["power", f"{result.power:.4f} (MC SE {result.mc_se:.4f})",
             f"[{document['power_low']:.4f}, {document['power_high']:.4f}]",
             "" if result.closed_form is None else f"{result.closed_form:.4f}"]]  # fmt: skip
    if search is not None:
        found = search.result
        rows.append([f"n for power {target_power}", "not reached" if found is None else
                     f"n = {found.n} (power {found.power:.4f})", "", ""])  # fmt: skip
    table = render_table(
        f"{design.value} trial, n={n}, effect {effect:g}, SD {sd:.3g} (within {within_sd:.3g})",
        ["", "simulated", "95% interval", "closed form"],
        rows,
    )
    lines = [f"{sims} simulated trials in {elapsed:.2f} s (seed {seed}).", *notes]
    if source is not None:
        lines.insert(0, f"SDs of {from_registry} from {source['patients']} registry patients "
                        f"({source['measurements']} measurements).")  # fmt: skip
    emit(output_format, "trial-power", document, tables=[table], lines=lines)
