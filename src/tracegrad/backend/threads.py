"""The threads that run the chunks of a chunked kernel (chunking.py): how many, and a small
pool of daemon threads, started on first use.

NumPy releases the GIL inside a ufunc's loop over a chunk, so chunks computed on several
threads run at the same time. The number of threads (``count``) is the
``tracegrad_num_threads`` flag of ``tracegrad.config``; its default is read once from the
environment, as PyTorch reads its own: ``TRACEGRAD_NUM_THREADS`` if set (the flag's
variable, as JAX names its flags' variables), else ``OMP_NUM_THREADS``, else the number of
CPUs the process may run on, at most ``DEFAULT_LIMIT``. A count of 1 creates no thread at
all; where threads cannot start (Pyodide), everything runs on the calling thread.
"""

from __future__ import annotations

import contextvars
import os
import queue
import threading
from collections.abc import Callable

DEFAULT_LIMIT = 8  # the default is never above this: the chain kernels stop scaling near it


def _from_environment(name: str) -> int | None:
    """The positive integer in the variable ``name``, or None (unset or not one, which
    OpenMP ignores too)."""
    text = os.environ.get(name, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def default_count() -> int:
    """The number of threads by default, from the environment.

    >>> default_count() >= 1
    True
    """
    for name in ("TRACEGRAD_NUM_THREADS", "OMP_NUM_THREADS"):
        found = _from_environment(name)
        if found is not None:
            return found
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, DEFAULT_LIMIT))


_COUNT: list[int | None] = [None]  # None until first read: the environment is read once


def count() -> int:
    """The number of threads a chunked kernel runs on (the calling thread among them).

    >>> count() >= 1
    True
    """
    n = _COUNT[0]
    if n is None:
        n = _COUNT[0] = default_count()
    return n


def set_count(n: int) -> None:
    """Run chunked kernels on ``n`` threads from now on (``tracegrad.config`` checks ``n``)."""
    _COUNT[0] = n


class _Pool:
    """Daemon threads that run the tasks put in one queue; started when first needed."""

    def __init__(self) -> None:
        self.tasks: queue.SimpleQueue[Callable[[], object]] = queue.SimpleQueue()
        self.size = 0
        self.lock = threading.Lock()
        self.cannot_start = False

    def helpers(self, wanted: int) -> int:
        """Start threads until there are ``wanted`` (if they can start): how many there are,
        up to ``wanted``."""
        if self.size < wanted and not self.cannot_start:
            with self.lock:
                while self.size < wanted and not self.cannot_start:
                    name = f"tracegrad-chunks-{self.size}"
                    thread = threading.Thread(target=_serve, args=(self.tasks,), name=name)
                    thread.daemon = True
                    try:
                        thread.start()
                    except RuntimeError:  # no threads here (Pyodide), or none left
                        self.cannot_start = True
                    else:
                        self.size += 1
        return min(self.size, wanted)


def _serve(tasks: queue.SimpleQueue[Callable[[], object]]) -> None:
    while True:
        tasks.get()()


pool = _Pool()


def _forked() -> None:
    # A forked child has none of the parent's threads: it starts its own when it needs them.
    global pool
    pool = _Pool()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


class _Job:
    """The calls ``body(0) ... body(total - 1)``, taken in that order by the threads that
    work on them; after a call raises, no thread takes another."""

    def __init__(self, total: int, body: Callable[[int], None]) -> None:
        self.total = total
        self.body = body
        self.lock = threading.Lock()
        self.taken = 0
        self.stopped = False
        self.failures: list[tuple[int, BaseException]] = []
        self.closed = False  # the caller is done: a helper that has not begun never will
        self.helping = 0
        self.idle = threading.Event()

    def _take(self) -> int:
        with self.lock:
            k = self.taken
            if k >= self.total or self.stopped:
                return -1
            self.taken = k + 1
            return k

    def work(self) -> None:
        body = self.body
        while (k := self._take()) >= 0:
            try:
                body(k)
            except BaseException as e:
                with self.lock:
                    self.failures.append((k, e))
                    self.stopped = True

    def help(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.helping += 1
        try:
            self.work()
        finally:
            with self.lock:
                self.helping -= 1
                if self.closed and not self.helping:
                    self.idle.set()

    def finish(self) -> None:
        """Wait for the helpers at work, then raise what the first failing call raised."""
        with self.lock:
            self.closed = True
            busy = self.helping > 0
        try:
            if busy:
                self.idle.wait()
        except BaseException:  # interrupted: the helpers stop after their current call
            self.stopped = True
            raise
        self.body = _nothing  # a helper task still queued must not keep the arrays alive
        if self.failures:
            # The calls before the first failure were all taken before it, and all ran: the
            # failure with the lowest index is the one a single thread would have met.
            error = min(self.failures, key=lambda f: f[0])[1]
            self.failures.clear()
            raise error


def _nothing(k: int) -> None:
    pass


def _in_context(fn: Callable[[], None]) -> Callable[[], object]:
    """``fn``, to be run in a copy of this thread's context (one copy per thread: a context
    is entered by one thread at a time)."""
    context = contextvars.copy_context()
    return lambda: context.run(fn)


def parallel_for(total: int, body: Callable[[int], None], threads: int) -> None:
    """Call ``body(k)`` for each ``k`` in ``range(total)`` on up to ``threads`` threads, the
    calling one among them (each call in the caller's context: NumPy's ``errstate``, the
    warning filters). What a call raises is raised here once every started call has
    returned: the exception of the lowest ``k``, as a loop would raise.

    >>> out = [0] * 5
    >>> def square(k):
    ...     out[k] = k * k
    >>> parallel_for(5, square, threads=2)
    >>> out
    [0, 1, 4, 9, 16]
    """
    helpers = min(threads, total) - 1
    if helpers > 0:
        helpers = pool.helpers(helpers)
    if helpers <= 0:
        for k in range(total):
            body(k)
        return
    job = _Job(total, body)
    tasks = pool.tasks
    for _ in range(helpers):
        tasks.put(_in_context(job.help))
    job.work()
    job.finish()
