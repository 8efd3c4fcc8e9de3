"""newsarchive: archive news articles with provenance.

The archived-article record (format v1), its JSON Schema, validation that
reports every problem at once, serializers, and verification that a copy is
exactly what was captured. Everything public is re-exported here.
"""

from newsarchive._version import __version__
from newsarchive.digest import Digest
from newsarchive.errors import (
    ArticleTextError,
    DigestError,
    InvalidRecord,
    InvalidTimestamp,
    InvalidURL,
    JSONError,
    NewsArchiveError,
    Problem,
)
from newsarchive.jsonl import iter_jsonl, write_jsonl
from newsarchive.record import ArchivedArticle, ProvenanceEvent, Retrieval
from newsarchive.serialize import from_json, to_canonical_json, to_json
from newsarchive.timestamps import Timestamp, parse_timestamp
from newsarchive.urls import canonicalize_url, check_url
from newsarchive.validate import load_schema, validate
from newsarchive.verify import CopyVerdict, verify_copy

__all__ = [
    "ArchivedArticle",
    "ArticleTextError",
    "CopyVerdict",
    "Digest",
    "DigestError",
    "InvalidRecord",
    "InvalidTimestamp",
    "InvalidURL",
    "JSONError",
    "NewsArchiveError",
    "Problem",
    "ProvenanceEvent",
    "Retrieval",
    "Timestamp",
    "__version__",
    "canonicalize_url",
    "check_url",
    "from_json",
    "iter_jsonl",
    "load_schema",
    "parse_timestamp",
    "to_canonical_json",
    "to_json",
    "validate",
    "verify_copy",
    "write_jsonl",
]
