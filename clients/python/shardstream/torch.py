"""``StreamDataset``: a shard-server stream as a ``torch.utils.data.IterableDataset`` (DDP-aware)."""

import torch
import torch.distributed as dist
from torch.utils.data import IterableDataset, get_worker_info

from .errors import InvalidParameterError
from .stream import Stream


class StreamDataset(IterableDataset):
    """Batches of one rank: each item is ``{"images": uint8 NHWC tensor, "ids": int64 tensor, "epoch", "batch_index"}``.

    ``rank``/``world`` default to ``torch.distributed``'s when it is initialised (else 0 and 1).
    Call ``set_epoch(e)`` before each epoch, as with ``DistributedSampler``. An iteration goes on
    from where the last one stopped (a ``break``, or ``load_state_dict()``), and a finished epoch
    starts again from its first batch. ``state_dict()`` holds the position (epoch and next batch). Use it with
    ``DataLoader(ds, batch_size=None)`` and no worker processes: the server already did the work.
    Other keyword arguments go to :class:`shardstream.Stream`.
    """

    def __init__(self, url, batch_size=128, seed=0, rank=None, world=None, **stream_options):
        super().__init__()
        initialised = dist.is_available() and dist.is_initialized()
        self.rank = rank if rank is not None else (dist.get_rank() if initialised else 0)
        self.world = world if world is not None else (dist.get_world_size() if initialised else 1)
        self.url, self.batch_size, self.seed = url, batch_size, seed
        self.options = stream_options
        self.epoch = 0
        self.next_batch = 0

    def set_epoch(self, epoch):
        """Start epoch ``epoch`` from its first batch at the next iteration."""
        self.epoch = epoch
        self.next_batch = 0

    def state_dict(self):
        return {"epoch": self.epoch, "next_batch": self.next_batch, "seed": self.seed, "batch_size": self.batch_size, "world": self.world}

    def load_state_dict(self, state):
        for key in ("seed", "batch_size", "world"):
            if key in state and state[key] != getattr(self, key):
                raise InvalidParameterError("state_dict." + key, "%r (this dataset's)" % getattr(self, key), state[key])
        self.epoch = int(state["epoch"])
        self.next_batch = int(state["next_batch"])

    def stream(self):
        """The :class:`Stream` of the current position."""
        return Stream(self.url, batch_size=self.batch_size, seed=self.seed, epoch=self.epoch, rank=self.rank, world=self.world,
                      start_batch=self.next_batch, numpy=True, **self.options)

    def __len__(self):
        return len(self.stream())

    def __iter__(self):
        info = get_worker_info()
        if info is not None and info.num_workers > 1:
            raise InvalidParameterError("num_workers", "0 or 1 (each worker would read the whole stream)", info.num_workers)
        stream = self.stream()
        if stream.next_batch >= len(stream):  # the epoch was delivered: iterate it again, as DistributedSampler does
            self.next_batch = stream.next_batch = 0
        for batch in stream:
            self.next_batch = batch.batch_index + 1
            yield {
                "images": torch.from_numpy(batch.images),
                "ids": torch.tensor(batch.ids, dtype=torch.int64),
                "epoch": batch.epoch,
                "batch_index": batch.batch_index,
            }
