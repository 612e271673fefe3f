#!/usr/bin/env python3
"""Synthetic data for the `alsobuy recommend` scale check (issue #7: 1,000,000 training rows, 100,000 queries).

100,000 users, 50,000 items with Zipf-like popularity (exponent 1.1), sessions of 1-8 items, events
view/cart/purchase, integer timestamps; items.csv with every item (category path, brand, price); queries:
70% known users, 30% anonymous, 0-3 context items. Seeded (default 7), so the files are reproducible.

Usage: scripts/gen-scale-data.py OUT_DIR [ROWS] [QUERIES] [SEED]
Then:  /usr/bin/time -v target/release/alsobuy recommend --events OUT_DIR/train.csv --items OUT_DIR/items.csv \
         --queries OUT_DIR/queries.csv --k 10 --out OUT_DIR/recs.csv
"""
import bisect
import os
import random
import sys

out = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
queries = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 7)
n_users, n_items = 100_000, 50_000
os.makedirs(out, exist_ok=True)
cum, total = [], 0.0
for i in range(n_items):
    total += 1.0 / (i + 1) ** 1.1
    cum.append(total)


def item():
    return bisect.bisect_left(cum, rng.random() * total)


with open(os.path.join(out, "items.csv"), "w") as f:
    f.write("item,category,brand,price\n")
    for i in range(n_items):
        f.write(f"i{i},dept{i % 20}/aisle{i % 400},brand{i % 997},{(i % 50) + 0.99:.2f}\n")
with open(os.path.join(out, "train.csv"), "w") as f:
    f.write("user,session,item,event,timestamp\n")
    written, session, ts = 0, 0, 0
    while written < rows:
        user = rng.randrange(n_users)
        session += 1
        ts += rng.randrange(1, 60)
        for _ in range(min(rng.randint(1, 8), rows - written)):
            ev = rng.choices(("view", "cart", "purchase"), (6, 2, 2))[0]
            f.write(f"u{user},s{session},i{item()},{ev},{ts}\n")
            written += 1
with open(os.path.join(out, "queries.csv"), "w") as f:
    f.write("query,user,context\n")
    for q in range(queries):
        user = f"u{rng.randrange(n_users)}" if rng.random() < 0.7 else ""
        ctx = " ".join(f"i{item()}" for _ in range(rng.randint(0, 3)))
        f.write(f"q{q},{user},{ctx}\n")
