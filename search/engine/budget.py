"""One request's time limit, passed to every stage of that request (expansion, matching, did-you-mean).

A Budget belongs to one request: the engine makes it in `search()` and hands it down as an argument, so no
stage keeps per-request state on a shared object.
"""

from __future__ import annotations

import math
import time


class Budget:
    """One request's deadline, shared by every stage from expansion to did-you-mean.

    A stage looks at the clock after each unit of work (a word expanded, a block of phrase candidates checked)
    and, once the deadline has passed, drops the rest of its work and sets `cut`: the answer is then partial,
    and no later stage starts anything that could be dropped. A unit begun before the deadline is finished,
    so even a budget of zero makes some progress.
    """

    def __init__(self, seconds: float = math.inf, deadline: float | None = None) -> None:
        self.deadline = time.monotonic() + seconds if deadline is None else deadline
        self.cut = False

    def over(self) -> bool:
        """True once the deadline has passed (or a stage has already cut its work short)."""
        return self.cut or time.monotonic() >= self.deadline

    def stop(self) -> bool:
        """Whether to stop now, remaining work being dropped (the answer is then partial)."""
        if self.over():
            self.cut = True
        return self.cut
