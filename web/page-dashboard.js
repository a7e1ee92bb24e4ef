// The dashboard: level counts of the latest run on the district map (a choropleth), the level
// shares and their trend over runs, the divisions below the user's own, and open warnings and
// overdue tasks per district once those routes exist, and the hit rate per level where
// outcomes exist (inspection results, closed tasks).
import { h, api, qs, num, pct, section, table } from './util.js';
import { t } from './i18n.js';
import { chartBox, districtMap, divisionName, centers, LEVEL_COLORS, tip } from './charts.js';

const LEVELS = ['A', 'B', 'C', 'D'];
const TREND_RUNS = 12;

function total(r) {
  return LEVELS.reduce((s, l) => s + (r[l] || 0), 0);
}

// The value a district gets on the map under metric m.
function metricOf(r, m) {
  const n = total(r);
  if (!n) return null;
  if (m === 'cd') return (r.C + r.D) / n;
  if (m === 'count') return n;
  return r[m] / n;
}

// A district user's map is zoomed onto the district (the rest of the city stays grey).
function mapView(scope) {
  const c = scope && centers[scope.slice(0, 6)];
  return c ? { center: c, zoom: scope.length === 6 ? 2.5 : 4 } : {};
}

function mapOption(rows, names, metric, scope) {
  const data = Object.keys(names).map((code) => {
    const r = rows.find((x) => x.code === code);
    return { name: code, value: r ? metricOf(r, metric) : null, row: r || null };
  });
  const vals = data.map((d) => d.value).filter((v) => v !== null);
  const max = vals.length ? Math.max(...vals) : 1;
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const r = p.data && p.data.row;
        const lines = [names[p.name] || p.name];
        if (!r) lines.push(t('dash.outside'));
        else {
          lines.push(t('dash.firms') + ': ' + num(total(r)));
          for (const l of LEVELS) lines.push(t('level.' + l) + ': ' + num(r[l]) + ' (' + pct(r[l] / total(r)) + ')');
        }
        return tip(lines);
      },
    },
    visualMap: {
      min: 0, max: max || 1, calculable: true, left: 10, bottom: 10,
      text: [t('dash.high'), t('dash.low')],
      inRange: { color: ['#f3efe0', '#e9b872', '#d9733b', '#a8281d'] },
      formatter: (v) => (metric === 'count' ? num(v) : pct(v, 0)),
    },
    series: [{
      type: 'map', map: 'guangzhou', roam: true, aspectScale: 0.9, ...mapView(scope),
      label: { show: true, fontSize: 10, formatter: (p) => names[p.name] || p.name },
      emphasis: { label: { show: true } },
      itemStyle: { borderColor: '#fff', areaColor: '#dcdcdc' },
      data,
    }],
  };
}

function trendOption(points) {
  return {
    tooltip: {
      trigger: 'axis',
      formatter: (ps) => tip([ps[0].axisValue].concat(ps.map((p) => p.seriesName + ': ' + pct(p.value)))),
    },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 30, bottom: 40 },
    xAxis: { type: 'category', data: points.map((p) => '#' + p.run.id + ' ' + p.run.as_of) },
    yAxis: { type: 'value', max: 1, axisLabel: { formatter: (v) => pct(v, 0) } },
    series: LEVELS.map((l) => ({
      name: t('level.' + l), type: 'bar', stack: 'share', itemStyle: { color: LEVEL_COLORS[l] },
      data: points.map((p) => (p.n ? p.sums[l] / p.n : 0)),
    })),
  };
}

function sharesOption(sums, n) {
  return {
    tooltip: { trigger: 'item', formatter: (p) => tip([p.name + ': ' + num(p.value) + ' (' + pct(p.value / n) + ')']) },
    series: [{
      type: 'pie', radius: ['40%', '70%'],
      label: { formatter: (p) => p.name + '\n' + pct(p.value / n) },
      data: LEVELS.map((l) => ({ name: t('level.' + l), value: sums[l], itemStyle: { color: LEVEL_COLORS[l] } })),
    }],
  };
}

// The hit rate per level: a bar for inspections and one for tasks, each level's rate.
function hitsOption(levels) {
  const kinds = ['inspections', 'tasks'];
  return {
    tooltip: {
      trigger: 'axis',
      formatter: (ps) => tip([ps[0].axisValue].concat(ps.map((p) => {
        const x = levels[p.dataIndex][kinds[p.seriesIndex]];
        return p.seriesName + ': ' + (x.n ? pct(x.rate) + ' (' + num(x.hits) + ' / ' + num(x.n) + ')' : '—');
      }))),
    },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 30, bottom: 30 },
    xAxis: { type: 'category', data: levels.map((l) => t('level.' + l.level)) },
    yAxis: { type: 'value', max: 1, axisLabel: { formatter: (v) => pct(v, 0) } },
    series: kinds.map((k) => ({
      name: t('dash.hits.' + k), type: 'bar',
      data: levels.map((l) => (l[k].n ? l[k].rate : null)),
    })),
  };
}

function rateCell(x) {
  return x.n ? pct(x.rate) + ' (' + num(x.hits) + '/' + num(x.n) + ')' : '—';
}

async function hitsSection(main, ctx, run) {
  const hits = await api('/runs/' + run.id + '/hits').catch(() => null);
  if (ctx.stale() || !hits) return;
  const any = hits.levels.some((l) => l.inspections.n || l.tasks.n);
  const body = [];
  if (any) {
    const [box] = chartBox('small', hitsOption(hits.levels));
    body.push(box, table([
      { label: t('portrait.level'), cell: (l) => t('level.' + l.level) },
      { label: t('dash.hits.inspections'), class: 'num', cell: (l) => rateCell(l.inspections) },
      { label: t('dash.hits.tasks'), class: 'num', cell: (l) => rateCell(l.tasks) },
    ], hits.levels, { class: 'hits', key: (l) => l.level }));
  } else {
    body.push(h('p', { class: 'muted', id: 'hits-none' }, t('dash.hits.none')));
  }
  body.push(h('p', { class: 'muted' }, t('dash.hits.note', run.id)));
  main.append(section(t('dash.hits'), ...body));
}

