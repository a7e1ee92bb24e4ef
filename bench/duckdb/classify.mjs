// The gz-2021 indicators in SQL, run by DuckDB on the same rows crisk classifies, so that
// bench/classify.sh can time both engines in one run and check that they agree.
// Usage: node classify.mjs DIR MODEL.json AS_OF_DAY
//   DIR holds enterprise.csv, event.csv (crisk events --csv), topic.csv, role.csv and crisk.csv (crisk's scores),
//   exported from the store by bench/classify.sh. Prints one JSON object with timings and the
//   agreement with crisk.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const [dir, modelPath, asOfArg] = process.argv.slice(2);
const model = JSON.parse(readFileSync(modelPath, 'utf8'));
const asOf = Number(asOfArg);
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const num = (x) => (x >= 1e300 ? 'inf' : x <= -1e300 ? '-inf' : String(x));

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
const kindsIn = (ks) => `kind IN (${ks.map(q).join(',')})`;

// Per-enterprise event aggregates: one pass with FILTER clauses.
const aggCols = [];
const graphCtes = [];
const graphJoins = []; // indicator indexes with a g<k> CTE
const valueExpr = inds.map((ind, k) => {
  const col = `v${k}`;
  if (ind.input === 'events') {
    const f = ind.flag ? ` AND (flags & ${flagBit[ind.flag]}) <> 0` : '';
    const cond = `${kindsIn(ind.kinds)}${inWindow(ind.window_days)}${f}`;
    const a = ind.aggregation;
    if (a === 'count') aggCols.push(`count(*) FILTER (WHERE ${cond}) AS ${col}`);
    else if (a === 'sum') aggCols.push(`coalesce(sum(amount_fen / 100.0) FILTER (WHERE ${cond}), 0) AS ${col}`);
    else if (a === 'max') aggCols.push(`coalesce(max(amount_fen / 100.0) FILTER (WHERE ${cond}), 0) AS ${col}`);
    else if (a === 'days_since_last') aggCols.push(`${asOf} - max(day) FILTER (WHERE ${cond}) AS ${col}`);
    else if (a === 'exists') aggCols.push(`(count(*) FILTER (WHERE ${cond}) > 0)::INT AS ${col}`);
    else if (a === 'distinct_topics') aggCols.push(`count(DISTINCT topic) FILTER (WHERE ${cond}) AS ${col}`);
    else if (a === 'ratio')
      aggCols.push(`count(*) FILTER (WHERE ${cond}) / nullif(count(*) FILTER (WHERE ${kindsIn(ind.over)}${inWindow(ind.window_days)}), 0) AS ${col}`);
    // A firm without any event has no agg row: its counts are 0, not missing.
    return ['count', 'sum', 'max', 'exists', 'distinct_topics'].includes(a) ? `coalesce(agg.${col}, 0)` : `agg.${col}`;
  }
  if (ind.input === 'registry') {
    if (ind.field === 'age_days') return `CASE WHEN e.established <= ${asOf} THEN ${asOf} - e.established END`;
    if (ind.field === 'capital') return `e.capital_fen / 1e6`;
    return `e.${ind.field}`; // categorical: mapped below
  }
  // graph
  if (ind.feature === 'firms_at_address') return `addr.n`;
  const role = q(ind.role);
  if (ind.feature === 'role_count') {
    graphCtes.push(`g${k} AS (SELECT subject, count(*) AS v FROM role WHERE role = ${role} GROUP BY subject)`);
    graphJoins.push(k);
    return `coalesce(g${k}.v, 0)`;
  }
  if (ind.feature === 'person_firms') {
    graphCtes.push(`g${k} AS (SELECT r.subject, max(pf.n - 1) AS v FROM role r JOIN pf USING (person) WHERE r.role = ${role} GROUP BY r.subject)`);
    graphJoins.push(k);
    return `g${k}.v`;
  }
  graphCtes.push(`fl${k} AS (SELECT DISTINCT subject FROM ev WHERE ${kindsIn(ind.kinds)}${inWindow(ind.window_days)}),
    pc${k} AS (SELECT person, count(DISTINCT subject) AS n FROM role WHERE subject IN (SELECT subject FROM fl${k}) GROUP BY person),
    g${k} AS (SELECT r.subject, max(coalesce(pc.n, 0) - CASE WHEN f.subject IS NULL THEN 0 ELSE 1 END) AS v
              FROM role r LEFT JOIN pc${k} pc USING (person) LEFT JOIN fl${k} f ON f.subject = r.subject
              WHERE r.role = ${role} GROUP BY r.subject)`);
  graphJoins.push(k);
  return `g${k}.v`;
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
const pointCols = points.map((p, k) => `${p} AS p${k}`).join(', ');
const vetoes = model.vetoes.map((v) => `count(*) FILTER (WHERE ${kindsIn(v.kinds)}${inWindow(v.window_days)}) >= ${v.min_count}`);
const vetoCol = vetoes.length ? `, (${vetoes.join(' OR ')}) AS veto` : ', false AS veto';
const vetoLevel = model.vetoes.length ? model.vetoes[0].level : 'D';

const sql = `
WITH ev AS (SELECT e.subject, t.kind, e.topic, e.day, e.amount_fen, e.flags
            FROM event e JOIN topic t ON t.id = e.topic WHERE e.day <= ${asOf}),
agg AS (SELECT subject, ${aggCols.join(',\n  ')}${vetoCol} FROM ev GROUP BY subject),
addr AS (SELECT subject, count(*) OVER (PARTITION BY addr_key) AS n FROM enterprise WHERE addr_key IS NOT NULL),
pf AS (SELECT person, count(DISTINCT subject) AS n FROM role GROUP BY person)
${graphCtes.length ? ',' + graphCtes.join(',\n') : ''},
scored AS (
  SELECT e.subject, ${score} AS score, coalesce(agg.veto, false) AS veto${process.env.DEBUG_POINTS ? ', ' + pointCols : ''}
  FROM enterprise e LEFT JOIN agg USING (subject) LEFT JOIN addr USING (subject)
  ${graphJoins.map((k) => `LEFT JOIN g${k} ON g${k}.subject = e.subject`).join('\n  ')}
),
ranked AS (SELECT *, row_number() OVER (ORDER BY score DESC, subject) - 1 AS r, count(*) OVER () AS n FROM scored)
SELECT subject, score,
  CASE WHEN veto THEN '${vetoLevel}'
       WHEN r < round(${model.levels.shares[3]} * n) THEN 'D'
       WHEN r < round(${model.levels.shares[3]} * n) + round(${model.levels.shares[2]} * n) THEN 'C'
       WHEN r < round(${model.levels.shares[3]} * n) + round(${model.levels.shares[2]} * n) + round(${model.levels.shares[1]} * n) THEN 'B'
       ELSE 'A' END AS level
FROM ranked`.replace('SELECT subject, score,', `SELECT subject, score,${process.env.DEBUG_POINTS ? ' ' + points.map((_, k) => `p${k}`).join(', ') + ',' : ''}`);

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const t0 = performance.now();
const csv = (name, cols) => `CREATE TABLE ${name} AS SELECT * FROM read_csv(${q(`${dir}/${name}.csv`)}, header = false, columns = {${cols}})`;
await con.run(csv('enterprise', `'subject': 'BIGINT', 'industry': 'VARCHAR', 'type': 'VARCHAR', 'status': 'VARCHAR', 'established': 'INTEGER', 'capital_fen': 'BIGINT', 'addr_key': 'VARCHAR'`));
await con.run(csv('topic', `'id': 'INTEGER', 'kind': 'VARCHAR', 'code': 'VARCHAR'`));
// event.csv is `crisk events --csv`: topics by code, attributes as JSON text. The model's flags
// are evaluated here, by regular expression (the JSON extension is a download away).
const attr = (name) => `nullif(regexp_extract(e.attrs, ${q(`"${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}":"((?:[^"\\\\]|\\\\.)*)"`)}, 1), '')`;
const flagSql = model.flags.length
  ? model.flags.map((f, k) => `(CASE WHEN t.kind IN (${f.kinds.map(q).join(',')}) AND ${attr(f.attr)} IS NOT NULL AND ${attr(f.attr)} ${f.negate ? 'NOT IN' : 'IN'} (${f.values.map(q).join(',')}) THEN ${1 << k} ELSE 0 END)`).join(' + ')
  : '0';
