"""Benchmarks: each prints Astrocyte's figure beside a baseline measured in the same run."""
