//! The identity schema: a JSON Schema document (the project's own, or one built from
//! [`Config::traits`]) validated with the `jsonschema` crate, plus what Kratos derives from it:
//! the registration nodes (`container.NodesFromJSONSchema`), the key order of its node sort
//! (`schema.GetKeysInOrder`), the `ory.sh/kratos` extension (code identifiers, verification
//! and recovery addresses), and Kratos's texts and node placement for validation errors
//! (`container.ParseError`, `translateValidationError`; docs/kratos-protocol.md §3, §7).

use std::path::Path;

use base64::Engine as _;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use ory_otc_protocol::ui::{Node, Text, TextKind};
use serde_json::{json, Map, Value};

use crate::config::{Config, TraitFormat};
use crate::error::Error;
use crate::nodes;
use crate::text;

/// `config.DefaultIdentityTraitsSchemaID`.
pub const DEFAULT_SCHEMA_ID: &str = "default";

/// One path of the schema as `jsonschemax.ListPaths` lists it (objects excluded).
#[derive(Debug, Clone)]
struct SchemaPath {
    /// Dotted, e.g. `traits.address.city`.
    name: String,
    /// `string`, `number`, `integer`, `boolean`, `array` or `null`.
    kind: &'static str,
    format: Option<String>,
    title: Option<String>,
    pattern: Option<String>,
    required: bool,
    disabled: bool,
}

/// A compiled identity schema and what Kratos reads from it.
pub(crate) struct IdentitySchema {
    pub id: String,
    pub document: Value,
    /// Served at `/schemas/<base64url(id)>` as it was given.
    pub text: String,
    validator: jsonschema::Validator,
    /// `ListPaths`: sorted by name, object paths left out.
    paths: Vec<SchemaPath>,
    /// `GetKeysInOrder`: leaf keys in document order (`traits.email`, `traits.name`, …).
    pub keys: Vec<String>,
    /// Object-typed paths under `traits` (`address`): decoderx gives an absent one `{}`.
    object_traits: Vec<String>,
    /// Trait paths (under `traits`, dotted) whose extension makes them code identifiers (via
    /// e-mail), verification addresses and recovery addresses.
    code_identifiers: Vec<String>,
    verification: Vec<String>,
    recovery: Vec<String>,
    /// v1.3.1: labels with the title only in their context, no 4000040.
    legacy_labels: bool,
}

