"""Offline JSON-LD processing: a document loader that serves only the bundled context.

Nothing in `newsarchive.jsonld` touches the network. `expand` (the only
function that needs the optional PyLD package) resolves `https://schema.org`
through `document_loader`, which serves a **bundled, minimal** copy of the
schema.org context (`newsarchive/contexts/schema.org.jsonld`): only the terms
the export writes, with the IRIs (`http://schema.org/...`, as the real context
maps them) and the type coercions that schema.org's own context generator
gives them (`@id` for URL-valued properties, `schema:Date` for
`datePublished`/`sdDatePublished`, none for text). A processor that fetches
the real context gets the same triples. Any other URL is refused with
`JSONLDError` (`context-not-bundled`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from newsarchive.errors import JSONLDError, MissingExtra, NewsArchiveError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["document_loader", "expand"]

#: The URLs `document_loader` serves, all from the bundled schema.org context.
_BUNDLED: Final = dict.fromkeys(
    (
        "https://schema.org",
        "https://schema.org/",
        "http://schema.org",
        "http://schema.org/",
        "https://schema.org/docs/jsonldcontext.jsonld",
        "http://schema.org/docs/jsonldcontext.jsonld",
        "https://schema.org/docs/jsonldcontext.json",
        "http://schema.org/docs/jsonldcontext.json",
    ),
    "schema.org.jsonld",
)


@cache
def _bundled_text(name: str) -> str:
    return resources.files("newsarchive").joinpath(f"contexts/{name}").read_text(encoding="utf-8")


def document_loader() -> Callable[..., dict[str, Any]]:
    """A JSON-LD document loader (PyLD's interface) that never uses the network.

    It serves the bundled schema.org context for the schema.org context URLs
    and refuses every other URL with `JSONLDError` (`context-not-bundled`).
    """

    def load(url: str, options: Any = None) -> dict[str, Any]:  # noqa: ARG001 - PyLD's signature
        name = _BUNDLED.get(url)
        if name is None:
            raise JSONLDError(
                f"refusing to fetch the JSON-LD context {url[:200]!r}: newsarchive works "
                f"offline and bundles only the schema.org context",
                code="context-not-bundled",
            )
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": json.loads(_bundled_text(name)),  # a fresh copy: PyLD may keep it
        }

    return load


def _our_error(exc: BaseException) -> NewsArchiveError | None:
    """The error our loader raised, if PyLD wrapped one (it chains the cause)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, NewsArchiveError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def expand(document: Any) -> list[dict[str, Any]]:
    """The expanded form (JSON-LD 1.1) of `document`, computed offline with PyLD.

    Contexts come from `document_loader` only, through a resolver private to
    this call (PyLD's process-wide cache is not consulted). Raises
    `MissingExtra` without PyLD; `JSONLDError`: `context-not-bundled`,
    or `expansion-failed` with the processor's reason.
    """
    try:
        from pyld import jsonld  # noqa: PLC0415 - optional dependency
        from pyld.context_resolver import ContextResolver  # noqa: PLC0415
    except ImportError:
        raise MissingExtra("JSON-LD expansion", "jsonld", "PyLD") from None
    loader = document_loader()
    options = {"documentLoader": loader, "contextResolver": ContextResolver({}, loader)}
    try:
        expanded: list[dict[str, Any]] = jsonld.expand(document, options)
    except jsonld.JsonLdError as exc:
        ours = _our_error(exc)
        if ours is not None:
            raise ours from None
        reason = getattr(exc, "code", None) or getattr(exc, "type", "error")
        raise JSONLDError(
            f"JSON-LD expansion failed: {reason}: {str(exc).splitlines()[0][:200]}",
            code="expansion-failed",
        ) from None
    return expanded
