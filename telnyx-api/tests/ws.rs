//! The speech WebSockets (`telnyx_api::ws`) against the local stand-in
//! (`telnyx_api::testing::speech`), following the flows the spec describes, and the
//! `text_to_speech` example against it.

use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt as _;
use telnyx_api::testing::speech::{tts_audio, SeenConnection, SpeechServer};
use telnyx_api::testing::{client_builder_for, MOCK_API_KEY};
use telnyx_api::types::{ClientTextFrame, InputFormat, SttServerEvent, TranscriptionEngine, TtsServerEvent};
use telnyx_api::ws::{Connection, Frame, WsFailure};
use telnyx_api::{Client, Error};

#[path = "sse_support/mod.rs"]
mod sse_support;
use sse_support::{example_binary, run_example, within, EXAMPLE_KEY};

async fn server() -> (SpeechServer, Client) {
    let server = SpeechServer::start().await.expect("start the speech server");
    let client = client_builder_for(server.base_url()).build().expect("client");
    (server, client)
}

type Tts = Connection<ClientTextFrame, TtsServerEvent>;

async fn tts(client: &Client, voice: &str) -> Tts {
    within(client.text_to_speech().retrieve_speech().voice(voice).connect()).await.expect("connect")
}

/// The frames up to and including the next final frame (or the end, or an error).
async fn until_final(conn: &mut Tts) -> Vec<telnyx_api::Result<TtsServerEvent>> {
    let mut out = Vec::new();
    while let Some(frame) = within(conn.next()).await {
        let last = matches!(frame, Ok(TtsServerEvent::FinalFrame(_)) | Err(_));
        out.push(frame);
        if last {
            break;
        }
    }
    out
}

/// The audio of the chunk frames, decoded.
fn audio(frames: &[telnyx_api::Result<TtsServerEvent>]) -> Vec<Vec<u8>> {
    frames
        .iter()
        .filter_map(|f| match f {
            Ok(TtsServerEvent::AudioChunkFrame(c)) => c.audio.as_ref(),
            _ => None,
        })
        .map(|a| base64::engine::general_purpose::STANDARD.decode(a).expect("base64"))
        .collect()
}

fn only(server: &SpeechServer) -> SeenConnection {
    let mut seen = server.connections();
    assert_eq!(seen.len(), 1, "one connection: {seen:?}");
    seen.remove(0)
}

#[tokio::test]
async fn text_to_speech_speaks_each_text_in_order() {
    let (server, client) = server().await;
    let mut conn = tts(&client, "Telnyx.NaturalHD.astra").await;
    let mut handshake = ClientTextFrame::new(" ");
    handshake.voice_settings = Some(serde_json::json!({"voice_speed": 1.5}).as_object().cloned().expect("object"));
    within(conn.send(handshake)).await.expect("handshake");
    within(conn.send(ClientTextFrame::new("Hello from Rust"))).await.expect("text");
    let first = until_final(&mut conn).await;
    assert_eq!(audio(&first), tts_audio("Hello from Rust"));
    assert!(matches!(first.last(), Some(Ok(TtsServerEvent::FinalFrame(f))) if f.is_final == Some(true)));
    // The connection stays open for more text.
    within(conn.send(ClientTextFrame::new("and again"))).await.expect("second text");
    let second = until_final(&mut conn).await;
    assert_eq!(audio(&second), tts_audio("and again"));
    within(conn.close()).await.expect("close");
    assert!(within(conn.next()).await.is_none(), "the stream ends after close");

    let seen = only(&server);
    assert_eq!(seen.target, "/v2/text-to-speech/speech?voice=Telnyx.NaturalHD.astra");
    assert_eq!(seen.header("authorization"), Some(format!("Bearer {MOCK_API_KEY}").as_str()));
    assert_eq!(seen.header("upgrade"), Some("websocket"));
    assert_eq!(seen.header("sec-websocket-version"), Some("13"));
    let frames = seen.json_frames();
    assert_eq!(frames[0], serde_json::json!({"text": " ", "voice_settings": {"voice_speed": 1.5}}));
    assert_eq!(frames[1], serde_json::json!({"text": "Hello from Rust"}));
    assert_eq!(seen.close_code, Some(1000), "closed with 1000");
}

