//! Mail through a real SMTP server (Python's aiosmtpd, keeping each mail as a file): the
//! one-time code of an anonymous order look-up, over the real engine and the demo store on
//! the simulator; the team's notice of a handoff nobody is online for and the agent's reply
//! mailed to the shopper; each sent exactly once, and never again once marked sent.

use std::time::Duration;

use concierge::dev::demo::DEMO_SHOP;
use concierge::dev::mail_sink::MailSink;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::chat::Client;
use crate::helpers::{DemoShop, TestApp, eventually, session_token, state, worker};

/// What a test keeps running and does not otherwise use: the simulator and the worker
/// (stopped on drop).
type Running = (shopify_sim::Simulator, tokio_util::sync::CancellationToken);

/// A mail sink in a fresh folder, and the demo shop on the simulator with a worker sending
/// mail to it.
async fn demo_with_mail() -> (MailSink, TestApp, DemoShop, Running) {
    let dir = std::env::temp_dir().join(format!("concierge-mail-{}", Uuid::new_v4().simple()));
    let sink = MailSink::start(&dir).await.expect("the SMTP sink starts");
    let (app, sim, demo) = DemoShop::on_new_app(false).await;
    let mailer = state(
        &app.db,
        &[
            "--shopify-shop-url",
            &sim.shop_url_template(),
            "--smtp-url",
            &sink.url,
        ],
    )
    .await;
    let worker = worker(mailer);
    (sink, app, demo, (sim, worker))
}

/// The answer's whole text.
fn answer(said: &[(String, Value)]) -> String {
    said.iter()
        .find(|(name, _)| name == "done")
        .and_then(|(_, data)| data["text"].as_str())
        .unwrap_or_else(|| panic!("no answer: {said:?}"))
        .to_owned()
}

