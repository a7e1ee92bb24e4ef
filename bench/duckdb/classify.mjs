// The gz-2021 indicators in SQL, run by DuckDB on the same rows crisk classifies, so that
// bench/classify.sh can time both engines in one run and check that they agree.
// Usage: node classify.mjs DIR MODEL.json AS_OF_DAY [RUNS]
//   DIR holds enterprise.csv, event.csv (crisk events --csv), topic.csv, role.csv and crisk.csv
//   (crisk's scores), exported from the store by bench/classify.sh. Prints one JSON object: the
//   load time (CSV -> DuckDB's native tables), the compute time of each of RUNS runs of the query
//   (default 3) and the agreement with crisk. Any error exits non-zero.
//
// Written as a DuckDB user who knows the engine would write it:
// - every CSV read is declared (delimiter, quote, escape, header, column names and types; no
//   sniffing), so a new seed cannot change how a file is parsed;
// - the data is loaded into native tables first (timed apart from the compute): event kinds and
//   roles dictionary-encoded as small integers, the model's event flags evaluated once while
//   loading (JSON extension), the topic join done at load, not per query;
// - the event indicators and vetoes are one scan of the events: a GROUP BY (subject, topic) into a
//   few partial aggregates, then one GROUP BY subject with a FILTER clause per indicator (PLAN=flat:
//   the FILTERs straight on the events); the graph indicators are two scans of the role table
//   (per person, then per subject, every role and flag at once), not one query per indicator;
// - DuckDB's own threads: PRAGMA threads = the machine's cores (or $DUCKDB_THREADS).
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const [dir, modelPath, asOfArg, runsArg] = process.argv.slice(2);
if (!dir || !modelPath || !asOfArg) {
  console.error('usage: node classify.mjs DIR MODEL.json AS_OF_DAY [RUNS]');
  process.exit(2);
}
const model = JSON.parse(readFileSync(modelPath, 'utf8'));
const asOf = Number(asOfArg);
const runs = Number(runsArg || 3);
if (!Number.isInteger(asOf) || !Number.isInteger(runs) || runs < 1) {
  console.error(`classify.mjs: bad AS_OF_DAY '${asOfArg}' or RUNS '${runsArg}'`);
  process.exit(2);
}
const threads = Number(process.env.DUCKDB_THREADS || availableParallelism());
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const num = (x) => (x >= 1e300 ? "'inf'::DOUBLE" : x <= -1e300 ? "'-inf'::DOUBLE" : String(x));

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(`PRAGMA threads = ${threads}`);
await con.run(`SET preserve_insertion_order = false`);

// A declared CSV read: nothing is sniffed.
const csv = (file, header, cols) =>
  `read_csv(${q(`${dir}/${file}`)}, auto_detect = false, header = ${header}, delim = ',', quote = '"', ` +
  `escape = '"', new_line = '\\n', nullstr = '', columns = {${Object.entries(cols).map(([c, t]) => `${q(c)}: ${q(t)}`).join(', ')}})`;

// ---- load (timed) ----
const t0 = performance.now(), c0 = process.cpuUsage();
await con.run(`CREATE TABLE topic_raw AS SELECT * FROM ${csv('topic.csv', false, { id: 'INTEGER', kind: 'VARCHAR', code: 'VARCHAR' })}`);
await con.run(`CREATE TABLE kind_dict AS SELECT (row_number() OVER (ORDER BY kind))::UTINYINT AS kid, kind FROM (SELECT DISTINCT kind FROM topic_raw)`);
await con.run(`CREATE TABLE topic AS SELECT t.id::USMALLINT AS id, k.kid, t.code FROM topic_raw t JOIN kind_dict k USING (kind)`);
await con.run(`CREATE TABLE enterprise AS SELECT * FROM ${csv('enterprise.csv', false, {
  subject: 'INTEGER', industry: 'VARCHAR', type: 'VARCHAR', status: 'VARCHAR', established: 'INTEGER', capital_fen: 'BIGINT', addr_key: 'VARCHAR' })}`);
