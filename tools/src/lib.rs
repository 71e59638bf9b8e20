//! The assistant's tools: JSON schema, execution and audit.
