"""The generated model reference page: complete, well-formed tables, and a working --check."""

from __future__ import annotations

import re

import pytest

from neuroimmune.docs import (
    _cell,
    calibrated_parameters,
    calibration_data_set,
    main,
    render_model_markdown,
)
from neuroimmune.model import SUBSYSTEMS
from neuroimmune.model.agents import AGENTS
from neuroimmune.model.compose import compose
from neuroimmune.model.motifs import MOTIFS
from neuroimmune.observables import OBSERVABLES

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@pytest.fixture(scope="module")
def page() -> str:
    return render_model_markdown()


def _sections(text: str, level: int) -> dict[str, str]:
    """Heading -> body for every heading of exactly ``level`` hashes (body up to the next)."""
    marker = "#" * level + " "
    sections: dict[str, str] = {}
    heading, body = None, []
    for line in text.splitlines():
        if re.match(rf"#{{1,{level}}} ", line):
            if heading is not None:
                sections[heading] = "\n".join(body)
            heading, body = (line[len(marker):] if line.startswith(marker) else None), []
        else:
            body.append(line)
    if heading is not None:
        sections[heading] = "\n".join(body)
    return sections


def _table_rows(text: str) -> list[str]:
    """Body rows of the tables in ``text`` (header and separator lines dropped)."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [row for i, row in enumerate(rows)
            if not row.startswith("|---") and not (i + 1 < len(rows)
                                                    and rows[i + 1].startswith("|---"))]


def _subsystem_section(page: str, subsystem) -> dict[str, str]:
    top = _sections(page, 2)[f"{subsystem.title} (`{subsystem.name}`)"]
    return _sections(top, 3)


def test_every_parameter_and_state_is_on_the_page(page):
    model = compose()
    for name in model.parameters:
        assert f"| `{name}` |" in page, f"parameter {name} has no table row"
    for state in model.states:
        assert f"| `{state.name}` |" in page, f"state {state.name} has no table row"
        assert f"d({state.name})/dt = {state.rate}\n" in page, f"no equation for {state.name}"
    for item in model.derived:
        assert f"| `{item.name}` |" in page, f"derived {item.name} has no table row"


def test_subsystem_tables_have_one_row_per_item(page):
    for subsystem in SUBSYSTEMS:
        parts = _subsystem_section(page, subsystem)
        assert len(_table_rows(parts.get("Parameters", ""))) == len(subsystem.parameters)
        assert len(_table_rows(parts.get("States", ""))) == len(subsystem.states)
        equations = [line for line in parts.get("Equations", "").splitlines()
                     if line.startswith("d(")]
        assert len(equations) == len(subsystem.states)
        assert len(_table_rows(parts.get("Derived quantities", ""))) == len(subsystem.derived)


def test_other_tables_have_one_row_per_item(page):
    model = compose()
    top = _sections(page, 2)
    assert len(_table_rows(top["Motifs"])) == len(MOTIFS)
    assert len(_table_rows(top["Observables"])) == len(OBSERVABLES)
    agents = _sections(top["Scenario agents"], 3)
    doses = [a for a in AGENTS.values() if a.kind == "dose"]
    assert len(_table_rows(agents["Doses"])) == len(doses)
    assert len(_table_rows(agents["Exposures"])) == len(AGENTS) - len(doses)
    assert len(_table_rows(agents["Infusion inputs"])) == len(model.inputs)
    fitted = _sections(top["Calibration and validation"], 4)
    groups = calibrated_parameters(model)
    assert set(fitted) == set(groups)
    for data_set, parameters in groups.items():
        assert len(_table_rows(fitted[data_set])) == len(parameters)


def test_every_table_row_has_as_many_cells_as_its_header(page):
    columns = None
    for line in page.splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        cells = len(UNESCAPED_PIPE.findall(line))
        columns = columns or cells
        assert cells == columns, f"misaligned row: {line}"


def test_cells_escape_pipes_and_newlines():
    assert _cell("a || b\nc") == "a \\|\\| b c"


def test_every_calibrated_parameter_is_listed_once(page):
    model = compose()
    fitted = [p.name for p in model.parameters.values() if p.source.startswith("calibrated")]
    listed = [name for group in calibrated_parameters(model).values() for name in
              (p.name for p in group)]
    assert sorted(listed) == sorted(fitted)
    section = _sections(page, 2)["Calibration and validation"]
    assert "not evidence of validity" in section
    assert "docs/validation/scorecard.md" in section


@pytest.mark.parametrize(
    ("source", "data_set"),
    [
        ("calibrated to Janum cohort medians (TNF peak)", "Janum cohort medians"),
        ("calibrated to Janum cohort medians: plasma TNF appears at 1 h", "Janum cohort medians"),
        ("calibrated to the cortisol rhythm", "the cortisol rhythm"),
        ("calibrated: VNS lowers TNF by 35% (Koopman et al. 2016 PNAS)",
         "Koopman et al. 2016 PNAS"),
        ("calibrated: cortisol doubles after a stressor", "cortisol doubles after a stressor"),
    ],
)
def test_calibration_data_set_names_the_data(source, data_set):
    assert calibration_data_set(source) == data_set


def test_rendering_is_deterministic(page):
    assert render_model_markdown() == page


def test_main_writes_and_check_detects_drift(tmp_path, capsys):
    path = tmp_path / "docs" / "model.md"
    assert main(["--check", str(path)]) == 1
    assert "is missing" in capsys.readouterr().err

    assert main([str(path)]) == 0
    assert path.read_text(encoding="utf-8") == render_model_markdown()
    assert main(["--check", str(path)]) == 0

    path.write_text(path.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert main(["--check", str(path)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8").endswith("edited by hand\n"), "--check wrote"
