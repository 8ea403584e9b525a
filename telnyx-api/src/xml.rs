//! XML bodies (`text/xml`, `application/xml`: the S3-compatible Cloud Storage operations),
//! typed like JSON ones. The generator describes how each such type is written — element and
//! attribute names, wrapped lists, namespace, from the spec's `xml` objects — as a static
//! [`XmlDoc`] ([`XmlType::XML`]); this module converts between XML text and the JSON the
//! generated types already (de)serialize, so an XML type needs no serde code of its own.
//!
//! XML is read with `quick-xml`'s event reader; element names are compared without their
//! namespace prefix. Elements the description does not name are skipped, as unknown JSON
//! members are.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::request::RawResponse;

/// How a type is written as an XML document.
#[derive(Debug)]
pub struct XmlDoc {
    /// The root element (`ListAllMyBucketsResult`).
    pub root: &'static str,
    /// `xmlns` of the root element.
    pub namespace: Option<&'static str>,
    /// What the root element holds.
    pub body: XmlNode,
}

/// How a value is written inside its element.
#[derive(Debug)]
pub enum XmlNode {
    /// Text content, read as this JSON type.
    Text(Scalar),
    /// Child elements and attributes, one per member.
    Object(&'static [XmlField]),
    /// A list: one child element named `item` per entry.
    List {
        /// The name of each entry's element.
        item: &'static str,
        /// How each entry is written inside its element.
        node: &'static XmlNode,
    },
}

/// The JSON type of a text value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// A JSON string: the text as it is.
    String,
    /// A JSON integer (`42`).
    Integer,
    /// A JSON number (`4.2`).
    Number,
    /// A JSON boolean (`true` / `false`).
    Boolean,
}

/// One member of an object.
#[derive(Debug)]
pub struct XmlField {
    /// The JSON member name (the spec's property name).
    pub json: &'static str,
    /// The element or attribute name.
    pub xml: &'static str,
    /// Written as an attribute of the parent element instead of a child element.
    pub attribute: bool,
    /// Whether and how the member is a list.
    pub repeat: Repeat,
    /// How the member's value (each entry's, for a list) is written.
    pub node: &'static XmlNode,
}

/// How a list member is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Not a list: one element.
    One,
    /// A list as repeated elements named like the member (`<Contents>…</Contents><Contents>…`).
    Unwrapped,
    /// A list inside one element named like the member, one child element `item` per entry
    /// (`<Buckets><Bucket>…</Bucket></Buckets>`: `xml.wrapped`).
    Wrapped(&'static str),
}

/// A generated type with an XML form.
pub trait XmlType: Serialize + DeserializeOwned {
    /// How the type is written, from the spec's `xml` objects.
    const XML: &'static XmlDoc;
}

/// One parsed element.
#[derive(Debug, Default)]
struct Elem {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Elem>,
    text: String,
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    name.rsplit(':').next().unwrap_or_default().to_owned()
}

fn start(e: &BytesStart<'_>) -> std::result::Result<Elem, String> {
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let value = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
        attrs.push((local(a.key.as_ref()), value));
    }
    Ok(Elem { name: local(e.name().as_ref()), attrs, ..Elem::default() })
}

/// Parse a document into its root element.
fn parse(text: &str) -> std::result::Result<Elem, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Elem> = Vec::new();
    loop {
        match reader.read_event().map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))? {
            Event::Start(e) => stack.push(start(&e)?),
            Event::Empty(e) => {
                let elem = start(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(elem),
                    None => return Ok(elem),
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else { return Err("an end tag without a start".into()) };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode().map_err(|e| e.to_string())?);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let name = r.decode().map_err(|e| e.to_string())?;
                    let entity = format!("&{name};");
                    let resolved = quick_xml::escape::unescape(&entity).map_err(|e| e.to_string())?;
                    top.text.push_str(&resolved);
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Event::Eof => return Err("the document ends before its root element does".into()),
            _ => {}
        }
    }
}

fn scalar(kind: Scalar, text: &str) -> Value {
    let t = text.trim();
    match kind {
        Scalar::String => Value::String(text.to_owned()),
        Scalar::Integer => t.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(text.to_owned())),
        Scalar::Number => t
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.to_owned())),
        Scalar::Boolean => match t {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
    }
}

