"""Benchmarks: ``python -m bench`` prints each figure beside its target and writes
bench/results/<timestamp>.json and .csv (and latest.json, latest.csv).

Speed is measured here, never in the test suite: timed tests flake on a busy machine.
"""
