#!/usr/bin/env python3
"""An independent re-implementation of the draw of docs/draw.md (hashlib and sqlite3 only; the
frozen list decoded by plan_list.py from the format of docs/store.md "plan_list").

usage: draw_python.py STORE DRAW_ID  -> prints "uscc,level,arm" lines of the recomputed draw,
after checking the frozen eligible list against its recorded hash (exit 1 when it differs).
"""
import hashlib
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plan_list  # noqa: E402

db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
draw_id = int(sys.argv[2])
plan_id, seed = db.execute("SELECT plan, seed FROM draw WHERE id=?", (draw_id,)).fetchone()
plan_hash, settings, elig_hash = db.execute(
    "SELECT hash, settings, eligible_hash FROM plan WHERE id=?", (plan_id,)).fetchone()
settings = json.loads(settings)
bp = settings["ratios_bp"]
s = settings["random_bp"]
firms = [(k, lv, c) for k, lv, c, _, _ in plan_list.read(db, plan_id)]
firms.sort(key=lambda f: f[0].encode())

canon = "".join(f"{k},{lv},{c}\n" for k, lv, c in firms).encode()
if hashlib.sha256(canon).hexdigest() != elig_hash:
    print("eligible list hash differs", file=sys.stderr)
    sys.exit(1)

prefix = f"crisk-draw-1\n{plan_id}\n{plan_hash}\n{seed}\n"


def h(arm, key):
    return hashlib.sha256((prefix + arm + "\n" + key).encode()).digest()


pool = [f for f in firms if f[2] == "pool"]
n = {L: sum(1 for f in pool if f[1] == L) for L in "ABCD"}
t = {L: (bp[L] * n[L] + 5000) // 10000 for L in "ABCD"}
k = {L: (bp[L] * n[L] * (10000 - s) + 50_000_000) // 100_000_000 for L in "ABCD"}
R = sum(t.values()) - sum(k.values())
arm = {}
for f in sorted(pool, key=lambda f: h("random", f[0]))[:R]:
    arm[f[0]] = "random"
for L in "ABCD":
    rest = [f for f in pool if f[1] == L and f[0] not in arm]
    for f in sorted(rest, key=lambda f: h("targeted", f[0]))[: k[L]]:
        arm[f[0]] = "targeted"
for f in firms:
    if f[2] == "triggered":
        arm[f[0]] = "triggered"
out = sys.stdout.buffer
for key, lv, _ in firms:
    if key in arm:
        out.write(f"{key},{lv},{arm[key]}\n".encode())
