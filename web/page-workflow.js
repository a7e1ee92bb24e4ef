// Warnings and tasks (monitor and respond): a map of open warnings by district, lists with
// filters (detector, status, division, overdue), a warning's evidence and firms, a task's
// history and its transitions (accept, visit, close with an outcome and a note), and the
// monthly XLSX push workbook.
import { h, api, qs, num, section, table, link, errorBox, clear } from './util.js';
import { t } from './i18n.js';
import { chartBox, districtMap, divisionName, tip } from './charts.js';

let vocab = null;
async function vocabulary() {
  if (!vocab) vocab = await api('/vocabulary').catch(() => ({ detectors: [], outcomes: [], results: [] }));
  return vocab;
}

function select(id, value, options) {
  return h('select', { id, name: id }, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

// A filter form whose fields become the page's query string.
function filters(page, fields) {
  const form = h('form', { class: 'filters', id: page + '-filters' }, fields.map(([label, el]) => h('label', {}, label, el)),
    h('button', { type: 'submit' }, t('common.filter')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const o = {};
    for (const [, el] of fields) o[el.name] = el.type === 'checkbox' ? (el.checked ? '1' : '') : el.value;
    location.hash = '#/' + page + qs(o);
  });
  return form;
}

function pager(page, params, r) {
  const offset = Number(params.get('offset') || 0);
  const p = new URLSearchParams(params);
  const out = h('p', { class: 'pager' }, t('common.showing', offset + 1, offset + r.count, r.total), ' ');
  if (offset > 0) { p.set('offset', Math.max(0, offset - 100)); out.append(h('a', { href: '#/' + page + '?' + p }, t('common.prev')), ' '); }
  if (offset + r.count < r.total) { p.set('offset', offset + r.count); out.append(h('a', { href: '#/' + page + '?' + p }, t('common.next'))); }
  return out;
}

function divisionSelect(me, value, names) {
  if (me.scope.length > 6) return h('input', { id: 'division', name: 'division', value: value || me.scope, readonly: true });
  const codes = me.scope.length === 6 ? [me.scope] : Object.keys(names);
  return select('division', value, [['', t('common.all')]].concat(codes.map((c) => [c, (names[c] || '') + ' ' + c])));
}

export async function warningsPage(main, ctx) {
  const p = ctx.params;
  const [v, names] = await Promise.all([vocabulary(), districtMap()]);
  const detector = select('detector', p.get('detector') || '', [['', t('common.all')]].concat(v.detectors.map((d) => [d.id, d.label || d.id])));
  const status = select('status', p.get('status') || 'open', [['', t('common.all')], ['open', t('wstatus.open')], ['closed', t('wstatus.closed')]]);
  const division = divisionSelect(ctx.me, p.get('division') || '', names);
  main.append(h('h1', {}, t('nav.warnings')), filters('warnings', [[t('wf.detector'), detector], [t('wf.status'), status], [t('wf.division'), division]]));
  const f = { detector: detector.value, status: status.value };
  const xlsx = '/api/v1/push.xlsx' + qs({ division: division.value || undefined, status: status.value === 'open' ? 'open' : 'all' });
  main.append(h('p', {}, h('a', { href: xlsx, download: 'push.xlsx', id: 'push-xlsx', class: 'button' }, t('wf.xlsx'))));

  // The map: open warnings per district under the filters.
  if (ctx.me.scope.length <= 6) {
    const codes = ctx.me.scope.length === 6 ? [ctx.me.scope] : Object.keys(names);
    const counts = await Promise.all(codes.map((c) => api('/warnings' + qs({ ...f, division: c, limit: 1 })).then((r) => [c, r.total]).catch(() => [c, null])));
    if (ctx.stale()) return;
    const data = Object.keys(names).map((c) => { const x = counts.find((k) => k[0] === c); return { name: c, value: x ? x[1] : null }; });
    const max = Math.max(1, ...data.map((d) => d.value || 0));
    const [box] = chartBox('map', {
      tooltip: { trigger: 'item', formatter: (q) => tip([names[q.name], q.value === null || Number.isNaN(q.value) ? t('dash.outside') : t('wf.count') + ': ' + num(q.value)]) },
      visualMap: { min: 0, max, calculable: true, left: 10, bottom: 10, inRange: { color: ['#f3efe0', '#d9733b', '#a8281d'] } },
      series: [{ type: 'map', map: 'guangzhou', roam: true, label: { show: true, fontSize: 10, formatter: (q) => names[q.name] }, itemStyle: { areaColor: '#dcdcdc', borderColor: '#fff' }, data }],
    });
    main.append(section(t('wf.map'), box));
  }
  const r = await api('/warnings' + qs({ ...f, division: division.value, limit: 100, offset: p.get('offset') || 0 }));
  main.append(section(t('wf.list'), pager('warnings', p, r), table([
    { label: '#', class: 'num', cell: (w) => link('#/warning/' + w.id, String(w.id)) },
    { label: t('wf.detector'), cell: (w) => w.detector_label || w.detector },
    { label: t('wf.status'), cell: (w) => t('wstatus.' + w.status) },
    { label: t('wf.summary'), cell: (w) => w.summary || '' },
    { label: t('wf.opened'), class: 'mono', cell: (w) => w.opened || '' },
    { label: t('wf.division'), class: 'mono', cell: (w) => w.grid || w.street || w.district || '' },
    { label: t('wf.firms'), class: 'num', cell: (w) => num(w.firms) + (w.firms_outside ? ' (+' + w.firms_outside + ')' : '') },
  ], r.warnings, { class: 'warnings', key: (w) => w.id })));
}

export async function warningPage(main, ctx) {
  const w = await api('/warnings/' + encodeURIComponent(ctx.args[0]));
  main.append(h('p', {}, link('#/warnings', '← ' + t('nav.warnings'))),
    h('h1', {}, t('wf.warning'), ' #', String(w.id), ' · ', w.detector_label || w.detector),
    h('p', {}, w.summary || ''),
    h('p', { class: 'muted' }, t('wstatus.' + w.status), ' · ', t('wf.opened'), ' ', w.opened || '', w.closed ? ' · ' + t('wf.closed') + ' ' + w.closed : ''));
  main.append(section(t('wf.firms'), table([
    { label: t('firm.name'), cell: (f) => link('#/firm/' + encodeURIComponent(f.uscc), f.name || f.uscc) },
    { label: t('firm.uscc'), class: 'mono', cell: (f) => f.uscc },
    { label: t('firm.address'), cell: (f) => f.address || '' },
  ], w.firm_list || []), w.firms_outside ? h('p', { class: 'muted' }, t('portrait.outside', w.firms_outside)) : null));
  main.append(section(t('wf.evidence'), h('pre', { class: 'evidence' }, JSON.stringify(w.evidence || {}, null, 2))));
  main.append(section(t('nav.tasks'), taskTable(w.tasks || [])));
}

function taskTable(tasks) {
  return table([
    { label: '#', class: 'num', cell: (x) => link('#/task/' + x.id, String(x.id)) },
    { label: t('wf.detector'), cell: (x) => x.detector_label || x.detector || '' },
    { label: t('wf.summary'), cell: (x) => x.summary || '' },
    { label: t('wf.division'), cell: (x) => divisionName(x.division, x.division_name) + ' ' + (x.division || '') },
    { label: t('wf.status'), cell: (x) => h('span', { class: 'status-' + x.status }, t('tstatus.' + x.status)) },
    { label: t('wf.outcome'), cell: (x) => x.outcome_label || x.outcome || '' },
    { label: t('wf.due'), class: 'mono', cell: (x) => h('span', { class: x.overdue ? 'overdue' : '' }, (x.due || '') + (x.overdue ? ' ' + t('wf.overdue') : '')) },
  ], tasks, { class: 'tasks', key: (x) => x.id });
}

export async function tasksPage(main, ctx) {
  const p = ctx.params;
  const [v, names] = await Promise.all([vocabulary(), districtMap()]);
  const status = select('status', p.get('status') || 'active', [['', t('common.all')], ['active', t('tstatus.active')],
    ...['open', 'accepted', 'visited', 'closed'].map((s) => [s, t('tstatus.' + s)])]);
  const detector = select('detector', p.get('detector') || '', [['', t('common.all')]].concat(v.detectors.map((d) => [d.id, d.label || d.id])));
  const division = divisionSelect(ctx.me, p.get('division') || '', names);
  const overdue = h('input', { type: 'checkbox', id: 'overdue', name: 'overdue', checked: p.get('overdue') === '1' });
  main.append(h('h1', {}, t('nav.tasks')), filters('tasks', [[t('wf.status'), status], [t('wf.detector'), detector], [t('wf.division'), division], [t('wf.overdue_only'), overdue]]));
  const r = await api('/tasks' + qs({ status: status.value, detector: detector.value, division: division.value, overdue: overdue.checked ? 1 : '', limit: 100, offset: p.get('offset') || 0 }));
  main.append(section(t('wf.list'), pager('tasks', p, r), taskTable(r.tasks)));
}

export async function taskPage(main, ctx) {
  const id = ctx.args[0];
  const [x, v] = await Promise.all([api('/tasks/' + encodeURIComponent(id)), vocabulary()]);
  main.append(h('p', {}, link('#/tasks', '← ' + t('nav.tasks'))),
    h('h1', {}, t('wf.task'), ' #', String(x.id), ' · ', x.detector_label || x.detector || ''),
    h('p', {}, x.summary || ''),
    h('dl', { class: 'facts' },
      h('dt', {}, t('wf.status')), h('dd', { id: 'task-status' }, t('tstatus.' + x.status)),
      h('dt', {}, t('wf.division')), h('dd', {}, divisionName(x.division, x.division_name) + ' ' + (x.division || '')),
      h('dt', {}, t('wf.due')), h('dd', { class: x.overdue ? 'overdue' : '' }, x.due || ''),
      h('dt', {}, t('wf.outcome')), h('dd', { id: 'task-outcome' }, x.outcome_label || x.outcome || '–'),
      h('dt', {}, t('wf.warning')), h('dd', {}, link('#/warning/' + x.warning, '#' + x.warning))));

  // The transitions the task allows now.
  const next = x.next || [];
  if (next.length && ctx.me.role !== 'city_analyst') {
    const msg = h('div', { id: 'task-msg' });
    // The server's limit (note_max_bytes of its respond policy) is in bytes of UTF-8 (a Chinese
    // character is 3): counted as typed.
    const max = v.note_max_bytes;
    const note = h('textarea', { id: 'task-note', name: 'note', rows: 3 });
    const count = h('p', { class: 'muted', id: 'task-note-count' });
    const bytes = () => new TextEncoder().encode(note.value).length;
    const recount = () => {
      count.textContent = t('wf.note_bytes', num(bytes()), num(max));
      count.className = bytes() > max ? 'error' : 'muted';
    };
    note.addEventListener('input', recount);
    recount();
    const by = h('input', { id: 'task-by', name: 'by', value: ctx.me.name });
    const outcome = select('task-outcome-select', '', v.outcomes.map((o) => [o.code, o.label || o.code]));
    const form = h('form', { class: 'transition card', id: 'task-form' },
      h('h2', {}, t('wf.act')),
      h('label', {}, t('wf.by'), by),
      next.includes('close') ? h('label', {}, t('wf.outcome'), outcome) : null,
      h('label', {}, t('wf.note'), note), count,
      h('div', { class: 'buttons' }, next.map((a) => h('button', { type: 'button', id: 'task-' + a, onclick: () => act(a) }, t('wf.do.' + a)))),
      msg);
    const act = async (a) => {
      clear(msg);
      if (bytes() > max) {
        msg.append(h('p', { class: 'error', role: 'alert' }, t('wf.note_long', num(max))));
        return;
      }
      const body = { note: note.value || undefined, by: by.value || undefined };
      if (a === 'close') body.outcome = outcome.value;
      try {
        await api('/tasks/' + encodeURIComponent(id) + '/' + a, { method: 'POST', body });
        location.hash = '#/task/' + id + '?done=' + a;
      } catch (e) {
        msg.append(errorBox(e));
      }
    };
    main.append(form);
  }
  if (ctx.params.get('done')) main.append(h('p', { class: 'ok', role: 'status' }, t('wf.done.' + ctx.params.get('done'))));
  main.append(section(t('wf.history'), table([
    { label: t('wf.at'), class: 'mono', cell: (e) => e.at },
    { label: t('wf.by'), cell: (e) => e.by || '' },
    { label: t('wf.action'), cell: (e) => (t('wf.did.' + e.action) !== 'wf.did.' + e.action ? t('wf.did.' + e.action) : e.action) },
    { label: t('wf.status'), cell: (e) => (e.from ? t('tstatus.' + e.from) + ' → ' : '') + (e.to ? t('tstatus.' + e.to) : '') },
    { label: t('wf.note'), cell: (e) => e.note || '' },
  ], x.history || [], { class: 'history' })));
  main.append(section(t('wf.firms'), table([
    { label: t('firm.name'), cell: (f) => link('#/firm/' + encodeURIComponent(f.uscc), f.name || f.uscc) },
    { label: t('firm.address'), cell: (f) => f.address || '' },
  ], x.firms || []), x.firms_outside ? h('p', { class: 'muted' }, t('portrait.outside', x.firms_outside)) : null));
}
