"""JSON-LD export: expanded offline with PyLD and checked as RDF triples, not as strings."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from pyld import jsonld as pyld

from newsarchive import ArchivedArticle, ProvenanceEvent, Retrieval
from newsarchive.errors import InvalidRecord, JSONLDError, MissingExtra
from newsarchive.jsonld import (
    USING_EVENTS,
    agent_iri,
    document_loader,
    expand,
    iter_document,
    record_iri,
    to_jsonld,
)
from newsarchive.record import HttpFacts, HttpHeaders, Redirect
from newsarchive.timestamps import Timestamp
from tests import strategies
from tests.conftest import DATA
from tests.strategies import as_v1
from tests.test_cli import assert_one_line_error, cli

S = "http://schema.org/"
P = "http://www.w3.org/ns/prov#"
V = "urn:newsarchive:vocab:"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
GOLDEN = DATA / "jsonld" / "wayback-record.jsonld"
GOLDEN_V2 = DATA / "jsonld" / "capture-record-v2.jsonld"

#: (subject, predicate, object, datatype): datatype None for an IRI or blank node.
Triple = tuple[str, str, str, str | None]


def triples(document: Any) -> set[Triple]:
    """The RDF triples of a JSON-LD document (expanded offline first)."""
    dataset = pyld.to_rdf(expand(document), {"documentLoader": document_loader()})
    out: set[Triple] = set()
    for t in dataset["@default"]:
        obj = t["object"]
        datatype = obj.get("datatype") if obj["type"] == "literal" else None
        out.add((t["subject"]["value"], t["predicate"]["value"], obj["value"], datatype))
    return out


def objects(graph: set[Triple], subject: str, predicate: str) -> set[tuple[str, str | None]]:
    return {(o, d) for s, p, o, d in graph if s == subject and p == predicate}


def _wayback_record() -> ArchivedArticle:
    return ArchivedArticle.create(
        url="https://www.example.com/world/2024/river-data?utm_source=rss",
        content="Ministers agreed late on Friday to share river-level data every hour.",
        retrieved_at="2024-05-01T10:00:00.5Z",
        title="Ministers agree to share river data",
        tags=["Floods", "water policy"],
        published_at="2024-04-30T18:00:00Z",
        retrieval=Retrieval(
            method="wayback",
            agent="newsarchive/0.1.0",
            via="https://web.archive.org/web/20240501095900/https://www.example.com/world/2024/river-data",
            notes=("snapshot taken 2024-05-01T09:59:00Z",),
        ),
        provenance=[
            ProvenanceEvent(
                type="import", at="2024-05-01T10:00:01Z", detail="imported from article text"
            ),
            ProvenanceEvent(
                type="verify", at="2024-06-01T00:00:00Z", agent="desk editor", outcome="warning"
            ),
            ProvenanceEvent(type="x-review", at="2024-06-02T00:00:00Z", agent="desk editor"),
        ],
    )


@pytest.fixture(scope="module")
def article() -> ArchivedArticle:
    return _wayback_record()


@pytest.fixture(scope="module")
def graph(article: ArchivedArticle) -> set[Triple]:
    return triples(to_jsonld(article))


def test_the_article_is_a_schema_org_news_article(
    article: ArchivedArticle, graph: set[Triple]
) -> None:
    r = record_iri(article.id)
    assert (r, RDF_TYPE, S + "NewsArticle", None) in graph
    assert objects(graph, r, S + "url") == {(article.url, None)}  # an IRI, not a string
    assert objects(graph, r, S + "headline") == {
        ("Ministers agree to share river data", XSD_STRING)
    }
    # schema.org's own context types datePublished as schema:Date; we keep its mapping.
    assert objects(graph, r, S + "datePublished") == {("2024-04-30T18:00:00Z", S + "Date")}
    assert objects(graph, r, S + "keywords") == {
        ("Floods", XSD_STRING),
        ("water policy", XSD_STRING),
    }
    assert objects(graph, r, S + "archivedAt") == {(article.retrieval.via, None)}
    assert objects(graph, r, S + "identifier") == {(article.id, XSD_STRING)}
    assert objects(graph, r, V + "canonicalUrl") == {(article.canonical_url, None)}
    assert objects(graph, r, S + "articleBody") == {(article.content, XSD_STRING)}
    assert objects(graph, r, V + "recordDigest") == {(str(article.record_digest), XSD_STRING)}


def test_the_content_is_described_by_a_media_object(
    article: ArchivedArticle, graph: set[Triple]
) -> None:
    ((encoding, _),) = objects(graph, record_iri(article.id), S + "encoding")
    assert (encoding, RDF_TYPE, S + "MediaObject", None) in graph
    assert objects(graph, encoding, S + "sha256") == {(article.content_digest.hex, XSD_STRING)}
    assert objects(graph, encoding, V + "contentDigest") == {
        (str(article.content_digest), XSD_STRING)
    }
    assert objects(graph, encoding, V + "contentLength") == {
        (str(article.content_length), XSD_INTEGER)
    }
    assert objects(graph, encoding, S + "encodingFormat") == {(article.media_type, XSD_STRING)}


def test_the_retrieval_generated_the_copy(article: ArchivedArticle, graph: set[Triple]) -> None:
    r = record_iri(article.id)
    retrieval = r + "#retrieval"
    assert (r, RDF_TYPE, P + "Entity", None) in graph
    assert (retrieval, RDF_TYPE, P + "Activity", None) in graph
    assert (r, P + "wasGeneratedBy", retrieval, None) in graph
    assert objects(graph, r, P + "generatedAtTime") == {("2024-05-01T10:00:00.5Z", XSD_DATETIME)}
    generations = {o for o, _ in objects(graph, r, P + "qualifiedGeneration")}
    at = {
        activity: objects(graph, g, P + "atTime")
        for g in generations
        for activity, _ in objects(graph, g, P + "activity")
    }
    assert at[retrieval] == {("2024-05-01T10:00:00.5Z", XSD_DATETIME)}
    assert all((g, RDF_TYPE, P + "Generation", None) in graph for g in generations)
    software = agent_iri("newsarchive/0.1.0")
    assert (r, P + "wasAttributedTo", software, None) in graph
    assert (retrieval, P + "wasAssociatedWith", software, None) in graph
    assert (retrieval, P + "used", article.retrieval.via, None) in graph
    assert (software, RDF_TYPE, P + "SoftwareAgent", None) in graph
    assert (software, RDFS_LABEL, "newsarchive/0.1.0", XSD_STRING) in graph


def test_each_event_is_an_activity_linked_by_its_kind(
    article: ArchivedArticle, graph: set[Triple]
) -> None:
    r = record_iri(article.id)
    imp, ver, review = (f"{r}#event-{n}" for n in (1, 2, 3))
    for event, iri in zip(article.provenance, (imp, ver, review), strict=True):
        assert (iri, RDF_TYPE, P + "Activity", None) in graph
        assert objects(graph, iri, P + "startedAtTime") == {(str(event.at), XSD_DATETIME)}
        assert objects(graph, iri, P + "endedAtTime") == {(str(event.at), XSD_DATETIME)}
        assert objects(graph, iri, V + "eventType") == {(event.type, XSD_STRING)}
        assert objects(graph, iri, V + "outcome") == {(event.outcome, XSD_STRING)}
        assert (iri, P + "wasAssociatedWith", agent_iri(event.agent), None) in graph
    # import changed the copy: an influence (PROV allows one generation, the retrieval)
    assert (r, P + "wasInfluencedBy", imp, None) in graph
    assert objects(graph, r, P + "wasGeneratedBy") == {(r + "#retrieval", None)}
    # verify read it: a qualified usage at the event's time
    assert (ver, P + "used", r, None) in graph
    ((usage, _),) = objects(graph, ver, P + "qualifiedUsage")
    assert (usage, RDF_TYPE, P + "Usage", None) in graph
    assert (usage, P + "entity", r, None) in graph
    assert objects(graph, usage, P + "atTime") == {("2024-06-01T00:00:00Z", XSD_DATETIME)}
    # an x- type only influenced it
    assert (r, P + "wasInfluencedBy", review, None) in graph
    assert (ver, P + "used", r, None) in graph
    editor = agent_iri("desk editor")
    assert editor == "urn:newsarchive:agent:desk%20editor"
    assert (editor, RDF_TYPE, P + "Agent", None) in graph
    assert (editor, RDF_TYPE, P + "SoftwareAgent", None) not in graph


def test_the_using_event_types_are_standard_ones() -> None:
    from newsarchive.validation import load_schema

    event_type = load_schema()["properties"]["provenance"]["items"]["properties"]["type"]
    standard = set(event_type["pattern"].strip("^$()").split("|")[:-1])  # all but the x- form
    assert standard > USING_EVENTS


def test_golden_document(article: ArchivedArticle) -> None:
    # The exact output for one record, reviewed by hand: a change here is a format change.
    # The golden file predates format v2: the record's v1 form gives it unchanged.
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert to_jsonld(as_v1(article)) == expected


def _capture_record() -> ArchivedArticle:
    """A format v2 record with every article metadata field and HTTP facts."""
    return ArchivedArticle.create(
        url="https://news.example/2025/05/harbour-reopens",
        content="The harbour reopened on Monday after four weeks of repairs.",
        retrieved_at="2025-05-06T08:00:00Z",
        title="Harbour reopens",
        published_at="2025-05-05T06:00:00Z",
        modified_at="2025-05-05T09:30:00Z",
        authors=["Ana Lima", "  Ben   Okafor "],
        publisher="Example Gazette",
        language="en-GB",
        description="Repairs finished early.",
        image="https://news.example/img/harbour.jpg",
        retrieval=Retrieval(
            method="http",
            agent="newsarchive/0.1.0",
            http=HttpFacts(
                final_url="https://news.example/2025/05/harbour-reopens/",
                status=200,
                http_version="HTTP/1.1",
                redirects=[Redirect("https://news.example/2025/05/harbour-reopens", 301)],
                headers=HttpHeaders(content_type="text/html; charset=utf-8", etag='"h1"'),
                tls_sha256="ab" * 32,
            ),
        ),
    )


def test_v2_fields_map_to_schema_org() -> None:
    article = _capture_record()
    g = triples(to_jsonld(article))
    r = record_iri(article.id)
    people = {o for o, _ in objects(g, r, S + "author")}
    assert {(p, RDF_TYPE, S + "Person", None) in g for p in people} == {True}
    assert {n for p in people for n in objects(g, p, S + "name")} == {
        ("Ana Lima", XSD_STRING),
        ("Ben Okafor", XSD_STRING),  # normalized when the record was made
    }
    ((publisher, _),) = objects(g, r, S + "publisher")
    assert (publisher, RDF_TYPE, S + "Organization", None) in g
    assert objects(g, publisher, S + "name") == {("Example Gazette", XSD_STRING)}
    assert objects(g, r, S + "dateModified") == {("2025-05-05T09:30:00Z", S + "Date")}
    assert objects(g, r, S + "inLanguage") == {("en-GB", XSD_STRING)}
    assert objects(g, r, S + "description") == {("Repairs finished early.", XSD_STRING)}
    assert objects(g, r, S + "image") == {("https://news.example/img/harbour.jpg", None)}


def test_a_v1_record_has_none_of_the_v2_terms(article: ArchivedArticle) -> None:
    g = triples(to_jsonld(as_v1(article)))
    used = {p for _, p, _, _ in g}
    assert not used & {S + t for t in ("author", "publisher", "dateModified", "inLanguage")}


def test_golden_document_v2() -> None:
    # The exact output for a format v2 record, reviewed by hand.
    expected = json.loads(GOLDEN_V2.read_text(encoding="utf-8"))
    assert to_jsonld(_capture_record()) == expected


def test_urls_become_valid_iris() -> None:
    # A record's URL may hold characters an IRI may not; RDF output must not.
    odd = ArchivedArticle.create(
        url='https://example.com/a"b<c>{d}|^`e%ZZ%41',
        content="Text.",
        retrieved_at="2024-01-01T00:00:00Z",
    )
    g = triples(to_jsonld(odd))
    escaped = "https://example.com/a%22b%3Cc%3E%7Bd%7D%7C%5E%60e%25ZZ%41"
    assert objects(g, record_iri(odd.id), S + "url") == {(escaped, None)}
    assert objects(g, record_iri(odd.id), P + "hadPrimarySource") == {(escaped, None)}


def test_a_dict_is_validated_first(article: ArchivedArticle) -> None:
    data = article.to_dict()
    assert to_jsonld(data) == to_jsonld(article)
    data["content"] = "changed"
    with pytest.raises(InvalidRecord, match="content"):
        to_jsonld(data)


def test_content_can_be_left_out_and_other_media_types_use_text() -> None:
    html = ArchivedArticle.create(
        url="https://example.com/a",
        content="<p>Hi</p>",
        retrieved_at="2024-01-01T00:00:00Z",
        media_type="text/html; charset=utf-8",
        algorithm="sha512",
    )
    g = triples(to_jsonld(html))
    r = record_iri(html.id)
    assert objects(g, r, S + "articleBody") == set()
    ((encoding, _),) = objects(g, r, S + "encoding")
    assert objects(g, encoding, S + "text") == {("<p>Hi</p>", XSD_STRING)}
    assert objects(g, encoding, S + "sha256") == set()  # the digest is sha512
    assert objects(g, encoding, V + "contentDigest") == {(str(html.content_digest), XSD_STRING)}
    lean = triples(to_jsonld(html, content=False))
    assert not any(p in {S + "text", S + "articleBody"} for _, p, _, _ in lean)
    assert objects(lean, r, S + "headline") == set()  # a null title is simply absent


def test_sd_date_published_only_when_asked(article: ArchivedArticle) -> None:
    r = record_iri(article.id)
    assert objects(triples(to_jsonld(article)), r, S + "sdDatePublished") == set()
    made = to_jsonld(article, generated_at=Timestamp.parse("2026-01-01T12:00:00Z"))
    assert objects(triples(made), r, S + "sdDatePublished") == {
        ("2026-01-01T12:00:00Z", S + "Date")
    }


def test_text_that_looks_like_json_ld_stays_text() -> None:
    tricky = ArchivedArticle.create(
        url="https://example.com/b",
        content="@context",
        retrieved_at="2024-01-01T00:00:00Z",
        title="@id",
        tags=["_:b0", "http://evil.example/", "@type"],
        retrieval=Retrieval(agent="Ünïcode / agent #1?"),
    )
    g = triples(to_jsonld(tricky))
    r = record_iri(tricky.id)
    assert objects(g, r, S + "headline") == {("@id", XSD_STRING)}
    assert objects(g, r, S + "keywords") == {
        ("_:b0", XSD_STRING),
        ("http://evil.example/", XSD_STRING),
        ("@type", XSD_STRING),
    }
    agent = agent_iri("Ünïcode / agent #1?")
    assert agent.isascii()
    assert " " not in agent
    assert "#" not in agent
    assert (agent, RDFS_LABEL, "Ünïcode / agent #1?", XSD_STRING) in g


# -- the offline loader --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["https://schema.org", "http://schema.org/", "https://schema.org/docs/jsonldcontext.jsonld"],
)
def test_the_loader_serves_the_bundled_schema_org_context(url: str) -> None:
    remote = document_loader()(url, {})
    context = remote["document"]["@context"]
    assert context["@vocab"] == S
    assert context["url"] == {"@id": "schema:url", "@type": "@id"}
    assert remote["documentUrl"] == url


@pytest.mark.parametrize(
    "url",
    [
        "https://www.w3.org/ns/prov.jsonld",
        "https://schema.org.evil.example/",
        "file:///etc/passwd",
        "https://schema.org/Thing",
    ],
)
def test_the_loader_refuses_everything_else(url: str) -> None:
    with pytest.raises(JSONLDError, match="refusing to fetch") as info:
        document_loader()(url, {})
    assert info.value.code == "context-not-bundled"
    with pytest.raises(JSONLDError) as again:
        expand({"@context": url, "@id": "urn:x", "http://example.com/p": "v"})
    assert again.value.code == "context-not-bundled"


def test_a_processor_error_is_ours() -> None:
    with pytest.raises(JSONLDError) as info:
        expand({"@context": {"@vocab": 5}, "a": "b"})
    assert info.value.code == "expansion-failed"


def test_missing_pyld_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyld", None)
    with pytest.raises(MissingExtra, match=r"pip install 'newsarchive\[jsonld\]'") as info:
        expand({})
    assert info.value.extra == "jsonld"


# -- many records ---------------------------------------------------------------------------


def test_a_document_of_many_records_is_one_json_ld_graph(article: ArchivedArticle) -> None:
    other = ArchivedArticle.create(
        url="https://example.com/c", content="c", retrieved_at="2024-02-02T00:00:00Z"
    )
    text = "".join(iter_document([article, other.to_dict()]))
    document = json.loads(text)
    ids = [node["@id"] for node in document["@graph"]]
    assert len(ids) == len(set(ids))  # the shared software agent is written once
    g = triples(document)
    for record in (article, other):
        assert (record_iri(record.id), S + "url", record.url, None) in g
    assert json.loads("".join(iter_document([])))["@graph"] == []


# -- properties -----------------------------------------------------------------------------


@given(strategies.records())
def test_every_record_expands_with_its_facts(record: ArchivedArticle) -> None:
    g = triples(to_jsonld(record))
    r = record_iri(record.id)
    assert (r, S + "url", record.url, None) in g
    assert (r, P + "generatedAtTime", str(record.retrieved_at), XSD_DATETIME) in g
    if record.published_at is not None:
        assert (r, S + "datePublished", str(record.published_at), S + "Date") in g
    assert {o for o, _ in objects(g, r, S + "keywords")} == set(record.tags)
    for number, event in enumerate(record.provenance, start=1):
        iri = f"{r}#event-{number}"
        assert (iri, P + "startedAtTime", str(event.at), XSD_DATETIME) in g
        assert (iri, P + "wasAssociatedWith", agent_iri(event.agent), None) in g
        linked = (
            (r, P + "wasGeneratedBy", iri, None) in g
            or (iri, P + "used", r, None) in g
            or (r, P + "wasInfluencedBy", iri, None) in g
        )
        assert linked


# -- command line ---------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> str:
    path = str(tmp_path / "st")
    code, _, err = cli("import", "--store", path, str(DATA / "import" / "records.jsonl"))
    assert code == 0, err
    return path


def test_export_jsonld_to_stdout_and_file(store: str, tmp_path: Path) -> None:
    code, out, err = cli("export", "--store", store, "--format", "jsonld")
    assert code == 0
    assert "2 records" in err
    document = json.loads(out)
    records = [n for n in document["@graph"] if "NewsArticle" in n["@type"]]
    assert len(records) == 2
    g = triples(document)
    assert (
        "urn:newsarchive:record:" + records[0]["identifier"],
        S + "url",
        records[0]["url"],
        None,
    ) in g
    target = tmp_path / "all.jsonld"
    assert cli("export", "--store", store, "--format", "jsonld", "-o", str(target))[0] == 0
    assert target.read_bytes() == out
    code, out, _ = cli("export", "--store", store, "--format", "jsonld", "--tag", "weather")
    assert code == 0
    assert len([n for n in json.loads(out)["@graph"] if "NewsArticle" in n["@type"]]) == 1


def test_export_jsonld_into_a_missing_directory_is_one_line(store: str, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir.jsonld"
    code, _, err = cli("export", "--store", store, "--format", "jsonld", "-o", str(target))
    assert_one_line_error(code, err, str(target))
    assert not target.parent.exists()
