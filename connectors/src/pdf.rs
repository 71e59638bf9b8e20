//! Uploaded PDFs: the text layer, page by page, and the title in the document's metadata.
//!
//! lopdf parses the file; the walk over each page's content stream is ours. lopdf's own
//! `extract_text` breaks lines only at `ET` and `T*`, so text placed line by line with `Td` or
//! `Tm` (pdfTeX, groff, many word processors) ran together and every paragraph boundary was
//! lost. Here each string shown is placed on the page (text and graphics matrices, the font's
//! glyph widths), and the gaps between the pieces decide where words, lines and paragraphs
//! break.
//!
//! Uploads are untrusted: the file's size, its page count, how much content is decoded and how
//! deeply forms nest are all bounded, and every failure is a [`PdfError`].

use std::collections::HashMap;
use std::rc::Rc;

use lopdf::content::{Content, Operation};
use lopdf::xref::XrefRecovery;
use lopdf::{DecompressError, Dictionary, Document, Encoding, LoadOptions, Object, ObjectId};

/// The largest PDF read, in bytes.
pub const MAX_PDF_BYTES: usize = 20 * 1024 * 1024;
/// The most pages read from one PDF.
pub const MAX_PDF_PAGES: usize = 2_000;
/// How large one stream may decode to (a page's contents, a form, a font's Unicode map).
const MAX_STREAM_BYTES: usize = 32 * 1024 * 1024;
/// How much work one document may make: bytes of content and Unicode maps decoded, glyph widths
/// read and text produced, summed over all pages. A 2,000-page text PDF needs a fraction of it.
const MAX_WORK: usize = 128 * 1024 * 1024;
/// How deeply forms (`Do` of a form XObject) may nest inside a page.
const MAX_FORM_DEPTH: usize = 8;
/// How deeply `q` may nest (real files stay under the spec's 28); deeper saves are counted, not
/// kept.
const MAX_SAVED_STATES: usize = 64;
/// A gap between two glyphs wider than this share of the font size separates words.
const WORD_GAP: f64 = 0.15;
/// The most characters of a metadata title kept.
const MAX_TITLE_CHARS: usize = 200;

/// Why a PDF gave no text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PdfError {
    #[error("the PDF is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("the PDF has more than {limit} pages")]
    TooManyPages { limit: usize },
    #[error(
        "the PDF holds more content than one upload may decode ({} MiB in one stream, {} MiB \
         in all)",
        MAX_STREAM_BYTES >> 20,
        MAX_WORK >> 20
    )]
    TooMuchContent,
    #[error("the PDF is encrypted or password-protected: upload an unprotected copy")]
    Encrypted,
    #[error(
        "the PDF has no text layer (it is a scan or pictures of text): run it through OCR, \
         or upload the text itself"
    )]
    NoTextLayer,
    #[error("the PDF could not be read: {0}")]
    Unreadable(String),
}

/// A PDF's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfText {
    /// The `/Title` in the document information dictionary, when it has a non-blank one.
    pub title: Option<String>,
    /// Each page's text: lines separated by `\n`, paragraphs by a blank line.
    pub pages: Vec<String>,
}

/// Reads the text layer of a PDF.
pub fn extract(bytes: &[u8]) -> Result<PdfText, PdfError> {
    if bytes.len() > MAX_PDF_BYTES {
        return Err(PdfError::TooLarge {
            size: bytes.len(),
            limit: MAX_PDF_BYTES,
        });
    }
    // lopdf has panicked on crafted files (`unwrap`s and slice indexing in its parser; lopdf
    // issue #532 lists four from 2026), so a panic is caught and becomes this file's error
    // rather than the worker's. Stack overflow and allocation failure abort instead of
    // unwinding: lopdf's nesting limit, ours on forms and the bounds above guard those.
    std::panic::catch_unwind(|| read(bytes)).unwrap_or_else(|_| {
        Err(PdfError::Unreadable(
            "the PDF parser failed on this file".to_owned(),
        ))
    })
}

