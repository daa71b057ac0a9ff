"""``Stream``: the batches of one rank and epoch from a shard-server's ``/v1/stream`` (src/client/stream-source.ts)."""

import hashlib
import json
import os
import urllib.parse

from . import http
from .batch import assemble_batch, decode_tensor_batch
from .errors import IncompleteResponseError, InvalidInputError, InvalidParameterError, ManifestChangedError, ProtocolError
from .framing import read_records
from .retry import Backoff
from .shuffle import EpochPlan

HEADERS = {
    "records": "x-shardstream-records",
    "batches": "x-shardstream-batches",
    "start_batch": "x-shardstream-start-batch",
    "fingerprint": "x-shardstream-manifest-sha256",
}
FORMATS = ("tensor", "records")


def _header_int(res, name):
    v = res.getheader(name)
    return int(v) if v is not None and v.strip().isdigit() else None


def _fingerprints(res):
    out = {}
    for h in (HEADERS["fingerprint"], "etag"):
        v = res.getheader(h)
        if v is not None:
            out[h] = v
    return out


class Stream:
    """Iterate the batches of epoch ``epoch`` for ``rank`` of ``world``, from batch ``start_batch``.

    Every CRC is checked, every batch against the shuffle order. A dropped connection, a 5xx or a
    503 is retried with backoff and the stream resumed at the next undelivered batch
    (``start_batch``); 401, 400 and a changed manifest stop it with an error. ``next_batch`` is
    the index of the next batch to hand out (what a checkpoint stores).
    """

    def __init__(self, url, dataset=None, partitions=None, batch_size=128, seed=0, epoch=0, rank=0, world=1,
                 format="tensor", token=None, start_batch=0, drop_remainder=True, retries=8, min_delay=0.1,
                 max_delay=5.0, timeout=60.0, verify=True, numpy=True, on_retry=None):
        http.check_base(url)
        if format not in FORMATS:
            raise InvalidParameterError("format", "'tensor' or 'records'", format)
        for name, value in (("seed", seed), ("epoch", epoch), ("start_batch", start_batch)):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2 ** 32:
                raise InvalidParameterError(name, "an integer from 0 to 4294967295", value)
        self.base = url if url.endswith("/") else url + "/"
        self.token = token if token is not None else os.environ.get("SHARDSTREAM_TOKEN") or None
        self.format, self.verify, self.numpy, self.timeout = format, verify, numpy, timeout
        self._retry = dict(retries=retries, min_delay=min_delay, max_delay=max_delay, on_retry=on_retry)
        self.epoch = epoch
        self._seen = {}
        self.manifest = self._fetch_manifest(dataset)
        self.dataset = self.manifest["dataset"]
        if dataset is not None and dataset != self.dataset:
            raise InvalidInputError(self._manifest_url(dataset), "the server serves dataset %r, not %r" % (self.dataset, dataset))
        by_name = {p["name"]: p for p in self.manifest["partitions"]}
        self.partitions = list(partitions) if partitions is not None else [p["name"] for p in self.manifest["partitions"]]
        for p in self.partitions:
            if p not in by_name:
                raise InvalidParameterError("partitions", "one of " + ", ".join(by_name), p)
        self.records = sum(by_name[p]["records"] for p in self.partitions)
        self.plan = EpochPlan(self.records, batch_size, seed, rank, world, drop_remainder)
        if start_batch > self.plan.batches:
            raise InvalidParameterError("start_batch", "an integer from 0 to %d" % self.plan.batches, start_batch)
        self.next_batch = start_batch

    def __len__(self):
        """Batches of this rank in the epoch (from batch 0)."""
        return self.plan.batches

    def _manifest_url(self, dataset):
        return self.base + "v1/manifest" + ("?" + urllib.parse.urlencode({"dataset": dataset}) if dataset is not None else "")

    def _fetch_manifest(self, dataset):
        url = self._manifest_url(dataset)
        backoff = Backoff(url, **self._retry)
        while True:
            try:
                res = http.get(url, self.token, self.timeout, accept="application/json")
                try:
                    body = res.read()
                finally:
                    http.close(res)
                fp = _fingerprints(res)
                sha = fp.get(HEADERS["fingerprint"])
                if sha is not None and sha != hashlib.sha256(body).hexdigest():
                    raise ProtocolError(url, "the manifest does not match its %s header %s" % (HEADERS["fingerprint"], sha))
                try:
                    manifest = json.loads(body.decode("utf-8"))
                except ValueError as e:
                    raise InvalidInputError(url, "invalid JSON: %s" % e) from e
                self._seen.update(fp)
                return manifest
            except Exception as error:  # noqa: BLE001 - sorted by Backoff.wait
                backoff.wait(error)

    def url_for(self, start):
        p = self.plan
        q = {"dataset": self.dataset, "partitions": ",".join(self.partitions), "batch_size": p.batch_size, "seed": p.seed,
             "epoch": self.epoch, "rank": p.rank, "world": p.world, "start_batch": start,
             "drop_remainder": "true" if p.drop_remainder else "false", "format": self.format}
        return self.base + "v1/stream?" + urllib.parse.urlencode(q)

    def __iter__(self):
        backoff = Backoff(self.base + "v1/stream", **self._retry)
        while self.next_batch < self.plan.batches:
            url = self.url_for(self.next_batch)
            res = None
            try:
                res = http.get(url, self.token, self.timeout)
                self._check_headers(url, res)
                for batch in self._read_body(url, res):
                    self.next_batch += 1
                    backoff.reset()
                    yield batch
            except GeneratorExit:
                raise
            except Exception as error:  # noqa: BLE001 - sorted by Backoff.wait
                if res is not None:
                    http.close(res)
                    res = None
                backoff.wait(error)
            finally:
                if res is not None:
                    http.close(res)

    def _check_headers(self, url, res):
        for header, value in _fingerprints(res).items():
            seen = self._seen.setdefault(header, value)
            if seen != value:
                raise ManifestChangedError(url, "the server's manifest changed (%s %s, now %s); the batches of this run would no longer follow one order, so the stream stops" % (header, seen, value))
        records = _header_int(res, HEADERS["records"])
        if records is not None and records != self.records:
            raise ManifestChangedError(url, "the server streams %d records but the manifest read at the start lists %d" % (records, self.records))
        start = _header_int(res, HEADERS["start_batch"])
        if start is not None and start != self.next_batch:
            raise ProtocolError(url, "the stream starts at batch %d, not at %d as asked" % (start, self.next_batch))
        batches = _header_int(res, HEADERS["batches"])
        if batches is not None and batches != self.plan.batches:
            raise ProtocolError(url, "the server plans %d batches per epoch but the shuffle definition gives %d" % (batches, self.plan.batches))

    def _read_body(self, url, res):
        plan, epoch, first = self.plan, self.epoch, self.next_batch
        k = first
        records_mode = self.format == "records"
        held = []
        image = self.manifest.get("image", {})
        ids = plan.ids(epoch, k) if k < plan.batches else []
        # A rank's last batch can be empty (DESIGN §4); a records stream has nothing on the wire for it.
        while records_mode and k < plan.batches and not ids:
            yield assemble_batch([], ids, image, epoch, k, url, self.numpy)
            k += 1
            ids = plan.ids(epoch, k) if k < plan.batches else []
        for offset, data in read_records(res, url, self.verify):
            if k >= plan.batches:
                raise ProtocolError(url, "the stream goes on after its last batch (%d)" % (plan.batches - 1))
            if records_mode:
                held.append(data)
                if len(held) < len(ids):
                    continue
                batch = assemble_batch(held, ids, image, epoch, k, url, self.numpy)
                held = []
            else:
                batch = decode_tensor_batch(data, "%s @ byte %d" % (url, offset), self.numpy)
                _check_batch(url, batch, epoch, k, ids)
            yield batch
            k += 1
            ids = plan.ids(epoch, k) if k < plan.batches else []
            while records_mode and k < plan.batches and not ids:
                yield assemble_batch([], ids, image, epoch, k, url, self.numpy)
                k += 1
                ids = plan.ids(epoch, k) if k < plan.batches else []
        if k < plan.batches:
            raise IncompleteResponseError(url, "the stream ended after %d of %d batches" % (k - first, plan.batches - first))


def _check_batch(url, batch, epoch, k, ids):
    if batch.epoch != epoch or batch.batch_index != k:
        raise ProtocolError(url, "expected batch %d of epoch %d but the server sent batch %d of epoch %d" % (k, epoch, batch.batch_index, batch.epoch))
    if batch.ids != list(ids):
        raise ProtocolError(url, "batch %d of epoch %d holds other records than the shuffle order gives (first ids %s vs %s)" % (k, epoch, batch.ids[:4], list(ids[:4])))
