"""Evaluation and benchmarks of the Committee Papers Assistant."""
