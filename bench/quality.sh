#!/usr/bin/env bash
# Classification quality against the generator's hidden truth: AUC and KS of the score for
# violation_next, and the hit rate (share with violation_next = 1) per level with its lift over
# the overall rate. Enterprises missing from either side are left out (and counted).
#
# A figure means little alone, so two more are printed on the same enterprises:
#  - the baseline: a plain count of each firm's stored events of bad kinds (BAD_KINDS, default
#    below), the two-line model any model must beat;
#  - the ceiling: the generator's hidden propensity itself (truth.csv), which no model can beat.
# Usage: bench/quality.sh STORE TRUTH.csv [RUN]     e.g. bench/quality.sh out/demo.db out/city/truth.csv
# Paths are taken as given (relative to the current directory).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: bench/quality.sh STORE TRUTH.csv [RUN]" >&2; exit 2; }
db=$1; truth=$2; run=${3:-}
crisk=${CRISK:-$here/build/crisk}
bad=${BAD_KINDS:-penalty,abnormal_list,serious_violation,judgment,dishonest_debtor,complaint,tax_arrears,social_arrears,quality_fail}
[ -f "$db" ] || { echo "quality: no store at $db" >&2; exit 1; }
[ -f "$truth" ] || { echo "quality: no truth file at $truth" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$crisk" scores --db "$db" ${run:+--run "$run"} --csv | tail -n +2 | sort -t, -k1,1 > "$tmp/scores"
tail -n +2 "$truth" | cut -d, -f1,2,3 | sort -t, -k1,1 > "$tmp/truth"   # uscc,violation_next,propensity
join -t, "$tmp/scores" "$tmp/truth" > "$tmp/joined"   # uscc,score,level,violation_next,propensity
echo "scored: $(wc -l < "$tmp/scores"), in truth: $(wc -l < "$tmp/truth"), joined: $(wc -l < "$tmp/joined")"

# AUC by average ranks (ties share their rank), KS over the score from high to low.
# Input: score,label lines.
auc_ks() {
  sort -t, -k1,1g | awk -F, '
  { s[NR] = $1; y[NR] = $2; pos += $2 }
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
}

# The baseline: events of the bad kinds per firm (topics mapped to kinds from the store).
sqlite3 -csv "$db" "SELECT code, kind FROM topic" | awk -F, -v bad="$bad" '
  BEGIN { n = split(bad, b, ","); for (i = 1; i <= n; i++) isbad[b[i]] = 1 }
  isbad[$2] { print $1 }' > "$tmp/bad_topics"
"$crisk" events --db "$db" --csv --attrs-of none | awk -F, '
  NR == FNR { bad[$1] = 1; next }
  FNR > 1 && bad[$3] { n[$2]++ }
  END { for (k in n) print k "," n[k] }' "$tmp/bad_topics" - | sort -t, -k1,1 > "$tmp/counts"
join -t, -a 1 -e 0 -o 1.1,2.2,1.4 "$tmp/joined" "$tmp/counts" > "$tmp/baseline"  # uscc,count,label

printf 'model     '; cut -d, -f2,4 "$tmp/joined" | auc_ks
printf 'baseline  '; cut -d, -f2,3 "$tmp/baseline" | auc_ks
printf 'ceiling   '; cut -d, -f5,4 "$tmp/joined" | awk -F, '{ print $2 "," $1 }' | auc_ks
echo "(baseline: count of stored events of kinds $bad; ceiling: the generator's hidden propensity)"
awk -F, '{ n[$3]++; h[$3] += $4; N++; H += $4 }
  END { for (l = 0; l < 4; l++) { c = substr("ABCD", l + 1, 1)
          if (n[c]) printf "level %s: %7d enterprises, hit rate %.4f, lift %.2f\n", c, n[c], h[c] / n[c], (h[c] / n[c]) / (H / N) } }' "$tmp/joined"
