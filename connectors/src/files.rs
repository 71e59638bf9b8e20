//! Uploaded files and merchant-typed FAQ entries as documents: Markdown, HTML, plain text,
//! and CSV of question/answer pairs.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::document::{Block, Document, SourceKind, StructuredFields};
use crate::html;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    #[error("unsupported file type {0:?} (expected .md, .html, .txt or .csv)")]
    Unsupported(String),
    #[error("the file is not UTF-8 text")]
    NotText,
    #[error("CSV: {0}")]
    Csv(String),
}

/// Parses an uploaded file by its name's extension.
pub fn parse_file(name: &str, bytes: &[u8]) -> Result<Vec<Document>, FileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::NotText)?;
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
        assert!(matches!(
            parse_file("x.csv", b"a,b\n1,2\n"),
            Err(FileError::Csv(_))
        ));
        assert!(faq_entry("1", " ", "x").is_none());
    }
}
