// Enterprise search and the portrait: registry, level and score, the aspect breakdown, the top
// contributions, the level history, the events timeline, persons (masked by the server),
// linked firms as a small graph, tags, and the firm's warnings and tasks when the portrait
// carries them.
import { h, api, qs, num, section, table, link } from './util.js';
import { t } from './i18n.js';
import { chartBox, divisionName, LEVEL_COLORS, tip } from './charts.js';

function levelBadge(l) {
  return l ? h('span', { class: 'badge level-' + l }, l + ' ' + t('level.' + l)) : h('span', { class: 'muted' }, '–');
}

export async function searchPage(main, ctx) {
  const q = ctx.params.get('q') || '';
  const input = h('input', { id: 'search-q', type: 'search', value: q, placeholder: t('search.placeholder'), minlength: 2, required: true });
  const form = h('form', { class: 'search', id: 'search-form' }, input, h('button', { type: 'submit' }, t('search.submit')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = '#/search' + qs({ q: input.value.trim() });
  });
  main.append(h('h1', {}, t('nav.search')), form);
  input.focus();
  if (q.length < 2) {
    main.append(h('p', { class: 'muted' }, t('search.hint')));
    return;
  }
  const r = await api('/enterprises' + qs({ q }));
  main.append(h('p', { class: 'muted', id: 'search-count' }, t('search.count', r.count)));
  main.append(table([
    { label: t('firm.name'), cell: (f) => link('#/firm/' + encodeURIComponent(f.key), f.name || f.key) },
    { label: t('firm.uscc'), class: 'mono', cell: (f) => f.key },
    { label: t('firm.address'), cell: (f) => f.address || '' },
    { label: t('firm.grid'), class: 'mono', cell: (f) => f.grid || f.street || f.district || '' },
  ], r.results, { class: 'results', empty: t('search.none'), key: (f) => f.key }));
}

function aspectOption(aspects) {
  const names = aspects.map((a) => (t('aspect.' + a.id) !== 'aspect.' + a.id ? t('aspect.' + a.id) : a.name));
  return {
    tooltip: { trigger: 'item', formatter: (p) => tip([names[p.dataIndex], t('portrait.aspect_score') + ': ' + num(p.value, 2), t('model.weight') + ': ' + num(aspects[p.dataIndex].weight, 2)]) },
    grid: { left: 140, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: names, inverse: true },
    series: [{ type: 'bar', data: aspects.map((a) => a.score), itemStyle: { color: '#3b6ea5' }, label: { show: true, position: 'right', formatter: (p) => num(p.value, 2) } }],
  };
}

function historyOption(history) {
  const hs = history.slice().sort((a, b) => (a.as_of < b.as_of ? -1 : a.as_of > b.as_of ? 1 : a.run - b.run));
  return {
    tooltip: { trigger: 'axis', formatter: (ps) => tip([ps[0].axisValue, t('portrait.score') + ': ' + num(ps[0].value, 2), t('portrait.level') + ': ' + hs[ps[0].dataIndex].level]) },
    grid: { left: 40, right: 20, top: 20, bottom: 30 },
    xAxis: { type: 'category', data: hs.map((x) => x.as_of + ' #' + x.run) },
    yAxis: { type: 'value', min: 0 },
    series: [{
      type: 'line', data: hs.map((x) => ({ value: x.score, itemStyle: { color: LEVEL_COLORS[x.level] } })),
      symbolSize: 10, label: { show: true, formatter: (p) => hs[p.dataIndex].level }, lineStyle: { color: '#888' },
    }],
  };
}

function linkedOption(reg, linked, outside) {
  const nodes = [{ name: reg.key, value: reg.name, symbolSize: 36, itemStyle: { color: '#1f4e79' }, label: { show: true, formatter: t('portrait.this_firm') } }];
  const links = [];
  for (const f of linked) {
    nodes.push({ name: f.key, value: f.name, symbolSize: 20, itemStyle: { color: LEVEL_COLORS[f.level] || '#999' }, label: { show: true, formatter: f.level || '' } });
    links.push({ source: reg.key, target: f.key, value: f.via });
  }
  if (outside) nodes.push({ name: '__outside', value: t('portrait.outside', outside), symbolSize: 16, itemStyle: { color: '#ccc' }, label: { show: true, formatter: '+' + outside } });
  if (outside) links.push({ source: reg.key, target: '__outside', value: '' });
  return {
    tooltip: { formatter: (p) => tip(p.dataType === 'edge' ? [t('portrait.via') + ': ' + (t('via.' + p.data.value) !== 'via.' + p.data.value ? t('via.' + p.data.value) : p.data.value)] : [p.data.value, p.data.name.startsWith('__') ? '' : p.data.name]) },
    series: [{ type: 'graph', layout: 'force', roam: true, force: { repulsion: 160, edgeLength: 90 }, data: nodes, links, lineStyle: { color: '#aaa' } }],
  };
}

