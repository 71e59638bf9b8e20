#!/usr/bin/env python3
"""Split a held-out chat set into a tune half and a frozen half.

Usage: python3 evals/chat/split.py PREFIX FILE.jsonl [FILE.jsonl ...]
       e.g. python3 evals/chat/split.py evals/chat/heldout-v3 /tmp/all.jsonl

Writes PREFIX-tune.jsonl and PREFIX-frozen.jsonl. A case goes to the tune half when the
first byte of the SHA-256 of its id is even, to the frozen half when it is odd, so nobody
picks where a case lands and adding a case never moves another. Within each half the
cases are grouped by language (the id's prefix) and keep their input order. Running it
again on the two halves it wrote rewrites the same two files. Standard library only.
"""

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path


def half(case_id):
    return "tune" if hashlib.sha256(case_id.encode("utf-8")).digest()[0] % 2 == 0 else "frozen"


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    prefix, inputs = argv[1], [Path(a) for a in argv[2:]]
    lines = []
    for path in inputs:
        lines += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    langs = []  # first-seen order of languages
    halves = {"tune": [], "frozen": []}
    counts = {"tune": Counter(), "frozen": Counter()}
    for line in lines:
        case_id = json.loads(line)["id"]
        lang = case_id.split("-", 1)[0]
        if lang not in langs:
            langs.append(lang)
        h = half(case_id)
        halves[h].append((lang, line))
        counts[h][lang] += 1
    for h, rows in halves.items():
        rows.sort(key=lambda r: langs.index(r[0]))  # stable: input order within a language
        Path(f"{prefix}-{h}.jsonl").write_text("".join(line + "\n" for _, line in rows), encoding="utf-8")
    for lang in langs:
        print(f"{lang}: tune {counts['tune'][lang]}, frozen {counts['frozen'][lang]}")
    print(f"total: tune {len(halves['tune'])}, frozen {len(halves['frozen'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
