#!/usr/bin/env bash
# The web UI's two message tables (web/i18n.js): zh and en have the same keys, no empty
# message, the same {n} placeholders in both languages; every key the pages ask for with a
# literal t('…') exists, and every prefix they build keys from (t('level.' + l)) has keys.
set -euo pipefail
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v node >/dev/null || { echo "web_i18n: FAIL: node is missing: run scripts/setup.sh" >&2; exit 1; }
node --input-type=module - "$src/web" <<'JS'
import { readFileSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const dir = process.argv[2];
// i18n.js reads the saved choice and sets <html lang> when it loads.
globalThis.localStorage = { getItem: () => null, setItem: () => {} };
globalThis.document = { documentElement: {} };
const { messages, t, setLang } = await import(pathToFileURL(dir + '/i18n.js').href);
const bad = [];
const zh = Object.keys(messages.zh), en = Object.keys(messages.en);
for (const k of zh) if (!(k in messages.en)) bad.push('en lacks ' + k);
for (const k of en) if (!(k in messages.zh)) bad.push('zh lacks ' + k);
const ph = (s) => (s.match(/\{\d+\}/g) || []).sort().join();
for (const k of zh) {
  if (!messages.zh[k] || (k in messages.en && !messages.en[k])) bad.push('empty message ' + k);
  if (k in messages.en && ph(messages.zh[k]) !== ph(messages.en[k])) bad.push('placeholders differ in ' + k);
}
let literal = 0, prefixes = 0;
for (const f of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
  const text = readFileSync(dir + '/' + f, 'utf8');
  for (const m of text.matchAll(/\bt\('([A-Za-z0-9_.]+)'\s*([,)+])/g)) {
    if (m[2] === '+') {
      prefixes++;
      if (!zh.some((k) => k.startsWith(m[1]))) bad.push(f + ': no key starts with ' + m[1]);
    } else {
      literal++;
      if (!(m[1] in messages.zh)) bad.push(f + ': no message ' + m[1]);
    }
  }
}
// Placeholders are filled; an unknown key comes back as itself (pages fall back on it).
setLang('en');
if (t('search.count', 7) !== '7 enterprises found (in your jurisdiction only)') bad.push('en placeholder: ' + t('search.count', 7));
setLang('zh');
if (t('common.showing', 1, 2, 3) !== '第 1–2 条，共 3 条') bad.push('zh placeholders: ' + t('common.showing', 1, 2, 3));
if (t('no.such.key') !== 'no.such.key') bad.push('an unknown key is not returned as itself');
if (literal < 100 || prefixes < 10) bad.push(`only ${literal} keys and ${prefixes} prefixes found in the pages: the scan is broken`);
if (bad.length) {
  console.log('web_i18n: FAIL:\n  ' + bad.join('\n  '));
  process.exit(1);
}
console.log(`web_i18n: ${zh.length} messages in zh and en, ${literal} literal keys and ${prefixes} key prefixes of the pages found`);
JS
# The districts' English names (data/divisions/guangzhou_districts_en.csv): every district of
# guangzhou_districts.csv once, with the same Chinese name, and an English name in ASCII
# letters ending " District".
python3 - "$src/data/divisions" <<'PY'
import csv, sys
d = sys.argv[1]
zh = {r["code"]: r["name"] for r in csv.DictReader(open(d + "/guangzhou_districts.csv", encoding="utf-8"))}
rows = list(csv.DictReader(open(d + "/guangzhou_districts_en.csv", encoding="utf-8")))
bad = []
codes = [r["code"] for r in rows]
if sorted(codes) != sorted(zh) or len(set(codes)) != len(codes):
    bad.append("codes differ from guangzhou_districts.csv: %s" % codes)
for r in rows:
    if zh.get(r["code"]) != r["name"]:
        bad.append("%s: %s, guangzhou_districts.csv says %s" % (r["code"], r["name"], zh.get(r["code"])))
    en = r["name_en"]
    if not (en.isascii() and en.endswith(" District") and en[:-9].isalpha() and en[0].isupper()):
        bad.append("%s: not an English district name: %r" % (r["code"], en))
if bad:
    print("web_i18n: FAIL:\n  " + "\n  ".join(bad))
    sys.exit(1)
print("web_i18n: %d districts with English names" % len(rows))
PY
