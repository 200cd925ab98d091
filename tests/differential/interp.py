"""Runs differential programs on CPython's asyncio, on a virtual clock.

Reads programs from standard input, one JSON object per line (the format is
described in `docs/asyncio-differential.md`), runs each on a fresh
`VirtualLoop` and writes its event log: one line per event,
`<virtual ms> b<body id> <event>`, then a line `=== end`.

    PYENV_VERSION=3.13.0 python3.13 tests/differential/interp.py < programs.jsonl

Nothing here reads the wall clock; a program's log depends on the program
alone.
"""

import asyncio
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from virtual_loop import Deadlock, VirtualLoop  # noqa: E402


class Boom(Exception):
    """The exception a failing body raises: its message is `b<id>`."""


class _TasksInOrder(dict):
    """The set of a TaskGroup's tasks, iterated in the order they were
    added. CPython keeps them in a `set`, so `_abort` cancels them in an
    order that depends on their memory addresses (it may change from one
    run to the next); simloop cancels a group's members in spawn order. The
    harness compares the two on that order, as it does for timers due at
    the same instant."""

    def add(self, task):
        self[task] = None

    def discard(self, task):
        self.pop(task, None)


class TaskGroup(asyncio.TaskGroup):
    """`asyncio.TaskGroup`, its tasks cancelled in the order they were
    created."""

    def __init__(self):
        super().__init__()
        self._tasks = _TasksInOrder()


