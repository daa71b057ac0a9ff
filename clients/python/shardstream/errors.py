"""Errors of the client: one base class with a stable ``code``; messages start with where."""


class ShardstreamError(Exception):
    """Base of every error the client raises; ``code`` is stable (the TypeScript client's)."""

    code = "ERR_SHARDSTREAM"

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class CorruptRecordError(ShardstreamError):
    """A TFRecord record failed a framing check (``kind``: length-crc, data-crc, truncated-header, truncated-data)."""

    code = "ERR_CORRUPT_RECORD"
    _WORDS = {
        "length-crc": "length CRC mismatch",
        "data-crc": "data CRC mismatch",
        "truncated-header": "truncated header",
        "truncated-data": "truncated data",
        "bad-length": "record length out of range",
    }

    def __init__(self, name, offset, record, kind):
        super().__init__("%s @ byte %d: record %d: %s" % (name, offset, record, self._WORDS[kind]))
        self.name, self.offset, self.record, self.kind = name, offset, record, kind


class InvalidInputError(ShardstreamError):
    """Bytes that do not parse as what they should be (an Example, a tensor batch, a manifest)."""

    code = "ERR_INVALID_INPUT"

    def __init__(self, name, message):
        super().__init__("%s: %s" % (name, message))
        self.name = name


class InvalidParameterError(ShardstreamError, ValueError):
    """A bad argument, in sharp's wording."""

    code = "ERR_INVALID_PARAMETER"

    def __init__(self, param, expected, value):
        super().__init__("Expected %s for %s but received %r of type %s" % (expected, param, value, type(value).__name__))
        self.param = param


class HttpStatusError(ShardstreamError):
    """An error status; ``server_code``/``param`` from the server's JSON body, ``retry_after`` in seconds."""

    code = "ERR_HTTP"

    def __init__(self, url, status, message, server_code=None, param=None, retry_after=None):
        super().__init__("%s: %s" % (url, message))
        self.url, self.status = url, status
        self.server_code, self.param, self.retry_after = server_code, param, retry_after


class _UrlError(ShardstreamError):
    """An error about one URL: the message starts with it."""

    def __init__(self, url, message):
        super().__init__("%s: %s" % (url, message))
        self.url = url


class ManifestChangedError(_UrlError):
    """The data changed between two connections of one run; retrying cannot fix it."""

    code = "ERR_MANIFEST_CHANGED"


class ProtocolError(_UrlError):
    """A response that breaks the protocol (a batch out of order, other ids than the shuffle gives)."""

    code = "ERR_PROTOCOL"


class IncompleteResponseError(_UrlError):
    """A body that ended before all it promised arrived (a dropped connection); retried."""

    code = "ERR_INCOMPLETE_RESPONSE"


class RetriesExhaustedError(ShardstreamError):
    """Retrying did not help: the last error is ``__cause__``."""

    code = "ERR_RETRIES_EXHAUSTED"

    def __init__(self, url, attempts, elapsed, cause):
        text = str(cause)
        if text.startswith(url + ": "):
            text = text[len(url) + 2:]
        super().__init__("%s: gave up after %d attempts in %.1f s: %s" % (url, attempts, elapsed, text))
        self.url, self.attempts = url, attempts
