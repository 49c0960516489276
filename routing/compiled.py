"""numba's ``njit`` for the array searches (``vrptw_ls``, ``week_ls``), with the plain-Python fallback.

numba is a dependency; without it (a platform it has no wheel for) the same functions run uncompiled, correct but
hundreds of times slower. ``cache=True`` keeps the machine code beside the source (or in ``NUMBA_CACHE_DIR``), so
only the first run on a machine compiles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

try:
    import numba

    def compiled(function: F) -> F:
        return cast(F, numba.njit(cache=True)(function))

    # getattr: numba's config is untyped where numba is installed, and absent for mypy where it is not.
    COMPILED = not bool(getattr(numba.config, "DISABLE_JIT", False))
except ImportError:  # pragma: no cover - numba is a dependency; this is the fallback for where it cannot install

    def compiled(function: F) -> F:
        return function

    COMPILED = False
