//! WebSockets: an operation whose responses include `101 Switching Protocols` is a WebSocket,
//! never an HTTP call. Its frames come from the `101` response and the request body:
//!
//! - **Server frames.** The `101` JSON schema. When it is an inline `oneOf`/`anyOf`, its members
//!   are split between the two sides (the spec puts client and server frames in one `oneOf`),
//!   and the server's are the server frame type (a union of them when several). Otherwise the
//!   whole schema is. A `text/*` `101` body is text frames, any other binary.
//! - **Client frames.** The `oneOf` members of the client side; else the request body (JSON:
//!   its type; `text/*`: text; anything else: binary, as audio is); else binary when the
//!   response's description says the client sends binary; else none.
//! - **Which side a member is on.** Its schema name, or the name of one of its own variants,
//!   in backticks on the description's `Client → Server` or `Server → Client` part (`->`
//!   works too); else a `Client`/`Server` word in its name. A member neither tells is left out,
//!   with a warning.
//! - **The error frame.** The server union's variant whose discriminator value is `error`, or
//!   whose name ends in `Error`/`ErrorFrame`.

use openapiv3::{ReferenceOr, Schema, StatusCode};

use super::schemas::{union_branches, view};
use super::Lowerer;
use crate::error::{ptr, Result};
use crate::ir::*;

/// Warning: a `101` `oneOf` member on neither side.
pub const UNSIDED_FRAME: &str =
    "WebSocket frame whose side (client or server) neither the description nor its name tells";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    Client,
    Server,
}

/// The parts of a `101` description that list what each side sends: (client → server,
/// server → client).
fn sides_text(description: &str) -> (String, String) {
    let text = description.replace("->", "→");
    let client = text.find("Client → Server");
    let server = text.find("Server → Client");
    let part = |start: Option<usize>, other: Option<usize>| match start {
        Some(s) => {
            let end = other.filter(|&o| o > s).unwrap_or(text.len());
            text[s..end].to_owned()
        }
        None => String::new(),
    };
    (part(client, server), part(server, client))
}

/// The side a name's words tell (`ClientTextFrame`, `TtsServerEvent`).
fn side_by_words(name: &str) -> Option<Side> {
    let words: Vec<String> = heck::ToSnakeCase::to_snake_case(name).split('_').map(str::to_owned).collect();
    match (words.iter().any(|w| w == "client"), words.iter().any(|w| w == "server")) {
        (true, false) => Some(Side::Client),
        (false, true) => Some(Side::Server),
        _ => None,
    }
}

/// The last segment of a `#/components/schemas/…` reference.
fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

