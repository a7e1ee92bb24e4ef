#!/usr/bin/env python3
"""The peers of bench/learn.sh on crisk's exported matrix, fold for fold: scikit-learn's
LogisticRegression (median imputation, standardisation, L2, C=1) and XGBoost's Python package with
crisk's tree settings (binary:logistic, hist, eta 0.05, depth 3, monotone constraints from the
matrix's direction line, early stopping after 50 rounds on a stratified 20 % validation split of
each training fold, at most 1000 rounds). Prints one JSON object: the AUC of each, computed on the
out-of-fold predictions, and of crisk's trees (their predictions in CRISK_TREES.csv) and of
crisk's scorecard when given.

  peers.py MATRIX.csv CRISK_TREES.csv [SCORECARD_AUC]"""
import csv, json, math, os, sys
import numpy as np
import xgboost as xgb
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

rd = csv.reader(open(sys.argv[1], newline=''))
head = next(rd)
names = head[3:]
dirs, sub, y, fold, X = None, [], [], [], []
for r in rd:
    if r[0] == 'direction':
        dirs = [int(v or 0) for v in r[3:]]
        continue
    sub.append(int(r[0])); y.append(int(r[1])); fold.append(int(r[2]))
    X.append([float(v) if v != '' else np.nan for v in r[3:]])
X, y, fold = np.array(X, dtype=np.float32), np.array(y), np.array(fold)
dirs = dirs or [0] * len(names)
lr = np.full(len(y), np.nan)
xg = np.full(len(y), np.nan)
params = {'objective': 'binary:logistic', 'tree_method': 'hist', 'eta': 0.05, 'max_depth': 3,
          'min_child_weight': 1, 'lambda': 1, 'eval_metric': 'logloss', 'seed': 20240612,
          'nthread': int(os.environ.get('CRISK_XGB_THREADS', '1')), 'monotone_constraints': '(' + ','.join(map(str, dirs)) + ')'}
for k in sorted(set(fold)):
    tr, te = fold != k, fold == k
    keep = ~np.all(np.isnan(X[tr]), axis=0)  # columns with no value at all: nothing to impute
    m = make_pipeline(SimpleImputer(strategy='median'), StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
    m.fit(X[tr][:, keep], y[tr])
    lr[te] = m.predict_proba(X[te][:, keep])[:, 1]
    idx = np.where(tr)[0]
    fit, val = train_test_split(idx, test_size=0.2, stratify=y[idx], random_state=20240612)
    b = xgb.train(params, xgb.DMatrix(X[fit], label=y[fit], missing=np.nan), 1000,
                  evals=[(xgb.DMatrix(X[val], label=y[val], missing=np.nan), 'valid')],
                  early_stopping_rounds=50, verbose_eval=False)
    xg[te] = b.predict(xgb.DMatrix(X[te], missing=np.nan), iteration_range=(0, b.best_iteration + 1))
pred = {int(r['subject']): float(r['pred']) for r in csv.DictReader(open(sys.argv[2], newline=''))}
ct = np.array([pred.get(s, np.nan) for s in sub])
assert not np.isnan(ct).any(), 'crisk trees left rows without a prediction'
out = {'rows': len(y), 'positives': int(y.sum()), 'features': len(names), 'folds': int(len(set(fold))),
       'sklearn_logistic': roc_auc_score(y, lr), 'xgboost_python': roc_auc_score(y, xg),
       'crisk_trees': roc_auc_score(y, ct)}
if len(sys.argv) > 3 and sys.argv[3] not in ('', 'null'):
    out['crisk_scorecard'] = float(sys.argv[3])
print(json.dumps(out))
