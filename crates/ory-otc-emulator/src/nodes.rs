//! UI nodes as Kratos builds them (`ui/node`), and Kratos's node sort (`Nodes.SortBySchema`).
//!
//! The sort is reproduced step by step, including Go's `sort.SliceStable` algorithm, because
//! Kratos's comparator is not a strict weak order across groups: another stable algorithm could
//! give a different order on the same input.

use ory_otc_protocol::ui::{Attributes, Meta, Node, Text};
use serde_json::Value;

pub const DEFAULT: &str = "default";
pub const CODE: &str = "code";
pub const PROFILE: &str = "profile";

/// `node.NewInputField(name, value, group, type)`: no label, not required, `disabled: false`.
pub fn input(name: &str, value: Option<Value>, group: &str, input_type: &str) -> Node {
    Node {
        kind: "input".into(),
        group: group.into(),
        attributes: Attributes {
            name: Some(name.into()),
            input_type: Some(input_type.into()),
            value,
            disabled: Some(false),
            node_type: "input".into(),
            ..Attributes::default()
        },
        messages: Vec::new(),
        meta: Meta::default(),
    }
}

pub fn required(mut node: Node) -> Node {
    node.attributes.required = Some(true);
    node
}

pub fn labelled(mut node: Node, label: Text) -> Node {
    node.meta.label = Some(label);
    node
}

pub fn autocomplete(mut node: Node, value: &str) -> Node {
    node.attributes.autocomplete = Some(value.into());
    node
}

/// `node.NewCSRFNode`: hidden, required, in group default, no label.
pub fn csrf(token: &str) -> Node {
    required(input(
        "csrf_token",
        Some(Value::String(token.into())),
        DEFAULT,
        "hidden",
    ))
}

pub fn name(node: &Node) -> &str {
    node.attributes.name.as_deref().unwrap_or("")
}

pub fn find_mut<'a>(nodes: &'a mut [Node], id: &str) -> Option<&'a mut Node> {
    nodes.iter_mut().find(|n| name(n) == id)
}

/// `Nodes.Upsert`: replaces the first node with the same name, or appends.
pub fn upsert(nodes: &mut Vec<Node>, node: Node) {
    match nodes.iter_mut().find(|n| name(n) == name(&node)) {
        Some(slot) => *slot = node,
        None => nodes.push(node),
    }
}

/// `Nodes.SetValueAttribute`: sets the value of the first node with that name, if any.
pub fn set_value(nodes: &mut [Node], id: &str, value: Value) {
    if let Some(n) = find_mut(nodes, id) {
        n.attributes.value = Some(value);
    }
}

/// `Container.SetCSRF`.
pub fn set_csrf(nodes: &mut Vec<Node>, token: &str) {
    upsert(nodes, csrf(token));
}

/// `Container.ResetMessages`: clears form and node messages.
pub fn reset_messages(nodes: &mut [Node]) {
    for n in nodes {
        n.messages.clear();
    }
}

/// `Container.AddMessage` for a field: appends to that node, or creates a text input in group
/// default carrying the message.
pub fn add_field_message(nodes: &mut Vec<Node>, field: &str, message: Text) {
    if let Some(n) = find_mut(nodes, field) {
        n.messages.push(message);
        return;
    }
    let mut n = input(field, None, DEFAULT, "text");
    n.messages.push(message);
    nodes.push(n);
}

/// The group order and key order of `selfservice/flow/login/sort.go`.
pub fn sort_login(nodes: &mut [Node]) {
    const GROUPS: &[&str] = &[
        "oidc",
        "default",
        "webauthn",
        "passkey",
        "code",
        "password",
        "totp",
        "lookup_secret",
    ];
    sort_by_schema(
        nodes,
        GROUPS,
        &["csrf_token".into(), "identifier".into(), "password".into()],
        false,
    );
}

/// The group order and key order of `selfservice/flow/registration/sort.go`; `schema_keys` are
/// the identity schema's leaf paths in document order (`traits.email`, …). `legacy` is
/// v1.3.1's sort: no `csrf_token` key (the CSRF node sorts after the traits) and only nodes of
/// the same group compared.
pub fn sort_registration(nodes: &mut [Node], schema_keys: &[String], legacy: bool) {
    const GROUPS: &[&str] = &[
        "oidc", "saml", "default", "webauthn", "passkey", "code", "password", "captcha", "profile",
    ];
    // node.PasswordLoginOrder: csrf_token, first schema key, password, the other schema keys;
    // then the WebAuthn keys appended by SortUseOrderAppend.
    let mut keys: Vec<String> = if legacy {
        Vec::new()
    } else {
        vec!["csrf_token".into()]
    };
    match schema_keys.split_first() {
        None => keys.push("password".into()),
        Some((first, rest)) => {
            keys.push(first.clone());
            keys.push("password".into());
            keys.extend(rest.iter().cloned());
        }
    }
    keys.extend(
        [
            "webauthn_remove",
            "webauthn_register_displayname",
            "webauthn_register",
        ]
        .map(String::from),
    );
    sort_by_schema(nodes, GROUPS, &keys, legacy);
}

fn sort_by_schema(nodes: &mut [Node], groups: &[&str], keys: &[String], same_group_only: bool) {
    let group_index = |g: &str| groups.iter().position(|x| *x == g).map_or(-1, |i| i as i64);
    let len = nodes.len();
    let key_position = |n: &Node| -> usize {
        if name(n) == "method" {
            return len + keys.len() + 1;
        }
        keys.iter()
            .position(|k| name(n).starts_with(k.as_str()))
            .unwrap_or(keys.len())
    };

    go_slice_stable(nodes, &|a: &Node, b: &Node| {
        group_index(&a.group) < group_index(&b.group)
    });
    go_slice_stable(nodes, &|a: &Node, b: &Node| {
        let comparable = a.group == b.group
            || (!same_group_only
                && ((a.group == DEFAULT && b.group == "password")
                    || (b.group == DEFAULT && a.group == "password")));
        if !comparable {
            return false;
        }
        let (pa, pb) = (key_position(a), key_position(b));
        if pa != pb {
            return pa < pb;
        }
        go_value_string(&a.attributes.value) < go_value_string(&b.attributes.value)
    });
}

