"""A patient's resting state: the 24-hour periodic orbit, found by shooting.

Rest is not a fixed point: cortisol, and everything it drives, follows the clock. It
is the state ``x`` at the scenario's clock time that one day later is ``x`` again,
``Phi(x) = x`` for the 24 h map ``Phi``. A burn-in approaches it at the pace of the
slowest process (mood and microglial priming: weeks). Newton's method on
``Phi(x) - x`` gets there in a few simulated days. Measuring the Jacobian of ``Phi``
(the monodromy matrix ``M``) costs a simulated day per state, so it is measured by
finite differences only at a reference patient (and one step along each varied
parameter); each patient's ``M`` is predicted from those to first order, and
Broyden's method refines it as the days are simulated: each iteration costs one
simulated day.

Both engines use this module with their own ``DayMap`` (libRoadRunner one patient at
a time, JAX a whole batch at once), so they agree on what rest is.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import scipy.linalg

DayMap = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``(states (S, B), parameters (P, B)) -> states 24 h later (S, B)``; no events."""

DUST = 1e-20
"""A state this close to zero after a burn-in is a pathogen or drug decayed to solver
dust: it becomes exactly zero, so it stays absent instead of seeding restarts."""

RELATIVE_STEP = 1e-4
"""Finite-difference step of the monodromy matrix, relative to each state's size."""

MONODROMY_STEP = 0.05
"""Step in log-parameter of the monodromy's slopes: large enough that the difference of
two measured monodromies is not solver noise, small next to the patients' spread."""


HALFWAY_TO_ZERO = 0.5
"""The most of the way to zero one shooting step may take a positive state: a longer
step is shortened as a whole (its direction kept). Every state is an amount, a level or
a share, and a full step from an approximate Jacobian that shot one below zero made
the next day fail. With this and exact days going on from the rough days (6,144
sampled patients, lps_2ngkg, batched engine, alternating runs): 24 instead of 44
patients needed the second stage, 5 instead of 12 the third, none instead of 5 found
no rest, and the rest took 9.5-10.0 s instead of 13.7-15.6 s. Seven tenths and a
fifth of the way sent more patients to the later stages; a third did about as well."""


PREDICTED_DAYS = 14
"""Exact days a patient gets with its predicted monodromy before it measures its own
where it got to (a simulated day per state, far dearer). The slow tolerance and
glucocorticoid-priming states make most sampled patients converge in 8-12 days, so
the allowance covers those; the few left are far from the reference (resting endotoxin
near the plasma's neutralising capacity, where the first-order prediction is poor)."""


@dataclass(frozen=True)
class RestSettings:
    """When a patient counts as at rest, and how hard to try.

    Converged when every state's last Newton correction is below
    ``rtol * |x| + max(atol * scale, floor)``, ``scale`` being that state's size where
    the shooting started (so states in different units are judged on their own scale);
    ``floor`` is a hundred times the solvers' absolute tolerance, below which a
    state resting near zero is solver noise.
    """

    rtol: float = 1e-5
    atol: float = 1e-9
    floor: float = 1e-10
    max_iterations: int = 25


DEFAULT_REST = RestSettings()


