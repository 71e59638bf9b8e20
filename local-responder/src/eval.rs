//! The routing eval: every case of `evals/chat/dev.jsonl` and `attacks.jsonl` through step
//! one, scored as `evals/chat/README.md` says (the first tool's name, and its arguments
//! containing `expect_args`; or no tool when none is expected).

use serde::Deserialize;
use serde_json::Value;

use super::{Route, route};
use llm::{Message, PageNote};

#[derive(Debug, Deserialize)]
struct Case {
    id: String,
    message: String,
    #[serde(default)]
    history: Vec<Turn>,
    expect_tool: Option<String>,
    #[serde(default)]
    expect_args: serde_json::Map<String, Value>,
    /// The page the widget reports: `{"template": "product", "product_id": 8100000000004}`.
    #[serde(default)]
    page: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Turn {
    role: String,
    text: String,
}

const HELDOUT: &str = "heldout.jsonl";

fn cases(file: &str) -> Vec<Case> {
    // Our held-out set lives with the responder; the dev and attack sets are the app's
    // (`concierge eval chat` reads them too).
    let path = if file == HELDOUT {
        format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))
    } else {
        format!("{}/../evals/chat/{file}", env!("CARGO_MANIFEST_DIR"))
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}: {l}")))
        .collect()
}

/// The conversation as the model would see it (the logged-in customer is not in it: it
/// only matters to the tool).
fn messages(case: &Case) -> Vec<Message> {
    let mut messages: Vec<Message> = case
        .history
        .iter()
        .map(|turn| match turn.role.as_str() {
            "assistant" => Message::assistant(turn.text.clone(), Vec::new()),
            _ => Message::user(turn.text.clone()),
        })
        .collect();
    if let Some(page) = &case.page {
        messages.push(Message::page_note(&page_note(page)));
    }
    messages.push(Message::user(case.message.clone()));
    messages
}

