//! Registration with the code method, plus the profile strategy's screens of the
//! `profile_first` style: create, get, submit (docs/kratos-protocol.md §1, §3, §4, §6 "Registration").

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ory_otc_protocol::error::id as error_id;
use ory_otc_protocol::flow::{FlowType, State as FlowState};
use ory_otc_protocol::ui::{Node, Text};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::config::{KratosVersion, RegistrationStyle};
use crate::error::ApiError;
use crate::flows::{self, is_expired, FlowErr};
use crate::http::{self, Fields, Req};
use crate::nodes::{self, CODE, DEFAULT, PROFILE};
use crate::records::{Flow, FlowKind, NewIdentity, Store, Transient};

use crate::state::AppState;
use crate::text::{self, reason};
use crate::views::{self, ContinueWith, IdentityView, RegistrationSuccess};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/self-service/registration/api", get(create_api))
        .route("/self-service/registration/browser", get(create_browser))
        .route("/self-service/registration/flows", get(get_flow))
        .route("/self-service/registration", get(submit).post(submit))
}

fn send_code_button() -> Node {
    nodes::labelled(
        nodes::input("method", Some(json!("code")), CODE, "submit"),
        text::send_sign_up_code_label(),
    )
}

fn profile_button() -> Node {
    nodes::labelled(
        nodes::input("method", Some(json!("profile")), PROFILE, "submit"),
        text::sign_up_label(),
    )
}

/// A registration flow's first screen (docs/kratos-protocol.md §4 "Registration, choose_method"): csrf_token
/// first (value `""` for API flows), the traits, then "Sign up" (profile_first) or "Send sign up
/// code" (unified).
pub(crate) fn build_flow(state: &AppState, req: &Req, flow_type: FlowType) -> Flow {
    let token = match flow_type {
        FlowType::Browser => state.request_csrf_token(req),
        FlowType::Api => String::new(),
    };
    let mut flow = state.new_flow(FlowKind::Registration, flow_type, req, token.clone());
    let mut ui = vec![nodes::csrf(&token)];
    ui.extend(state.schema.trait_nodes());
    match state.config.registration_style {
        RegistrationStyle::ProfileFirst => ui.push(profile_button()),
        RegistrationStyle::Unified => ui.push(send_code_button()),
    }
    nodes::sort_registration(
        &mut ui,
        &state.schema.keys,
        state.version() == KratosVersion::V1_3_1,
    );
    flow.ui.nodes = ui;
    flow
}

fn already_logged_in() -> ApiError {
    ApiError::bad_request(reason::REGISTRATION_ALREADY_LOGGED_IN)
        .with_id(error_id::SESSION_ALREADY_AVAILABLE)
        .with_message("you are already logged in")
}

fn has_session(state: &AppState, req: &Req) -> bool {
    let store = state.store.lock();
    state
        .session_from_request(&store, req, state.now())
        .is_some()
}

fn create(state: &AppState, req: &Req, flow_type: FlowType) -> Result<Flow, ApiError> {
    state.secure_return_to(Some(&req.query("return_to")))?;
    let flow = build_flow(state, req, flow_type);
    state
        .store
        .lock()
        .insert_flow(flow.clone(), state.config.max_flows);
    Ok(flow)
}

/// docs/kratos-protocol.md §6 registration "Flow created" / "Session already available (create)".
async fn create_api(State(state): State<AppState>, req: Req) -> Response {
    if has_session(&state, &req) {
        return flows::envelope(&req, already_logged_in());
    }
    match create(&state, &req, FlowType::Api) {
        Ok(flow) => {
            let code = matches!(
                req.query("return_session_token_exchange_code").as_str(),
                "true"
            )
            .then(|| Uuid::new_v4().simple().to_string());
            flows::flow_json(
                &flow,
                StatusCode::OK,
                Transient {
                    session_token_exchange_code: code,
                    ..Transient::default()
                },
            )
        }
        Err(e) => flows::envelope(&req, e),
    }
}

