"""Calibration problems as PEtab v1, so that pyPESTO, AMICI, COPASI and Data2Dynamics
users can reuse them.

The PEtab model is the exported SBML (resting state at 08:00) with one addition: the
endotoxin bolus is an initial assignment ``LPS = LPS_rest + lps_bolus_pg_mL``, and the
condition table sets ``lps_bolus_pg_mL``. Cytokines are log-normal (observable
transformation ``log``). One caveat for external tools: the exported initial state is
the resting state of the default parameters; ``neuroimmune calibrate`` re-equilibrates
each parameter vector before the challenge, which PEtab v1 cannot express for a model
with a 24 h rhythm (it has no steady state to pre-equilibrate to).
"""

from __future__ import annotations

from pathlib import Path

import libsbml
import pandas as pd

from neuroimmune.calibration.problem import CalibrationProblem
from neuroimmune.model.compose import compose
from neuroimmune.observables import BY_NAME
from neuroimmune.sbml_export import resting_sbml

BOLUS_PARAMETER = "lps_bolus_pg_mL"
NOISE_BOUNDS = (0.01, 5.0)
"""Plausible range of the log-scale noise standard deviation."""


def _petab_sbml() -> str:
    document = libsbml.readSBMLFromString(resting_sbml())
    model = document.getModel()
    rest = model.getParameter("LPS").getValue()
    for name, value in (("LPS_rest", rest), (BOLUS_PARAMETER, 0.0)):
        parameter = model.createParameter()
        parameter.setId(name)
        parameter.setValue(value)
        parameter.setConstant(True)
        parameter.setUnits(model.getParameter("LPS").getUnits())
    assignment = model.createInitialAssignment()
    assignment.setSymbol("LPS")
    assignment.setMath(libsbml.parseL3Formula(f"LPS_rest + {BOLUS_PARAMETER}"))
    return libsbml.writeSBMLToString(document)


def _bolus_pg_mL(problem: CalibrationProblem) -> float:
    from neuroimmune.scenarios.loader import load_scenario

    scenario = load_scenario(problem.scenario)
    parameters = compose().default_values()
    dose = sum(i.amount for i in scenario.interventions if i.agent == "lps" and i.at_h == 0)
    return dose * parameters["pg_per_ng"] / parameters["plasma_volume_mL_per_kg"]


def write_petab(problem: CalibrationProblem, folder: Path) -> Path:
    """Write the PEtab tables, model and YAML for ``problem``; return the YAML path."""
    folder.mkdir(parents=True, exist_ok=True)
    condition = problem.scenario
    (folder / "model.xml").write_text(_petab_sbml(), encoding="utf-8")
    data = problem.dataset.measurements
    observables = sorted(data["observable"].unique())
    pd.DataFrame({
        "observableId": [f"obs_{o}" for o in observables],
        "observableName": [BY_NAME[o].description for o in observables],
        "observableFormula": [BY_NAME[o].symbol for o in observables],
        "observableTransformation": ["log"] * len(observables),
        "noiseFormula": [f"noiseParameter1_obs_{o}" for o in observables],
        "noiseDistribution": ["normal"] * len(observables),
    }).to_csv(folder / "observables.tsv", sep="\t", index=False)
    pd.DataFrame({"conditionId": [condition], "conditionName": [problem.description],
                  BOLUS_PARAMETER: [_bolus_pg_mL(problem)]}).to_csv(
        folder / "conditions.tsv", sep="\t", index=False)
    pd.DataFrame({
        "observableId": [f"obs_{o}" for o in data["observable"]],
        "simulationConditionId": condition,
        "measurement": data["value"].to_numpy(),
        "time": data["time_h"].to_numpy(),
        "noiseParameters": [f"sd_{o}" for o in data["observable"]],
        "datasetId": [f"subject_{s}" for s in data["subject"]],
    }).to_csv(folder / "measurements.tsv", sep="\t", index=False)
    parameters = compose().parameters
    rows = [{
        "parameterId": name, "parameterName": parameters[name].description,
        "parameterScale": "log10", "lowerBound": max(parameters[name].low, 1e-12),
        "upperBound": parameters[name].high, "nominalValue": parameters[name].value,
        "estimate": 1,
    } for name in problem.estimate]
    rows += [{
        "parameterId": f"sd_{o}", "parameterName": f"noise SD of log {o}",
        "parameterScale": "lin", "lowerBound": NOISE_BOUNDS[0], "upperBound": NOISE_BOUNDS[1],
        "nominalValue": 0.5, "estimate": 1,
    } for o in observables]
    pd.DataFrame(rows).to_csv(folder / "parameters.tsv", sep="\t", index=False)
    yaml_path = folder / "problem.yaml"
    yaml_path.write_text(
        "format_version: 1\n"
        "parameter_file: parameters.tsv\n"
        "problems:\n"
        "  - sbml_files: [model.xml]\n"
        "    condition_files: [conditions.tsv]\n"
        "    measurement_files: [measurements.tsv]\n"
        "    observable_files: [observables.tsv]\n",
        encoding="utf-8",
    )
    return yaml_path
