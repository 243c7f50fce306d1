"""Keep glibc's allocator from holding on to memory that serving threads freed.

glibc gives each thread that allocates its own arena (up to eight per core), and an
arena keeps what was freed in it for reuse. The classifier's lanes and ONNX Runtime's
worker threads each allocate their batches' buffers, so every one of them ends up
holding its largest batch's worth of memory: 20 to 30 MB of the classifier's resident
memory after serving (``steward bench --only classifier``), with no speed to show for
it. Two arenas keep that memory reusable between threads, and the speed is the same.

An operator's ``MALLOC_ARENA_MAX`` wins: glibc reads it at start, and this leaves it be.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

logger = logging.getLogger(__name__)

ARENAS = 2
"""Arenas glibc may create; the main thread's and one for all the others."""
_M_ARENA_MAX = -8
"""``mallopt``'s parameter number for the arena limit (from glibc's ``malloc.h``)."""


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Limit glibc's arenas for threads started from now on; elsewhere, do nothing.

    Call it at start, before the threads that serve are started (arenas already made
    stay).

    Args:
        arenas: The most arenas glibc may create.

    Returns:
        Whether the limit was set (not on a C library without ``mallopt``, such as
        musl's or macOS's, nor where ``MALLOC_ARENA_MAX`` is set).
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    if mallopt(_M_ARENA_MAX, arenas) != 1:
        logger.debug("mallopt refused an arena limit of %d", arenas)
        return False
    return True
