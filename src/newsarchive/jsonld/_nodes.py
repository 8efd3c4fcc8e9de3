"""A record as JSON-LD graph nodes: a schema.org `NewsArticle` with W3C PROV-O provenance.

Publishers describe their articles with schema.org JSON-LD; archives and
provenance tools read PROV-O. One record becomes a small graph that both can
read. The document's context is `["https://schema.org", {prov, rdfs, xsd,
newsarchive prefixes and a few type coercions}]`, as publishers write it.

The nodes of one record (R is `urn:newsarchive:record:<id>`), field by field:

- the record: R, typed `schema:NewsArticle` and `prov:Entity` -- the article
  as archived in this record, one node per capture, so facts of different
  captures (a headline changed later) never merge;
- `id`: `schema:identifier`;
- `url`: `schema:url`, and `prov:hadPrimarySource` (the original article);
- `canonical_url`: `newsarchive:canonicalUrl` (an IRI);
- `title`: `schema:headline` (absent when `null`);
- `published_at`: `schema:datePublished`;
- format v2: `authors`: `schema:author`, one `schema:Person` (blank node) with
  `schema:name` per name; `publisher`: `schema:publisher`, a
  `schema:Organization` with `schema:name`; `modified_at`:
  `schema:dateModified`; `language`: `schema:inLanguage`; `description`:
  `schema:description`; `image`: `schema:image` (an IRI);
  `retrieval.http` is not written (HTTP facts are the record's evidence, not
  facts about the article);
- `tags`: `schema:keywords`, one value per tag;
- `retrieval.via`: `schema:archivedAt` (the snapshot the copy came through);
- `content`: `schema:articleBody` for `text/plain`, else `schema:text` of the
  encoding;
- `media_type`, `content_length`, `content_digest`: `schema:encoding` ->
  `<R#content>`, a `schema:MediaObject` with `schema:encodingFormat`,
  `newsarchive:contentLength`, `newsarchive:contentDigest` (`algorithm:hex`),
  and `schema:sha256` (bare hex) when the algorithm is sha256;
- `record_digest`: `newsarchive:recordDigest`;
- `retrieved_at`, `retrieval`: `<R#retrieval>`, a `prov:Activity` with
  `prov:endedAtTime`, `prov:used` (the via, else the url),
  `prov:wasAssociatedWith` (the agent), `newsarchive:method`, and the notes as
  `rdfs:comment`; R `prov:wasGeneratedBy` it, with `prov:generatedAtTime` and
  a `prov:qualifiedGeneration` (a `prov:Generation` with `prov:atTime` and
  `prov:activity`), and R `prov:wasAttributedTo` the agent;
- `provenance[i]`: `<R#event-N>` (N = i + 1), a `prov:Activity` with
  `prov:startedAtTime` = `prov:endedAtTime` = `at` (PREMIS records one
  instant), `prov:wasAssociatedWith` (the agent), `newsarchive:eventType`,
  `newsarchive:outcome`, `detail` as `rdfs:comment`, `newsarchive:sourceDigest`;
- an agent string: `urn:newsarchive:agent:<percent-encoded string>`, a
  `prov:Agent` (also `prov:SoftwareAgent` when it reads as a product token
  `name/version`), `rdfs:label` the string;
- `schema_version`: not written (the export describes the record, not its
  JSON form).

How an event relates to R depends on its type: `verify`, `fixity-check`,
`export` and `replication` read the copy (the event `prov:used` R, with a
qualified `prov:Usage` at `at`); every other type (`capture`, `import`,
`normalize`, `migrate`, `correction`, `x-...`) is linked by R
`prov:wasInfluencedBy` the event. PROV gives an entity exactly one generation
(PROV-CONSTRAINTS), and R's is the retrieval; an event that changed the copy
would, strictly, make a new entity (a revision), which a record does not have.

URLs are written as IRIs: what an IRI cannot hold (angle brackets, double
quote, braces, pipe, backslash, caret, backtick, and a `%` that does not start
an escape) is percent-encoded, so N-Quads and other RDF syntaxes carry them.

Terms with no fitting schema.org or PROV-O property use the documented
vocabulary `urn:newsarchive:vocab:` (prefix `newsarchive:`): `canonicalUrl`,
`contentDigest`, `contentLength`, `recordDigest`, `sourceDigest`, `method`,
`eventType`, `outcome`. `schema:sdDatePublished` (when the structured data was
made) is written only when the caller passes `generated_at`, so an export is
reproducible by default.

Many records form one document, `{"@context": ..., "@graph": [nodes...]}`,
written one node per line by `iter_document` (memory stays flat; each agent
node is written once).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Final

from newsarchive.jsonld._vocab import USING_EVENTS, agent_iri, iri, jsonld_context, record_iri
from newsarchive.record import ArchivedArticle

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from newsarchive.record import ProvenanceEvent
    from newsarchive.timestamps import Timestamp

__all__ = ["iter_document", "record_nodes", "to_jsonld"]

# A product token as in User-Agent (RFC 9110 section 10.1.5) with a version that
# starts with a digit: software, not a person or "AFP/Getty".
_PRODUCT: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[0-9][!#$%&'*+.^_`|~0-9A-Za-z-]*")
_PLAIN_TEXT: Final = re.compile(r"text/plain\s*(;.*)?", re.IGNORECASE | re.DOTALL)


def _as_article(record: ArchivedArticle | Mapping[str, Any]) -> ArchivedArticle:
    if isinstance(record, ArchivedArticle):
        return record
    return ArchivedArticle.from_dict(record)  # raises InvalidRecord listing every problem


def _agent_node(agent: str) -> dict[str, Any]:
    types = ["prov:Agent"]
    if _PRODUCT.fullmatch(agent):
        types.append("prov:SoftwareAgent")
    return {"@id": agent_iri(agent), "@type": types, "rdfs:label": agent}


def _encoding_node(article: ArchivedArticle, *, text: str | None) -> dict[str, Any]:
    digest = article.content_digest
    node: dict[str, Any] = {
        "@id": record_iri(article.id) + "#content",
        "@type": "MediaObject",
        "encodingFormat": article.media_type,
        "newsarchive:contentLength": article.content_length,
        "newsarchive:contentDigest": str(digest),
    }
    if digest.algorithm == "sha256":
        node["sha256"] = digest.hex
    if text is not None:
        node["text"] = text
    return node


def _event_node(
    event: ProvenanceEvent, iri: str, entity: str, influenced: list[str]
) -> dict[str, Any]:
    """One PREMIS-style event as a prov:Activity; adds R's side of the link to `influenced`."""
    at = str(event.at)
    node: dict[str, Any] = {
        "@id": iri,
        "@type": "prov:Activity",
        "rdfs:label": f"{event.type} event",
        "newsarchive:eventType": event.type,
        "newsarchive:outcome": event.outcome,
        "prov:startedAtTime": at,
        "prov:endedAtTime": at,
        "prov:wasAssociatedWith": agent_iri(event.agent),
    }
    if event.detail is not None:
        node["rdfs:comment"] = event.detail
    if event.source_digest is not None:
        node["newsarchive:sourceDigest"] = str(event.source_digest)
    if event.type in USING_EVENTS:
        node["prov:used"] = entity
        node["prov:qualifiedUsage"] = {
            "@type": "prov:Usage",
            "prov:entity": entity,
            "prov:atTime": at,
        }
    else:
        influenced.append(iri)
    return node


