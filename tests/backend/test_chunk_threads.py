"""Chunked kernels on threads (backend/threads.py, chunking.run_chunked): reentrant
programs, the first failing chunk's exception and nothing left running, the caller's NumPy
error state in every thread, and the thread count's setting. (test_chunking.py checks the
bits of every layout on one thread and on several.)"""

from __future__ import annotations

import contextvars
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.backend import chunking, threads

pytestmark = pytest.mark.usefixtures("small_chunks")


def test_several_callers_share_the_pool() -> None:
    """A compiled program is reentrant: callers in four threads at once, each kernel on three
    threads, get the bits of one thread (and never write into their inputs)."""
    f = tg.jit(tg.grad(lambda x: tnp.sum(tnp.exp(tnp.tanh(tnp.sin(x) * 0.9 + 0.1)))))
    xs = [np.linspace(-1.0, float(k), 5000 + 37 * k) for k in range(8)]
    for x in xs:
        x.flags.writeable = False
    threads.set_count(1)
    want = [f(x).tobytes() for x in xs]
    threads.set_count(3)
    got: dict[int, bytes] = {}

    def call(k: int) -> None:
        for _ in range(3):
            got[k] = f(xs[k]).tobytes()

    callers = [threading.Thread(target=call, args=(k,)) for k in range(len(xs))]
    for t in callers:
        t.start()
    for t in callers:
        t.join()
    assert [got[k] for k in range(len(xs))] == want


def test_the_first_failing_chunk_raises_and_nothing_is_left_running() -> None:
    """In NumPy's raise mode (which every thread takes from the caller), the exception is the
    one a single thread meets first; the helpers have all returned when it propagates."""
    f = tg.jit(lambda x: tnp.sqrt(tnp.log(x) * 2.0 + 1.0) - x)
    ok = np.linspace(2.0, 3.0, 64 * 40)
    f(ok)  # traced: the generated code runs from the second call
    x = ok.copy()
    x[64 * 30 + 5] = -1.0  # log: invalid, in chunk 30 ...
    x[64 * 33] = 0.0  # ... and divide by zero in chunk 33
    threads.set_count(1)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError) as one:
        f(x)
    assert "invalid value encountered in log" in str(one.value)
    threads.set_count(4)
    for _ in range(5):
        with np.errstate(all="raise"), pytest.raises(FloatingPointError) as many:
            f(x)
        assert str(many.value) == str(one.value)
    assert threads.pool.tasks.empty() or _settles()
    assert f(ok).tobytes() == (np.sqrt(np.log(ok) * 2.0 + 1.0) - ok).tobytes()


def _settles() -> bool:
    """The queued helpers of a finished job return at once (they find it closed)."""
    for _ in range(1000):
        if threads.pool.tasks.empty():
            return True
        time.sleep(0.01)
    return False


def test_parallel_for_raises_the_lowest_failure_after_every_started_call() -> None:
    running = []
    done = []

    def body(k: int) -> None:
        running.append(k)
        time.sleep(0.001 * (k % 3))
        if k in (8, 10):
            raise ValueError(k)
        done.append(k)

    for count in (1, 2, 4):
        running.clear()
        done.clear()
        with pytest.raises(ValueError) as e:
            threads.parallel_for(40, body, count)
        assert e.value.args == (8,)
        assert set(range(8)) <= set(done)  # every call before it ran
        assert sorted(done + [k for k in running if k in (8, 10)]) == sorted(running)


def test_every_call_runs_in_the_callers_context() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    seen: dict[int, tuple[str, str]] = {}

    names: set[str] = set()
    helped = threading.Event()

    def body(k: int) -> None:
        if threading.current_thread() is threading.main_thread():
            helped.wait(10.0)  # until a helper has taken a call
        else:
            helped.set()
        names.add(threading.current_thread().name)
        seen[k] = (var.get(), np.geterr()["divide"])

    token = var.set("caller's")
    try:
        with np.errstate(divide="raise"):
            threads.parallel_for(30, body, 3)
    finally:
        var.reset(token)
    assert set(seen.values()) == {("caller's", "raise")} and len(seen) == 30
    assert len(names) > 1


def test_one_thread_starts_no_thread(monkeypatch) -> None:
    monkeypatch.setattr(threads, "pool", threads._Pool())
    threads.set_count(1)
    f = tg.jit(lambda x: tnp.exp(tnp.sin(x)) * 2.0 + x)
    x = np.linspace(0.0, 1.0, 1000)
    f(x), f(x)
    assert threads.pool.size == 0
    threads.set_count(3)
    f(x)
    assert threads.pool.size == 2  # the caller is the third