/// The first line that reads as a heading: a paragraph of one short line near the top of the
/// first page with text, not ending like a sentence.
pub fn heading_line(pages: &[String]) -> Option<String> {
    let page = pages.iter().find(|p| !p.trim().is_empty())?;
    page.split("\n\n").take(3).find_map(|paragraph| {
        let line = paragraph.trim();
        let heading_like = !line.contains('\n')
            && line.chars().count() <= 100
            && line.split_whitespace().count() <= 15
            && line.chars().any(char::is_alphabetic)
            && !line.ends_with(['.', ',', ';', ':']);
        heading_like.then(|| line.to_owned())
    })
}

fn read(bytes: &[u8]) -> Result<PdfText, PdfError> {
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        ..LoadOptions::default()
    };
    let mut doc = Document::load_mem_with_options(bytes, options).map_err(load_error)?;
    // lopdf opens a file whose user password is empty (restrictions only) by itself; any other
    // leaves the document encrypted with nothing decrypted.
    if doc.trailer.has(b"Encrypt") && doc.encryption_state.is_none() {
        return Err(PdfError::Encrypted);
    }
    drop_notdef_differences(&mut doc);
    let page_ids: Vec<ObjectId> = doc.page_iter().take(MAX_PDF_PAGES + 1).collect();
    if page_ids.len() > MAX_PDF_PAGES {
        return Err(PdfError::TooManyPages {
            limit: MAX_PDF_PAGES,
        });
    }
    if page_ids.is_empty() {
        return Err(PdfError::Unreadable("it has no pages".to_owned()));
    }
    let mut reader = PageReader {
        doc: &doc,
        fonts: HashMap::new(),
        work_left: MAX_WORK,
        damaged: false,
    };
    let pages = page_ids
        .into_iter()
        .map(|id| reader.page_text(id))
        .collect::<Result<Vec<_>, _>>()?;
    if pages.iter().all(|page| page.is_empty()) {
        // A file cut short or corrupted loses its text too; that is not a scan.
        let repaired = matches!(doc.xref_recovery, Some(XrefRecovery::Reconstructed));
        return Err(if reader.damaged || repaired {
            PdfError::Unreadable("it is damaged or cut short, and no text could be read".to_owned())
        } else {
            PdfError::NoTextLayer
        });
    }
    Ok(PdfText {
        title: info_title(&doc),
        pages,
    })
}

/// lopdf drops a font's whole `/Encoding` for the standard encoding (no accented letters, no
/// curly quotes, no ligatures) when its `/Differences` name a glyph it does not know, and the
/// one it trips on in practice is `/.notdef`, "no glyph", which groff writes in runs. Leaving
/// those codes out of `/Differences` means the same and reads.
fn drop_notdef_differences(doc: &mut Document) {
    fn fix(dict: &mut Dictionary) {
        let Ok(Object::Array(differences)) = dict.get_mut(b"Differences") else {
            return;
        };
        if !differences
            .iter()
            .any(|o| matches!(o, Object::Name(n) if n == b".notdef"))
        {
            return;
        }
        let mut kept = Vec::with_capacity(differences.len());
        let (mut code, mut code_written) = (0i64, false);
        for item in differences.drain(..) {
            match item {
                Object::Integer(c) => (code, code_written) = (c, false),
                Object::Name(name) if name == b".notdef" => {
                    (code, code_written) = (code.saturating_add(1), false);
                }
                Object::Name(name) => {
                    if !code_written {
                        kept.push(Object::Integer(code));
                        code_written = true;
                    }
                    kept.push(Object::Name(name));
                    code = code.saturating_add(1);
                }
                _ => {}
            }
        }
        *differences = kept;
    }
    for object in doc.objects.values_mut() {
        let dict = match object {
            Object::Dictionary(dict) => dict,
            Object::Stream(stream) => &mut stream.dict,
            _ => continue,
        };
        fix(dict);
        if let Ok(Object::Dictionary(encoding)) = dict.get_mut(b"Encoding") {
            fix(encoding);
        }
    }
}