/// docs/kratos-protocol.md §1 "Create registration flow (browser)"; the flow is created before the session
/// check, as in Kratos.
async fn create_browser(State(state): State<AppState>, req: Req) -> Response {
    match create(&state, &req, FlowType::Browser) {
        Err(e) => flows::forward_error(&state, &req, e),
        Ok(_) if has_session(&state, &req) => {
            if req.is_json() {
                flows::envelope(&req, already_logged_in())
            } else {
                match state.secure_return_to(Some(&req.query("return_to"))) {
                    Ok(to) => http::redirect(&req.method, StatusCode::SEE_OTHER, &to),
                    Err(e) => flows::forward_error(&state, &req, e),
                }
            }
        }
        Ok(flow) if req.accepts_json() => {
            flows::flow_json(&flow, StatusCode::OK, Transient::default())
        }
        Ok(flow) => http::redirect(
            &req.method,
            StatusCode::SEE_OTHER,
            &state.flow_ui_url(&flow),
        ),
    }
}

/// docs/kratos-protocol.md §1 "Get registration flow": 404, CSRF (browser), 410, 200.
async fn get_flow(State(state): State<AppState>, req: Req) -> Response {
    flows::get_flow(&state, &req, FlowKind::Registration)
}

/// The decoded body (`updateRegistrationFlowWithCodeMethod`, plus the profile fields).
#[derive(Default)]
struct Body {
    method: String,
    code: String,
    resend: String,
    csrf_token: String,
    screen: String,
    /// Nested and dotted (`traits.email`) forms merged; an absent object decodes as `{}`.
    traits: Map<String, Value>,
    /// Objects the decoder added as `{}`, written last.
    traits_last: Vec<String>,
    transient_payload: Value,
}

impl Body {
    fn from_fields(f: &Fields, state: &AppState) -> Self {
        let mut traits = f.object("traits").unwrap_or_default();
        for key in f.keys_with_prefix("traits.") {
            // Dotted keys count only when the schema knows them (decoderx decodes the paths of
            // the schema, typed as the schema says); empty values are absent.
            let Some(kind) = state.schema.kind_of(&key) else {
                continue;
            };
            let Some(v) = f.string(&key) else { continue };
            let value = match kind {
                "boolean" => match v.as_str() {
                    "1" | "t" | "T" | "true" | "TRUE" | "True" => Value::Bool(true),
                    "0" | "f" | "F" | "false" | "FALSE" | "False" => Value::Bool(false),
                    _ => Value::String(v),
                },
                "number" | "integer" => v
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::String(v.clone()), Value::Number),
                _ => Value::String(v),
            };
            insert_path(&mut traits, &key["traits.".len()..], value);
        }
        let traits_last = state.schema.fill_absent_objects(&mut traits);
        Body {
            method: f.string("method").unwrap_or_default(),
            code: f.string("code").unwrap_or_default(),
            resend: f.string("resend").unwrap_or_default(),
            csrf_token: f.string("csrf_token").unwrap_or_default(),
            screen: f.string("screen").unwrap_or_default(),
            traits,
            traits_last,
            transient_payload: f
                .object("transient_payload")
                .map(Value::Object)
                .unwrap_or_else(|| json!({})),
        }
    }
}

/// The registration schema: `resend` enum and the traits against the identity schema.
fn validate(state: &AppState, f: &Fields, body: &Body) -> Vec<(String, Text)> {
    let mut errors = Vec::new();
    if let Some(resend) = f.string("resend") {
        if resend != "code" {
            errors.push(("resend".to_owned(), text::generic("value must be \"code\"")));
        }
    }
    errors.extend(state.schema.validate(&body.traits));
    errors
}

