"""Benchmarks: run from the repository root as `python -m bench.NAME`; each prints its figures as ratios
against a baseline measured in the same run."""
