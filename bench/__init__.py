"""Benchmarks at repository scale: `make bench` (SCALE=small|large), see bench.run."""
