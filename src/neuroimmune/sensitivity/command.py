"""``neuroimmune sensitivity``: a thin command over ``run_sensitivity`` and ``plot_indices``.

Wired into the main group with ``main.add_command(sensitivity)``. User mistakes (an
unknown scenario, parameter, observable or metric, a bad N or seed, an unreachable
scheduler, too many failed runs) end with ``error: ...`` and exit status 2, as in
``neuroimmune.cli``.
"""

from __future__ import annotations

from pathlib import Path

import click

from neuroimmune.sensitivity.analysis import METHODS
from neuroimmune.usage import check_distribution_options, fail

DEFAULT_N = {"sobol": 64, "morris": 20}
"""Base samples (Sobol) or trajectories (Morris) when ``--n`` is not given."""

SHOWN_TOP = 3



def _parameter_names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        fail(f"--parameters {text!r}: name parameters separated by commas, e.g. "
              "--parameters p_TNF_monocyte,k_TNF")
    return names


@click.command()
@click.argument("scenario")
@click.option("--outcome", "outcomes", multiple=True, required=True, metavar="OBSERVABLE:METRIC",
              help="An outcome to analyse, e.g. TNF_pg_mL:peak or hamd:final (repeatable); "
                   "metrics: baseline, peak, time_of_peak_h, minimum, final, auc.")
@click.option("--method", type=click.Choice(METHODS), default="sobol", show_default=True,
              help="Sobol indices (S1, ST) or Morris elementary effects (mu*, sigma).")
@click.option("--n", "n", type=int, default=None,
              help="Sobol: base samples, a power of 2 (default 64; N*(D+2) runs). "
                   "Morris: trajectories (default 20; N*(D+1) runs).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the design.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Folder for indices.csv, summary.json, evaluations.parquet and indices.png.")
@click.option("--parameters", "parameter_list", default=None, metavar="A,B,...",
              help="Parameters to vary (default: 18 influential ones across subsystems).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="A running Dask scheduler (e.g. tcp://10.0.0.5:8786); default: a local cluster.")
@click.option("--workers", type=int, default=2, show_default=True,
              help="Local worker processes (0: simulate in this process, no Dask).")
@click.option("--chunk-size", type=int, default=50, show_default=True, help="Model runs per task.")
@click.option("--no-plot", is_flag=True, help="Skip the figure.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def sensitivity(scenario: str, outcomes: tuple[str, ...], method: str, n: int | None, seed: int,
                out_dir: Path, parameter_list: str | None, scheduler: str | None, workers: int,
                chunk_size: int, no_plot: bool, quiet: bool) -> None:
    """Global sensitivity of OUTCOMEs in SCENARIO to the model parameters (Sobol or Morris)."""
    from neuroimmune.engines.base import SimulationError
    from neuroimmune.population.run import PopulationError, RunSettings
    from neuroimmune.scenarios.loader import ScenarioError
    from neuroimmune.sensitivity.analysis import check_size, run_sensitivity
    from neuroimmune.sensitivity.problem import SensitivityError, define_problem, parse_outcome

    n = DEFAULT_N[method] if n is None else n
    if seed < 0:
        fail(f"--seed must be 0 or more, got {seed}")
    check_distribution_options(chunk_size, workers)
    try:
        check_size(method, n)
        wanted = [parse_outcome(text) for text in outcomes]
        problem = define_problem(_parameter_names(parameter_list))
    except SensitivityError as error:
        fail(str(error))
    settings = RunSettings(chunk_size=chunk_size, workers=workers, scheduler_address=scheduler,
                           progress=not quiet)
    try:
        result = run_sensitivity(scenario, wanted, method, n, seed, problem, settings)
    except (ScenarioError, PopulationError, SensitivityError, SimulationError) as error:
        fail(str(error))
    try:
        result.write(out_dir)
        if not no_plot:
            from neuroimmune.sensitivity.plots import plot_indices

            plot_indices(result, out_dir / "indices.png")
    except OSError as error:
        fail(f"cannot write results to {out_dir}: {error.strerror or error}")

    runs = len(result.evaluations)
    failed = f", {result.failed_evaluations} failed" if result.failed_evaluations else ""
    click.echo(f"{method} on {result.scenario}: {runs} model runs{failed} in "
               f"{result.seconds:.1f} s ({result.engine}); results in {out_dir}")
    for entry in result.outcomes:
        frame = entry.indices
        top = result.ranking(entry.outcome.label)[:SHOWN_TOP]
        key = result.ranked_by
        ranked = ", ".join(f"{name} {frame.at[name, key]:.3g}" for name in top)
        notes = " (does not vary)" if entry.constant else ""
        if entry.dropped:
            notes += f" ({entry.dropped} blocks with failed runs left out)"
        click.echo(f"  {entry.outcome.label}: top {key}: {ranked}{notes}")
