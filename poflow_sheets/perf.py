"""Speed helpers shared by the hot paths (reading, validating, matching, bank parsing)."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def without_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` with the cyclic garbage collector paused.

    These functions build hundreds of thousands of small acyclic records: the collector would walk
    every one of them again and again for nothing (measured: reading 100,000 lines takes 1.45 s
    instead of 2.1 s). Reference counting still frees everything; the collector resumes afterwards.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if paused:
                gc.enable()

    return wrapper
