//! The intermediate representation: plain data, every name final, sorted for determinism.
//! Produced by [`crate::lower`], consumed by [`crate::emit`]. Nothing from `openapiv3` leaks here.

/// The whole API.
#[derive(Debug, Clone, PartialEq)]
pub struct Ir {
    /// API title and version, for the generated crate docs.
    pub title: String,
    pub version: String,
    /// Tags in sorted module order.
    pub tags: Vec<Tag>,
    /// Types in emission order (sorted by module, then name).
    pub types: Vec<TypeDef>,
    /// Operations in spec order (path, then method).
    pub operations: Vec<Operation>,
    /// Operations with paging-like query parameters whose paging style is not recognised (no
    /// item stream is generated for them), with the reason.
    pub paging_unrecognised: Vec<UnrecognisedPaging>,
    /// Webhook events keyed by `event_type`, in first-declaration order.
    pub webhook_events: Vec<WebhookEvent>,
    /// Declared webhook payloads that cannot be keyed by an `event_type`.
    pub webhook_unkeyed: Vec<UnkeyedWebhook>,
    /// Cargo features, one per group of tags (sorted by name); empty when generated without a
    /// feature table, and then nothing is gated. Filled by [`crate::features::assign`].
    pub features: Vec<FeatureGroup>,
    /// The version of telnyx-api and of its generated types crates, for the dependencies on
    /// them (see [`crate::generate_loaded_at`]; `0.0.0` when not given).
    pub crate_version: String,
    /// What lowering read in a way the spec does not spell out: (kind, text with pointer).
    pub warnings: Vec<(String, String)>,
    /// Servers other than the document's, that some paths or operations are served from.
    pub servers: Vec<Server>,
    /// How each type sent or received as XML is written, from the spec's `xml` objects.
    pub xml_docs: Vec<XmlDocDef>,
    /// Where an OAuth 2.0 client-credentials token is asked for: the `tokenUrl` of the
    /// document's first `oauth2` security scheme with a `clientCredentials` flow.
    pub oauth_token_url: Option<String>,
}

/// The XML form of a named type (a request body or response of an XML content type).
#[derive(Debug, Clone, PartialEq)]
pub struct XmlDocDef {
    pub type_name: String,
    /// The root element: the schema's `xml.name`, else the schema's name.
    pub root: String,
    pub namespace: Option<String>,
    pub body: XmlNodeDef,
}

/// How a value is written inside its element.
#[derive(Debug, Clone, PartialEq)]
pub enum XmlNodeDef {
    /// Text, read as this JSON type: `string`, `integer`, `number` or `boolean`.
    Text(String),
    Object(Vec<XmlFieldDef>),
    /// One element named `item` per entry.
    List {
        item: String,
        node: Box<XmlNodeDef>,
    },
}

/// One property of an XML object.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlFieldDef {
    /// The property name (the JSON member).
    pub json: String,
    /// The element or attribute name (`xml.name`, else the property name).
    pub xml: String,
    pub attribute: bool,
    /// For a list: `Some(item element)` when wrapped (`xml.wrapped`), `None` when its entries
    /// repeat the element; `list` says whether it is one.
    pub wrapped_item: Option<String>,
    pub list: bool,
    pub node: XmlNodeDef,
}

/// How an operation authenticates: its first security requirement (or the document's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `security: []`: nothing is sent.
    None,
    /// The API key as `Authorization: Bearer …` (the Telnyx API's scheme, and the default for
    /// schemes the runtime has no other way to send).
    Bearer,
    /// An AWS Signature Version 4 `Authorization` header with the API key as the access key id
    /// (a scheme with `x-amazon-apigateway-authtype: awsSigv4`: Telnyx Cloud Storage).
    AwsSigV4,
}

/// A server of a path or operation that is not the document's base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// Configuration name (`storage`): from the server's `x-telnyx-server-name`, else its host.
    pub name: String,
    /// URL template (`https://{region}.telnyxcloudstorage.com`).
    pub url: String,
    pub description: Option<String>,
    pub variables: Vec<ServerVariable>,
}

/// A variable of a server's URL template.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerVariable {
    pub name: String,
    pub default: String,
    pub values: Vec<String>,
    pub description: Option<String>,
}

