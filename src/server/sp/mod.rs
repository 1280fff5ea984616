//! The embedded SCIM 2.0 service provider: an in-memory SP with switchable quirks.
