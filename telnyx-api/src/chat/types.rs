//! The OpenAI chat completion format (`chat.completion` and `chat.completion.chunk`), lenient on
//! purpose: optional fields default, `null` reads as absent, unknown fields are ignored and
//! unknown enum values are kept.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A `null` or missing value reads as the type's default.
pub(crate) fn null_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Declares an open string enum: known values as variants, anything else kept in `Other`.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of the crate does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow::<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok($name::from(s.as_ref()))
            }
        }

        // Any string (the rest is `Other`), nothing else.
        impl $crate::shape::Shaped for $name {
            const SHAPE: &'static $crate::shape::Shape = &$crate::shape::Shape::String;
        }
    };
}
// Also for the Anthropic types (`crate::anthropic`).
pub(crate) use open_enum;

open_enum! {
    /// Why the model stopped generating.
    FinishReason {
        /// A natural stop or a stop sequence.
        Stop = "stop",
        /// The token limit was reached.
        Length = "length",
        /// The model called tools.
        ToolCalls = "tool_calls",
        /// Content was omitted by a filter.
        ContentFilter = "content_filter",
        /// The model called a function (deprecated form of `tool_calls`).
        FunctionCall = "function_call",
    }
}

open_enum! {
    /// The author of a message; defaults to `Assistant`, the author of generated messages.
    #[derive(Default)]
    Role {
        /// System instructions.
        System = "system",
        /// Developer instructions (newer name for `system`).
        Developer = "developer",
        /// The user.
        User = "user",
        /// The model.
        #[default]
        Assistant = "assistant",
        /// A tool result.
        Tool = "tool",
        /// A function result (deprecated).
        Function = "function",
    }
}

/// A non-streamed chat completion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatCompletion {
    /// Completion id.
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// `"chat.completion"`.
    #[serde(default, deserialize_with = "null_default")]
    pub object: String,
    /// Creation time, Unix seconds.
    #[serde(default, deserialize_with = "null_default")]
    pub created: i64,
    /// The model that answered.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// The generated choices (one unless `n` > 1).
    #[serde(default, deserialize_with = "null_default")]
    pub choices: Vec<ChatChoice>,
    /// Token usage.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Backend configuration fingerprint.
    #[serde(default)]
    pub system_fingerprint: Option<String>,
    /// Service tier that processed the request.
    #[serde(default)]
    pub service_tier: Option<String>,
}

impl ChatCompletion {
    /// The text of the first choice, if any.
    pub fn text(&self) -> Option<&str> {
        self.choices.first().and_then(|c| c.message.content.as_deref())
    }
}

/// One choice of a [`ChatCompletion`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatChoice {
    /// Position in `choices`.
    #[serde(default, deserialize_with = "null_default")]
    pub index: u32,
    /// The generated message.
    #[serde(default, deserialize_with = "null_default")]
    pub message: ChatMessage,
    /// Why generation stopped.
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
    /// Token log probabilities, when requested.
    #[serde(default)]
    pub logprobs: Option<Logprobs>,
}

/// A message generated by the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatMessage {
    /// Author, normally [`Role::Assistant`].
    #[serde(default, deserialize_with = "null_default")]
    pub role: Role,
    /// The text.
    #[serde(default)]
    pub content: Option<String>,
    /// A refusal message instead of content.
    #[serde(default)]
    pub refusal: Option<String>,
    /// Reasoning text of reasoning models, as some OpenAI-compatible servers send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
    /// Tool calls the model made.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// Deprecated single function call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_call: Option<FunctionCall>,
}

/// A tool call in a [`ChatMessage`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolCall {
    /// Id to answer the call with.
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// Tool type, `"function"`.
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub type_: String,
    /// The function and its arguments.
    #[serde(default, deserialize_with = "null_default")]
    pub function: FunctionCall,
}

/// A function name and its JSON-encoded arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FunctionCall {
    /// Function name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Arguments as a JSON string (not validated).
    #[serde(default, deserialize_with = "null_default")]
    pub arguments: String,
}

