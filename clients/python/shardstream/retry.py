"""Which failures are retried and how long to wait: the TypeScript client's policy (src/client/retry.ts)."""

import email.utils
import http.client
import time

from .errors import CorruptRecordError, HttpStatusError, IncompleteResponseError, RetriesExhaustedError, ShardstreamError

# Server error codes that name a lasting fault, though sent with a 5xx.
_LASTING_SERVER_CODES = {"ERR_BAD_DATA"}
_RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


def is_retryable(error):
    """True for failures another attempt may not meet: lost connections, 5xx, 408, 429, truncated bodies."""
    if isinstance(error, HttpStatusError):
        if error.server_code in _LASTING_SERVER_CODES:
            return False
        return error.status in _RETRYABLE_STATUS or error.status >= 500
    if isinstance(error, IncompleteResponseError):
        return True
    if isinstance(error, CorruptRecordError):
        # A stream cut mid-record: the bytes that came were fine, the rest did not come.
        return error.kind in ("truncated-header", "truncated-data")
    if isinstance(error, ShardstreamError):
        return False
    return isinstance(error, (OSError, http.client.HTTPException))


def parse_retry_after(value, now=None):
    """Seconds ``Retry-After`` asks for (delta-seconds or an HTTP-date), or None."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class Backoff:
    """The retry state of one operation: ``wait(error)`` sleeps, or raises when it should not retry."""

    def __init__(self, url, retries=8, min_delay=0.1, max_delay=5.0, max_retry_after=60.0, on_retry=None, sleep=time.sleep):
        self.url, self.retries = url, retries
        self.min_delay, self.max_delay, self.max_retry_after = min_delay, max_delay, max_retry_after
        self.on_retry, self._sleep = on_retry, sleep
        self.failures = 0
        self._first = 0.0

    def reset(self):
        """Progress was made: the next failure starts a fresh budget."""
        self.failures = 0

    def wait(self, error):
        if not is_retryable(error):
            raise error
        if self.failures == 0:
            self._first = time.monotonic()
        self.failures += 1
        if self.failures > self.retries:
            raise RetriesExhaustedError(self.url, self.failures, time.monotonic() - self._first, error) from error
        if isinstance(error, HttpStatusError) and error.retry_after is not None:
            delay = min(error.retry_after, self.max_retry_after)
        else:
            delay = min(self.max_delay, self.min_delay * 2 ** (self.failures - 1))
        if self.on_retry is not None:
            self.on_retry({"url": self.url, "attempt": self.failures, "delay": delay, "error": error})
        self._sleep(delay)
