"""Worker processes that never outlive the process that started them.

A forked pool worker blocked on its task queue holds a copy of that queue's
write end, so it never sees the parent go away: if the parent is killed, the
workers would wait forever. On Linux the kernel can instead kill them when
their parent dies (PR_SET_PDEATHSIG); elsewhere they poll for reparenting.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Optional

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: Optional[int] = None) -> None:
    """Call first thing in a child process: it ends when its parent does.

    Pass the parent's pid, taken before the fork: a parent that died before
    this call is then noticed too.
    """
    if parent is None:
        parent = os.getppid()
    if os.getppid() != parent:
        os._exit(1)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="deeplake-parent-watch", daemon=True).start()
