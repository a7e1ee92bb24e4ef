#!/usr/bin/env bash
# A store of schema version 2 (events one row each) opens as the current version (5): its events move into
# blocks in their order, unchanged, and reach the postings (version 3); it gains the table of
# the models runs used (version 4).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/v2.db
# The version 2 tables the events depend on, as crisk wrote them.
sqlite3 "$db" <<'SQL'
CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE department(code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE topic(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, department TEXT NOT NULL, kind TEXT NOT NULL);
CREATE TABLE feed_file(id INTEGER PRIMARY KEY, path TEXT NOT NULL, topic INTEGER NOT NULL, size INTEGER NOT NULL, hash INTEGER NOT NULL, state TEXT NOT NULL CHECK(state IN ('partial','done')), next_offset INTEGER NOT NULL, next_line INTEGER NOT NULL, n_read INTEGER NOT NULL, n_loaded INTEGER NOT NULL, n_duplicate INTEGER NOT NULL, n_quarantined INTEGER NOT NULL, started TEXT, finished TEXT, UNIQUE(path, hash));
CREATE TABLE subject(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE TABLE enterprise(subject INTEGER PRIMARY KEY REFERENCES subject(id), topic INTEGER NOT NULL, uscc TEXT, name TEXT NOT NULL, type TEXT, industry TEXT, capital_fen INTEGER, established INTEGER, status TEXT, address TEXT, addr_key TEXT, district TEXT, street TEXT, grid TEXT, lon REAL, lat REAL, h INTEGER NOT NULL);
CREATE TABLE person(id INTEGER PRIMARY KEY, idhash BLOB NOT NULL UNIQUE, name TEXT);
CREATE TABLE role(subject INTEGER NOT NULL, person INTEGER NOT NULL, role TEXT NOT NULL, start_day INTEGER, topic INTEGER NOT NULL, h INTEGER NOT NULL);
CREATE TABLE event(subject INTEGER NOT NULL, topic INTEGER NOT NULL, day INTEGER NOT NULL, amount_fen INTEGER, attrs TEXT, h INTEGER NOT NULL);
CREATE TABLE quarantine(id INTEGER PRIMARY KEY, file INTEGER NOT NULL, topic INTEGER, line INTEGER NOT NULL, reason TEXT NOT NULL, detail TEXT, raw BLOB, state TEXT NOT NULL DEFAULT 'open' CHECK(state IN ('open','resolved')), resolved_at TEXT);
CREATE INDEX quarantine_by_reason ON quarantine(state, reason);
CREATE TABLE run(id INTEGER PRIMARY KEY, model_id TEXT NOT NULL, model_version INTEGER NOT NULL, model_hash TEXT NOT NULL, as_of INTEGER NOT NULL, created TEXT NOT NULL, enterprises INTEGER NOT NULL, events INTEGER NOT NULL, seconds REAL, levels TEXT NOT NULL);
CREATE TABLE run_score(run INTEGER NOT NULL, subject INTEGER NOT NULL, score REAL NOT NULL, level TEXT NOT NULL, veto TEXT, aspects TEXT NOT NULL, top TEXT NOT NULL, PRIMARY KEY(run, subject)) WITHOUT ROWID;
CREATE TABLE level_change(run INTEGER NOT NULL, subject INTEGER NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL);
CREATE TABLE enterprise_tag(run INTEGER NOT NULL, subject INTEGER NOT NULL, tag TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY(run, subject, tag)) WITHOUT ROWID;
INSERT INTO meta VALUES('salt', randomblob(32)), ('generation', 7);
INSERT INTO department VALUES('D1', '市场监管局');
INSERT INTO topic VALUES(1, 'T1', '行政处罚', 'D1', 'penalty'), (2, 'T2', '投诉', 'D1', 'complaint');
INSERT INTO subject VALUES(1, '91440101MA5CJQ4N59'), (2, 'x:7');
INSERT INTO event VALUES(1, 1, 19000, 500000, '{"result":"罚款, 警告"}', 11), (2, 2, 19001, NULL, NULL, 12),
                        (1, 2, 19002, -100, '{}', 13), (1, 1, 19003, 0, NULL, 14);
CREATE INDEX event_by_subject ON event(subject, day);
PRAGMA user_version=2;
SQL
# A writer upgrades the store (the reading verbs open it read-only and refuse an old schema):
# a retry of its empty quarantine, with a catalog of the topics it holds.
printf 'catalog: v2\ndepartments:\n  - {code: D1, name: 市场监管局}\ntopics:\n  - {code: T1, name: 行政处罚, department: D1, kind: penalty, files: [t1.csv], key: k, fields: {date: d}}\n  - {code: T2, name: 投诉, department: D1, kind: complaint, files: [t2.csv], key: k, fields: {date: d}}\n' > "$tmp/v2.yaml"
"$crisk" events --db "$db" --csv > /dev/null 2>&1 && { echo "migrate: a reader opened a version 2 store"; exit 1; }
"$crisk" quarantine --db "$db" --retry --catalog "$tmp/v2.yaml" > /dev/null
"$crisk" events --db "$db" --csv > "$tmp/all.csv"
cat > "$tmp/want.csv" <<'CSV'
subject,key,topic,day,date,amount_fen,attrs
1,91440101MA5CJQ4N59,T1,19000,2022-01-08,500000,"{""result"":""罚款, 警告""}"
2,x:7,T2,19001,2022-01-09,,
1,91440101MA5CJQ4N59,T2,19002,2022-01-10,-100,{}
1,91440101MA5CJQ4N59,T1,19003,2022-01-11,0,
CSV
diff -u "$tmp/want.csv" "$tmp/all.csv" || { echo "migrate: events changed on the way"; exit 1; }
[ "$(sqlite3 "$db" 'PRAGMA user_version')" = 6 ] || { echo "migrate: schema not at version 6"; exit 1; }
sqlite3 "$db" "SELECT delivered FROM quarantine LIMIT 0" || { echo "migrate: no quarantine.delivered (version 6)"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM model")" = 0 ] || { echo "migrate: no empty model table (version 4)"; exit 1; }
sqlite3 "$db" "SELECT attrs FROM enterprise LIMIT 0" || { echo "migrate: no enterprise.attrs (version 4)"; exit 1; }
sqlite3 "$db" ".schema feed_file" | grep >/dev/null 'UNIQUE(topic, path, hash)' || { echo "migrate: feed_file not recorded per topic (version 4)"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'event'")" = 0 ] || { echo "migrate: old table kept"; exit 1; }
# The postings reach them: one enterprise's events through its posting.
"$crisk" events --db "$db" --key 91440101MA5CJQ4N59 --csv > "$tmp/one.csv"
grep -v '^2,' "$tmp/all.csv" | diff -u - "$tmp/one.csv" || { echo "migrate: posting lookup differs"; exit 1; }
[ "$(sqlite3 "$db" "SELECT v FROM meta WHERE k = 'posting_upto'")" = "$(sqlite3 "$db" 'SELECT max(id) FROM event_block')" ] \
  || { echo "migrate: postings not built"; exit 1; }
# Attributes of some kinds only: the penalty's are left out, the complaint's kept.
"$crisk" events --db "$db" --csv --attrs-of complaint,other > "$tmp/some.csv"
[ "$(sed -n 2p "$tmp/some.csv")" = "1,91440101MA5CJQ4N59,T1,19000,2022-01-08,500000," ] \
  && [ "$(sed -n 4p "$tmp/some.csv")" = "1,91440101MA5CJQ4N59,T2,19002,2022-01-10,-100,{}" ] \
  || { echo "migrate: --attrs-of kept the wrong attributes"; cat "$tmp/some.csv"; exit 1; }
# A version 3 store (what the version 2 store became, less the model table) opens as version 6.
# The tables of version 5 (every stage's: those the version 2 store does not have) go too.
v5=$(sqlite3 "$db" "SELECT group_concat('DROP TABLE ' || name || ';', ' ') FROM sqlite_master WHERE type = 'table'
  AND name NOT IN ('meta','department','topic','feed_file','subject','enterprise','person','role','quarantine',
  'run','run_score','level_change','enterprise_tag','event_block','event_posting','model')")
sqlite3 "$db" "$v5 DROP TABLE model; ALTER TABLE enterprise DROP COLUMN attrs; ALTER TABLE quarantine DROP COLUMN delivered; PRAGMA user_version=3"
"$crisk" events --db "$db" --csv > /dev/null 2>&1 && { echo "migrate: a reader opened a version 3 store"; exit 1; }
"$crisk" quarantine --db "$db" --retry --catalog "$tmp/v2.yaml" > /dev/null
"$crisk" events --db "$db" --csv | diff -u "$tmp/all.csv" - || { echo "migrate: 3 -> 5 changed the events"; exit 1; }
[ "$(sqlite3 "$db" 'PRAGMA user_version')" = 6 ] && [ "$(sqlite3 "$db" "SELECT count(*) FROM model")" = 0 ] \
  || { echo "migrate: a version 3 store did not reach version 6"; exit 1; }
# A version 5 store gains quarantine.delivered; its rows stay as they were.
sqlite3 "$db" "INSERT INTO quarantine(file, topic, line, reason, detail, raw, state) VALUES(1, 1, 9, 'bad_date', 'x', CAST('k,x' AS BLOB), 'resolved');
  ALTER TABLE quarantine DROP COLUMN delivered; PRAGMA user_version=5"
"$crisk" events --db "$db" --csv > /dev/null 2>&1 && { echo "migrate: a reader opened a version 5 store"; exit 1; }
"$crisk" quarantine --db "$db" --retry --catalog "$tmp/v2.yaml" > /dev/null
[ "$(sqlite3 "$db" "PRAGMA user_version; SELECT count(*) FROM quarantine WHERE raw = CAST('k,x' AS BLOB) AND delivered IS NULL")" = "6
1" ] || { echo "migrate: a version 5 store did not reach version 6 with its quarantine"; exit 1; }
echo "migrate: a version 2 store's 4 events moved into blocks unchanged, postings built; 3 -> 6 adds the models and enterprise.attrs; 5 -> 6 quarantine.delivered"
