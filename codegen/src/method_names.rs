//! The Rust method name of each operation, decided for all operations at once (a collision
//! between two names can only be resolved knowing both).
//!
//! The name is, in order of preference:
//! 1. the `[operations]` override of `spec/overrides.toml`, keyed by operationId;
//! 2. for a FastAPI-style operationId, the function name it starts with (see [`fastapi_function`]);
//!    two such names that meet in one API struct are told apart by their paths
//!    ([`disambiguate`]);
//! 3. the operationId in snake case.
//!
//! Whatever remains taken twice is settled by [`crate::naming::Scope::claim`] (`_2`, `_3`, …)
//! when lowering claims the names, in document order.

use std::collections::BTreeMap;

use crate::naming;

/// What naming needs to know of one operation.
#[derive(Debug, Clone)]
pub struct OperationKey<'a> {
    /// The module of its tag: names must be unique per API struct only.
    pub tag_module: String,
    pub id: String,
    /// Lower case HTTP method.
    pub method: &'a str,
    pub path: &'a str,
}

/// The wanted name of each operation, in the order given.
pub fn method_names(ops: &[OperationKey<'_>], overrides: &BTreeMap<String, String>) -> Vec<String> {
    let mut names: Vec<(String, bool)> = ops
        .iter()
        .map(|op| match overrides.get(&op.id) {
            Some(name) => (name.clone(), false),
            None => match fastapi_function(&op.id, op.method, op.path) {
                Some(function) => (naming::snake(function), true),
                None => (naming::snake(&op.id), false),
            },
        })
        .collect();
    disambiguate(ops, &mut names);
    names.into_iter().map(|(name, _)| name).collect()
}

/// The function name of a FastAPI-generated operationId, or `None` when `id` is not one.
///
/// FastAPI's default id is `{function}{route path}_{method}` with every non-word character
/// replaced by `_` (`get_assistant_public_assistants__assistant_id__get` for
/// `get_assistant` on `/public/assistants/{assistant_id}`), which reads badly as a Rust method.
/// An id is taken to be one when it is lower snake case and ends in `_{method}` of its own
/// operation; the route part then starts at the first of:
/// - a segment `public`, the mount point of Telnyx's FastAPI services (their route paths are
///   not the published ones, `/public/text/clusters` is published as `/ai/clusters`);
/// - the earliest word from which the words follow, in order, the words of the published path
///   (its static segments and parameter names split on `_` and `-`).
///
/// With neither, only the method is dropped (`create_tool_post` → `create_tool`). The function
/// part is never empty: an id that is all route keeps its snake case.
pub fn fastapi_function<'i>(id: &'i str, method: &str, path: &str) -> Option<&'i str> {
    if !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return None;
    }
    let rest = id.strip_suffix(method)?.strip_suffix('_')?;
    let words: Vec<&str> = rest.split('_').collect();
    if words.len() < 2 {
        return None;
    }
    let path_words: Vec<&str> = path.split(['/', '_', '-', '{', '}', '.']).filter(|w| !w.is_empty()).collect();
    // Do the words from `i` on follow the published path's words, in order?
    let follows_path = |i: usize| {
        let mut path = path_words.iter();
        !words[i].is_empty()
            && words[i..].iter().filter(|w| !w.is_empty()).all(|w| path.any(|p| p.eq_ignore_ascii_case(w)))
    };
    let mount = words.iter().skip(1).position(|w| *w == "public").map(|i| i + 1);
    let tail = || (1..words.len()).find(|&i| follows_path(i));
    let cut = mount.or_else(tail).unwrap_or(words.len());
    // The byte length of the first `cut` words and the `_`s between them.
    let len = words[..cut].iter().map(|w| w.len()).sum::<usize>() + cut - 1;
    let function = rest[..len].trim_end_matches('_');
    (!function.is_empty()).then_some(function)
}

