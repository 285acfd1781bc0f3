"""The ``neuroimmune`` command line: a thin layer over the Python API.

User mistakes (a bad scenario, an unknown parameter, a file that cannot be written)
end with a clear message and exit status 2, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import click

from neuroimmune.engines.base import SimulationError
from neuroimmune.evidence.datafiles import DataNotFoundError
from neuroimmune.scenarios.loader import ScenarioError
from neuroimmune.usage import fail


def _parse_overrides(pairs: tuple[str, ...]) -> dict[str, float]:
    overrides: dict[str, float] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            fail(f"--set {pair!r}: write NAME=VALUE, e.g. --set baseline_stress=0.5")
        try:
            overrides[name.strip()] = float(text)
        except ValueError:
            fail(f"--set {pair!r}: {text!r} is not a number")
    return overrides


def _warn_outside_ranges(overrides: dict[str, float]) -> None:
    """An override outside its plausible range is allowed (exploration) but flagged."""
    from neuroimmune.model.compose import compose

    parameters = compose().parameters
    for name, value in overrides.items():
        known = parameters.get(name)
        if known is not None and not known.low <= value <= known.high:
            click.echo(f"warning: --set {name}={value:g} lies outside its plausible range "
                       f"[{known.low:g}, {known.high:g}] {known.unit}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="neuroimmune")
@click.option("--data", "data_folder", type=click.Path(path_type=Path, file_okay=False),
              default=None, envvar="NEUROIMMUNE_DATA",
              help="Folder of human data files read before the package's own copies "
                   "(also NEUROIMMUNE_DATA).")
def main(data_folder: Path | None) -> None:
    """Simulate the gut-immune-brain axis: infections, stress, dysbiosis and treatments."""
    if data_folder is not None:
        import os

        if not data_folder.is_dir():
            fail(f"--data {data_folder}: no such folder; give a folder that holds the data "
                 "CSV files, or leave the option out to use the package's copies")
        os.environ["NEUROIMMUNE_DATA"] = str(data_folder)


@main.command()
@click.argument("scenario")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Folder for timecourse.csv, summary.json and timecourse.png.")
@click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Override a model parameter (repeatable).")
@click.option("--no-plot", is_flag=True, help="Skip the figure.")
def run(scenario: str, out_dir: Path, pairs: tuple[str, ...], no_plot: bool) -> None:
    """Simulate SCENARIO (a built-in name or a TOML file) and write the results."""
    from neuroimmune.analysis.summary import write_summary
    from neuroimmune.io import write_timecourse
    from neuroimmune.simulation import UnknownParameterError, simulate

    overrides = _parse_overrides(pairs)
    _warn_outside_ranges(overrides)
    try:
        result = simulate(scenario, **overrides)
    except (ScenarioError, UnknownParameterError) as error:
        fail(str(error))
    except SimulationError as error:
        fail(str(error))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_timecourse(result, out_dir / "timecourse.csv")
        write_summary(result, out_dir / "summary.json")
        if not no_plot:
            from neuroimmune.plotting import plot_timecourse

            plot_timecourse(result, out_dir / "timecourse.png")
    except OSError as error:
        fail(f"cannot write results to {out_dir}: {error.strerror or error}")
    click.echo(f"{result.scenario.name}: {len(result.time_h)} time points written to {out_dir}")


@main.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    from neuroimmune.scenarios import builtin_scenarios

    entries = builtin_scenarios()
    width = max(map(len, entries))
    for name, description in entries.items():
        click.echo(f"{name:<{width}}  {description}")


@main.command()
@click.argument("scenario")
def lint(scenario: str) -> None:
    """Check a scenario file and report every problem at once."""
    from neuroimmune.scenarios import load_scenario

    try:
        loaded = load_scenario(scenario)
    except ScenarioError as error:
        fail(str(error))
    click.echo(f"{scenario}: ok ({len(loaded.interventions)} interventions)")


@main.command("export-sbml")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Override a model parameter in the exported model (repeatable).")
@click.option("--clock-start", type=float, default=8.0, show_default=True,
              help="Clock time (h) that model time 0 stands for.")
def export_sbml(out: Path, pairs: tuple[str, ...], clock_start: float) -> None:
    """Write the composed model as SBML Level 3, starting from the resting state."""
    from neuroimmune.io import write_atomically
    from neuroimmune.sbml_export import resting_sbml
    from neuroimmune.simulation import UnknownParameterError

    overrides = _parse_overrides(pairs)
    try:
        text = resting_sbml(overrides, clock_start)
    except UnknownParameterError as error:
        fail(str(error))
    try:
        write_atomically(out, text)
    except OSError as error:
        fail(f"cannot write {out}: {error.strerror or error}")
    click.echo(f"SBML Level 3 model written to {out}")


@main.command()
@click.argument("problem")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: calibration/PROBLEM).")
@click.option("--starts", default=20, show_default=True, help="Multi-start count.")
@click.option("--max-iterations", default=200, show_default=True,
              help="Most L-BFGS-B iterations of each start.")
@click.option("--seed", default=0, show_default=True,
              help="Seed of the start points and of the posterior chains.")
@click.option("--workers", default=2, show_default=True,
              help="Processes over starts, profiles and chains.")
@click.option("--samples", default=0, show_default=True,
              help="Posterior samples per chain, half kept after burn-in (0 to skip).")
@click.option("--chains", default=4, show_default=True,
              help="Adaptive-Metropolis chains from dispersed starts (R-hat needs at least 2).")
@click.option("--profiles", is_flag=True,
              help="Profile likelihood of every estimated parameter (identifiability verdicts).")
@click.option("--profile-steps", default=50, show_default=True,
              help="Profile steps across a parameter's plausible range (log10).")
@click.option("--profile-iterations", default=50, show_default=True,
              help="Most L-BFGS-B iterations at each profile point.")
@click.option("--population", is_flag=True, help="Also fit each subject (population spread).")
@click.option("--install", is_flag=True, help="Make the result the package defaults.")
def calibrate(problem: str, out_dir: Path | None, starts: int, max_iterations: int, seed: int,
              workers: int, samples: int, chains: int, profiles: bool, profile_steps: int,
              profile_iterations: int, population: bool, install: bool) -> None:
    """Fit calibration PROBLEM (lps_cohort, cortisol_rhythm) to its human data.

    Identifiability verdicts come from --profiles; posterior intervals from --samples
    are reported only when the chains have converged (split R-hat, ESS).
    """
    from neuroimmune.calibration.identifiability import summary_lines
    from neuroimmune.calibration.problem import ProblemError
    from neuroimmune.calibration.profiles import ProfileSettings
    from neuroimmune.calibration.run import CalibrationSettings, run_calibration

    if starts < 1 or workers < 1 or max_iterations < 1 or samples < 0:
        fail("--starts, --max-iterations and --workers must be at least 1 and --samples"
             " at least 0")
    if samples and chains < 2:
        fail("--chains must be at least 2: convergence is judged by comparing chains")
    if profile_steps < 2 or profile_iterations < 1:
        fail("--profile-steps must be at least 2 and --profile-iterations at least 1")
    out_dir = out_dir or Path("calibration") / problem
    settings = CalibrationSettings(
        starts, seed, workers, samples, population, install, chains=chains, profiles=profiles,
        profile_settings=ProfileSettings(steps=profile_steps, max_iterations=profile_iterations),
        max_iterations=max_iterations)
    try:
        run = run_calibration(problem, out_dir, settings)
    except ProblemError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write to {out_dir}: {error.strerror or error}")
    if run.identifiability:
        click.echo("identifiability:")
        for line in summary_lines(run.identifiability):
            click.echo(line)
    times = ", ".join(f"{k} {v:.0f} s" for k, v in run.seconds.items())
    click.echo(f"{problem}: best NLL {run.fit.best_nll:.3f} ({times}); results in {out_dir}")


@main.command("export-petab")
@click.argument("problem")
@click.argument("out", type=click.Path(path_type=Path))
def export_petab(problem: str, out: Path) -> None:
    """Write calibration PROBLEM as a PEtab v1 folder OUT (model, tables, YAML)."""
    from neuroimmune.calibration.petab_export import write_petab
    from neuroimmune.calibration.problem import ProblemError, load_problem

    try:
        path = write_petab(load_problem(problem), out)
    except (ProblemError, DataNotFoundError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write to {out}: {error.strerror or error}")
    click.echo(f"PEtab problem written to {path}")


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("validation"),
              show_default=True, help="Folder for the scorecard, the data-set report and figures.")
def validate(out_dir: Path) -> None:
    """Score the model against every finding of the evidence table (scorecard.md, .html)."""
    from neuroimmune.calibration.validate import write_report
    from neuroimmune.evidence.findings import FindingError
    from neuroimmune.evidence.scorecard import write_scorecard

    try:
        scorecard = write_scorecard(out_dir, progress=True)
        report = write_report(out_dir)
    except (DataNotFoundError, FindingError, ScenarioError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write to {out_dir}: {error.strerror or error}")
    click.echo(f"scorecard written to {scorecard} (and {scorecard.with_suffix('.html').name}); "
               f"data-set report: {report}")


@main.command()
@click.option("--subsystem", default=None, help="Only this subsystem (e.g. innate, hpa).")
def parameters(subsystem: str | None) -> None:
    """List every parameter with its value, unit, range and source."""
    from neuroimmune.model.compose import compose

    for p in compose().parameters.values():
        if subsystem and p.subsystem != subsystem:
            continue
        click.echo(f"{p.name} = {p.value:g} {p.unit}  [{p.low:g}, {p.high:g}]  "
                   f"({p.subsystem}) {p.source}")


def _register_extensions() -> None:
    """Commands that live beside their own layer (the web app) join the main group."""
    from neuroimmune.population.command import population, trial
    from neuroimmune.sensitivity.command import sensitivity
    from neuroimmune.web.command import serve

    for command in (serve, population, trial, sensitivity):
        main.add_command(command)


_register_extensions()

if __name__ == "__main__":
    main()
