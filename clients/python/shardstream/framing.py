"""TFRecord framing: read records from a binary stream, checking both masked CRC-32Cs."""

import struct

from .crc import crc32c, mask
from .errors import CorruptRecordError

_HEADER = struct.Struct("<QI")
_FOOTER = struct.Struct("<I")
# A record longer than this is a broken length, not a record (the server's batches are far smaller).
MAX_RECORD_BYTES = 1 << 31


def _read_exact(stream, n):
    """Up to ``n`` bytes (fewer only at the end of the stream), in one buffer, no join of pieces."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            break
        got += k
    return buf if got == n else buf[:got]


def read_records(stream, name="<stream>", verify=True):
    """Yield ``(offset, data)`` for each record of ``stream`` (an object with ``readinto``).

    ``data`` is a ``bytearray`` owned by the caller. A stream that ends inside a record raises
    :class:`CorruptRecordError` with kind ``truncated-header`` or ``truncated-data``.
    """
    offset = 0
    record = 0
    while True:
        head = _read_exact(stream, 12)
        if not head:
            return
        if len(head) < 12:
            raise CorruptRecordError(name, offset, record, "truncated-header")
        length, length_crc = _HEADER.unpack(head)
        if verify and mask(crc32c(head[:8])) != length_crc:
            raise CorruptRecordError(name, offset, record, "length-crc")
        if length > MAX_RECORD_BYTES:
            raise CorruptRecordError(name, offset, record, "bad-length")
        body = _read_exact(stream, length + 4)
        if len(body) < length + 4:
            raise CorruptRecordError(name, offset, record, "truncated-data")
        (data_crc,) = _FOOTER.unpack_from(body, length)
        del body[length:]
        if verify and mask(crc32c(body)) != data_crc:
            raise CorruptRecordError(name, offset, record, "data-crc")
        yield offset, body
        offset += 16 + length
        record += 1
