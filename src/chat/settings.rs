//! A shop's assistant settings.
