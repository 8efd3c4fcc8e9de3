"""Reading a chunk of a segment for `store verify`: one `pread`, addressed by segment offsets."""

from __future__ import annotations

import io
import os
import zlib
from typing import Final

__all__ = ["PREAD_MAX", "Window", "pread_all", "sampled"]

#: A chunk larger than this (one huge batch, or a segment without an index to
#: cut it) is streamed instead of read whole, so memory stays bounded.
PREAD_MAX: Final = 32 * 1024 * 1024


def pread_all(fd: int, length: int, offset: int) -> bytes:
    parts = []
    while length > 0:
        part = os.pread(fd, length, offset)
        if not part:  # the file ends before the chunk does: scan sees the short read
            break
        parts.append(part)
        offset += len(part)
        length -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


class Window(io.BytesIO):
    """The bytes of [base, base + len) of a segment, addressed by segment offsets."""

    def __init__(self, data: bytes, base: int) -> None:
        super().__init__(data)
        self.base = base

    def seek(self, pos: int, whence: int = 0) -> int:
        if whence != 0:
            raise ValueError("a window seeks to segment offsets only")
        return super().seek(max(0, pos - self.base)) + self.base

    def tell(self) -> int:
        return super().tell() + self.base


def sampled(sample: float, seed: int, segment: str, start: int) -> bool:
    if sample >= 1.0:
        return True
    return zlib.crc32(f"{seed}:{segment}:{start}".encode()) < sample * 2**32