impl Lowerer<'_> {
    /// The frames of `op` when it is a WebSocket (it has a `101` response).
    pub(super) fn websocket(&mut self, op: &openapiv3::Operation, camel: &str, at: &str) -> Result<Option<WebSocket>> {
        let Some((status, response)) = op.responses.responses.iter().find(|(s, _)| matches!(s, StatusCode::Code(101)))
        else {
            return Ok(None);
        };
        let r_at = ptr(&format!("{at}/responses"), &status.to_string());
        let (response, _, r_at) = self.response_item(response, &r_at)?;
        let (client_text, server_text) = sides_text(&response.description);
        let mut client: Vec<TypeRef> = Vec::new();
        let mut server: Vec<TypeRef> = Vec::new();
        let mut server_frame = None;
        if let Some((ct, media)) = response.content.iter().find(|(ct, _)| ct.contains("json")) {
            let s_at = format!("{}/schema", ptr(&format!("{r_at}/content"), ct));
            // An inline `oneOf`/`anyOf`: its members, split between the sides.
            let members = match &media.schema {
                Some(ReferenceOr::Item(schema)) => Some(union_branches(&view(schema))).filter(|(m, _)| !m.is_empty()),
                _ => None,
            };
            match (members, &media.schema) {
                (Some((members, keyword)), _) => {
                    for (i, member) in members.iter().enumerate() {
                        let m_at = format!("{s_at}/{keyword}/{i}");
                        let names = self.frame_names(member);
                        let quoted = |text: &str| names.iter().any(|n| text.contains(&format!("`{n}`")));
                        let side = if quoted(&client_text) {
                            Some(Side::Client)
                        } else if quoted(&server_text) {
                            Some(Side::Server)
                        } else {
                            names.first().and_then(|n| side_by_words(n))
                        };
                        let hint = format!("{camel}Frame{}", i + 1);
                        match side {
                            Some(Side::Client) => client.push(self.lower_ref(member, &hint, &m_at)?.0),
                            Some(Side::Server) => server.push(self.lower_ref(member, &hint, &m_at)?.0),
                            None => self.warnings.push((UNSIDED_FRAME, m_at)),
                        }
                    }
                }
                (None, Some(schema)) => server.push(self.lower_ref(schema, &format!("{camel}ServerFrame"), &s_at)?.0),
                (None, None) => server_frame = Some(WsFrame::Json(TypeRef::Json)),
            }
        } else if let Some((ct, _)) = response.content.first() {
            server_frame = Some(if ct.starts_with("text/") { WsFrame::Text } else { WsFrame::Binary });
        }
        let frames = |side: &str| format!("The frames the {side} sends on the `{camel}` WebSocket.");
        let server = match server_frame {
            Some(f) => f,
            None if server.is_empty() => WsFrame::Json(TypeRef::Json),
            None => WsFrame::Json(self.union_of_types(server, &format!("{camel}ServerFrame"), &r_at, frames("server"))),
        };
        let client = if !client.is_empty() {
            WsFrame::Json(self.union_of_types(client, &format!("{camel}ClientFrame"), &r_at, frames("client")))
        } else if let Some(body) = &op.request_body {
            let (body, _, b_at) = self.request_body_item(body, &format!("{at}/requestBody"))?;
            match body.content.iter().find(|(ct, _)| ct.contains("json")) {
                Some((ct, media)) => {
                    let m_at = format!("{}/schema", ptr(&format!("{b_at}/content"), ct));
                    match &media.schema {
                        Some(s) => WsFrame::Json(self.lower_ref(s, &format!("{camel}ClientFrame"), &m_at)?.0),
                        None => WsFrame::Json(TypeRef::Json),
                    }
                }
                None => match body.content.first() {
                    Some((ct, _)) if ct.starts_with("text/") => WsFrame::Text,
                    _ => WsFrame::Binary,
                },
            }
        } else if client_text.to_ascii_lowercase().contains("binary") {
            WsFrame::Binary
        } else {
            WsFrame::None
        };
        let error_variant = self.error_variant(&server);
        Ok(Some(WebSocket { client, server, error_variant }))
    }

    /// The names a `oneOf` member goes by: its schema's, then those of its own variants.
    fn frame_names(&self, member: &ReferenceOr<Schema>) -> Vec<String> {
        let mut names = Vec::new();
        if let ReferenceOr::Reference { reference } = member {
            names.push(ref_name(reference).to_owned());
        }
        if let Some(schema) = self.resolved(member) {
            for v in union_branches(&view(schema)).0 {
                if let ReferenceOr::Reference { reference } = v {
                    names.push(ref_name(reference).to_owned());
                }
            }
        }
        names
    }

    /// The variant of the server frame union that is the error frame.
    fn error_variant(&self, server: &WsFrame) -> Option<String> {
        let name = server.json()?.named()?;
        let def = self.types.iter().find(|t| t.name == name)?;
        let TypeKind::Union(u) = &def.kind else { return None };
        u.variants
            .iter()
            .find(|v| v.tags.iter().any(|t| t == "error"))
            .or_else(|| u.variants.iter().find(|v| v.name.ends_with("Error") || v.name.ends_with("ErrorFrame")))
            .map(|v| v.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_splits_into_the_two_sides() {
        let (c, s) = sides_text("**Client → Server:** See `ClientTextFrame`. **Server → Client:** See `FinalFrame`.");
        assert!(c.contains("`ClientTextFrame`") && !c.contains("FinalFrame"));
        assert!(s.contains("`FinalFrame`") && !s.contains("ClientTextFrame"));
        // Server first, and `->` for the arrow.
        let (c, s) = sides_text("Server -> Client: `A`. Client -> Server: binary audio.");
        assert!(c.contains("binary") && !c.contains("`A`"));
        assert!(s.contains("`A`"));
        assert_eq!(sides_text("Opens a socket."), (String::new(), String::new()));
    }

    #[test]
    fn a_name_tells_its_side_by_its_words() {
        assert_eq!(side_by_words("ClientTextFrame"), Some(Side::Client));
        assert_eq!(side_by_words("TtsServerEvent"), Some(Side::Server));
        assert_eq!(side_by_words("AudioChunkFrame"), None);
        assert_eq!(side_by_words("ClientServerFrame"), None);
    }
}
