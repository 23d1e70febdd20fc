"""JSON serializer for scrapy-redis' request queue (``SCHEDULER_SERIALIZER``).

scrapy-redis pickles requests by default: whoever can write to Redis could
then run code on every crawler. Requests are stored as JSON instead; bytes
(headers, body) are tagged ``{"$b": base64}`` and a dict whose keys are not
all strings (Scrapy's headers) is tagged ``{"$d": [[key, value], ...]}``.
"""

from __future__ import annotations

import base64
import json
from typing import Any


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not ({"$b", "$d"} & value.keys()):
            return {k: _encode(v) for k, v in value.items()}
        return {"$d": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple | set | frozenset):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot put a {type(value).__name__} in a queued request")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$b"}:
            return base64.b64decode(value["$b"])
        if set(value) == {"$d"}:
            return {_decode(k): _decode(v) for k, v in value["$d"]}
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(obj: dict) -> bytes:
    """A request dict (``Request.to_dict``) as JSON bytes."""
    return json.dumps(_encode(obj), separators=(",", ":"), sort_keys=True).encode()


def loads(data: bytes | str) -> dict:
    """The request dict back from :func:`dumps`."""
    return _decode(json.loads(data))
