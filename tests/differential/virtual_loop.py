"""An asyncio event loop on a virtual clock.

`VirtualLoop.time()` is a number kept by the loop, not a clock: when no
callback is ready, the loop's "selector" moves it straight to the earliest
timer instead of sleeping. The loop has no file descriptors and no
self-pipe; it runs callbacks and timers only, which is all the programs of
the differential harness need.

The unit of `time()` is the harness's choice. The harness uses one unit per
virtual millisecond, so that every deadline is a small integer and float
arithmetic is exact.
"""

import asyncio
import heapq
import itertools
from asyncio import events


class Deadlock(Exception):
    """Nothing is ready and no timer is pending, but the loop was asked to
    wait: the program can never go on."""


class _VirtualSelector:
    """Stands in for a selector: `select(timeout)` advances the loop's clock
    by `timeout` (the time until the earliest timer) and reports no I/O."""

    def __init__(self, loop):
        self._loop = loop

    def select(self, timeout=None):
        if timeout is None:
            raise Deadlock()
        if timeout > 0:
            self._loop._now += timeout
        return []

    def close(self):
        pass


class _Timer(events.TimerHandle):
    """A timer that sorts by deadline, then by the order timers were armed.

    asyncio's own timers compare deadlines only, so the heap may fire timers
    due at the same instant in any order; simloop fires them in arming
    order. The harness compares the two on that order.
    """

    __slots__ = ("_seq",)

    def __init__(self, when, callback, args, loop, context, seq):
        super().__init__(when, callback, args, loop, context)
        self._seq = seq

    def __lt__(self, other):
        return (self._when, self._seq) < (other._when, other._seq)

    def __le__(self, other):
        return (self._when, self._seq) <= (other._when, other._seq)

    def __gt__(self, other):
        return (self._when, self._seq) > (other._when, other._seq)

    def __ge__(self, other):
        return (self._when, self._seq) >= (other._when, other._seq)

    # Identity, as the heap's removal of cancelled timers expects.
    __eq__ = object.__eq__
    __hash__ = object.__hash__


class VirtualLoop(asyncio.BaseEventLoop):
    """A `BaseEventLoop` whose clock starts at 0 and only moves when the loop
    would otherwise wait for a timer. Timers due at the same instant fire in
    the order they were armed."""

    def __init__(self):
        super().__init__()
        self._now = 0.0
        self._seq = itertools.count()
        self._selector = _VirtualSelector(self)
        # A timer is due when its deadline is below `time()` plus this:
        # deadlines are integers, so only the timers due now are.
        self._clock_resolution = 1e-6

    def time(self):
        return self._now

    def call_at(self, when, callback, *args, context=None):
        if when is None:
            raise TypeError("when cannot be None")
        self._check_closed()
        timer = _Timer(when, callback, args, self, context, next(self._seq))
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer

    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        pass

    def close(self):
        self._selector = None
        super().close()
