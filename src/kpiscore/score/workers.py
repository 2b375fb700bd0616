"""Scoring a streamed table on several processes, with the same output byte for byte.

Every process reads the whole table, so each sees every id and finds every duplicate
with its first row exactly as one process would; people are dealt out in chunks of
rows (:func:`dealing`, by row number), and each process scores and encodes only its
own. Of the other chunks' rows each process reads only the ids (where the opener can:
:meth:`~kpiscore.io.table.Table.skim`, xlsx) and makes no person of them
(``each_person(only=...)``). Process 0 is this one: it scores its
chunks and hands on each other chunk as its worker sent it, so results come out in the
order of the rows. A worker sends each chunk by its number (an empty one too, and a
last message when it is done), each result lightened (its values without the
indicator, dimension or section parts: :data:`SENT_FIELDS`) with its text already
encoded (``PersonResult.encoded``): the rest of
the run — the accounting, the summary, the ranks — needs only totals and errors. Its
first result comes whole: an output may take the scheme's shape from the run's first
result (the report's sheets).

A worker that dies (a signal, a bug) costs nothing but time: this process opens the
table again and scores that worker's chunks from it, from the first it did not send
(a worker that fails part way through a chunk sends what it scored, marked short, and
the rest of that chunk is scored here). A read that fails part way (a row over a
limit) gives out, as one process does, every result above the row that failed.
Workers are forked, so this needs the ``fork`` start method (Linux, macOS); elsewhere,
and for small files, one process does it all.
"""

from __future__ import annotations

import multiprocessing
import operator
import os
import pickle
import signal
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from kpiscore.base.collector import paused, settle
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
Reopen = Callable[[], AbstractContextManager["Table"]]
#: a lightened result as a worker sends it: the values of SENT_FIELDS, and its text
Light = tuple[tuple[Any, ...], bytes]
#: a result as a worker sends it (whole: the first it scored)
Sent = PersonResult | Light


def dealing(workers: int) -> tuple[int, ...]:
    """Which process scores each chunk, over a cycle of chunks, the first this one's:
    one chunk each, in turn. This process also takes the workers' results in and writes
    every result out, but it no longer reads their rows whole, and even shares measured
    quickest (docs/performance.md: 3 of 8 chunks here took 5.3 s at 100 000 people
    from CSV, 1 of 2 took 4.8 s)."""
    return tuple(range(max(workers, 1)))