#[tokio::test]
async fn force_drops_the_old_text_and_speaks_the_new() {
    let (_server, client) = server().await;
    let mut conn = tts(&client, "v").await;
    within(conn.send(ClientTextFrame::new(" "))).await.expect("handshake");
    let long: Vec<String> = (0..200).map(|i| format!("old{i}")).collect();
    within(conn.send(ClientTextFrame::new(long.join(" ")))).await.expect("long text");
    // Wait for the first old chunk, then interrupt.
    let first = within(conn.next()).await.expect("a frame").expect("a chunk");
    assert!(matches!(first, TtsServerEvent::AudioChunkFrame(_)));
    let mut force = ClientTextFrame::new("new words");
    force.force = Some(true);
    within(conn.send(force)).await.expect("force");
    let rest = until_final(&mut conn).await;
    let chunks = audio(&rest);
    let new = tts_audio("new words");
    assert!(chunks.ends_with(&new), "the new text is spoken: {chunks:?}");
    let old = chunks.len() - new.len();
    assert!(old < long.len() - 1, "the old text was cut short ({old} more old chunks)");
    assert!(chunks[..old].iter().all(|c| c.starts_with(b"\xFF\xF3old")), "no new chunk before an old one");
    assert_eq!(rest.iter().filter(|f| matches!(f, Ok(TtsServerEvent::FinalFrame(_)))).count(), 1, "one final frame");
}

#[tokio::test]
async fn an_error_frame_ends_the_stream_with_its_message() {
    let (_server, client) = server().await;
    let mut conn = tts(&client, "error").await;
    within(conn.send(ClientTextFrame::new(" "))).await.expect("handshake");
    match within(conn.next()).await {
        Some(Err(Error::ServerFrame(frame))) => {
            assert_eq!(frame.message, "Invalid voice_id specified");
            assert_eq!(frame.operation, "TextToSpeechOverWs");
            assert_eq!(frame.frame["type"], "error");
        }
        other => panic!("expected the error frame, got {other:?}"),
    }
    assert!(within(conn.next()).await.is_none(), "the stream ends after the error frame");
}

#[tokio::test]
async fn a_key_the_server_echoes_is_redacted() {
    let (_server, client) = server().await;
    let mut conn = tts(&client, "echo").await;
    within(conn.send(ClientTextFrame::new(" "))).await.expect("handshake");
    let Some(Err(e @ Error::ServerFrame(_))) = within(conn.next()).await else { panic!("expected the error frame") };
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(MOCK_API_KEY), "the key leaked: {shown}");
    assert!(shown.contains("Bearer <redacted>"), "{shown}");
}

#[tokio::test]
async fn a_refused_upgrade_is_an_api_error_with_status_codes_and_body() {
    let (_server, client) = server().await;
    let e = within(client.text_to_speech().retrieve_speech().voice("refuse").connect()).await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401), "{e}");
    assert_eq!(e.codes(), ["10009"]);
    assert_eq!(e.request_id(), Some("mock-request-id"));
    let Error::Api(api) = &e else { panic!("expected Error::Api, got {e:?}") };
    assert!(api.body_text().contains("The API key was refused."));

    let e = within(client.text_to_speech().retrieve_speech().voice("bad").connect()).await.unwrap_err();
    let Error::Api(api) = &e else { panic!("expected Error::Api, got {e:?}") };
    assert_eq!((api.status.as_u16(), api.body_text().as_str()), (400, "bad voice"));

    // A success status without an upgrade (what Prism answers): a plain HTTP server.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}/v2", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut request = vec![0u8; 4096];
        let _ = socket.read(&mut request).await;
        let body = r#"{"data":{}}"#;
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: plain-1\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(response.as_bytes()).await.expect("write");
    });
    let plain = client_builder_for(base).build().expect("client");
    let e = within(plain.text_to_speech().retrieve_speech().voice("v").connect()).await.unwrap_err();
    assert!(
        matches!(&e, Error::WebSocket { failure: WsFailure::NotUpgraded { status, .. }, .. } if status.as_u16() == 200),
        "{e:?}"
    );
    assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(e.request_id(), Some("plain-1"));
}

#[tokio::test]
async fn a_503_upgrade_is_retried() {
    let server = SpeechServer::start().await.expect("server");
    let client =
        client_builder_for(server.base_url()).max_retries(1).retry_sleep(|_| async {}).build().expect("client");
    let mut conn = tts(&client, "flaky").await;
    within(conn.send(ClientTextFrame::new(" "))).await.expect("handshake");
    within(conn.send(ClientTextFrame::new("retried"))).await.expect("text");
    assert_eq!(audio(&until_final(&mut conn).await), tts_audio("retried"));
    assert_eq!(server.connections().len(), 2, "one refused upgrade, then one that worked");
}

#[tokio::test]
async fn a_frame_that_does_not_decode_is_an_error_and_the_stream_goes_on() {
    let (_server, client) = server().await;
    let mut conn = tts(&client, "garbage").await;
    within(conn.send(ClientTextFrame::new(" "))).await.expect("handshake");
    within(conn.send(ClientTextFrame::new("still spoken"))).await.expect("text");
    let frames = until_final(&mut conn).await;
    // `until_final` stops at the first error: read on.
    let Some(Err(Error::Decode { status, body, .. })) = frames.last() else {
        panic!("expected a decode error: {frames:?}")
    };
    assert_eq!((status.as_u16(), &body[..]), (101, &b"not json"[..]));
    let rest = until_final(&mut conn).await;
    assert_eq!(audio(&rest), tts_audio("still spoken"));
}

