"""The web soak's memory figures: is the app's resident memory flat under sustained load?

During the soak the app's resident set (VmRSS of ``spsreg serve`` and of each uvicorn worker,
summed) is sampled every 10 s. Measured from the end of the warm-up (the "start") to the last
sample (the "end"): the growth in MiB and percent, the maximum, and the least-squares slope in
MiB per minute; with the soak's requests per second, latency and errors. The time series is
written to ``bench/out/web-soak-rss.csv`` and drawn in ``bench/out/web-soak-rss.png``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from bench.stages import Figure
from bench.web_scenarios import ScenarioRun

__all__ = ["OUT_DIR", "least_squares_slope", "soak_figures"]

OUT_DIR = Path(__file__).resolve().parent / "out"
SERIES_NAME = "web-soak-rss"


def least_squares_slope(xs: list[float], ys: list[float]) -> float:
    """The slope of the least-squares line through the points (0 with fewer than two)."""
    if len(xs) < 2:
        return 0.0
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def write_series(run: ScenarioRun, out_dir: Path) -> Path:
    """The samples as CSV: seconds since the soak began, MiB per process, and their total."""
    pids = sorted({pid for _, by_pid in run.rss_samples for pid in by_pid})
    path = out_dir / f"{SERIES_NAME}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["seconds", *(f"pid {pid} MiB" for pid in pids), "total MiB"])
        for seconds, by_pid in run.rss_samples:
            writer.writerow(
                [
                    f"{seconds:.1f}",
                    *(f"{by_pid[pid]:.1f}" if pid in by_pid else "" for pid in pids),
                    f"{sum(by_pid.values()):.1f}",
                ]
            )
    return path


def draw_chart(
    minutes: list[float], totals: list[float], warmup_minutes: float, slope: float, path: Path
) -> None:
    """A small black-and-white chart of the app's total resident memory over the soak."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3), dpi=100)
    try:
        axes.plot(minutes, totals, color="black", marker="o", markersize=2.5, linewidth=1.0)
        measured = [(m, t) for m, t in zip(minutes, totals, strict=True) if m >= warmup_minutes]
        if measured:
            first_m = measured[0][0]
            mean_m = sum(m for m, _ in measured) / len(measured)
            mean_t = sum(t for _, t in measured) / len(measured)
            fitted = [mean_t + slope * (m - mean_m) for m in (first_m, measured[-1][0])]
            axes.plot(
                [first_m, measured[-1][0]],
                fitted,
                color="black",
                linestyle="--",
                linewidth=0.8,
                label=f"least squares: {slope:+.2f} MiB/min",
            )
            axes.legend(loc="lower right", fontsize=7, frameon=False)
        axes.axvline(warmup_minutes, color="black", linestyle=":", linewidth=0.8)
        axes.set_xlabel("minutes since the soak began (dotted: end of warm-up)", fontsize=8)
        axes.set_ylabel("resident memory, MiB", fontsize=8)
        axes.set_title("spsreg serve, all processes (VmRSS)", fontsize=9)
        axes.set_ylim(bottom=0, top=max(totals) * 1.15 if totals else 1)
        axes.tick_params(labelsize=7)
        figure.tight_layout()
        figure.savefig(path)
    finally:
        plt.close(figure)


def soak_figures(run: ScenarioRun, label: str, out_dir: Path = OUT_DIR) -> list[Figure]:
    """The soak's figures; writes its RSS time series and chart into ``out_dir``."""
    samples = run.rss_samples
    measured = [(t, sum(by_pid.values())) for t, by_pid in samples if t >= run.scenario.warmup]
    if len(measured) < 2:
        raise RuntimeError(
            f"the soak took {len(measured)} memory sample(s) after its warm-up; it needs two"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    write_series(run, out_dir)
    slope = least_squares_slope([t / 60 for t, _ in measured], [mib for _, mib in measured])
    totals = [sum(by_pid.values()) for _, by_pid in samples]
    draw_chart(
        [t / 60 for t, _ in samples],
        totals,
        run.scenario.warmup / 60,
        slope,
        out_dir / f"{SERIES_NAME}.png",
    )
    start, end = measured[0][1], measured[-1][1]
    overall = run.result["all"]
    name = "web soak"
    figures = [
        Figure(name, "resident memory at the start (after warm-up)", start, "MiB", label),
        Figure(name, "resident memory at the end", end, "MiB", label),
        Figure(name, "resident memory, maximum", max(mib for _, mib in measured), "MiB", label),
        Figure(name, "growth, start to end", end - start, "MiB", label),
        Figure(name, "growth, start to end (percent)", 100 * (end - start) / start, "%", label),
        Figure(name, "slope (least squares)", slope, "MiB/min", label),
        Figure(name, "memory samples (every 10 s)", float(len(samples)), "samples", label),
        Figure(name, "app processes", float(len(samples[-1][1])), "processes", label),
        Figure(name, "requests per second", overall["requests_per_second"], "requests/s", label),
    ]
    figures += [
        Figure(name, f"{key} latency", float(overall[f"{key}_ms"]), "ms", label)
        for key in ("p50", "p95", "p99", "max")
        if overall[f"{key}_ms"] is not None
    ]
    return [
        *figures,
        Figure(name, "errors", float(overall["errors"]), "requests", label),
        Figure(name, "conflicts (409)", float(overall["conflicts"]), "requests", label),
        Figure(
            name,
            "machine load average as the soak began (1 min)",
            run.load_before,
            "runnable tasks",
            label,
        ),
    ]
