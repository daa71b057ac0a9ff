"""A shard-server killed with SIGKILL mid-epoch and restarted: every record exactly once, resumed at start_batch."""

import time
import unittest

import shardstream

from .support import ServerProcess, data_dir, wait_until


class RestartTest(unittest.TestCase):
    def test_every_record_exactly_once_after_sigkill_and_restart(self):
        for fmt in ("tensor", "records"):
            with self.subTest(format=fmt):
                self.check_restart(fmt)

    def check_restart(self, fmt):
        server = ServerProcess(data_dir("big"))
        port = server.port
        retries = []
        stream = shardstream.Stream(server.url, batch_size=32, seed=99, format=fmt, retries=40, min_delay=0.05, max_delay=0.25, on_retry=retries.append)
        got = []
        try:
            for b in stream:
                got.append(b)
                if len(got) == 5:
                    server.kill()
                    time.sleep(0.2)
                    server = ServerProcess(data_dir("big"), port)
                time.sleep(0.005)  # a trainer step
            ids = [i for b in got for i in b.ids]
            self.assertEqual(len(ids), 1280)
            self.assertEqual(len(set(ids)), 1280)
            self.assertEqual([b.batch_index for b in got], list(range(40)))
            perm = shardstream.permutation(1280, 99, 0)
            self.assertEqual(ids, perm)
            # Pixels: the helper's marker spells the id in the first pixel of each raw image.
            for b in got:
                for i, rid in enumerate(b.ids):
                    self.assertEqual(tuple(int(v) for v in b.images[i, 0, 0]), (rid & 255, (rid >> 8) & 255, (rid >> 16) & 255))
            self.assertGreater(len(retries), 0)
            wait_until(lambda: server.start_batches())
            resumed = server.start_batches()
            self.assertEqual(len(resumed), 1, resumed)
            self.assertTrue(5 <= resumed[0] < 40, resumed)
        finally:
            server.stop()

    def test_a_503_for_too_many_streams_waits_retry_after_and_then_streams(self):
        server = ServerProcess(data_dir("big"), 0, "--max-streams", "1", "--retry-after", "1")
        try:
            first = iter(shardstream.Stream(server.url, batch_size=32, seed=1))
            next(first)  # holds the only stream slot
            retries = []

            def on_retry(info):
                retries.append(info)
                first.close()  # the slot frees while the second one waits

            second = shardstream.Stream(server.url, batch_size=32, seed=2, on_retry=on_retry)
            ids = [i for b in second for i in b.ids]
            self.assertEqual(sorted(ids), list(range(1280)))
            self.assertEqual([(r["attempt"], r["delay"], r["error"].status, r["error"].server_code) for r in retries][:1],
                             [(1, 1.0, 503, "ERR_TOO_MANY_STREAMS")])
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
