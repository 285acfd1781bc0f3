"""Time the calibration of the 2 ng/kg cohort: one objective evaluation, one gradient,
and a full multi-start fit, with the share spent inside the simulator.

Run: ``python benchmarks/bench_calibration.py [--starts 20] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from neuroimmune.calibration.fit import GRADIENT_STEP, fit_problem
from neuroimmune.calibration.objective import CalibrationObjective
from neuroimmune.calibration.problem import load_problem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=30)
    arguments = parser.parse_args()
    problem = load_problem("lps_cohort")
    objective = CalibrationObjective(problem)
    x = np.array(problem.nominal())
    objective(x)  # compile, burn in the default patient

    engine = objective.engine
    simulate = engine.simulate
    inside = []

    def timed_simulate(*args, **kwargs):
        start = time.perf_counter()
        try:
            return simulate(*args, **kwargs)
        finally:
            inside.append(time.perf_counter() - start)

    engine.simulate = timed_simulate
    evaluations = []
    for i in range(arguments.repeats):
        start = time.perf_counter()
        objective(x + 1e-6 * (i + 1))  # a new parameter vector each time (burn-in included)
        evaluations.append(time.perf_counter() - start)
    engine.simulate = simulate
    one = statistics.median(evaluations)
    share = sum(inside) / sum(evaluations)
    gradient = one * (len(x) + 1)  # forward differences
    start = time.perf_counter()
    fit = fit_problem(problem, n_starts=arguments.starts, n_procs=arguments.workers,
                      progress=False)
    total = time.perf_counter() - start
    print(f"objective evaluation (median of {arguments.repeats}): {one * 1e3:.1f} ms, "
          f"{share:.0%} of it in engine.simulate (burn-in + challenge), rest in likelihood")
    print(f"forward-difference gradient ({len(x)} parameters, step {GRADIENT_STEP}): "
          f"about {gradient * 1e3:.0f} ms")
    print(f"multi-start fit: {arguments.starts} starts on {arguments.workers} workers in "
          f"{total:.0f} s; best NLL {fit.best_nll:.2f}; "
          f"{int(np.sum(fit.starts_nll <= fit.best_nll + 0.1))} starts at the optimum")


if __name__ == "__main__":
    main()