class Program:
    def __init__(self, spec):
        self.spec = spec
        self.log = []
        self.over = False
        self.loop = None
        self.locks = [asyncio.Lock() for _ in range(spec.get("locks", 0))]
        self.sems = [asyncio.Semaphore(n) for n in spec.get("sems", [])]
        self.events = [asyncio.Event() for _ in range(spec.get("events", 0))]
        self.conds = [asyncio.Condition() for _ in range(spec.get("conds", 0))]
        kinds = spec.get("queue_kinds", [])
        classes = {"fifo": asyncio.Queue, "lifo": asyncio.LifoQueue, "priority": asyncio.PriorityQueue}
        self.queues = [
            classes[kinds[i] if i < len(kinds) else "fifo"](n)
            for i, n in enumerate(spec.get("queues", []))
        ]
        self.barriers = [asyncio.Barrier(n) for n in spec.get("barriers", [])]

    def note(self, body, event):
        if self.over:
            return
        self.log.append(f"{int(self.loop.time())} b{body['id']} {event}")

    def counts(self):
        def n(waiters):
            return len(waiters) if waiters else 0

        parts = []
        parts += [f"L{i}={n(x._waiters)}" for i, x in enumerate(self.locks)]
        parts += [f"S{i}={n(x._waiters)}" for i, x in enumerate(self.sems)]
        parts += [f"E{i}={n(x._waiters)}" for i, x in enumerate(self.events)]
        parts += [f"C{i}={n(x._waiters)}" for i, x in enumerate(self.conds)]
        parts += [
            f"Q{i}={n(q._getters)}/{n(q._putters)}/{n(q._finished._waiters)}"
            for i, q in enumerate(self.queues)
        ]
        parts += [f"B{i}={x.n_waiting}" for i, x in enumerate(self.barriers)]
        return " ".join(parts)

    async def body(self, b):
        self.note(b, "start")
        handles = {}
        await self.block(b, b["stmts"], handles)
        if b.get("fail"):
            self.note(b, "raise")
            raise Boom(f"b{b['id']}")
        self.note(b, f"ret {b['id']}")
        return b["id"]

    def task(self, b):
        return asyncio.get_running_loop().create_task(self.body(b))

    async def block(self, b, stmts, handles):
        for s in stmts:
            await self.stmt(b, s, handles)

    async def stmt(self, b, s, handles):
        op = s["op"]
        note = lambda event: self.note(b, event)  # noqa: E731
        if op == "sleep":
            await asyncio.sleep(s["ms"])
        elif op == "spawn":
            handles[s["var"]] = self.task(s["body"])
        elif op == "await":
            note(f"await v{s['var']} {await outcome(handles[s['var']])}")
        elif op == "cancel":
            handles[s["var"]].cancel()
            note(f"cancel v{s['var']}")
        elif op == "timeout":
            try:
                async with asyncio.timeout(s["ms"]):
                    await self.block(b, s["stmts"], handles)
                note("timeout ok")
            except TimeoutError:
                note("timeout expired")
        elif op == "wait_for":
            note(f"wait_for {await outcome(asyncio.wait_for(self.body(s['body']), s['ms']))}")
        elif op == "wait_for_task":
            result = await outcome(asyncio.wait_for(handles[s["var"]], s["ms"]))
            note(f"wait_for_task v{s['var']} {result}")
        elif op == "gather":
            coros = [self.body(c) for c in s["bodies"]]
            if s["rex"]:
                results = await asyncio.gather(*coros, return_exceptions=True)
                note("gather [" + ", ".join(describe(r) for r in results) + "]")
            else:
                note(f"gather {await outcome(asyncio.gather(*coros))}")
        elif op == "wait":
            tasks = [self.task(c) for c in s["bodies"]]
            when = {
                "first_completed": asyncio.FIRST_COMPLETED,
                "first_exception": asyncio.FIRST_EXCEPTION,
                "all_completed": asyncio.ALL_COMPLETED,
            }[s["when"]]
            done, _pending = await asyncio.wait(tasks, timeout=s.get("ms"), return_when=when)
            d = [f"{i}:{task_outcome(t)}" for i, t in enumerate(tasks) if t in done]
            p = [str(i) for i, t in enumerate(tasks) if t not in done]
            note(f"wait done=[{', '.join(d)}] pending=[{', '.join(p)}]")
        elif op == "as_completed":
            tasks = [self.task(c) for c in s["bodies"]]
            for f in asyncio.as_completed(tasks):
                note(f"as_completed {await outcome(f)}")
        elif op == "shield":
            note(f"shield {await outcome(asyncio.shield(self.body(s['body'])))}")
        elif op == "taskgroup":
            try:
                async with TaskGroup() as tg:
                    tasks = [tg.create_task(self.body(c)) for c in s["bodies"]]
                note("taskgroup [" + ", ".join(f"ok {t.result()}" for t in tasks) + "]")
            except ExceptionGroup as eg:
                note(f"taskgroup err {eg.exceptions[0]}")
        elif op == "put":
            try:
                await self.queues[s["q"]].put(s["v"])
                note(f"put q{s['q']} {s['v']}")
            except asyncio.QueueShutDown:
                note(f"put q{s['q']} shutdown")
        elif op == "get":
            try:
                note(f"get q{s['q']} {await self.queues[s['q']].get()}")
            except asyncio.QueueShutDown:
                note(f"get q{s['q']} shutdown")
        elif op == "put_nowait":
            try:
                self.queues[s["q"]].put_nowait(s["v"])
                note(f"put_nowait q{s['q']} {s['v']}")
            except asyncio.QueueFull:
                note(f"put_nowait q{s['q']} full")
            except asyncio.QueueShutDown:
                note(f"put_nowait q{s['q']} shutdown")
        elif op == "get_nowait":
            try:
                note(f"get_nowait q{s['q']} {self.queues[s['q']].get_nowait()}")
            except asyncio.QueueEmpty:
                note(f"get_nowait q{s['q']} empty")
            except asyncio.QueueShutDown:
                note(f"get_nowait q{s['q']} shutdown")
        elif op == "shutdown":
            self.queues[s["q"]].shutdown(s["immediate"])
            note(f"shutdown q{s['q']} {str(s['immediate']).lower()}")
        elif op == "release":
            self.sems[s["s"]].release()
            note(f"release s{s['s']}")
        elif op == "barrier_wait":
            try:
                note(f"barrier b{s['b']} {await self.barriers[s['b']].wait()}")
            except asyncio.BrokenBarrierError:
                note(f"barrier b{s['b']} broken")
        elif op == "task_done":
            try:
                self.queues[s["q"]].task_done()
                note(f"task_done q{s['q']}")
            except ValueError:
                note(f"task_done q{s['q']} error")
        elif op == "join":
            await self.queues[s["q"]].join()
            note(f"join q{s['q']}")
        elif op == "lock":
            async with self.locks[s["l"]]:
                note(f"locked l{s['l']}")
                await self.block(b, s["stmts"], handles)
            note(f"unlocked l{s['l']}")
        elif op == "sem":
            async with self.sems[s["s"]]:
                note(f"acquired s{s['s']}")
                await self.block(b, s["stmts"], handles)
            note(f"released s{s['s']}")
        elif op == "set":
            self.events[s["e"]].set()
            note(f"set e{s['e']}")
        elif op == "clear":
            self.events[s["e"]].clear()
            note(f"clear e{s['e']}")
        elif op == "ev_wait":
            await self.events[s["e"]].wait()
            note(f"ev_wait e{s['e']}")
        elif op == "cond_wait":
            async with self.conds[s["c"]] as c:
                await self.conds[s["c"]].wait()
                note(f"cond_wait c{s['c']}")
            del c
        elif op == "cond_wait_for":
            cond = self.conds[s["c"]]
            async with cond:
                try:
                    await asyncio.wait_for(cond.wait(), s["ms"])
                    result = "ok"
                except TimeoutError:
                    result = "timeout"
                note(f"cond_wait_for c{s['c']} {result} locked={str(cond.locked()).lower()}")
        elif op == "notify":
            cond = self.conds[s["c"]]
            async with cond:
                if s["n"] == 0:
                    cond.notify_all()
                else:
                    cond.notify(s["n"])
            note(f"notify c{s['c']} {s['n']}")
        elif op == "counts":
            note(f"counts {self.counts()}")
        else:
            raise ValueError(f"unknown op {op!r}")

    async def root(self):
        # The log ends where the main body does, as a simulation ends when
        # its root task does (the loop would still run the callbacks already
        # ready in this iteration).
        try:
            return await self.body(self.spec["main"])
        finally:
            self.over = True

    def run(self):
        self.loop = VirtualLoop()
        self.loop.set_exception_handler(lambda loop, context: None)
        asyncio.set_event_loop(self.loop)
        try:
            main = self.loop.create_task(self.root())
            try:
                self.loop.run_until_complete(main)
            except Deadlock:
                self.log.append("deadlock")
            except Boom:
                pass
            log = self.log
            self.log = []
            # The program is over: cancel what still runs, quietly, for a
            # bounded number of loop iterations (a cancelled task may start
            # others, or wait for a lock before it ends).
            for i in range(1000):
                pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
                if not pending:
                    break
                if i % 10 == 0:
                    for t in pending:
                        t.cancel()
                try:
                    self.loop._run_once()
                except Deadlock:
                    break
            return log
        finally:
            asyncio.set_event_loop(None)
            self.loop.close()


def describe(result):
    if isinstance(result, asyncio.CancelledError):
        return "cancelled"
    if isinstance(result, BaseException):
        return f"err {result}"
    return f"ok {result}"


def task_outcome(task):
    if task.cancelled():
        return "cancelled"
    if task.exception() is not None:
        return f"err {task.exception()}"
    return f"ok {task.result()}"


async def outcome(awaitable):
    """Awaits and describes the result. A `CancelledError` that is the
    awaiting task's own cancellation propagates; one that says the awaited
    task was cancelled is a result."""
    try:
        return f"ok {await awaitable}"
    except asyncio.CancelledError:
        if asyncio.current_task().cancelling():
            raise
        return "cancelled"
    except TimeoutError:
        return "timeout"
    except Boom as e:
        return f"err {e}"


def main():
    # Tasks a program leaves behind are dropped with the loop, unfinished.
    warnings.simplefilter("ignore")
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        for entry in Program(json.loads(line)).run():
            out.write(entry + "\n")
        out.write("=== end\n")
    out.flush()


if __name__ == "__main__":
    main()