export async function portraitPage(main, ctx) {
  const key = ctx.args[0];
  const o = await api('/enterprises/' + encodeURIComponent(key));
  const reg = o.registry || {};
  const lv = o.level || {};
  main.append(h('p', {}, link('#/search', '← ' + t('nav.search'))));
  main.append(h('h1', { id: 'portrait-name' }, reg.name || reg.key), h('p', { class: 'mono' }, reg.uscc || reg.key));

  const facts = [
    ['firm.type', reg.type], ['firm.industry', reg.industry], ['firm.status', reg.status],
    ['firm.address', reg.address], ['firm.grid', [reg.district, reg.street, reg.grid].filter(Boolean).join(' / ')],
    ['firm.capital', reg.capital_wan !== undefined && reg.capital_wan !== null ? num(reg.capital_wan, 2) + ' ' + t('firm.wan') : null],
    ['firm.established', reg.established],
  ];
  const levelCard = section(t('portrait.level'),
    h('div', { class: 'level-big', id: 'portrait-level' }, levelBadge(lv.level)),
    h('dl', {},
      h('dt', {}, t('portrait.score')), h('dd', { id: 'portrait-score' }, lv.score !== undefined ? num(lv.score, 2) : '–'),
      h('dt', {}, t('portrait.veto')), h('dd', {}, lv.veto || t('common.none')),
      h('dt', {}, t('portrait.as_of')), h('dd', {}, lv.as_of ? lv.as_of + ' (#' + lv.run + ')' : '–'),
      h('dt', {}, t('portrait.model')), h('dd', {}, lv.model || '–')));
  main.append(h('div', { class: 'row' },
    section(t('portrait.registry'), h('dl', {}, facts.filter((f) => f[1]).map((f) => [h('dt', {}, t(f[0])), h('dd', {}, f[1])])),
      (o.tags || []).length ? h('p', { class: 'tags' }, (o.tags || []).map((x) => h('span', { class: 'tag' }, typeof x === 'string' ? x : x.name || x.id || JSON.stringify(x)))) : null),
    levelCard));

  if ((o.aspects || []).length) {
    const [box] = chartBox('small', aspectOption(o.aspects));
    main.append(h('div', { class: 'row' },
      section(t('portrait.aspects'), box),
      section(t('portrait.top'), table([
        { label: t('portrait.indicator'), cell: (x) => x.name || x.id },
        { label: t('portrait.points'), class: 'num', cell: (x) => num(x.points, 1) },
        { label: t('portrait.share'), class: 'num', cell: (x) => num(x.share, 2) },
      ], o.top || [], { class: 'top' }))));
  }
  if ((o.history || []).length) {
    const [box] = chartBox('small', historyOption(o.history));
    main.append(section(t('portrait.history'), box));
  }
  const linked = o.linked || [];
  const [graphBox] = linked.length || o.linked_outside ? chartBox('small', linkedOption(reg, linked, o.linked_outside || 0)) : [null];
  main.append(h('div', { class: 'row' },
    section(t('portrait.persons'), table([
      { label: t('portrait.person'), cell: (p) => p.name || '' },
      { label: t('portrait.role'), cell: (p) => p.role || '' },
      { label: t('portrait.other_firms'), class: 'num', cell: (p) => num(p.other_firms) },
    ], o.persons || [], { class: 'persons' })),
    section(t('portrait.linked'), graphBox, table([
      { label: t('firm.name'), cell: (f) => link('#/firm/' + encodeURIComponent(f.key), f.name || f.key) },
      { label: t('portrait.via'), cell: (f) => (t('via.' + f.via) !== 'via.' + f.via ? t('via.' + f.via) : f.via) },
      { label: t('portrait.level'), cell: (f) => levelBadge(f.level) },
    ], linked, { class: 'linked' }), o.linked_outside ? h('p', { class: 'muted' }, t('portrait.outside', o.linked_outside)) : null)));

  main.append(section(t('portrait.events'), h('ol', { class: 'timeline', id: 'events' }, (o.events || []).map((e) =>
    h('li', {}, h('time', {}, e.date || ''), ' ', h('b', {}, e.topic || e.kind || ''), ' · ', e.department || '',
      e.amount_yuan !== undefined && e.amount_yuan !== null ? ' · ¥' + num(e.amount_yuan, 2) : '',
      e.attrs && Object.keys(e.attrs).length ? h('span', { class: 'muted' }, ' ' + Object.entries(e.attrs).map(([k, v]) => k + ': ' + v).join('; ')) : null)))));

  if (!o.warnings && ctx.routes.has('/api/v1/warnings') && ctx.routes.has('/api/v1/tasks')) {
    // The portrait does not carry them: the lists filtered by the firm (firm=, inside the
    // jurisdiction like every list).
    const firm = reg.uscc || reg.key;
    const [w, k] = await Promise.all([
      api('/warnings' + qs({ firm, limit: 100 })).catch(() => null),
      api('/tasks' + qs({ firm, limit: 100 })).catch(() => null),
    ]);
    if (w) o.warnings = w.warnings;
    if (k) o.tasks = k.tasks;
  }
  if (o.warnings) main.append(section(t('nav.warnings'), table([
    { label: '#', cell: (w) => link('#/warning/' + w.id, String(w.id)) },
    { label: t('wf.detector'), cell: (w) => w.detector_label || w.detector },
    { label: t('wf.status'), cell: (w) => t('wstatus.' + w.status) },
    { label: t('wf.summary'), cell: (w) => w.summary || '' },
  ], o.warnings, { class: 'firm-warnings' })));
  if (o.tasks) main.append(section(t('nav.tasks'), table([
    { label: '#', cell: (x) => link('#/task/' + x.id, String(x.id)) },
    { label: t('wf.division'), cell: (x) => divisionName(x.division, x.division_name) + ' ' + (x.division || '') },
    { label: t('wf.status'), cell: (x) => t('tstatus.' + x.status) },
    { label: t('wf.outcome'), cell: (x) => x.outcome_label || x.outcome || '' },
    { label: t('wf.due'), cell: (x) => h('span', { class: x.overdue ? 'overdue' : '' }, x.due || '') },
  ], o.tasks, { class: 'firm-tasks' })));
}
