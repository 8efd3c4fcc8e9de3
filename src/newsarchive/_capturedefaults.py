"""The capture defaults, apart from `newsarchive.capture` so `--help` can name them cheaply.

Importing `newsarchive.capture` loads the HTTP client and the extractor; the
command line's parser only needs these numbers.
"""

from __future__ import annotations

from typing import Final

from newsarchive._version import __version__

__all__ = [
    "DEFAULT_DELAY",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_REDIRECTS",
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
]

#: Seconds one whole exchange (connect, TLS, request, response) may take.
DEFAULT_TIMEOUT: Final = 30.0
#: The largest response body taken, in bytes, as received and once decoded: 10 MiB.
DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
#: Seconds between the end of one request to a host and the start of the next.
DEFAULT_DELAY: Final = 1.0
#: Redirects followed before giving up (browsers follow 20; news sites use 1-3).
DEFAULT_MAX_REDIRECTS: Final = 10
DEFAULT_USER_AGENT: Final = f"newsarchive/{__version__} (web archiving; honours robots.txt)"