function sum(rows) {
  const s = { A: 0, B: 0, C: 0, D: 0 };
  for (const r of rows) for (const l of LEVELS) s[l] += r[l] || 0;
  return s;
}

export async function dashboardPage(main, ctx) {
  main.append(h('h1', {}, t('nav.dashboard')));
  const runs = (await api('/runs')).runs.slice().sort((a, b) => a.id - b.id);
  if (!runs.length) {
    main.append(h('p', { class: 'muted' }, t('dash.no_runs')));
    return;
  }
  const latest = runs[runs.length - 1];
  const digits = ctx.me.scope.length;
  const below = digits === 0 ? 'district' : digits === 6 ? 'street' : 'grid';
  const [byDistrict, byBelow, names] = await Promise.all([
    api('/runs/' + latest.id + '/levels?by=district'),
    below === 'district' ? null : api('/runs/' + latest.id + '/levels?by=' + below),
    districtMap(),
  ]);
  const rows = byDistrict.rows;
  const sums = sum(rows);
  const n = total(sums);
  main.append(h('p', { class: 'muted', id: 'dash-run' }, t('dash.run', latest.id, latest.as_of, latest.model, n)));

  const kpis = h('div', { class: 'kpis' }, h('div', { class: 'kpi' }, h('span', {}, t('dash.firms')), h('b', { id: 'kpi-total' }, num(n))),
    LEVELS.map((l) => h('div', { class: 'kpi level-' + l }, h('span', {}, t('level.' + l)), h('b', { id: 'kpi-' + l }, pct(sums[l] / n)))));
  main.append(kpis);

  // The map and its metric.
  const metric = h('select', { id: 'map-metric' },
    ['cd', 'D', 'C', 'B', 'A', 'count'].map((m) => h('option', { value: m }, t('dash.metric.' + m))));
  const [mapBox, mapChart] = chartBox('map', mapOption(rows, names, 'cd', ctx.me.scope));
  metric.addEventListener('change', () => {
    if (mapChart && mapChart.inst) mapChart.inst.setOption(mapOption(rows, names, metric.value, ctx.me.scope), true);
  });
  const [pieBox] = chartBox('small', sharesOption(sums, n));
  main.append(h('div', { class: 'row' },
    section(t('dash.map'), h('label', { class: 'inline' }, t('dash.metric'), metric), mapBox),
    section(t('dash.shares'), pieBox)));

  // Trend over the last runs (each run's counts in the jurisdiction).
  const trendRuns = runs.slice(-TREND_RUNS);
  const points = await Promise.all(trendRuns.map(async (run) => {
    const r = await api('/runs/' + run.id + '/levels?by=district');
    const s = sum(r.rows);
    return { run, sums: s, n: total(s) };
  }));
  if (ctx.stale()) return;
  const [trendBox] = chartBox('wide', trendOption(points));
  main.append(section(t('dash.trend'), trendBox));

  // The divisions of the jurisdiction, one level down (districts for the city).
  const divRows = (byBelow ? byBelow.rows : rows).slice().sort((a, b) => metricOf(b, 'cd') - metricOf(a, 'cd'));
  const cols = [
    { label: t('dash.division'), cell: (r) => divisionName(r.code, r.name) + ' ' + r.code },
    { label: t('dash.firms'), class: 'num', cell: (r) => num(total(r)) },
  ].concat(LEVELS.map((l) => ({ label: t('level.' + l), class: 'num', cell: (r) => num(r[l]) })),
    [{ label: t('dash.metric.cd'), class: 'num', cell: (r) => pct(metricOf(r, 'cd')) }]);
  main.append(section(t('dash.divisions.' + below), table(cols, divRows, { class: 'divisions', key: (r) => r.code })));

  // Open warnings and overdue tasks per district, when the workflow's routes are built.
  if (ctx.routes.has('/api/v1/warnings') && ctx.routes.has('/api/v1/tasks')) {
    const districts = digits === 0 ? Object.keys(names) : [ctx.me.scope.slice(0, 6)];
    const div = (code) => (digits > 6 ? ctx.me.scope : code);
    const counts = await Promise.all(districts.map(async (code) => {
      const [w, o] = await Promise.all([
        api('/warnings' + qs({ status: 'open', division: div(code), limit: 1 })).catch(() => null),
        api('/tasks' + qs({ overdue: 1, division: div(code), limit: 1 })).catch(() => null),
      ]);
      return { code, name: names[code], warnings: w ? w.total : null, overdue: o ? o.total : null };
    }));
    if (ctx.stale()) return;
    main.append(section(t('dash.workflow'), table([
      { label: t('dash.division'), cell: (r) => r.name + ' ' + r.code },
      { label: t('dash.open_warnings'), class: 'num', cell: (r) => h('a', { href: '#/warnings?status=open&division=' + div(r.code) }, num(r.warnings)) },
      { label: t('dash.overdue_tasks'), class: 'num', cell: (r) => h('a', { href: '#/tasks?overdue=1&division=' + div(r.code) }, num(r.overdue)) },
    ], counts, { class: 'workflow' })));
  }
  if (ctx.routes.has('/api/v1/runs/{run}/hits')) await hitsSection(main, ctx, latest);
}
