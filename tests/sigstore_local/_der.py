"""The few DER and TLS encodings the stand-in needs that cryptography does not build."""

from __future__ import annotations

import struct

__all__ = ["der_octet_string", "der_utf8_string", "tls_opaque16", "tls_opaque24"]


def _der_length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der_utf8_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"\x0c" + _der_length(len(data)) + data


def der_octet_string(data: bytes) -> bytes:
    return b"\x04" + _der_length(len(data)) + data


def tls_opaque16(data: bytes) -> bytes:
    return struct.pack("!H", len(data)) + data


def tls_opaque24(data: bytes) -> bytes:
    return struct.pack("!I", len(data))[1:] + data
