//! Spec prose → rustdoc attributes.
//!
//! Spec descriptions are Markdown written for a web page. Rustdoc would treat some of it as
//! code (indented blocks and un-labelled fences become doctests that fail to compile), links
//! (`[foo]`) and HTML (`<Response>`). So: fences become `text` blocks, indentation outside
//! fences is dropped, brackets that are not Markdown links and `<`/`>` are escaped, bare URLs
//! are wrapped in `<…>`.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = "…"]` attributes for a text (nothing for `None`/blank).
pub fn doc_attrs(text: Option<&str>) -> TokenStream {
    match text {
        Some(t) if !t.trim().is_empty() => lines_to_attrs(&sanitize(t)),
        _ => TokenStream::new(),
    }
}

/// Attributes for already sanitized lines.
pub fn lines_to_attrs(lines: &[String]) -> TokenStream {
    let attrs = lines.iter().map(|l| {
        let l = if l.is_empty() { String::new() } else { format!(" {l}") };
        quote!(#[doc = #l])
    });
    quote!(#(#attrs)*)
}

/// Sanitize Markdown prose into rustdoc-safe lines.
pub fn sanitize(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    // Lines of the paragraph being read: escaped together, because a code span or a link may
    // run over a line break.
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, out: &mut Vec<String>| {
        if !para.is_empty() {
            out.extend(escape_line(&para.join("\n")).split('\n').map(str::to_owned));
            para.clear();
        }
    };
    let text = html_to_markdown(&text.replace("\r\n", "\n").replace('\r', "\n")).replace('\t', "    ");
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            flush(&mut para, &mut out);
            if in_fence {
                out.push("```".into());
            } else {
                out.push("```text".into());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.trim_end().to_owned());
        } else if trimmed.is_empty() {
            flush(&mut para, &mut out);
            out.push(String::new());
        } else {
            if starts_block(trimmed) {
                flush(&mut para, &mut out);
            }
            para.push(trimmed);
        }
    }
    flush(&mut para, &mut out);
    if in_fence {
        out.push("```".into());
    }
    // Collapse runs of blank lines and trim blank edges.
    let mut collapsed: Vec<String> = Vec::new();
    for l in out {
        if l.is_empty() && collapsed.last().is_none_or(|p: &String| p.is_empty()) {
            continue;
        }
        collapsed.push(l);
    }
    while collapsed.last().is_some_and(|l| l.is_empty()) {
        collapsed.pop();
    }
    collapsed
}

/// Whether a line starts a Markdown block of its own (list item, heading, quote, table row), so
/// that no code span of the line before runs into it.
fn starts_block(line: &str) -> bool {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    ["- ", "* ", "+ ", "#", ">", "|"].iter().any(|m| line.starts_with(m))
        || (digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") ")))
}

