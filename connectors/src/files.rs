//! Uploaded files and merchant-typed FAQ entries as documents: Markdown, HTML, plain text,
//! CSV of question/answer pairs, and the text layer of PDFs.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::document::{Block, Document, SourceKind, StructuredFields};
use crate::html;
use crate::pdf;
pub use crate::pdf::{MAX_PDF_BYTES, MAX_PDF_PAGES, PdfError};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    #[error("unsupported file type {0:?} (expected .md, .html, .txt, .csv or .pdf)")]
    Unsupported(String),
    /// Not UTF-8, or holding NUL bytes (which no text file has, and PostgreSQL text cannot
    /// hold).
    #[error("the file is not UTF-8 text")]
    NotText,
    #[error("CSV: {0}")]
    Csv(String),
    /// Too large, encrypted, damaged, or without a text layer (a scan).
    #[error(transparent)]
    Pdf(#[from] PdfError),
}

/// Parses an uploaded file by its name's extension.
pub fn parse_file(name: &str, bytes: &[u8]) -> Result<Vec<Document>, FileError> {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let title = name.rsplit('/').next().unwrap_or(name).to_owned();
    let document = |title: String, blocks| Document {
        source_kind: SourceKind::File,
        external_id: name.to_owned(),
        url: None,
        title,
        blocks,
        fields: StructuredFields::default(),
        updated_at: None,
    };
    if extension == "pdf" {
        // Binary: read before the text formats' UTF-8 check. A text layer may hold NULs
        // (bad font encodings); they carry nothing and PostgreSQL text cannot hold them.
        let mut text = pdf::extract(bytes)?;
        for page in &mut text.pages {
            page.retain(|c| c != '\0');
        }
        let blocks = text
            .pages
            .iter()
            .flat_map(|page| text_blocks(page))
            .collect();
        let title = text
            .title
            .map(|title| title.replace('\0', ""))
            .or_else(|| pdf::heading_line(&text.pages))
            .unwrap_or(title);
        return Ok(vec![document(title, blocks)]);
    }
    let text = std::str::from_utf8(bytes)
        .ok()
        .filter(|text| !text.contains('\0'))
        .ok_or(FileError::NotText)?;
    match extension.as_str() {
        "md" | "markdown" => {
            let blocks = markdown_blocks(text);
            let title = first_heading(&blocks).unwrap_or(title);
            Ok(vec![document(title, blocks)])
        }
        "html" | "htm" => {
            let (page_title, blocks) = html::parse(text);
            Ok(vec![document(page_title.unwrap_or(title), blocks)])
        }
        "txt" | "text" => Ok(vec![document(title, text_blocks(text))]),
        "csv" => faq_csv(name, text),
        other => Err(FileError::Unsupported(other.to_owned())),
    }
}

fn first_heading(blocks: &[Block]) -> Option<String> {
    blocks.iter().find_map(|b| match b {
        Block::Heading { text, .. } => Some(text.clone()),
        _ => None,
    })
}

/// Paragraphs separated by blank lines.
fn text_blocks(text: &str) -> Vec<Block> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .map(Block::Paragraph)
        .collect()
}

/// Markdown's structure as blocks.
pub fn markdown_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut heading: Option<u8> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some(match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                });
                text.clear();
            }
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(TagEnd::Heading(_)) => {
                let content = std::mem::take(&mut text).trim().to_owned();
                if !content.is_empty() {
                    blocks.push(Block::Heading {
                        level: heading.take().unwrap_or(2),
                        text: content,
                    });
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::CodeBlock) => {
                let content = std::mem::take(&mut text).trim().to_owned();
                if !content.is_empty() {
                    blocks.push(Block::Paragraph(content));
                }
            }
            Event::End(TagEnd::Item) => {
                let content = std::mem::take(&mut text).trim().to_owned();
                if !content.is_empty() {
                    blocks.push(Block::Item(content));
                }
            }
            _ => {}
        }
    }
    blocks
}