fn to_json(node: &XmlNode, elem: &Elem) -> Value {
    match node {
        XmlNode::Text(kind) => scalar(*kind, &elem.text),
        XmlNode::List { item, node } => {
            Value::Array(elem.children.iter().filter(|c| c.name == *item).map(|c| to_json(node, c)).collect())
        }
        XmlNode::Object(fields) => {
            let mut map = Map::new();
            for f in *fields {
                if f.attribute {
                    if let (Some((_, v)), XmlNode::Text(kind)) = (elem.attrs.iter().find(|(n, _)| n == f.xml), f.node) {
                        map.insert(f.json.to_owned(), scalar(*kind, v));
                    }
                    continue;
                }
                let mut named = elem.children.iter().filter(|c| c.name == f.xml);
                let value = match f.repeat {
                    Repeat::One => named.next().map(|c| to_json(f.node, c)),
                    Repeat::Unwrapped => {
                        let items: Vec<Value> = named.map(|c| to_json(f.node, c)).collect();
                        (!items.is_empty()).then_some(Value::Array(items))
                    }
                    Repeat::Wrapped(item) => named.next().map(|w| {
                        Value::Array(w.children.iter().filter(|c| c.name == item).map(|c| to_json(f.node, c)).collect())
                    }),
                };
                if let Some(v) = value {
                    map.insert(f.json.to_owned(), v);
                }
            }
            Value::Object(map)
        }
    }
}

/// An XML document as the JSON its type reads. The root element's name is not checked: where
/// the spec gives none, the schema's name stands in for it, and servers name it otherwise.
pub fn document_to_json(doc: &XmlDoc, text: &str) -> std::result::Result<Value, String> {
    let root = parse(text)?;
    Ok(to_json(&doc.body, &root))
}

fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Write `value` as the content of `<name …>`: attributes and children, or text.
fn write_elem(out: &mut String, name: &str, xmlns: Option<&str>, node: &XmlNode, value: &Value) {
    out.push('<');
    out.push_str(name);
    if let Some(ns) = xmlns {
        out.push_str(&format!(" xmlns=\"{}\"", escape(ns)));
    }
    if let (XmlNode::Object(fields), Value::Object(map)) = (node, value) {
        for f in fields.iter().filter(|f| f.attribute) {
            if let Some(v) = map.get(f.json).filter(|v| !v.is_null()) {
                out.push_str(&format!(" {}=\"{}\"", f.xml, escape(&text_of(v))));
            }
        }
    }
    out.push('>');
    match (node, value) {
        (XmlNode::Text(_), v) => out.push_str(&escape(&text_of(v))),
        (XmlNode::List { item, node }, Value::Array(items)) => {
            for v in items {
                write_elem(out, item, None, node, v);
            }
        }
        (XmlNode::Object(fields), Value::Object(map)) => {
            for f in fields.iter().filter(|f| !f.attribute) {
                let Some(v) = map.get(f.json).filter(|v| !v.is_null()) else { continue };
                match (f.repeat, v) {
                    (Repeat::Unwrapped, Value::Array(items)) => {
                        for v in items {
                            write_elem(out, f.xml, None, f.node, v);
                        }
                    }
                    (Repeat::Wrapped(item), Value::Array(items)) => {
                        out.push_str(&format!("<{}>", f.xml));
                        for v in items {
                            write_elem(out, item, None, f.node, v);
                        }
                        out.push_str(&format!("</{}>", f.xml));
                    }
                    _ => write_elem(out, f.xml, None, f.node, v),
                }
            }
        }
        // A value of another shape than the description: written as text.
        (_, v) => out.push_str(&escape(&text_of(v))),
    }
    out.push_str(&format!("</{name}>"));
}

/// The XML document of a JSON value.
pub fn json_to_document(doc: &XmlDoc, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    write_elem(&mut out, doc.root, doc.namespace, &doc.body, value);
    out
}

