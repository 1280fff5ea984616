//! provision
