//! The SCIM filter parser and its translation to a query condition.
#![no_main]

use gatehouse::scim::filter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = filter::parse(text) {
        let _ = filter::condition(&parsed);
    }
});
