//! Print the operation catalogue: one tab-separated line per operation,
//! `operation_id  METHOD  /path/template  tag  rust_method`.
//!
//! ```text
//! cargo run -p telnyx-api --example operations
//! ```

use std::io::Write;

fn main() -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for op in telnyx_api::catalogue::OPERATIONS {
        writeln!(out, "{}\t{}\t{}\t{}\t{}", op.operation_id, op.method, op.path, op.tag, op.rust_method)?;
    }
    out.flush()
}
