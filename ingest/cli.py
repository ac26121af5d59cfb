"""What every command line of the project does with an unexpected error: one clear line, the
traceback only with --debug."""

from __future__ import annotations

import sys


def report_error(exc: Exception, debug: bool, code: int) -> int:
    """Print `error: …` on stderr and return the exit code; with `debug`, re-raise instead.

    >>> try:
    ...     risky()
    ... except Exception as exc:
    ...     return report_error(exc, args.debug, 2)  # doctest: +SKIP
    """
    if debug:
        raise exc
    print(f"error: {exc} (run with --debug for details)", file=sys.stderr)
    return code