#[tokio::test]
async fn frames_without_their_type_decode_as_the_variant_their_members_tell() {
    let (_server, client) = server().await;
    let mut conn = tts(&client, "tagless").await;
    within(conn.send(ClientTextFrame::new(" "))).await.expect("handshake");
    within(conn.send(ClientTextFrame::new("live frames"))).await.expect("text");
    let frames = until_final(&mut conn).await;
    assert_eq!(audio(&frames), tts_audio("live frames"));
    assert!(matches!(frames.last(), Some(Ok(TtsServerEvent::FinalFrame(_)))), "{frames:?}");
    assert!(frames.iter().all(|f| !matches!(f, Ok(TtsServerEvent::Unknown(_)))), "{frames:?}");
    // And the live API's error frame, `{"error": …}`.
    let e: TtsServerEvent = serde_json::from_str(r#"{"error":"Invalid voice_id specified"}"#).expect("decode");
    assert!(matches!(e, TtsServerEvent::ErrorFrame(_)), "{e:?}");
    // Members no variant declares stay unknown.
    let u: TtsServerEvent = serde_json::from_str(r#"{"something":"else"}"#).expect("decode");
    assert!(matches!(u, TtsServerEvent::Unknown(_)), "{u:?}");
}

#[tokio::test]
async fn a_message_over_the_limit_ends_the_connection() {
    let server = SpeechServer::start().await.expect("server");
    let client = client_builder_for(server.base_url()).max_websocket_message(1 << 20).build().expect("client");
    let mut conn = tts(&client, "huge").await;
    within(conn.send(ClientTextFrame::new(" "))).await.expect("handshake");
    match within(conn.next()).await {
        Some(Err(Error::WebSocket { failure: WsFailure::MessageTooLarge { limit }, .. })) => assert_eq!(limit, 1 << 20),
        other => panic!("expected MessageTooLarge, got {other:?}"),
    }
    assert!(within(conn.next()).await.is_none());
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let server = SpeechServer::start().await.expect("server");
    let client = client_builder_for(server.base_url())
        .stream_idle_timeout(Duration::from_millis(300))
        .websocket_ping_interval(None)
        .build()
        .expect("client");
    let mut conn = tts(&client, "silent").await;
    let started = std::time::Instant::now();
    match within(conn.next()).await {
        Some(Err(Error::Timeout { timeout, .. })) => assert_eq!(timeout, Duration::from_millis(300)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn the_client_pings_a_quiet_connection_and_answers_pings() {
    let server = SpeechServer::start().await.expect("server");
    let client = client_builder_for(server.base_url())
        .websocket_ping_interval(Some(Duration::from_millis(50)))
        .build()
        .expect("client");
    let conn = tts(&client, "ping").await;
    within(conn.send(ClientTextFrame::new(" "))).await.expect("handshake");
    // Nothing to read: the connection is quiet, and the server pinged once after the handshake.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = only(&server);
    assert!(seen.pings >= 2, "the client pinged the quiet connection: {seen:?}");
    assert_eq!(seen.pongs, 1, "the client answered the server's ping: {seen:?}");
    drop(conn);
}

#[tokio::test]
async fn an_abnormal_close_and_a_lost_connection_are_errors() {
    let (_server, client) = server().await;
    let mut conn = tts(&client, "close-1011").await;
    within(conn.send(ClientTextFrame::new(" "))).await.expect("handshake");
    match within(conn.next()).await {
        Some(Err(Error::WebSocket { failure: WsFailure::Closed { code, reason }, .. })) => {
            assert_eq!((code, reason.as_str()), (1011, "synthesis failed"))
        }
        other => panic!("expected Closed, got {other:?}"),
    }
    assert!(within(conn.next()).await.is_none());

    let mut conn = tts(&client, "drop").await;
    within(conn.send(ClientTextFrame::new(" "))).await.expect("handshake");
    match within(conn.next()).await {
        Some(Err(Error::WebSocket { failure: WsFailure::ConnectionLost, .. })) => {}
        other => panic!("expected ConnectionLost, got {other:?}"),
    }
    // Sending on it now fails.
    let e = within(conn.send(ClientTextFrame::new("too late"))).await.unwrap_err();
    assert!(matches!(e, Error::WebSocket { failure: WsFailure::AlreadyClosed, .. }), "{e:?}");
}

#[tokio::test]
async fn speech_to_text_sends_audio_and_reads_transcripts() {
    let (server, client) = server().await;
    let (sender, mut receiver) = within(
        client
            .speech_to_text()
            .retrieve_transcription(&TranscriptionEngine::Deepgram, &InputFormat::Mp3)
            .interim_results(true)
            .connect(),
    )
    .await
    .expect("connect")
    .split();
    // Audio from one task, transcripts in another.
    let send = tokio::spawn(async move {
        for chunk in ["one", "two", "three"] {
            sender.send(bytes::Bytes::from(chunk)).await.expect("audio");
        }
        sender.send_json(&serde_json::json!({"type": "CloseStream"})).await.expect("close stream");
    });
    let mut transcripts = Vec::new();
    while let Some(frame) = within(receiver.next()).await {
        match frame.expect("a transcript") {
            SttServerEvent::TranscriptFrame(t) => transcripts.push((t.transcript, t.is_final)),
            other => panic!("unexpected frame {other:?}"),
        }
    }
    within(send).await.expect("sender task");
    assert_eq!(
        transcripts,
        [
            ("one".to_owned(), Some(false)),
            ("two".to_owned(), Some(false)),
            ("three".to_owned(), Some(false)),
            ("one two three".to_owned(), Some(true)),
        ]
    );
    let seen = only(&server);
    assert_eq!(
        seen.target,
        "/v2/speech-to-text/transcription?transcription_engine=Deepgram&input_format=mp3&interim_results=true"
    );
    assert_eq!(
        &seen.frames[..3],
        [Frame::Binary("one".into()), Frame::Binary("two".into()), Frame::Binary("three".into())]
    );
}

#[tokio::test]
async fn speech_to_text_error_frames_and_envelopes_end_the_stream() {
    let (_server, client) = server().await;
    let stt = || client.speech_to_text().retrieve_transcription(&TranscriptionEngine::Telnyx, &InputFormat::Wav);
    let mut conn = within(stt().connect()).await.expect("connect");
    within(conn.send_frame(Frame::Text("not audio".into()))).await.expect("send");
    match within(conn.next()).await {
        Some(Err(Error::ServerFrame(f))) => assert_eq!(f.message, "Expected binary audio frames"),
        other => panic!("expected the error frame, got {other:?}"),
    }
    let mut conn = within(stt().language("envelope").connect()).await.expect("connect");
    within(conn.send(bytes::Bytes::from_static(b"\x00\x01"))).await.expect("send");
    match within(conn.next()).await {
        Some(Err(e @ Error::ServerFrame(_))) => {
            assert_eq!(e.codes(), ["90002"]);
            assert!(e.to_string().contains("Transcription failed: The audio could not be decoded."), "{e}");
        }
        other => panic!("expected the envelope, got {other:?}"),
    }
}

#[tokio::test]
async fn the_text_to_speech_example_writes_the_audio_and_fails_clearly() {
    let server = SpeechServer::start().await.expect("server");
    let dir = std::env::temp_dir().join(format!("telnyx-ws-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("hello.mp3");
    let args = |voice: &str| -> Vec<String> {
        ["--voice", voice, "--audio-format", "mp3", "--out", out.to_str().expect("path"), "Hello", "from", "run"]
            .map(str::to_owned)
            .to_vec()
    };
    let Some(bin) = example_binary("text_to_speech") else {
        eprintln!("skipped: the text_to_speech example is not built (cargo test --test ws builds no examples)");
        return;
    };
    let run = |voice: &str| {
        let args = args(voice);
        let bin = bin.clone();
        let url = server.base_url();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_example(bin, url, &args, &["TELNYX_CLIENT_ID", "TELNYX_CLIENT_SECRET"]).await
        }
    };
    let ok = run("Telnyx.NaturalHD.astra").await;
    let want: Vec<u8> = tts_audio("Hello from run").concat();
    assert_eq!(ok.code, 0, "stderr: {}", ok.stderr);
    assert_eq!(ok.stdout.trim(), format!("wrote {} bytes to {}", want.len(), out.display()));
    assert_eq!(std::fs::read(&out).expect("the audio file"), want);
    let seen = server.connections();
    assert_eq!(seen[0].target, "/v2/text-to-speech/speech?voice=Telnyx.NaturalHD.astra&audio_format=mp3");

    let error = run("error").await;
    assert_eq!(error.code, 1);
    assert!(error.stderr.contains("Invalid voice_id specified"), "{}", error.stderr);

    let refused = run("refuse").await;
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("HTTP 401"), "{}", refused.stderr);
    for printed in [&ok, &error, &refused] {
        assert!(!printed.stdout.contains(EXAMPLE_KEY) && !printed.stderr.contains(EXAMPLE_KEY), "the key was printed");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