/// `HandleRegistrationError`: the submitted trait values shown back, and the CSRF node.
fn handle_error(state: &AppState, req: &Req, flow: &mut Flow, traits: &Map<String, Value>) {
    for (k, v) in flatten("traits", traits) {
        nodes::set_value(&mut flow.ui.nodes, &k, v);
    }
    let token = match flow.flow_type {
        FlowType::Browser => state.request_csrf_token(req),
        FlowType::Api => String::new(),
    };
    nodes::set_csrf(&mut flow.ui.nodes, &token);
}

/// Puts `value` at a dotted path (`address.city`) inside `map`, creating objects on the way.
fn insert_path(map: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let slot = map
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                insert_path(inner, rest, value);
            }
        }
    }
}

/// `jsonx.Flatten` with a prefix: nested objects become dotted keys.
fn flatten(prefix: &str, map: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in map {
        let key = format!("{prefix}.{k}");
        match v {
            Value::Object(inner) => out.extend(flatten(&key, inner)),
            other => out.push((key, other.clone())),
        }
    }
    out
}

/// docs/kratos-protocol.md §1 "Submit registration flow"; the session check runs first, as middleware.
async fn submit(State(state): State<AppState>, req: Req) -> Response {
    if has_session(&state, &req) {
        // docs/kratos-protocol.md §6 registration "Session already available": envelope, or 302 in a browser.
        if req.is_json() {
            return flows::envelope(&req, already_logged_in());
        }
        let to = state
            .secure_return_to(Some(&req.query("return_to")))
            .unwrap_or_else(|_| state.urls.default_return.clone());
        return http::redirect(&req.method, StatusCode::FOUND, &to);
    }
    let id = Uuid::parse_str(&req.query("flow")).unwrap_or(Uuid::nil());
    if id.is_nil() {
        return flows::nil_flow_error(
            &state,
            &req,
            ApiError::bad_request(reason::FLOW_ID_MALFORMED),
        );
    }
    let mut store = state.store.lock();
    let Some(flow) = store
        .flows
        .get(&id)
        .filter(|f| f.kind == FlowKind::Registration)
        .cloned()
    else {
        return flows::nil_flow_error(&state, &req, ApiError::not_found_resource());
    };
    if is_expired(&flow, state.now()) {
        let at = flow.expires_at;
        return flows::write_flow_error(&state, &mut store, &req, flow, FlowErr::Expired(at));
    }
    strategies(&state, &mut store, &req, flow)
}

/// The registration strategies in Kratos's order: profile, password, …, code.
fn strategies(state: &AppState, store: &mut Store, req: &Req, mut flow: Flow) -> Response {
    let fields = match http::decode_fields(req, &["POST", "PUT", "PATCH", "GET"]) {
        Ok(f) => f,
        Err(e) => {
            return flows::write_flow_error(state, store, req, flow, FlowErr::bad_request(&e.0))
        }
    };
    let body = Body::from_fields(&fields, state);
    let profile_first = state.config.registration_style == RegistrationStyle::ProfileFirst;
    if profile_first
        && (body.method == "profile" || body.method == "profile:back" || !body.screen.is_empty())
    {
        return profile_screen(state, store, req, flow, &fields, &body);
    }
    if body.method == "password" {
        // derived: the disabled password strategy matches the method → 404.
        let err = ApiError::new(StatusCode::NOT_FOUND).with_reason(reason::ENDPOINT_DISABLED);
        return flows::write_flow_error(state, store, req, flow, FlowErr::Api(err));
    }
    if body.method != "code" {
        return flows::write_flow_error(
            state,
            store,
            req,
            flow,
            FlowErr::form(text::registration_no_strategy()),
        );
    }
    if let Err(e) = http::check_second_decode(req, &["POST", "PUT", "PATCH"]) {
        handle_error(state, req, &mut flow, &body.traits);
        return flows::write_flow_error(state, store, req, flow, FlowErr::bad_request(&e.0));
    }
    let invalid = validate(state, &fields, &body);
    if !invalid.is_empty() {
        handle_error(state, req, &mut flow, &body.traits);
        return flows::write_flow_error(state, store, req, flow, FlowErr::Messages(invalid));
    }
    if let Err(e) = flows::ensure_csrf(state, req, flow.flow_type, Some(&body.csrf_token)) {
        handle_error(state, req, &mut flow, &body.traits);
        return flows::write_flow_error(state, store, req, flow, e);
    }
    if body.resend.eq_ignore_ascii_case("code") {
        flow.state = FlowState::ChooseMethod;
    }
    match flow.state {
        FlowState::ChooseMethod => send_code(state, store, req, flow, &body),
        FlowState::SentEmail => match verify_code(state, store, &mut flow, &body) {
            Ok(addresses) => complete(state, store, req, flow, &body, addresses),
            Err(e) => {
                handle_error(state, req, &mut flow, &body.traits);
                flows::write_flow_error(state, store, req, flow, e)
            }
        },
        // docs/kratos-protocol.md §8: in passed_challenge registration answers 4010003.
        _ => {
            handle_error(state, req, &mut flow, &body.traits);
            flows::write_flow_error(
                state,
                store,
                req,
                flow,
                FlowErr::form(text::registration_no_strategy()),
            )
        }
    }
}

