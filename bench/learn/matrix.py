#!/usr/bin/env python3
"""bench/learn.sh's stand-in exporter of the learn matrix, for stores whose `crisk learn` has no
--export-matrix yet. Writes the matrix CSV bench/xgb_fit and bench/learn/peers.py read:
`subject,y,fold,<features>`, a `direction,,,<+1|-1|0>` line, one row per firm (empty = missing).

  matrix.py attrs DB LABEL.yaml OUT.csv            registry attributes: numbers as attr:<col>,
                                                   other columns one-hot as attr:<col>=<value>
  matrix.py indicators DB IND.csv LABEL OUT.csv MODEL.yaml
                                                   the model's indicator values (crisk classify
                                                   --indicators); LABEL is a label.yaml (a registry
                                                   attribute) or a truth.csv (violation_next)

Folds: 5, stratified by label, rows ordered within each class by a hash of the store subject
(fixed: the same store gives the same folds)."""
import csv, hashlib, json, sqlite3, sys
import yaml

K = 5


def label_of(db, label):
    """subject -> 0/1 from a label.yaml's attribute column."""
    spec = yaml.safe_load(open(label, encoding='utf-8'))
    col, pos = spec['column'], set(map(str, spec['positive']))
    out = {}
    for sub, attrs in db.execute('SELECT subject, attrs FROM enterprise'):
        a = json.loads(attrs) if attrs else {}
        if col in a:
            out[sub] = int(str(a[col]) in pos)
    return out, set(spec.get('exclude') or []) | {col}


def folds(y):
    h = lambda s: hashlib.sha256(str(s).encode()).hexdigest()
    f = {}
    for cls in (0, 1):
        subs = sorted((s for s in y if y[s] == cls), key=h)
        for i, s in enumerate(subs):
            f[s] = i % K
    return f


def write(out, subjects, y, names, dirs, rows):
    fd = folds({s: y[s] for s in subjects})
    with open(out, 'w', newline='') as fp:
        w = csv.writer(fp, lineterminator='\n')
        w.writerow(['subject', 'y', 'fold'] + names)
        w.writerow(['direction', '', ''] + dirs)
        for s in subjects:
            w.writerow([s, y[s], fd[s]] + ['' if v is None else repr(float(v)) for v in rows[s]])
    print('matrix: %d rows, %d positives, %d features' % (len(subjects), sum(y[s] for s in subjects), len(names)),
          file=sys.stderr)


def num(v):
    try:
        x = float(v)
        return x if x == x and abs(x) != float('inf') else None
    except (TypeError, ValueError):
        return None


def attrs_matrix(dbp, label, out):
    db = sqlite3.connect(dbp)
    y, skip = label_of(db, label)
    attrs = {s: json.loads(a) for s, a in db.execute('SELECT subject, attrs FROM enterprise') if s in y}
    cols = sorted({c for a in attrs.values() for c in a} - skip)
    names = []
    for c in cols:
        vals = [a.get(c) for a in attrs.values() if a.get(c) is not None]
        if all(num(v) is not None for v in vals):
            names.append(('attr:' + c, c, None))
        else:
            names += [('attr:%s=%s' % (c, v), c, v) for v in sorted(set(map(str, vals)))]
    subjects = sorted(y)
    rows = {}
    for s in subjects:
        a = attrs[s]
        rows[s] = [None if a.get(c) is None else (num(a[c]) if v is None else float(str(a[c]) == v))
                   for _, c, v in names]
    write(out, subjects, y, [n for n, _, _ in names], [0] * len(names), rows)


def directions(model):
    """+1 when an indicator's points rise with its value (its last bin above its first), -1 when
    they fall, 0 for maps and flat bins."""
    m = yaml.safe_load(open(model, encoding='utf-8'))
    d = {}
    for a in m['aspects']:
        for c in a['categories']:
            for i in c['indicators']:
                b = i.get('bins')
                d[i['id']] = 0 if not b else (1 if b[-1][2] > b[0][2] else -1 if b[-1][2] < b[0][2] else 0)
    return d


def mapped_indicators(model):
    m = yaml.safe_load(open(model, encoding='utf-8'))
    return {i['id'] for a in m['aspects'] for c in a['categories'] for i in c['indicators'] if 'map' in i}


def indicators_matrix(dbp, ind, label, out, model):
    db = sqlite3.connect(dbp)
    keys = {}
    for sub, key in db.execute('SELECT id, key FROM subject'):
        keys[key] = sub
    for sub, uscc in db.execute('SELECT subject, uscc FROM enterprise WHERE uscc IS NOT NULL'):
        keys[uscc] = sub
    if label.endswith('.yaml'):
        y, _ = label_of(db, label)
    else:
        y = {keys[r['uscc']]: int(r['violation_next']) for r in csv.DictReader(open(label, newline=''))
             if r['uscc'] in keys}
    rd = csv.DictReader(open(ind, newline='', encoding='utf-8'))
    feats = [c[:-6] for c in rd.fieldnames if c.endswith('.value')]
    dirs = directions(model)
    mapped = mapped_indicators(model)  # a categorical indicator is its points (as crisk learn)
    col = {f: f + ('.points' if f in mapped else '.value') for f in feats}
    rows = {}
    for r in rd:
        s = keys.get(r[rd.fieldnames[0]])
        if s in y:
            rows[s] = [num(r[col[f]]) if r[col[f]] != '' else None for f in feats]
    subjects = sorted(rows)
    write(out, subjects, y, feats, [dirs.get(f, 0) for f in feats], rows)


if __name__ == '__main__':
    if sys.argv[1] == 'attrs':
        attrs_matrix(*sys.argv[2:5])
    else:
        indicators_matrix(*sys.argv[2:7])
