"""What the suites share: the environment the vitest side sets, and shard-server child processes."""

import json
import os
import re
import socket
import subprocess
import threading
import time
import unittest


def env(name):
    value = os.environ.get(name)
    if not value:
        raise unittest.SkipTest("%s is not set: run these tests through test/python-client.test.ts (npm test)" % name)
    return value


def data_dir(name):
    return os.path.join(env("SHARDSTREAM_TEST_ROOT"), name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``node bin/shard-server.js`` on 127.0.0.1 as a child; ``kill()`` is SIGKILL, a crash."""

    def __init__(self, data, port=0, *extra):
        cmd = json.loads(env("SHARDSTREAM_SERVER"))
        self.proc = subprocess.Popen(cmd + ["--host", "127.0.0.1", "--port", str(port), "--data", data] + list(extra),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        found = threading.Event()
        self.url = None

        def pump():
            for line in self.proc.stdout:
                self.lines.append(line)
                m = re.search(r"listening on (http://\S+)", line)
                if m and self.url is None:
                    self.url = m.group(1)
                    found.set()
            found.set()

        threading.Thread(target=pump, daemon=True).start()
        if not found.wait(30) or self.url is None:
            self.kill()
            raise RuntimeError("shard-server did not start:\n" + "".join(self.lines))
        self.port = int(self.url.rsplit(":", 1)[1].strip("/"))

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()

    def start_batches(self):
        """``start_batch`` of every stream request in the access log so far."""
        return [int(m.group(1)) for line in self.lines for m in [re.search(r"start_batch=(\d+)", line)] if m]


def wait_until(predicate, timeout=5.0):
    t0 = time.monotonic()
    while not predicate() and time.monotonic() - t0 < timeout:
        time.sleep(0.02)
