"""The exported SBML is valid, carries units and sources, and is the model we simulate."""

from __future__ import annotations

import antimony
import libsbml
import numpy as np
import pytest
import roadrunner

import neuroimmune as ni
from neuroimmune.engines import RoadRunnerEngine
from neuroimmune.model.compose import compose
from neuroimmune.observables import OBSERVABLES
from neuroimmune.sbml_export import resting_sbml


@pytest.fixture(scope="module")
def sbml_text() -> str:
    return resting_sbml()


def test_libsbml_reports_no_errors(sbml_text):
    document = libsbml.readSBMLFromString(sbml_text)
    document.checkConsistency()
    errors = [
        document.getError(i).getMessage()
        for i in range(document.getNumErrors())
        if document.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    assert errors == []
    assert (document.getLevel(), document.getVersion()) == (3, 1)


def test_every_quantity_has_units_and_every_parameter_its_source(sbml_text):
    model = libsbml.readSBMLFromString(sbml_text).getModel()
    assert model.getTimeUnits() == "u_h"
    for index in range(model.getNumParameters()):
        parameter = model.getParameter(index)
        assert parameter.isSetUnits(), parameter.getId()
        if parameter.getConstant():
            assert "Source:" in parameter.getNotesString(), parameter.getId()
    assert model.getNumParameters() == (
        len(compose().parameters) + len(compose().states) + len(compose().derived)
    )


def test_plain_roadrunner_on_the_export_reproduces_our_run():
    """A user's own libRoadRunner loop on the exported file matches simulate().

    Both sides integrate at tight tolerances, so what is compared is the model, not
    solver error (the default engine's rtol 1e-6 alone differs by about 2e-6).
    """
    tight = RoadRunnerEngine(relative_tolerance=1e-10, absolute_tolerance=1e-14)
    ours = ni.simulate("baseline", engine=tight)
    runner = roadrunner.RoadRunner(resting_sbml(engine=tight))
    runner.integrator.relative_tolerance = 1e-10
    runner.integrator.absolute_tolerance = 1e-14
    symbols = [o.symbol for o in OBSERVABLES]
    theirs = np.asarray(runner.simulate(times=ours.time_h, selections=["time", *symbols]))
    for column, observable in enumerate(OBSERVABLES, start=1):
        expected = ours[observable.name]
        scale = np.maximum(np.abs(expected), 1e-6 * np.abs(expected).max() + 1e-12)
        relative = np.abs(theirs[:, column] - expected) / scale
        assert relative.max() < 1e-6, observable.name


def test_overrides_are_written_into_the_export():
    text = resting_sbml({"body_weight_kg": 90.0}, clock_start_h=20.0)
    model = libsbml.readSBMLFromString(text).getModel()
    assert model.getParameter("body_weight_kg").getValue() == 90.0
    assert model.getParameter("clock_start_h").getValue() == 20.0


def test_antimony_reads_the_export_and_writes_back_an_equivalent_model(sbml_text):
    """Tellurium loads models through Antimony: a round trip through Antimony text
    must still simulate to the same trajectories."""
    assert antimony.loadSBMLString(sbml_text) >= 0, antimony.getLastError()
    text = antimony.getAntimonyString(None)
    assert antimony.loadAntimonyString(text) >= 0, antimony.getLastError()
    again = antimony.getSBMLString(None)
    times = np.linspace(0, 24, 49)
    selections = ["time", "cortisol", "TNF", "hamd"]
    runs = []
    for text in (sbml_text, again):
        runner = roadrunner.RoadRunner(text)
        # Antimony may order the states differently, which changes the solver's round-off:
        # agreement is asked to well within tight tolerances, not to the last bit.
        runner.integrator.relative_tolerance = 1e-10
        runner.integrator.absolute_tolerance = 1e-14
        runs.append(np.asarray(runner.simulate(times=times, selections=selections)))
    assert np.allclose(runs[0], runs[1], rtol=1e-7, atol=1e-12)
