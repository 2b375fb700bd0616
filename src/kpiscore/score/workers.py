"""Scoring a streamed table on several processors, with the same output byte for byte.

Every process reads the whole table, so each sees every id and finds every duplicate
with its first row exactly as one process would; people are dealt out in chunks of
rows (:func:`dealing`, by row number), and each process scores and encodes only its
own. A worker reads of the other chunks' rows only the ids where the opener can
(:meth:`~kpiscore.io.table.Table.skim`: xlsx); this process reads every row whole, so
that it can score a dead worker's chunks. Process 0 is this one: it scores its chunks and
hands on each other chunk as its worker sent it, so results come out in the order
of the rows. A worker sends each result lightened (no indicator, dimension or
section parts) with its text already encoded (``PersonResult.encoded``): the rest
of the run — the accounting, the summary, the ranks — needs only totals and errors.

A worker that dies (a signal, a bug) costs nothing but time: this process keeps the
people of the chunk it waits for and scores them itself, then every later chunk of
that worker. Workers are forked, so this needs the ``fork`` start method (Linux,
macOS); elsewhere, and for small files, one process does it all.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from kpiscore.base.collector import settle
from kpiscore.base.errors import InputUnreadable
from kpiscore.base.i18n import Phrase
from kpiscore.score.evaluate import binding_for, score_person
from kpiscore.score.people import Person, each_person
from kpiscore.score.results import PersonResult
from kpiscore.score.scorer import Scorer

if TYPE_CHECKING:
    from kpiscore.io.table import Table
    from kpiscore.scheme.compile import CompiledScheme
    from kpiscore.score.binding import Binding

NOT_WORKERS = Phrase("{setting} is not a positive whole number (how many processes score; "
                     "1 turns workers off)",
                     "{setting} 不是正整数(它是计分的进程数;1 表示不用多进程)")

#: People a chunk: large enough that handing a chunk on costs little beside scoring it.
CHUNK = 512
#: A table smaller than this is scored in one process: forking would cost more.
MIN_BYTES = 512 * 1024
#: The environment variable that sets how many processes score (1: this one only).
WORKERS_VARIABLE = "KPISCORE_WORKERS"

Encode = Callable[[PersonResult], bytes]


def dealing(workers: int) -> tuple[int, ...]:
    """Which process scores each chunk, over a cycle of chunks: this process takes
    fewer (3 of every 8 with two processes), for it also writes every result out and
    takes the workers' results in, which costs it a quarter of its time (measured on
    30 000 people; docs/performance.md)."""
    if workers <= 1:
        return (0,)
    others = [1 + k % (workers - 1) for k in range(5 * (workers - 1))]
    cycle: list[int] = []
    for k, owner in enumerate(others):  # this process's chunks spread over the cycle
        if k % 5 in (0, 2) or (k % 5 == 4 and k // 5 % 2 == 0):
            cycle.append(0)
        cycle.append(owner)
    return tuple(cycle)


Reopen = Callable[[], AbstractContextManager["Table"]]


def workers_for(path: str) -> int:
    """How many processes to score ``path`` with: ``KPISCORE_WORKERS`` if set (1 turns
    workers off; anything but a positive whole number is refused, InputUnreadable),
    else two where this process may use two processors, one of them idle (the load
    average says so: a second process on a busy machine only adds its reading to
    everyone's work), and the file is large enough to gain; always 1 without the
    ``fork`` start method."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    asked = os.environ.get(WORKERS_VARIABLE, "").strip()
    if asked:
        try:
            number = int(asked.replace("_", ""))
        except ValueError:
            number = 0
        if number < 1:  # said, not silently one process
            raise InputUnreadable(str(NOT_WORKERS(setting=f"{WORKERS_VARIABLE}={asked!r}")))
        return min(number, 64)
    try:
        usable = len(os.sched_getaffinity(0))
        idle = usable - os.getloadavg()[0]
        size = os.path.getsize(path)
    except (AttributeError, OSError):
        return 1
    return 2 if usable >= 2 and idle >= 1 and size >= MIN_BYTES else 1


def iter_results_in_workers(compiled: CompiledScheme, table: Table, reopen: Reopen,
                            encode: Encode, workers: int,
                            chunk: int = CHUNK) -> Iterator[PersonResult]:
    """:func:`~kpiscore.score.evaluate.iter_results` on ``workers`` processes: the same
    results in the same order, those scored by a worker lightened and encoded.
    ``reopen()`` opens the same table again (in a worker); the header row is found and
    bound on the call, as ``iter_results`` does."""
    binding = binding_for(compiled, table)
    context = multiprocessing.get_context("fork")
    pipes: dict[int, _Channel | None] = {}
    children: list[BaseProcess] = []
    with warnings.catch_warnings():  # a progress display's thread: the child never writes
        warnings.simplefilter("ignore", DeprecationWarning)
        for k in range(1, max(workers, 1)):
            channel = _Channel(context)
            child = context.Process(target=_work, args=(compiled, reopen, encode, k, workers,
                                                        chunk, channel), daemon=True)
            child.start()
            channel.send.close()
            pipes[k] = channel
            children.append(child)
    return _merged(compiled, table, binding, pipes, children, dealing(workers), chunk)


class _Channel:
    """How a worker hands its chunks on without waiting for them to be taken: each is
    pickled into a spool file (unlinked when made, so nothing is left behind by any
    end) and told through a pipe as its place in the file; a pipe alone would hold
    the worker until this process asks for the chunk."""

    def __init__(self, context: BaseContext) -> None:
        self.spool = tempfile.TemporaryFile(dir=os.environ.get("KPISCORE_SPOOL_DIR"))
        self.receive, self.send = context.Pipe(duplex=False)
        self.offset = 0

    def put(self, batch: list[PersonResult]) -> None:
        """(In the worker.) One chunk's results."""
        data = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
        view, at = memoryview(data), self.offset
        while view:
            written = os.pwrite(self.spool.fileno(), view, at)
            view, at = view[written:], at + written
        self.send.send((self.offset, len(data)))
        self.offset += len(data)

    def get(self) -> list[PersonResult]:
        """The worker's next chunk; EOFError when it ended without sending one."""
        offset, length = self.receive.recv()
        parts, got = [], 0
        while got < length:
            part = os.pread(self.spool.fileno(), length - got, offset + got)
            if not part:
                raise EOFError("the worker's spool ends early")
            parts.append(part)
            got += len(part)
        batch: list[PersonResult] = pickle.loads(b"".join(parts))
        return batch

    def close(self) -> None:
        self.receive.close()
        self.spool.close()


def _merged(compiled: CompiledScheme, table: Table, binding: Binding,
            pipes: dict[int, _Channel | None], children: list[BaseProcess],
            cycle: tuple[int, ...], chunk: int) -> Iterator[PersonResult]:
    scorer = Scorer(compiled)
    waiting: list[Person] = []  # the current chunk's people, while its worker scores them
    current = -1
    first = True
    try:
        for person in each_person([table], [binding.id_col]):
            c = _chunk(person.sources[0].row.number, table, chunk)
            if c != current:
                if waiting:
                    yield from _handed_on(scorer, binding, waiting, pipes,
                                          cycle[current % len(cycle)], first)
                    waiting, first = [], False
                current = c
            if cycle[c % len(cycle)] == 0:
                yield score_person(scorer, binding, person)
                first = False
            else:
                waiting.append(person)
        if waiting:
            yield from _handed_on(scorer, binding, waiting, pipes, cycle[current % len(cycle)],
                                  first)
    finally:
        for channel in pipes.values():
            if channel is not None:
                channel.close()
        for child in children:
            if child.is_alive():
                child.kill()
            child.join()


def _chunk(number: int, table: Table, chunk: int) -> int:
    """Which chunk row ``number`` is in, counted from the first row below the header (so
    that every process knows without reading any other row)."""
    return (number - table.header_row - 1) // chunk


def _handed_on(scorer: Scorer, binding: Binding, people: list[Person],
               pipes: dict[int, _Channel | None], k: int,
               first: bool = False) -> Iterator[PersonResult]:
    """A worker's chunk as it sent it, or scored here if it cannot (it died). The run's
    first person is always scored here too, whole: an output may take the scheme's
    shape from the first result (the report's sheets), and a worker's carry no parts."""
    channel = pipes.get(k)
    if channel is not None:
        try:
            batch = channel.get()
        except (EOFError, OSError, pickle.UnpicklingError):
            batch = []
        if len(batch) == len(people) and all(r.row == p.sources[0].row.number
                                             for r, p in zip(batch, people, strict=True)):
            if first:
                batch[0] = score_person(scorer, binding, people[0])
            yield from batch
            return
        channel.close()
        pipes[k] = None  # from now on this process scores that worker's chunks
    for person in people:
        yield score_person(scorer, binding, person)


def _work(compiled: CompiledScheme, reopen: Reopen, encode: Encode, k: int, workers: int,
          chunk: int, channel: _Channel) -> None:
    """A worker: read the whole table, score and encode chunks ``k``, ``k + workers`` …,
    and send each chunk's lightened results when it is done."""
    for number in (signal.SIGINT, signal.SIGTERM):  # not kpiscore's orderly exit: just end
        signal.signal(number, signal.SIG_DFL)
    cycle = dealing(workers)
    try:
        with reopen() as table:
            binding = binding_for(compiled, table)
            scorer = Scorer(compiled)
            if binding.id_col is not None:  # of others' rows only the ids: for duplicates
                table.skim(lambda n: cycle[_chunk(n, table, chunk) % len(cycle)] == k,
                           binding.id_col)
            batch: list[PersonResult] = []
            current = -1
            for person in each_person([table], [binding.id_col]):
                c = _chunk(person.sources[0].row.number, table, chunk)
                if c != current and batch:  # one chunk a message, as they are asked for
                    channel.put(batch)
                    batch = []
                    settle()  # what it remembers, out of the collector's full passes
                current = c
                if cycle[c % len(cycle)] != k:
                    continue
                r = score_person(scorer, binding, person)
                batch.append(_lightened(r, encode(r)))
            if batch:
                channel.put(batch)
    except BaseException:  # the parent scores what a dead worker did not send
        pass
    finally:
        channel.send.close()


def _lightened(r: PersonResult, text: bytes) -> PersonResult:
    """What the run still needs of a result once its text is written: totals, grades,
    errors, sources (the parts would only cost their pickling). In place: the worker
    has no other use for it, and a copy (dataclasses.replace) cost more than scoring."""
    r.sections, r.dimensions, r.indicators, r.vetoes, r.env = [], [], [], [], {}
    r.pay_lines = r.raters = r.periods = None
    r.encoded = text
    return r
