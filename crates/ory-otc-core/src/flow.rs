//! The flow model: a login or registration flow as the client reads it, and what it reads from
//! it (the address a code was sent to, the traits to resubmit, where to post).
//!
//! A flow is decoded lean (docs/kratos-protocol.md §4 has the whole object): its id, expiry,
//! state, `ui.action`, the messages, and each node's `name`, `value` and messages. Strings are
//! borrowed from the response body where they have no escapes, node values stay raw JSON until
//! read, and every other key (timestamps, request URL, node types, groups, labels, ...) is
//! skipped unread. A flow therefore lives as long as the body it was read from.

use std::borrow::Cow;

use ory_otc_protocol::flow::State;
use ory_otc_protocol::ui::{Text, TextKind};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::outcome::{FlowKind, Message};

/// A flow of either kind, read from Kratos.
#[derive(Debug, Clone)]
pub(crate) struct AnyFlow<'a> {
    kind: FlowKind,
    flow: FlowView<'a>,
}

/// What the client reads of a flow object.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FlowView<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow)]
    pub expires_at: Cow<'a, str>,
    pub state: State,
    #[serde(borrow)]
    pub ui: UiView<'a>,
}

/// What the client reads of a flow's `ui`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct UiView<'a> {
    /// The URL the form is posted to, e.g. `PUB/self-service/login?flow=<id>`.
    #[serde(borrow)]
    pub action: Cow<'a, str>,
    #[serde(borrow)]
    pub nodes: Vec<NodeView<'a>>,
    /// Kratos omits the key when there are no messages.
    #[serde(default)]
    pub messages: Vec<Text>,
}

/// What the client reads of a form node.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct NodeView<'a> {
    #[serde(borrow)]
    pub attributes: AttributesView<'a>,
    #[serde(default)]
    pub messages: Vec<Text>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AttributesView<'a> {
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    /// Raw JSON: a string for most nodes, any value for a trait.
    #[serde(borrow, default)]
    pub value: Option<&'a RawValue>,
}

impl UiView<'_> {
    /// The first node with this `name` attribute.
    fn node(&self, name: &str) -> Option<&NodeView<'_>> {
        self.nodes
            .iter()
            .find(|n| n.attributes.name.as_deref() == Some(name))
    }

    /// Messages of the form first, then those attached to each node, in node order.
    fn all_messages(&self) -> impl Iterator<Item = &Text> {
        self.messages
            .iter()
            .chain(self.nodes.iter().flat_map(|n| n.messages.iter()))
    }
}

impl NodeView<'_> {
    /// The node's `value` when it is a string.
    fn value_str(&self) -> Option<Cow<'_, str>> {
        let raw = self.attributes.value?.get();
        if !raw.starts_with('"') {
            return None;
        }
        match serde_json::from_str::<&str>(raw) {
            Ok(s) => Some(Cow::Borrowed(s)),
            // Escapes: the string must be unescaped into one of its own.
            Err(_) => serde_json::from_str::<String>(raw).ok().map(Cow::Owned),
        }
    }
}

impl<'a> AnyFlow<'a> {
    pub fn new(kind: FlowKind, flow: FlowView<'a>) -> Self {
        Self { kind, flow }
    }

    pub fn kind(&self) -> FlowKind {
        self.kind
    }

    pub fn id(&self) -> &str {
        &self.flow.id
    }

    pub fn state(&self) -> State {
        self.flow.state
    }

    /// The flow's `ui.action`.
    pub fn action(&self) -> &str {
        &self.flow.ui.action
    }

    pub fn expires_at(&self) -> &str {
        &self.flow.expires_at
    }

    /// Every message of the flow: the form's, then each node's.
    pub fn messages(&self) -> Vec<Message> {
        self.flow.ui.all_messages().cloned().collect()
    }

    /// [`Self::messages`], taken from the flow.
    pub fn into_messages(self) -> Vec<Message> {
        let ui = self.flow.ui;
        let mut all = ui.messages;
        for node in ui.nodes {
            all.extend(node.messages);
        }
        all
    }

    pub fn has_message(&self, ids: &[u32]) -> bool {
        self.flow.ui.all_messages().any(|m| ids.contains(&m.id))
    }

