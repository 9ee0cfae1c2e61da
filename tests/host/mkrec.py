#!/usr/bin/env python3
# Crafts walkcov record files for the host tests (docs/file-format.md):
#   mkrec.py OUT KIND [N]
# KIND: events N (N walks begun by distinct threads, never ended),
# script N (N complete events, for long script output), zeros N (N bytes of
# zero records), bighdr N (an N-byte JSON header), symbols N (N symbols
# with 4 KB names), dup-symbols N; for walkcov map (tests/host/map.sh):
# map-double (the test module's 2019 double: 4 pmds sent down, 3 of them
# huge and split by the walking task), map-clean (one clean walk of N pmds,
# default 1000: huge pmds, a hole, a skipped VMA, one pmd at pte level),
# map-retry (a pmd_entry retried twice, the second time racing a split by
# another task).
# Hostile files (tests/host/hostile.sh): hdr-objs N (a header padded with an
# array of N empty objects), hdr-ints N (... of N integers), hdr-deep N (...
# nested N arrays deep), hdr-tail (garbage after the header's object),
# hdr-evsize (an event_size past 2^64), end-objs N / end-ints N / end-deep N
# (the END trailer's JSON, the same shapes; one complete walk before it),
# ctl (every control byte in every string a report or script prints: header
# strings, plan name, symbol name, prog_misses key; one complete walk), and
# walks N (N complete walks, each with an anomaly: a retried pmd), map-frag N
# (one walk handling every other one of 2N pmds: 2N cells in its map),
# bomb N (version 3: N MiB of 2-byte packed events, 1000:1 compressed),
# worst N (header and trailer JSON at their costliest within the caps, and
# N threads' walks never ended), frag-walks N (N open walks of 1100
# intervals each: the engine's interval budget), worst-frag N (both),
# worst-all N (all of these, symbols, and a map of 2N fragmented pmds).
# Rewritten packed (version 3) by `build/bench/bench_recfile IN OUT`.
import json, struct, sys, zlib

CTL = "".join(chr(c) for c in list(range(1, 32)) + [127])

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


PMD, PAGE = 2 << 20, 4096
BASE = 0x7f0000000000
# enum values (bpf/walkcov.h)
BEGIN, END, CHUNK, CHUNK_END, SKIP, VISIT, SPLIT = 1, 2, 3, 4, 5, 6, 8
PMD_ENTRY, PTE_ENTRY, PTE_HOLE = 2, 3, 4
SUBTREE, CONTINUE, AGAIN = 0, 1, 2
TABLE, HUGE = 2, 3
HAS_LOWER, ENTRY_SEEN = 0x01, 0x04
OPS = 0xffffffffc0002000


class Walk:
    """One walk's events with the walk identity the tracer gives them."""

    def __init__(self, body, walk_id, tid, ts):
        self.body, self.walk_id, self.tid, self.ts, self.seq = body, walk_id, tid, ts, 0
        self.vma = 0xffff888002000000

    def ev(self, typ, start=0, end=0, kind=0, action=0xff, cls=0, flags=0, ret=0,
           tid=None, walk_id=None, depth=0):
        tid = tid or self.tid
        wid = self.walk_id if walk_id is None else walk_id
        seq = 0
        if wid:
            seq, self.seq = self.seq, self.seq + 1
        self.ts += 1000
        ev = struct.pack(EV_FMT, self.ts, wid, 0xffffc90000400000, 0xffff888001000000, OPS,
                         self.vma, start, end, 0, ret, seq, 100, tid, 0, depth, typ, 1, kind,
                         action, 0xff, cls, flags, b"wc_modtest")
        self.body += struct.pack("<II", 1, 128) + ev

    def pmd(self, a, action, cls):
        self.ev(VISIT, a, a + PMD, PMD_ENTRY, action, cls, HAS_LOWER | ENTRY_SEEN)

    def ptes(self, a):
        for p in range(a, a + PMD, PAGE):
            self.ev(VISIT, p, p + PAGE, PTE_ENTRY, CONTINUE, 0, 0)

    def split(self, a, tid):
        own = tid == self.tid
        self.ev(SPLIT, a, a + PMD, cls=HUGE, tid=tid, walk_id=None if own else 0)


