//! The tool host: runs the model's tool calls against live store data, for a verified shopper.
