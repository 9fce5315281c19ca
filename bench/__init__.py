"""Benchmarks of spsreg: run with ``make bench``; figures go to bench/results.json and bench/summary.md."""
