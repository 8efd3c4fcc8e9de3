"""newsarchive: archive news articles with provenance.

The archived-article record (format v2; v1 records are read as they are),
its JSON Schemas, validation that reports every problem at once, serializers,
verification that a copy is exactly what was captured, and the embedded store. Everything public is
re-exported here.

Names are imported on first use (PEP 562), so `import newsarchive` and the
command line start fast: attrs, jsonschema and friends load only when needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from newsarchive._version import __version__

if TYPE_CHECKING:
    from newsarchive.archiveurls import ArchiveLink, parse_archive_url
    from newsarchive.bag import BagReport, validate_bag, write_bag
    from newsarchive.digest import Digest
    from newsarchive.errors import (
        ArticleTextError,
        BagError,
        BagProblem,
        DigestError,
        InvalidBag,
        InvalidRecord,
        InvalidTimestamp,
        InvalidURL,
        JSONError,
        JSONLDError,
        MissingExtra,
        NewsArchiveError,
        Problem,
        RecordNotFound,
        StoreCorrupted,
        StoreError,
        WarcError,
    )
    from newsarchive.history import diff
    from newsarchive.jsonl import iter_jsonl, write_jsonl
    from newsarchive.jsonld import to_jsonld
    from newsarchive.record import (
        ArchivedArticle,
        HttpFacts,
        HttpHeaders,
        ProvenanceEvent,
        Redirect,
        Retrieval,
    )
    from newsarchive.serialize import from_json, to_canonical_json, to_json
    from newsarchive.store import Store
    from newsarchive.timestamps import Timestamp, parse_timestamp
    from newsarchive.urls import canonicalize_url, check_url
    from newsarchive.validation import load_schema, validate
    from newsarchive.verify import CopyVerdict, verify_copy
    from newsarchive.warc import WarcReading, read_warc, write_warc

_EXPORTS: Final = {
    "ArchiveLink": "archiveurls",
    "ArchivedArticle": "record",
    "ArticleTextError": "errors",
    "BagError": "errors",
    "BagProblem": "errors",
    "BagReport": "bag",
    "CopyVerdict": "verify",
    "Digest": "digest",
    "DigestError": "errors",
    "HttpFacts": "record",
    "HttpHeaders": "record",
    "InvalidBag": "errors",
    "InvalidRecord": "errors",
    "InvalidTimestamp": "errors",
    "InvalidURL": "errors",
    "JSONError": "errors",
    "JSONLDError": "errors",
    "MissingExtra": "errors",
    "NewsArchiveError": "errors",
    "Problem": "errors",
    "ProvenanceEvent": "record",
    "RecordNotFound": "errors",
    "Redirect": "record",
    "Retrieval": "record",
    "Store": "store",
    "StoreCorrupted": "errors",
    "StoreError": "errors",
    "WarcError": "errors",
    "WarcReading": "warc",
    "Timestamp": "timestamps",
    "canonicalize_url": "urls",
    "check_url": "urls",
    "diff": "history",
    "from_json": "serialize",
    "iter_jsonl": "jsonl",
    "load_schema": "validation",
    "parse_archive_url": "archiveurls",
    "parse_timestamp": "timestamps",
    "read_warc": "warc",
    "to_canonical_json": "serialize",
    "to_json": "serialize",
    "to_jsonld": "jsonld",
    "validate": "validation",
    "validate_bag": "bag",
    "verify_copy": "verify",
    "write_bag": "bag",
    "write_jsonl": "jsonl",
    "write_warc": "warc",
}

__all__ = [
    "ArchiveLink",
    "ArchivedArticle",
    "ArticleTextError",
    "BagError",
    "BagProblem",
    "BagReport",
    "CopyVerdict",
    "Digest",
    "DigestError",
    "HttpFacts",
    "HttpHeaders",
    "InvalidBag",
    "InvalidRecord",
    "InvalidTimestamp",
    "InvalidURL",
    "JSONError",
    "JSONLDError",
    "MissingExtra",
    "NewsArchiveError",
    "Problem",
    "ProvenanceEvent",
    "RecordNotFound",
    "Redirect",
    "Retrieval",
    "Store",
    "StoreCorrupted",
    "StoreError",
    "Timestamp",
    "WarcError",
    "WarcReading",
    "__version__",
    "canonicalize_url",
    "check_url",
    "diff",
    "from_json",
    "iter_jsonl",
    "load_schema",
    "parse_archive_url",
    "parse_timestamp",
    "read_warc",
    "to_canonical_json",
    "to_json",
    "to_jsonld",
    "validate",
    "validate_bag",
    "verify_copy",
    "write_bag",
    "write_jsonl",
    "write_warc",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'newsarchive' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"newsarchive.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