def record_nodes(
    record: ArchivedArticle | Mapping[str, Any],
    *,
    content: bool = True,
    generated_at: Timestamp | None = None,
) -> list[dict[str, Any]]:
    """The graph nodes of one record (see the module docstring), without a context.

    A dict is validated first (`InvalidRecord` lists every problem). `content`
    False leaves the article text out; `generated_at` adds `sdDatePublished`.
    """
    article = _as_article(record)
    entity = record_iri(article.id)
    retrieval_iri = entity + "#retrieval"
    retrieved = str(article.retrieved_at)
    plain = _PLAIN_TEXT.fullmatch(article.media_type) is not None
    text = article.content if content else None

    retrieval: dict[str, Any] = {
        "@id": retrieval_iri,
        "@type": "prov:Activity",
        "rdfs:label": f"retrieval ({article.retrieval.method})",
        "newsarchive:method": article.retrieval.method,
        "prov:endedAtTime": retrieved,
        "prov:used": iri(article.retrieval.via or article.url),
        "prov:wasAssociatedWith": agent_iri(article.retrieval.agent),
    }
    if article.retrieval.notes:
        retrieval["rdfs:comment"] = list(article.retrieval.notes)

    influenced: list[str] = []
    events = [
        _event_node(event, f"{entity}#event-{number}", entity, influenced)
        for number, event in enumerate(article.provenance, start=1)
    ]

    node: dict[str, Any] = {
        "@id": entity,
        "@type": ["NewsArticle", "prov:Entity"],
        "identifier": article.id,
        "url": iri(article.url),
        "newsarchive:canonicalUrl": article.canonical_url,
    }
    if article.title is not None:
        node["headline"] = article.title
    if article.authors:
        node["author"] = [{"@type": "Person", "name": name} for name in article.authors]
    if article.publisher is not None:
        node["publisher"] = {"@type": "Organization", "name": article.publisher}
    if article.description is not None:
        node["description"] = article.description
    if article.language is not None:
        node["inLanguage"] = article.language
    if article.image is not None:
        node["image"] = iri(article.image)
    if article.published_at is not None:
        node["datePublished"] = str(article.published_at)
    if article.modified_at is not None:
        node["dateModified"] = str(article.modified_at)
    if article.tags:
        node["keywords"] = list(article.tags)
    if article.retrieval.via is not None:
        node["archivedAt"] = iri(article.retrieval.via)
    if text is not None and plain:
        node["articleBody"] = text
    node["encoding"] = _encoding_node(article, text=None if plain else text)
    node["newsarchive:recordDigest"] = str(article.record_digest)
    if generated_at is not None:
        node["sdDatePublished"] = str(generated_at)
    node["prov:hadPrimarySource"] = iri(article.url)
    node["prov:wasAttributedTo"] = agent_iri(article.retrieval.agent)
    node["prov:generatedAtTime"] = retrieved
    node["prov:wasGeneratedBy"] = retrieval_iri
    node["prov:qualifiedGeneration"] = {
        "@type": "prov:Generation",
        "prov:activity": retrieval_iri,
        "prov:atTime": retrieved,
    }
    if influenced:
        node["prov:wasInfluencedBy"] = influenced

    agents = dict.fromkeys([article.retrieval.agent, *(e.agent for e in article.provenance)])
    return [node, retrieval, *events, *(_agent_node(a) for a in agents)]


def to_jsonld(
    record: ArchivedArticle | Mapping[str, Any],
    *,
    content: bool = True,
    generated_at: Timestamp | None = None,
) -> dict[str, Any]:
    """One record as a JSON-LD document: `{"@context": ..., "@graph": [...]}`."""
    nodes = record_nodes(record, content=content, generated_at=generated_at)
    return {"@context": jsonld_context(), "@graph": nodes}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def iter_document(
    records: Iterable[ArchivedArticle | Mapping[str, Any]], *, content: bool = True
) -> Iterator[str]:
    """Many records as one JSON-LD document, in pieces: one `@graph` node per line.

    Streaming keeps memory flat for a large export; agent nodes shared by
    records are written once. The concatenation is one JSON object.
    """
    yield '{"@context":' + _dumps(jsonld_context()) + ',\n"@graph":['
    seen_agents: set[str] = set()
    first = True
    for record in records:
        for node in record_nodes(record, content=content):
            if "prov:Agent" in node["@type"]:
                if node["@id"] in seen_agents:
                    continue
                seen_agents.add(node["@id"])
            yield ("\n" if first else ",\n") + _dumps(node)
            first = False
    yield "\n]}\n"


# -- offline processing ------------------------------------------------------------------
