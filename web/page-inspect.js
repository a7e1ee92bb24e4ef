// Inspection plans, draws and inspections (双随机): the plans, a new plan from its text (city
// roles), a plan's draws, a draw with its firms and its verification, the inspections with the
// form that records a result; and background jobs with a progress bar (city roles).
import { h, api, qs, num, section, table, link, errorBox, clear } from './util.js';
import { t } from './i18n.js';

export async function plansPage(main, ctx) {
  const r = await api('/plans');
  main.append(h('h1', {}, t('nav.plans')));
  main.append(section(t('insp.plans'), table([
    { label: '#', class: 'num', cell: (p) => link('#/plan/' + p.id, String(p.id)) },
    { label: t('insp.name'), cell: (p) => p.name },
    { label: t('insp.day'), class: 'mono', cell: (p) => p.day || '' },
    { label: t('insp.eligible'), class: 'num', cell: (p) => num(p.eligible) },
    { label: t('insp.draw'), cell: (p) => (p.draw ? link('#/draw/' + p.draw, '#' + p.draw) : '–') },
  ], r.plans || [], { class: 'plans' })));
  if (['city_admin', 'city_analyst'].includes(ctx.me.role)) {
    const text = h('textarea', { id: 'plan-text', rows: 10, placeholder: t('insp.text_hint') });
    const day = h('input', { id: 'plan-day', type: 'date' });
    const msg = h('div', {});
    const form = h('form', { class: 'card', id: 'plan-form' }, h('h2', {}, t('insp.new')), h('label', {}, t('insp.text'), text),
      h('label', {}, t('insp.day'), day), h('button', { type: 'submit' }, t('insp.create')), msg);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(msg);
      try {
        const x = await api('/plans', { method: 'POST', body: { text: text.value, day: day.value || undefined } });
        location.hash = '#/plan/' + x.plan;
      } catch (e) {
        msg.append(errorBox(e));
      }
    });
    main.append(form);
  }
}

export async function planPage(main, ctx) {
  const p = await api('/plans/' + encodeURIComponent(ctx.args[0]));
  main.append(h('p', {}, link('#/plans', '← ' + t('nav.plans'))), h('h1', {}, t('insp.plan'), ' #', String(p.id), ' · ', p.name));
  main.append(section(t('insp.counts'), h('pre', {}, JSON.stringify(p.counts || {}, null, 2))));
  main.append(section(t('insp.draws'), table([
    { label: '#', class: 'num', cell: (d) => link('#/draw/' + d.id, String(d.id)) },
    { label: t('insp.day'), class: 'mono', cell: (d) => d.day },
    { label: t('insp.sampled'), class: 'num', cell: (d) => num(d.sampled) },
    { label: t('insp.void'), cell: (d) => (d.void ? t('common.yes') : '') },
  ], p.draws || [])));
  main.append(section(t('insp.text'), h('pre', { class: 'plan-text' }, p.text || '')));
}

export async function drawPage(main, ctx) {
  const id = ctx.args[0];
  const d = await api('/draws/' + encodeURIComponent(id));
  main.append(h('p', {}, link('#/plan/' + d.plan, '← ' + (d.plan_name || t('insp.plan')))),
    h('h1', {}, t('insp.draw'), ' #', String(d.id)),
    h('p', { class: 'muted' }, t('insp.day'), ' ', d.day || '', ' · ', t('insp.seed'), ' ', d.seed || '', ' · ', t('insp.sampled'), ' ', num(d.sampled)));
  const out = h('div', { id: 'verify-out' });
  main.append(h('p', {}, h('button', {
    type: 'button', id: 'verify', onclick: async () => {
      clear(out);
      try {
        const v = await api('/draws/' + encodeURIComponent(id) + '/verify');
        out.append(h('p', { class: v.match ? 'ok' : 'error' }, v.match ? t('insp.verified') : t('insp.mismatch')));
      } catch (e) {
        out.append(errorBox(e));
      }
    },
  }, t('insp.verify')), out));
  main.append(section(t('insp.firms'), table([
    { label: t('firm.name'), cell: (f) => link('#/firm/' + encodeURIComponent(f.uscc), f.name || f.uscc) },
    { label: t('insp.arm'), cell: (f) => t('arm.' + f.arm) },
    { label: t('portrait.level'), cell: (f) => f.level || '' },
    { label: t('insp.inspectors'), cell: (f) => (f.inspectors || []).join(', ') || f.unstaffed || '' },
    { label: t('insp.result'), cell: (f) => f.label || f.result || '' },
  ], d.firms || []), d.firms_outside ? h('p', { class: 'muted' }, t('portrait.outside', d.firms_outside)) : null));
}

