//! The local responder: deterministic routing to the same tools, answers composed from their results.
