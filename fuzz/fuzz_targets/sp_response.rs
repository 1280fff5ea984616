//! libFuzzer entry point; the logic is `jcsim_fuzz::sp_response` (shared with the stable loop).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jcsim_fuzz::sp_response(data));
