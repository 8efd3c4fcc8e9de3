"""The vocabulary of the JSON-LD export: the context, and the IRIs of records and agents.

Every document written by `newsarchive.jsonld` has the context
`["https://schema.org", {prov, rdfs, xsd, newsarchive prefixes and a few type
coercions}]`, as publishers write it. Terms with no fitting schema.org or
PROV-O property use the documented vocabulary `urn:newsarchive:vocab:`
(prefix `newsarchive:`). URLs are written as IRIs: what an IRI cannot hold
(angle brackets, double quote, braces, pipe, backslash, caret, backtick, and
a `%` that does not start an escape) is percent-encoded, so N-Quads and other
RDF syntaxes carry them.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Final
from urllib.parse import quote

__all__ = [
    "PROV",
    "SCHEMA",
    "SCHEMA_ORG_CONTEXT",
    "USING_EVENTS",
    "VOCAB",
    "agent_iri",
    "iri",
    "jsonld_context",
    "record_iri",
]

#: The context URL publishers use; served from the bundled copy.
SCHEMA_ORG_CONTEXT: Final = "https://schema.org"
#: The IRIs the schema.org context maps its terms to (http, for compatibility).
SCHEMA: Final = "http://schema.org/"
PROV: Final = "http://www.w3.org/ns/prov#"
#: newsarchive's own terms, for facts no standard vocabulary names exactly.
VOCAB: Final = "urn:newsarchive:vocab:"
_RDFS: Final = "http://www.w3.org/2000/01/rdf-schema#"
_XSD: Final = "http://www.w3.org/2001/XMLSchema#"

#: Event types that read the copy (a prov:Usage of the record's entity); the others
#: are linked by prov:wasInfluencedBy.
USING_EVENTS: Final = frozenset({"verify", "fixity-check", "export", "replication"})

_DATETIME: Final = {"@type": "xsd:dateTime"}
_IRI: Final = {"@type": "@id"}
_LOCAL_CONTEXT: Final[dict[str, Any]] = {
    "prov": PROV,
    "rdfs": _RDFS,
    "xsd": _XSD,
    "newsarchive": VOCAB,
    "prov:atTime": _DATETIME,
    "prov:generatedAtTime": _DATETIME,
    "prov:startedAtTime": _DATETIME,
    "prov:endedAtTime": _DATETIME,
    "prov:activity": _IRI,
    "prov:entity": _IRI,
    "prov:hadPrimarySource": _IRI,
    "prov:used": _IRI,
    "prov:wasAssociatedWith": _IRI,
    "prov:wasAttributedTo": _IRI,
    "prov:wasGeneratedBy": _IRI,
    "prov:wasInfluencedBy": _IRI,
    "newsarchive:canonicalUrl": _IRI,
}
_NOT_IN_IRI: Final = re.compile(r'[<>"{}|\\^`]|%(?![0-9A-Fa-f]{2})')


def iri(url: str) -> str:
    """`url` with what an IRI (RFC 3987) cannot hold percent-encoded; a record's URL
    is already free of spaces, controls and backslashes (`newsarchive.urls`)."""
    return _NOT_IN_IRI.sub(_escape, url)


def _escape(match: re.Match[str]) -> str:
    return "%25" if match.group() == "%" else f"%{ord(match.group()):02X}"


def jsonld_context() -> list[Any]:
    """The `@context` of every document written here (a fresh copy the caller may change)."""
    return [SCHEMA_ORG_CONTEXT, copy.deepcopy(_LOCAL_CONTEXT)]


def record_iri(record_id: str) -> str:
    """The IRI of the node that stands for one record: `urn:newsarchive:record:<id>`."""
    return f"urn:newsarchive:record:{record_id}"


def agent_iri(agent: str) -> str:
    """The IRI of an agent named by a record: the same string always gives the same node."""
    return "urn:newsarchive:agent:" + quote(agent, safe="")