    /// Whether a 4000001 message (whose text is a reason) contains `needle`, in its text or
    /// in `context.reason`. Kratos reports several distinct refusals under this one id.
    pub fn has_generic_reason(&self, needle: &str) -> bool {
        let needle = needle.to_ascii_lowercase();
        self.flow
            .ui
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

    /// The name of the node that holds the address: `identifier` or `traits.email`.
    fn address_node(&self) -> &'static str {
        match self.kind {
            FlowKind::Login => "identifier",
            FlowKind::Registration => "traits.email",
        }
    }

    /// The address a code was sent to, as Kratos keeps it: the hidden `identifier` node of a
    /// login flow (lowercased when it is an e-mail), the `traits.email` node of a registration.
    pub fn address(&self) -> Option<Cow<'_, str>> {
        self.flow
            .ui
            .node(self.address_node())
            .and_then(NodeView::value_str)
            .filter(|v| !v.is_empty())
    }

    /// The value of the `csrf_token` node: what a browser flow's submit must carry. API flows
    /// carry the node with an empty value, or none (docs/kratos-protocol.md §4).
    pub fn csrf_token(&self) -> Option<Cow<'_, str>> {
        self.flow
            .ui
            .node("csrf_token")
            .and_then(NodeView::value_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether Kratos attached an error to the address node (`identifier` or `traits.email`).
    /// Kratos v1.3.1 reports an invalid e-mail as a generic 4000001 there.
    pub fn address_has_error(&self) -> bool {
        self.flow
            .ui
            .node(self.address_node())
            .is_some_and(|n| n.messages.iter().any(|m| m.kind == TextKind::Error))
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
        for node in &self.flow.ui.nodes {
            let (Some(name), Some(value)) = (&node.attributes.name, node.attributes.value) else {
                continue;
            };
            let Some(path) = name.strip_prefix("traits.") else {
                continue;
            };
            if path.split('.').nth(MAX_TRAIT_DEPTH).is_some() {
                continue;
            }
            // Raw JSON that was read once already: it parses again.
            let Ok(value) = serde_json::from_str::<Value>(value.get()) else {
                continue;
            };
            insert_path(&mut traits, path, value);
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

    fn registration_with_nodes(nodes: Value) -> AnyFlow<'static> {
        let flow = json!({
            "id": "f", "type": "api", "expires_at": "e", "state": "sent_email",
            "ui": {"action": "a", "method": "POST", "nodes": nodes}
        });
        let body: &'static str = Box::leak(flow.to_string().into_boxed_str());
        AnyFlow::new(FlowKind::Registration, serde_json::from_str(body).unwrap())
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
        assert_eq!(flow.address().as_deref(), Some("a@example.com"));
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
    fn string_values_with_escapes_are_unescaped() {
        let flow = registration_with_nodes(json!([
            hidden("traits.email", json!("a\"b@example.com")),
            hidden("csrf_token", json!("tok\\en")),
        ]));
        assert_eq!(flow.address().as_deref(), Some("a\"b@example.com"));
        assert_eq!(flow.csrf_token().as_deref(), Some("tok\\en"));
        // A value that is not a string is no address.
        let flow = registration_with_nodes(json!([hidden("traits.email", json!(5))]));
        assert_eq!(flow.address(), None);
    }

    #[test]
    fn keys_the_client_does_not_read_are_not_checked() {
        // Node types, groups, meta and the flow's other keys are skipped whatever their shape.
        let body = r#"{"id":"f","type":7,"expires_at":"e","issued_at":null,"state":"sent_email",
            "ui":{"action":"a","method":[],"nodes":[{"type":1,"group":{},"attributes":
            {"name":"traits.email","value":"a@example.com","node_type":false},"meta":"x"}]}}"#;
        let flow = AnyFlow::new(FlowKind::Registration, serde_json::from_str(body).unwrap());
        assert_eq!(flow.address().as_deref(), Some("a@example.com"));
    }

    #[test]
    fn an_empty_address_is_no_address() {
        let flow = registration_with_nodes(json!([hidden("traits.email", json!(""))]));
        assert_eq!(flow.address(), None);
    }
}