// event.csv is `crisk events --csv`: topics by code, attributes as JSON text for the kinds the
// model's flags read. The flags become one bit each here, once.
const kid = Object.fromEntries((await con.runAndReadAll('SELECT kind, kid FROM kind_dict')).getRows().map(([k, i]) => [k, Number(i)]));
const kindsIn = (ks, col = 'kid') => {
  const ids = [...new Set(ks.filter((k) => k in kid).map((k) => kid[k]))];
  return ids.length ? `${col} IN (${ids.join(',')})` : 'false';
};
const attr = (name) => `nullif(json_extract_string(e.attrs, ${q(`$."${name.replace(/"/g, '\\"')}"`)}), '')`;
const flagSql = model.flags.length
  ? model.flags.map((f, k) => `(CASE WHEN ${kindsIn(f.kinds, 't.kid')} AND ${attr(f.attr)} ${f.negate ? 'NOT IN' : 'IN'} (${f.values.map(q).join(',')}) THEN ${1 << k} ELSE 0 END)`).join(' + ')
  : '0';
await con.run(`CREATE TABLE event AS SELECT e.subject, t.kid, t.id AS topic, e.day, e.amount_fen, (${flagSql})::UTINYINT AS flags
  FROM ${csv('event.csv', true, { subject: 'INTEGER', key: 'VARCHAR', topic: 'VARCHAR', day: 'INTEGER', date: 'VARCHAR', amount_fen: 'BIGINT', attrs: 'VARCHAR' })} e
  JOIN topic t ON t.code = e.topic`);
await con.run(`CREATE TABLE role_raw AS SELECT * FROM ${csv('role.csv', false, { subject: 'INTEGER', person: 'INTEGER', role: 'VARCHAR' })}`);
await con.run(`CREATE TABLE role_dict AS SELECT (row_number() OVER (ORDER BY role))::UTINYINT AS rid, role FROM (SELECT DISTINCT role FROM role_raw)`);
await con.run(`CREATE TABLE role AS SELECT r.subject, r.person, d.rid FROM role_raw r JOIN role_dict d USING (role)`);
await con.run(`DROP TABLE role_raw; DROP TABLE topic_raw`);
const t1 = performance.now(), loadCpu = process.cpuUsage(c0);
const rid = Object.fromEntries((await con.runAndReadAll('SELECT role, rid FROM role_dict')).getRows().map(([r, i]) => [r, Number(i)]));
const roleIs = (r) => (r in rid ? `rid = ${rid[r]}` : 'false');

// ---- the query ----
// Indicators in model order, with the engine's normalised weight products.
const inds = [];
const wa = model.aspects.reduce((s, a) => s + a.weight, 0);
for (const a of model.aspects) {
  const wc = a.categories.reduce((s, c) => s + c.weight, 0);
  for (const c of a.categories) {
    const wi = c.indicators.reduce((s, i) => s + i.weight, 0);
    for (const i of c.indicators)
      inds.push({ ...i, share: (wa > 0 ? a.weight / wa : 0) * (wc > 0 ? c.weight / wc : 0) * (wi > 0 ? i.weight / wi : 0) });
  }
}
const flagBit = Object.fromEntries(model.flags.map((f, k) => [f.id, 1 << k]));
const inWindow = (w) => (w > 0 ? ` AND day > ${asOf - w}` : '');

