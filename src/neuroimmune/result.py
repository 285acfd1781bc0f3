"""Simulation results: observables over time, with the scenario and parameters that made them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from neuroimmune.observables import BY_NAME, OBSERVABLE_NAMES

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from neuroimmune.scenarios.model import Scenario


@dataclass(frozen=True)
class SimulationResult:
    """Observable time courses of one simulated patient.

    ``values`` maps each observable name (see ``neuroimmune.observables``) to an
    array aligned with ``time_h``; ``parameters`` are the values actually used.
    """

    scenario: Scenario
    time_h: np.ndarray
    values: dict[str, np.ndarray]
    parameters: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def to_pandas(self) -> pd.DataFrame:
        """One row per output time: ``time_h`` then every observable, in contract order."""
        import pandas as pd

        columns = {"time_h": self.time_h}
        columns.update({name: self.values[name] for name in OBSERVABLE_NAMES})
        return pd.DataFrame(columns)

    def to_xarray(self) -> xr.Dataset:
        """A Dataset over ``time_h`` with units and descriptions as attributes."""
        import xarray as xr

        data_vars = {
            name: (
                "time_h",
                self.values[name],
                {"units": BY_NAME[name].unit, "long_name": BY_NAME[name].description},
            )
            for name in OBSERVABLE_NAMES
        }
        return xr.Dataset(
            data_vars,
            coords={"time_h": ("time_h", self.time_h, {"units": "h"})},
            attrs={
                "scenario": self.scenario.name,
                "clock_start_h": self.scenario.clock_start_h,
            },
        )
