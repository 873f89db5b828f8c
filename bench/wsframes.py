"""The WebSocket frames a server sends, read straight from a byte buffer: what the
benchmarks' raw asyncio clients (realtime.py, tables.py) use instead of a WebSocket
library, so that thousands of sockets cost the load generator almost nothing.

Server frames are unmasked (RFC 6455 §5.1); a client's frames must be masked, which
:func:`pong` does with a zero key.
"""

from __future__ import annotations

from collections.abc import Iterator

TEXT, CLOSE, PING, PONG = 1, 8, 9, 10


def frames(buf: bytearray) -> Iterator[tuple[int, int, int]]:
    """The complete frames at the start of ``buf`` as (opcode, payload start, payload
    end), stopping at the first incomplete one; the caller deletes ``buf[:end]`` of the
    last frame it took (and must not change ``buf`` while iterating)."""
    pos, size = 0, len(buf)
    while size - pos >= 2:
        length = buf[pos + 1] & 0x7F
        head = 2
        if length == 126:
            if size - pos < 4:
                return
            length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
            head = 4
        elif length == 127:
            if size - pos < 10:
                return
            length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
            head = 10
        end = pos + head + length
        if end > size:
            return
        yield buf[pos] & 0x0F, pos + head, end
        pos = end


def pong(payload: bytes) -> bytes:
    """The answer to a ping carrying ``payload`` (under 126 bytes), masked with a zero key."""
    return bytes((0x80 | PONG, 0x80 | len(payload), 0, 0, 0, 0)) + payload
