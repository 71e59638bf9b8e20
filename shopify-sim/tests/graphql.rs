#[test]
fn schema_probe() {
    let src = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../graphql/shopify/admin-2026-10.graphql"
    ));
    let t = std::time::Instant::now();
    match apollo_compiler::Schema::parse_and_validate(src, "admin.graphql") {
        Ok(s) => println!("valid in {:?}, types {}", t.elapsed(), s.types.len()),
        Err(e) => {
            println!("invalid in {:?}: {} errors", t.elapsed(), e.errors.len());
            for d in e.errors.iter().take(10) {
                println!("{d}");
            }
        }
    }
}
