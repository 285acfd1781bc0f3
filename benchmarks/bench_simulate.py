"""Time single-patient runs, reported as medians and as ratios to a plain libRoadRunner run.

Cases: a 24 h ``lps_2ngkg`` and a 12-week ``ifn_alpha_therapy``, each
  warm     engine compiled, resting state cached (a dashboard re-run)
  new      engine compiled, new patient parameters (burn-in to rest included)
  cold     compile the model, burn in, run (a fresh process)
Reference, same machine, same process: plain libRoadRunner simulating the exported SBML
for 24 h (output every 0.1 h, no interventions), as a user would with the file.

Run: ``python benchmarks/bench_simulate.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import roadrunner

import neuroimmune as ni
from neuroimmune.engines import RoadRunnerEngine
from neuroimmune.sbml_export import resting_sbml
from neuroimmune.scenarios import load_scenario


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=30)
    repeats = parser.parse_args().repeats

    runner = roadrunner.RoadRunner(resting_sbml())

    def reference() -> None:
        runner.resetAll()
        runner.simulate(0, 24, 241)

    reference_s = median_seconds(reference, repeats)
    rows = [("plain libRoadRunner, exported SBML, 24 h", reference_s)]
    engine = RoadRunnerEngine()
    for name in ("lps_2ngkg", "ifn_alpha_therapy"):
        scenario = load_scenario(name)
        ni.simulate(scenario, engine=engine)  # compile once, cache the resting state
        rows.append((f"{name}: warm", median_seconds(
            lambda s=scenario: ni.simulate(s, engine=engine), repeats)))
        weights = iter(range(10**6))
        rows.append((f"{name}: new patient (burn-in)", median_seconds(
            lambda s=scenario, w=weights: ni.simulate(s, engine=engine,
                                                      body_weight_kg=60 + next(w) * 1e-3),
            repeats)))
        rows.append((f"{name}: cold (compile + burn-in)", median_seconds(
            lambda s=scenario: ni.simulate(s, engine=RoadRunnerEngine()), max(3, repeats // 10))))
    width = max(len(label) for label, _ in rows)
    print(f"{'case':<{width}}  {'median ms':>10}  {'x reference':>11}")
    for label, seconds in rows:
        print(f"{label:<{width}}  {seconds * 1e3:>10.2f}  {seconds / reference_s:>11.1f}")


if __name__ == "__main__":
    main()
