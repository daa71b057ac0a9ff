#!/usr/bin/env python3
"""Reference implementation of shardstream's shuffle order (README: "Shuffle order").

Usage: shuffle_reference.py N SEED EPOCH   -> prints the permutation, one id per line.
"""
import sys

M32, M64 = (1 << 32) - 1, (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def permutation(n, seed, epoch):
    st, a = splitmix64((seed << 32) | epoch)
    st, b = splitmix64(st)
    s = [a & M32, a >> 32, b & M32, b >> 32]
    rotl = lambda x, k: ((x << k) | (x >> (32 - k))) & M32

    def next32():
        result = (rotl((s[1] * 5) & M32, 7) * 9) & M32
        t = (s[1] << 9) & M32
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result

    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int((next32() / 4294967296.0) * (i + 1))
        perm[i], perm[j] = perm[j], perm[i]
    return perm


if __name__ == "__main__":
    n, seed, epoch = (int(x) for x in sys.argv[1:4])
    sys.stdout.write("".join(f"{i}\n" for i in permutation(n, seed, epoch)))
