#!/usr/bin/env python3
"""A plan's frozen eligible list read from the store by the format of docs/store.md "plan_list"
(struct and sqlite3 only, independent of crisk's C decoder), and written back (for tests that
make or tamper with a list).

usage: plan_list.py STORE PLAN            -> prints "key,level,class,street,subject" lines
       plan_list.py STORE PLAN --set-level KEY LEVEL   (rewrites one firm's level in the block)
As a module: read(db, plan) -> [(key, level, class, street, subject)], write(db, plan, firms).
"""
import sqlite3
import struct
import sys

CLASSES = ["pool", "triggered", "exempt_recent", "exempt_status", "exempt_tolerance"]


def decode(b):
    assert b[:8] == b"CRPLIST1", "not a format-1 block"
    n, ns = struct.unpack_from("<II", b, 8)
    o = 16
    level = b[o:o + n].decode(); o += n
    cls = b[o:o + n]; o += n
    street = struct.unpack_from(f"<{n}I", b, o); o += 4 * n
    subject = struct.unpack_from(f"<{n}q", b, o); o += 8 * n
    strs = b[o:].split(b"\0")
    assert len(strs) == n + ns + 1 and strs[-1] == b"", "bad string pool"
    keys, streets = strs[:n], strs[n:n + ns]
    return [(keys[i].decode(), level[i], CLASSES[cls[i]], streets[street[i]].decode(), subject[i])
            for i in range(n)]


def encode(firms):
    firms = sorted(firms, key=lambda f: f[0].encode())
    streets = sorted({f[3] for f in firms})
    si = {s: i for i, s in enumerate(streets)}
    n = len(firms)
    return (b"CRPLIST1" + struct.pack("<II", n, len(streets))
            + "".join(f[1] for f in firms).encode()
            + bytes(CLASSES.index(f[2]) for f in firms)
            + struct.pack(f"<{n}I", *(si[f[3]] for f in firms))
            + struct.pack(f"<{n}q", *(f[4] for f in firms))
            + b"".join(f[0].encode() + b"\0" for f in firms)
            + b"".join(s.encode() + b"\0" for s in streets))


def read(db, plan):
    row = db.execute("SELECT format, list FROM plan_list WHERE plan=?", (plan,)).fetchone()
    if row is None:  # a plan of an older crisk: its plan_firm rows
        return [tuple(r) for r in db.execute(
            "SELECT key, level, class, street, subject FROM plan_firm WHERE plan=? ORDER BY key",
            (plan,))]
    assert row[0] == 1, f"format {row[0]}"
    return decode(row[1])


def write(db, plan, firms):
    db.execute("INSERT OR REPLACE INTO plan_list(plan, format, n, list) VALUES(?, 1, ?, ?)",
               (plan, len(firms), encode(firms)))


if __name__ == "__main__":
    db = sqlite3.connect(sys.argv[1])
    plan = int(sys.argv[2])
    firms = read(db, plan)
    if len(sys.argv) > 3 and sys.argv[3] == "--set-level":
        key, lv = sys.argv[4], sys.argv[5]
        firms = [(k, lv if k == key else l, c, s, j) for k, l, c, s, j in firms]
        write(db, plan, firms)
        db.commit()
    else:
        out = sys.stdout
        for f in firms:
            out.write(",".join(str(x) for x in f) + "\n")