/// One webhook event type and the payload type it decodes into.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// The `event_type` value (`call.answered`).
    pub event_type: String,
    /// The enum variant (`CallAnswered`).
    pub variant: String,
    /// The payload type.
    pub ty: String,
    /// JSON pointer of the first declaration's body schema.
    pub pointer: String,
    /// Operations declaring it as a callback, or `webhooks/<name>` entries; empty for an
    /// [`EventKey::Envelope`].
    pub sources: Vec<String>,
    /// Where the event type was read.
    pub key: EventKey,
}

/// Where a webhook event type was read (see `lower/webhooks.rs` for the rules).
#[derive(Debug, Clone, PartialEq)]
pub enum EventKey {
    /// A value of the declared payload's `event_type` enum (at `data.event_type`, or at the
    /// top); an enum of several values gives several events of one payload type.
    Enum,
    /// A discriminator value (a mapping entry, or the value the branch pins) of `union`, a
    /// union on `event_type`: the declared payload, or its `data`.
    Discriminator { union: String },
    /// A value of the `event_type` enum of a branch of `union` (the declared payload, or its
    /// `data`), which has no discriminator on `event_type` to give it.
    Branch { union: String },
    /// A value of the `data.event_type` enum of a component schema no callback or `webhooks`
    /// entry declares, whose shape is that of a delivery: `data` an object with that enum and
    /// with `record_type` fixed to `event`.
    Envelope,
    /// A discriminator value (or a branch's `event_type` enum value) of `union`, a component
    /// union on `event_type` no callback or `webhooks` entry declares whose branches are event
    /// records (a top-level `event_type`, no `data`): the resources of `GET …/events`, which a
    /// delivery carries in its `data`. The variant decodes the body's `data`.
    Record { union: String },
}

/// A webhook payload without an `event_type` to key it by.
#[derive(Debug, Clone, PartialEq)]
pub struct UnkeyedWebhook {
    pub ty: Option<String>,
    pub pointer: String,
    pub reason: String,
}

/// A Cargo feature: a group of tags whose modules, accessors and types it gates.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureGroup {
    /// The feature name (`messaging`).
    pub name: String,
    pub doc: Option<String>,
    /// The spec tags of the group that operations use, in the table's order (empty for an
    /// umbrella).
    pub tags: Vec<String>,
    /// The groups an umbrella feature enables (empty for a group of tags).
    pub includes: Vec<String>,
    /// Number of operations of those tags (of the included groups' tags, for an umbrella).
    pub operations: usize,
    /// The catch-all group ([`crate::features::CATCH_ALL`]): the spec's tags that are in no
    /// group of the table.
    pub catch_all: bool,
}

/// An operation that looks paged but gets no item stream.
#[derive(Debug, Clone, PartialEq)]
pub struct UnrecognisedPaging {
    pub operation: String,
    pub pointer: String,
    pub reason: String,
}

/// One tag: a generated module and a `client.<accessor>()` method.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// The tag as written in the spec.
    pub name: String,
    /// Module name and accessor method (`ip_addresses`).
    pub module: String,
    /// The API struct (`IpAddressesApi`).
    pub struct_name: String,
    pub doc: Option<String>,
    /// The Cargo feature gating the module and its accessor; `None`: always compiled.
    pub feature: Option<String>,
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: String,
    /// Where it comes from in the spec.
    pub pointer: String,
    pub doc: Option<String>,
    /// The module the type lives in: the tag module of the only tag using it, or `shared`.
    pub module: String,
    /// The schema itself is `nullable` (a component whose value may be `null`).
    pub nullable: bool,
    pub kind: TypeKind,
    /// The Cargo features any one of which compiles this type (sorted): the groups whose
    /// operations reach it. Empty: always compiled (no operation reaches it, a type that is
    /// always compiled refers to it, every group reaches it, or there is no feature table).
    pub features: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Struct),
    /// A string enum; always has an extra `Unknown(String)` variant.
    Enum(Vec<EnumVariant>),
    /// `oneOf`/`anyOf`.
    Union(Union),
    /// A named schema that is just another type (`type: string`, an array, …).
    Alias(TypeRef),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// Contains binary (`format: binary`) fields: sent as multipart, gets `into_multipart`.
    pub multipart: bool,
    /// The Rust name of the field that keeps the members the schema does not declare, when it
    /// admits them (`additionalProperties` next to `properties`): a JSON map, sent and received
    /// as members of the object itself.
    pub additional: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust field name.
    pub name: String,
    /// JSON property name.
    pub api_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    /// Needs `Box` to break a recursive cycle.
    pub boxed: bool,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    pub name: String,
    pub value: String,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    pub variants: Vec<UnionVariant>,
    /// `discriminator.propertyName`, when the spec gives one.
    pub discriminator: Option<String>,
    /// Used as a `multipart/form-data` body: every variant is a multipart struct.
    pub multipart: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    pub name: String,
    pub ty: TypeRef,
    /// Discriminator values selecting this variant when decoding; the first is the one written
    /// (a mapping's values, or the value the variant's schema pins, then its schema name).
    pub tags: Vec<String>,
    pub boxed: bool,
    /// The members the variant pins to one value, with the value's JSON text (`"isFinal"`,
    /// `"true"`): what tells the variants of a discriminated union apart when a value comes
    /// without the discriminator. Only for the variants of unions with a discriminator.
    pub constants: Vec<(String, String)>,
}

