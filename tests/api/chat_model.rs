//! The chat model layer against fake OpenAI-compatible endpoints on random ports: streaming,
//! tool calls assembled and run (in parallel, under timeouts, with bad arguments answered),
//! the loop's limits, fallbacks and circuit breakers, retries only before output, and usage
//! and cost.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use llm::{
    BreakerPolicy, ChatModel, ChatModels, Endpoint, Fallback, FallbackPolicy, Limits, Message,
    ModelError, ModelEvent, ModelRequest, ModelTurn, OpenAiChat, Price, PriceTable, Stop,
    ToolFuture, ToolOutput, ToolRunner, ToolSpec, run_tool_loop,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::fake_llm::{FakeLlm, Reply};

const MODEL: &str = "fake-model";
const KEY: &str = "sk-chat-test-0123456789-secret";

fn endpoint(name: &str, fake: &FakeLlm) -> Endpoint {
    Endpoint::new(name, &fake.url, MODEL).with_timeout(Duration::from_secs(5))
}

/// No retries on the same endpoint unless a test asks; breakers that open after 3 failures.
fn policy() -> FallbackPolicy {
    FallbackPolicy {
        retries: 0,
        first_backoff: Duration::from_millis(1),
        max_retry_after: Duration::from_secs(1),
        breaker: BreakerPolicy {
            failure_threshold: 3,
            cool_down: Duration::from_secs(60),
        },
    }
}

fn chain(policy: FallbackPolicy, endpoints: &[Endpoint]) -> Fallback {
    ChatModels::new(policy).chain(endpoints).unwrap()
}

fn question(text: &str) -> ModelRequest {
    ModelRequest {
        messages: vec![Message::system("You help shoppers."), Message::user(text)],
        tools: vec![tool("search_products"), tool("inventory"), tool("slow")],
        temperature: Some(0.2),
    }
}

fn tool(name: &str) -> ToolSpec {
    ToolSpec {
        name: name.into(),
        description: format!("the {name} tool"),
        parameters: json!({"type": "object", "properties": {}}),
    }
}

async fn stream(
    model: &dyn ChatModel,
    request: &ModelRequest,
) -> (Result<ModelTurn, ModelError>, Vec<ModelEvent>) {
    let mut events = Vec::new();
    let mut sink = |event| events.push(event);
    let result = model.stream(request, &mut sink).await;
    (result, events)
}