/// docs/kratos-protocol.md §6 registration "Code sent": one code per code address, no duplicate check yet.
fn send_code(
    state: &AppState,
    store: &mut Store,
    req: &Req,
    mut flow: Flow,
    body: &Body,
) -> Response {
    let addresses = state.schema.code_addresses(&body.traits);
    if addresses.is_empty() {
        handle_error(state, req, &mut flow, &body.traits);
        return flows::write_flow_error(
            state,
            store,
            req,
            flow,
            FlowErr::form(text::no_login_identifier()),
        );
    }
    let replaced = std::mem::take(&mut flow.codes);
    flow.codes = addresses
        .iter()
        .map(|a| state.send_code(store, FlowKind::Registration, a, None, &replaced))
        .collect();
    flow.state = FlowState::SentEmail;
    sent_email_ui(state, req, &mut flow);
    for (k, v) in flatten("traits", &body.traits) {
        nodes::set_value(&mut flow.ui.nodes, &k, v);
    }
    flow.active = Some("code".into());
    flow.updated_at = state.now();
    store.flows.insert(flow.id, flow.clone());
    if req.is_json() {
        // docs/kratos-protocol.md §6: always 400 for JSON, even SPA.
        let transient = Transient {
            transient_payload: Some(body.transient_payload.clone()),
            ..Transient::default()
        };
        return flows::flow_json(&flow, StatusCode::BAD_REQUEST, transient);
    }
    http::redirect(
        &req.method,
        StatusCode::SEE_OTHER,
        &state.flow_ui_url(&flow),
    )
}

/// `populateEmailSentFlow` for registration (docs/kratos-protocol.md §4 "Registration, sent_email").
fn sent_email_ui(state: &AppState, req: &Req, flow: &mut Flow) {
    let mut fresh: Vec<Node> = flow
        .ui
        .nodes
        .iter()
        .filter(|n| n.attributes.input_type.as_deref() != Some("submit") && n.group == DEFAULT)
        .cloned()
        .map(|mut n| {
            if n.messages.is_empty() {
                n.attributes.input_type = Some("hidden".into());
            }
            n
        })
        .collect();
    nodes::upsert(
        &mut fresh,
        nodes::input("method", Some(json!("code")), CODE, "hidden"),
    );
    let mut code = nodes::required(nodes::input("code", None, CODE, "text"));
    if state.version() == KratosVersion::Latest {
        code = nodes::autocomplete(code, "one-time-code");
    }
    nodes::upsert(
        &mut fresh,
        nodes::labelled(code, text::registration_code_label()),
    );
    fresh.push(nodes::labelled(
        nodes::input("method", Some(json!("code")), CODE, "submit"),
        text::continue_label(),
    ));
    fresh.push(nodes::labelled(
        nodes::input("resend", Some(json!("code")), CODE, "submit"),
        text::resend_code_label(),
    ));
    if state.config.registration_style == RegistrationStyle::ProfileFirst {
        fresh.push(nodes::labelled(
            nodes::input(
                "screen",
                Some(json!("credential-selection")),
                PROFILE,
                "submit",
            ),
            text::back_label(),
        ));
    }
    if flow.flow_type == FlowType::Browser {
        nodes::set_csrf(&mut fresh, &state.request_csrf_token(req));
    }
    flow.ui.nodes = fresh;
    flow.ui.messages = vec![text::registration_code_sent(state.version())];
}