fn load_error(error: lopdf::Error) -> PdfError {
    match error {
        lopdf::Error::InvalidPassword
        | lopdf::Error::Decryption(_)
        | lopdf::Error::UnsupportedSecurityHandler(_) => PdfError::Encrypted,
        lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. }) => {
            PdfError::TooMuchContent
        }
        other => PdfError::Unreadable(other.to_string()),
    }
}

fn info_title(doc: &Document) -> Option<String> {
    let info = doc.trailer.get_deref(b"Info", doc).ok()?.as_dict().ok()?;
    let title = lopdf::decode_text_string(info.get_deref(b"Title", doc).ok()?).ok()?;
    let title: String = clean(&title)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_TITLE_CHARS)
        .collect();
    (!title.is_empty()).then_some(title)
}

/// Text as shown to a reader: ligature glyphs spelled out, control characters and the
/// replacement character (what undecodable glyphs become) dropped.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' => out.push_str("fi"),
            '\u{FB02}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            '\t' => out.push(' '),
            '\u{FFFD}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A PDF transformation matrix `[a b c d e f]`, applied to row vectors as the spec writes it.
#[derive(Debug, Clone, Copy)]
struct Matrix([f64; 6]);

impl Matrix {
    const IDENTITY: Self = Self([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    fn translate(x: f64, y: f64) -> Self {
        Self([1.0, 0.0, 0.0, 1.0, x, y])
    }

    /// `self × other`: first this transformation, then `other`.
    fn then(self, other: Self) -> Self {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = other.0;
        Self([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    fn from_objects(objects: &[Object]) -> Option<Self> {
        let values: Vec<f64> = objects.iter().map(number).collect::<Option<_>>()?;
        Some(Self(values.try_into().ok()?))
    }

    fn origin(self) -> (f64, f64) {
        (self.0[4], self.0[5])
    }

    /// How long the unit vector along y becomes: the scale a font size is drawn at.
    fn y_scale(self) -> f64 {
        self.0[2].hypot(self.0[3])
    }
}

/// A number operand; non-finite values (a crafted `1e999`) read as absent.
fn number(object: &Object) -> Option<f64> {
    let value = match object {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => f64::from(*r),
        _ => return None,
    };
    value.is_finite().then_some(value)
}

/// What one font needs for text: how to turn its codes into Unicode, and how wide they are.
struct Font<'a> {
    /// The font's `/ToUnicode` map, asked first.
    to_unicode: Option<Encoding<'a>>,
    /// The font's encoding, for codes the map leaves out (or when there is none).
    encoding: Option<Encoding<'a>>,
    /// Composite (Type0) fonts take two bytes a glyph, as Identity-H does; simple fonts one.
    two_byte: bool,
    /// Glyph widths in glyph space, by code.
    widths: HashMap<u32, f64>,
    /// Glyph widths for ranges of codes (a CID font's `c_first c_last w`), sorted by start.
    width_ranges: Vec<(u32, u32, f64)>,
    default_width: f64,
    /// Glyph space to text space: 1/1000, except in Type3 fonts.
    scale: f64,
}

impl Font<'_> {
    /// The text of one glyph's code. The map comes first, as the spec has it (ISO 32000-1,
    /// 9.10.2), but some producers write maps that cover only a few codes.
    fn text(&self, code: &[u8]) -> String {
        let decode = |encoding: &Option<Encoding<'_>>| {
            encoding
                .as_ref()
                .and_then(|e| e.bytes_to_string(code).ok())
                .map(|text| clean(&text))
                .filter(|text| !text.is_empty())
        };
        decode(&self.to_unicode)
            .or_else(|| decode(&self.encoding))
            .unwrap_or_default()
    }

    fn width(&self, code: u32) -> f64 {
        if let Some(width) = self.widths.get(&code) {
            return *width;
        }
        let i = self
            .width_ranges
            .partition_point(|(start, _, _)| *start <= code);
        match i.checked_sub(1).map(|i| self.width_ranges[i]) {
            Some((_, end, width)) if code <= end => width,
            _ => self.default_width,
        }
    }
}

/// The resource dictionaries in scope, nearest first.
#[derive(Clone)]
struct Resources<'a>(Vec<&'a Dictionary>);

impl<'a> Resources<'a> {
    fn of_page(doc: &'a Document, page_id: ObjectId) -> Self {
        let Ok((direct, ids)) = doc.get_page_resources(page_id) else {
            return Self(Vec::new());
        };
        let mut dictionaries: Vec<&Dictionary> = direct.into_iter().collect();
        dictionaries.extend(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
        Self(dictionaries)
    }

    /// The resource `name` of a category (`Font`, `XObject`), dereferenced.
    fn get(&self, doc: &'a Document, category: &[u8], name: &[u8]) -> Option<&'a Object> {
        self.0.iter().find_map(|resources| {
            let named = resources.get_deref(category, doc).ok()?.as_dict().ok()?;
            named.get_deref(name, doc).ok()
        })
    }
}

/// The graphics and text state that placing text needs.
#[derive(Clone)]
struct State<'a> {
    ctm: Matrix,
    text_matrix: Matrix,
    line_matrix: Matrix,
    font: Option<Rc<Font<'a>>>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    horizontal_scale: f64,
    leading: f64,
}

impl State<'_> {
    fn new() -> Self {
        Self {
            ctm: Matrix::IDENTITY,
            text_matrix: Matrix::IDENTITY,
            line_matrix: Matrix::IDENTITY,
            font: None,
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            horizontal_scale: 1.0,
            leading: 0.0,
        }
    }

