//! The Admin API 2026-10 schema, embedded in the binary and parsed once per process: it is
//! ~860 KB of SDL, and every `AdminApi` (tests build many) shares the same immutable copy.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use apollo_compiler::collections::HashMap;
use apollo_compiler::schema::Implementers;
use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Schema};

const SDL: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../graphql/shopify/admin-2026-10.graphql"
));

/// The parsed schema and how long parsing and validating it took.
pub(crate) struct Loaded {
    pub schema: Arc<Valid<Schema>>,
    /// Interfaces to their implementers, which introspection needs and is costly to derive.
    pub implementers: HashMap<Name, Implementers>,
    pub load_time: Duration,
    /// Validation problems, if the schema had to be accepted leniently.
    pub problems: usize,
}

/// The shared schema. It validates cleanly with apollo-compiler 1.x; should a future schema
/// file not, the parsed schema is used anyway (validation of operations still works on it)
/// and the number of problems is logged once.
pub(crate) fn admin() -> &'static Loaded {
    static SCHEMA: OnceLock<Loaded> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let started = std::time::Instant::now();
        let (schema, problems) = match Schema::parse_and_validate(SDL, "admin-2026-10.graphql") {
            Ok(schema) => (schema, 0),
            Err(with_errors) => {
                let problems = with_errors.errors.len();
                tracing::warn!(
                    problems,
                    "Admin schema failed validation; using it leniently"
                );
                (Valid::assume_valid(with_errors.partial), problems)
            }
        };
        let load_time = started.elapsed();
        Loaded {
            implementers: schema.implementers_map(),
            schema: Arc::new(schema),
            load_time,
            problems,
        }
    })
}
