"""shardstream: read a shard-server's shuffled batch streams from Python (standard library; numpy optional)."""

from .batch import Batch
from .crc import crc32c, masked_crc32c
from .errors import (CorruptRecordError, HttpStatusError, IncompleteResponseError, InvalidInputError, InvalidParameterError,
                     ManifestChangedError, ProtocolError, RetriesExhaustedError, ShardstreamError)
from .example import parse_example
from .framing import read_records
from .shuffle import EpochPlan, batches_per_epoch, permutation
from .stream import Stream

__all__ = ["Batch", "CorruptRecordError", "EpochPlan", "HttpStatusError", "IncompleteResponseError", "InvalidInputError",
           "InvalidParameterError", "ManifestChangedError", "ProtocolError", "RetriesExhaustedError", "ShardstreamError",
           "Stream", "batches_per_epoch", "crc32c", "masked_crc32c", "parse_example", "permutation", "read_records"]
__version__ = "0.1.0"