fn texts(events: &[ModelEvent]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|event| match event {
            ModelEvent::TextDelta(text) => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// The store's tools, for the loop: `search_products` and `inventory` wait for each other
/// (so they finish only if run concurrently), `slow` never finishes in time.
#[derive(Default)]
struct Tools {
    calls: Mutex<Vec<(String, Value)>>,
    together: Option<Barrier>,
}

impl Tools {
    fn concurrent() -> Self {
        Self {
            together: Some(Barrier::new(2)),
            ..Self::default()
        }
    }

    fn calls(&self) -> Vec<(String, Value)> {
        self.calls.lock().unwrap().clone()
    }
}

impl ToolRunner for Tools {
    fn run<'a>(&'a self, name: &'a str, arguments: Value) -> ToolFuture<'a> {
        Box::pin(async move {
            self.calls
                .lock()
                .unwrap()
                .push((name.to_owned(), arguments.clone()));
            if name == "slow" {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            if let Some(barrier) = &self.together {
                barrier.wait().await;
            }
            ToolOutput::ok(json!({"tool": name, "arguments": arguments}))
        })
    }
}

fn limits() -> Limits {
    Limits {
        max_steps: 4,
        per_tool_timeout: Duration::from_secs(2),
        per_turn_timeout: Duration::from_secs(10),
    }
}

#[tokio::test]
async fn text_streams_in_order_and_the_request_is_openai_shaped() {
    let fake = FakeLlm::start().await;
    fake.then(
        Reply::text(&["Our ", "linen shirts ", "are in stock."])
            .with_usage(42, 7)
            .with_chunk_delay(Duration::from_millis(50)),
    );
    let chat =
        OpenAiChat::new(endpoint("primary", &fake).with_api_key(SecretString::from(KEY))).unwrap();

    let mut events = Vec::new();
    let mut arrivals = Vec::new();
    let mut sink = |event| {
        events.push(event);
        arrivals.push(Instant::now());
    };
    let turn = chat.stream(&question("Any linen shirts?"), &mut sink).await;

    // Forwarded as they came, not once the answer was complete.
    let spread = *arrivals.last().unwrap() - arrivals[0];
    assert!(spread >= Duration::from_millis(80), "{spread:?}");
    let turn = turn.unwrap();
    assert_eq!(texts(&events), ["Our ", "linen shirts ", "are in stock."]);
    assert_eq!(events.len(), 3, "only text: {events:?}");
    assert_eq!(turn.text, "Our linen shirts are in stock.");
    assert!(turn.tool_calls.is_empty());
    let usage = turn.usage.unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (42, 7));
    assert_eq!(
        (turn.model.as_str(), turn.endpoint.as_str()),
        (MODEL, "primary")
    );
    assert!(turn.first_output.is_some_and(|first| first <= turn.latency));

    let seen = &fake.requests()[0];
    assert_eq!(
        seen.authorization.as_deref(),
        Some(&*format!("Bearer {KEY}"))
    );
    assert_eq!(seen.body["model"], MODEL);
    assert_eq!(seen.body["stream"], true);
    assert_eq!(seen.body["stream_options"]["include_usage"], true);
    assert_eq!(seen.body["tools"][0]["type"], "function");
    assert_eq!(seen.body["tools"][0]["function"]["name"], "search_products");
    let messages = fake.messages(0);
    assert_eq!(
        messages[0],
        json!({"role": "system", "content": "You help shoppers."})
    );
    assert_eq!(
        messages[1],
        json!({"role": "user", "content": "Any linen shirts?"})
    );
    assert!(!format!("{chat:?}").contains(KEY));
}

#[tokio::test]
async fn keys_are_never_shown_and_no_key_sends_no_header() {
    let fake = FakeLlm::start().await;
    let quoting = format!(r#"{{"error": {{"message": "Incorrect API key provided: {KEY}"}}}}"#);
    fake.then(Reply::status_with_body(401, &quoting))
        .then(Reply::text(&["hi"]));
    let keyed =
        OpenAiChat::new(endpoint("primary", &fake).with_api_key(SecretString::from(KEY))).unwrap();
    let (result, _) = stream(&keyed, &question("hi")).await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, ModelError::Api { status: 401, .. }),
        "{error}"
    );
    assert!(!error.to_string().contains(KEY), "{error}");
    assert!(!format!("{error:?}").contains(KEY), "{error:?}");

    let open = OpenAiChat::new(endpoint("local", &fake)).unwrap();
    stream(&open, &question("hi")).await.0.unwrap();
    assert_eq!(fake.requests()[1].authorization, None);
}

#[tokio::test]
async fn parallel_tool_calls_run_together_and_both_results_go_back() {
    let fake = FakeLlm::start().await;
    fake.then(Reply::tool_calls(&[
        (
            "call_a",
            "search_products",
            &["{\"query\":", " \"linen", " shirt\"}"],
        ),
        ("call_b", "inventory", &["{\"sku\"", ": \"LS-1\"}"]),
    ]))
    .then(Reply::text(&["Yes: ", "3 left."]));
    let model = chain(policy(), &[endpoint("primary", &fake)]);
    let tools = Tools::concurrent();
    let mut events = Vec::new();
    let mut sink = |event| events.push(event);

    let outcome = run_tool_loop(
        &model,
        question("Linen shirt in stock?"),
        &tools,
        limits(),
        &PriceTable::new(),
        &mut sink,
    )
    .await;

    assert!(matches!(outcome.stop, Stop::Answered), "{:?}", outcome.stop);
    assert_eq!(outcome.text, "Yes: 3 left.");
    let mut calls = tools.calls();
    calls.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        calls,
        [
            ("inventory".to_owned(), json!({"sku": "LS-1"})),
            (
                "search_products".to_owned(),
                json!({"query": "linen shirt"})
            ),
        ]
    );

    // The second request carries the assistant's calls, assembled, and both results.
    assert_eq!(fake.request_count(), 2);
    let messages = fake.messages(1);
    assert_eq!(messages.len(), 5, "{messages:#?}");
    let assistant = &messages[2];
    assert_eq!(assistant["role"], "assistant");
    assert_eq!(assistant["tool_calls"][0]["id"], "call_a");
    assert_eq!(
        assistant["tool_calls"][0]["function"]["arguments"],
        "{\"query\": \"linen shirt\"}"
    );
    assert_eq!(assistant["tool_calls"][1]["id"], "call_b");
    assert_eq!(assistant["tool_calls"][1]["function"]["name"], "inventory");
    for (message, id, tool) in [
        (&messages[3], "call_a", "search_products"),
        (&messages[4], "call_b", "inventory"),
    ] {
        assert_eq!(message["role"], "tool");
        assert_eq!(message["tool_call_id"], id);
        let content: Value = serde_json::from_str(message["content"].as_str().unwrap()).unwrap();
        assert_eq!(content["tool"], tool, "{content}");
    }

    // What the caller persists and what it streamed.
    assert_eq!(outcome.messages.len(), 4, "{:#?}", outcome.messages);
    assert_eq!(
        outcome.messages[3],
        Message::assistant("Yes: 3 left.", vec![])
    );
    assert_eq!(outcome.steps.len(), 2);
    assert_eq!(outcome.steps[0].tools.len(), 2);
    assert!(
        outcome.steps[0]
            .tools
            .iter()
            .all(|run| !run.output.is_error)
    );
    let started: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ModelEvent::ToolCallStarted { id, name } => Some((id.as_str(), name.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        started,
        [("call_a", "search_products"), ("call_b", "inventory")]
    );
    let finished = events
        .iter()
        .filter(|e| matches!(e, ModelEvent::ToolCallFinished { .. }))
        .count();
    assert_eq!(finished, 2);
}

#[tokio::test]
async fn malformed_arguments_and_unknown_tools_become_error_results_and_the_loop_goes_on() {
    let fake = FakeLlm::start().await;
    fake.then(Reply::tool_calls(&[
        ("call_bad", "search_products", &["{\"query\": \"shi"]),
        ("call_ghost", "delete_store", &["{}"]),
    ]))
    .then(Reply::text(&["Sorry, let me try that again."]));
    let model = chain(policy(), &[endpoint("primary", &fake)]);
    let tools = Tools::default();
    let mut sink = |_| {};

    let outcome = run_tool_loop(
        &model,
        question("shirts"),
        &tools,
        limits(),
        &PriceTable::new(),
        &mut sink,
    )
    .await;

    assert!(matches!(outcome.stop, Stop::Answered), "{:?}", outcome.stop);
    assert!(tools.calls().is_empty(), "neither call reached a tool");
    let messages = fake.messages(1);
    let bad = messages[3]["content"].as_str().unwrap();
    assert_eq!(messages[3]["tool_call_id"], "call_bad");
    assert!(bad.contains("not valid JSON"), "{bad}");
    let ghost = messages[4]["content"].as_str().unwrap();
    assert!(ghost.contains("no tool named"), "{ghost}");
    assert!(outcome.steps[0].tools.iter().all(|run| run.output.is_error));
}

#[tokio::test]
async fn max_steps_stops_the_loop_with_a_valid_history() {
    let fake = FakeLlm::start().await;
    fake.then(Reply::tool_call(
        "c1",
        "search_products",
        "{\"query\": \"a\"}",
    ))
    .then(Reply::tool_call(
        "c2",
        "search_products",
        "{\"query\": \"b\"}",
    ))
    .then(Reply::tool_call(
        "c3",
        "search_products",
        "{\"query\": \"c\"}",
    ));
    let model = chain(policy(), &[endpoint("primary", &fake)]);
    let tools = Tools::default();
    let mut sink = |_| {};

    let outcome = run_tool_loop(
        &model,
        question("anything"),
        &tools,
        Limits {
            max_steps: 2,
            ..limits()
        },
        &PriceTable::new(),
        &mut sink,
    )
    .await;

    assert!(matches!(outcome.stop, Stop::MaxSteps), "{:?}", outcome.stop);
    assert_eq!(fake.request_count(), 2);
    assert_eq!(tools.calls().len(), 1, "the last step's call is not run");
    assert_eq!(outcome.steps.len(), 2);
    // The unanswered call is left out: every call kept has its result.
    assert_eq!(outcome.messages.len(), 2, "{:#?}", outcome.messages);
    assert_eq!(outcome.messages[0].tool_calls[0].id, "c1");
    assert_eq!(outcome.messages[1].tool_call_id.as_deref(), Some("c1"));
}

#[tokio::test]
async fn a_tool_over_its_timeout_becomes_an_error_result() {
    let fake = FakeLlm::start().await;
    fake.then(Reply::tool_call("c1", "slow", "{}"))
        .then(Reply::text(&["That took too long."]));
    let model = chain(policy(), &[endpoint("primary", &fake)]);
    let mut sink = |_| {};
    let started = Instant::now();

    let outcome = run_tool_loop(
        &model,
        question("slow please"),
        &Tools::default(),
        Limits {
            per_tool_timeout: Duration::from_millis(200),
            ..limits()
        },
        &PriceTable::new(),
        &mut sink,
    )
    .await;

    assert!(matches!(outcome.stop, Stop::Answered), "{:?}", outcome.stop);
    assert!(started.elapsed() < Duration::from_secs(5));
    let run = &outcome.steps[0].tools[0];
    assert!(run.output.is_error);
    let result = fake.messages(1)[3]["content"].as_str().unwrap().to_owned();
    assert!(result.contains("did not answer within"), "{result}");
}

#[tokio::test]
async fn the_turn_deadline_stops_the_loop() {
    let fake = FakeLlm::start().await;
    fake.then(Reply::tool_call("c1", "search_products", "{}"))
        .then(Reply::hang());
    let model = chain(policy(), &[endpoint("primary", &fake)]);
    let mut sink = |_| {};
    let started = Instant::now();

    let outcome = run_tool_loop(
        &model,
        question("hello"),
        &Tools::default(),
        Limits {
            per_turn_timeout: Duration::from_millis(500),
            ..limits()
        },
        &PriceTable::new(),
        &mut sink,
    )
    .await;

    assert!(matches!(outcome.stop, Stop::Deadline), "{:?}", outcome.stop);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(500) && elapsed < Duration::from_secs(3));
    assert_eq!(outcome.steps.len(), 1, "the hanging step never returned");
    assert_eq!(
        outcome.messages.len(),
        2,
        "the first step's call and result are kept"
    );
}

