"""shardstream.torch.StreamDataset, and two DDP processes (gloo) against one process on the same global batches.

torch is imported unguarded: without it these tests fail (CI installs python3-torch), they do not skip.
"""

import os
import tempfile
import unittest

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from shardstream.torch import StreamDataset

from .support import ServerProcess, data_dir, env, free_port

B = 8  # per-rank batch
STEPS = 6  # the whole epoch: 96 records / (8 · 2)
SEED = 11


def make_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(48, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1))


def train(model, loader, steps):
    """SGD on the mean loss of each batch; returns the ids seen."""
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    seen = []
    for step, batch in enumerate(loader):
        if step == steps:
            break
        x = batch["images"].reshape(len(batch["ids"]), -1).float() / 255.0
        y = (batch["ids"] % 7).float().unsqueeze(1) / 7.0
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        seen.extend(batch["ids"].tolist())
    return seen


def ddp_worker(rank, world, port, url, out):
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % port, rank=rank, world_size=world)
    try:
        ds = StreamDataset(url, batch_size=B, seed=SEED)  # rank and world from torch.distributed
        assert (ds.rank, ds.world) == (rank, world), (ds.rank, ds.world)
        ds.set_epoch(0)
        model = DistributedDataParallel(make_model())
        seen = train(model, DataLoader(ds, batch_size=None), STEPS)
        torch.save({"state": model.module.state_dict(), "seen": seen}, os.path.join(out, "rank%d.pt" % rank))
    finally:
        dist.destroy_process_group()


class StreamDatasetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        env("SHARDSTREAM_SERVER")
        cls.server = ServerProcess(data_dir("ddp"), 0, "--no-access-log")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def ids_of(self, ds):
        return [b["ids"].tolist() for b in DataLoader(ds, batch_size=None)]

    def test_items_are_uint8_nhwc_tensors_and_set_epoch_changes_the_order(self):
        ds = StreamDataset(self.server.url, batch_size=B, seed=SEED)
        self.assertEqual((ds.rank, ds.world, len(ds)), (0, 1, 12))
        first = next(iter(ds))
        self.assertEqual((first["images"].dtype, tuple(first["images"].shape), first["batch_index"]), (torch.uint8, (B, 4, 4, 3), 0))
        self.assertEqual(ds.state_dict()["next_batch"], 1)  # a break keeps the position ...
        ds.set_epoch(0)  # ... until set_epoch
        e0 = self.ids_of(ds)
        self.assertEqual(self.ids_of(ds), e0)  # a finished epoch is iterated again
        ds.set_epoch(1)
        e1 = self.ids_of(ds)
        self.assertEqual(sorted(sum(e0, [])), list(range(96)))
        self.assertEqual(sorted(sum(e1, [])), list(range(96)))
        self.assertNotEqual(e0, e1)

    def test_state_dict_resumes_exactly_where_the_checkpoint_was(self):
        ds = StreamDataset(self.server.url, batch_size=B, seed=SEED)
        ds.set_epoch(2)
        whole = self.ids_of(ds)
        ds.set_epoch(2)
        part = []
        for b in DataLoader(ds, batch_size=None):
            part.append(b["ids"].tolist())
            if len(part) == 5:
                break
        state = ds.state_dict()
        self.assertEqual(state["epoch"], 2)
        self.assertEqual(state["next_batch"], 5)
        again = StreamDataset(self.server.url, batch_size=B, seed=SEED)
        again.load_state_dict(state)
        self.assertEqual(part + self.ids_of(again), whole)
        with self.assertRaises(ValueError):
            StreamDataset(self.server.url, batch_size=4, seed=SEED).load_state_dict(state)

    def test_two_ddp_ranks_train_as_one_process_on_the_global_batches(self):
        url = self.server.url
        with tempfile.TemporaryDirectory() as out:
            mp.spawn(ddp_worker, args=(2, free_port(), url, out), nprocs=2, join=True)
            ranks = [torch.load(os.path.join(out, "rank%d.pt" % r)) for r in range(2)]
        single = make_model()
        seen = train(single, DataLoader(StreamDataset(url, batch_size=2 * B, seed=SEED, rank=0, world=1), batch_size=None), STEPS)
        # Every record of the epoch exactly once across the ranks, and the same global batches.
        self.assertEqual(sorted(ranks[0]["seen"] + ranks[1]["seen"]), list(range(96)))
        self.assertEqual(sorted(seen), list(range(96)))
        for k in range(STEPS):
            glob = ranks[0]["seen"][k * B:(k + 1) * B] + ranks[1]["seen"][k * B:(k + 1) * B]
            self.assertEqual(glob, seen[k * 2 * B:(k + 1) * 2 * B])
        start = make_model().state_dict()
        for name, value in single.state_dict().items():
            self.assertFalse(torch.allclose(value, start[name]), name)  # training moved it
            for r in range(2):
                torch.testing.assert_close(ranks[r]["state"][name], value, rtol=1e-5, atol=1e-6)


if __name__ == "__main__":
    unittest.main()