/// Tell apart FastAPI function names that meet in one API struct (`get_conversations` for
/// both `/ai/conversations` and `/ai/conversations/{id}/messages`): each gets the static
/// segments of its path after the part the colliding paths share (`get_conversations_messages`),
/// or `by_{parameter}` when only parameters follow (`get_finetuningjob_by_job_id`); the one
/// whose path is the shared part keeps the name. Names still equal then get the method.
fn disambiguate(ops: &[OperationKey<'_>], names: &mut [(String, bool)]) {
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, (name, derived)) in names.iter().enumerate() {
        if *derived {
            groups.entry((ops[i].tag_module.as_str(), name.as_str())).or_default().push(i);
        }
    }
    // Only derived names collide here; a collision with an id-named operation is left to the
    // scope, so that an operation named by its own id never changes name.
    let groups: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    for group in groups {
        let segments: Vec<Vec<&str>> =
            group.iter().map(|&i| ops[i].path.split('/').filter(|s| !s.is_empty()).collect()).collect();
        let shared = (0..)
            .take_while(|&k| segments.iter().all(|s| s.get(k).is_some() && s.get(k) == segments[0].get(k)))
            .count();
        for (&i, segs) in group.iter().zip(&segments) {
            let rest = &segs[shared..];
            let statics: Vec<&str> = rest.iter().copied().filter(|s| !s.starts_with('{')).collect();
            let suffix = if !statics.is_empty() {
                statics.join("_")
            } else if let Some(param) = rest.last() {
                format!("by_{}", param.trim_matches(|c| c == '{' || c == '}'))
            } else {
                continue;
            };
            names[i].0 = naming::snake(&format!("{}_{suffix}", names[i].0));
        }
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for &i in &group {
            *seen.entry(names[i].0.clone()).or_default() += 1;
        }
        for &i in &group {
            if seen[&names[i].0] > 1 {
                names[i].0 = naming::snake(&format!("{}_{}", names[i].0, ops[i].method));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fastapi_ids_lose_their_route_and_method() {
        let cases = [
            ("get_assistants_public_assistants_get", "get", "/ai/assistants", Some("get_assistants")),
            (
                "test_assistant_tool_public_assistants__assistant_id__tools__tool_id__test_post",
                "post",
                "/ai/assistants/{assistant_id}/tools/{tool_id}/test",
                Some("test_assistant_tool"),
            ),
            // No mount: the route is the longest tail of path words.
            (
                "delete_canary_deploy_assistants__assistant_id__canary_deploys_delete",
                "delete",
                "/ai/assistants/{assistant_id}/canary-deploys",
                Some("delete_canary_deploy"),
            ),
            (
                "assistant_sms_chat_assistants__assistant_id__chat_sms_post",
                "post",
                "/ai/assistants/{assistant_id}/chat/sms",
                Some("assistant_sms_chat"),
            ),
            // A route unlike the published path, behind the mount.
            (
                "fetch_cluster_image_by_task_id_public_text_clusters__task_id__image_get",
                "get",
                "/ai/clusters/{task_id}/graph",
                Some("fetch_cluster_image_by_task_id"),
            ),
            ("create_tool_post", "post", "/ai/tools", Some("create_tool")),
            // Not FastAPI-style: another method, camel case, nothing before the method.
            ("list_calls_get", "post", "/calls", None),
            ("ListCallsGet", "get", "/calls", None),
            ("get", "get", "/calls", None),
            ("calls_get", "get", "/calls", None),
        ];
        for (id, method, path, want) in cases {
            assert_eq!(fastapi_function(id, method, path), want, "{id}");
        }
    }

    fn key<'a>(tag: &str, id: &str, method: &'a str, path: &'a str) -> OperationKey<'a> {
        OperationKey { tag_module: tag.to_owned(), id: id.to_owned(), method, path }
    }

    #[test]
    fn colliding_functions_are_told_apart_by_their_paths() {
        let ops = [
            key("conversations", "get_conversations_public_conversations_get", "get", "/ai/conversations"),
            key(
                "conversations",
                "get_conversations_public__conversation_id__messages_get",
                "get",
                "/ai/conversations/{conversation_id}/messages",
            ),
            key("fine_tuning", "get_finetuningjob_public_finetuning_get", "get", "/ai/fine_tuning/jobs"),
            key(
                "fine_tuning",
                "get_finetuningjob_public_finetuning__job_id__get",
                "get",
                "/ai/fine_tuning/jobs/{job_id}",
            ),
            // The same function in another API struct is no collision.
            key("chat", "chat_public_responses_completions_post", "post", "/ai/responses"),
            key("openai_chat", "chat_public_openai_responses_completions_post", "post", "/ai/openai/responses"),
            // Same path, two methods.
            key("x", "thing_public_things_get", "get", "/things"),
            key("x", "thing_public_things_put", "put", "/things"),
            // An id-named operation keeps its name; the scope settles it later.
            key("y", "list_public_items_get", "get", "/items"),
            key("y", "list", "get", "/other"),
        ];
        let mut overrides = BTreeMap::new();
        overrides.insert("thing_public_things_put".to_owned(), "replace_thing".to_owned());
        let names = method_names(&ops, &overrides);
        assert_eq!(
            names,
            [
                "get_conversations",
                "get_conversations_messages",
                "get_finetuningjob",
                "get_finetuningjob_by_job_id",
                "chat",
                "chat",
                "thing",
                "replace_thing",
                "list",
                "list",
            ]
        );
        let ops =
            [key("x", "thing_public_things_get", "get", "/things"), key("x", "thing_public_a_post", "post", "/things")];
        assert_eq!(method_names(&ops, &BTreeMap::new()), ["thing_get", "thing_post"]);
    }
}
