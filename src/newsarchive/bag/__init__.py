"""BagIt (RFC 8493) bags: validate any bag, write records as a bag, read records back.

`validate_bag` is our own validator (every problem, warnings apart);
`write_bag` writes BagIt 1.0 bags (needs the `bagit` extra, which checks
each bag before it is put in place); `read_bag` turns a valid bag into
records, refusing an invalid one whole.
"""

from newsarchive.bag._read import BagContents, enclosing_bag, is_bag, read_bag
from newsarchive.bag._report import BagReport
from newsarchive.bag._validate import validate_bag
from newsarchive.bag._write import write_bag

__all__ = [
    "BagContents",
    "BagReport",
    "enclosing_bag",
    "is_bag",
    "read_bag",
    "validate_bag",
    "write_bag",
]
