#!/usr/bin/env bash
# Grid search of the linear blend's defaults (`--model blend`, the candidate generator of the default `hybrid`) on the VALIDATION splits of Groceries and MovieLens-100K (never the
# test split). The validation split is carved from the test split's training part the same way (Groceries:
# 20% of the training baskets, seed 43; MovieLens: each user's last training item). For every configuration it
# prints NDCG@10 on both and each relative to plain EASE^R (λ = 100) on the same split; the defaults maximise
# the smaller of the two relative gains (min_rel), so neither dataset is sacrificed to the other.
#
# Usage: cargo build --release && scripts/fetch-movielens.sh && scripts/tune-hybrid.sh > tune.tsv
# Override a grid with environment variables, e.g. RN="0.5 1" LAMBDA="50 100" scripts/tune-hybrid.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=./target/release/alsobuy
ev() { "$BIN" evaluate --validation --tsv "$@" | cut -f4; }
g_base=$(ev --dataset groceries --models ease)
m_base=$(ev --dataset ml100k --models ease)
echo "# ease baseline (validation): groceries $g_base ml100k $m_base"
echo -e "lambda\tdropout\trow_norm\thalf_life\tfloor\tw_knn\tw_pop\tgroceries\tml100k\tg_rel\tm_rel\tmin_rel"
for l in ${LAMBDA:-50 100 200}; do for d in ${DROP:-0.25 0.5 0.7}; do for rn in ${RN:-0 0.5 0.75 1}; do
for hl in ${HL:-5}; do for fl in ${FL:-0.05}; do for wk in ${WK:-0.25}; do for wp in ${WP:-0.5}; do
  args=(--set lambda=$l --set dropout=$d --set row_norm=$rn --set half_life=$hl --set floor=$fl
        --set w_knn=$wk --set w_pop=$wp)
  g=$(ev --dataset groceries --models blend "${args[@]}")
  m=$(ev --dataset ml100k --models blend "${args[@]}")
  python3 -c "g,m,gb,mb=$g,$m,$g_base,$m_base; gr=g/gb-1; mr=m/mb-1; print(f'$l\t$d\t$rn\t$hl\t$fl\t$wk\t$wp\t{g:.5f}\t{m:.5f}\t{gr:+.4f}\t{mr:+.4f}\t{min(gr,mr):+.4f}')"
done; done; done; done; done; done; done