    fn next_line(&mut self, x: f64, y: f64) {
        self.line_matrix = Matrix::translate(x, y).then(self.line_matrix);
        self.text_matrix = self.line_matrix;
    }
}

/// A string shown on the page, placed in default user space.
struct Run {
    x_start: f64,
    x_end: f64,
    y: f64,
    size: f64,
    text: String,
}

struct Line {
    y: f64,
    x_end: f64,
    size: f64,
    text: String,
}

struct PageReader<'a> {
    doc: &'a Document,
    /// Fonts read so far, by the address of their dictionary in `doc`.
    fonts: HashMap<*const Dictionary, Rc<Font<'a>>>,
    /// What is left of [`MAX_WORK`].
    work_left: usize,
    /// Whether some content stream could not be decoded to the end.
    damaged: bool,
}

impl<'a> PageReader<'a> {
    fn charge(&mut self, amount: usize) -> Result<(), PdfError> {
        self.work_left = self
            .work_left
            .checked_sub(amount)
            .ok_or(PdfError::TooMuchContent)?;
        Ok(())
    }

    /// A stream's decoded bytes, charged as work; `None` if it cannot be decoded.
    fn decode(&mut self, stream: &lopdf::Stream) -> Result<Option<Vec<u8>>, PdfError> {
        match stream.get_plain_content_with_limit(MAX_STREAM_BYTES.min(self.work_left)) {
            Ok(bytes) => {
                self.charge(bytes.len())?;
                Ok(Some(bytes))
            }
            Err(lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. })) => {
                Err(PdfError::TooMuchContent)
            }
            Err(_) => {
                self.damaged = true;
                Ok(None)
            }
        }
    }

    fn page_text(&mut self, page_id: ObjectId) -> Result<String, PdfError> {
        let doc = self.doc;
        let mut content = Vec::new();
        for id in doc.get_page_contents(page_id) {
            let Ok(stream) = doc.get_object(id).and_then(Object::as_stream) else {
                self.damaged = true; // missing, as in a file cut short
                continue;
            };
            if let Some(decoded) = self.decode(stream)? {
                content.extend_from_slice(&decoded);
                content.push(b'\n');
            }
        }
        let mut runs = Vec::new();
        let resources = Resources::of_page(doc, page_id);
        self.walk(&content, &resources, &mut State::new(), 0, &mut runs)?;
        Ok(layout(runs))
    }

    /// Interprets a content stream for the text it shows.
    fn walk(
        &mut self,
        content: &[u8],
        resources: &Resources<'a>,
        state: &mut State<'a>,
        depth: usize,
        runs: &mut Vec<Run>,
    ) -> Result<(), PdfError> {
        let mut saved: Vec<State<'a>> = Vec::new();
        let mut saves_dropped = 0usize;
        for operation in Content::<Vec<Operation>>::decode_iter(content) {
            let Ok(operation) = operation else {
                // Keep what came before the damage.
                self.damaged = true;
                break;
            };
            let operands = &operation.operands;
            let num = |i: usize| operands.get(i).and_then(number);
            match operation.operator.as_str() {
                "q" if saved.len() < MAX_SAVED_STATES => saved.push(state.clone()),
                "q" => saves_dropped += 1,
                "Q" if saves_dropped > 0 => saves_dropped -= 1,
                "Q" => {
                    if let Some(previous) = saved.pop() {
                        *state = previous;
                    }
                }
                "cm" => {
                    if let Some(m) = Matrix::from_objects(operands) {
                        state.ctm = m.then(state.ctm);
                    }
                }
                "BT" => {
                    state.text_matrix = Matrix::IDENTITY;
                    state.line_matrix = Matrix::IDENTITY;
                }
                "Tf" => {
                    let name = operands.first().and_then(|o| o.as_name().ok());
                    state.font = match name {
                        Some(name) => self.font(resources, name)?,
                        None => None,
                    };
                    self.damaged |= state.font.is_none();
                    state.size = num(1).unwrap_or(0.0);
                }
                "Tc" => state.char_spacing = num(0).unwrap_or(0.0),
                "Tw" => state.word_spacing = num(0).unwrap_or(0.0),
                "Tz" => state.horizontal_scale = num(0).unwrap_or(100.0) / 100.0,
                "TL" => state.leading = num(0).unwrap_or(0.0),
                "Td" => state.next_line(num(0).unwrap_or(0.0), num(1).unwrap_or(0.0)),
                "TD" => {
                    let y = num(1).unwrap_or(0.0);
                    state.leading = -y;
                    state.next_line(num(0).unwrap_or(0.0), y);
                }
                "Tm" => {
                    if let Some(m) = Matrix::from_objects(operands) {
                        state.line_matrix = m;
                        state.text_matrix = m;
                    }
                }
                "T*" => state.next_line(0.0, -state.leading),
                "Tj" => {
                    if let Some(Object::String(bytes, _)) = operands.first() {
                        self.show(state, bytes, runs)?;
                    }
                }
                "'" => {
                    state.next_line(0.0, -state.leading);
                    if let Some(Object::String(bytes, _)) = operands.first() {
                        self.show(state, bytes, runs)?;
                    }
                }
                "\"" => {
                    state.word_spacing = num(0).unwrap_or(state.word_spacing);
                    state.char_spacing = num(1).unwrap_or(state.char_spacing);
                    state.next_line(0.0, -state.leading);
                    if let Some(Object::String(bytes, _)) = operands.get(2) {
                        self.show(state, bytes, runs)?;
                    }
                }
                "TJ" => {
                    let Some(Object::Array(items)) = operands.first() else {
                        continue;
                    };
                    for item in items {
                        match item {
                            Object::String(bytes, _) => self.show(state, bytes, runs)?,
                            other => {
                                let shift = -number(other).unwrap_or(0.0) / 1000.0
                                    * state.size
                                    * state.horizontal_scale;
                                state.text_matrix =
                                    Matrix::translate(shift, 0.0).then(state.text_matrix);
                            }
                        }
                    }
                }
                "Do" if depth < MAX_FORM_DEPTH => {
                    let name = operands.first().and_then(|o| o.as_name().ok());
                    if let Some(name) = name {
                        self.form(name, resources, state, depth, runs)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Runs a form XObject (`Do`): content reused across pages, or a whole page wrapped up.
    fn form(
        &mut self,
        name: &[u8],
        resources: &Resources<'a>,
        state: &State<'a>,
        depth: usize,
        runs: &mut Vec<Run>,
    ) -> Result<(), PdfError> {
        let doc = self.doc;
        let Some(Object::Stream(stream)) = resources.get(doc, b"XObject", name) else {
            return Ok(());
        };
        if !matches!(
            stream.dict.get(b"Subtype").and_then(Object::as_name),
            Ok(b"Form")
        ) {
            return Ok(()); // an image: no text
        }
        // Forms can call forms: a flat charge for each call bounds a tree of calls to forms with
        // little or no content of their own.
        self.charge(256)?;
        let Some(content) = self.decode(stream)? else {
            return Ok(());
        };
        let form_resources = match stream
            .dict
            .get_deref(b"Resources", doc)
            .and_then(Object::as_dict)
        {
            Ok(own) => Resources(vec![own]),
            Err(_) => resources.clone(),
        };
        let mut form_state = state.clone();
        if let Some(m) = stream
            .dict
            .get_deref(b"Matrix", doc)
            .ok()
            .and_then(|m| m.as_array().ok())
            .and_then(|m| Matrix::from_objects(m))
        {
            form_state.ctm = m.then(state.ctm);
        }
        self.walk(&content, &form_resources, &mut form_state, depth + 1, runs)
    }

    fn font(
        &mut self,
        resources: &Resources<'a>,
        name: &[u8],
    ) -> Result<Option<Rc<Font<'a>>>, PdfError> {
        let doc = self.doc;
        let Some(Object::Dictionary(dict)) = resources.get(doc, b"Font", name) else {
            return Ok(None);
        };
        let key: *const Dictionary = dict;
        if let Some(font) = self.fonts.get(&key) {
            return Ok(Some(Rc::clone(font)));
        }
        let font = Rc::new(self.read_font(dict)?);
        self.fonts.insert(key, Rc::clone(&font));
        Ok(Some(font))
    }

    fn read_font(&mut self, dict: &'a Dictionary) -> Result<Font<'a>, PdfError> {
        let doc = self.doc;
        // lopdf decodes the Unicode map under the same per-stream bound; decoding it here first
        // charges it as work, so many fonts sharing one large map cannot multiply the cost.
        if let Ok(Object::Stream(map)) = dict.get_deref(b"ToUnicode", doc) {
            self.decode(map)?;
        }
        let subtype = dict.get(b"Subtype").and_then(Object::as_name).ok();
        let two_byte = subtype == Some(b"Type0");
        let to_unicode = bounded(to_unicode(dict, doc))?.flatten();
        // A composite font's encoding in lopdf is its map again, or, without one, the standard
        // encoding misapplied to two-byte codes.
        let encoding = if two_byte {
            None
        } else {
            bounded(dict.get_font_encoding_with_limit(doc, MAX_STREAM_BYTES))?
        };
        let array = |d: &'a Dictionary, key: &[u8]| {
            d.get_deref(key, doc)
                .and_then(Object::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
        };
        let mut font = Font {
            to_unicode,
            encoding,
            two_byte,
            widths: HashMap::new(),
            width_ranges: Vec::new(),
            default_width: 500.0,
            scale: 0.001,
        };
        if font.two_byte {
            let descendant = array(dict, b"DescendantFonts")
                .first()
                .and_then(|d| doc.dereference(d).ok())
                .and_then(|(_, d)| d.as_dict().ok());
            if let Some(cid_font) = descendant {
                font.default_width = cid_font.get(b"DW").ok().and_then(number).unwrap_or(1000.0);
                let entries = read_cid_widths(doc, array(cid_font, b"W"), &mut font);
                self.charge(entries.saturating_mul(16))?;
            }
        } else {
            let widths = array(dict, b"Widths");
            self.charge(widths.len().saturating_mul(16))?;
            let first = dict.get(b"FirstChar").ok().and_then(number).unwrap_or(0.0);
            for (i, width) in widths.iter().take(256).enumerate() {
                if let Some(width) = doc.dereference(width).ok().and_then(|(_, w)| number(w)) {
                    font.widths
                        .insert((first as u32).saturating_add(i as u32), width);
                }
            }
            if subtype == Some(b"Type3")
                && let Some(scale) = array(dict, b"FontMatrix").first().and_then(number)
            {
                font.scale = scale;
            }
        }
        Ok(font)
    }

    /// Places a string on the page and moves the text position past it.
    fn show(
        &mut self,
        state: &mut State<'a>,
        bytes: &[u8],
        runs: &mut Vec<Run>,
    ) -> Result<(), PdfError> {
        let Some(font) = state.font.clone() else {
            self.damaged = true; // text in no font
            return Ok(());
        };
        let mut text = String::new();
        let mut advance = 0.0;
        // Justified text may widen the gaps between words with character spacing (`Tc`)
        // instead of a space glyph, inside one string.
        let mut gap_before = false;
        let mut last_extra = 0.0;
        for code_bytes in bytes.chunks(if font.two_byte { 2 } else { 1 }) {
            let code = code_bytes
                .iter()
                .fold(0u32, |code, b| code << 8 | u32::from(*b));
            let glyph = font.text(code_bytes);
            if gap_before
                && !text.is_empty()
                && !text.ends_with(char::is_whitespace)
                && !glyph.starts_with(char::is_whitespace)
            {
                text.push(' ');
            }
            text.push_str(&glyph);
            let word_spacing = if !font.two_byte && code == 32 {
                state.word_spacing
            } else {
                0.0
            };
            let extra = (state.char_spacing + word_spacing) * state.horizontal_scale;
            advance += font.width(code) * font.scale * state.size * state.horizontal_scale + extra;
            gap_before = extra > state.size.abs() * WORD_GAP;
            last_extra = extra;
        }
        self.charge(text.len().max(bytes.len()))?;
        let start = state.text_matrix.then(state.ctm);
        // Where the last glyph ends: the spacing after it is no part of the ink, and text that
        // follows is placed from the ink.
        let ink_end = Matrix::translate(advance - last_extra, 0.0).then(state.text_matrix);
        state.text_matrix = Matrix::translate(advance, 0.0).then(state.text_matrix);
        if !text.trim().is_empty() {
            runs.push(Run {
                x_start: start.origin().0,
                x_end: ink_end.then(state.ctm).origin().0,
                y: start.origin().1,
                size: (state.size * start.y_scale()).abs(),
                text,
            });
        }
        Ok(())
    }
}

/// A font-reading result with the decompression bound turned into our error and any other
/// failure into "nothing".
fn bounded<T>(result: lopdf::Result<T>) -> Result<Option<T>, PdfError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. })) => {
            Err(PdfError::TooMuchContent)
        }
        Err(_) => Ok(None),
    }
}

