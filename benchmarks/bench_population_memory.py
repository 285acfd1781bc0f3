"""Peak memory of a large population run: does it stay flat as N grows?

Runs ``run_population`` on a fresh local cluster (``--workers`` processes of
``--threads`` threads; by default what ``neuroimmune population`` starts) for
each N given, with plots (the full job a user runs), and reports wall time, patients
per second and the peak memory of the workers plus this process's growth (sampled
every 0.1 s): summed as proportional set sizes, which count the shared libraries'
pages once, and as resident set sizes, which count them once per process.
Memory that grows with N would show as a rising peak; the aim is under 2 GiB at
N = 100,000.

Run: ``python benchmarks/bench_population_memory.py --n 10000 100000 [--engine roadrunner]
[--workers 2 --threads 1]``
"""

from __future__ import annotations

import argparse

from bench_population import WORKERS, pool_run
from neuroimmune.population.run import BATCHED_THREADS, RunSettings, chunk_value_bytes, local_layout
from neuroimmune.scenarios import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--scenario", default="lps_2ngkg")
    parser.add_argument("--engine", choices=("roadrunner", "batched"), default="batched")
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None,
                        help=f"worker processes [default: one per core batched, {WORKERS} "
                             "otherwise]")
    parser.add_argument("--threads", type=int, default=None,
                        help=f"threads per worker [default: 1, or {BATCHED_THREADS} batched "
                             "with fewer workers than cores]")
    arguments = parser.parse_args()
    scenario = load_scenario(arguments.scenario)
    options = (("engine", "batched"),) if arguments.engine == "batched" else ()
    layout = RunSettings(workers=arguments.workers, threads_per_worker=arguments.threads,
                         chunk_size=arguments.chunk_size, engine_options=options)
    workers, threads = local_layout(layout, chunk_value_bytes(scenario, layout))
    runs = []
    for n in arguments.n:
        runs.append((n, pool_run(scenario, n, options, arguments.chunk_size, workers,
                                 plots=True, threads=threads)))
        print(f"done: N={n}", flush=True)
    print(f"\n{arguments.scenario}, engine {arguments.engine}, chunks of {arguments.chunk_size}, "
          f"{workers} worker process(es) x {threads} thread(s)")
    print(f"{'N':>8} {'s':>8} {'patients/s':>10} {'failed':>7} {'peak MiB':>9} "
          f"{'+ before':>9} {'RSS MiB':>8}")
    for n, run in runs:
        print(f"{n:>8} {run.seconds:8.1f} {n / run.seconds:10.1f} {run.failed:>7} "
              f"{run.peak_bytes / 2**20:9.0f} {run.before_bytes / 2**20:9.0f} "
              f"{run.peak_rss_bytes / 2**20:8.0f}")
    print("peak: workers plus this process's growth (PSS); + before: this process before "
          "the run (PSS); RSS: the peak as a sum of resident set sizes")


if __name__ == "__main__":
    main()
