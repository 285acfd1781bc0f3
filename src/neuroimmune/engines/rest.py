"""A patient's resting state: the 24-hour periodic orbit, found by shooting.

Rest is not a fixed point: cortisol, and everything it drives, follows the clock. It
is the state ``x`` at the scenario's clock time that one day later is ``x`` again,
``Phi(x) = x`` for the 24 h map ``Phi``. A burn-in approaches it at the pace of the
slowest process (mood and microglial priming: weeks). Newton's method on
``Phi(x) - x`` gets there in a few simulated days. We use its chord variant: the
Jacobian of ``Phi`` (the monodromy matrix ``M``) is computed once, by finite
differences at a reference patient, and reused for every patient near that one, so
each iteration costs one simulated day and the linear algebra is one solve with a
factorised ``I - M``.

Both engines use this module with their own ``DayMap`` (libRoadRunner one patient at
a time, JAX a whole batch at once), so they agree on what rest is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg

DayMap = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``(states (S, B), parameters (P, B)) -> states 24 h later (S, B)``; no events."""

RELATIVE_STEP = 1e-4
"""Finite-difference step of the monodromy matrix, relative to each state's size."""


@dataclass(frozen=True)
class RestSettings:
    """When a patient counts as at rest, and how hard to try.

    Converged when every state's last Newton correction is below
    ``rtol * |x| + atol * scale``, ``scale`` being that state's size at the reference
    rest (so states in different units are judged on their own scale).
    """

    rtol: float = 1e-5
    atol: float = 1e-9
    max_iterations: int = 12


DEFAULT_REST = RestSettings()


class Monodromy:
    """``I - M`` at a reference rest, factorised once, applied as a chord-Newton step."""

    def __init__(self, day_map: DayMap, rest: np.ndarray, parameters: np.ndarray) -> None:
        size = rest.size
        self.scale = np.maximum(np.abs(rest), 1e-8)
        steps = RELATIVE_STEP * self.scale
        starts = np.repeat(rest[:, None], size + 1, axis=1)
        starts[np.arange(size), np.arange(1, size + 1)] += steps
        ends = day_map(starts, np.repeat(parameters[:, None], size + 1, axis=1))
        self.matrix = (ends[:, 1:] - ends[:, :1]) / steps
        self._factors = scipy.linalg.lu_factor(np.eye(size) - self.matrix)

    def correction(self, residual: np.ndarray) -> np.ndarray:
        """Newton correction ``(I - M)^-1 (Phi(x) - x)`` for residuals of shape (S, ...)."""
        return scipy.linalg.lu_solve(self._factors, residual)