/// `registrationVerifyCode` with `UseRegistrationCode`; returns the code addresses.
fn verify_code(
    state: &AppState,
    store: &mut Store,
    flow: &mut Flow,
    body: &Body,
) -> Result<Vec<String>, FlowErr> {
    if body.code.is_empty() {
        return Err(FlowErr::field("code", text::required("code")));
    }
    let addresses = state.schema.code_addresses(&body.traits);
    if addresses.is_empty() {
        return Err(FlowErr::form(text::no_login_identifier()));
    }
    // docs/kratos-protocol.md §3: each submitted trait must equal the value on its (hidden) node.
    for (key, value) in flatten("traits", &body.traits) {
        if let Some(node) = flow.ui.nodes.iter().find(|n| nodes::name(n) == key) {
            if node.attributes.value.as_ref() != Some(&value) {
                return Err(FlowErr::form(text::traits_mismatch()));
            }
        }
    }
    flow.submit_count += 1;
    store
        .flows
        .entry(flow.id)
        .and_modify(|f| f.submit_count = flow.submit_count);
    if flow.submit_count > state.max_submissions() {
        return Err(FlowErr::bad_request(reason::TOO_OFTEN));
    }
    let hmac = state.code_hmac(&body.code);
    let now = state.now();
    let Some(pos) = flow.codes.iter().position(|c| c.hmac == hmac) else {
        return Err(FlowErr::form(text::registration_code_invalid()));
    };
    let code = flow.codes[pos].clone();
    if code.expires_at < now {
        return Err(match state.version() {
            KratosVersion::Latest => FlowErr::form(text::registration_code_invalid()),
            KratosVersion::V26_2_0 | KratosVersion::V1_3_1 => FlowErr::Expired(code.expires_at),
        });
    }
    if code.used {
        return Err(FlowErr::bad_request(reason::CODE_ALREADY_USED));
    }
    flow.codes[pos].used = true;
    store
        .flows
        .entry(flow.id)
        .and_modify(|f| f.codes[pos].used = true);
    if !addresses.contains(&code.address) {
        return Err(FlowErr::form(text::registration_code_invalid()));
    }
    flow.state = FlowState::PassedChallenge;
    flow.updated_at = now;
    store.flows.insert(flow.id, flow.clone());
    Ok(vec![code.address])
}

