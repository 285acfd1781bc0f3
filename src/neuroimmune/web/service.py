"""Simulations for the web: a few engines on worker threads, a time limit, and a run cache.

libRoadRunner instances are not thread-safe and take about a second to compile, so the
service keeps one engine per worker thread for the life of the server. The event loop
never simulates: it hands a job to a worker and waits, at most ``queue_limit_s`` for
the job to start (else 503) and ``time_limit_s`` for it to finish (else 504). A solver
call cannot be interrupted, so a run past its limit still finishes on its worker;
``max_pending`` bounds how much such work can pile up.

Finished runs are kept in a small LRU keyed by the canonical request (the validated
scenario and overrides as sorted JSON), and identical requests that arrive while the
first is running wait for it instead of running again. The cache is touched only from
the event loop thread, so it needs no lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from neuroimmune.engines.base import Engine
from neuroimmune.result import SimulationResult
from neuroimmune.scenarios import Scenario
from neuroimmune.scenarios.schedule import scenario_events
from neuroimmune.simulation import simulate
from neuroimmune.web.axis import axis_symbols
from neuroimmune.web.limits import WebLimits
from neuroimmune.web.validation import scenario_to_dict

log = logging.getLogger(__name__)

T = TypeVar("T")

REFERENCE_STEP_H = 0.1
"""Grid of the 24 h reference day that axis activities are compared with."""

HOURS_PER_DAY = 24.0


class ServiceBusy(RuntimeError):
    """No worker could take the job in time (answered 503 with Retry-After)."""


class SimulationTimeout(RuntimeError):
    """The job started but did not finish within the time limit (answered 504)."""


@dataclass(frozen=True)
class Cached:
    value: Any
    cached: bool


def canonical_key(kind: str, scenario: Scenario | None, overrides: Mapping[str, float],
                  **extra: Any) -> str:
    """One string per distinct piece of work: the same request always gives the same key."""
    return json.dumps({"kind": kind,
                       "scenario": None if scenario is None else scenario_to_dict(scenario),
                       "overrides": dict(sorted(overrides.items())), **extra},
                      sort_keys=True, separators=(",", ":"))


class SimulationService:
    """Runs engine work on worker threads, one engine per thread, with limits and a cache."""

    def __init__(self, limits: WebLimits, engine_factory: Callable[[], Engine]) -> None:
        self.limits = limits
        self._factory = engine_factory
        self._executor = ThreadPoolExecutor(max_workers=limits.workers,
                                            thread_name_prefix="neuroimmune-web")
        self._local = threading.local()
        self._engines_ready = 0
        self._count_lock = threading.Lock()
        self._pending = 0
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._inflight: dict[Hashable, asyncio.Future[Any]] = {}
        self._barrier: threading.Barrier | None = None

    # --- engines and workers -------------------------------------------------------------

    @property
    def engines_ready(self) -> int:
        return self._engines_ready

    def _engine(self) -> Engine:
        engine = getattr(self._local, "engine", None)
        if engine is None:
            engine = self._local.engine = self._factory()
            with self._count_lock:
                self._engines_ready += 1
        return engine

    async def warm_up(self) -> None:
        """Compile one engine per worker and rest the default patient, before traffic."""
        barrier = self._barrier = threading.Barrier(self.limits.workers, timeout=120)

        def warm() -> None:
            try:
                engine = self._engine()
                engine.initial_state({"clock_start_h": 8.0})
            except BaseException:
                barrier.abort()  # release the other workers at once
                raise
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()  # hold this thread so the next job lands on another one

        loop = asyncio.get_running_loop()
        jobs = [loop.run_in_executor(self._executor, warm) for _ in range(self.limits.workers)]
        try:
            await asyncio.gather(*jobs)
        except Exception:  # a broken engine shows up again, with its message, on first use
            log.exception("warming up the simulation engines failed")

    def close(self) -> None:
        if self._barrier is not None:
            self._barrier.abort()
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def call(self, job: Callable[[Engine], T]) -> T:
        """Run ``job(engine)`` on a worker within the queue and time limits."""
        if self._pending >= self.limits.max_pending:
            raise ServiceBusy(f"{self._pending} simulations are queued or running")
        loop = asyncio.get_running_loop()
        started = asyncio.Event()

        def run() -> T:
            engine = self._engine()
            loop.call_soon_threadsafe(started.set)
            return job(engine)

        self._pending += 1
        future = loop.run_in_executor(self._executor, run)
        future.add_done_callback(self._release)
        try:
            await asyncio.wait_for(started.wait(), self.limits.queue_limit_s)
        except TimeoutError:
            future.cancel()
            raise ServiceBusy(f"no simulation worker was free within "
                              f"{self.limits.queue_limit_s:g} s") from None
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.limits.time_limit_s)
        except TimeoutError:
            raise SimulationTimeout(f"the simulation did not finish within the time limit of "
                                    f"{self.limits.time_limit_s:g} s") from None

    def _release(self, _: asyncio.Future[Any]) -> None:
        self._pending -= 1

    # --- cache ---------------------------------------------------------------------------

    async def cached(self, key: Hashable, job: Callable[[Engine], T]) -> Cached:
        """``job``'s value for ``key``, from the cache, from an identical running request,
        or by running it."""
        if key in self._cache:
            self._cache.move_to_end(key)
            return Cached(self._cache[key], True)
        if key in self._inflight:
            return Cached(await asyncio.shield(self._inflight[key]), True)
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = waiter
        try:
            value = await self.call(job)
        except BaseException as error:
            if not waiter.done():
                waiter.set_exception(error)
                waiter.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            del self._inflight[key]
        waiter.set_result(value)
        self._cache[key] = value
        while len(self._cache) > self.limits.cache_entries:
            self._cache.popitem(last=False)
        return Cached(value, False)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value derived in the event loop (an encoded response), kept in the same LRU."""
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = self._cache[key] = compute()
        while len(self._cache) > self.limits.cache_entries:
            self._cache.popitem(last=False)
        return value

    # --- the work ------------------------------------------------------------------------

    async def simulate(self, scenario: Scenario, overrides: Mapping[str, float]) -> Cached:
        """``neuroimmune.simulate`` of a validated scenario, cached."""

        def job(engine: Engine) -> SimulationResult:
            return simulate(scenario, engine=engine, **overrides)

        return await self.cached(canonical_key("simulate", scenario, overrides), job)

    async def axis_series(self, scenario: Scenario,
                          overrides: Mapping[str, float]) -> dict[str, np.ndarray]:
        """Every quantity the axis diagram reads, over the run's output times."""
        result = (await self.simulate(scenario, overrides)).value

        def job(engine: Engine) -> dict[str, np.ndarray]:
            parameters = result.parameters
            events = scenario_events(scenario, parameters)
            return engine.simulate(parameters, events, result.time_h, axis_symbols())

        series = await self.cached(canonical_key("axis", scenario, overrides), job)
        return {"time_h": result.time_h, **series.value}

    async def reference_day(self, parameters: Mapping[str, float]) -> dict[str, np.ndarray]:
        """The axis quantities over one day at rest (no interventions) for ``parameters``,
        starting at their ``clock_start_h``; rest repeats every 24 h."""
        times = np.arange(0.0, HOURS_PER_DAY + REFERENCE_STEP_H / 2, REFERENCE_STEP_H)

        def job(engine: Engine) -> dict[str, np.ndarray]:
            return engine.simulate(parameters, [], times, axis_symbols())

        day = await self.cached(canonical_key("reference", None, parameters), job)
        return {"time_h": times, **day.value}

    async def run(self, job: Callable[[Engine], T], key: Hashable | None = None) -> T:
        """Any other engine work (e.g. the SBML export's resting state), cached by ``key``."""
        if key is None:
            return await self.call(job)
        return (await self.cached(key, job)).value
