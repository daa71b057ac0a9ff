"""GET requests with http.client: one connection per request, errors as HttpStatusError."""

import http.client
import json
import urllib.parse

from .errors import HttpStatusError, InvalidParameterError
from .retry import parse_retry_after

_ERROR_BODY_LIMIT = 64 * 1024


def check_base(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidParameterError("url", "an http:// or https:// URL", url)
    return parts


def get(url, token=None, timeout=60.0, accept=None):
    """Open ``GET url``; returns the ``http.client.HTTPResponse`` (status 200) or raises HttpStatusError."""
    parts = urllib.parse.urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.netloc, timeout=timeout)
    headers = {"user-agent": "shardstream-python"}
    if token:
        headers["authorization"] = "Bearer " + token
    if accept:
        headers["accept"] = accept
    target = parts.path + ("?" + parts.query if parts.query else "")
    try:
        conn.request("GET", target or "/", headers=headers)
        res = conn.getresponse()
    except BaseException:
        conn.close()
        raise
    if res.status != 200:
        try:
            raise status_error(url, res, token)
        finally:
            conn.close()
    res.connection = conn
    return res


def close(res):
    """Close a response from :func:`get` and its connection."""
    res.close()
    conn = getattr(res, "connection", None)
    if conn is not None:
        conn.close()


def status_error(url, res, token):
    """The error for a non-200 response, with the server's JSON ``{"error": {code, param, message}}`` fields."""
    text = res.read(_ERROR_BODY_LIMIT).decode("utf-8", "replace")
    server = {}
    try:
        body = json.loads(text)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            server = body["error"]
    except ValueError:
        pass
    message = ("HTTP %d %s" % (res.status, res.reason or "")).rstrip()
    if server.get("message"):
        message += ": " + str(server["message"])
    elif text.strip() and not text.lstrip().startswith("<"):
        message += ": " + text.strip()[:200]
    param = server.get("param")
    if param and param not in str(server.get("message", "")):
        message += " (parameter %s)" % param
    if res.status == 401:
        message += " (the token was refused)" if token else " (a token is needed: token= or SHARDSTREAM_TOKEN)"
    return HttpStatusError(url, res.status, message, server_code=server.get("code"), param=param, retry_after=parse_retry_after(res.getheader("retry-after")))
