#!/usr/bin/env python3
"""Precision and recall of crisk monitor's detectors against the synthetic city's truth.

Usage: bench/monitor.py WARNINGS.csv STORE TRUTH.csv

WARNINGS.csv is `crisk warnings --csv` (warning,detector,uscc,name,district,street,grid,status,
opened,summary); STORE is read (read-only) for the firms it holds and for each warning's evidence,
to split a detector into its rules; TRUTH.csv is the generator's truth.csv. Only open warnings
count. Nothing here calls crisk: the figures are an independent computation.
"""
import collections
import csv
import json
import sqlite3
import sys

# What each detector should find, as a truth.csv column (None: no planted pattern).
TARGET = {"address_cluster": "cluster_address", "person_cluster": "shell_ring"}
# Goals of issue 10 on the 100,000 city.
GOALS = [("address_cluster", None, "recall", 0.90), ("address_cluster", None, "precision", 0.80),
         ("person_cluster", None, "recall", 0.90)]
# Shown beside the goals, not one of them: the shell-ring rule alone.
ALSO = [("person_cluster", "shell_ring", "recall", 0.90)]
HARD_MAX = 0.10  # "hard negatives mostly unflagged": at most this share of each kind


def rules_of(detector, key, evidence):
    """The rules of a warning within its detector, from its evidence: the check (e.g. legal_rep,
    shareholder, shell_ring) and, below it, which thresholds it crossed (count, burst)."""
    try:
        ev = json.loads(evidence) if evidence else {}
    except ValueError:
        ev = {}
    if not isinstance(ev, dict):
        ev = {}
    check = ev.get("check")
    if not isinstance(check, str) or not check:
        check = key.split(":", 1)[0] if key and ":" in key else detector
    out = [check]
    if ev.get("count_crossed") is True:
        out.append(f"{check} count")
    if isinstance(ev.get("burst"), dict):
        out.append(f"{check} burst")
    return out


