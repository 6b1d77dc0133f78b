//! The migrations are embedded in the binary (`embed_migrations!`): a changed or added one has to
//! rebuild it, though no Rust source changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
