//! The flow model: a login or registration flow as Kratos returns it, and what the client
//! reads from it (the address a code went to, the traits to resubmit, where to post).

use ory_otc_protocol::flow::{LoginFlow, RegistrationFlow, State};
use ory_otc_protocol::ui::Ui;
use serde_json::{Map, Value};

use crate::outcome::{FlowKind, Message};

/// A flow of either kind, read from Kratos.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnyFlow {
    Login(Box<LoginFlow>),
    Registration(Box<RegistrationFlow>),
}

impl AnyFlow {
    pub fn kind(&self) -> FlowKind {
        match self {
            AnyFlow::Login(_) => FlowKind::Login,
            AnyFlow::Registration(_) => FlowKind::Registration,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            AnyFlow::Login(f) => &f.id,
            AnyFlow::Registration(f) => &f.id,
        }
    }

    pub fn state(&self) -> State {
        match self {
            AnyFlow::Login(f) => f.state,
            AnyFlow::Registration(f) => f.state,
        }
    }

    pub fn ui(&self) -> &Ui {
        match self {
            AnyFlow::Login(f) => &f.ui,
            AnyFlow::Registration(f) => &f.ui,
        }
    }

    pub fn expires_at(&self) -> &str {
        match self {
            AnyFlow::Login(f) => &f.expires_at,
            AnyFlow::Registration(f) => &f.expires_at,
        }
    }

    /// Every message of the flow: the form's, then each node's.
    pub fn messages(&self) -> Vec<Message> {
        self.ui().all_messages().cloned().collect()
    }

    pub fn has_message(&self, ids: &[u32]) -> bool {
        self.ui().all_messages().any(|m| ids.contains(&m.id))
    }

    /// Whether a 4000001 message (whose text is a reason) contains `needle`, in its text or
    /// in `context.reason`. Kratos reports several distinct refusals under this one id.
    pub fn has_generic_reason(&self, needle: &str) -> bool {
        let needle = needle.to_ascii_lowercase();
        self.ui()
            .all_messages()
            .filter(|m| m.id == ory_otc_protocol::message::GENERIC_VALIDATION)
            .any(|m| {
                let reason = m
                    .context
                    .as_ref()
                    .and_then(|c| c.get("reason"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                m.text.to_ascii_lowercase().contains(&needle)
                    || reason.to_ascii_lowercase().contains(&needle)
            })
    }

    /// The address a code was sent to, as Kratos keeps it: the hidden `identifier` node of a
    /// login flow (lowercased when it is an e-mail), the `traits.email` node of a registration.
    pub fn address(&self) -> Option<&str> {
        let name = match self {
            AnyFlow::Login(_) => "identifier",
            AnyFlow::Registration(_) => "traits.email",
        };
        self.ui()
            .node(name)
            .and_then(|n| n.value_str())
            .filter(|v| !v.is_empty())
    }

    /// The value of the `csrf_token` node: what a browser flow's submit must carry. API flows
    /// carry the node with an empty value, or none (docs/kratos-protocol.md §4).
    pub fn csrf_token(&self) -> Option<&str> {
        self.ui()
            .node("csrf_token")
            .and_then(|n| n.value_str())
            .filter(|v| !v.is_empty())
    }

    /// Whether Kratos attached an error to the address node (`identifier` or `traits.email`).
    /// Kratos v1.3.1 reports an invalid e-mail as a generic 4000001 there.
    pub fn address_has_error(&self) -> bool {
        let name = match self {
            AnyFlow::Login(_) => "identifier",
            AnyFlow::Registration(_) => "traits.email",
        };
        self.ui().node(name).is_some_and(|n| {
            n.messages
                .iter()
                .any(|m| m.kind == ory_otc_protocol::ui::TextKind::Error)
        })
    }

    /// The traits a registration flow holds in its `traits.*` nodes, nested as Kratos expects
    /// them back (`traits.name.first` becomes `{"name":{"first":…}}`). Kratos compares them
    /// with what the code was sent for (4000036 on a difference), so they are resubmitted as is.
    ///
    /// A name nested deeper than [`MAX_TRAIT_DEPTH`] is skipped: no identity schema nests that
    /// deep, and building (then serialising, then dropping) a value as deep as a hostile name
    /// is long would overflow the stack.
    pub fn traits(&self) -> Map<String, Value> {
        let mut traits = Map::new();
        for node in &self.ui().nodes {
            let (Some(name), Some(value)) = (&node.attributes.name, &node.attributes.value) else {
                continue;
            };
            let Some(path) = name.strip_prefix("traits.") else {
                continue;
            };
            if path.split('.').nth(MAX_TRAIT_DEPTH).is_some() {
                continue;
            }
            insert_path(&mut traits, path, value.clone());
        }
        traits
    }
}

/// The deepest trait path (`traits.a.b.c` is 3) read back from a registration flow.
pub(crate) const MAX_TRAIT_DEPTH: usize = 32;

fn insert_path(map: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let child = map
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(child) = child {
                insert_path(child, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn registration_with_nodes(nodes: Value) -> AnyFlow {
        let flow = json!({
            "id": "f", "type": "api", "expires_at": "e", "state": "sent_email",
            "ui": {"action": "a", "method": "POST", "nodes": nodes}
        });
        AnyFlow::Registration(Box::new(serde_json::from_value(flow).unwrap()))
    }

    fn hidden(name: &str, value: Value) -> Value {
        json!({"type":"input","group":"default","attributes":{"name":name,"type":"hidden","value":value,"disabled":false,"node_type":"input"},"messages":[],"meta":{}})
    }

    #[test]
    fn traits_are_rebuilt_nested_from_dotted_node_names() {
        let flow = registration_with_nodes(json!([
            hidden("csrf_token", json!("")),
            hidden("traits.email", json!("a@example.com")),
            hidden("traits.name.first", json!("Ada")),
            hidden("traits.name.last", json!("Lovelace")),
            hidden("traits.newsletter", json!(true)),
            hidden("method", json!("code")),
        ]));
        assert_eq!(
            Value::Object(flow.traits()),
            json!({"email":"a@example.com","name":{"first":"Ada","last":"Lovelace"},"newsletter":true})
        );
        assert_eq!(flow.address(), Some("a@example.com"));
    }

    #[test]
    fn trait_names_nested_too_deep_are_skipped_not_followed() {
        let deep = format!("traits.{}b", "a.".repeat(400_000));
        let at_limit = format!("traits.{}b", "a.".repeat(MAX_TRAIT_DEPTH - 1));
        let flow = registration_with_nodes(json!([
            hidden("traits.email", json!("a@example.com")),
            hidden(&deep, json!("x")),
            hidden(&at_limit, json!("y")),
        ]));
        let traits = flow.traits();
        assert_eq!(traits["email"], json!("a@example.com"));
        let mut v = &traits["a"];
        for _ in 1..MAX_TRAIT_DEPTH - 1 {
            v = &v["a"];
        }
        assert_eq!(v["b"], json!("y"));
    }

    #[test]
    fn an_empty_address_is_no_address() {
        let flow = registration_with_nodes(json!([hidden("traits.email", json!(""))]));
        assert_eq!(flow.address(), None);
    }
}