impl std::fmt::Debug for IdentitySchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentitySchema")
            .field("id", &self.id)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl IdentitySchema {
    /// Compiles a schema given as JSON text (its key order is the order of the registration
    /// form, as in Kratos).
    ///
    /// # Errors
    /// [`Error::Config`] when it is not JSON, not a valid JSON Schema, or has no e-mail code
    /// identifier.
    pub fn new(id: &str, text: &str) -> Result<Self, Error> {
        let document: Value = serde_json::from_str(text)
            .map_err(|e| Error::Config(format!("identity schema {id:?} is not JSON: {e}")))?;
        let ordered: Ordered = serde_json::from_str(text)
            .map_err(|e| Error::Config(format!("identity schema {id:?} is not JSON: {e}")))?;
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .with_format("email", is_email)
            .build(&document)
            .map_err(|e| Error::Config(format!("identity schema {id:?}: {e}")))?;
        let mut paths = Vec::new();
        list_paths(&document, &document, &mut Vec::new(), None, &mut paths, 0);
        paths.sort_by(|a, b| a.name.cmp(&b.name));
        paths.dedup_by(|a, b| a.name == b.name);
        let mut keys = Vec::new();
        key_positions(&ordered, &mut keys, &mut Vec::new());
        let object_traits = paths
            .iter()
            .filter(|p| p.kind == "object")
            .filter_map(|p| p.name.strip_prefix("traits.").map(str::to_owned))
            .collect();
        let mut s = IdentitySchema {
            id: id.to_owned(),
            validator,
            object_traits,
            paths: paths.into_iter().filter(|p| p.kind != "object").collect(),
            keys,
            code_identifiers: Vec::new(),
            verification: Vec::new(),
            recovery: Vec::new(),
            legacy_labels: false,
            document,
            text: text.to_owned(),
        };
        let doc = s.document.clone();
        if let Some(traits) = resolve(&doc, doc.pointer("/properties/traits")) {
            extensions(&doc, traits, &mut Vec::new(), &mut s);
        }
        if s.code_identifiers.is_empty() {
            return Err(Error::Config(format!(
                "identity schema {id:?} has no trait with \"ory.sh/kratos\": {{\"credentials\": {{\"code\": {{\"identifier\": true, \"via\": \"email\"}}}}}}"
            )));
        }
        Ok(s)
    }

    /// The schema of [`Config::traits`] (the shorthand when no document is given).
    pub fn from_config(config: &Config) -> Result<Self, Error> {
        let mut s = match &config.identity_schema {
            Some(text) => IdentitySchema::new(&config.schema_id, text)?,
            None => {
                IdentitySchema::new(&config.schema_id, &shorthand_document(config).to_string())?
            }
        };
        s.legacy_labels = config.version == crate::config::KratosVersion::V1_3_1;
        Ok(s)
    }

    /// The dotted trait path (under `traits`) that seeded identities and `create_identity` put
    /// the e-mail address in: the first code identifier.
    pub fn email_trait(&self) -> &str {
        &self.code_identifiers[0]
    }

    /// `node.NewInputFieldFromSchema` for every path under `traits`, group default, in
    /// `ListPaths` order (by name; the flow's sort then orders them by [`Self::keys`]).
    pub fn trait_nodes(&self) -> Vec<Node> {
        self.paths
            .iter()
            .filter(|p| p.name.starts_with("traits."))
            .filter(|p| !matches!(p.kind, "array" | "null"))
            .map(|p| input_from_path(p, self.legacy_labels))
            .collect()
    }

    /// `login.GetIdentifierLabelFromSchema`: the title of the only code identifier, else "ID".
    pub fn identifier_label(&self) -> Text {
        let titled: Vec<(&str, &str)> = self
            .code_identifiers
            .iter()
            .filter_map(|c| {
                let name = format!("traits.{c}");
                let p = self.paths.iter().find(|p| p.name == name)?;
                Some((p.name.as_str(), p.title.as_deref()?))
            })
            .collect();
        match (self.code_identifiers.len(), titled.as_slice()) {
            (1, [(_, title)]) if self.legacy_labels => text::generated_label_legacy(title),
            (1, [(name, title)]) => text::generated_label(title, name),
            _ => text::id_label(),
        }
    }

    /// Validates traits as Kratos does (the identity `{"traits": …}` against the schema) and
    /// returns each message with the node it goes on (`""` = the form), in the order the
    /// validator reports them.
    pub fn validate(&self, traits: &Map<String, Value>) -> Vec<FieldError> {
        let instance = json!({ "traits": traits });
        let mut out = Vec::new();
        for e in self.validator.iter_errors(&instance) {
            out.extend(self.field_errors(&e, &instance));
        }
        out
    }

    /// The schema violations as Kratos's validator words them, the reason of the admin API's
    /// 400 (source notes C16): one error alone
    /// (`I[#/traits/name] S[#/properties/traits/properties/name/type] expected string, but got number`),
    /// several as a tree of "validation failed" nodes, one per subschema, children indented.
    /// The `ory.sh/kratos` extension adds its own error for a code identifier that is no mail
    /// address: `mail: missing '@' or angle-addr` at the trait (since v26.2.0's successor),
    /// the format error again (`format_twice`, v26.2.0 and older).
    pub fn violation(&self, traits: &Map<String, Value>, format_twice: bool) -> Option<String> {
        let instance = json!({ "traits": traits });
        let mut leaves: Vec<Leaf> = Vec::new();
        for e in self.validator.iter_errors(&instance) {
            let ip = e.instance_path().as_str().to_owned();
            let sp = e.schema_path().as_str().to_owned();
            if let ValidationErrorKind::Required { property } = e.kind() {
                // The Go validator reports all missing properties of an object as one error.
                let sp = sp
                    .trim_end_matches(|c: char| c.is_ascii_digit())
                    .trim_end_matches('/')
                    .to_owned();
                let name = go_quote(property.as_str().unwrap_or_default());
                if let Some(l) = leaves.iter_mut().find(|l| l.ip == ip && l.sp == sp) {
                    l.msg.push_str(&format!(", {name}"));
                } else {
                    leaves.push(Leaf::keyword(ip, sp, format!("missing properties: {name}")));
                }
                continue;
            }
            let msg = self.go_message(&e, &instance);
            leaves.push(Leaf::keyword(ip, sp, msg));
        }
        for path in &self.code_identifiers {
            let Some(v) = trait_value(traits, path).and_then(Value::as_str) else {
                continue;
            };
            if let Some(msg) = go_mail_error(v) {
                let ip = format!("/traits/{}", path.replace('.', "/"));
                let group = format!(
                    "/properties/traits/properties/{}",
                    path.replace('.', "/properties/")
                );
                let (sp, msg) = if format_twice {
                    (
                        format!("{group}/format"),
                        format!("{} is not valid \"email\"", go_quote(v)),
                    )
                } else {
                    (group.clone(), msg)
                };
                leaves.push(Leaf {
                    group,
                    ip,
                    sp,
                    msg,
                    keyword: "",
                });
            }
        }
        if leaves.is_empty() {
            return None;
        }
        let root = group(&leaves, "", "");
        let item = match root.as_slice() {
            [only] => only.clone(),
            _ => Item {
                ip: String::new(),
                sp: String::new(),
                msg: "validation failed".into(),
                children: root,
            },
        };
        let mut out = String::new();
        item.render(0, &mut out);
        Some(out)
    }

    /// The code addresses the extension derives: each code-identifier trait's value,
    /// normalised, deduplicated and sorted (`SchemaExtensionCredentials.Run`).
    pub fn code_addresses(&self, traits: &Map<String, Value>) -> Vec<String> {
        addresses(&self.code_identifiers, traits)
    }

    /// The verifiable addresses (`verification.via: email`), in schema order.
    pub fn verifiable_addresses(&self, traits: &Map<String, Value>) -> Vec<String> {
        addresses_in_order(&self.verification, traits)
    }

    /// The recovery addresses (`recovery.via: email`), in schema order.
    pub fn recovery_addresses(&self, traits: &Map<String, Value>) -> Vec<String> {
        addresses_in_order(&self.recovery, traits)
    }

    /// decoderx's JSON type hint for objects: every object-typed trait the body leaves out
    /// decodes as `{}` (recorded: a registration without `address` stores `"address":{}`).
    /// Returns the top-level keys it added: Kratos writes them after the others.
    pub fn fill_absent_objects(&self, traits: &mut Map<String, Value>) -> Vec<String> {
        let added: Vec<String> = self
            .object_traits
            .iter()
            .filter(|p| !p.contains('.') && !traits.contains_key(p.as_str()))
            .cloned()
            .collect();
        for path in &self.object_traits {
            let mut cur = &mut *traits;
            let mut parts = path.split('.').peekable();
            while let Some(part) = parts.next() {
                let last = parts.peek().is_none();
                let slot = cur
                    .entry(part.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                match slot {
                    Value::Object(inner) if !last => cur = inner,
                    _ => break,
                }
            }
        }
        added
    }

    /// The declared type of a dotted path (`traits.newsletter` → `boolean`).
    pub fn kind_of(&self, name: &str) -> Option<&'static str> {
        self.paths.iter().find(|p| p.name == name).map(|p| p.kind)
    }

    fn field_errors(
        &self,
        e: &jsonschema::ValidationError<'_>,
        instance: &Value,
    ) -> Vec<FieldError> {
        let at = dotted(e.instance_path().as_str());
        match e.kind() {
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let field = if at.is_empty() {
                    name.to_owned()
                } else {
                    format!("{at}.{name}")
                };
                vec![(field, text::required(name))]
            }
            _ => vec![(at, self.translate(e, instance))],
        }
    }

    /// `translateValidationError`: Kratos's message for a validator error.
    fn translate(&self, e: &jsonschema::ValidationError<'_>, instance: &Value) -> Text {
        let value = instance
            .pointer(e.instance_path().as_str())
            .unwrap_or(&Value::Null);
        match e.kind() {
            ValidationErrorKind::MinLength { limit } => validation(
                4000003,
                format!("length must be >= {limit}, but got {}", char_len(value)),
                json!({"min_length": limit, "actual_length": char_len(value)}),
            ),
            ValidationErrorKind::MaxLength { limit } => validation(
                4000017,
                format!("length must be <= {limit}, but got {}", char_len(value)),
                json!({"max_length": limit, "actual_length": char_len(value)}),
            ),
            ValidationErrorKind::Pattern { pattern } => validation(
                4000004,
                format!("does not match pattern {}", go_quote(pattern)),
                json!({"pattern": pattern}),
            ),
            ValidationErrorKind::MinItems { limit } => validation(
                4000024,
                format!(
                    "minimum {limit} items allowed, but found {} items",
                    arr_len(value)
                ),
                json!({"min_items": limit, "actual_items": arr_len(value)}),
            ),
            ValidationErrorKind::MaxItems { limit } => validation(
                4000023,
                format!(
                    "maximum {limit} items allowed, but found {} items",
                    arr_len(value)
                ),
                json!({"max_items": limit, "actual_items": arr_len(value)}),
            ),
            ValidationErrorKind::Minimum { limit } => {
                number_bound(4000018, ">=", limit, value, "minimum")
            }
            ValidationErrorKind::ExclusiveMinimum { limit } => {
                number_bound(4000019, ">", limit, value, "minimum")
            }
            ValidationErrorKind::Maximum { limit } => {
                number_bound(4000020, "<=", limit, value, "maximum")
            }
            ValidationErrorKind::ExclusiveMaximum { limit } => {
                number_bound(4000021, "<", limit, value, "maximum")
            }
            ValidationErrorKind::Type { kind } => {
                let allowed = self.allowed_types(e, kind);
                text::wrong_type(
                    &allowed.iter().map(String::as_str).collect::<Vec<_>>(),
                    go_type(value),
                )
            }
            // v1.3.1 has no 4000040: the validator's message as a generic 4000001.
            ValidationErrorKind::Format { format } if format == "email" && self.legacy_labels => {
                text::generic(&self.go_message(e, instance))
            }
            ValidationErrorKind::Format { format } if format == "email" => {
                text::invalid_email(value.as_str().unwrap_or_default())
            }
            ValidationErrorKind::Constant { expected_value } => validation(
                4000029,
                format!("must be equal to constant {}", go_value(expected_value)),
                json!({"expected": go_value(expected_value)}),
            ),
            _ => text::generic(&self.go_message(e, instance)),
        }
    }

    /// The allowed types of a `type` error, as the schema lists them.
    fn allowed_types(&self, e: &jsonschema::ValidationError<'_>, kind: &TypeKind) -> Vec<String> {
        if let Some(v) = self.document.pointer(e.schema_path().as_str()) {
            match v {
                Value::String(s) => return vec![s.clone()],
                Value::Array(a) => {
                    return a
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                }
                _ => {}
            }
        }
        match kind {
            TypeKind::Single(t) => vec![t.to_string()],
            TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
        }
    }

    /// The message of the Go validator (`santhosh-tekuri/jsonschema` as forked by Ory).
    fn go_message(&self, e: &jsonschema::ValidationError<'_>, instance: &Value) -> String {
        let value = instance
            .pointer(e.instance_path().as_str())
            .unwrap_or(&Value::Null);
        match e.kind() {
            ValidationErrorKind::Required { property } => {
                format!(
                    "missing properties: {}",
                    go_quote(property.as_str().unwrap_or_default())
                )
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => format!(
                "additionalProperties {} not allowed",
                unexpected
                    .iter()
                    .map(|u| go_quote(u))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ValidationErrorKind::Type { kind } => format!(
                "expected {}, but got {}",
                self.allowed_types(e, kind).join(" or "),
                go_type(value)
            ),
            ValidationErrorKind::Format { format } => format!(
                "{} is not valid {}",
                go_quote(&go_value(value)),
                go_quote(format)
            ),
            ValidationErrorKind::MinLength { limit } => {
                format!("length must be >= {limit}, but got {}", char_len(value))
            }
            ValidationErrorKind::MaxLength { limit } => {
                format!("length must be <= {limit}, but got {}", char_len(value))
            }
            ValidationErrorKind::Pattern { pattern } => {
                format!("does not match pattern {}", go_quote(pattern))
            }
            ValidationErrorKind::Enum { options } => match options.as_array() {
                Some(a) if a.len() == 1 => format!("value must be {}", a[0]),
                Some(a) => format!(
                    "value must be one of {}",
                    a.iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "value must be one of the allowed values".into(),
            },
            ValidationErrorKind::Constant { expected_value } => {
                format!("value must be {expected_value}")
            }
            ValidationErrorKind::Minimum { limit } => {
                format!("must be >= {limit} but found {value}")
            }
            ValidationErrorKind::Maximum { limit } => {
                format!("must be <= {limit} but found {value}")
            }
            ValidationErrorKind::ExclusiveMinimum { limit } => {
                format!("must be > {limit} but found {value}")
            }
            ValidationErrorKind::ExclusiveMaximum { limit } => {
                format!("must be < {limit} but found {value}")
            }
            ValidationErrorKind::MinItems { limit } => format!(
                "minimum {limit} items allowed, but found {} items",
                arr_len(value)
            ),
            ValidationErrorKind::MaxItems { limit } => format!(
                "maximum {limit} items allowed, but found {} items",
                arr_len(value)
            ),
            _ => e.to_string(),
        }
    }
}

/// One error of the Go validator: where in the instance and the schema, and its message.
struct Leaf {
    ip: String,
    sp: String,
    msg: String,
    /// The subschema the error belongs to (the schema path without its keyword).
    group: String,
    keyword: &'static str,
}

impl Leaf {
    fn keyword(ip: String, sp: String, msg: String) -> Self {
        let (group, keyword) = match sp.rsplit_once('/') {
            Some((g, k)) => (g.to_owned(), keyword_name(k)),
            None => (String::new(), ""),
        };
        Leaf {
            ip,
            sp,
            msg,
            group,
            keyword,
        }
    }
}

fn keyword_name(k: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "type",
        "const",
        "enum",
        "required",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "additionalProperties",
        "propertyNames",
        "dependencies",
        "contains",
        "items",
    ];
    KNOWN.iter().find(|x| **x == k).copied().unwrap_or("")
}

/// A node of the error tree as the Go validator prints it.
#[derive(Clone)]
struct Item {
    ip: String,
    sp: String,
    msg: String,
    children: Vec<Item>,
}

impl Item {
    fn render(&self, depth: usize, out: &mut String) {
        if depth > 0 {
            out.push('\n');
        }
        out.push_str(&"  ".repeat(depth));
        out.push_str(&format!("I[#{}] S[#{}] {}", self.ip, self.sp, self.msg));
        for c in &self.children {
            c.render(depth + 1, out);
        }
    }
}

/// The items of subschema `sub` (at instance `inst`): its own errors of the keywords checked
/// before `properties`, then one item per property subschema with errors, then its other
/// errors (`additionalProperties`, …), as santhosh-tekuri/jsonschema checks them.
fn group(leaves: &[Leaf], sub: &str, inst: &str) -> Vec<Item> {
    let leaf = |l: &Leaf| Item {
        ip: l.ip.clone(),
        sp: l.sp.clone(),
        msg: l.msg.clone(),
        children: Vec::new(),
    };
    let late = |l: &Leaf| {
        matches!(
            l.keyword,
            "additionalProperties" | "propertyNames" | "dependencies" | ""
        )
    };
    let mut items: Vec<Item> = leaves
        .iter()
        .filter(|l| l.group == sub && !late(l))
        .map(leaf)
        .collect();
    let prefix = format!("{sub}/properties/");
    let mut children: Vec<String> = Vec::new();
    for l in leaves {
        if let Some(rest) = l.group.strip_prefix(&prefix).or_else(|| {
            l.sp.strip_prefix(&prefix)
                .filter(|_| l.group.len() > sub.len())
        }) {
            let name = rest.split('/').next().unwrap_or_default().to_owned();
            if !children.contains(&name) {
                children.push(name);
            }
        }
    }
    for name in children {
        let child_sub = format!("{prefix}{name}");
        let child_inst = format!("{inst}/{name}");
        let sub_items = group(leaves, &child_sub, &child_inst);
        match sub_items.len() {
            0 => {}
            1 => items.extend(sub_items),
            _ => items.push(Item {
                ip: child_inst,
                sp: child_sub,
                msg: "validation failed".into(),
                children: sub_items,
            }),
        }
    }
    // The extension's own errors come after the keywords of their subschema.
    items.extend(
        leaves
            .iter()
            .filter(|l| l.group == sub && !l.keyword.is_empty() && late(l))
            .map(leaf),
    );
    items.extend(
        leaves
            .iter()
            .filter(|l| l.group == sub && l.keyword.is_empty())
            .map(leaf),
    );
    items
}

/// The error of Go's `mail.ParseAddress` for the values the code identifier extension refuses
/// (derived: only the messages seen from Kratos are reproduced).
fn go_mail_error(v: &str) -> Option<String> {
    let v = v.trim();
    if v.is_empty() {
        return Some("mail: no address".into());
    }
    if !v.contains('@') {
        return Some("mail: missing '@' or angle-addr".into());
    }
    None
}

/// A validation message and the node it goes on (`""` meaning `ui.messages`).
pub type FieldError = (String, Text);

fn validation(id: u32, text: String, context: Value) -> Text {
    Text {
        id,
        text,
        kind: TextKind::Error,
        context: context.as_object().cloned(),
    }
}

fn number_bound(id: u32, op: &str, limit: &Value, value: &Value, key: &str) -> Text {
    validation(
        id,
        format!("must be {op} {limit} but found {value}"),
        json!({ key: limit, "actual": value }),
    )
}

fn char_len(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn arr_len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

/// Go's `%q` for the strings that appear here.
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// `%v` of a decoded JSON value.
fn go_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The Go validator's name for a value's type (`jsonType`).
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        // Recorded from Kratos: `5` is reported as a number, not an integer.
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `#/traits/address/city` → `traits.address.city` (`jsonschemax.JSONPointerToDotNotation`).
fn dotted(pointer: &str) -> String {
    pointer
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// Follows a local `$ref` (`#/definitions/x`) once.
fn resolve<'a>(doc: &'a Value, v: Option<&'a Value>) -> Option<&'a Value> {
    let v = v?;
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) if r.starts_with('#') => doc.pointer(&r[1..]),
        _ => Some(v),
    }
}

fn schema_types(s: &Value) -> Vec<&str> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// `jsonschemax.listPaths` for the keywords identity schemas use (properties, local `$ref`,
/// allOf/anyOf/oneOf).
fn list_paths(
    doc: &Value,
    schema: &Value,
    parents: &mut Vec<String>,
    parent: Option<&Value>,
    out: &mut Vec<SchemaPath>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    let Some(schema) = resolve(doc, Some(schema)) else {
        return;
    };
    let types = schema_types(schema);
    let kind = match types.as_slice() {
        [t] => match *t {
            "string" => Some("string"),
            "boolean" => Some("boolean"),
            "number" => Some("number"),
            "integer" => Some("integer"),
            "array" => Some("array"),
            "object" => Some("object"),
            "null" => Some("null"),
            _ => None,
        },
        _ => None,
    };
    if let (Some(kind), Some(name)) = (kind, parents.last()) {
        let required = parent
            .and_then(|p| p.get("required"))
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(name)));
        let ext = schema.get("ory.sh/kratos");
        out.push(SchemaPath {
            name: parents.join("."),
            kind,
            format: schema
                .get("format")
                .and_then(Value::as_str)
                .map(str::to_owned),
            title: schema
                .get("title")
                .and_then(Value::as_str)
                .map(str::to_owned),
            pattern: schema
                .get("pattern")
                .and_then(Value::as_str)
                .map(str::to_owned),
            required,
            disabled: ext
                .and_then(|e| e.pointer("/ui/disabled"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
        });
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for sub in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            list_paths(doc, sub, parents, Some(schema), out, depth + 1);
        }
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            parents.push(name.clone());
            list_paths(doc, sub, parents, Some(schema), out, depth + 1);
            parents.pop();
        }
    }
}