def test_cheap_kernels_stay_on_the_calling_thread(monkeypatch) -> None:
    monkeypatch.setattr(threads, "pool", threads._Pool())
    monkeypatch.setattr(chunking, "THREAD_MIN_CALL", 10.0)  # no call takes 10 s
    threads.set_count(4)
    f = tg.jit(lambda x: tnp.exp(tnp.sin(x)) * 2.0 + x)
    x = np.linspace(0.0, 1.0, 1000)
    f(x), f(x)
    assert threads.pool.size == 0


def test_where_threads_cannot_start_one_thread_runs_everything(monkeypatch):
    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threads, "pool", threads._Pool())
    monkeypatch.setattr(threading.Thread, "start", refuse)
    threads.set_count(4)
    f = tg.jit(lambda x: tnp.exp(tnp.sin(x)) * 2.0 + x)
    x = np.linspace(0.0, 1.0, 1000)
    f(x)
    assert f(x).tobytes() == (np.exp(np.sin(x)) * 2.0 + x).tobytes()
    assert threads.pool.size == 0 and threads.pool.cannot_start


def test_the_config_flag() -> None:
    saved = tg.config.tracegrad_num_threads
    try:
        tg.config.update("tracegrad_num_threads", 3)
        assert tg.config.tracegrad_num_threads == 3 == threads.count()
        assert tg.config.read("tracegrad_num_threads") == 3
        tg.config.update("tracegrad_num_threads", None)
        assert threads.count() == threads.default_count()
        with pytest.raises(ValueError, match=r"must be None or of type int, got 2\.5"):
            tg.config.update("tracegrad_num_threads", 2.5)
        with pytest.raises(ValueError, match="at least 1, got 0: pass 1"):
            tg.config.update("tracegrad_num_threads", 0)
        with pytest.raises(ValueError, match="of type int, got True"):
            tg.config.update("tracegrad_num_threads", True)
    finally:
        tg.config.update("tracegrad_num_threads", saved)


@pytest.mark.parametrize(
    ("env", "want"),
    [
        ({"TRACEGRAD_NUM_THREADS": "3", "OMP_NUM_THREADS": "2"}, 3),
        ({"OMP_NUM_THREADS": "2"}, 2),
        ({"OMP_NUM_THREADS": "12"}, 12),  # as given: only the CPU count is capped
        ({"TRACEGRAD_NUM_THREADS": "0", "OMP_NUM_THREADS": "x"}, None),  # ignored: the CPUs
    ],
)
def test_the_default_count_from_the_environment(monkeypatch, env, want) -> None:
    for name in ("TRACEGRAD_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: set(range(64)))
    assert threads.default_count() == (threads.DEFAULT_LIMIT if want is None else want)


def in_fresh_process(program: str, **env: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=":".join(sys.path), **env)
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True
    )


def test_a_fresh_process_reads_the_environment_once() -> None:
    program = (
        "import numpy as np, threading, tracegrad as tg, tracegrad.numpy as tnp\n"
        "x = np.linspace(0.0, 1.0, 10**6)\n"
        "f = tg.jit(lambda x: tnp.exp(tnp.tanh(tnp.sin(x) * 0.9 + 0.1)))\n"
        "f(x), f(x)\n"
        "print(tg.config.tracegrad_num_threads, threading.active_count())\n"
    )
    out = in_fresh_process(program, TRACEGRAD_NUM_THREADS="1")
    assert out.stdout.split() == ["1", "1"]  # one thread asked: no thread started


def test_floating_point_warnings_stay_silent_on_every_thread() -> None:
    """The generated kernels' warnings are tracegrad's (silent) whichever thread computes
    them (a fresh process: pytest replaces the warning filters)."""
    program = (
        "import numpy as np, threading, tracegrad as tg, tracegrad.numpy as tnp\n"
        "from tracegrad.backend import chunking\n"
        "chunking.THREAD_MIN_CALL = 0.0\n"
        "f = tg.jit(lambda x: tnp.log(x) * 2.0 + tnp.sqrt(x) - 1.0)\n"
        "x = np.linspace(-1.0, 1.0, 10**6)\n"
        "f(x), f(x)\n"
        "print(threading.active_count())\n"
    )
    out = in_fresh_process(program, TRACEGRAD_NUM_THREADS="2")
    assert out.stdout.split() == ["2"] and out.stderr == ""
