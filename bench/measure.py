"""The measurement registry, the runner, and the table.

A row is a decorated setup function that prepares its inputs and returns what to time
(in bench.suite, where _client and _get are a logged-in test client and a checked GET):

    @measurement("page: codebook", floor="floor: 50-row page", targets=(MaxP95(100),))
    def codebook(ctx: Context) -> Trial:
        client = _client(ctx)
        url = reverse("insights:codebook", args=[ctx.dataset.project_slugs[0]])
        return Trial(lambda i: _get(client, url))

`run(i)` is called `ctx.calls` times with i = 0, 1, …: warm-up calls first, then the timed
ones, then one more under CaptureQueriesContext for the query count (so counting queries
never slows a timed call). Inputs that must differ per call (a new session to import into,
a new span to code) are prepared before timing, indexed by i; Trial.before/after run
untimed around each call.

A floor is a measurement too, registered with `is_floor=True`; every figure names its floor
and is reported as a ratio of medians (figure time / floor time). Figure and floor calls
alternate (see run_all), so a busy machine slows both sides alike.
"""

from __future__ import annotations

import gc
import math
import os
import random
import statistics
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.data import Dataset
from bench.scales import Scale

# --- Targets ------------------------------------------------------------------------------------


class Target(Protocol):
    def describe(self) -> str: ...

    def check(self, result: Result, results: dict[str, Result]) -> bool | None:
        """True: met; False: missed; None: cannot tell (e.g. the floor is missing)."""


@dataclass(frozen=True)
class MaxRatio:
    """Median time at most `limit` times the floor's median time."""

    limit: float

    def describe(self) -> str:
        return f"≤ {self.limit:g}× floor"

    def check(self, result: Result, results: dict[str, Result]) -> bool | None:
        return None if result.ratio is None else result.ratio <= self.limit


@dataclass(frozen=True)
class MaxP95:
    """95th-percentile time at most `ms` milliseconds."""

    ms: float

    def describe(self) -> str:
        return f"p95 ≤ {self.ms:g} ms"

    def check(self, result: Result, results: dict[str, Result]) -> bool | None:
        return None if result.p95_ms is None else result.p95_ms <= self.ms


@dataclass(frozen=True)
class MaxPeakMB:
    """A peak memory figure the row's setup put in its info (`key`, in MB) at most `mb`."""

    mb: float
    key: str = "peak_rss_mb"

    def describe(self) -> str:
        return f"{self.key} ≤ {self.mb:g}"

    def check(self, result: Result, results: dict[str, Result]) -> bool | None:
        value = result.info.get(self.key)
        return None if not isinstance(value, int | float) else value <= self.mb


@dataclass(frozen=True)
class SameQueriesAs:
    """The same number of queries as another row: the page size or page does not matter."""

    other: str

    def describe(self) -> str:
        return f"queries = {self.other}"

    def check(self, result: Result, results: dict[str, Result]) -> bool | None:
        other = results.get(self.other)
        if other is None or other.queries is None or result.queries is None:
            return None
        return result.queries == other.queries


# --- Registry -----------------------------------------------------------------------------------


@dataclass
class Trial:
    run: Callable[[int], object]
    work: float | None = None  # units of work per call, for rate units ("words/s")
    teardown: Callable[[], None] | None = None
    info: dict[str, object] = field(default_factory=dict)  # facts for the JSON, e.g. hits found
    before: Callable[[int], None] | None = None  # untimed, before each call
    after: Callable[[int], None] | None = None  # untimed, after each call


@dataclass(frozen=True)
class Measurement:
    name: str
    setup: Callable[[Context], Trial]
    floor: str | None = None
    unit: str = "ms"  # "ms", or a rate such as "words/s" (Trial.work per second)
    targets: tuple[Target, ...] = ()
    is_floor: bool = False
    repetitions: Callable[[Scale], int] | None = None  # default: scale.repetitions
    warmup: Callable[[Scale], int] | None = None  # default: scale.warmup
    needs: Callable[[], str | None] | None = None  # a reason it cannot run here, or None
    count_queries: bool = True  # False when one more run costs too much (the index rebuild)
    paired: bool = True  # alternate with the floor call by call (see run_all)