/// `fmt.Sprintf("%v", value)` for the values a node can hold.
fn go_value_string(v: &Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => "<nil>".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => other.to_string(),
    }
}

/// Go's `sort.SliceStable` (insertion sort on blocks of 20, then `symMerge`), so that a
/// comparator that is not a strict weak order gives the same order as in Kratos.
fn go_slice_stable<T>(data: &mut [T], less: &dyn Fn(&T, &T) -> bool) {
    let n = data.len();
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        insertion_sort(data, a, b, less);
        a = b;
        b += block;
    }
    insertion_sort(data, a, n, less);
    while block < n {
        let (mut a, mut b) = (0, 2 * block);
        while b <= n {
            sym_merge(data, a, a + block, b, less);
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            sym_merge(data, a, m, n, less);
        }
        block *= 2;
    }
}

fn insertion_sort<T>(data: &mut [T], a: usize, b: usize, less: &dyn Fn(&T, &T) -> bool) {
    for i in a + 1..b {
        let mut j = i;
        while j > a && less(&data[j], &data[j - 1]) {
            data.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn sym_merge<T>(data: &mut [T], a: usize, m: usize, b: usize, less: &dyn Fn(&T, &T) -> bool) {
    if m - a == 1 {
        let (mut i, mut j) = (m, b);
        while i < j {
            let h = (i + j) / 2;
            if less(&data[h], &data[a]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        for k in a..i - 1 {
            data.swap(k, k + 1);
        }
        return;
    }
    if b - m == 1 {
        let (mut i, mut j) = (a, m);
        while i < j {
            let h = (i + j) / 2;
            if !less(&data[m], &data[h]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        let mut k = m;
        while k > i {
            data.swap(k, k - 1);
            k -= 1;
        }
        return;
    }
    let mid = (a + b) / 2;
    let n = mid + m;
    let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
    let p = n - 1;
    while start < r {
        let c = (start + r) / 2;
        if !less(&data[p - c], &data[c]) {
            start = c + 1;
        } else {
            r = c;
        }
    }
    let end = n - start;
    if start < m && m < end {
        data[start..end].rotate_left(m - start);
    }
    if a < start && start < mid {
        sym_merge(data, a, start, mid, less);
    }
    if mid < end && end < b {
        sym_merge(data, mid, end, b, less);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(nodes: &[Node]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| {
                format!(
                    "{}:{}:{}",
                    n.group,
                    name(n),
                    go_value_string(&n.attributes.value)
                )
            })
            .collect()
    }

    #[test]
    fn login_error_sort_matches_the_protocol_order() {
        // docs/kratos-protocol.md §4: sent_email errors become [csrf_token, identifier, code, resend, method hidden, method submit]
        let mut nodes = vec![
            input("identifier", Some(json!("a@b.c")), DEFAULT, "hidden"),
            input("method", Some(json!("code")), CODE, "hidden"),
            input("code", None, CODE, "text"),
            input("method", Some(json!("code")), CODE, "submit"),
            input("resend", Some(json!("code")), CODE, "submit"),
            csrf(""),
        ];
        sort_login(&mut nodes);
        assert_eq!(
            names(&nodes),
            [
                "default:csrf_token:",
                "default:identifier:a@b.c",
                "code:code:<nil>",
                "code:resend:code",
                "code:method:code",
                "code:method:code"
            ]
        );
        assert_eq!(nodes[4].attributes.input_type.as_deref(), Some("hidden"));
        assert_eq!(nodes[5].attributes.input_type.as_deref(), Some("submit"));
    }

    #[test]
    fn registration_sort_puts_csrf_then_traits_then_code_then_profile() {
        let mut nodes = vec![
            input(
                "screen",
                Some(json!("credential-selection")),
                PROFILE,
                "submit",
            ),
            input("method", Some(json!("code")), CODE, "submit"),
            input("traits.email", None, DEFAULT, "email"),
            csrf("t"),
            input("resend", Some(json!("code")), CODE, "submit"),
            input("code", None, CODE, "text"),
        ];
        sort_registration(&mut nodes, &["traits.email".to_string()], false);
        assert_eq!(
            names(&nodes),
            [
                "default:csrf_token:t",
                "default:traits.email:<nil>",
                "code:code:<nil>",
                "code:resend:code",
                "code:method:code",
                "profile:screen:credential-selection"
            ]
        );
    }

    #[test]
    fn go_slice_stable_sorts_long_inputs_stably() {
        let mut v: Vec<(u8, usize)> = (0..97).map(|i| ((i * 37 % 7) as u8, i)).collect();
        go_slice_stable(&mut v, &|a: &(u8, usize), b: &(u8, usize)| a.0 < b.0);
        for w in v.windows(2) {
            assert!(
                w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1),
                "{w:?}"
            );
        }
    }

    #[test]
    fn add_field_message_creates_a_text_node_when_missing() {
        let mut nodes = vec![];
        add_field_message(&mut nodes, "traits", crate::text::required("traits"));
        assert_eq!(name(&nodes[0]), "traits");
        assert_eq!(nodes[0].group, DEFAULT);
        assert_eq!(nodes[0].messages[0].id, 4000002);
    }
}
