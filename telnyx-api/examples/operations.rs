//! Print the operation catalogue: one tab-separated line per operation,
//! `operation_id  METHOD  /path/template  tag  rust_method  call_path`: `rust_method` is the
//! method's name in telnyx-api 0.2, `call_path` where it is called now (`calls.actions.answer`
//! for `client.calls().actions().answer(…)`).
//!
//! ```text
//! cargo run -p telnyx-api --example operations
//! ```

use std::io::Write;

fn main() -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for op in telnyx_api::catalogue::OPERATIONS {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}",
            op.operation_id, op.method, op.path, op.tag, op.rust_method, op.call_path
        )?;
    }
    out.flush()
}