REGISTRY: dict[str, Measurement] = {}


def measurement(
    name: str,
    *,
    floor: str | None = None,
    unit: str = "ms",
    targets: Sequence[Target] = (),
    is_floor: bool = False,
    repetitions: Callable[[Scale], int] | None = None,
    warmup: Callable[[Scale], int] | None = None,
    needs: Callable[[], str | None] | None = None,
    count_queries: bool = True,
    paired: bool = True,
) -> Callable[[Callable[[Context], Trial]], Callable[[Context], Trial]]:
    def register(setup: Callable[[Context], Trial]) -> Callable[[Context], Trial]:
        if name in REGISTRY:
            raise ValueError(f"Two measurements are named {name!r}.")
        REGISTRY[name] = Measurement(
            name=name,
            setup=setup,
            floor=floor,
            unit=unit,
            targets=tuple(targets),
            is_floor=is_floor,
            repetitions=repetitions,
            warmup=warmup,
            needs=needs,
            count_queries=count_queries,
            paired=paired,
        )
        return setup

    return register


# --- Context ------------------------------------------------------------------------------------


@dataclass
class Context:
    dataset: Dataset
    calls: int  # how many times Trial.run will be called, the query-counting call included
    rng: random.Random
    cache: dict[str, object]  # shared between measurements of one run (e.g. a built index)

    @property
    def scale(self) -> Scale:
        return self.dataset.scale


# --- Results ------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    unit: str
    is_floor: bool
    floor: str | None
    samples_ns: list[int] = field(default_factory=list)
    floor_samples_ns: list[int] = field(default_factory=list)  # the floor's, taken alongside
    work: float | None = None
    queries: int | None = None
    ratio: float | None = None
    floor_median_ms: float | None = None
    targets: list[str] = field(default_factory=list)
    status: str = "n/a"
    skipped: str = ""  # why it did not run
    info: dict[str, object] = field(default_factory=dict)
    # The machine's one-minute load average as the timed calls began and as they ended: on a
    # shared machine it says how far the figures are the neighbours'.
    load: tuple[float, float] | None = None

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.samples_ns) / 1e6 if self.samples_ns else None

    @property
    def p95_ms(self) -> float | None:
        return percentile(self.samples_ns, 95) / 1e6 if self.samples_ns else None

    def shown(self, ms: float | None) -> float | None:
        """A time in this row's unit: ms as is, a rate as work per second at that time."""
        if ms is None:
            return None
        if self.unit == "ms":
            return ms
        return (self.work or 0) / (ms / 1000) if ms else math.inf

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "unit": self.unit,
            "is_floor": self.is_floor,
            "median": _round(self.shown(self.median_ms)),
            "p95": _round(self.shown(self.p95_ms)),
            "median_ms": _round(self.median_ms),
            "p95_ms": _round(self.p95_ms),
            "min_ms": _round(min(self.samples_ns) / 1e6) if self.samples_ns else None,
            "runs": len(self.samples_ns),
            "work_per_run": self.work,
            "floor": self.floor,
            "floor_median": _round(self.shown(self.floor_median_ms)),
            "floor_median_ms": _round(self.floor_median_ms),
            "ratio": _round(self.ratio),
            "targets": self.targets,
            "status": self.status,
            "queries": self.queries,
            "skipped": self.skipped or None,
            "info": self.info or None,
            "load": list(self.load) if self.load else None,
        }