/// A type as used in a field, parameter or body.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    String,
    Integer,
    Number,
    Boolean,
    /// Any JSON value (`{}` schemas).
    Json,
    /// A free-form JSON object.
    JsonMap,
    /// `format: binary` in a multipart body.
    File,
    Array(Box<TypeRef>),
    Map(Box<TypeRef>),
    /// `nullable` in a position that is not a field (array items).
    Nullable(Box<TypeRef>),
    Named(String),
}

impl TypeRef {
    /// Named types this one mentions directly.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::Named(n) => Some(n),
            TypeRef::Array(t) | TypeRef::Map(t) | TypeRef::Nullable(t) => t.named(),
            _ => None,
        }
    }

    /// What this reference is once aliases are seen through (`Foo` with `type Foo = Vec<Bar>`
    /// is `Vec<Bar>`); itself when it names no alias. The one walk along alias chains: lowering,
    /// paging and webhook detection all come through here (or [`TypeRef::resolve`]).
    pub fn unalias<'s, 't: 's>(&'s self, lookup: impl Fn(&str) -> Option<&'t TypeDef>) -> &'s TypeRef {
        let mut current = self;
        // Aliases chain at most a few deep; the bound only guards against a cycle.
        for _ in 0..16 {
            let TypeRef::Named(n) = current else { break };
            match lookup(n) {
                Some(TypeDef { kind: TypeKind::Alias(inner), .. }) => current = inner,
                _ => break,
            }
        }
        current
    }

    /// The definition this reference names, through aliases; `None` for anything but a named
    /// type (or an alias of one), a name `lookup` does not know, or an alias cycle.
    pub fn resolve<'t>(&self, lookup: impl Fn(&str) -> Option<&'t TypeDef>) -> Option<&'t TypeDef> {
        match self.unalias(&lookup) {
            TypeRef::Named(n) => lookup(n).filter(|d| !matches!(d.kind, TypeKind::Alias(_))),
            _ => None,
        }
    }
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId`, or the derived name when the spec has none.
    pub id: String,
    pub has_spec_id: bool,
    pub method: String,
    pub path: String,
    /// JSON pointer of the operation (`#/paths/~1messages/post`).
    pub pointer: String,
    pub tag: String,
    /// Index into [`Ir::tags`].
    pub tag_module: String,
    /// Rust method name.
    pub rust_name: String,
    /// Where the operation sits in the client, as the official SDKs name it
    /// (`calls.actions.answer`): the resource accessors from the client (`["calls",
    /// "actions"]`, empty for a method of the client itself), then the method. Set by
    /// [`crate::call_paths::apply`]; empty until then.
    pub call_resources: Vec<String>,
    pub call_method: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    pub auth: Auth,
    /// The server (by [`Server::name`]) the operation is sent to instead of the base URL.
    pub server: Option<String>,
    pub params: Vec<Param>,
    /// The struct holding optional parameters (`ListMessagesParams`), if any.
    pub params_struct: Option<String>,
    pub body: Option<RequestBody>,
    /// A `multipart/form-data` alternative when `body` is JSON (`POST /media` takes either);
    /// emitted as a second method `{rust_name}_multipart`.
    pub multipart_alternative: Option<RequestBody>,
    pub response: ResponseKind,
    /// How the operation pages, when it is a list operation of a recognised style.
    pub paging: Option<Paging>,
    /// The named types of the requests its callbacks receive (the webhooks the operation
    /// triggers). No method names them; they tell which tag (and feature) the types belong to.
    pub callbacks: Vec<TypeRef>,
}

