//! The naming rule: a call path from the method and path alone, in the conventions of Telnyx's
//! SDKs, decided for all operations at once (whether a path segment is a resource or a method
//! depends on the other paths under it).
//!
//! 1. **Resources** are the static path segments in snake case, path parameters dropped, so
//!    nested resources nest (`/calls/{id}/actions/answer` → `calls.actions`). A leading version
//!    segment is dropped (`/v2/whatsapp/…` → `whatsapp`). A top-level `{x}_actions` whose
//!    resource `{x}s` also exists is that resource's `actions` (`/sim_card_actions` →
//!    `sim_cards.actions`). A path parameter with no static segment before it names a resource
//!    (`/{bucketName}/{objectName}` → `buckets.objects`), and such a path (or `/`) of another
//!    server than the document's sits under a resource of that server's name (`storage`).
//! 2. **A segment only one operation uses** (it has no sub-paths) is not a resource but a method
//!    of its parent; so is every segment right after `actions`. The method is the segment:
//!    as it is for `POST` (`/ai/assistants/{id}/clone` → `ai.assistants.clone`) and when it
//!    starts with a verb (`download`), else after `retrieve_`/`update_`/`delete_` by the HTTP
//!    method (`GET /porting_orders/{id}/requirements` → `porting_orders.retrieve_requirements`),
//!    `list_` for a paged `GET`. A segment ending in a state-change verb is put verb first
//!    (`record_start` → `start_record`, as the SDK's `start_recording`). A parameter after such
//!    a segment is an item of it: `PATCH /x/{id}/locations/{location_id}` → `x.update_location`.
//! 3. **Otherwise** the CRUD verb of the method and the path's shape: `GET` of an item
//!    (`…/{id}`) `retrieve`, of a collection `list` (when it has items, is paged, or is a plural
//!    noun no `PUT`/`PATCH`/`DELETE` writes as a whole; else it is a singleton: `retrieve`),
//!    `POST` `create` (`update` on an item of a collection that exists), `PUT`/`PATCH` `update`,
//!    `DELETE` `delete`.
//! 4. **The operation's own words** refine the method ([`id_verb`], [`summary_verb`]): an
//!    `operationId` verb that contradicts the HTTP method's (S3's `DeleteObjects` on a `POST`),
//!    else the summary's opening verb where the method is only the HTTP method's CRUD verb or a
//!    noun (`POST /messages` "Send a message" → `messages.send`; `POST /verifications/sms`
//!    "Trigger SMS verification" → `verifications.trigger_sms`).
//!
//! Names here are plain snake case; [`super::assign`] makes them identifiers and settles
//! collisions.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;

use super::Endpoint;

/// Verbs a method name may start with, to be used as it is.
const VERBS: &[&str] = &[
    "add", "assign", "cancel", "check", "create", "delete", "disable", "download", "enable", "generate", "get", "join",
    "list", "pause", "refresh", "remove", "reset", "resume", "retrieve", "search", "send", "set", "start", "stop",
    "unassign", "update", "upload", "validate", "verify",
];

/// Verbs that a segment names last (`record_start`, `client_state_update`) and a method names first.
const TRAILING_VERBS: &[&str] = &["check", "join", "pause", "resume", "start", "stop", "update"];

/// Words after which a trailing verb is part of a noun phrase (`from_upload`).
const PREPOSITIONS: &[&str] = &["by", "for", "from", "in", "of", "on", "to", "with"];

/// An operation's path as the rule reads it.
#[derive(Debug, Clone)]
struct Shape {
    /// Static segments, snake case, after the version and `_actions` rules.
    statics: Vec<String>,
    /// The path ends in a parameter.
    item: bool,
}

/// What the rule knows of one resource candidate (a sequence of static segments).
#[derive(Debug, Default)]
struct Node {
    /// Operations on exactly this node.
    ops: usize,
    /// Some path continues below it.
    has_children: bool,
    /// Operations on an item of it (`…/node/{id}`).
    item_ops: usize,
    /// Methods of operations on the node itself (no parameter after it).
    collection_methods: BTreeSet<String>,
}

