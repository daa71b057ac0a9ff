"""Batches: the ``format=tensor`` record layout (src/shards/tensor-batch.ts) and records assembled into one."""

from .errors import InvalidInputError
from .example import parse_example

try:
    import numpy as _np
except ImportError:  # numpy is optional
    _np = None

TENSOR_KEYS = {"images": "batch/images", "shape": "batch/shape", "ids": "batch/ids", "epoch": "batch/epoch", "index": "batch/index"}


class Batch:
    """One batch: ``images`` (numpy uint8 NHWC when numpy is there, else ``bytes``), ``shape``, ``ids``, ``epoch``, ``batch_index``.

    For a ``format=records`` stream ``records`` holds the parsed Examples (feature key → values).
    """

    __slots__ = ("images", "shape", "ids", "epoch", "batch_index", "records")

    def __init__(self, images, shape, ids, epoch, batch_index, records=None):
        self.images, self.shape, self.ids = images, tuple(shape), list(ids)
        self.epoch, self.batch_index, self.records = epoch, batch_index, records

    def image_bytes(self):
        """The pixels as ``bytes`` (NHWC), whatever ``images`` is."""
        return self.images.tobytes() if hasattr(self.images, "tobytes") else bytes(self.images)

    def __repr__(self):
        return "Batch(epoch=%d, batch_index=%d, shape=%r)" % (self.epoch, self.batch_index, self.shape)


def _as_images(pixels, shape, use_numpy):
    if use_numpy and _np is not None:
        return _np.frombuffer(pixels, dtype=_np.uint8).reshape(shape)
    return bytes(pixels)


def _one(ex, key, name):
    values = ex.get(key)
    if not values or len(values) != 1:
        raise InvalidInputError(name, "%s must hold one value" % key)
    return values[0]


def decode_tensor_batch(record, name="<stream>", use_numpy=True):
    """Parse one ``format=tensor`` record; the pixel count must match the shape."""
    ex = parse_example(record, name)
    shape = ex.get(TENSOR_KEYS["shape"], [])
    if len(shape) != 4:
        raise InvalidInputError(name, "%s has %d values, expected 4" % (TENSOR_KEYS["shape"], len(shape)))
    n, h, w, c = shape
    images = _one(ex, TENSOR_KEYS["images"], name)
    if len(images) != n * h * w * c:
        raise InvalidInputError(name, "%s holds %d bytes, shape %r needs %d" % (TENSOR_KEYS["images"], len(images), list(shape), n * h * w * c))
    ids = ex.get(TENSOR_KEYS["ids"], [])
    if len(ids) != n:
        raise InvalidInputError(name, "%s has %d ids for %d images" % (TENSOR_KEYS["ids"], len(ids), n))
    return Batch(_as_images(images, shape, use_numpy), shape, ids, _one(ex, TENSOR_KEYS["epoch"], name), _one(ex, TENSOR_KEYS["index"], name))


def _decode_image(encoded, fmt, name):
    if fmt == "raw":
        return bytes(encoded)
    try:
        from PIL import Image
    except ImportError:
        raise InvalidInputError(name, "decoding %s images needs Pillow (or use format='tensor')" % fmt) from None
    import io

    img = Image.open(io.BytesIO(bytes(encoded)))
    img.load()
    return img.tobytes()


def assemble_batch(records, ids, image, epoch, k, name, use_numpy=True):
    """One batch from the records of a ``format=records`` stream; ``image`` is the manifest's image entry."""
    key = image.get("feature", "image/encoded")
    parsed = []
    pixels = []
    h = w = c = 0
    for i, data in enumerate(records):
        where = "%s: batch %d record %d (id %d)" % (name, k, i, ids[i])
        ex = parse_example(data, where)
        parsed.append(ex)
        fmt = bytes(ex["image/format"][0]).decode() if ex.get("image/format") else image.get("encoding", "raw")
        h, w, c = ex.get("image/height", [0])[0], ex.get("image/width", [0])[0], ex.get("image/channels", [0])[0]
        px = _decode_image(_one(ex, key, where), fmt, where)
        if len(px) != h * w * c:
            raise InvalidInputError(where, "the image holds %d bytes, %d×%d×%d needs %d" % (len(px), h, w, c, h * w * c))
        pixels.append(px)
    if not records:
        h, w, c = image.get("height") or 0, image.get("width") or 0, image.get("channels") or 0
    shape = (len(records), h, w, c)
    return Batch(_as_images(b"".join(pixels), shape, use_numpy), shape, ids, epoch, k, parsed)
