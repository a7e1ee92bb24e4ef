#!/usr/bin/env bash
# Classification quality against the generator's hidden truth: AUC and KS of the score for
# violation_next, and the hit rate (share with violation_next = 1) per level with its lift over
# the overall rate. Enterprises missing from either side are left out (and counted).
# Usage: bench/quality.sh STORE TRUTH.csv [RUN]     e.g. bench/quality.sh out/demo.db out/city/truth.csv
set -euo pipefail
cd "$(dirname "$0")/.."
db=$1; truth=$2; run=${3:-}
crisk=${CRISK:-build/crisk}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$crisk" scores --db "$db" ${run:+--run "$run"} --csv | tail -n +2 | sort -t, -k1,1 > "$tmp/scores"
tail -n +2 "$truth" | cut -d, -f1,2 | sort -t, -k1,1 > "$tmp/truth"
join -t, "$tmp/scores" "$tmp/truth" > "$tmp/joined"      # uscc,score,level,violation_next
echo "scored: $(wc -l < "$tmp/scores"), in truth: $(wc -l < "$tmp/truth"), joined: $(wc -l < "$tmp/joined")"
# AUC by average ranks (ties share their rank), KS over the score from high to low.
sort -t, -k2,2g "$tmp/joined" | awk -F, '
  { s[NR] = $2; y[NR] = $4; pos += $4 }
  END {
    n = NR; neg = n - pos
    i = 1
    while (i <= n) {
      j = i; while (j < n && s[j + 1] == s[i]) j++
      r = (i + j) / 2
      for (k = i; k <= j; k++) if (y[k] == 1) rs += r
      i = j + 1
    }
    auc = (rs - pos * (pos + 1) / 2) / (pos * neg)
    tp = 0; fp = 0; ks = 0
    for (k = n; k >= 1; k--) {
      if (y[k] == 1) tp++; else fp++
      if (k == 1 || s[k - 1] != s[k]) { d = tp / pos - fp / neg; if (d > ks) ks = d }
    }
    printf "AUC %.4f  KS %.4f  (positives %d of %d, overall hit rate %.4f)\n", auc, ks, pos, n, pos / n
  }'
awk -F, '{ n[$3]++; h[$3] += $4; N++; H += $4 }
  END { for (l = 0; l < 4; l++) { c = substr("ABCD", l + 1, 1)
          if (n[c]) printf "level %s: %7d enterprises, hit rate %.4f, lift %.2f\n", c, n[c], h[c] / n[c], (h[c] / n[c]) / (H / N) } }' "$tmp/joined"
