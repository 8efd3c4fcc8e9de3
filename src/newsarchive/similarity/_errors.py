"""The similarity package's errors: part of the `NewsArchiveError` family."""

from __future__ import annotations

from newsarchive.errors import NewsArchiveError

__all__ = ["SimilarityError"]


class SimilarityError(NewsArchiveError, ValueError):
    """A signature or index that cannot be used as asked.

    Codes: `scheme-mismatch` (signatures or an index made with other
    parameters), `bad-scheme` (a scheme string that is not one of ours),
    `bad-signature` (bytes of the wrong length), `bad-index` (a file that is
    not a similarity index, or one from a newer version), `bad-threshold`.
    """

    code = "similarity-error"