await con.run(`CREATE TABLE event AS SELECT e.subject, t.id AS topic, e.day, e.amount_fen, ${flagSql} AS flags
  FROM read_csv(${q(`${dir}/event.csv`)}, header = true, columns = {'subject': 'BIGINT', 'key': 'VARCHAR', 'topic': 'VARCHAR', 'day': 'INTEGER', 'date': 'VARCHAR', 'amount_fen': 'BIGINT', 'attrs': 'VARCHAR'}) e
  JOIN topic t ON t.code = e.topic`);
await con.run(csv('role', `'subject': 'BIGINT', 'person': 'BIGINT', 'role': 'VARCHAR'`));
await con.run(csv('crisk', `'subject': 'BIGINT', 'score': 'DOUBLE', 'level': 'VARCHAR'`));
const t1 = performance.now();
await con.run(`CREATE TABLE duck AS ${sql}`);
const t2 = performance.now();
if (process.env.DEBUG_POINTS) {
  const worst = await con.runAndReadAll(`SELECT d.* FROM duck d JOIN crisk c USING (subject) ORDER BY abs(d.score - c.score) DESC LIMIT 1`);
  console.error(JSON.stringify(worst.getRowObjects()[0], (k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}
const cmp = await con.runAndReadAll(`SELECT count(*), sum((d.level = c.level)::INT), max(abs(d.score - c.score))
  FROM duck d JOIN crisk c USING (subject)`);
const [n, same, maxdiff] = cmp.getRows()[0];
console.log(JSON.stringify({ load_s: (t1 - t0) / 1000, query_s: (t2 - t1) / 1000, compared: Number(n),
  same_level: Number(same), max_score_diff: Number(maxdiff) }));
