"""newsarchive: archive news articles with provenance."""

from newsarchive._version import __version__

__all__ = ["__version__"]