export async function inspectionsPage(main, ctx) {
  // The page's "all" is the API's absent state (it takes open, done or cancelled).
  const state = ctx.params.get('state') || 'open';
  const [r, v] = await Promise.all([api('/inspections' + qs({ state: state === 'all' ? undefined : state, limit: 100 })), api('/vocabulary').catch(() => ({ results: [] }))]);
  const sel = h('select', { id: 'insp-state' }, ['open', 'done', ''].map((s) => h('option', { value: s, selected: (s || 'all') === state }, t('insp.state.' + (s || 'all')))));
  sel.addEventListener('change', () => { location.hash = '#/inspections' + qs({ state: sel.value || 'all' }); });
  main.append(h('h1', {}, t('nav.inspections')), h('label', { class: 'inline' }, t('wf.status'), sel));
  const canRecord = ctx.me.role !== 'city_analyst';
  main.append(table([
    { label: '#', class: 'num', cell: (x) => String(x.id) },
    { label: t('firm.name'), cell: (x) => link('#/firm/' + encodeURIComponent(x.uscc), x.name || x.uscc) },
    { label: t('insp.draw'), cell: (x) => link('#/draw/' + x.draw, '#' + x.draw) },
    { label: t('insp.inspectors'), cell: (x) => (x.inspectors || []).join(', ') },
    { label: t('insp.result'), cell: (x) => (x.result ? (x.label || x.result) + (x.day ? ' · ' + x.day : '') : canRecord ? resultForm(x, v.results) : '–') },
  ], r.inspections || [], { class: 'inspections' }));
}

function resultForm(x, results) {
  const res = h('select', {}, results.map((o) => h('option', { value: o.code }, o.label || o.code)));
  const items = h('input', { placeholder: t('insp.items') });
  const msg = h('span', {});
  const form = h('form', { class: 'inline-form' }, res, items, h('button', { type: 'submit' }, t('insp.record')), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(msg);
    try {
      const y = await api('/inspections/' + x.id + '/result', { method: 'POST', body: { result: res.value, items: items.value || undefined } });
      form.replaceWith(document.createTextNode((y.label || y.result) + ' · ' + (y.day || '')));
    } catch (e) {
      msg.append(errorBox(e));
    }
  });
  return form;
}

export async function jobsPage(main, ctx) {
  main.append(h('h1', {}, t('nav.jobs')));
  const msg = h('div', {});
  const kind = h('select', { id: 'job-kind' }, ['classify', 'monitor', 'learn'].map((k) => h('option', { value: k }, t('job.' + k))));
  const asOf = h('input', { id: 'job-as-of', type: 'date' });
  // A learn run measures the champion against a label file (its YAML text, docs/learn.md).
  const label = h('textarea', { id: 'job-label', rows: 6, placeholder: t('job.label_hint') });
  const labelBox = h('label', { class: 'wide' }, t('job.label'), label);
  // (style, not the hidden attribute: the form's labels are display: flex in app.css)
  const showLabel = () => { labelBox.style.display = kind.value === 'learn' ? '' : 'none'; };
  showLabel();
  kind.addEventListener('change', showLabel);
  const form = h('form', { class: 'filters', id: 'job-form' }, h('label', {}, t('job.kind'), kind), h('label', {}, t('job.as_of'), asOf),
    labelBox, h('button', { type: 'submit' }, t('job.start')), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(msg);
    try {
      const body = { kind: kind.value, as_of: asOf.value || undefined };
      if (kind.value === 'learn') body.label = label.value;
      await api('/jobs', { method: 'POST', body });
      location.hash = '#/jobs?t=' + Date.now();
    } catch (e) {
      msg.append(errorBox(e));
    }
  });
  main.append(form);
  const list = h('div', { id: 'jobs' });
  main.append(list);
  const draw = (jobs) => {
    clear(list).append(table([
      { label: '#', class: 'num', cell: (j) => String(j.id) },
      { label: t('job.kind'), cell: (j) => t('job.' + j.kind) },
      { label: t('job.state'), cell: (j) => t('job.state.' + j.state) },
      { label: t('job.progress'), cell: (j) => { const bar = h('span', { class: 'bar' }); bar.style.width = Math.round(100 * (j.progress || 0)) + '%'; return h('span', { class: 'progress', title: pctText(j.progress) }, bar); } },
      { label: t('job.message'), cell: (j) => (j.error ? j.error.message : j.message || '') },
      { label: t('job.result'), cell: jobResult },
      { label: t('audit.user'), cell: (j) => j.user || '' },
    ], jobs, { class: 'jobs' }));
  };
  const poll = async () => {
    if (ctx.stale()) return;
    const r = await api('/jobs');
    draw(r.jobs || []);
    if ((r.jobs || []).some((j) => j.state === 'running')) setTimeout(poll, 1000);
  };
  await poll();
}

// What a finished job found: a run's id, a learn run's champion AUC and KS.
function jobResult(j) {
  const r = j.result || {};
  if (r.champion) return 'AUC ' + num(r.champion.auc, 3) + ' · KS ' + num(r.champion.ks, 3) + ' · ' + t('job.rows', num(r.rows));
  if (r.run) return t('job.run', r.run);
  return '';
}

function pctText(p) {
  return Math.round(100 * (p || 0)) + '%';
}
