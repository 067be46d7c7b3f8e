#!/usr/bin/env python3
"""Packs component images into a cellux boot archive (format: kernel/abi/src/archive.rs).

usage: mkpack.py OUT NAME=PATH...
"""
import struct
import sys

MAGIC = b"CLXPACK1"
HEADER_LEN, ENTRY_LEN, NAME_LEN = 32, 40, 24


def fnv1a32(data):
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def main():
    out, specs = sys.argv[1], sys.argv[2:]
    entries = []
    for s in specs:
        name, path = s.split("=", 1)
        if not 0 < len(name) <= NAME_LEN:
            sys.exit(f"mkpack: bad name {name!r}")
        with open(path, "rb") as f:
            entries.append((name.encode(), f.read()))
    table_end = HEADER_LEN + ENTRY_LEN * len(entries)
    table, data = b"", b""
    for name, blob in entries:
        off = table_end + len(data)
        # Page-align every image after the table, so they can be mapped.
        pad = (-off) % 4096
        data += b"\0" * pad
        off += pad
        table += name.ljust(NAME_LEN, b"\0") + struct.pack("<QQ", off, len(blob))
        data += blob
    body = table + data
    hdr = MAGIC + struct.pack("<IIQII", len(entries), 0, HEADER_LEN + len(body), fnv1a32(body), 0)
    with open(out, "wb") as f:
        f.write(hdr + body)


if __name__ == "__main__":
    main()