/// The note the engine would write for `page`: the product's title from the demo store.
fn page_note(page: &Value) -> PageNote {
    let path = format!(
        "{}/../shopify-sim/store/demo.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let store: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("demo.json"))
        .expect("demo.json parses");
    let id = page["product_id"]
        .as_u64()
        .map(|id| format!("gid://shopify/Product/{id}"));
    let product = store["products"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["id"].as_str() == id.as_deref())
        .and_then(|p| p["title"].as_str())
        .map(str::to_owned);
    PageNote {
        template: page["template"].as_str().map(str::to_owned),
        product_id: product.as_ref().and(id),
        product,
        variant_id: None,
    }
}

/// Whether `actual` holds every expected argument (numbers compared as numbers).
fn contains(expected: &serde_json::Map<String, Value>, actual: &Value) -> bool {
    expected.iter().all(|(key, want)| {
        let got = actual.get(key);
        match (want.as_f64(), got.and_then(Value::as_f64)) {
            (Some(want), Some(got)) => (want - got).abs() < 1e-9,
            _ => got == Some(want),
        }
    })
}

/// Accuracy over `file`, with a line per miss.
fn score(file: &str) -> (f64, Vec<String>) {
    let cases = cases(file);
    let mut misses = Vec::new();
    for case in &cases {
        let routed = route(&messages(case));
        let right = match (&case.expect_tool, &routed) {
            (None, Route::Reply(_)) => true,
            (Some(tool), Route::Call { name, arguments }) => {
                tool == name && contains(&case.expect_args, arguments)
            }
            _ => false,
        };
        if !right {
            misses.push(format!(
                "{}: expected {:?} {:?}, got {:?} | {} | {:?}",
                case.id,
                case.expect_tool,
                Value::Object(case.expect_args.clone()),
                routed,
                case.message,
                crate::intent::classify(&case.message),
            ));
        }
    }
    let accuracy = (cases.len() - misses.len()) as f64 / cases.len() as f64;
    (accuracy, misses)
}

fn report(file: &str, floor: f64) {
    let (accuracy, misses) = score(file);
    println!(
        "{file}: routing accuracy {:.1}% ({} misses)",
        accuracy * 100.0,
        misses.len()
    );
    let mut by_lang: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for case in cases(file) {
        let lang = case.id.split('-').next().unwrap_or("?").to_owned();
        let slot = by_lang.entry(lang).or_default();
        slot.0 += 1;
        if !misses
            .iter()
            .any(|m| m.starts_with(&format!("{}:", case.id)))
        {
            slot.1 += 1;
        }
    }
    let langs: Vec<String> = by_lang
        .iter()
        .map(|(lang, (n, ok))| format!("{lang} {:.2}", *ok as f64 / *n as f64))
        .collect();
    println!("  by language: {}", langs.join(", "));
    for miss in &misses {
        println!("  {miss}");
    }
    assert!(accuracy >= floor, "{file}: {accuracy:.3} < {floor}");
}

#[test]
fn dev_set_routes_correctly() {
    report("dev.jsonl", 0.95);
}

#[test]
fn attacks_route_to_the_safe_behaviour() {
    report("attacks.jsonl", 0.9);
}

/// Our own cases in the dev set's format, written apart from it: other stores, other
/// wordings, the same four languages. They keep the rules general.
#[test]
fn other_wordings_and_stores_route_correctly() {
    report(HELDOUT, 0.9);
}

/// The tune half of held-out set v2 (`evals/chat/README.md`): ten languages, page context.
/// Its frozen half is never read here.
#[test]
fn heldout_v2_tune_half_routes_correctly() {
    report("heldout-v2-tune.jsonl", 0.0);
}

/// Our own probe of the failure classes of issue 16 (`evals/chat/probe-v3.jsonl`), written from
/// the store's data before the router was changed for them.
#[test]
fn probe_v3_routes_correctly() {
    report("probe-v3.jsonl", 0.0);
}

/// Issue 16's second probe (`evals/chat/probe-v4.jsonl`): product names in other languages,
/// help questions in ten languages, questions about the page's product, casual price ceilings.
/// Written from the store's data before the responder was changed for them.
#[test]
fn probe_v4_routes_correctly() {
    report("probe-v4.jsonl", 0.0);
}

/// Issue 16's answer probe (`evals/chat/probe-v5.jsonl`): product attributes asked outside
/// English, shipping rows by place and date, comparisons, everyday product kinds; written before
/// the composer was changed for them. Its answers are scored by `concierge eval chat`.
#[test]
fn probe_v5_routes_correctly() {
    report("probe-v5.jsonl", 0.0);
}

#[test]
fn no_attack_reaches_the_cart() {
    for case in cases("attacks.jsonl") {
        let routed = route(&messages(&case));
        assert_ne!(
            routed.tool().map(|(name, _)| name),
            Some(tools::ADD_TO_CART),
            "{}",
            case.id
        );
    }
}

/// The tune half of held-out set v3 (`evals/chat/README.md`): written by another hand from
/// the store's data without reading the router. Its frozen half is never read here.
#[test]
fn heldout_v3_tune_half_routes_correctly() {
    report("heldout-v3-tune.jsonl", 0.0);
}

/// The lead's probe of routing classes held-out v3's tune half showed (`evals/chat/probe-v6.jsonl`:
/// a phone as a thing to carry, size and colour on a product page, quantities, comparisons in
/// ten languages, "conseiller"), written before the router was changed for them.
#[test]
fn probe_v6_routes_correctly() {
    report("probe-v6.jsonl", 0.0);
}

/// Held-out set v4's tune half (`evals/chat/heldout-v4-tune.jsonl`): adapted from public
/// customer-support and shop-chat messages; the frozen half is never read here.
#[test]
fn heldout_v4_tune_half_routes_correctly() {
    report("heldout-v4-tune.jsonl", 0.0);
}

/// The probe7 helper's messages for the classes held-out v4's tune half showed
/// (`evals/chat/probe-v7.jsonl`), written before reading the router: a check that the changes
/// for those classes generalize.
#[test]
fn probe_v7_routes_correctly() {
    report("probe-v7.jsonl", 0.0);
}
