//! The `ui` container of a flow: action, method, nodes and messages (docs/kratos-protocol.md §4).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A flow's form: where to post it, its nodes, and the messages that concern the whole form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ui {
    /// The URL the form is posted to, e.g. `PUB/self-service/login?flow=<id>`.
    pub action: String,
    pub method: String,
    pub nodes: Vec<Node>,
    /// Kratos omits the key when there are no messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Text>,
}

impl Ui {
    /// The first node with this `name` attribute.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes
            .iter()
            .find(|n| n.attributes.name.as_deref() == Some(name))
    }

    /// Messages of the form first, then those attached to each node, in node order.
    pub fn all_messages(&self) -> impl Iterator<Item = &Text> {
        self.messages
            .iter()
            .chain(self.nodes.iter().flat_map(|n| n.messages.iter()))
    }
}

/// A UI message (`text.Message` in Kratos).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    pub id: u32,
    pub text: String,
    #[serde(rename = "type")]
    pub kind: TextKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextKind {
    Info,
    Error,
    Success,
}

/// A form node. `type` is `input` for everything the code method renders, `a` for links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    #[serde(rename = "type")]
    pub kind: String,
    pub group: String,
    pub attributes: Attributes,
    /// Always present, `[]` when empty.
    #[serde(default)]
    pub messages: Vec<Text>,
    #[serde(default)]
    pub meta: Meta,
}

/// A node's `meta`: `{}` or `{"label": …}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
}

/// Node attributes, flattened over the node types the code method uses (`input`, `a`).
///
/// Input attributes come in Kratos's order (`name`, `type`, `value`, `required`,
/// `autocomplete`, `label`, `pattern`, `disabled`, `maxlength`), anchor attributes after them
/// (`href`, `title`, `id`), and `node_type` last. A key is omitted when it is `None`, so an
/// input sets `disabled: Some(false)` to emit it and a value of `Some("")` emits `""`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub input_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autocomplete: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxlength: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub node_type: String,
}

impl Node {
    /// The node's `value` when it is a string.
    pub fn value_str(&self) -> Option<&str> {
        self.attributes.value.as_ref().and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDENTIFIER_NODE: &str = r#"{"type":"input","group":"default","attributes":{"name":"identifier","type":"text","value":"","required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070004,"text":"ID","type":"info"}}}"#;

    #[test]
    fn an_input_node_round_trips_byte_for_byte() {
        let node: Node = serde_json::from_str(IDENTIFIER_NODE).unwrap();
        assert_eq!(node.attributes.name.as_deref(), Some("identifier"));
        assert_eq!(node.value_str(), Some(""));
        assert_eq!(serde_json::to_string(&node).unwrap(), IDENTIFIER_NODE);
    }

    #[test]
    fn empty_ui_messages_are_omitted() {
        let ui = Ui {
            action: "http://x/self-service/login?flow=1".into(),
            method: "POST".into(),
            nodes: vec![],
            messages: vec![],
        };
        assert_eq!(
            serde_json::to_string(&ui).unwrap(),
            r#"{"action":"http://x/self-service/login?flow=1","method":"POST","nodes":[]}"#
        );
    }

    #[test]
    fn all_messages_lists_form_messages_before_node_messages() {
        let json = r#"{"action":"a","method":"POST","messages":[{"id":1,"text":"a","type":"info"}],
            "nodes":[{"type":"input","group":"default","attributes":{"name":"x","node_type":"input"},
            "messages":[{"id":2,"text":"b","type":"error","context":{"property":"x"}}],"meta":{}}]}"#;
        let ui: Ui = serde_json::from_str(json).unwrap();
        let ids: Vec<u32> = ui.all_messages().map(|m| m.id).collect();
        assert_eq!(ids, [1, 2]);
    }
}
