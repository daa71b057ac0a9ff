"""The shuffle order and rank slicing (README "Shuffle order"; DESIGN §4), as the server cuts batches."""

from .errors import InvalidParameterError

_M32, _M64 = (1 << 32) - 1, (1 << 64) - 1


def _splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & _M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return state, z ^ (z >> 31)


def permutation(n, seed, epoch):
    """The order of epoch ``epoch`` under ``seed``: a list, a permutation of range(n)."""
    st, a = _splitmix64((seed << 32) | epoch)
    st, b = _splitmix64(st)
    s0, s1, s2, s3 = a & _M32, a >> 32, b & _M32, b >> 32
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        x = (s1 * 5) & _M32
        result = ((((x << 7) | (x >> 25)) & _M32) * 9) & _M32
        t = (s1 << 9) & _M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 11) | (s3 >> 21)) & _M32
        j = int((result / 4294967296.0) * (i + 1))
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def check_plan(records, batch_size, rank, world):
    for name, value, low in (("records", records, 0), ("batch_size", batch_size, 1), ("world", world, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise InvalidParameterError(name, "a non-negative integer" if low == 0 else "a positive integer", value)
    if not isinstance(rank, int) or isinstance(rank, bool) or not 0 <= rank < world:
        raise InvalidParameterError("rank", "an integer from 0 to %d" % (world - 1), rank)


def batches_per_epoch(records, batch_size, world, drop_remainder=True):
    """Batches each rank gets per epoch."""
    g = batch_size * world
    return records // g if drop_remainder else -(-records // g)


def batch_positions(records, batch_size, rank, world, k):
    """Permutation positions ``[start, end)`` of batch ``k`` of ``rank``."""
    g = batch_size * world
    full = records // g
    if k < full:
        start = k * g + rank * batch_size
        return start, start + batch_size
    rest = records - full * g
    base = full * g
    return base + (rank * rest) // world, base + ((rank + 1) * rest) // world


class EpochPlan:
    """The batches of one rank: record ids of batch ``k`` of an epoch. Keeps the last permutation."""

    def __init__(self, records, batch_size, seed, rank=0, world=1, drop_remainder=True):
        check_plan(records, batch_size, rank, world)
        self.records, self.batch_size, self.seed = records, batch_size, seed
        self.rank, self.world, self.drop_remainder = rank, world, drop_remainder
        self.batches = batches_per_epoch(records, batch_size, world, drop_remainder)
        self._cached = None

    def ids(self, epoch, k):
        if self._cached is None or self._cached[0] != epoch:
            self._cached = (epoch, permutation(self.records, self.seed, epoch))
        start, end = batch_positions(self.records, self.batch_size, self.rank, self.world, k)
        return self._cached[1][start:end]
