"""Figures drawn from simulation results; plotting reads results only."""

from neuroimmune.plotting.timecourse import plot_timecourse

__all__ = ["plot_timecourse"]
