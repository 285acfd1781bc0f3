"""What one web request may ask of the server: the caps that keep a shared service responsive.

The command line trusts its user with a year of model time and 200,000 output points
(``neuroimmune.scenarios.lint``); a server that anyone on the network could reach must
not, so the web layer adds tighter caps on top of the scenario linter. They are one
typed settings object, passed to ``create_app``; nothing reads them from globals.
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS_PER_WEEK = 168.0


@dataclass(frozen=True)
class WebLimits:
    """Caps on requests and on the work one request may cause."""

    max_duration_h: float = 16 * HOURS_PER_WEEK
    """16 weeks (2,688 h): covers every built-in scenario (the longest is 14 weeks) and a
    12-week antidepressant trial; such a run takes about 0.2 s. Longer studies belong to
    the command line."""

    max_output_points: int = 5_000
    """Output rows per run: 16 weeks hourly is 2,689 rows; a 24 h run at 0.1 h is 241."""

    max_body_bytes: int = 64 * 1024
    """Request bodies larger than this are refused (413) before they are parsed; a
    scenario with dozens of interventions is a few kB."""

    max_interventions: int = 50
    """Intervention entries per scenario."""

    max_administrations: int = 2_000
    """Doses and exposure windows per scenario after repeats are expanded (each one
    restarts the solver); a daily tablet for 16 weeks is 112."""

    time_limit_s: float = 10.0
    """Wall-clock limit of one simulation once it has started; past it the request gets
    504. The work itself cannot be interrupted inside the solver, so its worker stays
    busy until the run ends; ``max_pending`` keeps such runs from piling up."""

    queue_limit_s: float = 30.0
    """How long a request may wait for a free simulation worker before it gets 503."""

    workers: int = 2
    """Simulation worker threads, one engine (compiled model) each. The solver holds the
    GIL, so more workers than cores buy nothing."""

    max_pending: int = 256
    """Simulations queued or running at once; more get 503 at once (with Retry-After)."""

    cache_entries: int = 64
    """Finished runs (and their encoded answers) kept, keyed by the canonical request, so
    repeated requests (a page redrawing, a pinned comparison run, many clients asking
    for the same scenario) cost no solver time. A 24 h run takes about 0.1 MB, a 16-week
    run about 2 MB with its axis series, so the cache stays under about 130 MB."""