/// A JSON document that keeps the order of object keys (serde_json's `Map` sorts them).
enum Ordered {
    Object(Vec<(String, Ordered)>),
    String(String),
    Other,
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Ordered>()? {
                    out.push((k, v));
                }
                Ok(Ordered::Object(out))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<Ordered, A::Error> {
                while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Ordered::Other)
            }
            fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
                Ok(Ordered::String(v.to_owned()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
        }
        d.deserialize_any(V)
    }
}

impl Ordered {
    fn get(&self, key: &str) -> Option<&Ordered> {
        match self {
            Ordered::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// `schema.computeKeyPositions`: leaf keys in document order (dots in names escaped).
fn key_positions(schema: &Ordered, out: &mut Vec<String>, parents: &mut Vec<String>) {
    if matches!(schema.get("type"), Some(Ordered::String(t)) if t == "object") {
        if let Some(Ordered::Object(props)) = schema.get("properties") {
            for (k, v) in props {
                parents.push(k.replace('.', "\\."));
                key_positions(v, out, parents);
                parents.pop();
            }
        }
        return;
    }
    out.push(parents.join("."));
}

/// The `ory.sh/kratos` extension of each trait.
fn extensions(doc: &Value, schema: &Value, parents: &mut Vec<String>, s: &mut IdentitySchema) {
    if parents.len() > 16 {
        return;
    }
    if let Some(ext) = schema.get("ory.sh/kratos") {
        let path = parents.join(".");
        let code = ext.pointer("/credentials/code");
        if code
            .and_then(|c| c.get("identifier"))
            .and_then(Value::as_bool)
            == Some(true)
            && code
                .and_then(|c| c.get("via"))
                .and_then(Value::as_str)
                .unwrap_or("email")
                == "email"
        {
            s.code_identifiers.push(path.clone());
        }
        if ext.pointer("/verification/via").and_then(Value::as_str) == Some("email") {
            s.verification.push(path.clone());
        }
        if ext.pointer("/recovery/via").and_then(Value::as_str) == Some("email") {
            s.recovery.push(path);
        }
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            if let Some(v) = resolve(doc, Some(v)) {
                parents.push(k.clone());
                extensions(doc, v, parents, s);
                parents.pop();
            }
        }
    }
}

fn trait_value<'a>(traits: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut cur = traits.get(parts.next()?)?;
    for p in parts {
        cur = cur.get(p)?;
    }
    Some(cur)
}

fn addresses(paths: &[String], traits: &Map<String, Value>) -> Vec<String> {
    let mut out = addresses_in_order(paths, traits);
    out.sort();
    out.dedup();
    out
}

fn addresses_in_order(paths: &[String], traits: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in paths {
        if let Some(v) = trait_value(traits, p).and_then(Value::as_str) {
            let a = normalize_email(v);
            if !a.is_empty() && !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

/// `node.NewInputFieldFromSchema`.
fn input_from_path(p: &SchemaPath, legacy_label: bool) -> Node {
    let mut input_type = match p.kind {
        "number" | "integer" => "number",
        "boolean" => "checkbox",
        _ => "text",
    };
    let mut autocomplete = None;
    match p.format.as_deref() {
        Some("date-time") => input_type = "datetime-local",
        Some("email") => {
            input_type = "email";
            autocomplete = Some("email");
        }
        Some("tel") => {
            input_type = "tel";
            autocomplete = Some("tel");
        }
        Some("date") => input_type = "date",
        Some("uri") => {
            input_type = "url";
            autocomplete = Some("url");
        }
        Some("regex") => input_type = "text",
        _ => {}
    }
    let mut node = nodes::input(&p.name, None, nodes::DEFAULT, input_type);
    if p.required {
        node = nodes::required(node);
    }
    if let Some(a) = autocomplete {
        node = nodes::autocomplete(node, a);
    }
    node.attributes.pattern = p.pattern.clone();
    node.attributes.disabled = Some(p.disabled);
    if let Some(title) = p.title.as_deref().filter(|t| !t.is_empty()) {
        let label = if legacy_label {
            text::generated_label_legacy(title)
        } else {
            text::generated_label(title, &p.name)
        };
        node = nodes::labelled(node, label);
    }
    node
}

/// Loads a schema from a Kratos schema URL: `file://` (relative to `base_dir` when given,
/// else the working directory), `base64://`, or inline JSON. Returns the JSON text.
///
/// # Errors
/// [`Error::Config`] when the file cannot be read or the content is not JSON.
pub fn load_url(url: &str, base_dir: Option<&Path>) -> Result<String, Error> {
    let text = if let Some(path) = url.strip_prefix("file://") {
        let p = Path::new(path);
        let p = match base_dir {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.to_owned(),
        };
        std::fs::read_to_string(&p).map_err(|e| {
            Error::Config(format!("cannot read identity schema {}: {e}", p.display()))
        })?
    } else if let Some(b64) = url.strip_prefix("base64://") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64.trim()))
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64.trim()))
            .map_err(|e| Error::Config(format!("identity schema base64:// URL: {e}")))?;
        String::from_utf8(bytes)
            .map_err(|e| Error::Config(format!("identity schema base64:// URL: {e}")))?
    } else if url.trim_start().starts_with('{') {
        url.to_owned()
    } else {
        return Err(Error::Config(format!(
            "identity schema URL {url:?}: only file://, base64:// and inline JSON are supported"
        )));
    };
    serde_json::from_str::<serde::de::IgnoredAny>(&text)
        .map_err(|e| Error::Config(format!("identity schema is not JSON: {e}")))?;
    Ok(text)
}

