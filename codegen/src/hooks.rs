//! Hooks: the places where hand-written runtime code builds on a generated item that a spec may
//! or may not have. The typed, streaming chat API (`telnyx-api/src/chat.rs`) adds methods to the
//! API struct of the chat completions operation; a spec without that operation (every spec
//! before 2024) must still give a crate that compiles.
//!
//! Each hook is found by method and path (operation ids change between specs; paths of these
//! operations have not). Lowering reserves the hook's hand-written method names in the API
//! struct, so a generated method never takes one; emission writes a `macro_rules!` per hook
//! into `generated/hooks.rs` that implements the hand-written items on that struct, gated by its
//! tag's feature, with the operation's body type as an alias — or expands to nothing when the
//! spec lacks the operation.

/// One hook: an operation the runtime builds on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hook {
    /// The macro's name.
    pub macro_name: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    /// Methods the runtime defines on the operation's API struct.
    pub reserved: &'static [&'static str],
    /// What the hand-written code does there (for the macro's doc).
    pub doc: &'static str,
}

/// The hooks the runtime uses.
pub const HOOKS: &[Hook] = &[Hook {
    macro_name: "chat_completions_api",
    method: "POST",
    path: "/ai/chat/completions",
    reserved: &["create_completion", "create_completion_stream", "create_completion_text_stream"],
    doc: "the typed and streaming chat completion methods of `crate::chat`",
}];

/// The hook whose operation this is.
pub fn hook_for(method: &str, path: &str) -> Option<&'static Hook> {
    HOOKS.iter().find(|h| h.method.eq_ignore_ascii_case(method) && h.path == path)
}