def periodic_rest(day_map: DayMap, start: np.ndarray, parameters: np.ndarray,
                  monodromy: Monodromy, settings: RestSettings = RestSettings(),
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Rest states (S, B) from ``start`` (S, B), and which patients converged (B,).

    Broyden's ("good") method per patient, started from the chord step of the shared
    monodromy: each day simulated also updates that patient's own inverse Jacobian,
    so patients far from the reference still converge in a few days (the plain chord
    converges linearly at a rate set by how far they are). Computed in variables
    scaled by the reference rest, so states in different units weigh alike. Converged
    patients stop; the rest go on up to ``settings.max_iterations`` days.
    Non-finite results count as not converged.
    """
    states = np.array(start, dtype=float, copy=True)
    count = states.shape[1]
    converged = np.zeros(count, dtype=bool)
    scale = monodromy.scale[:, None]
    # inverse Jacobian of G(z) = Phi(z) - z in scaled variables: -(D^-1 (I - M) D)^-1
    chord = -monodromy.correction(np.diag(monodromy.scale)) / monodromy.scale[:, None]
    inverse = np.repeat(chord[None], count, axis=0)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        residual = (day_map(states, parameters) - states) / scale
        for _ in range(settings.max_iterations):
            active = np.flatnonzero(~converged & np.all(np.isfinite(residual), axis=0))
            if not active.size:
                break
            step = -np.einsum("bij,jb->ib", inverse[active], residual[:, active])
            updated = states[:, active] + step * scale
            small = np.abs(step * scale) <= (settings.rtol * np.abs(updated)
                                             + settings.atol * scale)
            states[:, active] = updated
            done = np.all(small, axis=0) & np.all(np.isfinite(updated), axis=0)
            converged[active] = done
            going = active[~done]
            if not going.size:
                break
            following = (day_map(states[:, going], parameters[:, going])
                         - states[:, going]) / scale
            change = following - residual[:, going]
            residual[:, going] = following
            step = step[:, ~done]
            h_change = np.einsum("bij,jb->bi", inverse[going], change)
            s_h = np.einsum("ib,bij->bj", step, inverse[going])
            denominator = np.einsum("bj,jb->b", s_h, change)
            usable = np.abs(denominator) > 1e-12 * np.linalg.norm(step, axis=0) ** 2
            update = np.einsum("bi,bj->bij", step.T - h_change, s_h)
            update /= np.where(usable, denominator, 1.0)[:, None, None]
            inverse[going[usable]] += update[usable]
    converged &= np.all(np.isfinite(states), axis=0)
    return states, converged


Burn = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``(states (S, B), parameters (P, B)) -> states after a long burn-in`` (no events)."""


class _Reference:
    """A patient at rest, with its monodromy and, per parameter, how rest moves with it.

    ``predict`` gives a first-order guess of another patient's rest: the implicit
    function theorem on ``Phi(x, p) = x`` gives ``dx/dq = (I - M)^-1 dPhi/dq`` with ``q``
    the logarithm of a positive parameter (the parameter itself otherwise). Patients
    of a population differ by tens of percent in a handful of parameters, so the
    guess saves most of the shooting iterations.
    """

    def __init__(self, day_map: DayMap, parameters: np.ndarray, rest: np.ndarray,
                 monodromy: Monodromy) -> None:
        self.parameters = parameters
        self.rest = rest
        self.monodromy = monodromy
        self._day_map = day_map
        self._slopes: dict[int, np.ndarray] = {}

    def _coordinates(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        positive = self.parameters[rows] > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log(values / self.parameters[rows][:, None])
        return np.where(positive[:, None], logs, values - self.parameters[rows][:, None])

    def _add_slopes(self, rows: np.ndarray) -> None:
        """Finite differences of ``Phi`` in each new parameter, one batched day."""
        steps = np.where(self.parameters[rows] > 0, RELATIVE_STEP,
                         RELATIVE_STEP * np.maximum(np.abs(self.parameters[rows]), 1.0))
        moved = np.repeat(self.parameters[:, None], rows.size + 1, axis=1)
        for column, (row, step) in enumerate(zip(rows, steps, strict=True), start=1):
            base = self.parameters[row]
            moved[row, column] = base * np.exp(step) if base > 0 else base + step
        ends = self._day_map(np.repeat(self.rest[:, None], rows.size + 1, axis=1), moved)
        slopes = self.monodromy.correction((ends[:, 1:] - ends[:, :1]) / steps)
        for column, row in enumerate(rows):
            self._slopes[int(row)] = slopes[:, column]

    def predict(self, parameters: np.ndarray) -> np.ndarray:
        """First-order rest states (S, B) of patients ``parameters`` (P, B)."""
        rows = np.flatnonzero(np.any(parameters != self.parameters[:, None], axis=1))
        missing = np.array([r for r in rows if int(r) not in self._slopes], dtype=int)
        if missing.size:
            self._add_slopes(missing)
        guess = np.repeat(self.rest[:, None], parameters.shape[1], axis=1)
        if rows.size:
            slopes = np.stack([self._slopes[int(r)] for r in rows], axis=1)
            guess += slopes @ self._coordinates(rows, parameters[rows])
        return np.where(np.isfinite(guess), guess, self.rest[:, None])


class RestSolver:
    """Rest states for batches of patients, reusing references across calls.

    A reference is a patient whose rest and monodromy matrix are known. A batch starts
    from the reference nearest its median patient; patients for which the chord does
    not converge are burned in from the model's initial state (``burn``) and tried
    again from a new reference computed at the first of them, which later batches can
    reuse. A patient that still does not converge gets NaN and ``False``.
    """

    MAX_REFERENCES = 16

    def __init__(self, day_map: DayMap, burn: Burn, initial: np.ndarray,
                 settings: RestSettings = RestSettings()) -> None:
        self._day_map = day_map
        self._burn = burn
        self._initial = np.asarray(initial, dtype=float)
        self._settings = settings
        self._references: list[_Reference] = []

    def _new_reference(self, start: np.ndarray, parameters: np.ndarray) -> _Reference | None:
        """Full Newton from ``start`` (monodromy recomputed once, at the first iterate)."""
        rest = self._burn(start[:, None], parameters[:, None])[:, 0]
        if not np.all(np.isfinite(rest)):
            return None
        monodromy = Monodromy(self._day_map, rest, parameters)
        polished, converged = periodic_rest(self._day_map, rest[:, None], parameters[:, None],
                                            monodromy, self._settings)
        if not converged[0]:
            return None
        reference = _Reference(self._day_map, parameters, polished[:, 0],
                               Monodromy(self._day_map, polished[:, 0], parameters))
        self._references.append(reference)
        if len(self._references) > self.MAX_REFERENCES:
            self._references.pop(0)
        return reference

    def _nearest(self, parameters: np.ndarray) -> _Reference | None:
        if not self._references:
            return None
        distances = [np.sum(np.abs(np.arcsinh(parameters) - np.arcsinh(r.parameters)))
                     for r in self._references]
        return self._references[int(np.argmin(distances))]

    def rest(self, parameters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rest states (S, B) of patients ``parameters`` (P, B), and which converged (B,)."""
        parameters = np.asarray(parameters, dtype=float)
        size = parameters.shape[1]
        states = np.full((self._initial.size, size), np.nan)
        converged = np.zeros(size, dtype=bool)
        reference = self._nearest(np.median(parameters, axis=1))
        if reference is not None:
            start = reference.predict(parameters)
            states, converged = periodic_rest(self._day_map, start, parameters,
                                              reference.monodromy, self._settings)
        pending = np.flatnonzero(~converged)
        if pending.size:
            reference = self._new_reference(self._initial, parameters[:, pending[0]])
            if reference is not None:
                burned = self._burn(np.repeat(self._initial[:, None], pending.size, axis=1),
                                    parameters[:, pending])
                again, ok = periodic_rest(self._day_map, burned, parameters[:, pending],
                                          reference.monodromy, self._settings)
                states[:, pending], converged[pending] = again, ok
        states[:, ~converged] = np.nan
        return states, converged
