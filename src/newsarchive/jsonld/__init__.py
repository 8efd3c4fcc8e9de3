"""JSON-LD export: a record as a schema.org `NewsArticle` with W3C PROV-O provenance.

Publishers describe their articles with schema.org JSON-LD; archives and
provenance tools read PROV-O. One record becomes a small graph that both can
read. Three parts, one concept each:

- `_vocab`: the context every document carries and the IRIs of records and
  agents;
- `_nodes`: the mapping of a record's fields to graph nodes (documented there
  field by field), one document for one record (`to_jsonld`) or a streamed
  one for many (`iter_document`);
- `_offline`: expansion with PyLD (`expand`, the optional extra), through a
  document loader that serves only the bundled schema.org context and never
  uses the network.

The format, for readers: docs/jsonld.md.
"""

from __future__ import annotations

from newsarchive.jsonld._nodes import iter_document, record_nodes, to_jsonld
from newsarchive.jsonld._offline import document_loader, expand
from newsarchive.jsonld._vocab import (
    PROV,
    SCHEMA,
    SCHEMA_ORG_CONTEXT,
    USING_EVENTS,
    VOCAB,
    agent_iri,
    jsonld_context,
    record_iri,
)

__all__ = [
    "PROV",
    "SCHEMA",
    "SCHEMA_ORG_CONTEXT",
    "USING_EVENTS",
    "VOCAB",
    "agent_iri",
    "document_loader",
    "expand",
    "iter_document",
    "jsonld_context",
    "record_iri",
    "record_nodes",
    "to_jsonld",
]
