// Apache ECharts (built into the binary from node_modules; window.echarts) and the district map
// (data/geo's GeoJSON, served as /assets/districts.geojson). Every tooltip has a formatter of
// its own that returns escaped text: ECharts' default one writes style attributes, which the
// Content-Security-Policy (style-src 'self') refuses.
import { h, esc } from './util.js';
import { t, lang } from './i18n.js';

export const LEVEL_COLORS = { A: '#4c9a5e', B: '#d9b44a', C: '#e07b39', D: '#c0392b' };

export function available() {
  return !!window.echarts;
}

const live = new Set();
// Disposes of the charts of the page left behind.
export function disposeAll() {
  for (const c of live) c.dispose();
  live.clear();
}
window.addEventListener('resize', () => { for (const c of live) c.resize(); });

// A chart in a new box of class cls (sizes are in app.css): returns [box, chart|null].
export function chartBox(cls, option) {
  const box = h('div', { class: 'chart ' + (cls || '') });
  if (!available()) {
    box.append(h('p', { class: 'muted' }, t('chart.missing')));
    return [box, null];
  }
  // Laid out after the box is in the page.
  const chart = { box, option, inst: null };
  let tries = 0;
  const init = () => {
    if (!box.isConnected) {
      if (++tries < 600) requestAnimationFrame(init);
      return;
    }
    chart.inst = window.echarts.init(box, null, { renderer: 'canvas' });
    chart.inst.setOption(chart.option);
    live.add(chart.inst);
    box.dataset.ready = '1';
    if (chart.onReady) chart.onReady(chart.inst);
  };
  requestAnimationFrame(init);
  return [box, chart];
}

let mapPromise = null;
// The centre of each district ([lon, lat]), to zoom a district user's map onto theirs.
export const centers = {};
// The districts' names: Chinese from the GeoJSON, English from data/divisions'
// guangzhou_districts_en.csv (served as /assets/districts_en.csv).
const namesZh = {};
const namesEn = {};
// Registers the district map once; names are the 6-digit codes (labels come from the
// GeoJSON's names). Resolves to {code: name} in the current language.
export function districtMap() {
  if (!mapPromise) {
    const en = fetch('/assets/districts_en.csv').then((r) => (r.ok ? r.text() : '')).catch(() => '');
    mapPromise = Promise.all([fetch('/assets/districts.geojson').then((r) => r.json()), en]).then(([geo, csv]) => {
      for (const f of geo.features) {
        const code = String(f.properties.adcode);
        namesZh[code] = f.properties.name;
        centers[code] = f.properties.centroid || f.properties.center;
        f.properties.name = code;
      }
      // code,name,name_en (no quoting: the file holds none)
      for (const line of csv.split('\n').slice(1)) {
        const [code, , nameEn] = line.trim().split(',');
        if (code && nameEn) namesEn[code] = nameEn;
      }
      if (available()) window.echarts.registerMap('guangzhou', geo);
    });
  }
  return mapPromise.then(() => {
    const names = {};
    for (const code of Object.keys(namesZh)) names[code] = divisionName(code, namesZh[code]);
    return names;
  });
}

// A division's name for display: a district's English name in the English UI (once the map
// is loaded), else the name given (the server's Chinese name; streets and grids have no
// English names in data/).
export function divisionName(code, name) {
  return (lang() === 'en' && namesEn[code]) || name || namesZh[code] || '';
}

export function tip(lines) {
  return lines.map(esc).join('<br>');
}
