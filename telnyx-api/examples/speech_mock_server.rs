//! A local stand-in for Telnyx's speech WebSockets (`telnyx_api::testing::speech`), as a
//! process: `tools/examples/run.sh` points the `text_to_speech` example at it.
//!
//! ```text
//! cargo run -q -p telnyx-api --features testing --example speech_mock_server -- [127.0.0.1:0]
//! ```
//!
//! Prints `listening on http://ADDR/v2` (the base URL to give a client), then serves until
//! killed. The voice chooses what the server does (see `testing::speech`): `error` sends an
//! error frame, `refuse` refuses the upgrade, any other voice speaks.

use std::process::ExitCode;

use telnyx_api::testing::speech::SpeechServer;

#[tokio::main]
async fn main() -> ExitCode {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let server = match SpeechServer::start_at(&addr).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("speech_mock_server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", server.base_url());
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