/// Token log probabilities of a choice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Logprobs {
    /// Per content token.
    #[serde(default)]
    pub content: Option<Vec<TokenLogprob>>,
    /// Per refusal token.
    #[serde(default)]
    pub refusal: Option<Vec<TokenLogprob>>,
}

/// Log probability of one token.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenLogprob {
    /// The token.
    #[serde(default, deserialize_with = "null_default")]
    pub token: String,
    /// Its log probability.
    #[serde(default, deserialize_with = "null_default")]
    pub logprob: f64,
    /// UTF-8 bytes of the token.
    #[serde(default)]
    pub bytes: Option<Vec<u8>>,
    /// The most likely tokens at this position.
    #[serde(default, deserialize_with = "null_default")]
    pub top_logprobs: Vec<TopLogprob>,
}

/// One alternative in [`TokenLogprob::top_logprobs`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TopLogprob {
    /// The token.
    #[serde(default, deserialize_with = "null_default")]
    pub token: String,
    /// Its log probability.
    #[serde(default, deserialize_with = "null_default")]
    pub logprob: f64,
    /// UTF-8 bytes of the token.
    #[serde(default)]
    pub bytes: Option<Vec<u8>>,
}

/// Token counts of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Usage {
    /// Tokens in the prompt.
    #[serde(default, deserialize_with = "null_default")]
    pub prompt_tokens: u64,
    /// Tokens generated.
    #[serde(default, deserialize_with = "null_default")]
    pub completion_tokens: u64,
    /// Sum of both.
    #[serde(default, deserialize_with = "null_default")]
    pub total_tokens: u64,
    /// Breakdown of prompt tokens, as sent (e.g. `cached_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens_details: Option<Value>,
    /// Breakdown of completion tokens, as sent (e.g. `reasoning_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens_details: Option<Value>,
}

/// One event of a streamed chat completion.
///
/// With `stream_options.include_usage` the last chunk before `[DONE]` has empty `choices` and
/// carries [`usage`](Self::usage).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatCompletionChunk {
    /// Completion id (the same in every chunk).
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// `"chat.completion.chunk"`.
    #[serde(default, deserialize_with = "null_default")]
    pub object: String,
    /// Creation time, Unix seconds.
    #[serde(default, deserialize_with = "null_default")]
    pub created: i64,
    /// The model that answers.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// Deltas per choice; empty in a usage-only chunk.
    #[serde(default, deserialize_with = "null_default")]
    pub choices: Vec<ChunkChoice>,
    /// Token usage (last chunk only, when requested).
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Backend configuration fingerprint.
    #[serde(default)]
    pub system_fingerprint: Option<String>,
    /// Service tier that processed the request.
    #[serde(default)]
    pub service_tier: Option<String>,
}

impl ChatCompletionChunk {
    /// The content delta of the first choice, if any.
    pub fn text(&self) -> Option<&str> {
        self.choices.first().and_then(|c| c.delta.content.as_deref())
    }

    /// Whether a choice of this chunk has a finish reason (the content is complete).
    pub fn is_finished(&self) -> bool {
        self.choices.iter().any(|c| c.finish_reason.is_some())
    }
}

/// One choice of a [`ChatCompletionChunk`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChunkChoice {
    /// Which choice this delta extends.
    #[serde(default, deserialize_with = "null_default")]
    pub index: u32,
    /// What is new.
    #[serde(default, deserialize_with = "null_default")]
    pub delta: ChunkDelta,
    /// Set on the last chunk of the choice.
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
    /// Token log probabilities, when requested.
    #[serde(default)]
    pub logprobs: Option<Logprobs>,
}