/// A received mail as read (quoted-printable soft breaks and `=3D` undone).
fn readable(raw: &str) -> String {
    raw.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// Waits until the sink holds `count` mails; then makes sure no more arrive for a while. The
/// wait is long: under a full test run on two cores the mail job can queue behind others, and
/// what is asserted is which mails arrive, not how fast (the benches measure speed).
async fn exactly(sink: &MailSink, count: usize) -> Vec<String> {
    let arrived = eventually(Duration::from_secs(90), || async {
        (sink.messages().len() >= count).then_some(())
    })
    .await;
    assert!(
        arrived.is_some(),
        "{} of {count} mails",
        sink.messages().len()
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails: Vec<String> = sink.messages().iter().map(|m| readable(m)).collect();
    assert_eq!(mails.len(), count, "{mails:#?}");
    mails
}

#[tokio::test]
async fn an_anonymous_order_look_up_is_shown_only_after_the_mailed_code() {
    let (sink, app, demo, _running) = demo_with_mail().await;
    let shopper = Client::demo(&app, demo.shop_id, None);
    let conversation = shopper.conversation().await;
    let asked = shopper
        .say(
            &conversation,
            "Hi, can you check order #1001? My email is emma.caldwell@example.com",
            None,
        )
        .await;
    let text = answer(&asked);
    assert!(text.contains("code"), "{text}");
    assert!(
        !text.contains("1ZR23R1A0277354684"),
        "shown before the code: {text}"
    );

    // The code arrives once, at the order's email.
    let mails = exactly(&sink, 1).await;
    assert!(
        mails[0].contains("X-RcptTo: emma.caldwell@example.com"),
        "{}",
        mails[0]
    );
    let code = mails[0]
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap()
        .to_owned();
    assert!(
        !sqlx::query_scalar::<_, Vec<u8>>("SELECT code_hash FROM order_codes")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .windows(6)
            .any(|w| w == code.as_bytes()),
        "the code is kept only hashed"
    );

    // A wrong code is refused and counted, in the conversation and across conversations.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let text = answer(&shopper.say(&conversation, wrong, None).await);
    assert!(text.contains("doesn't match"), "{text}");
    assert!(!text.contains("1ZR23R1A0277354684"), "{text}");
    let (conversation_failures, order_failures): (i32, i32) = sqlx::query_as(
        "SELECT (SELECT verification_failures FROM conversations WHERE shop_id = $1),
                (SELECT failures FROM order_proof_failures WHERE shop_id = $1 AND key = 'order:#1001')",
    )
    .bind(demo.shop_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((conversation_failures, order_failures), (1, 1));

    // The right one, typed as a sentence: the order.
    let text = answer(
        &shopper
            .say(&conversation, &format!("the code is {code}"), None)
            .await,
    );
    assert!(text.contains("1ZR23R1A0277354684"), "{text}");
    // Used up: the same code again shows nothing; and no other mail was sent.
    let text = answer(&shopper.say(&conversation, &code, None).await);
    assert!(!text.contains("1ZR23R1A0277354684"), "{text}");
    exactly(&sink, 1).await;
}

#[tokio::test]
async fn with_nobody_online_the_team_is_mailed_and_the_agents_reply_reaches_the_shoppers_inbox() {
    let (sink, app, demo, _running) = demo_with_mail().await;
    let shopper = Client::demo(&app, demo.shop_id, None);
    let conversation = shopper.conversation().await;
    let said = shopper
        .say(
            &conversation,
            "I want to talk to a real person please",
            None,
        )
        .await;
    let handoff = said
        .iter()
        .find(|(name, _)| name == "handoff")
        .unwrap_or_else(|| panic!("{said:?}"));
    // No agent online (the shop has none): the widget asks for an email.
    assert_eq!(handoff.1["agents_available"], false);
    assert_eq!(handoff.1["email_needed"], true);
    let contact = format!("/chat/conversations/{conversation}/contact");
    assert_eq!(
        shopper
            .post(&contact, json!({"email": "ada@example.com"}))
            .await
            .status(),
        204
    );

    // The team's notice: once, with the conversation's link in the admin.
    let mails = exactly(&sink, 1).await;
    assert!(mails[0].contains("A shopper is waiting"), "{}", mails[0]);
    assert!(
        mails[0].contains(&format!("/admin/apps/test-api-key/inbox/{conversation}")),
        "{}",
        mails[0]
    );
    assert!(!mails[0].contains("X-RcptTo: ada@example.com"));

    // A reply whose mail cannot be queued (the outbox refuses the row) is not stored either:
    // the reply and its mail commit together or not at all.
    sqlx::raw_sql(
        "CREATE FUNCTION refuse_mail() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'the outbox is down'; END $$;
         CREATE TRIGGER refuse_mail BEFORE INSERT ON mail_outbox
           FOR EACH ROW EXECUTE FUNCTION refuse_mail();",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let reply = agent_reply(&app, &conversation, "This reply is never stored.").await;
    assert_eq!(reply.status(), 500);
    let (agent_messages, outbox) = replies_and_mails(&app, demo.shop_id, &conversation).await;
    assert_eq!((agent_messages, outbox), (0, 0));
    sqlx::raw_sql("DROP TRIGGER refuse_mail ON mail_outbox; DROP FUNCTION refuse_mail();")
        .execute(&app.db.pool)
        .await
        .unwrap();

    // The agent replies from the admin: the shopper gets it by mail, once, with a link back.
    // Its outbox row is committed with it, before the answer (no job has to run first).
    let reply = agent_reply(&app, &conversation, "Hi Ada, your parcel leaves tomorrow.").await;
    assert_eq!(reply.status(), 201);
    assert_eq!(
        replies_and_mails(&app, demo.shop_id, &conversation).await,
        (1, 1)
    );
    let mails = exactly(&sink, 2).await;
    let to_shopper = mails
        .iter()
        .find(|m| m.contains("X-RcptTo: ada@example.com"))
        .unwrap_or_else(|| panic!("{mails:#?}"));
    assert!(
        to_shopper.contains("your parcel leaves tomorrow"),
        "{to_shopper}"
    );
    assert!(
        to_shopper.contains(&format!("concierge_conversation={conversation}")),
        "{to_shopper}"
    );

    // The same mail's job run again (a retry after a crash) sends nothing: it is marked sent.
    let mut tx = app.db.pool.begin().await.unwrap();
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM mail_outbox WHERE shop_id = $1 AND recipient = 'ada@example.com'
           AND sent_at IS NOT NULL AND body = ''",
    )
    .bind(demo.shop_id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let job = concierge::jobs::SendMail {
        shop_id: demo.shop_id,
        id,
    };
    concierge::jobs::enqueue(&mut tx, &job).await.unwrap();
    // And a mail to no address is refused for good, not retried.
    let refused = concierge::mail::queue(
        &mut tx,
        demo.shop_id,
        concierge::mail::Mail {
            to: "not an address".into(),
            subject: "never".into(),
            text: "never".into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let failed = eventually(Duration::from_secs(30), || async {
        sqlx::query_scalar::<_, Option<String>>("SELECT failed FROM mail_outbox WHERE id = $1")
            .bind(refused)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    })
    .await;
    assert!(failed.is_some_and(|f| f.contains("not an email address")));
    let done = eventually(Duration::from_secs(30), || async {
        let pending: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM apalis.jobs WHERE job_type = 'send_mail'
               AND status NOT IN ('Done', 'Killed')",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        (pending == 0).then_some(())
    })
    .await;
    assert!(done.is_some(), "the send_mail jobs did not finish");
    exactly(&sink, 2).await;
}

/// An agent of the demo shop replies to `conversation` from the admin.
async fn agent_reply(app: &TestApp, conversation: &str, text: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/inbox/conversations/{conversation}/messages")))
        .bearer_auth(session_token(DEMO_SHOP))
        .json(&json!({ "text": text }))
        .send()
        .await
        .unwrap()
}

/// How many agent replies `conversation` holds, and how many mails to its shopper are queued.
async fn replies_and_mails(app: &TestApp, shop_id: i64, conversation: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM messages
                 WHERE shop_id = $1 AND conversation_id = $2::uuid AND role = 'agent'),
                (SELECT count(*) FROM mail_outbox
                 WHERE shop_id = $1 AND recipient = 'ada@example.com')",
    )
    .bind(shop_id)
    .bind(conversation)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}