/// The font's `/ToUnicode` map. lopdf reads it only for fonts without an `/Encoding`; asking
/// about a copy of the font that holds nothing but the map gets it for every font.
fn to_unicode<'x>(dict: &Dictionary, doc: &Document) -> lopdf::Result<Option<Encoding<'x>>> {
    let Ok(map) = dict.get(b"ToUnicode") else {
        return Ok(None);
    };
    let mut only_map = Dictionary::new();
    only_map.set("Type", Object::Name(b"Font".to_vec()));
    only_map.set("ToUnicode", map.clone());
    // The map owns its data, so it outlives the copy.
    Ok(
        match only_map.get_font_encoding_with_limit(doc, MAX_STREAM_BYTES)? {
            Encoding::UnicodeMapEncoding(map) => Some(Encoding::UnicodeMapEncoding(map)),
            _ => None,
        },
    )
}

/// A CID font's `/W`: `c [w1 w2 ...]` gives codes from `c` on one width each, `c_first c_last
/// w` one width to a range. Returns how many entries it read.
fn read_cid_widths(doc: &Document, w: &[Object], font: &mut Font<'_>) -> usize {
    let mut entries = 0usize;
    let mut items = w
        .iter()
        .filter_map(|o| doc.dereference(o).ok().map(|(_, o)| o));
    while let Some(first) = items.next().and_then(number) {
        let first = first as u32;
        entries += 1;
        match items.next() {
            Some(Object::Array(widths)) => {
                for (i, width) in widths.iter().enumerate() {
                    if let Some(width) = number(width) {
                        font.widths.insert(first.saturating_add(i as u32), width);
                    }
                }
                entries += widths.len();
            }
            Some(last) => {
                let (Some(last), Some(width)) = (number(last), items.next().and_then(number))
                else {
                    break;
                };
                font.width_ranges.push((first, last as u32, width));
            }
            None => break,
        }
    }
    font.width_ranges.sort_by_key(|(start, _, _)| *start);
    entries
}

