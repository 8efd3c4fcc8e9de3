"""Full-text search over a store's records: `find --text` and `Store.search`.

`parse_query(text)` reads the query language (words, "phrases", prefix*;
see `_query`), `fold` is what the index and the queries see (`_fold`),
`snippet(content, query)` cuts a line around the first match, and
`TextIndex` is the store's derived FTS5 index (`text.sqlite`). See
docs/store.md ("Full-text search").
"""

from __future__ import annotations

from newsarchive.search._fold import fold
from newsarchive.search._query import Query, Term, parse_query
from newsarchive.search._snippet import snippet

__all__ = ["Query", "Term", "fold", "parse_query", "snippet"]