// The event indicators: one scan of the events, in two steps of aggregation. Step one groups the
// events by (subject, topic) into the few partial aggregates the indicators need (counts, sums and
// maxima per window and flag, the last day), without any kind condition; step two groups those
// rows, about a seventh of the events, by subject with one conditional aggregate per indicator on
// the topic's kind. Conditional aggregates are CASE expressions inside the aggregate (PLAN=case,
// the default); PLAN=filter writes them as FILTER clauses, PLAN=flat as one GROUP BY subject with a
// FILTER per indicator straight on the events. Both measured slower on the 100,000 city.
const plan = process.env.PLAN || 'case';
if (!['case', 'filter', 'flat'].includes(plan)) throw new Error(`PLAN '${plan}': case, filter or flat`);
const flat = plan === 'flat', useFilter = plan !== 'case';
const parts = new Map(); // step one's columns: name -> SQL
const part = (agg, w, bit) => {
  const name = `${agg}_${w}_${bit}`;
  const cond = [w > 0 ? `day > ${asOf - w}` : '', bit ? `(flags & ${bit}) <> 0` : ''].filter(Boolean).join(' AND ');
  const f = cond ? ` FILTER (WHERE ${cond})` : '';
  const dbit = bit ? `(flags & ${bit}) <> 0` : '';
  const sqlOf = useFilter
    ? { c: `count(*)${f}`, s: `sum(amount_fen)${f}`, m: `max(amount_fen)${f}`, d: `max(day)${dbit ? ` FILTER (WHERE ${dbit})` : ''}` }
    : { c: cond ? `count(CASE WHEN ${cond} THEN 1 END)` : 'count(*)', s: `sum(${cond ? `CASE WHEN ${cond} THEN amount_fen END` : 'amount_fen'})`,
        m: `max(${cond ? `CASE WHEN ${cond} THEN amount_fen END` : 'amount_fen'})`, d: `max(${dbit ? `CASE WHEN ${dbit} THEN day END` : 'day'})` };
  if (agg === 'd') parts.set(`d_0_${bit}`, sqlOf.d); // the last day: its window is applied in step two
  else parts.set(name, sqlOf[agg]);
  return agg === 'd' ? `d_0_${bit}` : name;
};
// An event aggregate over the kinds ks in window w with flag bit, in either plan.
const evAgg = (agg, ks, w, bit) => {
  const cond = `${kindsIn(ks)}${inWindow(w)}${bit ? ` AND (flags & ${bit}) <> 0` : ''}`;
  if (flat) {
    if (agg === 'count') return `count(*) FILTER (WHERE ${cond})`;
    if (agg === 'sum') return `sum(amount_fen) FILTER (WHERE ${cond})`;
    if (agg === 'max') return `max(amount_fen) FILTER (WHERE ${cond})`;
    if (agg === 'last') return `max(day) FILTER (WHERE ${cond})`;
    if (agg === 'topics') return `count(DISTINCT topic) FILTER (WHERE ${cond})`;
  }
  const K = kindsIn(ks);
  if (!useFilter) { // conditional aggregates as CASE expressions: faster than FILTER here
    if (agg === 'count') return `coalesce(sum(CASE WHEN ${K} THEN ${part('c', w, bit)} END), 0)`;
    if (agg === 'sum') return `sum(CASE WHEN ${K} THEN ${part('s', w, bit)} END)`;
    if (agg === 'max') return `max(CASE WHEN ${K} THEN ${part('m', w, bit)} END)`;
    if (agg === 'last') { const d = part('d', w, bit); return `max(CASE WHEN ${K}${w > 0 ? ` AND ${d} > ${asOf - w}` : ''} THEN ${d} END)`; }
    if (agg === 'topics') return `count(CASE WHEN ${K} AND ${part('c', w, bit)} > 0 THEN 1 END)`;
  }
  if (agg === 'count') return `coalesce(sum(${part('c', w, bit)}) FILTER (WHERE ${K}), 0)`;
  if (agg === 'sum') return `sum(${part('s', w, bit)}) FILTER (WHERE ${K})`;
  if (agg === 'max') return `max(${part('m', w, bit)}) FILTER (WHERE ${K})`;
  if (agg === 'last') { const d = part('d', w, bit); return `max(${d}) FILTER (WHERE ${K}${w > 0 ? ` AND ${d} > ${asOf - w}` : ''})`; }
  if (agg === 'topics') return `count(*) FILTER (WHERE ${K} AND ${part('c', w, bit)} > 0)`;
  throw new Error(agg);
};

