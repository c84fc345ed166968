#!/usr/bin/env python3
"""Writes the seeds of the `codings` target into fuzz/seeds/codings/ (committed; rerun
to regenerate). Each seed is the selector byte `fuzz/check.rs` reads (top two bits:
how many codings; two bits per coding, in the order applied: 0 gzip, 1 deflate,
2 br, 3 zstd) and then a small body in those codings.

gzip and deflate come from Python's zlib, zstd from the `zstd` command, brotli and
the odd zstd frames are written by hand (uncompressed meta-blocks and raw blocks), so
that no extra module is needed.
"""
import gzip
import os
import subprocess
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "codings")
PAGE = b'<!DOCTYPE html><meta charset=utf-8><a href="/a?q=1">a</a><a href="//h.test/b">b</a>' * 3
GZIP, DEFLATE, BR, ZSTD = 0, 1, 2, 3


def selector(*codings):
    byte = len(codings) << 6
    for n, coding in enumerate(codings):
        byte |= coding << (2 * n)
    return bytes([byte])


def gz(data):
    return gzip.compress(data, mtime=0)


def raw_deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zstd(data, *args):
    return subprocess.run(["zstd", "-q", "-c", *args], input=data, capture_output=True, check=True).stdout


def brotli_stored(data, chunk=60000):
    """A brotli stream of uncompressed meta-blocks (RFC 7932, 9.2), window 2^16."""
    bits, nbits = 0, 0
    out = bytearray()

    def put(value, n):
        nonlocal bits, nbits
        bits |= value << nbits
        nbits += n
        while nbits >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8

    def align():
        nonlocal bits, nbits
        if nbits:
            out.append(bits & 0xFF)
            bits, nbits = 0, 0

    put(0, 1)  # WBITS: 16
    for start in range(0, len(data), chunk):
        piece = data[start:start + chunk]
        put(0, 1)  # ISLAST
        put(0, 2)  # MNIBBLES: 4
        put(len(piece) - 1, 16)
        put(1, 1)  # ISUNCOMPRESSED
        align()
        out += piece
    put(1, 1)  # ISLAST
    put(1, 1)  # ISLASTEMPTY
    align()
    return bytes(out)


def zstd_raw_frame(data, window_descriptor=0x00):
    """A zstd frame with one raw block and the given window descriptor."""
    frame = bytes.fromhex("28b52ffd") + bytes([0x00, window_descriptor])
    header = (len(data) << 3) | 1  # last block, raw
    return frame + header.to_bytes(3, "little") + data


SEEDS = {
    "identity": selector() + PAGE,
    "gzip": selector(GZIP) + gz(PAGE),
    "gzip-two-members": selector(GZIP) + gz(PAGE[:40]) + gz(PAGE[40:]),
    "gzip-truncated": selector(GZIP) + gz(PAGE)[:-9],
    "gzip-bad-crc": selector(GZIP) + gz(PAGE)[:-8] + b"\0\0\0\0" + gz(PAGE)[-4:],
    "gzip-trailing-garbage": selector(GZIP) + gz(PAGE) + b"<html>",
    "gzip-bomb-2mib": selector(GZIP) + gz(b" " * (2 << 20)),
    "deflate-zlib": selector(DEFLATE) + zlib.compress(PAGE),
    "deflate-raw": selector(DEFLATE) + raw_deflate(PAGE),
    "deflate-empty": selector(DEFLATE) + zlib.compress(b""),
    "br-stored": selector(BR) + brotli_stored(PAGE),
    "br-stored-truncated": selector(BR) + brotli_stored(PAGE)[:-3],
    "br-empty": selector(BR) + bytes([0x06]),  # WBITS 16, ISLAST, ISLASTEMPTY
    "zstd": selector(ZSTD) + zstd(PAGE),
    "zstd-checksum": selector(ZSTD) + zstd(PAGE, "--check"),
    "zstd-raw-block": selector(ZSTD) + zstd_raw_frame(PAGE),
    "zstd-window-128mib": selector(ZSTD) + zstd_raw_frame(PAGE, (17 << 3)),
    "zstd-two-frames": selector(ZSTD) + zstd(PAGE[:50]) + zstd(PAGE[50:]),
    "zstd-skippable": selector(ZSTD) + bytes.fromhex("505a2a18") + (4).to_bytes(4, "little") + b"skip" + zstd(PAGE),
    "zstd-bomb-2mib": selector(ZSTD) + zstd(b"\0" * (2 << 20)),
    "gzip-then-br": selector(GZIP, BR) + brotli_stored(gz(PAGE)),
    "deflate-then-gzip": selector(DEFLATE, GZIP) + gz(raw_deflate(PAGE)),
    "gzip-deflate-zstd": selector(GZIP, DEFLATE, ZSTD) + zstd(zlib.compress(gz(PAGE))),
    "br-zstd-gzip": selector(BR, ZSTD, GZIP) + gz(zstd(brotli_stored(PAGE))),
    "zstd-then-gzip-bomb": selector(ZSTD, GZIP) + gz(zstd(b"a" * (2 << 20))),
}

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