def map_walks(kind, n, body):
    w = Walk(body, 7, 123, 1000000)
    if kind == "map-double":
        w.ev(BEGIN, BASE, BASE + 4 * PMD)
        w.ev(CHUNK, BASE, BASE + 4 * PMD)
        for i in range(4):
            a = BASE + i * PMD
            w.pmd(a, SUBTREE, HUGE if i < 3 else TABLE)
            if i < 3:
                w.split(a, 123)
            w.ptes(a)
    elif kind == "map-clean":
        # [0, h) huge pmds, a pmd at pte level, more huge ones, a gap (hole),
        # a skipped VMA, then pmds handled at pmd level
        h, gap, skip = n * 3 // 10, n * 6 // 10, n * 7 // 10
        w.ev(BEGIN, BASE, BASE + n * PMD)
        w.ev(CHUNK, BASE, BASE + gap * PMD)
        for i in range(gap):
            a = BASE + i * PMD
            if i == h:
                w.pmd(a, SUBTREE, TABLE)
                w.ptes(a)
            else:
                w.pmd(a, CONTINUE, HUGE if i < h else TABLE)
        w.ev(CHUNK_END)
        w.ev(VISIT, BASE + gap * PMD, BASE + skip * PMD, PTE_HOLE, 0xff, 0, 0, depth=-1)
        w.ev(SKIP, BASE + skip * PMD, BASE + (skip + 20) * PMD)
        w.ev(CHUNK, BASE + (skip + 20) * PMD, BASE + n * PMD)
        for i in range(skip + 20, n):
            w.pmd(BASE + i * PMD, CONTINUE, TABLE)
    elif kind == "map-retry":
        w.ev(BEGIN, BASE, BASE + 4 * PMD)
        w.ev(CHUNK, BASE, BASE + 4 * PMD)
        for i in range(4):
            a = BASE + i * PMD
            if i == 2:
                w.pmd(a, AGAIN, HUGE)
                w.split(a, 130)		# another thread of the process
                w.pmd(a, AGAIN, TABLE)
            w.pmd(a, CONTINUE, HUGE if i != 2 else TABLE)
    w.ev(CHUNK_END)
    w.ev(END)


