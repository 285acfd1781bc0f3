"""The batched pool's ratio to the plain libRoadRunner loop, over repeated rounds.

One run of ``bench_population.py`` gives one ratio per case, and on the development
machine (2 vCPUs) the same case moved by 15-20% between runs: a ratio near an aim
cannot be read from one run. Each round here times the plain loop, then the warmed
pools (``bench_population.pool_run``) in both layouts, right after it, so each round's
ratios compare runs minutes apart; the report gives every round (with each pool's peak
proportional set size, as in ``bench_population.PeakMemory``) and the median, least and
greatest ratio per layout.

The plain loop's rate per patient does not depend on N (one patient at a time), so
``--plain-n K`` times it on the first K patients of the same draw: the 12-week scenario
at N = 10,000 would otherwise spend over ten minutes a round in the plain loop.

Run: ``python benchmarks/bench_population_rounds.py [--n 10000] [--rounds 4]
[--scenario lps_2ngkg] [--plain-n 1000]``
"""

from __future__ import annotations

import argparse
import statistics

from bench_population import SEED, WORKERS, batch_size, plain_roadrunner_loop, plain_runner, pool_run, timed
from neuroimmune.population import patient_overrides, sample_patients
from neuroimmune.population.run import BATCHED_THREADS
from neuroimmune.scenarios import load_scenario

BATCHED = (("engine", "batched"),)
LAYOUTS = ((WORKERS, 1), (1, BATCHED_THREADS))
"""(worker processes, threads each): ``--engine batched``'s layout on 2 cores first, then
its layout where memory lacks room for a process per core."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--scenario", default="lps_2ngkg")
    parser.add_argument("--plain-n", type=int, default=None,
                        help="time the plain loop on this many of the patients [default: all]")
    arguments = parser.parse_args()
    scenario = load_scenario(arguments.scenario)
    n, size = arguments.n, batch_size(arguments.n)
    overrides = patient_overrides(sample_patients(n, SEED))
    plain = overrides[: arguments.plain_n or n]
    runner = plain_runner(scenario)
    ratios: dict[tuple[int, int], list[float]] = {layout: [] for layout in LAYOUTS}
    print(f"{arguments.scenario}, N = {n}, chunks of {size}, warmed pools; plain loop "
          f"timed on {len(plain)} patients")
    for round_number in range(1, arguments.rounds + 1):
        # the plain loop's time for all n patients, at the rate it ran the first ones
        reference = timed(lambda: plain_roadrunner_loop(runner, scenario, plain)) * n / len(plain)
        line = f"round {round_number}: plain {n / reference:6.1f}/s"
        for workers, threads in LAYOUTS:
            run = pool_run(scenario, n, BATCHED, size, workers, warm=True, threads=threads)
            ratios[workers, threads].append(reference / run.seconds)
            line += (f" | {workers}x{threads} {n / run.seconds:7.1f}/s "
                     f"{reference / run.seconds:5.2f}x {run.peak_bytes / 2**20:5.0f} MiB")
        print(line, flush=True)
    for (workers, threads), values in ratios.items():
        print(f"{workers} process(es) x {threads} thread(s): median {statistics.median(values):.2f}x, "
              f"least {min(values):.2f}x, greatest {max(values):.2f}x over {len(values)} rounds")


if __name__ == "__main__":
    main()
