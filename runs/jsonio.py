"""Reading and writing run records' JSON: fast when possible, exact always."""

from __future__ import annotations

import gc
import json

import orjson


class InvalidJSON(ValueError):
    """The bytes are not a JSON text we can read; the message says why, briefly."""


def _reject_constant(name: str) -> None:
    raise InvalidJSON(f"{name} is not valid JSON")


# Maps every digit to "0", "." and "-" to themselves and all else to " ", so
# that an integer becomes " 000…" (or "-000…") while the long digit runs inside
# floats ("0.00146…", "1.5e-7") keep their "." or "e" in front.
_NUMBER_SHAPE = bytes(
    ord("0") if chr(byte).isdigit() and byte < 128 else byte if byte in b".-" else ord(" ")
    for byte in range(256)
)
# orjson reads integers from -2**63 to 2**64 - 1 exactly: every positive one of
# up to 19 digits (63-bit IDs have 19) and every negative one of up to 18.
_WIDE_POSITIVE = b"0" * 20
_WIDE_NEGATIVE = b"-" + b"0" * 19


def _may_hold_wide_integer(body: bytes) -> bool:
    """True if the text may hold an integer beyond 64 bits (false alarms are fine)."""
    shape = body.translate(_NUMBER_SHAPE)
    return (
        b" " + _WIDE_POSITIVE in shape
        or shape.startswith(_WIDE_POSITIVE)  # a bare number as the whole text
        or _WIDE_NEGATIVE in shape
    )


def parse(body: bytes) -> object:
    """Return the value of a JSON text (RFC 8259), losing nothing.

    orjson is faster but turns integers beyond 64 bits into floats and rejects
    lone surrogate escapes and nesting past 1,024 levels; the standard library
    reads all of these exactly, so it takes over for them. Spotting a wide
    integer costs ~100 ms on 50 MB against ~450 ms for orjson's parse.
    """
    # Millions of new containers set off the cyclic garbage collector again
    # and again, each pass walking all that was built so far: a third of the
    # parse. Parsed JSON holds no cycles, so collecting can wait until after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parse(body)
    finally:
        if collecting:
            gc.enable()


def _parse(body: bytes) -> object:
    if not _may_hold_wide_integer(body):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidJSON(f"not UTF-8 at byte {error.start}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise InvalidJSON(f"{error.msg} at line {error.lineno} column {error.colno}") from None
    except InvalidJSON:
        raise
    except ValueError as error:  # e.g. an integer past Python's 4,300-digit limit
        raise InvalidJSON(str(error).split(";")[0]) from None
    except RecursionError:
        raise InvalidJSON("nested too deeply to read") from None


def kind_of(value: object) -> str:
    """Return the JSON name of a value's type, with an article: 'an array'."""
    match value:
        case dict():
            return "an object"
        case list():
            return "an array"
        case str():
            return "a string"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case None:
            return "null"
    return "an unknown value"


def dumps(value: object, pretty: bool = False) -> bytes:
    """Return `value` as JSON; exact for what orjson refuses (integers beyond 64 bits,
    lone surrogates, which only \\u escapes can carry)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0)
    except TypeError:  # orjson's JSONEncodeError: too deep (255 levels), too wide an integer, a lone surrogate
        pass
    try:
        return json.dumps(value, indent=2 if pretty else None).encode()
    except RecursionError:  # deeper than the interpreter's recursion limit (about 1,000 levels)
        return "".join(_dumps_iteratively(value, pretty)).encode()


def _dumps_iteratively(value: object, pretty: bool) -> list[str]:
    """json.dumps's output for any depth, with a stack instead of recursion (slower: the last resort)."""
    out: list[str] = []
    stack: list[tuple[object, int] | str] = [(value, 0)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        node, depth = item
        if not isinstance(node, (dict, list)) or not node:
            out.append(json.dumps(node))
            continue
        inside = "\n" + "  " * (depth + 1) if pretty else ""
        closing = ("\n" + "  " * depth if pretty else "") + ("}" if isinstance(node, dict) else "]")
        out.append("{" if isinstance(node, dict) else "[")
        entries = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        stack.append(closing)
        for number, (key, child) in enumerate(reversed(entries)):
            stack.append((child, depth + 1))
            if isinstance(node, dict):
                stack.append(json.dumps(key) + ": ")
            stack.append(inside)
            if number < len(entries) - 1:
                stack.append("," if pretty else ", ")  # json.dumps's separators
    return out
