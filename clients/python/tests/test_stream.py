"""Stream against a real shard-server: the TypeScript client's batches, CRC checks, and the errors that stop it."""

import hashlib
import json
import os
import struct
import unittest

import shardstream
from shardstream.crc import crc32c, crc32c_py, mask
import shardstream.crc as shardstream_crc
from shardstream import framing

from .support import ServerProcess, data_dir, env


class Crc32cTest(unittest.TestCase):
    # The vectors of test/tfrecord/crc32c.test.ts (RFC 3720).
    VECTORS = [
        (bytes(32), 0x8A9136AA),
        (b"\xff" * 32, 0x62A8AB43),
        (bytes(range(32)), 0x46DD794E),
        (bytes(range(31, -1, -1)), 0x113FDB5C),
        (bytes([0x01, 0xC0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0x14, 0, 0, 0, 0x18, 0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]), 0xD9963A56),
    ]

    def test_rfc3720_vectors(self):
        for data, expected in self.VECTORS:
            self.assertEqual(crc32c_py(data), expected)
            self.assertEqual(crc32c(data), expected)

    def test_fast_paths_equal_the_bytewise_one_at_every_length(self):
        # crc32c() is the C module when installed (python3-crc32c), else the numpy lanes: check both.
        import numpy  # noqa: F401 - the numpy path must exist here (CI installs python3-numpy)
        lanes = shardstream_crc._fast
        data = memoryview(os.urandom(300_001))
        for n in (0, 1, 4095, 4096, 4097, 8191, 65536, 65541, 100_003, 300_001):
            expected = crc32c_py(data[:n])
            self.assertEqual(crc32c(data[:n]), expected, n)
            self.assertEqual(lanes.update(0xFFFFFFFF, data[:n]) ^ 0xFFFFFFFF, expected, n)

    def test_mask(self):
        crc = crc32c(b"hello")
        self.assertEqual(mask(crc), ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) % 2 ** 32)
        self.assertEqual(mask(0), 0xA282EAD8)


def frame(data):
    head = struct.pack("<Q", len(data))
    return head + struct.pack("<I", mask(crc32c(head))) + data + struct.pack("<I", mask(crc32c(data)))


class FramingTest(unittest.TestCase):
    def read(self, blob):
        import io
        return list(framing.read_records(io.BytesIO(blob), "x.tfrecord"))

    def test_reads_records_and_offsets(self):
        got = self.read(frame(b"abc") + frame(b"") + frame(b"z" * 5000))
        self.assertEqual([(o, bytes(d)) for o, d in got], [(0, b"abc"), (19, b""), (35, b"z" * 5000)])

    def test_each_corruption_is_named_with_its_offset(self):
        good = frame(b"abc")
        bad_data = bytearray(frame(b"hello")); bad_data[13] ^= 1
        bad_len = bytearray(frame(b"hello")); bad_len[8] ^= 1
        for blob, kind, message in [
            (good + bytes(bad_data), "data-crc", "x.tfrecord @ byte 19: record 1: data CRC mismatch"),
            (good + bytes(bad_len), "length-crc", "x.tfrecord @ byte 19: record 1: length CRC mismatch"),
            (good + frame(b"hello")[:7], "truncated-header", "x.tfrecord @ byte 19: record 1: truncated header"),
            (good + frame(b"hello")[:20], "truncated-data", "x.tfrecord @ byte 19: record 1: truncated data"),
        ]:
            with self.assertRaises(shardstream.CorruptRecordError) as cm:
                self.read(blob)
            self.assertEqual((cm.exception.kind, cm.exception.offset, str(cm.exception), cm.exception.code), (kind, 19, message, "ERR_CORRUPT_RECORD"))


class AgainstTypeScriptTest(unittest.TestCase):
    """Every case of test/python-client.test.ts: the same ids, shapes, indexes and pixels as the TypeScript client."""

    def test_same_batches_as_the_typescript_client(self):
        url = env("SHARDSTREAM_TEST_URL")
        with open(env("SHARDSTREAM_TEST_EXPECTED")) as f:
            cases = json.load(f)
        self.assertEqual(len(cases), 5)
        for case in cases:
            p = case["params"]
            with self.subTest(**{k: str(v) for k, v in p.items()}):
                for use_numpy in (True, False):
                    stream = shardstream.Stream(url, numpy=use_numpy, **p)
                    got = [{"ids": b.ids, "shape": list(b.shape), "epoch": b.epoch, "batch_index": b.batch_index,
                            "sha256": hashlib.sha256(b.image_bytes()).hexdigest()} for b in stream]
                    self.assertEqual(got, case["batches"])
                    self.assertGreater(len(got), 1)
                    self.assertEqual(stream.next_batch, len(stream))

    def test_numpy_images_are_uint8_nhwc(self):
        b = next(iter(shardstream.Stream(env("SHARDSTREAM_TEST_URL"), batch_size=4, seed=1)))
        self.assertEqual((str(b.images.dtype), b.images.shape), ("uint8", (4, 8, 8, 3)))


class ErrorsTest(unittest.TestCase):
    def test_400_names_the_parameter_and_is_not_retried(self):
        retries = []
        stream = shardstream.Stream(env("SHARDSTREAM_TEST_URL"), batch_size=8, on_retry=retries.append)
        stream.plan.batch_size = 0  # a request the server refuses: batch_size=0
        with self.assertRaises(shardstream.HttpStatusError) as cm:
            list(stream)
        e = cm.exception
        self.assertEqual((e.status, e.param, e.code, retries), (400, "batch_size", "ERR_HTTP", []))
        self.assertTrue(str(e).startswith(stream.base + "v1/stream?"), str(e))
        self.assertIn("HTTP 400", str(e))

    def test_bad_arguments_fail_before_any_request(self):
        with self.assertRaises(shardstream.InvalidParameterError) as cm:
            shardstream.Stream(env("SHARDSTREAM_TEST_URL"), format="jpeg")
        self.assertEqual(str(cm.exception), "Expected 'tensor' or 'records' for format but received 'jpeg' of type str")
        with self.assertRaises(shardstream.InvalidParameterError) as cm:
            shardstream.Stream(env("SHARDSTREAM_TEST_URL"), rank=2, world=2)
        self.assertEqual(cm.exception.param, "rank")

    def test_401_without_or_with_a_wrong_token(self):
        server = ServerProcess(data_dir("png"), 0, "--token", "s3cret", "--no-access-log")
        try:
            for token, hint in ((None, "a token is needed"), ("wrong", "the token was refused")):
                with self.assertRaises(shardstream.HttpStatusError) as cm:
                    shardstream.Stream(server.url, token=token, retries=8, min_delay=0.01)
                self.assertEqual(cm.exception.status, 401)
                self.assertIn(hint, str(cm.exception))
            stream = shardstream.Stream(server.url, token="s3cret", batch_size=16)
            self.assertEqual(sum(len(b.ids) for b in stream), 64)
        finally:
            server.stop()

    def test_a_server_with_another_manifest_stops_the_stream(self):
        server = ServerProcess(data_dir("png"), 0, "--no-access-log")
        port = server.port
        stream = shardstream.Stream(server.url, batch_size=4, seed=3, retries=40, min_delay=0.05, max_delay=0.25)
        it = iter(stream)
        next(it)
        server.kill()
        server = ServerProcess(data_dir("other"), port, "--no-access-log")
        try:
            with self.assertRaises(shardstream.ManifestChangedError) as cm:
                for _ in it:
                    pass
            self.assertIn("manifest changed", str(cm.exception))
            self.assertEqual(cm.exception.code, "ERR_MANIFEST_CHANGED")
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
