// The model tree (gz-2021 v3: 5 aspects, 24 categories, 73 indicators with their weights) with the promoted
// models (learn stage), the quarantine summary (city roles) and the audit log (auditor, city
// administrator).
import { h, api, qs, num, section, table } from './util.js';
import { t } from './i18n.js';
import { chartBox, tip } from './charts.js';

function aspectName(a) {
  const k = 'aspect.' + a.id;
  return t(k) !== k ? t(k) : a.name;
}

// A metric of a promotion's recorded metrics (absent or null: —).
function metric(p, k) {
  const v = p.metrics && typeof p.metrics === 'object' ? p.metrics[k] : undefined;
  return typeof v === 'number' ? num(v, 3) : '—';
}

export async function modelPage(main, ctx) {
  const m = await api('/model');
  const nCat = m.aspects.reduce((s, a) => s + a.categories.length, 0);
  main.append(h('h1', {}, t('nav.model')),
    h('p', { id: 'model-head' }, m.name, ' · ', m.id, ' v', String(m.version), ' · ', t('model.counts', m.aspects.length, nCat, m.indicators)));
  const tree = {
    name: m.id, children: m.aspects.map((a) => ({
      name: aspectName(a) + ' ' + num(a.weight, 2), w: a.weight, children: a.categories.map((c) => ({
        name: c.name + ' ' + num(c.weight, 2), w: c.weight, children: c.indicators.map((i) => ({ name: i.name + ' ' + num(i.weight, 2), w: i.weight, id: i.id, agg: i.aggregation, win: i.window_days })),
      })),
    })),
  };
  const [box] = chartBox('tree', {
    tooltip: { trigger: 'item', formatter: (p) => tip([p.data.name, p.data.id ? p.data.id + ' · ' + p.data.agg + (p.data.win ? ' · ' + p.data.win + 'd' : '') : ''].filter(Boolean)) },
    series: [{
      type: 'tree', data: [tree], orient: 'LR', initialTreeDepth: 2, expandAndCollapse: true,
      top: 10, bottom: 10, left: 60, right: 260, symbolSize: 8,
      label: { position: 'left', verticalAlign: 'middle', align: 'right', fontSize: 11 },
      leaves: { label: { position: 'right', align: 'left' } },
    }],
  });
  main.append(section(t('model.tree'), h('p', { class: 'muted' }, t('model.tree_hint')), box));
  // The same tree as a table (every indicator with its weights).
  const rows = [];
  for (const a of m.aspects) for (const c of a.categories) for (const i of c.indicators) rows.push({ a, c, i });
  main.append(section(t('model.table'), table([
    { label: t('model.aspect'), cell: (r) => aspectName(r.a) + ' (' + num(r.a.weight, 2) + ')' },
    { label: t('model.category'), cell: (r) => r.c.name + ' (' + num(r.c.weight, 2) + ')' },
    { label: t('model.indicator'), cell: (r) => r.i.name },
    { label: 'id', class: 'mono', cell: (r) => r.i.id },
    { label: t('model.weight'), class: 'num', cell: (r) => num(r.i.weight, 2) },
  ], rows, { class: 'model' })));
  // The models promoted with crisk model promote (classification uses the latest), newest first.
  if (ctx && ctx.routes.has('/api/v1/promotions')) {
    const p = await api('/promotions').catch(() => null);
    if (p) main.append(section(t('model.promotions'), table([
      { label: '#', class: 'num', cell: (x) => String(x.id) },
      { label: t('model.model'), cell: (x) => x.model_id + ' v' + x.version },
      { label: t('model.method'), cell: (x) => x.method || '' },
      { label: 'AUC', class: 'num', cell: (x) => metric(x, 'auc') },
      { label: 'KS', class: 'num', cell: (x) => metric(x, 'ks') },
      { label: t('model.by'), cell: (x) => x.by || '' },
      { label: t('model.note'), cell: (x) => x.note || '' },
      { label: t('model.created'), class: 'mono', cell: (x) => x.created || '' },
    ], p.promotions.slice().reverse(), { class: 'promotions', empty: t('model.no_promotions') })));
  }
}

export async function quarantinePage(main) {
  const q = await api('/quarantine');
  main.append(h('h1', {}, t('nav.quarantine')),
    h('div', { class: 'kpis' },
      h('div', { class: 'kpi' }, h('span', {}, t('quar.open')), h('b', { id: 'quar-open' }, num(q.open))),
      h('div', { class: 'kpi' }, h('span', {}, t('quar.resolved')), h('b', {}, num(q.resolved)))));
  const label = (r) => (t('reason.' + r) !== 'reason.' + r ? t('reason.' + r) + ' (' + r + ')' : r);
  const rows = q.by_reason.slice().sort((a, b) => b.open - a.open);
  const [box] = chartBox('small', {
    tooltip: { trigger: 'item', formatter: (p) => tip([label(rows[p.dataIndex].reason), num(p.value)]) },
    grid: { left: 220, right: 40, top: 10, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', inverse: true, data: rows.map((r) => label(r.reason)) },
    series: [{ type: 'bar', data: rows.map((r) => r.open), itemStyle: { color: '#8a6d3b' }, label: { show: true, position: 'right' } }],
  });
  main.append(section(t('quar.by_reason'), box, table([
    { label: t('quar.reason'), cell: (r) => label(r.reason) },
    { label: t('quar.open'), class: 'num', cell: (r) => num(r.open) },
  ], rows, { class: 'quarantine' })));
  // By the department that sent the rows: its open rows and their reasons.
  main.append(section(t('quar.by_department'), table([
    { label: t('quar.department'), cell: (d) => (d.name ? d.name + ' ' : '') + d.department },
    { label: t('quar.open'), class: 'num', cell: (d) => num(d.open) },
    { label: t('quar.reasons'), cell: (d) => Object.entries(d.by_reason).sort((a, b) => b[1] - a[1]).map(([r, n]) => label(r) + ' ' + num(n)).join('；') },
  ], (q.by_department || []).slice().sort((a, b) => b.open - a.open), { class: 'quarantine-departments', key: (d) => d.department })),
  h('p', { class: 'muted' }, t('quar.cli')));
}

export async function auditPage(main, ctx) {
  const before = ctx.params.get('before') || '';
  const r = await api('/audit' + qs({ before, limit: 100 }));
  main.append(h('h1', {}, t('nav.audit')), h('p', { class: 'muted' }, t('audit.hint')));
  main.append(table([
    { label: '#', class: 'num', cell: (x) => String(x.id) },
    { label: t('audit.at'), class: 'mono', cell: (x) => x.at },
    { label: t('audit.user'), cell: (x) => x.user },
    { label: t('audit.role'), cell: (x) => (x.role ? t('role.' + x.role) : '') },
    { label: t('audit.action'), class: 'mono', cell: (x) => x.action },
    { label: t('audit.object'), class: 'mono', cell: (x) => x.object },
    { label: t('audit.status'), class: 'num', cell: (x) => String(x.status) },
    { label: t('audit.client'), class: 'mono', cell: (x) => x.client },
  ], r.rows, { class: 'audit' }));
  if (r.rows.length) main.append(h('p', {}, h('a', { href: '#/audit' + qs({ before: r.rows[r.rows.length - 1].id }), id: 'audit-older' }, t('audit.older'))));
}