/// Runs, in the order the page draws them, joined into lines and paragraphs.
fn layout(runs: Vec<Run>) -> String {
    let mut lines: Vec<Line> = Vec::new();
    let mut previous: Option<(f64, f64, String)> = None;
    for run in runs {
        // Fake bold draws the same text twice, a hair apart.
        let twice = previous.as_ref().is_some_and(|(x, y, text)| {
            *text == run.text
                && (x - run.x_start).abs() < run.size * 0.2
                && (y - run.y).abs() < run.size * 0.2
        });
        if twice {
            continue;
        }
        previous = Some((run.x_start, run.y, run.text.clone()));
        if let Some(line) = lines.last_mut() {
            let size = line.size.max(run.size);
            if (run.y - line.y).abs() <= size * 0.5 {
                let gap = run.x_start - line.x_end;
                let spaced = line.text.ends_with(char::is_whitespace)
                    || run.text.starts_with(char::is_whitespace);
                // A jump back along the line is a new piece of text too.
                if !spaced && (gap > size * WORD_GAP || gap < -size) {
                    line.text.push(' ');
                }
                line.text.push_str(&run.text);
                line.x_end = run.x_end;
                line.size = size;
                continue;
            }
        }
        lines.push(Line {
            y: run.y,
            x_end: run.x_end,
            size: run.size,
            text: run.text,
        });
    }

    // The distance between lines inside a paragraph: the smaller distances on the page (a
    // median would take the gap between paragraphs where they are short); a wider gap starts a
    // paragraph.
    let mut pitches: Vec<f64> = lines
        .windows(2)
        .map(|pair| pair[0].y - pair[1].y)
        .filter(|d| *d > 0.0)
        .collect();
    pitches.sort_by(f64::total_cmp);
    let pitch = pitches.get(pitches.len().saturating_sub(1) / 4).copied();

    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        let line_text = line.text.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(before) = i.checked_sub(1).map(|i| &lines[i]) {
            let down = before.y - line.y;
            let size = before.size.min(line.size);
            let new_paragraph = down < -size * 0.5 // back up the page: a new column or box
                || pitch.is_some_and(|p| down > p * 1.25)
                || (pitches.len() < 3 && down > size * 1.8)
                || before.size.max(line.size) > size * 1.15; // a heading's size changes
            text.push_str(if new_paragraph { "\n\n" } else { "\n" });
        }
        text.push_str(&line_text);
    }
    text.trim().to_owned()
}
