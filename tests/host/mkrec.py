#!/usr/bin/env python3
# Crafts walkcov record files for the host tests (docs/file-format.md):
#   mkrec.py OUT KIND [N]
# KIND: events N (N walks begun by distinct threads, never ended),
# script N (N complete events, for long script output), zeros N (N bytes of
# zero records), bighdr N (an N-byte JSON header), symbols N (N symbols
# with 4 KB names), dup-symbols N.
import json, struct, sys, zlib

EVENT_SIZE = 128
# struct wc_event (bpf/walkcov.h): ts walk_id walk mm ops vma start end
# value ret seq pid tid cpu depth type slot kind action entry_action cls
# flags pad[3] comm[16]
EV_FMT = "<QQQQQQQQQqIIIIiHHBBBBB3x16s"
assert struct.calcsize(EV_FMT) == 128


def event(typ, tid, walk_id, start, end, ts, kind=0):
    ev = struct.pack(EV_FMT, ts, walk_id, 0xffffc90000400000 + tid * 0x4000,
                     0xffff888001000000, 0xffffffff82000000, 0, start, end, 0, 0,
                     0, tid, tid, 0, 0, typ, 1, kind, 0, 0xff, 0, 0, b"crafted")
    return struct.pack("<II", 1, 128) + ev


def main():
    out, kind = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    hdr = {"format": "walkcov", "version": 2, "event_size": EVENT_SIZE,
           "event_version": int(sys.argv[4]) if len(sys.argv) > 4 else 2,
           "kernel": "6.1.0-test", "machine": "x86_64", "plan": []}
    if kind == "bighdr":
        hdr["pad"] = "x" * n
    js = json.dumps(hdr).encode()
    body = bytearray()
    if kind == "events":
        # walks begun by N threads, never ended: the engine's worst case
        for i in range(n):
            body += event(1, 1000 + i, i + 1, 0x400000, 0x800000, 1000 + i)
    elif kind == "script":
        for i in range(n):
            body += event(1, 7, i + 1, 0x400000, 0x600000, 2 * i)
            body += event(2, 7, i + 1, 0, 0, 2 * i + 1)
    elif kind == "bighdr":
        pass
    elif kind == "zeros":
        body += bytes(n)
    elif kind in ("symbols", "dup-symbols"):
        for i in range(n):
            addr = 0xffffffff82000000 + (i if kind == "symbols" else 0)
            name = (b"s%d_" % i) + b"x" * 4000 + b"\0"
            body += struct.pack("<II", 2, 8 + len(name)) + struct.pack("<Q", addr) + name
    else:
        raise SystemExit("unknown kind " + kind)
    z = zlib.compressobj(1, zlib.DEFLATED, 31)
    if kind in ("events", "script"):
        body += struct.pack("<II", 4, 32) + struct.pack("<QQQQ", body.count(b"crafted"), 0, 0, 0)
    data = z.compress(bytes(body)) + z.flush()
    with open(out, "wb") as f:
        f.write(b"WALKCOV\0" + struct.pack("<II", 2, len(js)) + js + data)


main()