/// A CSV of question/answer pairs (a header row naming `question` and `answer` columns, or
/// the first two columns): one FAQ document per pair.
pub fn faq_csv(name: &str, text: &str) -> Result<Vec<Document>, FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FileError::Csv(e.to_string()))?
        .clone();
    let find = |wanted: &[&str]| {
        headers
            .iter()
            .position(|h| wanted.contains(&h.trim().to_ascii_lowercase().as_str()))
    };
    let (q, a) = match (find(&["question", "q"]), find(&["answer", "a"])) {
        (Some(q), Some(a)) => (q, a),
        _ => {
            return Err(FileError::Csv(
                "expected `question` and `answer` columns".into(),
            ));
        }
    };
    let mut documents = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| FileError::Csv(e.to_string()))?;
        let (Some(question), Some(answer)) = (record.get(q), record.get(a)) else {
            continue;
        };
        if let Some(doc) = faq_entry(&format!("{name}#{}", row + 1), question, answer) {
            documents.push(doc);
        }
    }
    Ok(documents)
}

/// One FAQ entry typed by the merchant (or read from a CSV row).
pub fn faq_entry(external_id: &str, question: &str, answer: &str) -> Option<Document> {
    let (question, answer) = (question.trim(), answer.trim());
    if question.is_empty() || answer.is_empty() {
        return None;
    }
    Some(Document {
        source_kind: SourceKind::Faq,
        external_id: external_id.to_owned(),
        url: None,
        title: question.to_owned(),
        blocks: vec![Block::QuestionAnswer {
            question: question.to_owned(),
            answer: answer.to_owned(),
        }],
        fields: StructuredFields::default(),
        updated_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_keeps_its_structure() {
        let md = parse_file(
            "guide.md",
            b"# Care guide\n\nWash cold.\n\n## Drying\n\n- Hang dry\n- No dryer\n",
        )
        .unwrap();
        assert_eq!(md[0].title, "Care guide");
        assert_eq!(
            md[0].text(),
            "# Care guide\n\nWash cold.\n\n## Drying\n\n- Hang dry\n\n- No dryer"
        );

        let txt = parse_file("notes.txt", b"First para\nstill first.\n\nSecond.").unwrap();
        assert_eq!(txt[0].blocks.len(), 2);

        let csv = parse_file(
            "faq.csv",
            b"Question,Answer\n\"Do you ship, abroad?\",\"Yes, to 12 countries.\"\n,empty\n",
        )
        .unwrap();
        assert_eq!(csv.len(), 1);
        assert_eq!(csv[0].source_kind, SourceKind::Faq);
        assert_eq!(
            csv[0].text(),
            "Q: Do you ship, abroad?\nA: Yes, to 12 countries."
        );

        let html = parse_file("page.html", b"<title>T</title><p>Body</p>").unwrap();
        assert_eq!(html[0].title, "T");
    }

    #[test]
    fn bad_files_are_typed_errors() {
        assert_eq!(
            parse_file("x.exe", b"MZ"),
            Err(FileError::Unsupported("exe".into()))
        );
        assert_eq!(parse_file("x.txt", &[0xff, 0xfe]), Err(FileError::NotText));
        for name in ["x.txt", "x.md", "x.html", "x.csv"] {
            assert_eq!(
                parse_file(name, b"Returns\0 within 30 days"),
                Err(FileError::NotText),
                "{name}"
            );
        }
        assert!(matches!(
            parse_file("x.csv", b"a,b\n1,2\n"),
            Err(FileError::Csv(_))
        ));
        assert!(faq_entry("1", " ", "x").is_none());
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn paragraphs(document: &Document) -> Vec<&str> {
        document
            .blocks
            .iter()
            .map(|block| match block {
                Block::Paragraph(text) => text.as_str(),
                other => panic!("expected paragraphs only, got {other:?}"),
            })
            .collect()
    }

    fn pdf_error(name: &str, bytes: &[u8]) -> PdfError {
        match parse_file(name, bytes) {
            Err(FileError::Pdf(error)) => error,
            other => panic!("expected a PDF error, got {other:?}"),
        }
    }

    /// A PDF of the given objects, numbered from 1 (the first is the catalog), with a correct
    /// cross-reference table and, when given, the number of its `/Info` object.
    fn pdf_of(objects: &[String], info: Option<usize>) -> Vec<u8> {
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, object) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        let size = objects.len() + 1;
        out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
        for offset in offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        let info = info.map(|i| format!(" /Info {i} 0 R")).unwrap_or_default();
        out.extend_from_slice(
            format!("trailer\n<< /Size {size} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n")
                .as_bytes(),
        );
        out
    }

    fn stream(content: &str) -> String {
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        )
    }

    /// One page per content stream, with Helvetica as `/F1` and, when given, a `/Title`.
    fn pdf(pages: &[&str], title: Option<&str>) -> Vec<u8> {
        let kids: Vec<String> = (0..pages.len())
            .map(|i| format!("{} 0 R", 4 + 2 * i))
            .collect();
        let mut objects = vec![
            "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids.join(" "),
                pages.len()
            ),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
                .to_owned(),
        ];
        for (i, content) in pages.iter().enumerate() {
            objects.push(format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
                 /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            ));
            objects.push(stream(content));
        }
        let info = title.map(|title| {
            objects.push(format!("<< /Title ({title}) >>"));
            objects.len()
        });
        pdf_of(&objects, info)
    }

    #[test]
    fn a_pdf_reads_as_paragraphs_titled_from_its_metadata() {
        // groff: Type1 fonts, words split for kerning, the fi ligature, a page number.
        let documents = parse_file("uploads/linen-care.pdf", &fixture("linen-care.pdf")).unwrap();
        assert_eq!(documents.len(), 1);
        let document = &documents[0];
        assert_eq!(document.source_kind, SourceKind::File);
        assert_eq!(document.external_id, "uploads/linen-care.pdf");
        assert_eq!(document.title, "Caring for Linen");
        assert_eq!(
            paragraphs(document),
            [
                "Linen Care Guide",
                "Wash your linen shirt in cold water on a gentle cycle. Use a mild detergent and \
                 avoid bleach, which weakens the fibres over time.",
                "Hang it to dry in the shade. A warm iron while the fabric is still damp removes \
                 the creases.",
                "-2-",
                "Returns are accepted within thirty days of delivery, unworn and with the tags \
                 attached.",
            ]
        );

        // fpdf2: an embedded TrueType font (Type0, Identity-H), text beyond ASCII.
        let documents = parse_file("size-guide.pdf", &fixture("size-guide.pdf")).unwrap();
        assert_eq!(documents[0].title, "Size Guide (metadata title)");
        assert_eq!(
            paragraphs(&documents[0]),
            [
                "Größentabelle – Size Guide",
                "Our shirts run true to size. If you are between two sizes, choose the larger \
                 one for a relaxed fit or the smaller one for a tailored look.",
                "Measure your chest at its widest point, keeping the tape level under your arms. \
                 Café-au-lait linen shrinks about 2% after the first wash at 30 °C.",
                "Returns",
                "Exchanges are free within 30 days. Prices are shown in € and include VAT.",
            ]
        );
    }

    #[test]
    fn a_pdf_without_a_metadata_title_is_titled_by_its_first_heading() {
        // Ghostscript: justified lines that widen word gaps with character spacing.
        let expected = [
            "1. Returns Policy",
            "Returns are accepted within thirty days of delivery. Items must be unworn, \
             unwashed and have their original tags attached.",
            "Refunds are issued to the original payment method within five business days of \
             the return reaching our warehouse.",
            "2. Exchanges",
            "To exchange a size, start a return and place a new order; we will waive the \
             shipping fee on the new order.",
        ];
        let documents = parse_file("returns.pdf", &fixture("returns-policy.pdf")).unwrap();
        assert_eq!(documents[0].title, "1. Returns Policy");
        assert_eq!(paragraphs(&documents[0]), expected);

        // Encrypted with an owner password only, as for "no copying": it opens without one.
        let documents = parse_file("returns.pdf", &fixture("restricted.pdf")).unwrap();
        assert_eq!(paragraphs(&documents[0]), expected);

        // No metadata and no line that reads as a heading: the file's name.
        let body = "BT /F1 10 Tf 72 700 Td (Wash cold and hang to dry, away from the sun.) Tj ET";
        let documents = parse_file("care/notes.pdf", &pdf(&[body], None)).unwrap();
        assert_eq!(documents[0].title, "notes.pdf");
        assert_eq!(
            paragraphs(&documents[0]),
            ["Wash cold and hang to dry, away from the sun."]
        );
    }

    #[test]
    fn pdf_text_is_placed_into_words_lines_and_paragraphs() {
        // Page 1: lines moved with `Td` inside one text object, a heading in a larger size,
        // kerning and a word gap in `TJ`. Page 2: `Tm` and `T*`, then text drawn through a
        // flipped coordinate system, as some producers do.
        let first = "BT /F1 14 Tf 72 720 Td (Size guide) Tj ET \
                     BT /F1 10 Tf 72 690 Td (Our shirts run) Tj 0 -12 Td \
                     [(true to size. ) -20 (W) 80 (ash cold.)] TJ 0 -24 Td \
                     [(Hang) -300 (to dry.)] TJ ET";
        let second = "BT /F1 10 Tf 14 TL 1 0 0 1 72 720 Tm (Exchanges are free) Tj T* \
                      (within 30 days.) Tj ET \
                      q 1 0 0 -1 0 792 cm BT /F1 10 Tf 1 0 0 -1 72 400 Tm \
                      (Printed upside down) Tj 1 0 0 -1 72 412 Tm (and still in order.) Tj ET Q";
        let documents = parse_file("guide.pdf", &pdf(&[first, second], None)).unwrap();
        assert_eq!(documents[0].title, "Size guide");
        assert_eq!(
            paragraphs(&documents[0]),
            [
                "Size guide",
                "Our shirts run true to size. Wash cold.",
                "Hang to dry.",
                "Exchanges are free within 30 days.",
                "Printed upside down and still in order.",
            ]
        );
    }

    #[test]
    fn text_in_forms_is_read_and_forms_that_draw_themselves_stop() {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
             /Resources << /Font << /F1 5 0 R >> /XObject << /Fm1 6 0 R >> >> \
             /Contents 4 0 R >>"
                .to_owned(),
            stream("q 1 0 0 1 0 100 cm /Fm1 Do Q /Fm1 Do"),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
            {
                let content = "BT /F1 10 Tf 72 600 Td (Inside a form.) Tj ET /Fm1 Do";
                format!(
                    "<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] \
                     /Resources << /Font << /F1 5 0 R >> /XObject << /Fm1 6 0 R >> >> \
                     /Length {} >>\nstream\n{content}\nendstream",
                    content.len()
                )
            },
        ];
        let documents = parse_file("form.pdf", &pdf_of(&objects, None)).unwrap();
        assert_eq!(
            paragraphs(&documents[0]),
            ["Inside a form.", "Inside a form."]
        );
    }

    #[test]
    fn pdfs_without_text_are_typed_errors() {
        assert_eq!(
            pdf_error("scan.pdf", &fixture("scanned.pdf")),
            PdfError::NoTextLayer
        );
        let drawing = pdf(&["0 0 m 100 100 l S", ""], None);
        assert_eq!(pdf_error("drawing.pdf", &drawing), PdfError::NoTextLayer);
        assert_eq!(
            pdf_error("locked.pdf", &fixture("encrypted.pdf")),
            PdfError::Encrypted
        );
        let message = FileError::Pdf(PdfError::NoTextLayer).to_string();
        assert!(message.contains("no text layer"), "{message}");
    }

    #[test]
    fn garbage_named_pdf_is_a_typed_error() {
        for bytes in [
            &b""[..],
            b"not a pdf at all",
            b"%PDF-1.7\n",
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R",
        ] {
            assert!(
                matches!(pdf_error("x.pdf", bytes), PdfError::Unreadable(_)),
                "{bytes:?}"
            );
        }
        // Text that is not UTF-8 is still "not text" for the text formats.
        assert_eq!(parse_file("x.txt", b"%PDF-\xff"), Err(FileError::NotText));
        assert!(matches!(
            parse_file("X.PDF", b"\xff\xfe"),
            Err(FileError::Pdf(PdfError::Unreadable(_)))
        ));
    }

    #[test]
    fn oversized_and_overlong_pdfs_are_refused() {
        let big = vec![b' '; MAX_PDF_BYTES + 1];
        assert_eq!(
            pdf_error("big.pdf", &big),
            PdfError::TooLarge {
                size: MAX_PDF_BYTES + 1,
                limit: MAX_PDF_BYTES
            }
        );
        let pages = vec![""; MAX_PDF_PAGES + 1];
        assert_eq!(
            pdf_error("long.pdf", &pdf(&pages, None)),
            PdfError::TooManyPages {
                limit: MAX_PDF_PAGES
            }
        );
        assert!(matches!(
            pdf_error("bomb.pdf", &fixture("bomb.pdf")),
            PdfError::TooMuchContent
        ));
    }

    #[test]
    fn hostile_pdfs_give_typed_errors_not_panics() {
        let ok_or_pdf_error = |name: &str, bytes: &[u8]| {
            let result = parse_file(name, bytes);
            assert!(
                matches!(result, Ok(_) | Err(FileError::Pdf(_))),
                "{name}: {result:?}"
            );
        };
        let deep = 100_000;
        // Deeply nested arrays in an object and in a content stream.
        let nested = format!("{}{}", "[".repeat(deep), "]".repeat(deep));
        let mut objects = vec![
            format!("<< /Type /Catalog /Pages 2 0 R /Deep {nested} >>"),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
            "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>".to_owned(),
        ];
        objects.push(stream(&format!("BT {nested} TJ ET")));
        ok_or_pdf_error("nested.pdf", &pdf_of(&objects, None));
        // Saves without restores, absurd numbers.
        let content = format!(
            "{} BT /F1 1e38 Tf 99999999999999999999 0 0 -0 1e308 -1e308 Tm (x) Tj \
             340282346638528859811704183484516925440.0 Tc [(a) -1e39 (b)] TJ ET",
            "q ".repeat(deep)
        );
        ok_or_pdf_error("numbers.pdf", &pdf(&[&content], None));
        // A page tree that claims a billion pages, and one that is its own child.
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
            "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 1000000000 >>".to_owned(),
            "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>".to_owned(),
            stream("BT 72 700 Td (no font) Tj ET"),
        ];
        ok_or_pdf_error("pages.pdf", &pdf_of(&objects, None));

        // Truncated and corrupted copies of real files.
        for name in ["linen-care.pdf", "size-guide.pdf"] {
            let original = fixture(name);
            for cut in (1..20).map(|i| original.len() * i / 20) {
                ok_or_pdf_error(name, &original[..cut]);
            }
            let mut seed = 0x2545_f491_u32;
            for _ in 0..60 {
                let mut bytes = original.clone();
                for _ in 0..8 {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    let at = seed as usize % bytes.len();
                    bytes[at] = (seed >> 24) as u8;
                }
                ok_or_pdf_error(name, &bytes);
            }
        }
    }
}

/// Properties over generated files: any bytes under any supported name give documents or a
/// `FileError`, never a panic.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_bytes_parse_or_say_why(
            name in prop::sample::select(vec!["a.md", "a.html", "a.txt", "a.csv", "a.pdf", "a.bin", "a"]),
            bytes in proptest::collection::vec(any::<u8>(), 0..4000),
        ) {
            let _ = parse_file(name, &bytes);
        }

        #[test]
        fn any_text_parses_as_markdown_html_and_csv(text in "\\PC{0,800}") {
            let _ = markdown_blocks(&text);
            let _ = crate::html::parse(&text);
            let _ = faq_csv("faq.csv", &text);
        }
    }
}