/// The schema document of the [`Config::traits`] shorthand.
fn shorthand_document(config: &Config) -> Value {
    let mut properties = Map::new();
    for t in &config.traits {
        let mut p = json!({ "type": "string" });
        if let Some(title) = &t.title {
            p["title"] = json!(title);
        }
        if t.format == TraitFormat::Email {
            p["format"] = json!("email");
        }
        if t.code_identifier {
            p["ory.sh/kratos"] = json!({
                "credentials": { "code": { "identifier": true, "via": "email" } },
                "verification": { "via": "email" }
            });
        }
        properties.insert(t.name.clone(), p);
    }
    let required: Vec<&str> = config
        .traits
        .iter()
        .filter(|t| t.required)
        .map(|t| t.name.as_str())
        .collect();
    json!({
        "$id": "https://schemas.ory.sh/presets/kratos/identity.email.schema.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Person",
        "type": "object",
        "properties": {
            "traits": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": config.allow_additional_traits
            }
        }
    })
}

/// Kratos's e-mail normalisation for identifiers (PRECIS: trim, lowercase).
pub fn normalize_email(value: &str) -> String {
    value.trim().to_lowercase()
}

/// The JSON-schema `email` format: a mailbox of at most 254 characters whose local part has at
/// most 64 and whose domain is a hostname (santhosh-tekuri/jsonschema's `isEmail`).
pub fn is_email(s: &str) -> bool {
    if s.len() > 254 {
        return false;
    }
    let Some(at) = s.rfind('@') else { return false };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.is_empty() || local.len() > 64 || !is_hostname(domain) {
        return false;
    }
    if local.starts_with('"') && local.ends_with('"') && local.len() >= 2 {
        return true;
    }
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    local
        .split('.')
        .all(|part| !part.is_empty() && part.chars().all(atext))
}