part('c', 0, 0); // every plan has step one's plain count
const aggCols = []; // one GROUP BY subject over the events (or step one's rows)
const personCols = []; // one GROUP BY person over the roles
const subjectCols = []; // one GROUP BY subject over the roles
const valueExpr = inds.map((ind, k) => {
  const col = `v${k}`;
  if (ind.input === 'events') {
    const bit = ind.flag ? flagBit[ind.flag] : 0;
    if (ind.flag && !bit) throw new Error(`indicator ${ind.id}: flag '${ind.flag}' not in the model's flags`);
    const w = ind.window_days;
    const a = ind.aggregation;
    if (a === 'count') aggCols.push(`${evAgg('count', ind.kinds, w, bit)} AS ${col}`);
    else if (a === 'sum') aggCols.push(`${evAgg('sum', ind.kinds, w, bit)} / 100.0 AS ${col}`);
    else if (a === 'max') aggCols.push(`${evAgg('max', ind.kinds, w, bit)} / 100.0 AS ${col}`);
    else if (a === 'days_since_last') aggCols.push(`${asOf} - ${evAgg('last', ind.kinds, w, bit)} AS ${col}`);
    else if (a === 'exists') aggCols.push(`(${evAgg('count', ind.kinds, w, bit)} > 0)::INT AS ${col}`);
    else if (a === 'distinct_topics') aggCols.push(`${evAgg('topics', ind.kinds, w, bit)} AS ${col}`);
    else if (a === 'ratio')
      aggCols.push(`${evAgg('count', ind.kinds, w, bit)}::DOUBLE / nullif(${evAgg('count', ind.over, w, 0)}, 0) AS ${col}`);
    else throw new Error(`indicator ${ind.id}: aggregation '${a}' not written in SQL here`);
    // A firm without any event has no agg row: its counts are 0, not missing.
    return ['count', 'sum', 'max', 'exists', 'distinct_topics'].includes(a) ? `coalesce(agg.${col}, 0)` : `agg.${col}`;
  }
  if (ind.input === 'registry') {
    if (ind.field === 'age_days') return `CASE WHEN e.established <= ${asOf} THEN ${asOf} - e.established END`;
    if (ind.field === 'capital') return `e.capital_fen / 1e6`;
    if (['industry', 'type', 'status'].includes(ind.field)) return `e.${ind.field}`; // categorical: mapped below
    throw new Error(`indicator ${ind.id}: registry field '${ind.field}' not written in SQL here`);
  }
  if (ind.input !== 'graph') throw new Error(`indicator ${ind.id}: input '${ind.input}' not written in SQL here`);
  if (ind.feature === 'firms_at_address') return `addr.n`;
  if (ind.feature === 'role_count') {
    subjectCols.push(`count(*) FILTER (WHERE ${roleIs(ind.role)}) AS ${col}`);
    return `coalesce(gs.${col}, 0)`;
  }
  if (ind.feature === 'person_firms') {
    subjectCols.push(`max(ps.n - 1) FILTER (WHERE ${roleIs(ind.role)}) AS ${col}`);
    return `gs.${col}`;
  }
  if (ind.feature === 'person_flagged_firms') {
    // The firms of a person flagged by events of the kinds in the window, the firm itself left out.
    aggCols.push(`${evAgg('count', ind.kinds, ind.window_days, 0)} > 0 AS fl${k}`);
    personCols.push(`count(DISTINCT r.subject) FILTER (WHERE a.fl${k}) AS n${k}`);
    subjectCols.push(`max(ps.n${k} - CASE WHEN a.fl${k} THEN 1 ELSE 0 END) FILTER (WHERE ${roleIs(ind.role)}) AS ${col}`);
    return `gs.${col}`;
  }
  throw new Error(`indicator ${ind.id}: graph feature '${ind.feature}' not written in SQL here`);
});

const points = inds.map((ind, k) => {
  const v = valueExpr[k];
  if (ind.map.length || (ind.input === 'registry' && ['industry', 'type', 'status'].includes(ind.field))) {
    const prefix = ind.field === 'industry';
    const arms = ind.map.map(([m, p]) => `WHEN ${prefix ? `starts_with(${v}, ${q(m)})` : `contains(${v}, ${q(m)})`} THEN ${p}`);
    return `CASE WHEN ${v} IS NULL THEN ${ind.missing} ${arms.join(' ')} ELSE ${ind.map_default} END`;
  }
  const arms = ind.bins.map(([lo, hi, p], b) => (b === ind.bins.length - 1 ? `ELSE ${p}` : `WHEN ${v} < ${num(hi)} THEN ${p}`));
  return `CASE WHEN ${v} IS NULL THEN ${ind.missing} ${arms.join(' ')} END`;
});
const score = points.map((p, k) => `${inds[k].share}::DOUBLE * (${p})::DOUBLE`).join(' + ');
const vetoes = model.vetoes.map((v) => `${evAgg('count', v.kinds, v.window_days, 0)} >= ${v.min_count}`);
aggCols.push(vetoes.length ? `(${vetoes.join(' OR ')}) AS veto` : 'false AS veto');
const vetoLevel = model.vetoes.length ? model.vetoes[0].level : 'D';
const s = model.levels.shares;
if (model.levels.method !== 'share') throw new Error(`levels by '${model.levels.method}' not written in SQL here`);
if (new Set(model.vetoes.map((v) => v.level)).size > 1) throw new Error('vetoes of different levels not written in SQL here');

const sql = `
WITH ${flat ? `agg AS (SELECT subject, ${aggCols.join(',\n  ')} FROM event WHERE day <= ${asOf} GROUP BY subject)`
  : `pre AS (SELECT subject, topic, any_value(kid) AS kid, ${[...parts].map(([n, e]) => `${e} AS ${n}`).join(', ')}
         FROM event WHERE day <= ${asOf} GROUP BY subject, topic),