def main():
    warnings_csv, store, truth_csv = sys.argv[1:4]
    truth = {}
    with open(truth_csv, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            truth[row["uscc"]] = row
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    stored = {u for (u,) in con.execute("SELECT uscc FROM enterprise")}
    firms = [u for u in stored if u in truth]
    n = len(firms)
    labels = {
        "cluster_address": {u for u in firms if truth[u]["cluster_address"] == "1"},
        "shell_ring": {u for u in firms if truth[u]["shell_ring"] == "1"},
    }
    # Active firms (truth status 0): the detectors leave revoked and deregistered firms out.
    active = {u for u in firms if truth[u]["status"] == "0"}
    hard = collections.defaultdict(set)
    for u in firms:
        if truth[u].get("hard_negative"):
            hard[truth[u]["hard_negative"]].add(u)

    # Flagged firms per detector, from the CSV (open warnings only).
    flagged = collections.defaultdict(set)
    pairs_csv = set()
    with open(warnings_csv, newline="", encoding="utf-8") as fh:
        rd = csv.DictReader(fh)
        want = ["warning", "detector", "uscc", "name", "district", "street", "grid", "status",
                "opened", "summary"]
        if rd.fieldnames != want:
            sys.exit(f"monitor.py: {warnings_csv}: header {rd.fieldnames}, expected {want}")
        for row in rd:
            if row["status"] != "open":
                continue
            flagged[row["detector"]].add(row["uscc"])
            pairs_csv.add((int(row["warning"]), row["uscc"]))

    # The same from the store, with each warning's rule (the detector's sub-rules).
    by_rule = collections.defaultdict(set)
    pairs_db = set()
    q = ("SELECT w.id, w.detector, w.key, w.evidence, e.uscc FROM warning w "
         "JOIN warning_firm f ON f.warning = w.id JOIN enterprise e ON e.subject = f.subject "
         "WHERE w.status = 'open'")
    for wid, det, key, ev, u in con.execute(q):
        for rule in rules_of(det, key, ev):
            by_rule[(det, rule)].add(u)
        pairs_db.add((wid, u))
    # A person over the legal-representative count carries their shell rings in the same
    # warning's evidence (docs/monitor.md "Shell rings"): the ring's firms count for shell_ring.
    for (ev,) in con.execute("SELECT evidence FROM warning WHERE status = 'open' AND evidence "
                             "LIKE '%\"shell_rings\"%'"):
        for ring in json.loads(ev).get("shell_rings", []):
            by_rule[("person_cluster", "shell_ring")].update(ring.get("uscc", []))
    if pairs_csv != pairs_db:
        print(f"NOTE: warnings --csv has {len(pairs_csv)} open (warning, firm) pairs, the store "
              f"{len(pairs_db)}; {len(pairs_csv - pairs_db)} only in the CSV, "
              f"{len(pairs_db - pairs_csv)} only in the store")

    print(f"firms in the store and truth: {n:,}; planted: cluster_address "
          f"{len(labels['cluster_address']):,} ({len(labels['cluster_address']) / n:.2%}), "
          f"shell_ring {len(labels['shell_ring']):,} ({len(labels['shell_ring']) / n:.2%}); "
          f"hard negatives: " + ", ".join(f"{k} {len(v):,}" for k, v in sorted(hard.items())))
    hdr = (f"{'detector / rule':30} {'flagged':>8} {'target':>15} {'precision':>9} "
           f"{'recall':>7} {'active':>7} {'baseline':>8} " +
           " ".join(f"{k:>13}" for k in sorted(hard)))
    print(hdr)
    print("-" * len(hdr))
    results = {}

    def line(name, det, fl):
        target = TARGET.get(det)
        lab = labels.get(target, set()) if target else set()
        tp = len(fl & lab)
        prec = tp / len(fl) if fl and target else None
        rec = tp / len(lab) if lab else None
        lab_a = lab & active
        rec_a = len(fl & lab_a) / len(lab_a) if lab_a else None
        base = len(lab) / n if target else None
        f = lambda x: f"{x:.1%}" if x is not None else "-"
        hn = " ".join(f"{len(fl & hard[k]):>5} ({len(fl & hard[k]) / max(1, len(hard[k])):>5.1%})"
                      for k in sorted(hard))
        print(f"{name:30} {len(fl):>8,} {target or '-':>15} {f(prec):>9} {f(rec):>7} "
              f"{f(rec_a):>7} {f(base):>8} {hn}")
        return {"flagged": len(fl), "precision": prec, "recall": rec, "recall_active": rec_a,
                "hard": {k: len(fl & hard[k]) / max(1, len(hard[k])) for k in hard}}

    for det in sorted(set(flagged) | set(TARGET)):
        fl = flagged.get(det, set()) & stored
        results[(det, None)] = line(det, det, fl)
        rules = sorted(r for d, r in by_rule if d == det)
        if len(rules) > 1 or (rules and rules[0] != det):
            for r in rules:
                if r == det:
                    continue
                results[(det, r)] = line(f"  {r}", det, by_rule[(det, r)] & stored)
    print("(precision and recall against the target column; active: recall among the planted "
          "firms truth.csv calls active (status 0); baseline: the precision of a random flag, the "
          "target's share of all firms; hard negatives: firms flagged and their share of the "
          "kind)")

    # Goals, and what the two planted detectors miss or flag wrongly (for whoever tunes them).
    print()
    ok = True
    for det, rule, what, goal in GOALS + ALSO:
        v = results.get((det, rule), {}).get(what)
        met = v is not None and v >= goal
        is_goal = (det, rule, what, goal) in GOALS
        if is_goal:
            ok &= met
        va = results.get((det, rule), {}).get("recall_active") if what == "recall" else None
        print(f"{'goal' if is_goal else '(not a goal)'} {det}{' rule ' + rule if rule else ''} {what} >= {goal:.0%}: "
              f"{'met' if met else 'MISSED'} ({'-' if v is None else f'{v:.1%}'}"
              f"{'' if va is None else f'; {va:.1%} of the active ones'})")
    for det in TARGET:
        for k, share in results.get((det, None), {}).get("hard", {}).items():
            met = share <= HARD_MAX
            ok &= met
            print(f"goal {det} flags at most {HARD_MAX:.0%} of {k} hard negatives: "
                  f"{'met' if met else 'MISSED'} ({share:.1%})")
    addr = {u: a for u, a in con.execute("SELECT uscc, addr_key FROM enterprise")}
    for det, target in TARGET.items():
        fl = flagged.get(det, set())
        missed = labels[target] - fl
        wrong = fl - labels[target]
        if missed:
            by = collections.Counter(addr.get(u) for u in missed)
            st = collections.Counter({"0": "active", "1": "revoked", "2": "deregistered"}
                                     [truth[u]["status"]] for u in missed)
            print(f"{det}: {len(missed)} {target} firms missed (" +
                  ", ".join(f"{k} {c}" for k, c in st.most_common()) +
                  f"), at {len(by)} addresses; most: " +
                  "; ".join(f"{a} ({c})" for a, c in by.most_common(5)))
        if wrong:
            kinds = collections.Counter(truth[u].get("hard_negative") or
                                        ("cluster_address" if truth[u]["cluster_address"] == "1"
                                         else "ordinary") for u in wrong if u in truth)
            print(f"{det}: {len(wrong)} flagged firms are not {target}: " +
                  ", ".join(f"{k} {c}" for k, c in kinds.most_common()))
    print("all goals met" if ok else "some goals missed")


if __name__ == "__main__":
    main()
