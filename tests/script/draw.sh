#!/usr/bin/env bash
# The draw (docs/draw.md) on a real synthetic city: an independent Python re-implementation
# (tests/script/draw_python.py, hashlib only) recomputes it byte for byte; the same seed gives the
# same draw, another seed another; targeted counts per level are the documented rounding of the
# ratios; draw verify exits 0 on the recorded draw and 1 on a tampered drawn firm (its inspection
# row) or frozen list (its plan_list block, rewritten by tests/script/plan_list.py).
set -euo pipefail
crisk=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 1500 --seed 7 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" tag --db "$db" > /dev/null
cat > "$tmp/plan.yaml" <<'YAML'
name: 测试年度计划
year: 2026
ratios: {A: 5%, B: 15%, C: 30%, D: 50%}
random_share: 10%
YAML
"$crisk" plan --db "$db" --file "$tmp/plan.yaml" --today 2026-01-05 --json > "$tmp/plan.json"
plan=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plan"])' "$tmp/plan.json")
draw_of() { "$crisk" draw --db "$db" --plan "$plan" --seed "$1" --today 2026-01-06 --json "${@:2}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["draw"])'; }
# A draw backdated before its plan's day is refused.
set +e; "$crisk" draw --db "$db" --plan "$plan" --seed x --today 2026-01-04 > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q 'before plan' "$tmp/err" || { echo "a backdated draw exited $rc: $(cat "$tmp/err")"; exit 1; }
d1=$(draw_of "2026-01-06 双色球 03 11 17 22 28 31 + 09")
# One draw per plan: a second draw is refused; --redraw needs --reason and --by.
set +e; "$crisk" draw --db "$db" --plan "$plan" --seed y --today 2026-01-06 > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q 'already drawn' "$tmp/err" || { echo "a second draw exited $rc: $(cat "$tmp/err")"; exit 1; }
set +e; "$crisk" draw --db "$db" --plan "$plan" --seed y --redraw --by u1 > /dev/null 2>&1; rc=$?; set -e
[ $rc = 2 ] || { echo "--redraw without --reason exited $rc"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM draw WHERE plan=$plan")" = 1 ] || { echo "a refused draw was recorded"; exit 1; }
d2=$(draw_of "2026-01-06 双色球 03 11 17 22 28 31 + 09" --redraw --reason "the lottery result was misread" --by 张三)
[ "$(sqlite3 "$db" "SELECT void_by || '|' || void_reason FROM draw WHERE id=$d1")" = "张三|the lottery result was misread" ] \
  || { echo "draw $d1 not marked void"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM inspection WHERE draw=$d1 AND cancelled=0")" = 0 ] \
  || { echo "the void draw's inspections were not cancelled"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM inspection WHERE draw=$d2 AND cancelled=1")" = 0 ] \
  || { echo "the standing draw's inspections were cancelled"; exit 1; }
vi=$(sqlite3 "$db" "SELECT min(id) FROM inspection WHERE draw=$d1")
set +e; "$crisk" inspect --db "$db" --inspection "$vi" --result 1 --by u1 --date 2026-01-07 > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q 'voided' "$tmp/err" || { echo "a result on a void draw exited $rc: $(cat "$tmp/err")"; exit 1; }
d3=$(draw_of "another seed" --redraw --reason "test of another seed" --by 李四)
firms() { "$crisk" draw --db "$db" --draw "$1" --csv | tail -n +2 | cut -d, -f1-3; }
firms "$d1" > "$tmp/d1"; firms "$d2" > "$tmp/d2"; firms "$d3" > "$tmp/d3"
[ -s "$tmp/d1" ] || { echo "an empty draw"; exit 1; }
cmp "$tmp/d1" "$tmp/d2" || { echo "the same seed gave another draw"; exit 1; }
if cmp -s "$tmp/d1" "$tmp/d3"; then echo "another seed gave the same draw"; exit 1; fi
for d in "$d1" "$d3"; do
  python3 "$here/draw_python.py" "$db" "$d" > "$tmp/py"
  firms "$d" > "$tmp/c"
  cmp "$tmp/py" "$tmp/c" || { echo "draw $d: the Python re-implementation disagrees"; diff "$tmp/py" "$tmp/c" | head; exit 1; }
done
# Targeted per level: round half up of 90 % x ratio x pool size (the list decoded by plan_list.py).
python3 "$here/plan_list.py" "$db" "$plan" > "$tmp/list"
for L in A:500 B:1500 C:3000 D:5000; do
  lv=${L%%:*}; bp=${L##*:}
  n=$(grep -c ",$lv,pool," "$tmp/list" || true)
  want=$(( (bp * n * 9000 + 50000000) / 100000000 ))
  got=$(grep -c ",$lv,targeted\$" "$tmp/d1" || true)
  [ "$got" = "$want" ] || { echo "level $lv: $got targeted, want $want of $n"; exit 1; }
done
# Every triggered firm of the list is in the draw; no exempt one is.
trig=$(grep -c ',triggered,' "$tmp/list" || true)
[ "$(grep -c ',triggered$' "$tmp/d1" || true)" = "$trig" ] || { echo "triggered firms missing"; exit 1; }
grep ',exempt_' "$tmp/list" | cut -d, -f1 | sort > "$tmp/ex"
[ -z "$(cut -d, -f1 "$tmp/d1" | sort | comm -12 - "$tmp/ex")" ] || { echo "an exempt firm was drawn"; exit 1; }
# verify: 0 as recorded; 1 after tampering with a drawn firm, a removed one, or the frozen list.
"$crisk" draw verify --db "$db" --draw "$d1" > /dev/null || { echo "verify failed on a true draw"; exit 1; }
cp "$db" "$tmp/t.db"
sqlite3 "$tmp/t.db" "UPDATE inspection SET arm='random' WHERE draw=$d1 AND subject=(SELECT subject FROM draw_firm WHERE draw=$d1 AND arm='targeted' ORDER BY key LIMIT 1)"
set +e; "$crisk" draw verify --db "$tmp/t.db" --draw "$d1" > "$tmp/out"; rc=$?; set -e
[ $rc = 1 ] || { echo "verify of a tampered arm exited $rc"; cat "$tmp/out"; exit 1; }
cp "$db" "$tmp/t.db"
sqlite3 "$tmp/t.db" "DELETE FROM inspection WHERE draw=$d1 AND subject=(SELECT subject FROM draw_firm WHERE draw=$d1 ORDER BY key DESC LIMIT 1)"
set +e; "$crisk" draw verify --db "$tmp/t.db" --draw "$d1" > /dev/null; rc=$?; set -e
[ $rc = 1 ] || { echo "verify of a removed firm exited $rc"; exit 1; }
cp "$db" "$tmp/t.db"
python3 "$here/plan_list.py" "$tmp/t.db" "$plan" --set-level "$(grep -m1 ',A,' "$tmp/list" | cut -d, -f1)" D
set +e; "$crisk" draw verify --db "$tmp/t.db" --draw "$d1" > "$tmp/out"; rc=$?; set -e
[ $rc = 1 ] || { echo "verify of a tampered eligible list exited $rc"; exit 1; }
grep -q "hash" "$tmp/out" || { echo "verify does not say the list changed: $(cat "$tmp/out")"; exit 1; }
# A block cut short or of another format cannot be read: verify says so (exit 1), a draw stops
# (exit 3, bad input: the store's data, as docs/store.md says).
# (and counts of firms or streets beyond the block's bytes: refused before any allocation)
for bad in "list=substr(list, 1, 100)" "format=2" "list=CAST('CRPLIST9' AS BLOB) || substr(list, 9)" \
           "list=substr(list, 1, 12) || X'F0FFFFFF' || substr(list, 17)" \
           "list=substr(list, 1, 8) || X'F0FFFF0F' || substr(list, 13)" \
           "list=substr(list, 1, 16) || CAST('Z' AS BLOB) || substr(list, 18)"; do
  cp "$db" "$tmp/c.db"
  sqlite3 "$tmp/c.db" "UPDATE plan_list SET $bad WHERE plan=$plan"
  set +e; "$crisk" draw verify --db "$tmp/c.db" --draw "$d1" > "$tmp/out"; rc=$?; set -e
  [ $rc = 1 ] && grep -q "eligible list cannot be read" "$tmp/out" \
    || { echo "verify of a plan_list block with $bad exited $rc: $(cat "$tmp/out")"; exit 1; }
  set +e; "$crisk" draw --db "$tmp/c.db" --plan "$plan" --seed z --today 2026-01-07 --redraw --reason r --by u > /dev/null 2> "$tmp/err"; rc=$?; set -e
  [ $rc = 3 ] && grep -q "cannot be read" "$tmp/err" || { echo "a draw from a bad block ($bad) exited $rc, want 3 (docs/store.md): $(cat "$tmp/err")"; exit 1; }
done
# ... and a draw from the tampered list is refused.
set +e; "$crisk" draw --db "$tmp/t.db" --plan "$plan" --seed x > /dev/null 2>&1; rc=$?; set -e
[ $rc != 0 ] || { echo "a draw from a tampered list was made"; exit 1; }
# Unknown ids and bad seeds.
set +e; "$crisk" draw verify --db "$db" --draw 999 > /dev/null 2>&1; rc=$?; set -e
[ $rc != 0 ] && [ $rc != 1 ] || { echo "verify of an unknown draw exited $rc"; exit 1; }
set +e; "$crisk" draw --db "$db" --plan "$plan" --seed $'a\tb' > /dev/null 2>&1; rc=$?; set -e
[ $rc = 3 ] || { echo "a seed with a control character exited $rc"; exit 1; }
# Seeds a reader cannot read back as typed (docs/draw.md "The seed"): refused with the reason.
seedfail() { # seed regex
  set +e; "$crisk" draw --db "$db" --plan "$plan" --seed "$1" --today 2026-01-07 --redraw --reason r --by u1 > /dev/null 2> "$tmp/err"; local rc=$?; set -e
  [ $rc = 3 ] && grep -Eq "$2" "$tmp/err" || { echo "seed '$1': exit $rc: $(cat "$tmp/err")"; exit 1; }
}
seedfail "abc " "ends with a space"
seedfail " abc" "begins with a space"
seedfail $'abc\u3000' "U\\+3000, a space other than the ASCII space, at character 4 \\(byte 4\\)"
seedfail $'ab\u0085c' "U\\+0085, a control character, at character 3"
seedfail $'ab\u202ec' "U\\+202E, an invisible format character"
seedfail $'ab\u2067c' "U\\+2067, an invisible format character"
seedfail $'ab\u200bc' "U\\+200B, an invisible format character"
seedfail $'ab\ufeffc' "U\\+FEFF, an invisible format character"
# what the old check let through: separators, variation selectors, tags, the grapheme joiner,
# fillers; each named with its code point and where it is (characters, then bytes)
seedfail $'上证\u2028x' "U\\+2028, a line or paragraph separator, at character 3 \\(byte 7\\)"
seedfail $'ab\u2029' "U\\+2029, a line or paragraph separator, at character 3"
seedfail $'a\u2764\ufe0fb' "U\\+FE0F, a variation selector, at character 3 \\(byte 5\\)"
seedfail $'a\U000E0100' "U\\+E0100, a variation selector, at character 2"
seedfail $'a\U000E0041b' "U\\+E0041, a tag character, at character 2"
seedfail $'a\U000E0001' "U\\+E0001, a tag character"
seedfail $'a\u034fb' "U\\+034F, the combining grapheme joiner, at character 2"
seedfail $'a\u180bb' "U\\+180B, a variation selector"
seedfail $'a\u3164b' "U\\+3164, an invisible \\(default-ignorable\\) character"
seedfail $'a\u00a0b' "U\\+00A0, a space other than the ASCII space"
seedfail $'a\u2060b' "U\\+2060, an invisible format character"
seedfail $'a\U0001D173b' "U\\+1D173, an invisible format character"
seedfail $'\uff10\uff13 \uff11\uff11' "NFKC"
seedfail "$(printf 'x%.0s' $(seq 201))" "too long"
set +e; "$crisk" draw --db "$db" --plan "$plan" --seed ok --today 2026-01-07 --redraw --reason "r " --by u1 > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q -- "--reason: it ends with a space" "$tmp/err" || { echo "a reason ending in a space: $rc $(cat "$tmp/err")"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM draw WHERE plan=$plan")" = 3 ] || { echo "a refused seed made a draw"; exit 1; }
# verify also re-hashes the plan's stored text, and checks the draw's day against the plan's.
cp "$db" "$tmp/t.db"
sqlite3 "$tmp/t.db" "UPDATE plan SET text=replace(text, '50%', '60%') WHERE id=$plan"
set +e; "$crisk" draw verify --db "$tmp/t.db" --draw "$d1" --json > "$tmp/out"; rc=$?; set -e
[ $rc = 1 ] && grep -q '"plan_text_intact": *false' "$tmp/out" && grep -q "text was changed" "$tmp/out" \
  || { echo "verify of a changed plan text exited $rc: $(cat "$tmp/out")"; exit 1; }
# ... and re-derives the plan's settings from that text: a recorded ratio, random share, mode or
# exemption window that the text does not give is named (the near miss: the true settings match,
# checked by the verify above and settings_intact).
"$crisk" draw verify --db "$db" --draw "$d1" --json | grep '"settings_intact": *true' > /dev/null \
  || { echo "verify does not find the true settings intact"; exit 1; }
for change in "ratios_bp.D:6000:ratios_bp" "random_bp:2000:random_bp" "mode.B:'off-site':mode" \
              "recent_days:30:recent_days" "tolerance_years:5:tolerance_years" "complaint_days:9:complaint_days"; do
  path=${change%%:*}; rest=${change#*:}; value=${rest%%:*}; key=${rest##*:}
  cp "$db" "$tmp/t.db"
  sqlite3 "$tmp/t.db" "UPDATE plan SET settings=json_set(settings, '\$.$path', $value) WHERE id=$plan"
  set +e; "$crisk" draw verify --db "$tmp/t.db" --draw "$d1" --json > "$tmp/out"; rc=$?; set -e
  [ $rc = 1 ] && grep -q '"settings_intact": *false' "$tmp/out" && grep -q "setting $key is" "$tmp/out" \
    || { echo "verify of a changed setting $path exited $rc: $(cat "$tmp/out")"; exit 1; }
done
cp "$db" "$tmp/t.db"
sqlite3 "$tmp/t.db" "UPDATE plan SET settings=json_remove(settings, '\$.random_bp') WHERE id=$plan"
set +e; "$crisk" draw verify --db "$tmp/t.db" --draw "$d1" > "$tmp/out"; rc=$?; set -e
[ $rc = 1 ] && grep -q "setting random_bp is (missing)" "$tmp/out" \
  || { echo "verify of a removed setting exited $rc: $(cat "$tmp/out")"; exit 1; }
cp "$db" "$tmp/t.db"
sqlite3 "$tmp/t.db" "UPDATE draw SET day=day-2 WHERE id=$d1"
set +e; "$crisk" draw verify --db "$tmp/t.db" --draw "$d1" > "$tmp/out"; rc=$?; set -e
[ $rc = 1 ] && grep -q "day 2026-01-04 is before plan $plan's day 2026-01-05" "$tmp/out" \
  || { echo "verify of a backdated draw exited $rc: $(cat "$tmp/out")"; exit 1; }
cp "$db" "$tmp/t.db"
sqlite3 "$tmp/t.db" "UPDATE draw SET day=day-1 WHERE id=$d1"
"$crisk" draw verify --db "$tmp/t.db" --draw "$d1" > /dev/null || { echo "verify of a draw on its plan's day failed"; exit 1; }
# A list large enough for the draw to split its digests over threads (16,384 firms a thread),
# with department keys of 62 bytes (a key is never cut): the plan's list copied 40 times under
# new keys, its hash recomputed by python; the Python re-implementation must still agree.
sqlite3 "$db" "
  INSERT INTO plan(name, year, batch, routine, text, hash, settings, run, day, created, eligible, eligible_hash, counts)
    SELECT 'big', year, batch, 0, text, hash, settings, run, day, created, 0, '', '{}' FROM plan WHERE id=$plan;"
big=$(sqlite3 "$db" "SELECT max(id) FROM plan")
python3 - "$db" "$plan" "$big" "$here" <<'PY'
import hashlib, sqlite3, sys
sys.path.insert(0, sys.argv[4])
import plan_list
db = sqlite3.connect(sys.argv[1]); plan, big = int(sys.argv[2]), int(sys.argv[3])
rows = [(f"DEPT-KEY-{i:02d}-{k}-0123456789abcdefghijklmnopqrstu", l, c, st, 10_000_000 + j * 100 + i)
        for k, l, c, st, j in plan_list.read(db, plan) for i in range(40)]
db.executemany("INSERT INTO subject(id, key) VALUES(?, ?)", [(r[4], r[0]) for r in rows])
rows.sort(key=lambda r: r[0].encode())
plan_list.write(db, big, rows)
h = hashlib.sha256("".join(f"{k},{l},{c}\n" for k, l, c, _, _ in rows).encode()).hexdigest()
db.execute("UPDATE plan SET eligible=?, eligible_hash=? WHERE id=?", (len(rows), h, big)); db.commit()
PY
[ "$(python3 "$here/plan_list.py" "$db" "$big" | grep -c ',pool,')" -gt 40000 ] \
  || { echo "the big list is too small to need threads"; exit 1; }
plan_=$plan; plan=$big
d4=$(draw_of "big list")
plan=$plan_
python3 "$here/draw_python.py" "$db" "$d4" > "$tmp/py"
firms "$d4" > "$tmp/c"
[ "$(wc -l < "$tmp/c")" -gt 10000 ] || { echo "the big draw is too small"; exit 1; }
awk -F, 'length($1) != 62 { bad = 1 } END { exit bad }' "$tmp/c" || { echo "a long key was cut"; exit 1; }
cmp "$tmp/py" "$tmp/c" || { echo "big list: the Python re-implementation disagrees"; diff "$tmp/py" "$tmp/c" | head; exit 1; }
"$crisk" draw verify --db "$db" --draw "$d4" > /dev/null || { echo "verify failed on the big draw"; exit 1; }
echo "draw: python re-implementation agrees; same seed same, verify catches tampering"
