"""Benchmarks (accuracy, latency, throughput). Not tests: `make bench` prints the figures."""