/// Snake case of a static segment (`phoneNumberAssignmentByProfile`, `speech-to-text`,
/// `Recordings.json` → `…_by_profile`, `speech_to_text`, `recordings_json`), not yet an
/// identifier (`10dlc` stays).
pub(super) fn snake(segment: &str) -> String {
    segment.to_snake_case().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

pub(super) fn is_param(segment: &str) -> bool {
    segment.contains('{')
}

fn plural(word: &str) -> bool {
    word.ends_with('s') && !word.ends_with("ss")
}

/// `locations` → `location`, `policies` → `policy`, `boxes` → `box`.
pub(super) fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("sses") || word.ends_with("xes") || word.ends_with("ches") || word.ends_with("shes") {
        word[..word.len() - 2].to_owned()
    } else if plural(word) {
        word[..word.len() - 1].to_owned()
    } else {
        word.to_owned()
    }
}

/// The resource a leading path parameter stands for: `{bucketName}` → `buckets`.
fn param_resource(segment: &str) -> String {
    let name = snake(segment);
    let stem = ["_name", "_id", "_sid"].iter().find_map(|s| name.strip_suffix(s)).filter(|s| !s.is_empty());
    let stem = stem.unwrap_or(&name);
    if plural(stem) {
        stem.to_owned()
    } else {
        format!("{stem}s")
    }
}

/// The segments of a path without its query, a leading version segment dropped.
fn segments(path: &str) -> Vec<&str> {
    let path = path.split('?').next().unwrap_or_default();
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let version = |s: &str| s.len() > 1 && s.starts_with('v') && s[1..].bytes().all(|b| b.is_ascii_digit());
    if segs.len() > 1 && version(segs[0]) {
        segs.remove(0);
    }
    segs
}

