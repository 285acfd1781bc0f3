"""``neuroimmune population``: a thin command over ``run_population``.

Wired into the main group with ``main.add_command(population)`` and
``main.add_command(trial)``. User mistakes (an
unknown scenario, a bad count, a folder holding another run, an unreachable
scheduler) end with ``error: ...`` and exit status 2, as in ``neuroimmune.cli``.
"""

from __future__ import annotations

from pathlib import Path

import click

from neuroimmune.usage import check_distribution_options, fail


@click.command()
@click.argument("scenario")
@click.option("--n", "n", type=int, default=1000, show_default=True, help="Virtual patients.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the patient draw.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Folder for patients.parquet, outcomes.parquet, summary.json and figures.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="A running Dask scheduler (e.g. tcp://10.0.0.5:8786); default: a local cluster.")
@click.option("--workers", type=int, default=None,
              help="Local worker processes (0: simulate in this process, no Dask) "
                   "[default: 2; with --engine batched one per core, as many as memory "
                   "has room for at about 1 GiB each, half as many for scenarios whose "
                   "chunks hold over 128 MiB of values, such as 12 weeks].")
@click.option("--threads", type=int, default=None,
              help="Chunks each worker process runs at once [default: 1; 2 with --engine "
                   "batched when there are fewer workers than cores: threads share one "
                   "compiled engine and its memory, but ran 8-16% slower than processes on two cores].")
@click.option("--chunk-size", type=int, default=None,
              help="Patients per task and per chunk file [default: 100; 1000 with --engine batched].")
@click.option("--engine", "engine_name", type=click.Choice(["roadrunner", "batched"]),
              default="roadrunner", show_default=True,
              help="Per-patient libRoadRunner, or the batched JAX engine (whole chunks at once; "
                   "stiff patients fall back to libRoadRunner). See docs/population.md.")
@click.option("--resume", is_flag=True, help="Continue a run in OUT, skipping finished chunks.")
@click.option("--no-plot", is_flag=True, help="Skip the figures.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def population(scenario: str, n: int, seed: int, out_dir: Path, scheduler: str | None,
               workers: int | None, threads: int | None, chunk_size: int | None,
               engine_name: str, resume: bool, no_plot: bool, quiet: bool) -> None:
    """Simulate SCENARIO for N virtual patients and summarise the population."""
    from neuroimmune.engines.base import SimulationError
    from neuroimmune.population.run import PopulationError, RunSettings, run_population
    from neuroimmune.population.sampling import DistributionError
    from neuroimmune.scenarios.loader import ScenarioError

    if n < 1:
        fail(f"--n must be at least 1, got {n}")
    batched = engine_name == "batched"
    chunk_size = chunk_size if chunk_size is not None else (1000 if batched else 100)
    check_distribution_options(chunk_size, workers)
    if threads is not None and threads < 1:
        fail(f"--threads must be at least 1, got {threads}")
    settings = RunSettings(chunk_size=chunk_size, workers=workers, scheduler_address=scheduler,
                           resume=resume, progress=not quiet, plots=not no_plot,
                           engine_options=(("engine", "batched"),) if batched else (),
                           threads_per_worker=threads)
    try:
        run = run_population(scenario, n, seed, out_dir, settings)
    except (ScenarioError, PopulationError, DistributionError) as error:
        fail(str(error))
    except SimulationError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write results to {out_dir}: {error.strerror or error}")
    failed = f", {run.failed} failed (NaN outcomes, see the error column)" if run.failed else ""
    click.echo(f"{n} patients{failed}: results in {out_dir} ({run.seconds:.1f} s, {run.engine})")


def _parse_stratify(text: str | None) -> tuple[str, float] | None:
    if text is None:
        return None
    name, sep, cut = text.partition(":")
    try:
        if sep and name.strip():
            return name.strip(), float(cut)
    except ValueError:
        pass
    fail(f"--stratify {text!r}: write OBSERVABLE:CUT, e.g. --stratify CRP_mg_L:5")
    return None


@click.command()
@click.argument("trial_file", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Folder for outcomes.json, per_patient.parquet and the arms' runs.")
@click.option("--stratify", default=None, metavar="OBSERVABLE:CUT",
              help="Also report every outcome below and above CUT of a baseline observable.")
@click.option("--scheduler", default=None, metavar="ADDRESS", help="A running Dask scheduler.")
@click.option("--workers", type=int, default=2, show_default=True,
              help="Local worker processes (0: in this process, no Dask).")
@click.option("--chunk-size", type=int, default=50, show_default=True, help="Patients per task.")
@click.option("--resume", is_flag=True, help="Continue the runs in OUT, skipping finished chunks.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def trial(trial_file: Path, out_dir: Path, stratify: str | None, scheduler: str | None,
          workers: int, chunk_size: int, resume: bool, quiet: bool) -> None:
    """Run the virtual clinical trial in TRIAL_FILE (TOML) and write outcomes.json."""
    from neuroimmune.engines.base import SimulationError
    from neuroimmune.population.run import PopulationError, RunSettings
    from neuroimmune.population.trial import TrialError, load_trial, run_trial

    split = _parse_stratify(stratify)
    if chunk_size < 1 or workers < 0:
        fail("--chunk-size must be at least 1 and --workers at least 0")
    try:
        loaded = load_trial(trial_file)
        settings = RunSettings(chunk_size=chunk_size, workers=workers, scheduler_address=scheduler,
                               resume=resume, progress=not quiet)
        document = run_trial(loaded, out_dir, settings, split)
    except (TrialError, PopulationError) as error:
        fail(str(error))
    except SimulationError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write results to {out_dir}: {error.strerror or error}")
    click.echo(f"{document['trial']}: {document['enrolled']} patients per arm, "
               f"{len(document['arms'])} arms; outcomes in {out_dir / 'outcomes.json'}")