class _Deal:
    """Which chunk a row is in and which process scores it."""

    def __init__(self, table: Table, workers: int, chunk: int) -> None:
        self.cycle = dealing(workers)
        self.first = table.header_row + 1  # rows are counted from below the header
        self.chunk = chunk

    def of_row(self, number: int) -> int:
        """The chunk row ``number`` is in (every process knows it without reading any
        other row)."""
        return (number - self.first) // self.chunk

    def owner(self, c: int) -> int:
        return self.cycle[c % len(self.cycle)]

    def owns_row(self, k: int) -> Callable[[int], bool]:
        """Whether process ``k`` scores row number n (what it keeps whole when it skims)."""
        cycle, first, chunk, size = self.cycle, self.first, self.chunk, len(self.cycle)
        return lambda n: cycle[(n - first) // chunk % size] == k


class _Owned:
    """Whether a row is process ``k``'s (``each_person``'s ``only``), remembering the
    last row asked about: a read that fails part way has failed below it."""

    def __init__(self, deal: _Deal, k: int, header_row: int) -> None:
        self.owns = deal.owns_row(k)
        self.last = header_row

    def __call__(self, number: int) -> bool:
        self.last = number
        return self.owns(number)


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
    results in the same order, those scored by a worker lightened and encoded (but
    each worker's first). ``reopen()`` opens the same table again (in a worker, or
    here for a dead worker's chunks); the header row is found and bound on the call,
    as ``iter_results`` does."""
    binding = binding_for(compiled, table)
    deal = _Deal(table, workers, chunk)
    context = multiprocessing.get_context("fork")
    channels: dict[int, _Channel] = {}
    children: list[BaseProcess] = []
    with warnings.catch_warnings():  # a progress display's thread: the child never writes
        warnings.simplefilter("ignore", DeprecationWarning)
        for k in range(1, max(workers, 1)):
            channel = _Channel(context)
            child = context.Process(target=_work, args=(compiled, reopen, encode, k, deal,
                                                        channel), daemon=True)
            child.start()
            channel.send.close()
            channels[k] = channel
            children.append(child)
    if binding.id_col is not None and workers > 1:  # of others' rows only the ids
        table.skim(deal.owns_row(0), binding.id_col)
    return _merged(Scorer(compiled), table, binding, _Others(compiled, reopen, deal,
                                                             channels), children, deal)


#: what a worker sends for a chunk: its number, its results, and whether they stop short
#: (the worker failed in it: the rest of the chunk is scored here); None: it has sent
#: every chunk
Message = tuple[int, list[PersonResult], bool] | None


class _Channel:
    """How a worker hands its chunks on without waiting for them to be taken: each is
    pickled into a spool file (unlinked when made, so nothing is left behind by any
    end) and told through a pipe as its place in the file; a pipe alone would hold
    the worker until this process asks for the chunk."""

    def __init__(self, context: BaseContext) -> None:
        self.spool = tempfile.TemporaryFile(dir=os.environ.get("KPISCORE_SPOOL_DIR"))
        self.receive, self.send = context.Pipe(duplex=False)
        self.offset = 0

    def put(self, c: int, batch: list[Sent], short: bool = False) -> None:
        """(In the worker.) Chunk ``c``'s results (``short``: only its first rows')."""
        data = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
        view, at = memoryview(data), self.offset
        while view:
            written = os.pwrite(self.spool.fileno(), view, at)
            view, at = view[written:], at + written
        self.send.send((c, self.offset, len(data), short))
        self.offset += len(data)

    def end(self) -> None:
        """(In the worker.) Every chunk is sent."""
        self.send.send(None)

    def get(self) -> Message:
        """The worker's next message; EOFError when it ended without saying so."""
        told = self.receive.recv()
        if told is None:
            return None
        c, offset, length, short = told
        parts, got = [], 0
        while got < length:
            part = os.pread(self.spool.fileno(), length - got, offset + got)
            if not part:
                raise EOFError("the worker's spool ends early")
            parts.append(part)
            got += len(part)
        with paused():  # a chunk is hundreds of objects, none of them garbage
            sent: list[Sent] = pickle.loads(b"".join(parts))
            batch = [_taken(item) for item in sent]
        return c, batch, short

    def close(self) -> None:
        self.receive.close()
        self.spool.close()


#: how many of its own chunks this process scores ahead while a worker's chunk before
#: them is not ready (it waited instead, and idled a tenth of a run at 100 000 people)
AHEAD = 4


def _merged(scorer: Scorer, table: Table, binding: Binding, others: _Others,
            children: list[BaseProcess], deal: _Deal) -> Iterator[PersonResult]:
    mine: dict[int, list[PersonResult]] = {}  # own results not given out yet, by chunk
    given = 0  # the first chunk whose results are not yet given out

    def give(upto: int, wait: bool) -> Iterator[PersonResult]:
        """Give out the chunks before ``upto`` in order, this process's from ``mine``;
        without ``wait``, only up to the first worker's chunk that is not ready."""
        nonlocal given
        while given < upto:
            if deal.owner(given) == 0:
                yield from mine.pop(given, [])
            elif wait or others.ready(given):
                yield from others.chunk(given)
            else:
                return
            given += 1

    def sent(last: int) -> Iterator[PersonResult]:
        """After this process's reading failed below row ``last``: give out, in order,
        every row up to it, as one process would (its own, what the workers sent, and
        what a dead worker did not send, read again and scored here)."""
        nonlocal given
        while given <= deal.of_row(last):
            if deal.owner(given) == 0:
                yield from mine.pop(given, [])
            else:
                results, whole = others.sent(given)
                yield from (r for r in results if r.row <= last)
                if not whole:
                    try:
                        yield from (r for r in others.rest(given, results) if r.row <= last)
                    except InputUnreadable:  # read again, the table fails where it failed
                        return
            given += 1

    own = _Owned(deal, 0, table.header_row)
    try:
        current = -1
        people = each_person([table], [binding.id_col], only=own)
        while True:
            # this process's people; of the others' rows only the ids (for duplicates)
            try:
                person = next(people, None)
            except InputUnreadable:  # the rows above are told first, as one process does
                yield from sent(own.last)
                raise
            if person is None:
                break
            c = deal.of_row(person.sources[0].row.number)
            if c != current:
                yield from give(c, wait=False)
                while len(mine) >= AHEAD:
                    yield from give(min(mine) + 1, wait=True)
                current = c
            mine.setdefault(c, []).append(score_person(scorer, binding, person))
        yield from give(current + 1, wait=True)
        while not others.done(given):
            yield from others.chunk(given)
            given += 1
    finally:
        others.close()
        for child in children:
            if child.is_alive():
                child.kill()
            child.join()


class _Others:
    """The chunks this process does not score, in order: as each worker sent them, or,
    once a worker is found dead, scored here from the table opened again."""

    def __init__(self, compiled: CompiledScheme, reopen: Reopen, deal: _Deal,
                 channels: dict[int, _Channel]) -> None:
        self.compiled = compiled
        self.reopen = reopen
        self.deal = deal
        self.channels = channels  # the live workers'
        self.next: dict[int, Message] = {}  # each live worker's message not yet taken
        self.rescue: _Rescue | None = None
        self.dead = False  # a worker died: its chunks are scored here

    def ready(self, c: int) -> bool:
        """Whether chunk ``c`` can be had without waiting for its worker."""
        k = self.deal.owner(c)
        channel = self.channels.get(k)
        return k == 0 or channel is None or k in self.next or channel.receive.poll()

    def chunk(self, c: int) -> Iterator[PersonResult]:
        """Chunk ``c``'s results (none: this process's own, or empty), scored here from
        the table opened again where its worker is dead or stopped short in it."""
        k = self.deal.owner(c)
        if k == 0:
            return
        results, whole = self.sent(c)
        yield from results
        if not whole:
            yield from self.rest(c, results)

    def rest(self, c: int, results: list[PersonResult]) -> Iterator[PersonResult]:
        """The rows of chunk ``c`` that its worker did not send (it sent ``results``):
        read again from the table and scored here."""
        return self._rescue().chunk(c, after=results[-1].row if results else 0)

    def sent(self, c: int) -> tuple[list[PersonResult], bool]:
        """Chunk ``c`` as its worker sent it, and whether whole (not: the worker is dead,
        or stopped short in it); waits for the worker."""
        k = self.deal.owner(c)
        channel = self.channels.get(k)
        if channel is None:
            return [], False
        try:
            message = self.next.pop(k) if k in self.next else channel.get()
        except (EOFError, OSError, pickle.UnpicklingError):
            self._dead(k)
            return [], False
        if message is None or message[0] > c:  # nothing in chunk c
            self.next[k] = message
            return [], True
        if message[0] < c:  # a chunk out of order: not to be trusted
            self._dead(k)
            return [], False
        if message[2]:  # it stopped short: dead from now on
            self._dead(k)
            return message[1], False
        return message[1], True

    def more(self) -> bool:
        """Whether a live worker has a chunk still to send (waits to know)."""
        for k in list(self.channels):
            if k not in self.next:
                try:
                    self.next[k] = self.channels[k].get()
                except (EOFError, OSError, pickle.UnpicklingError):
                    self._dead(k)
                    continue
            if self.next[k] is not None:
                return True
        return False

    def _dead(self, k: int) -> None:
        """From now on worker ``k``'s chunks are read again and scored here."""
        self.channels.pop(k).close()
        self.next.pop(k, None)
        self.dead = True

    def done(self, given: int) -> bool:
        """Whether every worker has sent its last chunk, and a dead worker's from chunk
        ``given`` on (the first not given out) are scored."""
        if self.more():
            return False
        return not self.dead or self._rescue().done(given, set(self.channels))

    def _rescue(self) -> _Rescue:
        """The table opened again, for the chunks no worker sends (made when needed)."""
        if self.rescue is None:
            self.rescue = _Rescue(self.compiled, self.reopen, self.deal)
        return self.rescue

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()
        if self.rescue is not None:
            self.rescue.close()


class _Rescue:
    """A dead worker's chunks, read again from the table and scored here (a chunk is
    asked for once, in order)."""

    def __init__(self, compiled: CompiledScheme, reopen: Reopen, deal: _Deal) -> None:
        self.stack = ExitStack()
        table = self.stack.enter_context(reopen())
        self.binding = binding_for(compiled, table)
        self.scorer = Scorer(compiled)
        self.deal = deal
        self.people = each_person([table], [self.binding.id_col])
        self.ahead: Person | None = None  # read, and in a chunk not yet asked for

    def chunk(self, c: int, after: int = 0) -> Iterator[PersonResult]:
        """Chunk ``c``'s people below row ``after``, scored here one by one (a read that
        fails part way has given those above it)."""
        while True:
            person = self._next()
            if person is None:
                return
            number = person.sources[0].row.number
            at = self.deal.of_row(number)
            if at > c:
                self.ahead = person
                return
            if at == c and number > after:
                yield score_person(self.scorer, self.binding, person)

    def done(self, given: int, live: set[int]) -> bool:
        """Whether no row is left to score here from chunk ``given`` on (once every
        process but the dead has sent or scored all its chunks)."""
        while True:
            person = self._next()
            if person is None:
                return True
            c = self.deal.of_row(person.sources[0].row.number)
            owner = self.deal.owner(c)
            if c >= given and owner != 0 and owner not in live:
                self.ahead = person  # to be scored when its chunk is asked for
                return False

    def _next(self) -> Person | None:
        """The person read ahead, or else the next one (None at the end)."""
        person, self.ahead = self.ahead, None
        return person if person is not None else next(self.people, None)

    def close(self) -> None:
        self.stack.close()


def _work(compiled: CompiledScheme, reopen: Reopen, encode: Encode, k: int, deal: _Deal,
          channel: _Channel) -> None:
    """A worker: read the whole table, score and encode its chunks, and send each one
    (by its number, an empty one too) when it is done, then say it is done."""
    for number in (signal.SIGINT, signal.SIGTERM):  # not kpiscore's orderly exit: just end
        signal.signal(number, signal.SIG_DFL)
    try:
        with reopen() as table:
            binding = binding_for(compiled, table)
            scorer = Scorer(compiled)
            if binding.id_col is not None:  # of others' rows only the ids: for duplicates
                table.skim(deal.owns_row(k), binding.id_col)
            batch: list[Sent] = []
            current = sent = -1  # the chunk being read; the last one sent (or passed)
            whole = True  # the first result goes whole
            own = _Owned(deal, k, table.header_row)
            try:
                for person in each_person([table], [binding.id_col], only=own):
                    c = deal.of_row(person.sources[0].row.number)
                    if c != current:
                        sent = _send_up_to(channel, k, deal, sent, c, current, batch)
                        batch = []
                        current = c
                        settle()  # what it remembers, out of the collector's full passes
                    r = score_person(scorer, binding, person)
                    if whole:
                        r.encoded, whole = encode(r), False
                        batch.append(r)
                    else:
                        batch.append(_lightened(r, encode(r)))
            except Exception:  # a read that fails part way: what is scored above it
                last = deal.of_row(own.last)  # the chunks before the last row's are whole
                _send_up_to(channel, k, deal, sent, last, current, batch)
                if deal.owner(last) == k:
                    channel.put(last, batch if current == last else [], short=True)
                raise
            _send_up_to(channel, k, deal, sent, current + 1, current, batch)
            channel.end()
    except BaseException:  # the parent scores what a dead worker did not send
        pass
    finally:
        channel.send.close()


def _send_up_to(channel: _Channel, k: int, deal: _Deal, sent: int, c: int, current: int,
                batch: list[Sent]) -> int:
    """Send worker ``k``'s chunks after ``sent`` and before ``c`` (chunk ``current``
    with ``batch``, the others empty); the last chunk now sent or passed."""
    for j in range(sent + 1, c):
        if deal.owner(j) == k:
            channel.put(j, batch if j == current else [])
    return max(sent, c - 1)


#: what a worker sends of a result once its text is written (:func:`_lightened`): what
#: the rest of the run needs (totals, grades, errors, sources), in this order
SENT_FIELDS = ("row", "id", "name", "department", "errors", "total", "grade", "pay", "period",
               "rank", "passed", "quota_grade", "calibration", "sources")
#: what a worker leaves out: the parts (an output's text has them already)
LEFT_OUT = ("vetoes", "sections", "dimensions", "indicators", "pay_lines", "raters",
            "periods", "env")
_sent_fields = operator.attrgetter(*SENT_FIELDS)


def _lightened(r: PersonResult, text: bytes) -> Light:
    """What the run still needs of a result once its text is written, as plain values:
    a result pickled and unpickled whole (as a dataclass) cost 4.6 and 2.9 µs a person,
    these 3.8 and 1.8 (:func:`_taken` makes the result again)."""
    return _sent_fields(r), text


def _taken(item: Sent) -> PersonResult:
    """A result as a worker sent it: whole (its first), or lightened (no parts) with its
    text encoded (``PersonResult.encoded``)."""
    if isinstance(item, PersonResult):
        return item
    (row, ident, name, department, errors, total, grade, pay, period, rank, passed,
     quota_grade, calibration, sources), text = item
    return PersonResult(row, ident, name, department, errors, total, grade, pay,
                        period=period, rank=rank, passed=passed, quota_grade=quota_grade,
                        calibration=calibration, sources=sources, encoded=text)
