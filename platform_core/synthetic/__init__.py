"""Synthetic data: a realistic, deterministic Anqing for the demo, tests and the benchmark."""

from platform_core.synthetic.city import PartSpec, Profile, SyntheticSummary, generate_city

__all__ = ["PartSpec", "Profile", "SyntheticSummary", "generate_city"]