/// A list operation's paging: what the generated item stream needs to know.
#[derive(Debug, Clone, PartialEq)]
pub struct Paging {
    /// Rust name of the item-stream method (`list_messages_stream`).
    pub method: String,
    pub style: PagingStyle,
    /// The item type.
    pub item: TypeRef,
    /// The response field holding the page's items (a top-level array field).
    pub items: FieldStep,
    /// `meta.total_pages` and the like: number of pages.
    pub total_pages: Option<FieldPath>,
    /// `meta.total_results`, `totalRecords`, ...: number of items over all pages.
    pub total_items: Option<FieldPath>,
    /// `meta.cursors.after`: the cursor of the next page.
    pub next_cursor: Option<FieldPath>,
    /// `next_page_uri`: the next page's URI.
    pub next_uri: Option<FieldPath>,
}

/// How the next page is asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum PagingStyle {
    /// A page-number query parameter (`page[number]`, `page`), optionally with a size one.
    PageNumber { number: String, size: Option<String> },
    /// A cursor query parameter (`page[after]`) set from the previous page's cursor.
    Cursor { after: String },
    /// The response links to the next page (`next_page_uri`); these query parameters are copied
    /// from that link.
    NextUri { params: Vec<String> },
}

/// A path of field accesses into a response type, ending at a scalar.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    pub steps: Vec<FieldStep>,
    /// The scalar at the end (`Integer`, `Number` or `String`).
    pub leaf: TypeRef,
}

/// One field access and how the field is wrapped.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldStep {
    /// Rust field name.
    pub name: String,
    /// The field is an `Option`.
    pub optional: bool,
    /// The field is an `Option<Option<_>>` (optional and nullable).
    pub double: bool,
    /// The value is boxed.
    pub boxed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyle {
    FormExplode,
    FormComma,
    DeepObject,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name on the wire, exactly as in the spec (`filter[status][eq]`).
    pub api_name: String,
    /// Rust argument / field name.
    pub name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub ty: TypeRef,
    pub style: QueryStyle,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BodyKind {
    Json,
    Form,
    Multipart,
    /// Raw bytes with this content type.
    Bytes(String),
    /// Text with this content type.
    Text(String),
    /// An XML document of the body type, with this content type (see [`Ir::xml_docs`]).
    Xml(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    pub kind: BodyKind,
    /// The body type (`TypeRef::String` for text, unused for bytes).
    pub ty: TypeRef,
    pub required: bool,
}

/// What a successful response decodes into.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseKind {
    Empty,
    Json(TypeRef),
    Bytes,
    Text,
    JsonOrText(TypeRef),
    /// An XML document of this type (see [`Ir::xml_docs`]).
    Xml(TypeRef),
    /// No HTTP body: the operation answers `101 Switching Protocols` and is a WebSocket.
    WebSocket(WebSocket),
}

impl ResponseKind {
    /// The named type a response brings, or a WebSocket's server frames.
    pub fn received(&self) -> Option<&TypeRef> {
        match self {
            ResponseKind::Json(t) | ResponseKind::JsonOrText(t) | ResponseKind::Xml(t) => Some(t),
            ResponseKind::WebSocket(ws) => ws.server.json(),
            ResponseKind::Empty | ResponseKind::Bytes | ResponseKind::Text => None,
        }
    }

    /// The type a WebSocket's client frames are.
    pub fn sent(&self) -> Option<&TypeRef> {
        match self {
            ResponseKind::WebSocket(ws) => ws.client.json(),
            _ => None,
        }
    }
}

/// The frames of a WebSocket operation (one with a `101` response).
#[derive(Debug, Clone, PartialEq)]
pub struct WebSocket {
    /// What the client sends.
    pub client: WsFrame,
    /// What the server sends.
    pub server: WsFrame,
    /// The variant of the server frame union that is the server's error frame.
    pub error_variant: Option<String>,
}

/// What one side of a WebSocket sends.
#[derive(Debug, Clone, PartialEq)]
pub enum WsFrame {
    /// JSON text messages of this type.
    Json(TypeRef),
    /// Binary messages (audio).
    Binary,
    /// Text messages.
    Text,
    /// Nothing declared (the client side of a receive-only socket).
    None,
}

impl WsFrame {
    pub fn json(&self) -> Option<&TypeRef> {
        match self {
            WsFrame::Json(t) => Some(t),
            _ => None,
        }
    }
}
