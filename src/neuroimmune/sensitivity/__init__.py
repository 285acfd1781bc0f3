"""Global sensitivity analysis: Sobol and Morris indices on the population engines.

``define_problem`` chooses the parameters and their ranges (``problem``);
``run_sensitivity`` samples them with SALib, simulates every sample as one virtual
patient through the population machinery (this process, a local Dask pool or a
cluster) and returns a ``SensitivityResult`` (``analysis``, ``result``);
``plot_indices`` draws it (``plots``). See docs/sensitivity.md.
"""

from neuroimmune.sensitivity.analysis import METHODS, evaluation_count, run_sensitivity
from neuroimmune.sensitivity.plots import plot_indices
from neuroimmune.sensitivity.problem import (
    DEFAULT_PARAMETERS,
    Outcome,
    ParameterRange,
    SensitivityError,
    SensitivityProblem,
    define_problem,
    parse_outcome,
    variable_parameters,
)
from neuroimmune.sensitivity.result import OutcomeIndices, SensitivityResult

__all__ = [
    "DEFAULT_PARAMETERS",
    "METHODS",
    "Outcome",
    "OutcomeIndices",
    "ParameterRange",
    "SensitivityError",
    "SensitivityProblem",
    "SensitivityResult",
    "define_problem",
    "evaluation_count",
    "parse_outcome",
    "plot_indices",
    "run_sensitivity",
    "variable_parameters",
]