def main():
    out, kind = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    hdr = {"format": "walkcov", "version": 2, "event_size": EVENT_SIZE,
           "event_version": int(sys.argv[4]) if len(sys.argv) > 4 else 2,
           "kernel": "6.1.0-test", "machine": "x86_64", "plan": []}
    if kind == "bighdr":
        hdr["pad"] = "x" * n
    if kind == "ctl":
        for k in ("kernel", "machine", "hostname", "start_time", "mechanism"):
            hdr[k] = k + CTL + "\n1.0: forged"
        hdr["command"] = ["cmd" + CTL, "arg\n# forged"]
        hdr["cmdline"] = ["walkcov" + CTL]
        hdr["filters"] = {"comm": "c" + CTL, "cgroup": "/g" + CTL, "ops": "o" + CTL}
        hdr["plan"] = [{"slot": 1, "name": "fn" + CTL, "role": 4, "role_name": "r" + CTL,
                        "kind": 2, "mechanism": "fentry"}]
    js = json.dumps(hdr).encode()
    if kind == "hdr-objs":
        js = js[:-1] + b',"pad":[' + b",".join([b"{}"] * n) + b"]}"
    elif kind == "hdr-ints":
        js = js[:-1] + b',"pad":[' + b",".join([b"1"] * n) + b"]}"
    elif kind == "hdr-deep":
        js = js[:-1] + b',"pad":' + b"[" * n + b"]" * n + b"}"
    elif kind.startswith("worst"):
        # the header and trailer JSON at their caps, the costliest shapes
        js = js[:-1] + b',"pad":[' + b",".join([b'{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7}'] * 1000) + b"]}"
    elif kind == "hdr-tail":
        js += b" garbage"
    elif kind == "hdr-evsize":
        js = js.replace(b'"event_size": 128', b'"event_size": 18446744073709551744')
    extra = None
    if kind == "end-objs":
        extra = b'{"pad":[' + b",".join([b"{}"] * n) + b"]}"
    elif kind == "end-ints":
        extra = b'{"pad":[' + b",".join([b"1"] * n) + b"]}"
    elif kind == "end-deep":
        extra = b'{"pad":' + b"[" * n + b"]" * n + b"}"
    elif kind == "ctl":
        extra = json.dumps({"prog_misses": {"walk_page_range" + CTL + "\n# forged": 3}}).encode()
    body = bytearray()
    if kind == "events":
        # walks begun by N threads, never ended: the engine's worst case
        for i in range(n):
            body += event(1, 1000 + i, i + 1, 0x400000, 0x800000, 1000 + i)
    elif kind == "script":
        for i in range(n):
            body += event(1, 7, i + 1, 0x400000, 0x600000, 2 * i)
            body += event(2, 7, i + 1, 0, 0, 2 * i + 1)
    elif kind == "bighdr" or kind.startswith("hdr-"):
        pass
    elif kind == "worst":
        # N threads' walks begun and never ended, as "events"
        for i in range(n):
            body += event(1, 1000 + i, i + 1, 0x400000, 0x800000, 1000 + i)
        extra = b'{"pad":[' + b",".join([b"{}"] * 1000) + b"]}"
    elif kind.startswith("end-") or kind == "ctl":
        w = Walk(body, 7, 123, 1000000)
        w.ev(BEGIN, BASE, BASE + PMD)
        w.ev(END)
        if kind == "ctl":
            name = b"ops" + CTL.encode() + b"\n# forged\0"
            body[:0] = struct.pack("<II", 2, 8 + len(name)) + struct.pack("<Q", OPS) + name
    elif kind == "map-frag":
        # one walk over 2N pmds handling every other one (a retry first, so
        # it is an anomaly): 2N cells that no run can summarise
        w = Walk(body, 7, 123, 1000000)
        w.ev(BEGIN, BASE, BASE + 2 * n * PMD)
        w.ev(CHUNK, BASE, BASE + 2 * n * PMD)
        w.pmd(BASE, AGAIN, HUGE)
        for i in range(n):
            w.pmd(BASE + 2 * i * PMD, CONTINUE, HUGE)
        w.ev(CHUNK_END)
        w.ev(END)
    elif kind == "bomb":
        pass
    elif kind == "worst-all":
        # the worst file known: JSON at its caps, 1100 symbols of 4 KB, 4095
        # open walks of 1100 fragments (the engine's interval budget), one
        # walk over 2N pmds handling every other one (its map), the trailer
        for i in range(1100):
            name = (b"s%d_" % i) + b"x" * 4000 + b"\0"
            body += struct.pack("<II", 2, 8 + len(name)) + struct.pack("<Q", OPS + i * 64) + name
        evs = []
        for i in range(4095):
            tid = 1000 + i
            evs.append(struct.pack("<II", 1, 128) + struct.pack(
                EV_FMT, 1000, i + 1, 0xffffc90000400000, 0xffff888001000000, OPS + (i % 1100) * 64,
                0, BASE, BASE + 2400 * PMD, 0, 0, 0, tid, tid, 0, 0, BEGIN, 1, 0, 0xff, 0xff, 0, 0,
                b"frag"))
            for k in range(1100):
                a = BASE + 2 * k * PMD
                evs.append(struct.pack("<II", 1, 128) + struct.pack(
                    EV_FMT, 2000 + k, i + 1, 0xffffc90000400000, 0xffff888001000000, OPS,
                    0xffff888002000000, a, a + PMD, 0, 0, k + 1, tid, tid, 0, 0, VISIT, 1,
                    PMD_ENTRY, CONTINUE, 0xff, HUGE, HAS_LOWER | ENTRY_SEEN, b"frag"))
        body += b"".join(evs)
        w = Walk(body, 99999, 77, 1000000)
        w.ev(BEGIN, BASE, BASE + 2 * n * PMD)
        w.ev(CHUNK, BASE, BASE + 2 * n * PMD)
        w.pmd(BASE, AGAIN, HUGE)
        for k in range(n):
            w.pmd(BASE + 2 * k * PMD, CONTINUE, HUGE)
        w.ev(CHUNK_END)
        w.ev(END)
        extra = b'{"pad":[' + b",".join([b"{}"] * 1000) + b"]}"
    elif kind in ("frag-walks", "worst-frag"):
        # N walks left open, each handling every other pmd 1100 times: the
        # engine's interval lists at their caps (1024 a walk, 4 Mi in all)
        body = []
        for i in range(n):
            tid = 1000 + i
            hdr = struct.pack("<II", 1, 128)
            body.append(hdr + struct.pack(EV_FMT, 1000, i + 1, 0xffffc90000400000, 0xffff888001000000,
                                          OPS, 0, BASE, BASE + 2400 * PMD, 0, 0, 0, tid, tid, 0, 0,
                                          BEGIN, 1, 0, 0xff, 0xff, 0, 0, b"frag"))
            for k in range(1100):
                a = BASE + 2 * k * PMD
                body.append(hdr + struct.pack(EV_FMT, 2000 + k, i + 1, 0xffffc90000400000,
                                              0xffff888001000000, OPS, 0xffff888002000000, a,
                                              a + PMD, 0, 0, k + 1, tid, tid, 0, 0, VISIT, 1,
                                              PMD_ENTRY, CONTINUE, 0xff, HUGE,
                                              HAS_LOWER | ENTRY_SEEN, b"frag"))
        body = bytearray(b"".join(body))
        if kind == "worst-frag":
            extra = b'{"pad":[' + b",".join([b"{}"] * 1000) + b"]}"
    elif kind == "walks":
        for i in range(n):
            w = Walk(body, i + 1, 123, 1000000 + i * 100000)
            w.ev(BEGIN, BASE, BASE + PMD)
            w.ev(CHUNK, BASE, BASE + PMD)
            w.pmd(BASE, AGAIN, HUGE)
            w.pmd(BASE, CONTINUE, HUGE)
            w.ev(CHUNK_END)
            w.ev(END)
    elif kind.startswith("map-") and kind != "map-frag":
        map_walks(kind, n or 1000, body)
        name = b"ops of wct_" + kind[4:].encode() + b"_pmd_entry\0"
        body += struct.pack("<II", 2, 8 + len(name)) + struct.pack("<Q", OPS) + name
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
    if kind in ("events", "script", "ctl", "walks", "map-frag", "worst", "frag-walks", "worst-frag", "worst-all") or kind.startswith(("map-", "end-")):
        nev = body.count(b"crafted") + body.count(b"wc_modtest") + body.count(b"frag\0")
        x = extra or b""
        body += struct.pack("<II", 4, 32 + len(x)) + struct.pack("<QQQQ", nev, 0, 0, 0) + x
    if kind == "bomb":
        # version 3: N EVENTS records of 524286 packed events of 2 bytes
        # (mask 0, ts + 0: all zeros), 1 MiB each: 1000:1 compressed
        per = (1 << 20) // 2 - 2
        rec = struct.pack("<III", 5, 4 + 2 * per, per) + bytes(2 * per)
        data = b"".join(z.compress(rec) for _ in range(n))
        data += z.compress(struct.pack("<II", 4, 32) + struct.pack("<QQQQ", n * per, 0, 0, 0))
        data += z.flush()
        with open(out, "wb") as f:
            f.write(b"WALKCOV\0" + struct.pack("<II", 3, len(js)) + js + data)
        return
    data = z.compress(bytes(body)) + z.flush()
    with open(out, "wb") as f:
        f.write(b"WALKCOV\0" + struct.pack("<II", 2, len(js)) + js + data)


main()
