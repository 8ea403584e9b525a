//! XML bodies: how a type sent or received as `text/xml` / `application/xml` is written, read
//! from the spec's `xml` objects (carried as `x-xml` by loading, since `openapiv3` drops
//! `xml`): the root element (`xml.name`, else the schema's name) and its namespace, element or
//! attribute names of properties (`xml.name`, `xml.attribute`), and lists, wrapped
//! (`xml.wrapped`: `<Buckets><Bucket>…`) or not (`<Contents>…</Contents><Contents>…`).

use openapiv3::{ReferenceOr, Schema, SchemaData};
use serde_json::Value;

use super::schemas::view;
use super::Lowerer;
use crate::ir::*;

/// Nesting beyond this is written as text (a recursive schema has no finite description).
const MAX_DEPTH: usize = 12;

/// Content types whose bodies are XML.
pub(super) fn is_xml(content_type: &str) -> bool {
    let ct = content_type.split(';').next().unwrap_or("").trim();
    ct.ends_with("/xml") || ct.ends_with("+xml")
}

fn xml_obj(data: &SchemaData) -> Option<&serde_json::Map<String, Value>> {
    data.extensions.get("x-xml").and_then(Value::as_object)
}

fn xml_str<'d>(data: &'d SchemaData, key: &str) -> Option<&'d str> {
    xml_obj(data).and_then(|x| x.get(key)).and_then(Value::as_str)
}

fn xml_flag(data: &SchemaData, key: &str) -> bool {
    xml_obj(data).and_then(|x| x.get(key)).and_then(Value::as_bool).unwrap_or(false)
}

impl Lowerer<'_> {
    /// The XML form of the named type `type_name`, lowered from `schema`; `name` is the
    /// schema's component name, the root element when `xml.name` does not say.
    pub(super) fn xml_doc(&self, schema: &ReferenceOr<Schema>, type_name: &str) -> Option<XmlDocDef> {
        let component = match schema {
            ReferenceOr::Reference { reference } => reference.rsplit('/').next().map(str::to_owned),
            ReferenceOr::Item(_) => None,
        };
        let s = self.resolved(schema)?;
        let root =
            xml_str(&s.schema_data, "name").map(str::to_owned).or(component).unwrap_or_else(|| type_name.to_owned());
        Some(XmlDocDef {
            type_name: type_name.to_owned(),
            root,
            namespace: xml_str(&s.schema_data, "namespace").map(str::to_owned),
            body: self.xml_node(s, 0),
        })
    }

    fn xml_node(&self, s: &Schema, depth: usize) -> XmlNodeDef {
        if depth > MAX_DEPTH {
            return XmlNodeDef::Text("string".to_owned());
        }
        let v = view(s);
        if let Some(items) = v.items {
            let Some(item) = self.resolved(items) else { return XmlNodeDef::Text("string".to_owned()) };
            let name = xml_str(&item.schema_data, "name").unwrap_or("member").to_owned();
            return XmlNodeDef::List { item: name, node: Box::new(self.xml_node(item, depth + 1)) };
        }
        let mut props: Vec<(String, ReferenceOr<Box<Schema>>)> =
            v.properties.into_iter().flatten().map(|(k, p)| (k.clone(), p.clone())).collect();
        for part in v.all_of {
            if let Some(p) = self.resolved(part) {
                for (k, ps) in view(p).properties.into_iter().flatten() {
                    if !props.iter().any(|(n, _)| n == k) {
                        props.push((k.clone(), ps.clone()));
                    }
                }
            }
        }
        if !props.is_empty() || v.ty == Some("object") || v.additional.is_some() {
            let fields = props.iter().filter_map(|(name, p)| self.xml_field(name, p, depth)).collect();
            return XmlNodeDef::Object(fields);
        }
        let scalar = v.ty.filter(|t| matches!(*t, "integer" | "number" | "boolean")).unwrap_or("string");
        XmlNodeDef::Text(scalar.to_owned())
    }

    fn xml_field(&self, name: &str, p: &ReferenceOr<Box<Schema>>, depth: usize) -> Option<XmlFieldDef> {
        // Only an inline property carries its own `xml`; a referenced schema's names its root.
        let own = match p {
            ReferenceOr::Item(s) => Some(&s.schema_data),
            ReferenceOr::Reference { .. } => None,
        };
        let element = own.and_then(|d| xml_str(d, "name")).unwrap_or(name).to_owned();
        let attribute = own.is_some_and(|d| xml_flag(d, "attribute"));
        let schema = self.resolved(p)?;
        let v = view(schema);
        if let Some(items) = v.items {
            let item = self.resolved(items)?;
            let item_name = xml_str(&item.schema_data, "name").map(str::to_owned);
            let wrapped = own.is_some_and(|d| xml_flag(d, "wrapped"));
            let node = self.xml_node(item, depth + 1);
            return Some(if wrapped {
                XmlFieldDef {
                    json: name.to_owned(),
                    xml: element,
                    attribute: false,
                    wrapped_item: Some(item_name.unwrap_or_else(|| name.to_owned())),
                    list: true,
                    node,
                }
            } else {
                XmlFieldDef {
                    json: name.to_owned(),
                    xml: item_name.unwrap_or(element),
                    attribute: false,
                    wrapped_item: None,
                    list: true,
                    node,
                }
            });
        }
        Some(XmlFieldDef {
            json: name.to_owned(),
            xml: element,
            attribute,
            wrapped_item: None,
            list: false,
            node: self.xml_node(schema, depth + 1),
        })
    }

    /// Record the XML form of a body or response type (once per type).
    pub(super) fn record_xml(&mut self, schema: &ReferenceOr<Schema>, ty: &TypeRef) -> bool {
        let TypeRef::Named(name) = ty else { return false };
        if self.xml_docs.iter().any(|d| &d.type_name == name) {
            return true;
        }
        match self.xml_doc(schema, name) {
            Some(doc) => {
                self.xml_docs.push(doc);
                true
            }
            None => false,
        }
    }
}
