//! Uploaded files as the connectors read them (`connectors::files::parse_file`): Markdown,
//! HTML, plain text, FAQ CSV and PDF, then cut into chunks. The first byte picks the file
//! name's extension; the rest is the file.
//!
//! Properties: nothing panics (nor runs away: libFuzzer's timeout catches a hang); a text
//! format is accepted only as UTF-8 without NUL; no document, and no chunk, holds a NUL
//! (PostgreSQL text cannot store it); chunks are numbered from 0 in order; and the documents of a
//! Markdown, HTML or text file hold no more than twice its text (nothing is invented).

#![no_main]

use std::sync::Once;

use concierge_fuzz::chunk::{ChunkOptions, TokenCounter, chunk};
use concierge_fuzz::files::{FileError, parse_file};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 7] = [
    "guide.md",
    "page.html",
    "notes.txt",
    "faq.csv",
    "manual.pdf",
    "Policy.HTM",
    "archive.bin",
];

/// Words, as the chunker's tests count them (the embedding model's tokenizer is not needed to
/// exercise the cutting).
struct Words;

impl TokenCounter for Words {
    fn count(&self, text: &str) -> usize {
        text.split_whitespace().count()
    }
}

/// The bytes of text in a serialised document's strings, and whether any holds a NUL.
fn strings(value: &serde_json::Value) -> (usize, bool) {
    match value {
        serde_json::Value::String(s) => (s.len(), s.contains('\0')),
        serde_json::Value::Array(items) => items.iter().map(strings).fold((0, false), add),
        serde_json::Value::Object(map) => map.values().map(strings).fold((0, false), add),
        _ => (0, false),
    }
}

fn add(a: (usize, bool), b: (usize, bool)) -> (usize, bool) {
    (a.0 + b.0, a.1 || b.1)
}

/// The PDF connector catches the panics of its parser, lopdf, by design (they become the
/// file's error; see `connectors/src/pdf.rs`), but libFuzzer's panic hook aborts on any panic,
/// caught or not. So a panic raised in lopdf's code is let through to that catch, and any other
/// panic still aborts as a failure.
fn let_the_pdf_connector_catch_lopdf_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let aborting = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_lopdf = info
                .location()
                .is_some_and(|at| at.file().contains("/lopdf-"));
            if !in_lopdf {
                aborting(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    let_the_pdf_connector_catch_lopdf_panics();
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let documents = match parse_file(name, bytes) {
        Ok(documents) => documents,
        Err(FileError::NotText) => {
            assert!(std::str::from_utf8(bytes).is_err() || bytes.contains(&0));
            return;
        }
        Err(_) => return,
    };
    assert!(!name.ends_with(".bin"), "an unsupported type was read");
    if !name.ends_with(".pdf") {
        let text = std::str::from_utf8(bytes).expect("text formats are read only as UTF-8");
        assert!(!text.contains('\0'));
    }
    let options = ChunkOptions {
        max_tokens: 24,
        overlap_tokens: 6,
    };
    for document in &documents {
        let value = serde_json::to_value(document).expect("a document serialises");
        let (text, nul) = strings(&value);
        assert!(!nul, "NUL in {value}");
        if !name.ends_with(".pdf") && !name.ends_with(".csv") {
            // Markup is dropped and whitespace collapsed, never text invented (the title
            // may repeat the first heading, hence twice).
            assert!(
                text <= 2 * bytes.len() + 64,
                "{text} bytes of text from {}",
                bytes.len()
            );
        }
        let chunks = chunk(document, &Words, &options);
        for (i, piece) in chunks.iter().enumerate() {
            assert_eq!(piece.ordinal, i);
            assert!(!piece.text.contains('\0') && !piece.body.contains('\0'));
        }
    }
});
