//! Hooks: the places where hand-written runtime code builds on a generated item that a spec may
//! or may not have. The typed, streaming chat APIs (`telnyx-api/src/chat.rs`) and Anthropic
//! Messages API (`telnyx-api/src/anthropic.rs`) add methods to the API structs of their
//! operations; a spec without such an operation (every spec before 2024 lacks them all, specs
//! before mid-2026 lack the OpenAI- and Anthropic-compatible ones) must still give a crate that
//! compiles.
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

/// The hooks the runtime uses. No two reserve the same method name (checked by a test), so hooks
/// whose operations share a tag (and so an API struct) never define a method twice.
pub const HOOKS: &[Hook] = &[
    Hook {
        macro_name: "chat_completions_api",
        method: "POST",
        path: "/ai/chat/completions",
        reserved: &["create_completion", "create_completion_stream", "create_completion_text_stream"],
        doc: "the typed and streaming chat completion methods of `crate::chat`",
    },
    Hook {
        macro_name: "openai_chat_completions_api",
        method: "POST",
        path: "/ai/openai/chat/completions",
        reserved: &["create_chat_completion", "create_chat_completion_stream", "create_chat_completion_text_stream"],
        doc: "the typed and streaming chat completion methods of `crate::chat::openai`",
    },
    Hook {
        macro_name: "openai_responses_api",
        method: "POST",
        path: "/ai/openai/responses",
        reserved: &["create_response_stream", "create_response_text_stream"],
        doc: "the typed event stream of the OpenAI Responses API of `crate::responses`",
    },
    Hook {
        macro_name: "anthropic_messages_api",
        method: "POST",
        path: "/ai/anthropic/v1/messages",
        reserved: &["create_message", "create_message_stream", "create_message_text_stream"],
        doc: "the typed and streaming Anthropic Messages methods of `crate::anthropic`",
    },
];

/// The hooks whose operation this is (lowering reserves the names of each).
pub fn hooks_for<'m>(method: &'m str, path: &'m str) -> impl Iterator<Item = &'static Hook> + 'm {
    HOOKS.iter().filter(move |h| h.method.eq_ignore_ascii_case(method) && h.path == path)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn no_two_hooks_share_a_macro_or_a_method_name() {
        let mut macros = BTreeSet::new();
        let mut methods = BTreeSet::new();
        for hook in HOOKS {
            assert!(macros.insert(hook.macro_name), "macro {} is defined twice", hook.macro_name);
            for name in hook.reserved {
                assert!(methods.insert(*name), "method {name} is reserved by two hooks ({})", hook.macro_name);
            }
        }
    }

    #[test]
    fn hooks_are_found_by_method_and_path() {
        let found: Vec<_> = hooks_for("post", "/ai/anthropic/v1/messages").map(|h| h.macro_name).collect();
        assert_eq!(found, ["anthropic_messages_api"]);
        assert_eq!(hooks_for("get", "/ai/anthropic/v1/messages").count(), 0);
    }
}