agg AS (SELECT subject, ${aggCols.join(',\n  ')} FROM pre GROUP BY subject)`},
addr AS (SELECT addr_key, count(*) AS n FROM enterprise WHERE addr_key IS NOT NULL GROUP BY addr_key),
ps AS (SELECT r.person, count(DISTINCT r.subject) AS n${personCols.map((c) => ',\n  ' + c).join('')}
       FROM role r LEFT JOIN agg a USING (subject) GROUP BY r.person),
gs AS (SELECT r.subject, ${subjectCols.join(',\n  ')}
       FROM role r JOIN ps USING (person) LEFT JOIN agg a USING (subject) GROUP BY r.subject),
scored AS (
  SELECT e.subject, ${score} AS score, coalesce(agg.veto, false) AS veto
  FROM enterprise e LEFT JOIN agg USING (subject) LEFT JOIN addr USING (addr_key) LEFT JOIN gs USING (subject)
),
-- crisk's rule (docs/model.md, "Scores"): scores equal to the millionth are one score, and a group
-- of equal scores that straddles a cut-off goes wholly to the less risky side: its last position decides.
keyed AS (SELECT *, round(score * 1e6)::BIGINT AS key FROM scored),
ranked AS (SELECT *, count(*) OVER (ORDER BY key DESC) - 1 AS r, count(*) OVER () AS n FROM keyed)
SELECT subject, score,
  CASE WHEN veto THEN '${vetoLevel}'
       WHEN r < round(${s[3]} * n) THEN 'D'
       WHEN r < round(${s[3]} * n) + round(${s[2]} * n) THEN 'C'
       WHEN r < round(${s[3]} * n) + round(${s[2]} * n) + round(${s[1]} * n) THEN 'B'
       ELSE 'A' END AS level
FROM ranked`;
if (process.env.PRINT_SQL) console.error(sql);

const queryS = [], queryCpuS = [];
for (let i = 0; i < runs; i++) {
  await con.run('DROP TABLE IF EXISTS duck');
  const a = performance.now(), c = process.cpuUsage();
  await con.run(`CREATE TABLE duck AS ${sql}`);
  queryS.push((performance.now() - a) / 1000);
  const cu = process.cpuUsage(c);
  queryCpuS.push((cu.user + cu.system) / 1e6); // every thread of the process
  if (process.env.PROFILE && i === 0) { // PROFILE=FILE: DuckDB's JSON profile of the query, once more
    await con.run(`DROP TABLE duck; PRAGMA enable_profiling = 'json'; PRAGMA profiling_output = ${q(process.env.PROFILE)}`);
    await con.run(`CREATE TABLE duck AS ${sql}`);
    await con.run('PRAGMA disable_profiling');
  }
}

// ---- agreement with crisk (not timed) ----
await con.run(`CREATE TABLE crisk AS SELECT * FROM ${csv('crisk.csv', false, { subject: 'INTEGER', score: 'DOUBLE', level: 'VARCHAR' })}`);
const cmp = await con.runAndReadAll(`SELECT (SELECT count(*) FROM enterprise), (SELECT count(*) FROM crisk), (SELECT count(*) FROM duck),
  count(*), sum((d.level = c.level)::INT), max(abs(d.score - c.score)) FROM duck d JOIN crisk c USING (subject)`);
const [firms, criskRows, duckRows, n, same, maxdiff] = cmp.getRows()[0].map(Number);
const sorted = [...queryS].sort((x, y) => x - y);
console.log(JSON.stringify({ threads, events: Number((await con.runAndReadAll('SELECT count(*) FROM event')).getRows()[0][0]),
  load_s: (t1 - t0) / 1000, load_cpu_s: (loadCpu.user + loadCpu.system) / 1e6, query_s: queryS, query_median_s: sorted[Math.floor((runs - 1) / 2)], query_best_s: sorted[0], query_cpu_s: queryCpuS,
  firms, crisk_rows: criskRows, duck_rows: duckRows, compared: n, same_level: same || 0, max_score_diff: maxdiff }));
if (process.env.DEBUG_MISMATCH) {
  const r = await con.runAndReadAll(`SELECT d.subject, d.score, c.score, d.level, c.level FROM duck d JOIN crisk c USING (subject) WHERE d.level <> c.level LIMIT 5`);
  console.error(JSON.stringify(r.getRows().map((x) => x.map(String))));
}
