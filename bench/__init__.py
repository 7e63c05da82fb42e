"""Benchmarks at realistic scale. Run with `make bench` (or `python -m bench --notebooks 20000`)."""
