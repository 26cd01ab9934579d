"""Benchmarks: each script builds its inputs, measures a baseline in the same run, prints a table
and writes JSON (and a PNG where a curve says more) to benchmarks/results/."""
