//! Whole `gatehouse` processes, as an operator runs them.

pub fn gatehouse_bin() -> &'static str {
    env!("CARGO_BIN_EXE_gatehouse")
}