#[tokio::test]
async fn a_failing_endpoint_falls_back_to_the_next() {
    let primary = FakeLlm::start().await;
    let secondary = FakeLlm::start().await;
    primary.then(Reply::status(500));
    secondary.then(Reply::text(&["from the fallback"]));
    let model = chain(
        policy(),
        &[
            endpoint("primary", &primary),
            endpoint("secondary", &secondary),
        ],
    );

    let (turn, events) = stream(&model, &question("hi")).await;

    let turn = turn.unwrap();
    assert_eq!(turn.endpoint, "secondary");
    assert_eq!(texts(&events), ["from the fallback"]);
    assert_eq!((primary.request_count(), secondary.request_count()), (1, 1));
}

#[tokio::test]
async fn transient_failures_before_output_are_retried_on_the_same_endpoint_others_are_not() {
    let primary = FakeLlm::start().await;
    let secondary = FakeLlm::start().await;
    let retrying = FallbackPolicy {
        retries: 1,
        ..policy()
    };
    let model = chain(
        retrying,
        &[
            endpoint("primary", &primary),
            endpoint("secondary", &secondary),
        ],
    );

    // A 429 asking for a short wait, and a stream that drops before any text: retried.
    for failure in [Reply::rate_limited(0), Reply::close_after(&[])] {
        primary.then(failure).then(Reply::text(&["ok"]));
        let (turn, _) = stream(&model, &question("hi")).await;
        assert_eq!(turn.unwrap().endpoint, "primary");
    }
    assert_eq!((primary.request_count(), secondary.request_count()), (4, 0));

    // A 400 is the request's fault: not retried on the same endpoint.
    primary.then(Reply::status(400));
    secondary.then(Reply::text(&["ok"]));
    let (turn, _) = stream(&model, &question("hi")).await;
    assert_eq!(turn.unwrap().endpoint, "secondary");
    assert_eq!((primary.request_count(), secondary.request_count()), (5, 1));

    // A 429 asking for longer than a shopper should wait moves on at once.
    primary.then(Reply::rate_limited(30));
    secondary.then(Reply::text(&["ok"]));
    let (turn, _) = stream(&model, &question("hi")).await;
    assert_eq!(turn.unwrap().endpoint, "secondary");
    assert_eq!((primary.request_count(), secondary.request_count()), (6, 2));
}

