"""CRC-32C (Castagnoli) and TFRecord's masked form.

Pure Python, table-driven; with numpy present, long inputs are split into many lanes whose CRCs
are computed side by side (16-bit tables, four bytes a step) and then merged with the CRC's
linearity (a shift by ``n`` zero bytes is a linear map, kept as four 256-entry tables). When a C
implementation is installed (``google-crc32c`` or ``crc32c`` from PyPI) and gives the RFC 3720
value, it is used instead. All give the same value; ``crc32c_py`` is the reference the tests
hold the fast path to.
"""

import os

_POLY = 0x82F63B78
_M32 = 0xFFFFFFFF


def _byte_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        table.append(c)
    return tuple(table)


_TABLE = _byte_table()


def _update_py(state, data):
    """The raw register after feeding ``data`` to ``state`` (no pre- or post-inversion)."""
    t = _TABLE
    for b in data:
        state = t[(state ^ b) & 0xFF] ^ (state >> 8)
    return state


def crc32c_py(data):
    """CRC-32C of ``data`` (bytes-like), one byte at a time."""
    return _update_py(_M32, memoryview(data).cast("B")) ^ _M32


try:
    import numpy as _np
except ImportError:  # numpy is optional
    _np = None

# Below this many bytes the lane set-up costs more than it saves.
_FAST_MIN = 4096


class _NumpyCrc:
    """The lane-parallel CRC-32C; stateless once built (tables only)."""

    def __init__(self):
        np = _np
        t8 = np.array(_TABLE, dtype=np.uint32)
        self.t8 = t8
        # Tables for four bytes a step: the register after ``s ^= word`` and four byte steps is
        # t_lo[s & 0xffff] ^ t_hi[s >> 16] (the map is linear, so the halves add).
        idx = np.arange(65536, dtype=np.uint32)

        def step(s):
            return t8[s & 0xFF] ^ (s >> 8)

        s = idx.copy()
        for _ in range(4):
            s = step(s)
        self.t_lo = s
        s = idx << 16
        for _ in range(4):
            s = step(s)
        self.t_hi = s
        self._shift_cache = {}

    def shift_tables(self, n):
        """Four 256-entry tables of the linear map 'feed n zero bytes' on the raw register."""
        cached = self._shift_cache.get(n)
        if cached is not None:
            return cached
        np = _np
        # op(1) from the byte table; op(a+b) = op(a) then op(b), composed on the 1024 entries.
        v = np.arange(256, dtype=np.uint32)
        one = np.stack([self.t8[(v << (8 * k)) & 0xFF] ^ ((v << (8 * k)) >> 8) for k in range(4)])
        result = None
        power = one
        k = n
        while k:
            if k & 1:
                result = power if result is None else self._apply(result, power)
            k >>= 1
            if k:
                power = self._apply(power, power)
        if result is None:
            result = np.stack([v << (8 * k) for k in range(4)])
        self._shift_cache[n] = result
        return result

    @staticmethod
    def _apply(values, tables):
        return tables[0][values & 0xFF] ^ tables[1][(values >> 8) & 0xFF] ^ tables[2][(values >> 16) & 0xFF] ^ tables[3][values >> 24]

    def update(self, state, data):
        np = _np
        mv = memoryview(data).cast("B")
        n = len(mv)
        # Lanes of a whole number of 4-byte words; a power of two of them, to merge pairwise.
        lanes = 1 << max(0, min(14, (n // 64).bit_length() - 1))
        words = n // (4 * lanes)
        body = lanes * words * 4
        if words == 0:
            return _update_py(state, mv)
        arr = np.frombuffer(mv[:body], dtype="<u4").reshape(lanes, words)
        cols = np.ascontiguousarray(arr.T)
        t_lo, t_hi = self.t_lo, self.t_hi
        crc = np.zeros(lanes, dtype=np.uint32)
        crc[0] = state
        for j in range(words):
            s = crc ^ cols[j]
            crc = t_lo[s & 0xFFFF] ^ t_hi[s >> 16]
        # Merge lanes pairwise: crc(A+B) = shift_{len B}(crc A) ^ crc(B) (B from zero state).
        length = words * 4
        while len(crc) > 1:
            crc = self._apply(crc[0::2], self.shift_tables(length)) ^ crc[1::2]
            length *= 2
        return _update_py(int(crc[0]), mv[body:])


# SHARDSTREAM_CRC32C=numpy or =python picks a slower implementation (benchmarks); default: the fastest.
_CHOICE = os.environ.get("SHARDSTREAM_CRC32C", "auto")
_fast = _NumpyCrc() if _np is not None and _CHOICE != "python" else None


def _native():
    """A C CRC-32C when one is installed (google-crc32c or crc32c from PyPI), if it gives the RFC 3720 value."""
    candidates = []
    try:
        import google_crc32c

        candidates.append(("google_crc32c", lambda d: google_crc32c.value(bytes(d))))
    except ImportError:
        pass
    try:
        import crc32c as _c

        candidates.append(("crc32c", _c.crc32c))
    except ImportError:
        pass
    for name, fn in candidates:
        try:
            if fn(bytes(range(32))) == 0x46DD794E:
                return name, fn
        except Exception:  # noqa: BLE001 - a broken module is not used
            pass
    return None, None


_NATIVE_NAME, _native_fn = _native() if _CHOICE == "auto" else (None, None)


def crc32c(data):
    """CRC-32C of ``data`` (bytes-like)."""
    if _native_fn is not None:
        return _native_fn(data)
    if _fast is not None and len(data) >= _FAST_MIN:
        return _fast.update(_M32, data) ^ _M32
    return crc32c_py(data)


def mask(crc):
    """TFRecord's masked CRC: ``((crc >> 15) | (crc << 17)) + 0xa282ead8`` mod 2^32."""
    return ((((crc >> 15) | (crc << 17)) & _M32) + 0xA282EAD8) & _M32


def masked_crc32c(data):
    return mask(crc32c(data))


IMPLEMENTATION = _NATIVE_NAME or ("numpy-lanes" if _fast is not None else "pure-python")