/// `PostRegistrationHook`: create the identity (duplicates surface only now), then the session
/// hook (docs/kratos-protocol.md §6 registration "Duplicate account" and "Success" rows).
fn complete(
    state: &AppState,
    store: &mut Store,
    req: &Req,
    flow: Flow,
    body: &Body,
    verified: Vec<String>,
) -> Response {
    let new = NewIdentity {
        traits: body.traits.clone(),
        traits_last: body.traits_last.clone(),
        verified,
        ..NewIdentity::default()
    };
    let identity = match state.insert_identity(store, new) {
        Ok(i) => i,
        Err(_) => {
            let mut flow = flow;
            for (k, v) in flatten("traits", &body.traits) {
                nodes::set_value(&mut flow.ui.nodes, &k, v);
            }
            return flows::write_flow_error(
                state,
                store,
                req,
                flow,
                FlowErr::form(text::duplicate_credentials()),
            );
        }
    };
    let return_to = state
        .secure_return_to(flow.return_to().as_deref())
        .unwrap_or_else(|_| state.urls.default_return.clone());
    let mut continue_with = Vec::new();
    if flow.flow_type == FlowType::Browser && req.is_json() {
        continue_with.push(ContinueWith::RedirectBrowserTo {
            action: "redirect_browser_to",
            redirect_browser_to: return_to.clone(),
        });
    }
    // A session row is created even without the session hook; only the hook hands it out.
    let session = state.issue_session(store, identity.id, req);
    let identity_json = views::identity(&state.urls, &identity, IdentityView::Public);
    let hook = state.config.session_after_registration;
    if flow.flow_type == FlowType::Api {
        if hook {
            continue_with.push(ContinueWith::SetOrySessionToken {
                action: "set_ory_session_token",
                ory_session_token: session.token.clone(),
            });
            let body = RegistrationSuccess {
                session_token: Some(session.token.clone()),
                session: Some(views::session(&state.urls, store, &session)),
                identity: identity_json,
                continue_with: Some(continue_with),
            };
            return http::json(StatusCode::OK, &body);
        }
        let continue_with = (!continue_with.is_empty()).then_some(continue_with);
        let body = RegistrationSuccess {
            session_token: None,
            session: None,
            identity: identity_json,
            continue_with,
        };
        return http::json(StatusCode::OK, &body);
    }
    // `IssueCookie`: the anti-CSRF token is rotated first, then the session cookie is written.
    let cookies: Vec<String> = if hook {
        state
            .rotate_csrf(req)
            .into_iter()
            .chain([state.session_cookie(store, &session)])
            .collect()
    } else {
        Vec::new()
    };
    let res = if req.is_json() {
        let body = RegistrationSuccess {
            session_token: None,
            session: hook.then(|| views::session(&state.urls, store, &session)),
            identity: identity_json,
            continue_with: (!continue_with.is_empty()).then_some(continue_with),
        };
        http::json(StatusCode::OK, &body)
    } else {
        http::redirect(&req.method, StatusCode::SEE_OTHER, &return_to)
    };
    http::with_cookies(res, &cookies)
}