#[tokio::test]
async fn a_silent_endpoint_times_out_and_the_next_answers() {
    let primary = FakeLlm::start().await;
    let secondary = FakeLlm::start().await;
    primary.then(Reply::hang());
    secondary.then(Reply::text(&["awake"]));
    let model = chain(
        policy(),
        &[
            endpoint("primary", &primary).with_timeout(Duration::from_millis(300)),
            endpoint("secondary", &secondary),
        ],
    );

    let started = Instant::now();
    let (turn, _) = stream(&model, &question("hi")).await;
    assert_eq!(turn.unwrap().endpoint, "secondary");
    assert!(started.elapsed() < Duration::from_secs(3));

    // A stall mid-answer counts too, but after output it is returned, not retried.
    primary.then(Reply::stall_after(&["a"]));
    let (result, events) = stream(&model, &question("hi")).await;
    assert!(
        matches!(result, Err(ModelError::Timeout { .. })),
        "{result:?}"
    );
    assert_eq!(texts(&events), ["a"]);
    assert_eq!(secondary.request_count(), 1);
}

#[tokio::test]
async fn the_breaker_rests_a_failing_endpoint_then_tries_it_again() {
    let primary = FakeLlm::start().await;
    let secondary = FakeLlm::start().await;
    let resting = FallbackPolicy {
        breaker: BreakerPolicy {
            failure_threshold: 2,
            cool_down: Duration::from_millis(500),
        },
        ..policy()
    };
    let models = ChatModels::new(resting);
    let endpoints = [
        endpoint("primary", &primary),
        endpoint("secondary", &secondary),
    ];
    primary.then_times(2, Reply::status(503));
    secondary.then_times(5, Reply::text(&["fallback"]));

    for _ in 0..5 {
        // A chain per request, as per-shop chains are: the breaker lives in the pool.
        let model = models.chain(&endpoints).unwrap();
        let (turn, _) = stream(&model, &question("hi")).await;
        assert_eq!(turn.unwrap().endpoint, "secondary");
    }
    assert_eq!(primary.request_count(), 2, "not called while resting");
    assert_eq!(secondary.request_count(), 5);

    // After the cool-down one trial goes through; it succeeds and closes the breaker.
    tokio::time::sleep(Duration::from_millis(600)).await;
    primary.then_times(2, Reply::text(&["primary again"]));
    for _ in 0..2 {
        let model = models.chain(&endpoints).unwrap();
        let (turn, _) = stream(&model, &question("hi")).await;
        assert_eq!(turn.unwrap().endpoint, "primary");
    }
    assert_eq!(primary.request_count(), 4);

    // Every endpoint resting: the caller learns at once, nothing is sent.
    let only = models.chain(&endpoints[..1]).unwrap();
    primary.then_times(2, Reply::status(500));
    for _ in 0..2 {
        stream(&only, &question("hi")).await.0.unwrap_err();
    }
    let (result, _) = stream(&only, &question("hi")).await;
    match result {
        Err(ModelError::Exhausted(errors)) => {
            assert!(
                matches!(errors[..], [ModelError::CircuitOpen { .. }]),
                "{errors:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(primary.request_count(), 6);
}

#[tokio::test]
async fn usage_is_summed_over_steps_and_priced() {
    let fake = FakeLlm::start().await;
    fake.then(Reply::tool_call("c1", "search_products", "{}").with_usage(1_000, 20))
        .then(Reply::text(&["Found it."]).with_usage(1_500, 30));
    let model = chain(policy(), &[endpoint("primary", &fake)]);
    let prices = PriceTable::new().with(
        MODEL,
        Price {
            input: 2.0,
            output: 10.0,
            cached_input: None,
        },
    );
    let mut sink = |_| {};

    let outcome = run_tool_loop(
        &model,
        question("find it"),
        &Tools::default(),
        limits(),
        &prices,
        &mut sink,
    )
    .await;

    assert!(matches!(outcome.stop, Stop::Answered), "{:?}", outcome.stop);
    assert_eq!(outcome.usage.prompt_tokens, 2_500);
    assert_eq!(outcome.usage.completion_tokens, 50);
    // (2500 * 2 + 50 * 10) / 1e6 USD.
    let cost = outcome.cost_usd.unwrap();
    assert!((cost - 0.0055).abs() < 1e-12, "{cost}");
    let step_costs: Vec<_> = outcome.steps.iter().map(|s| s.cost_usd.unwrap()).collect();
    assert!((step_costs[0] - 0.0022).abs() < 1e-12, "{step_costs:?}");

    // A model missing from the table has no cost, not a cost of zero.
    fake.then(Reply::text(&["again"]));
    let outcome = run_tool_loop(
        &model,
        question("again"),
        &Tools::default(),
        limits(),
        &PriceTable::new(),
        &mut sink,
    )
    .await;
    assert_eq!(outcome.usage.total(), 15);
    assert_eq!(outcome.cost_usd, None);
}

#[tokio::test]
async fn an_error_after_text_was_streamed_is_returned_not_retried_elsewhere() {
    let primary = FakeLlm::start().await;
    let secondary = FakeLlm::start().await;
    primary.then(Reply::close_after(&["Your order ", "shipped on"]));
    secondary.then(Reply::text(&["a different answer"]));
    let model = chain(
        FallbackPolicy {
            retries: 2,
            ..policy()
        },
        &[
            endpoint("primary", &primary),
            endpoint("secondary", &secondary),
        ],
    );
    let mut events = Vec::new();
    let mut sink = |event| events.push(event);

    let outcome = run_tool_loop(
        &model,
        question("where is my order?"),
        &Tools::default(),
        limits(),
        &PriceTable::new(),
        &mut sink,
    )
    .await;

    match &outcome.stop {
        Stop::Failed(ModelError::Interrupted { endpoint, .. }) => assert_eq!(endpoint, "primary"),
        other => panic!("{other:?}"),
    }
    assert_eq!(texts(&events), ["Your order ", "shipped on"]);
    assert_eq!(outcome.text, "Your order shipped on");
    assert!(outcome.messages.is_empty());
    assert_eq!((primary.request_count(), secondary.request_count()), (1, 0));
}
