#!/usr/bin/env python3
"""Builds the `homedepot` BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv).

A second public product-search relevance set for `concierge eval retrieval`, kept out of
tuning: measure on it, never tune on it.

Source
    Kaggle "Home Depot Product Search Relevance" (2016), the labelled train set
    (train.csv: id, product_uid, product_title, search_term, relevance), as vendored in
    the course project github.com/andmck1/home-depot:
        commit 41fa8373fa0386b99ff159c696da4b7053531723, path data/train.csv.zip
        (blob 23832c70fbcca1fedf8c8e21a90f96b128326e47,
         sha256 f6699098295f36e20fa76d07884aa453e9005aa97d9d6a6c1ac42c37142da88a)
    74,067 judged (query, product) pairs, 11,795 queries, 54,667 products: the row,
    query and product counts of Kaggle's train.csv. Each relevance is the mean of at least
    three human raters on 1 (not relevant) .. 3 (highly relevant).
    The snapshot's product_descriptions.csv.zip and attributes.csv.zip are absent (too
    large for the mirror), so documents are titles only.

Licence
    None is stated in that repository; the data is Kaggle competition data under the
    competition's rules (use for the competition, research and education; no grant to
    redistribute), like the crowdflower set in shared/data. Development and evaluation
    only; nothing of it ships in the product.

Conversion
    grade = floor(mean + 0.5) - 1: 1..1.33 -> 0, 1.5..2.33 -> 1, 2.5..3 -> 2 (graded, as
    crowdflower's 0..3; a grade above 0 counts as relevant for Recall and MRR).
    Queries: those with at least 5 judged products and at least one of grade 2; 1,000 of
    them drawn with a fixed seed. Corpus: every product judged for those queries, plus
    distractors (other products of train.csv, drawn with the same seed) up to 20,000
    documents; `_id` hd<product_uid>, `title` the product title, `text` empty.
    Distractors were judged for other queries only, so an unjudged hit counts as not
    relevant (the usual BEIR assumption).

Usage
    fetch github:andmck1/home-depot with the search tool, then
    git --git-dir=<mirror> show 41fa8373fa0386b99ff159c696da4b7053531723:data/train.csv.zip > /tmp/train.csv.zip
    python3 evals/retrieval/homedepot/build.py /tmp/train.csv.zip
"""

import collections
import csv
import hashlib
import io
import json
import math
import random
import sys
import zipfile
from pathlib import Path

SHA256 = "f6699098295f36e20fa76d07884aa453e9005aa97d9d6a6c1ac42c37142da88a"
SEED = 20160427  # the competition's closing date
QUERIES = 1000
MIN_JUDGED = 5
CORPUS = 20_000


def grade(mean: float) -> int:
    return math.floor(mean + 0.5) - 1


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    raw = Path(sys.argv[1]).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        sys.exit(f"unexpected input: sha256 {digest}, want {SHA256}")
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        text = z.read("train.csv").decode("latin-1")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 74_067, len(rows)

    titles: dict[str, str] = {}
    judged: dict[str, dict[str, int]] = collections.defaultdict(dict)
    for r in rows:
        uid = r["product_uid"]
        titles[uid] = " ".join(r["product_title"].split())
        query = " ".join(r["search_term"].split())
        judged[query][uid] = grade(float(r["relevance"]))

    eligible = sorted(
        q
        for q, docs in judged.items()
        if len(docs) >= MIN_JUDGED and max(docs.values()) == 2
    )
    rng = random.Random(SEED)
    picked = sorted(rng.sample(eligible, QUERIES))

    in_corpus = sorted({uid for q in picked for uid in judged[q]}, key=int)
    rest = sorted(set(titles) - set(in_corpus), key=int)
    in_corpus += rng.sample(rest, CORPUS - len(in_corpus))
    in_corpus.sort(key=int)

    out = Path(__file__).resolve().parent
    (out / "qrels").mkdir(exist_ok=True)
    with open(out / "corpus.jsonl", "w", encoding="utf-8") as f:
        for uid in in_corpus:
            f.write(json.dumps({"_id": f"hd{uid}", "title": titles[uid], "text": ""}) + "\n")
    with open(out / "queries.jsonl", "w", encoding="utf-8") as f:
        for n, q in enumerate(picked, 1):
            f.write(json.dumps({"_id": f"q{n}", "text": q}) + "\n")
    pairs = 0
    grades = collections.Counter()
    with open(out / "qrels" / "test.tsv", "w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for n, q in enumerate(picked, 1):
            for uid, g in sorted(judged[q].items(), key=lambda kv: int(kv[0])):
                f.write(f"q{n}\thd{uid}\t{g}\n")
                pairs += 1
                grades[g] += 1
    print(
        f"{len(picked)} queries (of {len(eligible)} eligible), {len(in_corpus)} documents, "
        f"{pairs} judged pairs, grades {dict(sorted(grades.items()))}"
    )


if __name__ == "__main__":
    main()
