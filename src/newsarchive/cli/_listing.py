"""The commands `newsarchive --help` lists, with their one-line help, in the parser's order.

The top-level help needs only these words, not the parsers of every command
group: `run(["--help"])` prints it from this table without importing the
groups (start-up, issue 11). tests/test_cli.py holds the table to the groups'
own `add_parser` calls and the printed help to the full parser's, byte for
byte: a command added to a group must be added here too.
"""

from __future__ import annotations

from typing import Final

__all__ = ["COMMANDS"]

#: (command, one-line help), in the order the groups add them.
COMMANDS: Final[tuple[tuple[str, str], ...]] = (
    ("record", "turn an article-text file into a JSON record"),
    ("validate", "check JSON, JSON array or JSON Lines records"),
    ("verify", "check a record, and a copy against it"),
    ("hash", "print the digest of files"),
    ("text", "write a record back in the article-text format"),
    ("diff", "show what changed between two captures of an article"),
    ("history", "every capture of an article and what changed between them"),
    ("changes", "list the captures that changed across the store"),
    ("init", "create a store (idempotent)"),
    (
        "import",
        "import article-text files, directories, JSON/JSON Lines records, WARC files, bags",
    ),
    ("show", "print stored records as JSON"),
    ("cat", "print records' exact content bytes"),
    ("capture", "save live articles into the store, with the HTTP exchange as evidence"),
    ("recapture", "capture the store's URLs again, recording changes and disappearances"),
    ("evidence", "write a captured record's evidence (its HTTP exchanges) as a WARC file"),
    ("find", "list records by url, tag or date"),
    ("similar", "find near-duplicates of a stored article or of a text"),
    ("clusters", "group near-duplicate articles across outlets, the likely origin first"),
    ("copynet", "the domain graph of who republishes whom (JSON, CSV, GraphML)"),
    ("annotate", "append an event about a stored record (correction, note, ...)"),
    (
        "export",
        "write records as JSON Lines, JSON-LD, WARC, article-text files or a BagIt bag",
    ),
    ("store", "audit, repair, reindex or describe a store"),
    ("bag", "validate a BagIt bag"),
    ("key", "make a log signing key, show its public key"),
    ("verify-proof", "check an evidence bundle offline, rung by rung"),
    ("prove", "write the evidence bundle of a stored record"),
)