/// Decode an XML response body into `T`.
#[doc(hidden)]
pub fn decode_xml<T: XmlType>(operation: &'static str, raw: RawResponse) -> Result<T> {
    let failed = |message: String, path: String| Error::Decode {
        operation,
        type_name: std::any::type_name::<T>(),
        status: raw.status,
        path,
        message,
        body: raw.body.clone(),
    };
    let text = std::str::from_utf8(&raw.body).map_err(|e| failed(e.to_string(), String::new()))?;
    let json = document_to_json(T::XML, text).map_err(|e| failed(format!("invalid XML: {e}"), String::new()))?;
    let text = json.to_string();
    serde_json::from_str(&text)
        .map_err(|e| failed(e.to_string(), crate::json_path::path_at(text.as_bytes(), e.line(), e.column())))
}

/// The `Code`, `Message` and `RequestId` of an S3 error document (`<Error><Code>NoSuchBucket
/// </Code>…`), if `body` is one.
pub(crate) fn s3_error(body: &[u8]) -> Option<(Option<String>, Option<String>, Option<String>)> {
    let text = std::str::from_utf8(body).ok()?;
    if !text.trim_start().starts_with('<') {
        return None;
    }
    let root = parse(text).ok()?;
    if root.name != "Error" {
        return None;
    }
    let child = |n: &str| root.children.iter().find(|c| c.name == n).map(|c| c.text.trim().to_owned());
    Some((child("Code"), child("Message"), child("RequestId")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static BUCKET: [XmlField; 2] = [
        XmlField {
            json: "Name",
            xml: "Name",
            attribute: false,
            repeat: Repeat::One,
            node: &XmlNode::Text(Scalar::String),
        },
        XmlField {
            json: "CreationDate",
            xml: "CreationDate",
            attribute: false,
            repeat: Repeat::One,
            node: &XmlNode::Text(Scalar::String),
        },
    ];
    static LIST: XmlDoc = XmlDoc {
        root: "ListAllMyBucketsResult",
        namespace: Some("http://s3.amazonaws.com/doc/2006-03-01/"),
        body: XmlNode::Object(&[
            XmlField {
                json: "Buckets",
                xml: "Buckets",
                attribute: false,
                repeat: Repeat::Wrapped("Bucket"),
                node: &XmlNode::Object(&BUCKET),
            },
            XmlField {
                json: "count",
                xml: "count",
                attribute: true,
                repeat: Repeat::One,
                node: &XmlNode::Text(Scalar::Integer),
            },
            XmlField {
                json: "Size",
                xml: "Size",
                attribute: false,
                repeat: Repeat::Unwrapped,
                node: &XmlNode::Text(Scalar::Number),
            },
        ]),
    };

    #[test]
    fn wrapped_lists_attributes_and_scalars_both_ways() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
            <ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/" count="2">
              <Owner><ID>x</ID></Owner>
              <Buckets><Bucket><Name>a &amp; b</Name><CreationDate>2024-01-01T00:00:00Z</CreationDate></Bucket>
                       <Bucket><Name>c</Name></Bucket></Buckets>
              <Size>1.5</Size><Size>2</Size>
            </ListAllMyBucketsResult>"#;
        let value = document_to_json(&LIST, text).unwrap();
        assert_eq!(
            value,
            json!({"Buckets": [{"Name": "a & b", "CreationDate": "2024-01-01T00:00:00Z"}, {"Name": "c"}],
                   "count": 2, "Size": [1.5, 2.0]})
        );
        let back = json_to_document(&LIST, &value);
        assert_eq!(document_to_json(&LIST, &back).unwrap(), value);
        assert!(back.contains("<Name>a &amp; b</Name>") && back.contains(" count=\"2\""), "{back}");
        assert_eq!(document_to_json(&LIST, "<Other/>").unwrap(), json!({}));
        assert!(document_to_json(&LIST, "<ListAllMyBucketsResult>").is_err());
    }

    #[test]
    fn s3_error_documents() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><RequestId>r1</RequestId></Error>";
        assert_eq!(
            s3_error(body),
            Some((Some("NoSuchBucket".into()), Some("The specified bucket does not exist".into()), Some("r1".into())))
        );
        assert_eq!(s3_error(b"{\"errors\": []}"), None);
        assert_eq!(s3_error(b"<NotAnError/>"), None);
    }
}
