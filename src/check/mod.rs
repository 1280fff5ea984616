//! Checks on SP behaviour: step expectations and read-back verification live
//! in the engine and the provisioning model; this module will hold the
//! conformance rule catalogue.
