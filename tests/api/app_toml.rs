//! `shopify.app.toml` says what the code does: same scopes, same webhook topics, the
//! compliance topics on their own endpoint, the app proxy where `/proxy` serves.

use concierge::shopify::topic::WebhookTopic;

#[test]
fn the_app_configuration_agrees_with_the_code() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/shopify.app.toml")).unwrap();
    let app: toml::Table = text.parse().unwrap();

    assert_eq!(
        app["access_scopes"]["scopes"].as_str(),
        Some(concierge::config::DEFAULT_SCOPES)
    );
    assert_eq!(app["webhooks"]["api_version"].as_str(), Some("2026-10"));
    assert_eq!(app["app_proxy"]["prefix"].as_str(), Some("apps"));
    assert!(
        app["app_proxy"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/proxy")
    );
    assert!(
        app["auth"]["redirect_urls"][0]
            .as_str()
            .unwrap()
            .ends_with("/auth/callback")
    );

    let mut subscribed = Vec::new();
    for subscription in app["webhooks"]["subscriptions"].as_array().unwrap() {
        let uri = subscription["uri"].as_str().unwrap();
        for (key, compliance) in [("topics", false), ("compliance_topics", true)] {
            for topic in subscription
                .get(key)
                .and_then(|t| t.as_array())
                .into_iter()
                .flatten()
            {
                let topic =
                    WebhookTopic::parse(topic.as_str().unwrap()).expect("a topic the code handles");
                assert_eq!(topic.is_compliance(), compliance, "{topic:?}");
                assert_eq!(
                    uri,
                    if compliance {
                        "/webhooks/compliance"
                    } else {
                        "/webhooks"
                    }
                );
                subscribed.push(topic);
            }
        }
    }
    for topic in WebhookTopic::all() {
        assert!(
            subscribed.contains(&topic),
            "{topic:?} is handled but not subscribed"
        );
    }
    assert_eq!(subscribed.len(), WebhookTopic::all().count());
}