/// The profile strategy's screens in `profile_first`: `method=profile` or
/// `screen=credential-selection` shows the credential choice, `screen=previous` goes back.
fn profile_screen(
    state: &AppState,
    store: &mut Store,
    req: &Req,
    mut flow: Flow,
    fields: &Fields,
    body: &Body,
) -> Response {
    let previous = body.screen == "previous" || body.method == "profile:back";
    let invalid = validate(state, fields, body);
    if !previous && !invalid.is_empty() {
        handle_error(state, req, &mut flow, &body.traits);
        return flows::write_flow_error(state, store, req, flow, FlowErr::Messages(invalid));
    }
    let token = match flow.flow_type {
        FlowType::Browser => state.request_csrf_token(req),
        FlowType::Api => String::new(),
    };
    flow.ui.messages.clear();
    nodes::reset_messages(&mut flow.ui.nodes);
    if previous {
        // `returnToProfileForm`: fresh schema nodes with the submitted values, "Sign up".
        flow.ui
            .nodes
            .retain(|n| !is_code_node(n) && nodes::name(n) != "screen" && n.group != PROFILE);
        nodes::set_csrf(&mut flow.ui.nodes, &token);
        for n in state.schema.trait_nodes() {
            nodes::upsert(&mut flow.ui.nodes, n);
        }
        flow.ui.nodes.push(profile_button());
    } else if state.version() == KratosVersion::V1_3_1 {
        if let Err(e) = flows::ensure_csrf(state, req, flow.flow_type, Some(&body.csrf_token)) {
            handle_error(state, req, &mut flow, &body.traits);
            return flows::write_flow_error(state, store, req, flow, e);
        }
        // v1.3.1's `displayStepTwoNodes`: the stored step-two nodes (the code strategy's
        // button), "Back", then one unlabelled input per submitted trait, all hidden, unsorted.
        // Kratos adds the traits in Go map order (different on every request); the emulator
        // adds them in the body's order, one of those orders.
        flow.active = None;
        flow.state = FlowState::ChooseMethod;
        let mut list = vec![
            send_code_button(),
            nodes::labelled(
                nodes::input("screen", Some(json!("previous")), PROFILE, "submit"),
                text::back_label(),
            ),
        ];
        for (k, v) in flatten("traits", &body.traits) {
            let input_type = json_input_type(&v);
            nodes::upsert(&mut list, nodes::input(&k, Some(v), DEFAULT, input_type));
        }
        for n in list.iter_mut().filter(|n| n.group == DEFAULT) {
            n.attributes.input_type = Some("hidden".into());
        }
        if flow.flow_type == FlowType::Browser {
            nodes::set_csrf(&mut list, &token);
        }
        flow.ui.nodes = list;
        flow.ui.messages = vec![text::choose_credential()];
        return respond_screen(state, store, req, flow, body);
    } else {
        if let Err(e) = flows::ensure_csrf(state, req, flow.flow_type, Some(&body.csrf_token)) {
            handle_error(state, req, &mut flow, &body.traits);
            return flows::write_flow_error(state, store, req, flow, e);
        }
        // `showCredentialsSelection`: hidden traits, "Back", and the code strategy's button.
        flow.active = None;
        flow.state = FlowState::ChooseMethod;
        flow.ui
            .nodes
            .retain(|n| !is_code_node(n) && n.group != PROFILE);
        flow.ui.nodes.push(nodes::labelled(
            nodes::input("screen", Some(json!("previous")), PROFILE, "submit"),
            text::back_label(),
        ));
        for n in flow
            .ui
            .nodes
            .iter_mut()
            .filter(|n| n.group == DEFAULT && n.kind == "input")
        {
            n.attributes.input_type = Some("hidden".into());
        }
        flow.ui.messages.push(text::choose_credential());
        flow.ui.nodes.push(send_code_button());
        nodes::set_csrf(&mut flow.ui.nodes, &token);
    }
    for (k, v) in flatten("traits", &body.traits) {
        match flow.ui.nodes.iter_mut().find(|n| nodes::name(n) == k) {
            Some(n) => {
                n.attributes.value = Some(v);
                n.group = DEFAULT.into();
            }
            None => flow.ui.nodes.push(nodes::input(
                &k,
                Some(v.clone()),
                DEFAULT,
                json_input_type(&v),
            )),
        }
    }
    nodes::sort_registration(
        &mut flow.ui.nodes,
        &state.schema.keys,
        state.version() == KratosVersion::V1_3_1,
    );
    respond_screen(state, store, req, flow, body)
}

/// Saves a profile screen and answers it: 400 flow JSON (with the transient payload), or 303
/// to the UI.
fn respond_screen(
    state: &AppState,
    store: &mut Store,
    req: &Req,
    mut flow: Flow,
    body: &Body,
) -> Response {
    flow.updated_at = state.now();
    store.flows.insert(flow.id, flow.clone());
    if req.is_json() {
        // The flow is written as the strategy left it, with the decoded transient payload.
        let transient = Transient {
            transient_payload: Some(body.transient_payload.clone()),
            ..Transient::default()
        };
        return flows::flow_json(&flow, StatusCode::BAD_REQUEST, transient);
    }
    http::redirect(
        &req.method,
        StatusCode::SEE_OTHER,
        &state.flow_ui_url(&flow),
    )
}

fn is_code_node(n: &Node) -> bool {
    n.group == CODE
}

/// `node.NewInputFieldFromJSON`'s type for a value.
fn json_input_type(v: &Value) -> &'static str {
    match v {
        Value::Number(_) => "number",
        Value::Bool(_) => "checkbox",
        _ => "text",
    }
}
