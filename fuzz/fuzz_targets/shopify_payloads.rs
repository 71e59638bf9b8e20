//! The JSON Shopify sends us that an attacker could shape: webhook bodies checked against
//! their unsigned topic and shop headers (`webhook_body::check`), and the JSONL result of a
//! bulk operation stitched into records (`admin::bulk::stitch`). The first byte picks the
//! parser (and, for webhooks, the topic and the header's shop).
//!
//! Properties: nothing panics; a body accepted for a topic that names its shop is refused
//! under any other shop's domain; an accepted `shop/redact` body holds none of the other
//! compliance topics' keys and an accepted `products/delete` body only its `id`; stitching
//! keeps every line: one record per top-level line, in order, each child under the record it
//! came with.

#![no_main]

use concierge_fuzz::shopify::ShopDomain;
use concierge_fuzz::shopify::stitch::stitch;
use concierge_fuzz::shopify::topic::WebhookTopic;
use concierge_fuzz::shopify::webhook_body::{Mismatch, check};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const SHOPS: [&str; 2] = ["a-shop.myshopify.com", "b-shop.myshopify.com"];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 0x80 == 0 {
        webhook(mode, rest);
    } else if let Ok(text) = std::str::from_utf8(rest) {
        bulk(text);
    }
});

fn webhook(mode: u8, body: &[u8]) {
    let topics: Vec<WebhookTopic> = WebhookTopic::all().collect();
    let topic = topics[usize::from(mode >> 1) % topics.len()];
    let shop = shop(usize::from(mode & 1));
    let other = shop_other(usize::from(mode & 1));
    // The intake parses the body so before checking it.
    let Ok(payload) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    if check(topic, &shop, &payload).is_err() {
        return;
    }
    let names_shop = topic.is_compliance()
        || matches!(
            topic,
            WebhookTopic::AppUninstalled | WebhookTopic::ShopUpdate
        );
    if names_shop {
        assert!(
            matches!(
                check(topic, &other, &payload),
                Err(Mismatch::OtherShop { .. })
            ),
            "a {} body passed for two shops",
            topic.as_str()
        );
    }
    let keys = payload.as_object().expect("an accepted body is an object");
    match topic {
        WebhookTopic::ShopRedact => {
            for key in [
                "customer",
                "orders_to_redact",
                "orders_requested",
                "data_request",
            ] {
                assert!(!keys.contains_key(key), "shop/redact body holds {key}");
            }
        }
        WebhookTopic::ProductsDelete => assert!(keys.keys().all(|k| k == "id")),
        _ => {}
    }
}

fn shop(i: usize) -> ShopDomain {
    ShopDomain::parse(SHOPS[i]).expect("a valid shop domain")
}

fn shop_other(i: usize) -> ShopDomain {
    shop(1 - i)
}

fn bulk(jsonl: &str) {
    let Ok(records) = stitch(jsonl) else {
        return;
    };
    // Every non-blank line is an object, and a top-level one (no `__parentId`) starts a
    // record: the records are those lines in order, the rest their children.
    let lines: Vec<serde_json::Map<String, Value>> = jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match serde_json::from_str(l) {
            Ok(Value::Object(o)) => o,
            other => panic!("stitched a line that is no object: {other:?}"),
        })
        .collect();
    let top =
        |o: &serde_json::Map<String, Value>| o.get("__parentId").and_then(Value::as_str).is_none();
    let tops: Vec<_> = lines.iter().filter(|o| top(o)).collect();
    assert_eq!(records.len(), tops.len());
    let mut children = lines.iter().skip_while(|o| !top(o));
    for (record, line) in records.iter().zip(&tops) {
        assert_eq!(&&record.object, line);
        let _ = children.next();
        for child in &record.children {
            assert_eq!(Some(child), children.next());
        }
    }
    assert_eq!(children.next(), None);
    // A leading child has no parent to belong to: refused above.
    assert!(lines.first().is_none_or(top));
}
