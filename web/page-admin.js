// The model tree (gz-2021 v3: 5 aspects, 24 categories, 73 indicators with their weights) with the promoted
// models (learn stage), the quarantine summary (city roles), the audit log (auditor, city
// administrator) and the users (city administrator).
import { h, api, qs, num, section, table, clear, errorBox } from './util.js';
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

const ROLES = ['city_admin', 'city_analyst', 'district', 'street', 'grid', 'auditor'];

// The users (city administrator): the list with each user's state, enabling and disabling,
// adding a user and setting a password (crisk user add, disable, enable, passwd). Disabling and
// a new password end the user's sessions (the server does that).
export async function usersPage(main, ctx) {
  const r = await api('/users');
  const done = ctx.params.get('done');
  main.append(h('h1', {}, t('nav.users')));
  if (['added', 'disabled', 'enabled', 'passwd'].includes(done)) main.append(h('p', { class: 'ok', role: 'status', id: 'users-done' }, t('users.done.' + done, ctx.params.get('name') || '')));
  const msg = h('div', { id: 'users-msg' });
  const patch = async (name, body, what) => {
    clear(msg);
    try {
      await api('/users/' + encodeURIComponent(name), { method: 'PATCH', body });
      location.hash = '#/users' + qs({ done: what, name });
    } catch (e) {
      msg.append(errorBox(e));
    }
  };
  const self = (u) => u.name === ctx.me.name;
  main.append(section(t('users.list'), msg, table([
    { label: t('users.name'), cell: (u) => [u.name, self(u) ? ' (' + t('users.self') + ')' : ''] },
    { label: t('users.role'), cell: (u) => t('role.' + u.role) },
    { label: t('users.scope'), class: 'mono', cell: (u) => u.scope || '' },
    { label: t('users.state'), cell: (u) => (u.disabled ? t('users.disabled') : t('users.enabled')) },
    { label: t('users.created'), class: 'mono', cell: (u) => u.created || '' },
    { label: t('users.sessions'), class: 'num', cell: (u) => num(u.sessions) },
    { label: t('users.last_seen'), class: 'mono', cell: (u) => u.last_seen || '' },
    {
      label: t('users.actions'), cell: (u) => (self(u) ? '' : u.disabled
        ? h('button', { type: 'button', class: 'user-enable', onclick: () => patch(u.name, { disabled: false }, 'enabled') }, t('users.enable'))
        : h('button', { type: 'button', class: 'user-disable', onclick: () => patch(u.name, { disabled: true }, 'disabled') }, t('users.disable'))),
    },
  ], r.users, { class: 'users', key: (u) => u.name })));

  // A new user: a division code as scope for the district, street and grid roles.
  const name = h('input', { id: 'user-name', name: 'name', required: true, autocomplete: 'off' });
  const role = h('select', { id: 'user-role', name: 'role' }, ROLES.map((x) => h('option', { value: x }, t('role.' + x))));
  const scope = h('input', { id: 'user-scope', name: 'scope', inputmode: 'numeric', autocomplete: 'off' });
  const password = h('input', { id: 'user-password', name: 'password', type: 'password', required: true, autocomplete: 'new-password' });
  const addMsg = h('div', { id: 'user-add-msg' });
  const add = h('form', { class: 'card', id: 'user-add' }, h('h2', {}, t('users.add')),
    h('label', {}, t('users.name'), name), h('label', {}, t('users.role'), role),
    h('label', {}, t('users.scope'), scope), h('p', { class: 'muted' }, t('users.scope_hint')),
    h('label', {}, t('users.password'), password), h('p', { class: 'muted' }, t('users.password_hint')),
    h('button', { type: 'submit' }, t('users.submit')), addMsg);
  add.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(addMsg);
    try {
      await api('/users', { method: 'POST', body: { name: name.value, role: role.value, password: password.value, scope: scope.value || undefined } });
      location.hash = '#/users' + qs({ done: 'added', name: name.value });
    } catch (e) {
      addMsg.append(errorBox(e));
    }
  });
  main.append(add);

  // A new password; one's own needs the current one too.
  const who = h('select', { id: 'passwd-user', name: 'user' }, r.users.map((u) => h('option', { value: u.name, selected: self(u) }, u.name)));
  const fresh = h('input', { id: 'passwd-new', name: 'password', type: 'password', required: true, autocomplete: 'new-password' });
  const current = h('input', { id: 'passwd-current', name: 'current_password', type: 'password', autocomplete: 'current-password' });
  const currentLabel = h('label', {}, t('users.current_password'), current);
  // (style, not the hidden attribute: the form's labels are display: block in app.css)
  const showCurrent = () => { currentLabel.style.display = who.value === ctx.me.name ? '' : 'none'; };
  who.addEventListener('change', showCurrent);
  showCurrent();
  const pwMsg = h('div', { id: 'passwd-msg' });
  const pw = h('form', { class: 'card', id: 'passwd-form' }, h('h2', {}, t('users.passwd')),
    h('label', {}, t('users.name'), who), h('label', {}, t('users.new_password'), fresh), currentLabel,
    h('p', { class: 'muted' }, t('users.passwd_hint')), h('button', { type: 'submit' }, t('users.passwd_submit')), pwMsg);
  pw.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(pwMsg);
    const body = { password: fresh.value };
    if (who.value === ctx.me.name) body.current_password = current.value;
    try {
      await api('/users/' + encodeURIComponent(who.value), { method: 'PATCH', body });
      fresh.value = current.value = '';
      // One's own new password ended this session too: logged out, as by the header's button.
      if (who.value === ctx.me.name) document.getElementById('logout').click();
      else location.hash = '#/users' + qs({ done: 'passwd', name: who.value });
    } catch (e) {
      pwMsg.append(errorBox(e));
    }
  });
  main.append(pw);
}