/// The new part of a streamed message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChunkDelta {
    /// Author; usually only in the first chunk.
    #[serde(default)]
    pub role: Option<Role>,
    /// Text to append.
    #[serde(default)]
    pub content: Option<String>,
    /// Refusal text to append.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Reasoning text to append, as some OpenAI-compatible servers send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
    /// Tool call fragments.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCallDelta>,
    /// Deprecated single function call fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_call: Option<FunctionCallDelta>,
}

/// A fragment of a tool call; fragments with the same `index` belong together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolCallDelta {
    /// Which tool call this fragment extends.
    #[serde(default, deserialize_with = "null_default")]
    pub index: u32,
    /// Tool call id (first fragment).
    #[serde(default)]
    pub id: Option<String>,
    /// Tool type, `"function"` (first fragment).
    #[serde(rename = "type", default)]
    pub type_: Option<String>,
    /// Function name and argument text to append.
    #[serde(default)]
    pub function: Option<FunctionCallDelta>,
}

/// A fragment of a function call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FunctionCallDelta {
    /// Function name (first fragment).
    #[serde(default)]
    pub name: Option<String>,
    /// Argument text to append.
    #[serde(default)]
    pub arguments: Option<String>,
}

// Shapes for the lenient decoding of a deviating body (`crate::shape`): every member may be
// left out (`#[serde(default)]`), and a `null` reads as the default (`null_default`: an
// `Option` here).
crate::shaped!(ChatCompletion {
    "id" => Option<String>,
    "object" => Option<String>,
    "created" => Option<i64>,
    "model" => Option<String>,
    "choices" => Option<Vec<ChatChoice>>,
    "usage" => Option<Usage>,
    "system_fingerprint" => Option<String>,
    "service_tier" => Option<String>,
});
crate::shaped!(ChatChoice {
    "index" => Option<u32>,
    "message" => Option<ChatMessage>,
    "finish_reason" => Option<FinishReason>,
    "logprobs" => Option<Logprobs>,
});
crate::shaped!(ChatMessage {
    "role" => Option<Role>,
    "content" => Option<String>,
    "refusal" => Option<String>,
    "reasoning_content" => Option<String>,
    "tool_calls" => Option<Vec<ToolCall>>,
    "function_call" => Option<FunctionCall>,
});
crate::shaped!(ToolCall { "id" => Option<String>, "type" => Option<String>, "function" => Option<FunctionCall> });
crate::shaped!(FunctionCall { "name" => Option<String>, "arguments" => Option<String> });
crate::shaped!(Logprobs { "content" => Option<Vec<TokenLogprob>>, "refusal" => Option<Vec<TokenLogprob>> });
crate::shaped!(TokenLogprob {
    "token" => Option<String>,
    "logprob" => Option<f64>,
    "bytes" => Option<Vec<u8>>,
    "top_logprobs" => Option<Vec<TopLogprob>>,
});
crate::shaped!(TopLogprob { "token" => Option<String>, "logprob" => Option<f64>, "bytes" => Option<Vec<u8>> });
crate::shaped!(Usage {
    "prompt_tokens" => Option<u64>,
    "completion_tokens" => Option<u64>,
    "total_tokens" => Option<u64>,
    "prompt_tokens_details" => Option<Value>,
    "completion_tokens_details" => Option<Value>,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_chunk_decoding() {
        let c: ChatCompletionChunk = serde_json::from_str(
            r#"{"id":"x","object":"chat.completion.chunk","created":null,"model":"m","new_field":1,
                "choices":[{"index":0,"delta":{"role":"narrator","content":"hi","tool_calls":null},
                "finish_reason":"eos_token","logprobs":null}]}"#,
        )
        .unwrap();
        assert_eq!(c.created, 0);
        assert_eq!(c.choices[0].delta.role, Some(Role::Other("narrator".into())));
        assert_eq!(c.choices[0].finish_reason, Some(FinishReason::Other("eos_token".into())));
        assert_eq!(c.text(), Some("hi"));
        assert!(c.is_finished());
        assert_eq!(serde_json::to_value(&c.choices[0].finish_reason).unwrap(), "eos_token");
    }
}
