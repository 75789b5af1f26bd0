//! The identity schema built from [`Config::traits`]: its UI nodes, its validation (as Kratos's
//! JSON-schema validator reports it), and the code addresses its extension derives.

use ory_otc_protocol::ui::{Node, Text};
use serde_json::{json, Map, Value};

use crate::config::{Config, TraitFormat, TraitSchema};
use crate::nodes;
use crate::text;

/// `config.DefaultIdentityTraitsSchemaID`.
pub const SCHEMA_ID: &str = "default";

/// The schema's leaf paths in document order, as `schema.GetKeysInOrder` lists them.
pub fn keys(config: &Config) -> Vec<String> {
    config
        .traits
        .iter()
        .map(|t| format!("traits.{}", t.name))
        .collect()
}

/// `node.NewInputFieldFromSchema` for each trait, group default.
pub fn trait_nodes(config: &Config) -> Vec<Node> {
    config.traits.iter().map(trait_node).collect()
}

fn trait_node(t: &TraitSchema) -> Node {
    let name = format!("traits.{}", t.name);
    let mut node = match t.format {
        TraitFormat::Email => {
            nodes::autocomplete(nodes::input(&name, None, nodes::DEFAULT, "email"), "email")
        }
        TraitFormat::Text => nodes::input(&name, None, nodes::DEFAULT, "text"),
    };
    if t.required {
        node = nodes::required(node);
    }
    if let Some(title) = &t.title {
        node = nodes::labelled(node, text::generated_label(title, &name));
    }
    node
}

/// `login.GetIdentifierLabelFromSchema`: the title of the only identifier trait, else "ID".
pub fn identifier_label(config: &Config) -> Text {
    let identifiers: Vec<&TraitSchema> =
        config.traits.iter().filter(|t| t.code_identifier).collect();
    match identifiers.as_slice() {
        [only] => match &only.title {
            Some(title) => text::generated_label(title, &format!("traits.{}", only.name)),
            None => text::id_label(),
        },
        _ => text::id_label(),
    }
}

/// A validation failure: the node it attaches to (`traits.email`) and its message.
pub type FieldError = (String, Text);

/// Validates traits as Kratos's validator would and returns the messages in the order
/// `Container.ParseError` attaches them: missing properties first (in `required` order), then
/// per-property errors in schema order.
pub fn validate(
    config: &Config,
    traits: &Map<String, Value>,
    allow_undeclared: bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for t in config.traits.iter().filter(|t| t.required) {
        if !traits.contains_key(&t.name) {
            errors.push((format!("traits.{}", t.name), text::required(&t.name)));
        }
    }
    if !errors.is_empty() {
        // The validator reports `required` before looking at the properties that are there.
        return errors;
    }
    for t in &config.traits {
        let Some(value) = traits.get(&t.name) else {
            continue;
        };
        let path = format!("traits.{}", t.name);
        match value {
            Value::String(s) => {
                if t.format == TraitFormat::Email && !is_email(s) {
                    errors.push((path, text::invalid_email(s)));
                }
            }
            other => errors.push((path, text::wrong_type(&["string"], json_type(other)))),
        }
    }
    if !allow_undeclared {
        for key in traits.keys() {
            if !config.traits.iter().any(|t| &t.name == key) {
                let reason = format!("additionalProperties {key:?} not allowed");
                errors.push((String::new(), text::generic(&reason)));
            }
        }
    }
    errors
}

/// The first schema violation as Kratos's JSON-schema validator words it
/// (`I[<instance>] S[<schema>] <message>`), used as the reason of the admin API's 400
/// (source notes C16).
pub fn violation(
    config: &Config,
    traits: &Map<String, Value>,
    allow_undeclared: bool,
) -> Option<String> {
    let missing: Vec<String> = config
        .traits
        .iter()
        .filter(|t| t.required && !traits.contains_key(&t.name))
        .map(|t| format!("{:?}", t.name))
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "I[#/traits] S[#/properties/traits/required] missing properties: {}",
            missing.join(", ")
        ));
    }
    for t in &config.traits {
        let Some(value) = traits.get(&t.name) else {
            continue;
        };
        let at = format!(
            "I[#/traits/{0}] S[#/properties/traits/properties/{0}",
            t.name
        );
        match value {
            Value::String(s) if t.format == TraitFormat::Email && !is_email(s) => {
                return Some(format!("{at}/format] {s:?} is not valid \"email\""));
            }
            Value::String(_) => {}
            other => {
                return Some(format!(
                    "{at}/type] expected string, but got {}",
                    json_type(other)
                ))
            }
        }
    }
    if !allow_undeclared {
        if let Some(key) = traits
            .keys()
            .find(|k| !config.traits.iter().any(|t| &t.name == *k))
        {
            return Some(format!("I[#/traits] S[#/properties/traits/additionalProperties] additionalProperties {key:?} not allowed"));
        }
    }
    None
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Kratos's e-mail normalisation for identifiers (PRECIS: trim, lowercase).
pub fn normalize_email(value: &str) -> String {
    value.trim().to_lowercase()
}

/// The code addresses the schema extension derives: each code-identifier trait's value,
/// normalised, deduplicated and sorted (`SchemaExtensionCredentials.Run`).
pub fn code_addresses(config: &Config, traits: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = config
        .traits
        .iter()
        .filter(|t| t.code_identifier)
        .filter_map(|t| traits.get(&t.name).and_then(Value::as_str))
        .map(normalize_email)
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The JSON-schema `email` format: a mailbox of at most 254 characters whose local part has at
/// most 64 and whose domain is a hostname (derived: santhosh-tekuri/jsonschema's `isEmail`).
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

/// The schema document served at `/schemas/<id>`.
pub fn document(config: &Config) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_trait_node_matches_reference_section_4() {
        let node = trait_nodes(&Config::default()).remove(0);
        assert_eq!(
            serde_json::to_string(&node).unwrap(),
            r#"{"type":"input","group":"default","attributes":{"name":"traits.email","type":"email","required":true,"autocomplete":"email","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070002,"text":"E-Mail","type":"info","context":{"name":"traits.email","title":"E-Mail"}}}}"#
        );
    }

    #[test]
    fn missing_and_malformed_email_give_4000002_and_4000040() {
        let c = Config::default();
        let e = validate(&c, &Map::new(), true);
        assert_eq!(e[0].0, "traits.email");
        assert_eq!(e[0].1.text, "Property email is missing.");
        let e = validate(&c, json!({"email": "asdf"}).as_object().unwrap(), true);
        assert_eq!(e[0].1.id, 4000040);
        assert_eq!(e[0].1.context.as_ref().unwrap()["value"], "asdf");
        assert!(validate(&c, json!({"email": "a@b.c"}).as_object().unwrap(), true).is_empty());
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
        let traits = json!({"email": " Foo@Example.COM "});
        assert_eq!(
            code_addresses(&Config::default(), traits.as_object().unwrap()),
            ["foo@example.com"]
        );
    }
}
