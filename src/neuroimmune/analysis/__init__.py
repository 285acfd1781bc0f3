"""Analyses on top of simulation results: summaries first; calibration, sensitivity and
populations later, each its own module."""