class Monodromy:
    """``I - M`` at a rest, factorised once, applied as a Newton step (the reference's)."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix
        self._factors = scipy.linalg.lu_factor(np.eye(matrix.shape[0]) - matrix)

    def correction(self, residual: np.ndarray) -> np.ndarray:
        """Newton correction ``(I - M)^-1 (Phi(x) - x)`` for residuals of shape (S, ...)."""
        return scipy.linalg.lu_solve(self._factors, residual)


def measured_monodromies(day_map: DayMap, rests: np.ndarray,
                         parameters: np.ndarray) -> np.ndarray:
    """Monodromy matrices (B, S, S) at each column of ``rests`` (S, B), by finite
    differences, all in one batched day. States at exactly zero (absent things stay
    absent) get no column.

    A patient whose own day fails from its column gets NaN without its S moved days:
    they would all fail too, and in a batched day map every failing column costs a
    search for the failing patients (measured: 2-5 s of a 1,024-patient chunk's rest).
    The moved days still run beside their own unmoved day, so that both share a
    batch's step sizes and their difference is not solver noise.
    """
    matrices = np.full((rests.shape[1], rests.shape[0], rests.shape[0]), np.nan)
    runs = np.flatnonzero(np.all(np.isfinite(day_map(rests, parameters)), axis=0))
    if runs.size:
        matrices[runs] = _differences(day_map, rests[:, runs], parameters[:, runs])
    return matrices


def _differences(day_map: DayMap, rests: np.ndarray, parameters: np.ndarray) -> np.ndarray:
    """Finite-difference monodromies (B, S, S) at each column of ``rests`` (S, B)."""
    starts, columns, steps = [], [], []
    for patient in range(rests.shape[1]):
        rest = rests[:, patient]
        moving = np.flatnonzero(rest != 0.0)
        step = RELATIVE_STEP * np.maximum(np.abs(rest[moving]), 1e-8)
        moved = np.repeat(rest[:, None], moving.size + 1, axis=1)
        moved[moving, np.arange(1, moving.size + 1)] += step
        starts.append(moved)
        columns.append(np.full(moving.size + 1, patient))
        steps.append((moving, step))
    where = np.concatenate(columns)
    ends = day_map(np.concatenate(starts, axis=1), parameters[:, where])
    matrices, first = np.zeros((rests.shape[1], rests.shape[0], rests.shape[0])), 0
    for patient, (moving, step) in enumerate(steps):
        block = ends[:, first : first + moving.size + 1]
        first += moving.size + 1
        matrices[patient][:, moving] = (block[:, 1:] - block[:, :1]) / step
    return matrices


def _scaled_inverses(monodromies: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Inverse Jacobians (B, S, S) of ``G(z) = Phi(z) - z`` in variables scaled by
    ``scale`` (S, B): ``-(D^-1 (I - M) D)^-1``; NaN where a monodromy is not usable."""
    inverses = np.full(monodromies.shape, np.nan)
    identity = np.eye(monodromies.shape[1])
    usable = np.flatnonzero(np.all(np.isfinite(monodromies), axis=(1, 2)))
    try:
        inverses[usable] = np.linalg.inv(identity - monodromies[usable])
    except np.linalg.LinAlgError:  # some matrix is singular: one by one, it stays NaN
        for patient in usable:
            with contextlib.suppress(np.linalg.LinAlgError):
                inverses[patient] = np.linalg.inv(identity - monodromies[patient])
    inverses *= scale.T[:, None, :]  # in place: these are (B, S, S), ~22 MB per 1,024
    inverses /= scale.T[:, :, None]
    return np.negative(inverses, out=inverses)


@dataclass(frozen=True)
class RoughDays:
    """A cheaper day map (a looser solver tolerance) to shoot with first, and when its
    answer is close enough to hand over to the exact day map."""

    day_map: DayMap
    settings: RestSettings


def periodic_rest(day_map: DayMap, start: np.ndarray, parameters: np.ndarray,
                  monodromies: np.ndarray, settings: RestSettings = DEFAULT_REST,
                  rough: RoughDays | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rest states (S, B) from ``start`` (S, B), and which patients converged (B,).

    With ``rough``, the first days are shot with the rough day map until its own rest
    is found to ``rough.settings`` (or its days run out), and the exact day map takes
    over from where they got to, with the inverse Jacobians they refined: the days
    that cover most of the distance cost about half, and the answer is the exact day
    map's rest to ``settings`` as without them. A patient the rough days did not bring
    to rest goes on from there too, not from ``start``: starting over replayed the same
    rough path on exact days (measured with ``HALFWAY_TO_ZERO``: 36 instead of 25 of
    6,144 patients needed a second stage, and one found no rest). See ``_broyden``.
    """
    scale = np.maximum(np.abs(start), 1e-8)  # states resting at ~0 still get a scale
    inverses = _scaled_inverses(monodromies, scale)
    if rough is not None:
        start, _ = _broyden(rough.day_map, start, parameters, inverses, scale,
                            rough.settings)
    return _broyden(day_map, start, parameters, inverses, scale, settings)


def _broyden(day_map: DayMap, start: np.ndarray, parameters: np.ndarray,
             inverses: np.ndarray, scale: np.ndarray, settings: RestSettings,
             ) -> tuple[np.ndarray, np.ndarray]:
    """Rest states (S, B) from ``start`` (S, B), and which patients converged (B,).

    Broyden's ("good") method per patient, started from the Newton step of the
    patient's inverse Jacobian (``inverses[b]``, from its monodromy, measured or
    predicted, in variables divided by ``scale`` so that states in different units
    weigh alike): each day simulated also updates that inverse (in place), so an
    approximate monodromy still converges in a few days (the plain chord converges
    linearly at a rate set by its error). Converged patients stop (the arrays shrink
    to those still going); the rest go on up to ``settings.max_iterations`` days.
    A patient whose day fails stops, not converged, at the last state whose day ran
    (where a later stage may start). States at exactly zero that the day
    leaves at zero (absent pathogens and drugs) stay exactly zero; a step that would
    take a positive state more than halfway to zero is shortened (``HALFWAY_TO_ZERO``),
    and Broyden's update then uses the step taken.
    """
    states = np.array(start, dtype=float, copy=True)
    converged = np.zeros(states.shape[1], dtype=bool)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        residual = (day_map(states, parameters) - states) / scale
        # absent things (no pathogen, no drug) rest at exactly zero: keep them there
        pinned = (states == 0.0) & (residual == 0.0)
        going = np.flatnonzero(np.all(np.isfinite(residual), axis=0))
        inverse, residual = inverses[going], residual[:, going]
        for _ in range(settings.max_iterations):
            step = -np.matmul(inverse, residual.T[:, :, None])[:, :, 0].T
            step[pinned[:, going]] = 0.0
            full = step * scale[:, going]
            small = np.abs(full) <= (  # judged on the full step: a shortened one is no sign
                settings.rtol * np.abs(states[:, going] + full)
                + np.maximum(settings.atol * scale[:, going], settings.floor))
            step *= _step_share(full, states[:, going], settings.floor)
            updated = states[:, going] + step * scale[:, going]
            previous, states[:, going] = states[:, going], updated
            done = np.all(small, axis=0) & np.all(np.isfinite(updated), axis=0)
            converged[going[done]] = True
            inverses[going[done]] = inverse[done]
            going, inverse, residual, step, previous = (
                going[~done], inverse[~done], residual[:, ~done], step[:, ~done],
                previous[:, ~done])
            if not going.size:
                break
            following = (day_map(states[:, going], parameters[:, going])
                         - states[:, going]) / scale[:, going]
            change = following - residual
            residual = following
            h_change = np.matmul(inverse, change.T[:, :, None])[:, :, 0]  # (G, S)
            s_h = np.matmul(step.T[:, None, :], inverse)[:, 0, :]  # (G, S)
            denominator = np.einsum("bj,jb->b", s_h, change)
            # skip an update whose denominator is round-off (it would blow the inverse up)
            usable = np.abs(denominator) > 1e-12 * np.linalg.norm(step, axis=0) ** 2
            weight = np.where(usable, 1.0 / np.where(usable, denominator, 1.0), 0.0)
            inverse += (step.T - h_change)[:, :, None] * (s_h * weight[:, None])[:, None, :]
            finite = np.all(np.isfinite(residual), axis=0)
            states[:, going[~finite]] = previous[:, ~finite]  # the last state whose day ran
            going, inverse, residual = going[finite], inverse[finite], residual[:, finite]
            if not going.size:
                break
    inverses[going] = inverse
    converged &= np.all(np.isfinite(states), axis=0)
    return states, converged


def _step_share(change: np.ndarray, states: np.ndarray, floor: float) -> np.ndarray:
    """Share (B,) of each patient's step ``change`` (S, B) from ``states`` (S, B) that
    takes no state above ``floor`` more than ``HALFWAY_TO_ZERO`` of the way to zero.

    States at or below ``floor`` are solver noise and do not hold a step back: a
    pathogen resting at zero comes back from a libRoadRunner day at about 1e-23, and
    halving every step for it left the default engine at 50 simulated days per patient
    instead of 9.5 (measured, lps_2ngkg)."""
    shrinking = (change < 0.0) & (states > floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        allowed = np.where(shrinking, HALFWAY_TO_ZERO * states / -change, np.inf)
    return np.minimum(1.0, np.min(allowed, axis=0, initial=np.inf))


Burn = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``(states (S, B), parameters (P, B)) -> states after a long burn-in`` (no events)."""


class _Reference:
    """A patient at rest, with its monodromy and, per parameter, how rest moves with it.

    ``predict`` gives a first-order guess of another patient's rest: the implicit
    function theorem on ``Phi(x, p) = x`` gives ``dx/dq = (I - M)^-1 dPhi/dq`` with ``q``
    the logarithm of a positive parameter (the parameter itself otherwise). Patients
    of a population differ by tens of percent in a handful of parameters, so the
    guess saves most of the shooting iterations.

    ``monodromies`` predicts each patient's monodromy the same way, to first order in
    ``q`` (slopes from monodromies measured a step ``MONODROMY_STEP`` along each
    parameter): Broyden's method started from a patient's own approximate Jacobian
    converges in fewer days than from the reference's (whose error in the slow modes,
    mood and microglial priming, is as large as the patients' differences in them).
    """

    def __init__(self, day_map: DayMap, parameters: np.ndarray, rest: np.ndarray,
                 monodromy: Monodromy) -> None:
        self.parameters = parameters
        self.rest = rest
        self.monodromy = monodromy
        self._day_map = day_map
        self._slopes: dict[int, np.ndarray] = {}
        self._monodromy_slopes: dict[int, np.ndarray] = {}

    def _coordinates(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        positive = self.parameters[rows] > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log(values / self.parameters[rows][:, None])
        return np.where(positive[:, None], logs, values - self.parameters[rows][:, None])

    def _varied(self, parameters: np.ndarray, known: dict[int, np.ndarray],
                ) -> tuple[np.ndarray, np.ndarray]:
        """Rows where ``parameters`` (P, B) differ from the reference's; those not in
        ``known`` yet are returned second."""
        rows = np.flatnonzero(np.any(parameters != self.parameters[:, None], axis=1))
        return rows, np.array([r for r in rows if int(r) not in known], dtype=int)

    def _moved(self, rows: np.ndarray, relative_step: float) -> tuple[np.ndarray, np.ndarray]:
        """The reference's parameters (P, 1 + R): column 0 as is, column ``1 + i`` with
        ``rows[i]`` moved by a step in ``q``; and the steps (R,)."""
        bases = self.parameters[rows]
        steps = np.where(bases > 0, relative_step,
                         relative_step * np.maximum(np.abs(bases), 1.0))
        moved = np.repeat(self.parameters[:, None], rows.size + 1, axis=1)
        moved[rows, np.arange(1, rows.size + 1)] = np.where(bases > 0, bases * np.exp(steps),
                                                            bases + steps)
        return moved, steps

    def _add_slopes(self, rows: np.ndarray) -> None:
        """Finite differences of ``Phi`` in each new parameter, one batched day."""
        moved, steps = self._moved(rows, RELATIVE_STEP)
        ends = self._day_map(np.repeat(self.rest[:, None], rows.size + 1, axis=1), moved)
        differences = (ends[:, 1:] - ends[:, :1]) / steps
        for column, row in enumerate(rows):
            # one solve per column: a multi-column solve may round differently, and a
            # patient's rest must not depend on which slopes were computed together
            self._slopes[int(row)] = self.monodromy.correction(differences[:, column])

    def _add_monodromy_slopes(self, rows: np.ndarray) -> None:
        """Monodromies at the first-order rest one step along each parameter, measured
        in one batch with the reference's own (so a batched day map shares steps)."""
        moved, steps = self._moved(rows, MONODROMY_STEP)
        points = np.repeat(self.rest[:, None], rows.size + 1, axis=1)
        points[:, 1:] += np.stack([self._slopes[int(r)] for r in rows], axis=1) * steps
        points[self.rest == 0.0] = 0.0  # absent things stay absent
        measured = measured_monodromies(self._day_map, points, moved)
        for column, (row, step) in enumerate(zip(rows, steps, strict=True), 1):
            self._monodromy_slopes[int(row)] = (measured[column] - measured[0]) / step

    def monodromies(self, parameters: np.ndarray) -> np.ndarray:
        """First-order monodromies (B, S, S) of patients ``parameters`` (P, B)."""
        rows, missing = self._varied(parameters, self._monodromy_slopes)
        if missing.size:
            self._add_monodromy_slopes(missing)
        size = self.monodromy.matrix.shape[0]
        if not rows.size:
            return np.repeat(self.monodromy.matrix[None], parameters.shape[1], axis=0)
        slopes = np.stack([self._monodromy_slopes[int(r)] for r in rows])  # (R, S, S)
        # one matrix product (B, R) x (R, S*S): a tenth of the time of the same einsum
        with np.errstate(invalid="ignore", over="ignore"):  # -inf coordinates, see predict
            matrices = (self._coordinates(rows, parameters[rows]).T
                        @ slopes.reshape(rows.size, -1)).reshape(-1, size, size)
        matrices += self.monodromy.matrix
        return matrices

    def predict(self, parameters: np.ndarray) -> np.ndarray:
        """First-order rest states (S, B) of patients ``parameters`` (P, B)."""
        rows, missing = self._varied(parameters, self._slopes)
        if missing.size:
            self._add_slopes(missing)
        guess = np.repeat(self.rest[:, None], parameters.shape[1], axis=1)
        if rows.size:
            slopes = np.stack([self._slopes[int(r)] for r in rows], axis=1)
            # a parameter set to 0 from a positive reference lies at log-coordinate -inf:
            # no first-order guess, so the reference rest is used (below)
            with np.errstate(invalid="ignore", over="ignore"):
                guess += slopes @ self._coordinates(rows, parameters[rows])
        return np.where(np.isfinite(guess), guess, self.rest[:, None])


class RestSolver:
    """Rest states for batches of patients; each patient's rest depends on it alone.

    Every patient starts from the default patient at its clock time (the reference,
    computed once from the model's initial state by a burn-in and Newton's method),
    moved by the first-order prediction, and Broyden's method takes it from there,
    started from the patient's predicted monodromy.
    A patient that has not converged in ``PREDICTED_DAYS`` (about 1 in 150 of a
    sampled population: far from the reference) gets a monodromy of its own where
    its shooting got to (its prediction if that was not finite) and tries again; one
    that still does not converge is burned in from the initial state and solved with
    a monodromy at the burned-in state. Each stage is one batch over the
    patients that reach it. Nothing learned from one patient is used for another, so
    results do not depend on which patients ran before (resumed runs and different
    chunkings agree, up to the shared step size of a batched day map). A patient
    that still does not converge gets NaN and ``False``. With ``rough`` every
    shooting starts on cheaper days (``periodic_rest``).
    """

    def __init__(self, day_map: DayMap, burn: Burn, initial: np.ndarray,
                 defaults: np.ndarray, clock_row: int,
                 settings: RestSettings = DEFAULT_REST, rough: RoughDays | None = None,
                 ) -> None:
        """``defaults``: the default patient's parameters (P,); ``clock_row``: the row of
        ``clock_start_h`` in parameter arrays."""
        self._rough = rough
        self._day_map = day_map
        self._burn = burn
        self._initial = np.asarray(initial, dtype=float)
        self._settings = settings
        self._clock_row = clock_row
        self._defaults = np.asarray(defaults, dtype=float)
        self._references: dict[float, _Reference | None] = {}
        self._learning = threading.Lock()

    def _solve_from(self, starts: np.ndarray, parameters: np.ndarray,
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Newton-Broyden from ``starts`` (S, B), each with a monodromy of its own there;
        a patient whose day fails from its start is left not converged."""
        states = np.full(starts.shape, np.nan)
        converged = np.zeros(starts.shape[1], dtype=bool)
        usable = np.flatnonzero(np.all(np.isfinite(starts), axis=0))
        if not usable.size:
            return states, converged
        monodromies = measured_monodromies(self._day_map, starts[:, usable],
                                           parameters[:, usable])
        measured = np.all(np.isfinite(monodromies), axis=(1, 2))
        usable, monodromies = usable[measured], monodromies[measured]
        if usable.size:
            states[:, usable], converged[usable] = periodic_rest(
                self._day_map, starts[:, usable], parameters[:, usable], monodromies,
                self._settings, self._rough)
        return states, converged

    def _burned_in(self, parameters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Burn-in from the initial state, then Newton with each patient's own monodromy."""
        count = parameters.shape[1]
        burned = self._burn(np.repeat(self._initial[:, None], count, axis=1), parameters)
        burned[np.abs(burned) < DUST] = 0.0
        return self._solve_from(burned, parameters)

    def _reference(self, parameters: np.ndarray) -> _Reference | None:
        """The default patient at this patient's clock time."""
        clock = float(parameters[self._clock_row])
        if clock not in self._references:
            default = self._defaults.copy()
            default[self._clock_row] = clock
            rest, converged = self._burned_in(default[:, None])
            self._references[clock] = (
                _Reference(self._day_map, default, rest[:, 0],
                           Monodromy(measured_monodromies(self._day_map, rest,
                                                          default[:, None])[0]))
                if converged[0] else None)
        return self._references[clock]

    def rest(self, parameters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rest states (S, B) of patients ``parameters`` (P, B), and which converged (B,)."""
        parameters = np.asarray(parameters, dtype=float)
        states = np.full((self._initial.size, parameters.shape[1]), np.nan)
        predicted = states.copy()
        converged = np.zeros(parameters.shape[1], dtype=bool)
        for clock in np.unique(parameters[self._clock_row]):
            columns = np.flatnonzero(parameters[self._clock_row] == clock)
            group = parameters[:, columns]
            # threads sharing this solver learn the reference and its slopes once, in
            # one batch: slopes from a batched day map depend on what ran together
            with self._learning:
                reference = self._reference(parameters[:, columns[0]])
                if reference is None:
                    continue
                predicted[:, columns] = reference.predict(group)
                monodromies = reference.monodromies(group)
            states[:, columns], converged[columns] = periodic_rest(
                self._day_map, predicted[:, columns], group, monodromies,
                replace(self._settings, max_iterations=PREDICTED_DAYS), self._rough)
        columns = np.flatnonzero(~converged)  # second stage: own monodromy where it got to
        if columns.size:
            got_to = states[:, columns]
            starts = np.where(np.all(np.isfinite(got_to), axis=0), got_to, predicted[:, columns])
            states[:, columns], converged[columns] = self._solve_from(
                starts, parameters[:, columns])
        columns = np.flatnonzero(~converged)  # last stage: burn-in from the initial state
        if columns.size:
            states[:, columns], converged[columns] = self._burned_in(parameters[:, columns])
        return _finished(states, converged)

    def rest_by_burn_in(self, parameters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``rest``'s last stage alone (burn-in from the initial state, then Newton with
        each patient's own monodromy), for a second try on other days."""
        return _finished(*self._burned_in(parameters))


def _finished(states: np.ndarray, converged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NaN for patients not at rest; solver dust in the others becomes exact zero."""
    states[:, ~converged] = np.nan
    states[np.abs(states) < DUST] = 0.0
    return states, converged
