"""tf.train.Example parsed by hand (proto/example.proto, proto/feature.proto): no protobuf package.

``parse_example(data)`` gives ``{key: value}`` where a value is a list of ``memoryview``
(bytes_list), a list of int (int64_list) or a list of float (float_list). Bytes values are views
into ``data``: the pixels of a tensor batch are never copied here.
"""

import struct

from .errors import InvalidInputError


def _varint(buf, at, end, name):
    result = 0
    shift = 0
    while True:
        if at >= end:
            raise InvalidInputError(name, "truncated varint")
        b = buf[at]
        at += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, at
        shift += 7
        if shift > 63:
            raise InvalidInputError(name, "varint longer than 10 bytes")


def _fields(buf, at, end, name):
    """Yield ``(field, wire_type, value_or_span)``; length-delimited fields give ``(start, stop)``."""
    while at < end:
        key, at = _varint(buf, at, end, name)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(buf, at, end, name)
            yield field, wire, value
        elif wire == 2:
            n, at = _varint(buf, at, end, name)
            if at + n > end:
                raise InvalidInputError(name, "field %d runs past the end of its message" % field)
            yield field, wire, (at, at + n)
            at += n
        elif wire == 5:
            at += 4
            yield field, wire, (at - 4, at)
        elif wire == 1:
            at += 8
            yield field, wire, (at - 8, at)
        else:
            raise InvalidInputError(name, "unsupported wire type %d" % wire)
    if at != end:
        raise InvalidInputError(name, "message runs past its end")


def _to_int64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def _parse_feature(buf, mv, start, stop, name):
    for field, wire, value in _fields(buf, start, stop, name):
        if wire != 2:
            continue
        s, e = value
        if field == 1:  # bytes_list
            return [mv[a:b] for f, w, (a, b) in _fields(buf, s, e, name) if f == 1 and w == 2]
        if field == 2:  # float_list: packed or not
            out = []
            for f, w, v in _fields(buf, s, e, name):
                if f == 1 and w == 2:
                    out.extend(struct.unpack_from("<%df" % ((v[1] - v[0]) // 4), buf, v[0]))
                elif f == 1 and w == 5:
                    out.append(struct.unpack_from("<f", buf, v[0])[0])
            return out
        if field == 3:  # int64_list: packed or not
            out = []
            for f, w, v in _fields(buf, s, e, name):
                if f == 1 and w == 2:
                    at, stop2 = v
                    while at < stop2:
                        x, at = _varint(buf, at, stop2, name)
                        out.append(_to_int64(x))
                elif f == 1 and w == 0:
                    out.append(_to_int64(v))
            return out
    return []


def parse_example(data, name="<record>"):
    """Parse a serialized ``tensorflow.Example``."""
    mv = memoryview(data).cast("B")
    features = {}
    for field, wire, span in _fields(mv, 0, len(mv), name):
        if field != 1 or wire != 2:
            continue
        for f, w, (es, ee) in _fields(mv, span[0], span[1], name):
            if f != 1 or w != 2:
                continue
            key = None
            value = []
            for ef, ew, ev in _fields(mv, es, ee, name):
                if ef == 1 and ew == 2:
                    key = bytes(mv[ev[0]:ev[1]]).decode("utf-8")
                elif ef == 2 and ew == 2:
                    value = _parse_feature(mv, mv, ev[0], ev[1], name)
            if key is None:
                raise InvalidInputError(name, "a feature map entry without a key")
            features[key] = value
    return features