fn is_hostname(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom() -> IdentitySchema {
        IdentitySchema::new(
            "default",
            include_str!("../tests/kratos/identity.schema.json"),
        )
        .unwrap()
    }

    #[test]
    fn the_default_trait_node_matches_kratos() {
        let s = IdentitySchema::from_config(&Config::default()).unwrap();
        let node = s.trait_nodes().remove(0);
        assert_eq!(
            serde_json::to_string(&node).unwrap(),
            r#"{"type":"input","group":"default","attributes":{"name":"traits.email","type":"email","required":true,"autocomplete":"email","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070002,"text":"E-Mail","type":"info","context":{"name":"traits.email","title":"E-Mail"}}}}"#
        );
    }

    #[test]
    fn nodes_and_keys_come_from_a_custom_schema() {
        let s = custom();
        let names: Vec<String> = s
            .trait_nodes()
            .iter()
            .map(|n| nodes::name(n).to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "traits.address.city",
                "traits.address.zip",
                "traits.email",
                "traits.name",
                "traits.newsletter"
            ]
        );
        assert_eq!(
            s.keys,
            [
                "traits.email",
                "traits.name",
                "traits.newsletter",
                "traits.address.city",
                "traits.address.zip"
            ]
        );
        let nodes = s.trait_nodes();
        assert_eq!(nodes[4].attributes.input_type.as_deref(), Some("checkbox"));
        assert_eq!(nodes[1].attributes.pattern.as_deref(), Some("^[0-9]{5}$"));
        assert_eq!(nodes[3].attributes.required, Some(true));
        assert_eq!(s.email_trait(), "email");
    }

    #[test]
    fn validation_messages_are_kratos_texts_on_kratos_nodes() {
        let s = custom();
        let t = |v: Value| v.as_object().unwrap().clone();
        let e = s.validate(&t(json!({"email": "a@example.com", "nick": "x"})));
        let got: Vec<(String, u32, String)> =
            e.into_iter().map(|(f, m)| (f, m.id, m.text)).collect();
        assert!(
            got.contains(&(
                "traits.name".into(),
                4000002,
                "Property name is missing.".into()
            )),
            "{got:?}"
        );
        assert!(
            got.contains(&(
                "traits".into(),
                4000001,
                "additionalProperties \"nick\" not allowed".into()
            )),
            "{got:?}"
        );
        let e = s.validate(&t(json!({"email": "nope", "name": "", "newsletter": "yes", "address": {"zip": "12", "x": 1}})));
        let got: Vec<(String, u32)> = e.iter().map(|(f, m)| (f.clone(), m.id)).collect();
        for want in [
            ("traits.email", 4000040),
            ("traits.name", 4000003),
            ("traits.newsletter", 4000026),
            ("traits.address.zip", 4000004),
            ("traits.address", 4000001),
        ] {
            assert!(
                got.contains(&(want.0.to_owned(), want.1)),
                "{want:?} in {got:?}"
            );
        }
        let (_, m) = e.iter().find(|(f, _)| f == "traits.name").unwrap();
        assert_eq!(m.text, "length must be >= 1, but got 0");
        assert!(s
            .validate(&t(json!({"email": "a@b.c", "name": "A"})))
            .is_empty());
    }

    #[test]
    fn the_admin_violation_is_the_go_validators_error_tree() {
        // Each expected text was answered by Kratos master (b86338da) or v26.2.0 (9d708594)
        // for tests/kratos/identity.schema.json.
        let s = custom();
        let v = |traits: Value, format_twice: bool| {
            s.violation(traits.as_object().unwrap(), format_twice)
        };
        assert_eq!(
            v(json!({"email": "y@example.com", "name": 5}), false).unwrap(),
            "I[#/traits/name] S[#/properties/traits/properties/name/type] expected string, but got number"
        );
        assert_eq!(
            v(
                json!({"email": "z@example.com", "name": "Z", "nick": 1}),
                false
            )
            .unwrap(),
            r#"I[#/traits] S[#/properties/traits/additionalProperties] additionalProperties "nick" not allowed"#
        );
        assert_eq!(
            v(json!({"name": "Q"}), false).unwrap(),
            r#"I[#/traits] S[#/properties/traits/required] missing properties: "email""#
        );
        assert_eq!(
            v(json!({"email": "nope", "name": "X"}), false).unwrap(),
            "I[#/traits/email] S[#/properties/traits/properties/email] validation failed\n  I[#/traits/email] S[#/properties/traits/properties/email/format] \"nope\" is not valid \"email\"\n  I[#/traits/email] S[#/properties/traits/properties/email] mail: missing '@' or angle-addr"
        );
        assert_eq!(
            v(json!({"email": "nope", "name": "X"}), true).unwrap(),
            "I[#/traits/email] S[#/properties/traits/properties/email] validation failed\n  I[#/traits/email] S[#/properties/traits/properties/email/format] \"nope\" is not valid \"email\"\n  I[#/traits/email] S[#/properties/traits/properties/email/format] \"nope\" is not valid \"email\""
        );
        assert_eq!(
            v(json!({"email": "nope"}), false).unwrap(),
            "I[#/traits] S[#/properties/traits] validation failed\n  I[#/traits] S[#/properties/traits/required] missing properties: \"name\"\n  I[#/traits/email] S[#/properties/traits/properties/email] validation failed\n    I[#/traits/email] S[#/properties/traits/properties/email/format] \"nope\" is not valid \"email\"\n    I[#/traits/email] S[#/properties/traits/properties/email] mail: missing '@' or angle-addr"
        );
        assert_eq!(
            v(
                json!({"email": "w@example.com", "name": "W", "address": {"zip": "1"}}),
                false
            )
            .unwrap(),
            r#"I[#/traits/address/zip] S[#/properties/traits/properties/address/properties/zip/pattern] does not match pattern "^[0-9]{5}$""#
        );
        assert_eq!(v(json!({"email": "a@b.c", "name": "A"}), false), None);
    }

    #[test]
    fn email_format_accepts_ordinary_addresses_only() {
        for ok in ["a@b.c", "first.last+tag@example.co.uk", "x@localhost"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in ["", "asdf", "@b.c", "a@", "a..b@c.d", "a@-b.c", "a b@c.d"] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn code_addresses_are_lowercased_and_sorted() {
        let s = IdentitySchema::from_config(&Config::default()).unwrap();
        let traits = json!({"email": " Foo@Example.COM "});
        assert_eq!(
            s.code_addresses(traits.as_object().unwrap()),
            ["foo@example.com"]
        );
    }

    #[test]
    fn schemas_load_from_base64_and_inline_json() {
        let doc = r#"{"type":"object"}"#;
        let b64 = base64::engine::general_purpose::STANDARD.encode(doc);
        assert_eq!(load_url(&format!("base64://{b64}"), None).unwrap(), doc);
        assert_eq!(load_url(doc, None).unwrap(), doc);
        assert!(load_url("https://example.com/s.json", None).is_err());
    }
}