/// The spec's descriptions use a little HTML (`<ul><li>`, `<code>`, `<br/>`, `<a href>`);
/// turn the common tags into Markdown so rustdoc shows lists and code instead of escaped tags.
fn html_to_markdown(text: &str) -> String {
    if !text.contains('<') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find('>') else {
            out.push_str(after);
            rest = "";
            break;
        };
        let tag = after[1..end].trim().to_ascii_lowercase();
        let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or_default().to_owned();
        let closing = tag.starts_with('/');
        let replacement: Option<String> = match name.as_str() {
            "br" => Some("\n".into()),
            "p" | "ul" | "ol" => Some("\n\n".into()),
            "li" if closing => Some(String::new()),
            "li" => Some("\n- ".into()),
            "code" | "tt" => Some("`".into()),
            "b" | "strong" => Some("**".into()),
            "i" | "em" => Some("*".into()),
            "a" if closing => Some("]".into()),
            "a" => {
                let href = tag.split("href=").nth(1).map(|h| h.trim_matches(|c| c == '"' || c == '\'' || c == ' '));
                href.map(|_| "[".into())
            }
            _ => None,
        };
        match replacement {
            Some(r) if name == "a" && closing => {
                // Close the link text and attach the URL remembered at the opening tag.
                match out.rfind("\u{0}") {
                    Some(pos) => {
                        let url: String = out[pos + 1..].split('\u{1}').next().unwrap_or_default().to_owned();
                        let text_start = out[pos..].find('\u{1}').map_or(out.len(), |p| pos + p + 1);
                        let link_text = out[text_start..].to_owned();
                        out.truncate(pos);
                        out.push('[');
                        out.push_str(&link_text);
                        out.push_str("](");
                        out.push_str(&url);
                        out.push(')');
                    }
                    None => out.push_str(&r),
                }
            }
            Some(_) if name == "a" => {
                let original = &after[1..end];
                let href = original
                    .split("href=")
                    .nth(1)
                    .map(|h| h.trim().trim_start_matches(['"', '\'']))
                    .map(|h| h.split(['"', '\'', ' ']).next().unwrap_or_default())
                    .unwrap_or_default();
                out.push('\u{0}');
                out.push_str(href);
                out.push('\u{1}');
            }
            Some(r) => out.push_str(&r),
            None => out.push_str(&after[..=end]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    // An `<a>` never closed: drop the markers, keep the text.
    out.replace(['\u{0}', '\u{1}'], "")
}

fn escape_line(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            // A run of n backticks opens a code span only if a run of exactly n closes it; an
            // unmatched one is a literal backtick, and the text after it is prose to escape
            // (`Use `Azure.<VoiceId>. (e.g. …` would otherwise leave a raw `<VoiceId>` tag).
            let run = chars[i..].iter().take_while(|&&x| x == '`').count();
            match closing_run(&chars, i + run, run) {
                Some(close) => {
                    out.extend(&chars[i..close + run]);
                    i = close + run;
                }
                None => {
                    for _ in 0..run {
                        out.push_str("\\`");
                    }
                    i += run;
                }
            }
            continue;
        }
        match c {
            '[' => {
                // Keep `[text](url)` links; escape every other bracket.
                if let Some(close) = chars[i..].iter().position(|&x| x == ']') {
                    let close = i + close;
                    if chars.get(close + 1) == Some(&'(') && !chars[i + 1..close].contains(&'[') {
                        let text: String = chars[i + 1..close].iter().collect();
                        out.push('[');
                        out.push_str(&escape_line(&text));
                        out.push(']');
                        // Copy the `(url)` verbatim.
                        let mut j = close + 1;
                        let mut depth = 0;
                        while j < chars.len() {
                            out.push(chars[j]);
                            if chars[j] == '(' {
                                depth += 1;
                            } else if chars[j] == ')' {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            j += 1;
                        }
                        i = j + 1;
                        continue;
                    }
                }
                out.push_str("\\[");
            }
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            'h' if starts_with(&chars[i..], "https://") || starts_with(&chars[i..], "http://") => {
                let end = chars[i..]
                    .iter()
                    .position(|c| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '<' | '>' | '`' | ']'))
                    .map_or(chars.len(), |p| i + p);
                let mut url: String = chars[i..end].iter().collect();
                let mut tail = String::new();
                while url.ends_with(['.', ',', ';', ':']) {
                    tail.insert(0, url.pop().unwrap_or_default());
                }
                out.push('<');
                out.push_str(&url);
                out.push('>');
                out.push_str(&tail);
                i = end;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Where a run of exactly `run` backticks starts at or after `from`.
fn closing_run(chars: &[char], from: usize, run: usize) -> Option<usize> {
    let mut j = from;
    while j < chars.len() {
        if chars[j] == '`' {
            let n = chars[j..].iter().take_while(|&&x| x == '`').count();
            if n == run {
                return Some(j);
            }
            j += n;
        } else {
            j += 1;
        }
    }
    None
}

fn starts_with(chars: &[char], prefix: &str) -> bool {
    let mut it = chars.iter();
    prefix.chars().all(|p| it.next() == Some(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_become_text_and_indentation_is_dropped() {
        let lines = sanitize("Intro\n\n```json\n  {\"a\": 1}\n```\n    indented code\n");
        assert_eq!(lines, vec!["Intro", "", "```text", "  {\"a\": 1}", "```", "indented code"]);
    }

    #[test]
    fn html_becomes_markdown() {
        let lines = sanitize("One of: <br/><ul><li><code>a</code> - first</li><li><b>b</b></li></ul> See <a href=\"https://x.y\">docs</a>.");
        assert_eq!(lines, vec!["One of:", "", "- `a` - first", "- **b**", "", "See [docs](https://x.y)."]);
    }

    #[test]
    fn brackets_html_and_urls() {
        assert_eq!(
            escape_line("filter[status] and [docs](https://x.y/z)"),
            "filter\\[status\\] and [docs](https://x.y/z)"
        );
        assert_eq!(escape_line("a <Response> b"), "a &lt;Response&gt; b");
        assert_eq!(escape_line("see https://telnyx.com/docs."), "see <https://telnyx.com/docs>.");
        assert_eq!(escape_line("`a[0] <b>`"), "`a[0] <b>`");
        assert_eq!(escape_line("``a ` <b>``"), "``a ` <b>``");
    }

    #[test]
    fn a_code_span_may_run_over_a_line_break() {
        let lines = sanitize("Columns: `id,to,\nfrom` and <b>x</b>\n\n`a\n\nb`");
        assert_eq!(lines, vec!["Columns: `id,to,", "from` and **x**", "", "\\`a", "", "b\\`"]);
        let lines = sanitize("- Use `A.<V>. (e.g. x)\n- Use `B.<V>`\n2. `C\n3) D`");
        assert_eq!(lines, vec!["- Use \\`A.&lt;V&gt;. (e.g. x)", "- Use `B.<V>`", "2. \\`C", "3) D\\`"]);
    }

    #[test]
    fn an_unmatched_backtick_is_literal_and_the_rest_is_escaped() {
        assert_eq!(escape_line("Use `Azure.<VoiceId>. (e.g. x)"), "Use \\`Azure.&lt;VoiceId&gt;. (e.g. x)");
        assert_eq!(escape_line("a ``b` c"), "a \\`\\`b\\` c");
    }
}
