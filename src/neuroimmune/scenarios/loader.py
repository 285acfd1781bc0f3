"""Read scenario files (built-in names or paths) into validated ``Scenario`` objects.

Scenarios are data, parsed with the standard library's ``tomllib`` so a file can never
run code. Every failure, from a missing file to a bad unit, is one ``ScenarioError``
listing all problems, one per line, so the CLI can print it and exit 2.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from neuroimmune.model.agents import AGENTS
from neuroimmune.scenarios.lint import Problem, fmt_number, lint_scenario
from neuroimmune.scenarios.model import Intervention, Scenario

BUILTIN_DIR = Path(__file__).with_name("builtin")
_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")
_BARE_KEY = re.compile(r"[A-Za-z0-9_\-]+")

ParameterRanges = Mapping[str, tuple[float, float]]


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: Iterable[Problem], source: str) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(f"{self.source}: {problem}" for problem in self.problems)

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem], str]]:
        # Keeps the exception picklable (process pools, Dask) despite the custom __init__.
        return (type(self), (self.problems, self.source))


def builtin_scenarios() -> dict[str, str]:
    """Built-in scenario names with their one-line descriptions, sorted by name."""
    catalogue: dict[str, str] = {}
    for path in sorted(BUILTIN_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        text = str(data.get("description") or data.get("name") or "")
        catalogue[path.stem] = text.strip().splitlines()[0] if text.strip() else ""
    return catalogue


def load_scenario(source: str | Path, known_parameters: ParameterRanges | None = None
                  ) -> Scenario:
    """Load a built-in scenario by name (``"lps_2ngkg"``) or a scenario file by path.

    ``known_parameters`` maps patient parameter names to their plausible (low, high)
    range; by default the composed model's ranges are used.
    """
    path = _resolve(source)
    label = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError([Problem("", f"is not UTF-8 text (byte {error.start}); save the "
                                         "file as UTF-8")], label) from None
    except OSError as error:
        raise ScenarioError([Problem("", f"cannot be read: {error.strerror}")], label) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([_syntax_problem(error)], label) from None
    return scenario_from_dict(data, known_parameters, source=label)


def scenario_from_dict(data: Mapping[str, Any], known_parameters: ParameterRanges | None = None,
                       source: str = "<dict>") -> Scenario:
    """Validate a scenario given as a dict (as ``tomllib`` would return it) and build it."""
    if known_parameters is None:
        from neuroimmune.model.compose import parameter_ranges

        known_parameters = parameter_ranges()
    problems = lint_scenario(data, known_parameters)
    if problems:
        raise ScenarioError(problems, source)
    return Scenario(
        name=data["name"],
        duration_h=float(data["duration_h"]),
        clock_start_h=float(data.get("clock_start_h", Scenario.clock_start_h)),
        description=data.get("description", ""),
        output_step_h=_optional_float(data.get("output_step_h")),
        patient={name: float(value) for name, value in data.get("patient", {}).items()},
        interventions=tuple(_intervention(item) for item in data.get("intervention", [])),
    )


def scenario_to_toml(scenario: Scenario) -> str:
    """The scenario as TOML text that ``load_scenario`` reads back to an equal scenario."""
    lines = [f"name = {_toml_string(scenario.name)}"]
    if scenario.description:
        lines.append(f"description = {_toml_string(scenario.description)}")
    lines.append(f"duration_h = {_toml_number(scenario.duration_h)}")
    lines.append(f"clock_start_h = {_toml_number(scenario.clock_start_h)}")
    if scenario.output_step_h is not None:
        lines.append(f"output_step_h = {_toml_number(scenario.output_step_h)}")
    if scenario.patient:
        lines += ["", "[patient]"]
        lines += [f"{_toml_key(k)} = {_toml_number(v)}" for k, v in scenario.patient.items()]
    for intervention in scenario.interventions:
        lines += ["", "[[intervention]]", f"agent = {_toml_string(intervention.agent)}"]
        for key in ("amount", "unit", "route", "at_h", "from_h", "to_h", "intensity",
                    "every_h", "until_h"):
            value = getattr(intervention, key)
            if value is None:
                continue
            text = _toml_string(value) if isinstance(value, str) else _toml_number(value)
            lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


# --- helpers -------------------------------------------------------------------------


def _resolve(source: str | Path) -> Path:
    """A bare name means a built-in scenario first, then a file of that name."""
    if isinstance(source, str) and _NAME.fullmatch(source):
        builtin = BUILTIN_DIR / f"{source}.toml"
        if builtin.is_file():
            return builtin
    path = Path(source)
    if path.is_file():
        return path
    if path.is_dir():
        raise ScenarioError([Problem("", "is a directory; give a scenario file (.toml) or a "
                                         "built-in scenario name")], str(source))
    close = difflib.get_close_matches(path.stem, list(builtin_scenarios()), n=3)
    hint = f"did you mean {' or '.join(repr(name) for name in close)}? " if close else ""
    raise ScenarioError([Problem("", f"no such file or built-in scenario; {hint}list the "
                                     "built-in scenarios with `neuroimmune scenarios`")],
                        str(source))


def _syntax_problem(error: tomllib.TOMLDecodeError) -> Problem:
    message = str(error)
    match = _TOML_POSITION.search(message)
    if not match:
        location = ""
    elif match[1]:
        location = f"line {match[1]}, column {match[2]}"
    else:
        location = "end of file"
    reason = message[: match.start()] if match else message
    if reason.startswith("Cannot overwrite") or reason.startswith("Cannot declare"):
        fix = "a key or table is given twice; keep one (each dose is its own [[intervention]])"
    else:
        fix = ("check quotes around strings, '=' between key and value, and [[intervention]] "
               "headers")
    return Problem(location, f"TOML syntax error: {reason}; {fix}")


def _intervention(item: Mapping[str, Any]) -> Intervention:
    agent = AGENTS[item["agent"]]
    route = item.get("route", agent.default_route if agent.kind == "dose" else None)
    return Intervention(
        agent=agent.name,
        amount=_optional_float(item.get("amount")),
        unit=item.get("unit"),
        route=route,
        at_h=_optional_float(item.get("at_h")),
        every_h=_optional_float(item.get("every_h")),
        until_h=_optional_float(item.get("until_h")),
        from_h=_optional_float(item.get("from_h")),
        to_h=_optional_float(item.get("to_h")),
        intensity=_optional_float(item.get("intensity")),
    )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\t", "\\t")
    escaped = "".join(c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_number(value: float) -> str:
    return fmt_number(value)  # shortest exact form, valid TOML: 24, 0.25, 1e+10