def percentile(samples: Sequence[int], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return float(ordered[0])
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _round(value: float | None) -> float | None:
    if value is None or math.isinf(value):
        return None
    return round(value, 3) if abs(value) < 100 else round(value, 1)


# --- Running ------------------------------------------------------------------------------------


def select(names: Sequence[str] | None) -> list[Measurement]:
    """Measurements whose name contains one of `names` (all when None), with their floors."""
    chosen = [
        m for m in REGISTRY.values() if not names or any(n.lower() in m.name.lower() for n in names)
    ]
    wanted = {m.name for m in chosen} | {m.floor for m in chosen if m.floor}
    return [m for m in REGISTRY.values() if m.name in wanted]


def run_all(
    measurements: Sequence[Measurement],
    dataset: Dataset,
    *,
    log: Callable[[str], None] = print,
    profile_dir: Path | None = None,
) -> dict[str, Result]:
    """Run each figure with its floor, in registration order; floors are not run on their own.

    A paired figure (the default) alternates with its floor call by call, so both see the
    same machine: on a busy two-core box the load changes from second to second, and the
    ratio of two runs taken a minute apart would measure the neighbours. An unpaired figure
    (the index rebuild, minutes per call) runs right after its floor.
    """
    results: dict[str, Result] = {}
    cache: dict[str, object] = {}
    selected = {m.name for m in measurements}
    for m in measurements:
        floor = REGISTRY.get(m.floor) if m.floor and m.floor in selected else None
        if m.is_floor:
            if not any(f.floor == m.name for f in measurements):
                results[m.name] = _run_single(m, dataset, cache, profile_dir)
                _log(log, results[m.name])
            continue
        if floor is None or not m.paired:
            if floor is not None and floor.name not in results:
                results[floor.name] = _run_single(floor, dataset, cache, profile_dir)
                _log(log, results[floor.name])
            results[m.name] = _run_single(m, dataset, cache, profile_dir)
            if floor is not None:
                results[m.name].floor_samples_ns = list(results[floor.name].samples_ns)
        else:
            floor_result = results.setdefault(
                floor.name, Result(name=floor.name, unit=floor.unit, is_floor=True, floor=None)
            )
            results[m.name] = _run_pair(m, floor, floor_result, dataset, cache, profile_dir)
        _log(log, results[m.name])
    for result in results.values():
        _judge(result, results)
    return results


def _log(log: Callable[[str], None], result: Result) -> None:
    if result.skipped:
        log(f"  {result.name}: not run ({result.skipped})")
        return
    floor = (
        f" (floor {statistics.median(result.floor_samples_ns) / 1e6:.2f} ms)"
        if result.floor_samples_ns
        else ""
    )
    queries = f", {result.queries} queries" if result.queries is not None else ""
    load = f", load {result.load[0]:.1f}→{result.load[1]:.1f}" if result.load else ""
    log(
        f"  {result.name}: median {result.median_ms:.2f} ms, p95 {result.p95_ms:.2f} ms"
        f"{floor}{queries}{load}"
    )


def load_average() -> float:
    """The one-minute load average (0 where the system has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


@dataclass
class _Prepared:
    m: Measurement
    trial: Trial
    warmup: int
    repetitions: int


def _prepare(
    m: Measurement,
    dataset: Dataset,
    cache: dict[str, object],
    *,
    warmup: int,
    repetitions: int,
    extra_calls: int,
) -> _Prepared | str:
    """The measurement's trial, or why it cannot run."""
    reason = m.needs() if m.needs else None
    if reason:
        return reason
    ctx = Context(
        dataset=dataset,
        calls=warmup + repetitions + extra_calls,
        rng=random.Random(f"{m.name}:{dataset.scale.name}"),  # noqa: S311 - reproducible
        cache=cache,
    )
    try:
        return _Prepared(m, m.setup(ctx), warmup, repetitions)
    except Unavailable as unavailable:
        return str(unavailable)


def _counts(m: Measurement, dataset: Dataset) -> tuple[int, int]:
    scale = dataset.scale
    warmup = m.warmup(scale) if m.warmup else scale.warmup
    repetitions = m.repetitions(scale) if m.repetitions else scale.repetitions
    return warmup, repetitions


def _timed(trial: Trial, i: int) -> int:
    if trial.before is not None:
        trial.before(i)
    started = time.perf_counter_ns()
    trial.run(i)
    elapsed = time.perf_counter_ns() - started
    if trial.after is not None:
        trial.after(i)
    return elapsed


def _queries(trial: Trial, i: int) -> int:
    if trial.before is not None:
        trial.before(i)
    with CaptureQueriesContext(connection) as queries:
        trial.run(i)
    if trial.after is not None:
        trial.after(i)
    return len(queries)


def _untimed(trial: Trial, i: int) -> None:
    if trial.before is not None:
        trial.before(i)
    trial.run(i)
    if trial.after is not None:
        trial.after(i)


def _run_single(
    m: Measurement, dataset: Dataset, cache: dict[str, object], profile_dir: Path | None
) -> Result:
    """Warm up, time, count queries; with profile_dir, profile one more call (pyinstrument)."""
    result = Result(name=m.name, unit=m.unit, is_floor=m.is_floor, floor=m.floor)
    warmup, repetitions = _counts(m, dataset)
    extra = (1 if m.count_queries else 0) + (1 if profile_dir else 0)
    prepared = _prepare(
        m, dataset, cache, warmup=warmup, repetitions=repetitions, extra_calls=extra
    )
    if isinstance(prepared, str):
        result.skipped = prepared
        return result
    trial = prepared.trial
    try:
        for i in range(warmup):
            _untimed(trial, i)
        gc.collect()
        before = load_average()
        result.samples_ns = [_timed(trial, i) for i in range(warmup, warmup + repetitions)]
        result.load = (before, load_average())
        i = warmup + repetitions
        if m.count_queries:
            result.queries = _queries(trial, i)
            i += 1
        if profile_dir is not None:
            _profile(trial, i, profile_dir / f"{_file_name(m.name)}.txt")
        result.work, result.info = trial.work, dict(trial.info)
    except Exception as error:  # one broken row must not lose the others' figures
        traceback.print_exc()
        result.samples_ns = []
        result.skipped = f"failed: {type(error).__name__}: {error}"
    finally:
        if trial.teardown is not None:
            trial.teardown()
    return result


def _run_pair(
    m: Measurement,
    floor: Measurement,
    floor_result: Result,
    dataset: Dataset,
    cache: dict[str, object],
    profile_dir: Path | None,
) -> Result:
    """The figure and its floor, alternating call by call (ABBA order, against drift)."""
    result = Result(name=m.name, unit=m.unit, is_floor=False, floor=m.floor)
    warmup, repetitions = _counts(m, dataset)
    extra = (1 if m.count_queries else 0) + (1 if profile_dir else 0)
    counts = {"warmup": warmup, "repetitions": repetitions, "extra_calls": extra}
    floor_prepared = _prepare(floor, dataset, cache, **counts)
    if isinstance(floor_prepared, str):
        result.skipped = floor_result.skipped = floor_prepared
        return result
    prepared = _prepare(m, dataset, cache, **counts)
    if isinstance(prepared, str):
        result.skipped = prepared
        if floor_prepared.trial.teardown is not None:
            floor_prepared.trial.teardown()
        return result
    trial, floor_trial = prepared.trial, floor_prepared.trial
    try:
        for i in range(warmup):
            _untimed(floor_trial, i)
            _untimed(trial, i)
        gc.collect()
        before = load_average()
        for k in range(repetitions):
            i = warmup + k
            if k % 4 in (0, 3):
                result.floor_samples_ns.append(_timed(floor_trial, i))
                result.samples_ns.append(_timed(trial, i))
            else:
                result.samples_ns.append(_timed(trial, i))
                result.floor_samples_ns.append(_timed(floor_trial, i))
        result.load = (before, load_average())
        i = warmup + repetitions
        floor_queries = None
        if m.count_queries:  # not over HTTP: the server is another process
            result.queries = _queries(trial, i)
            floor_queries = _queries(floor_trial, i)
            i += 1
        if profile_dir is not None:
            _profile(trial, i, profile_dir / f"{_file_name(m.name)}.txt")
            _profile(floor_trial, i, profile_dir / f"{_file_name(floor.name)}.txt")
        result.work, result.info = trial.work, dict(trial.info)
        floor_result.samples_ns.extend(result.floor_samples_ns)
        if floor_result.queries is None:
            floor_result.queries = floor_queries
        floor_result.work = floor_trial.work
        floor_result.load = result.load
        floor_result.info = dict(floor_trial.info)
    except Exception as error:  # one broken row must not lose the others' figures
        traceback.print_exc()
        result.samples_ns, result.floor_samples_ns = [], []
        result.skipped = f"failed: {type(error).__name__}: {error}"
    finally:
        for t in (trial, floor_trial):
            if t.teardown is not None:
                t.teardown()
    return result


def _profile(trial: Trial, i: int, path: Path) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    with profiler:
        trial.run(i)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(profiler.output_text(unicode=True, show_all=False))


def _file_name(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


class Unavailable(Exception):
    """Raised by a setup when what it measures is not there (e.g. a search backend)."""


def once_per_run[T](ctx: Context, key: str, make: Callable[[], T], kind: type[T]) -> T:
    """What `make` returns, made by the first row that asks in a run and kept in ctx.cache; if
    it raised Unavailable, every later row is not run for the same reason, without trying
    again (an install or a database that failed once)."""
    made = ctx.cache.get(key)
    if made is None:
        try:
            made = make()
        except Unavailable as unavailable:
            made = str(unavailable)
        ctx.cache[key] = made
    if isinstance(made, str):
        raise Unavailable(made)
    assert isinstance(made, kind)
    return made


def _judge(result: Result, results: dict[str, Result]) -> None:
    registered = REGISTRY.get(result.name)
    targets = registered.targets if registered else ()
    result.targets = [t.describe() for t in targets]
    if result.floor_samples_ns and result.median_ms is not None:
        result.floor_median_ms = statistics.median(result.floor_samples_ns) / 1e6
        result.ratio = result.median_ms / result.floor_median_ms
    if result.skipped or not targets:
        result.status = "n/a"
        return
    verdicts = [t.check(result, results) for t in targets]
    if any(v is False for v in verdicts):
        result.status = "MISSED"
    elif all(v is True for v in verdicts):
        result.status = "ok"
    else:
        result.status = "n/a"


# --- The table ----------------------------------------------------------------------------------

COLUMNS = (
    "measurement",
    "unit",
    "median",
    "p95",
    "floor median",
    "ratio",
    "target",
    "status",
    "queries",
)


def table_rows(results: dict[str, Result], *, floors: bool = False) -> list[list[str]]:
    """One row per figure that ran; see not_run() for the others."""
    rows = []
    for result in results.values():
        if (result.is_floor and not floors) or result.skipped:
            continue
        floor = results.get(result.floor) if result.floor else None
        rows.append(
            [
                result.name,
                result.unit,
                _fmt(result.shown(result.median_ms)),
                _fmt(result.shown(result.p95_ms)),
                _fmt(floor.shown(result.floor_median_ms))
                if floor is not None and result.floor_median_ms
                else "",
                f"{result.ratio:.2f}×" if result.ratio is not None else "",
                ", ".join(result.targets),
                result.status,
                "" if result.queries is None else str(result.queries),
            ]
        )
    return rows


def not_run(results: dict[str, Result]) -> list[str]:
    """Lines "not run: rows: reason" for the figures that did not run, one per reason."""
    by_reason: dict[str, list[str]] = {}
    for result in results.values():
        if result.skipped and not result.is_floor:
            by_reason.setdefault(result.skipped, []).append(result.name)
    for result in results.values():
        # A floor that failed takes its figures' ratios with it: say so.
        if result.skipped and result.is_floor and result.skipped.startswith("failed"):
            by_reason.setdefault(result.skipped, []).append(result.name)
    return [f"not run: {', '.join(names)}: {reason}" for reason, names in by_reason.items()]


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_table(rows: list[list[str]], *, markdown: bool = False) -> str:
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows
        ]
        return "\n".join(lines)
    widths = [max(len(str(c)) for c in column) for column in zip(COLUMNS, *rows, strict=True)]
    numeric = {2, 3, 4, 5, 8}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if index in numeric else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(COLUMNS), line(["-" * w for w in widths]), *map(line, rows)])