fn shapes(ops: &[Endpoint<'_>]) -> Vec<Shape> {
    let mut shapes: Vec<(Shape, bool)> = ops
        .iter()
        .map(|op| {
            let segs = segments(op.path);
            let leading_params = segs.iter().take_while(|s| is_param(s)).count();
            // Paths of another server that start with a parameter (S3's `/{bucketName}`) would
            // otherwise be methods of the client itself.
            let server = op.server.filter(|_| segs.first().is_none_or(|s| is_param(s)));
            let statics = server
                .map(snake)
                .into_iter()
                .chain(segs[..leading_params].iter().map(|s| param_resource(s)))
                .chain(segs[leading_params..].iter().filter(|s| !is_param(s)).map(|s| snake(s)))
                .collect();
            let top_static = server.is_none() && segs.first().is_some_and(|s| !is_param(s));
            (Shape { statics, item: segs.last().is_some_and(|s| is_param(s)) }, top_static)
        })
        .collect();
    let tops: BTreeSet<String> =
        shapes.iter().filter(|(_, top)| *top).filter_map(|(s, _)| s.statics.first().cloned()).collect();
    for (shape, top) in &mut shapes {
        let Some(first) = shape.statics.first().filter(|_| *top) else { continue };
        let Some(owner) = first.strip_suffix("_actions").filter(|o| !o.is_empty()) else { continue };
        let resource = [format!("{owner}s"), format!("{owner}es")].into_iter().find(|r| tops.contains(r));
        if let Some(resource) = resource {
            shape.statics.splice(0..1, [resource, "actions".to_owned()]);
        }
    }
    shapes.into_iter().map(|(s, _)| s).collect()
}

fn nodes(ops: &[Endpoint<'_>], shapes: &[Shape]) -> BTreeMap<Vec<String>, Node> {
    let mut nodes: BTreeMap<Vec<String>, Node> = BTreeMap::new();
    for (op, shape) in ops.iter().zip(shapes) {
        let node = nodes.entry(shape.statics.clone()).or_default();
        node.ops += 1;
        if shape.item {
            node.item_ops += 1;
        } else {
            node.collection_methods.insert(op.method.to_ascii_lowercase());
        }
        for k in 1..shape.statics.len() {
            nodes.entry(shape.statics[..k].to_vec()).or_default().has_children = true;
        }
    }
    nodes
}

/// `record_start` → `start_record`; names that start with a verb or end otherwise stay.
fn verb_first(name: &str) -> String {
    let words: Vec<&str> = name.split('_').collect();
    match (words.first(), words.last()) {
        (Some(first), Some(last))
            if words.len() > 1
                && TRAILING_VERBS.contains(last)
                && !VERBS.contains(first)
                && !PREPOSITIONS.contains(first) =>
        {
            let mut out = vec![*last];
            out.extend(&words[..words.len() - 1]);
            out.join("_")
        }
        _ => name.to_owned(),
    }
}

/// The call path (resources, method) of each operation by the rule, in the order given.
pub(super) fn rule_names(ops: &[Endpoint<'_>]) -> Vec<(Vec<String>, String)> {
    let shapes = shapes(ops);
    let nodes = nodes(ops, &shapes);
    ops.iter().zip(&shapes).map(|(op, shape)| name_one(op, shape, &nodes[&shape.statics])).collect()
}

fn name_one(op: &Endpoint<'_>, shape: &Shape, node: &Node) -> (Vec<String>, String) {
    let method = op.method.to_ascii_lowercase();
    let s = &shape.statics;
    let Some(last) = s.last() else {
        // `/` or only parameters: a method of the client.
        return (Vec::new(), crud(&method, shape.item, "root", node, op.paged));
    };
    let parent = s[..s.len() - 1].to_vec();
    let alone = node.ops == 1 && !node.has_children && s.len() > 1;
    let after_actions = s.len() > 1 && s[s.len() - 2] == "actions";
    if !shape.item && (after_actions || alone) {
        let name = verb_first(last);
        let starts_with_verb = name.split('_').next().is_some_and(|w| VERBS.contains(&w));
        if method == "post" || starts_with_verb {
            return (parent, name);
        }
        return (parent, format!("{}_{name}", prefix(&method, op.paged)));
    }
    if shape.item && alone && !after_actions {
        let verb = match method.as_str() {
            "post" => "create",
            m => prefix(m, false),
        };
        return (parent, format!("{verb}_{}", singular(last)));
    }
    (s.clone(), crud(&method, shape.item, last, node, op.paged))
}

/// The prefix of a method named after a segment.
fn prefix(method: &str, paged: bool) -> &'static str {
    match method {
        "get" if paged => "list",
        "get" => "retrieve",
        "put" | "patch" => "update",
        "delete" => "delete",
        "post" => "create",
        _ => "call",
    }
}

fn crud(method: &str, item: bool, last: &str, node: &Node, paged: bool) -> String {
    let whole_writes = node.collection_methods.iter().any(|m| matches!(m.as_str(), "put" | "patch" | "delete"));
    let verb = match method {
        "get" if item => "retrieve",
        "get" if node.item_ops > 0 || paged || (plural(last) && !whole_writes) => "list",
        "get" => "retrieve",
        "post" if item && !node.collection_methods.is_empty() => "update",
        "post" => "create",
        "put" | "patch" => "update",
        "delete" => "delete",
        // HEAD, OPTIONS, TRACE: rare enough to be named by the method itself.
        other => return other.to_owned(),
    };
    verb.to_owned()
}

/// The verbs an `operationId` and a method name are compared by.
const CRUD: &[&str] = &["list", "create", "delete", "get", "retrieve", "update", "put", "head"];

/// The method an `operationId` gives where its verb contradicts the one the rule read from the
/// HTTP method: S3-style operations put several actions on one path (`GET /{bucketName}` is
/// `ListObjects`, `PUT /{bucketName}` `CreateBucket`, `POST /{bucketName}` `DeleteObjects`). The
/// `operationId`'s verb, then the rest of it unless that is the resource itself
/// (`CreateBucket` on `buckets` → `create`, `DeleteObjects` → `delete_objects`). `None` when
/// the operation has no `operationId`, either verb is no CRUD verb, or they agree.
pub(super) fn id_verb(op: &Endpoint<'_>, resources: &[String], method: &str) -> Option<String> {
    let normal = |w: &str| if w == "get" { "retrieve".to_owned() } else { w.to_owned() };
    let id = snake(op.id?);
    let mut words = id.split('_').filter(|w| !w.is_empty());
    let verb = words.next()?;
    let ruled = method.split('_').next()?;
    let agree = |a: &str, b: &str| {
        a == b
            || (a == "get" && matches!(b, "list" | "retrieve"))
            || (b == "get" && matches!(a, "list" | "retrieve"))
            || matches!((a, b), ("put", "update") | ("update", "put"))
    };
    if !CRUD.contains(&verb) || !CRUD.contains(&ruled) || agree(verb, ruled) {
        return None;
    }
    let rest = words.collect::<Vec<_>>().join("_");
    let itself = resources.last().is_some_and(|r| rest == *r || rest == singular(r));
    Some(if rest.is_empty() || itself { normal(verb) } else { format!("{}_{rest}", normal(verb)) })
}

/// Verbs a summary may open with that say what a call does more exactly than its HTTP method
/// (`POST /messages`, "Send a message": `send`, not `create`).
const ACTION_VERBS: &[&str] = &[
    "accept",
    "add",
    "approve",
    "cancel",
    "compute",
    "deactivate",
    "dial",
    "dismiss",
    "link",
    "preview",
    "purchase",
    "remove",
    "rename",
    "render",
    "resend",
    "run",
    "send",
    "settle",
    "transcribe",
    "trigger",
    "unlink",
    "upload",
];

/// The method a summary's first word gives, where the rule had only the HTTP method's verb or a
/// noun to go by (the SDK names calls after what they do):
/// - a `create`, `update` or `delete` whose summary opens with an action verb becomes that verb
///   (`POST /messages` "Send a message" → `send`; `DELETE …/tags/{tag}` "Remove …" → `remove`);
/// - a `POST` method named after its segment, a noun, gets the summary's verb in front, `create`
///   and `update` included (`POST /verifications/sms` "Trigger SMS verification" →
///   `trigger_sms`; `POST …/token` "Create an Access Token" → `create_token`);
/// - a `retrieve_{x}` whose summary opens with "Download" takes that verb (`download_sample`).
///
/// A noun made of the verb is left out (`POST /ai/audio/transcriptions` "Transcribe …" →
/// `transcribe`), and a plural noun whose summary says one is made singular ("Create a chat
/// completion" → `create_completion`).
///
/// `None` when the summary is missing, opens with no such verb, or the method already names it.
pub(super) fn summary_verb(op: &Endpoint<'_>, resources: &[String], method: &str) -> Option<String> {
    let first = op.summary?.split_whitespace().next()?.to_ascii_lowercase();
    let verb = first.trim_end_matches(|c: char| !c.is_ascii_alphabetic());
    let words: Vec<&str> = method.split('_').collect();
    if words.contains(&verb) {
        return None;
    }
    let http = op.method.to_ascii_lowercase();
    match words.as_slice() {
        ["create" | "update" | "delete"] if http != "get" && ACTION_VERBS.contains(&verb) => Some(verb.to_owned()),
        ["retrieve", rest @ ..] if !rest.is_empty() && http == "get" && verb == "download" => {
            Some(format!("{verb}_{}", rest.join("_")))
        }
        [first, ..]
            if http == "post"
                && !VERBS.contains(first)
                && resources.last().is_none_or(|r| r != "actions" && r != verb)
                && (ACTION_VERBS.contains(&verb) || matches!(verb, "create" | "update")) =>
        {
            if derived_noun(verb, method) {
                return Some(verb.to_owned());
            }
            // The summary's number wins: "Create a chat completion" on `…/completions`.
            let summary_words: Vec<String> =
                op.summary?.split(|c: char| !c.is_ascii_alphanumeric()).map(str::to_ascii_lowercase).collect();
            let (head, last) = method.rsplit_once('_').unwrap_or(("", method));
            let one = singular(last);
            let noun = if one != last && summary_words.contains(&one) && !summary_words.iter().any(|w| w == last) {
                if head.is_empty() {
                    one
                } else {
                    format!("{head}_{one}")
                }
            } else {
                method.to_owned()
            };
            Some(format!("{verb}_{noun}"))
        }
        _ => None,
    }
}

/// A noun made of the verb (`transcriptions` of `transcribe`): they share all but the verb's last
/// two letters, and five at least.
fn derived_noun(verb: &str, noun: &str) -> bool {
    let stem = &verb[..verb.len().saturating_sub(2)];
    stem.len() >= 5 && !noun.contains('_') && noun.starts_with(stem)
}
