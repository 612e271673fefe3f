#!/usr/bin/env bash
# Grid search of the hybrid's defaults on the VALIDATION splits of Groceries and MovieLens-100K (never the
# test split): for every configuration, NDCG@10 on both, and each relative to plain EASE^R on the same split.
# Usage: scripts/tune-hybrid.sh > tune.tsv   (needs a release build and scripts/fetch-movielens.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=./target/release/alsobuy
ev() { "$BIN" evaluate --validation --tsv "$@" | cut -f4; }
g_base=$(ev --dataset groceries --models ease)
m_base=$(ev --dataset ml100k --models ease)
echo -e "# ease baseline: groceries $g_base ml100k $m_base"
echo -e "half_life\tfloor\tdropout\tw_knn\tw_pop\tgroceries\tml100k\tg_rel\tm_rel\tmin_rel"
for hl in ${HL:-2 5 10 20}; do for fl in ${FL:-0 0.1 0.3}; do for d in ${DROP:-0 0.5}; do
for wk in ${WK:-0 0.25}; do for wp in ${WP:-0 0.1}; do
  set_args=(--set half_life=$hl --set floor=$fl --set dropout=$d --set w_knn=$wk --set w_pop=$wp)
  g=$(ev --dataset groceries --models hybrid "${set_args[@]}")
  m=$(ev --dataset ml100k --models hybrid "${set_args[@]}")
  python3 -c "g,m,gb,mb=$g,$m,$g_base,$m_base; gr=g/gb-1; mr=m/mb-1; print(f'$hl\t$fl\t$d\t$wk\t$wp\t{g:.5f}\t{m:.5f}\t{gr:+.4f}\t{mr:+.4f}\t{min(gr,mr):+.4f}')"
done; done; done; done; done
