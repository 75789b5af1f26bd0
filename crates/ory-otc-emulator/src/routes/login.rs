//! Login with the code method: create (API and browser), get, submit (docs/kratos-protocol.md §1, §3, §4, §6
//! "Login", §11).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ory_otc_protocol::error::id as error_id;
use ory_otc_protocol::flow::{FlowType, State as FlowState};
use ory_otc_protocol::ui::Text;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::config::KratosVersion;
use crate::error::ApiError;
use crate::flows::{self, is_expired, FlowErr};
use crate::http::{self, Fields, Req};
use crate::nodes::{self, CODE, DEFAULT};
use crate::records::{Flow, FlowKind, SessionRec, Store, Transient};
use crate::schema;
use crate::state::AppState;
use crate::text::{self, reason};
use crate::views::{self, ContinueWith, LoginSuccess};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/self-service/login/api", get(create_api))
        .route("/self-service/login/browser", get(create_browser))
        .route("/self-service/login/flows", get(get_flow))
        .route("/self-service/login", get(submit).post(submit))
}

/// A login flow's first screen (`PopulateMethod`, `choose_method`): identifier and "Send sign in
/// code", sorted, then the CSRF node for browser flows (docs/kratos-protocol.md §4 "Login, choose_method").
pub(crate) fn build_flow(state: &AppState, req: &Req, flow_type: FlowType) -> Flow {
    let token = match flow_type {
        FlowType::Browser => state.request_csrf_token(req),
        FlowType::Api => String::new(),
    };
    let mut flow = state.new_flow(FlowKind::Login, flow_type, req, token.clone());
    flow.requested_aal = req.query("aal").to_lowercase();
    if flow.requested_aal.is_empty() {
        flow.requested_aal = "aal1".into();
    }
    if flow.requested_aal == "aal1" {
        flow.ui.nodes = choose_method_nodes(state);
        // The code strategy's `PopulateMethod` sets the CSRF node itself (before the sort, so
        // it sorts first); the handler's `SetCSRF` after the sort then replaces it in place.
        if flow_type == FlowType::Browser {
            nodes::set_csrf(&mut flow.ui.nodes, &token);
        }
    }
    nodes::sort_login(&mut flow.ui.nodes);
    if flow_type == FlowType::Browser {
        nodes::set_csrf(&mut flow.ui.nodes, &token);
    }
    flow
}

fn choose_method_nodes(state: &AppState) -> Vec<ory_otc_protocol::ui::Node> {
    vec![
        nodes::labelled(
            nodes::required(nodes::input("identifier", Some(json!("")), DEFAULT, "text")),
            state.schema.identifier_label(),
        ),
        nodes::labelled(
            nodes::input("method", Some(json!("code")), CODE, "submit"),
            text::login_send_code_label(),
        ),
    ]
}

/// Why a login flow cannot be created.
enum CreateError {
    AlreadyLoggedIn,
    Other(ApiError),
}

/// `NewLoginFlow` (docs/kratos-protocol.md §6 login rows "Flow created", "Session already available: create").
fn create(state: &AppState, req: &Req, flow_type: FlowType) -> Result<Flow, CreateError> {
    let aal = {
        let raw = req.query("aal").to_lowercase();
        if raw.is_empty() {
            "aal1".to_owned()
        } else {
            raw
        }
    };
    if aal != "aal1" && aal != "aal2" {
        return Err(CreateError::Other(ApiError::bad_request(format!(
            "Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, aal2] but got {aal}"
        ))));
    }
    let return_to = req.query("return_to");
    state
        .secure_return_to(Some(&return_to))
        .map_err(CreateError::Other)?;
    let refresh_asked = matches!(
        req.query("refresh").as_str(),
        "true" | "1" | "t" | "T" | "TRUE" | "True"
    );
    let now = state.now();
    let mut store = state.store.lock();
    let session = state.session_from_request(&store, req, now);
    let refresh =
        match &session {
            None if aal == "aal2" => return Err(CreateError::Other(
                ApiError::new(StatusCode::UNAUTHORIZED)
                    .with_id(error_id::SESSION_AAL1_REQUIRED)
                    .with_message("aal2 and aal3 can only be requested if a session exists already")
                    .with_reason(
                        "You can not requested a higher AAL (AAL2/AAL3) without an active session.",
                    ),
            )),
            None => false,
            Some(_) if refresh_asked => true,
            // The session is aal1 (code only), so only an aal2 request upgrades it.
            Some(_) if aal == "aal1" => return Err(CreateError::AlreadyLoggedIn),
            Some(_) => false,
        };
    let mut flow = build_flow(state, req, flow_type);
    flow.refresh = refresh;
    if refresh {
        flow.ui.messages.push(text::login_refresh());
    }
    if aal == "aal2" {
        flow.ui.messages.push(text::login_aal2());
    }
    store.insert_flow(flow.clone(), state.config.max_flows);
    Ok(flow)
}

fn already_logged_in() -> ApiError {
    ApiError::bad_request(reason::LOGIN_ALREADY_LOGGED_IN)
        .with_id(error_id::SESSION_ALREADY_AVAILABLE)
        .with_message("you are already logged in")
}

/// docs/kratos-protocol.md §1 "Create login flow (native)": always JSON.
async fn create_api(State(state): State<AppState>, req: Req) -> Response {
    match create(&state, &req, FlowType::Api) {
        Ok(flow) => {
            let transient = Transient {
                session_token_exchange_code: exchange_code(&req),
                ..Transient::default()
            };
            flows::flow_json(&flow, StatusCode::OK, transient)
        }
        Err(CreateError::AlreadyLoggedIn) => flows::envelope(&req, already_logged_in()),
        Err(CreateError::Other(e)) => flows::envelope(&req, e),
    }
}

/// `return_session_token_exchange_code=true` on an API flow without a session.
fn exchange_code(req: &Req) -> Option<String> {
    matches!(
        req.query("return_session_token_exchange_code").as_str(),
        "true" | "1" | "t" | "T" | "TRUE" | "True"
    )
    .then(|| Uuid::new_v4().simple().to_string())
}

/// docs/kratos-protocol.md §1 "Create login flow (browser)", §2: JSON with a JSON `Accept`, else 303 to the UI;
/// the CSRF cookie is set by the nosurf middleware whatever the outcome.
async fn create_browser(State(state): State<AppState>, req: Req) -> Response {
    match create(&state, &req, FlowType::Browser) {
        Ok(flow) if req.accepts_json() => {
            flows::flow_json(&flow, StatusCode::OK, Transient::default())
        }
        Ok(flow) => http::redirect(
            &req.method,
            StatusCode::SEE_OTHER,
            &state.flow_ui_url(&flow),
        ),
        // docs/kratos-protocol.md §6 login "Session already available: create": browser non-JSON → 303.
        Err(CreateError::AlreadyLoggedIn) if req.accepts_json() => {
            flows::envelope(&req, already_logged_in())
        }
        Err(CreateError::AlreadyLoggedIn) => {
            match state.secure_return_to(Some(&req.query("return_to"))) {
                Ok(to) => http::redirect(&req.method, StatusCode::SEE_OTHER, &to),
                Err(e) => flows::forward_error(&state, &req, e),
            }
        }
        Err(CreateError::Other(e)) => flows::forward_error(&state, &req, e),
    }
}

/// docs/kratos-protocol.md §6 login rows "GET …/flows?id=": unknown or malformed → 404, CSRF first, expired → 410.
async fn get_flow(State(state): State<AppState>, req: Req) -> Response {
    flows::get_flow(&state, &req, FlowKind::Login)
}

/// The decoded code-method body (`updateLoginFlowWithCodeMethod`).
#[derive(Default)]
struct Body {
    identifier: String,
    code: String,
    resend: String,
    csrf_token: String,
    address: String,
    transient_payload: Value,
}

impl Body {
    fn from_fields(f: &Fields) -> Self {
        Body {
            identifier: f.string("identifier").unwrap_or_default(),
            code: f.string("code").unwrap_or_default(),
            resend: f.string("resend").unwrap_or_default(),
            csrf_token: f.string("csrf_token").unwrap_or_default(),
            address: f.string("address").unwrap_or_default(),
            // An object-typed path that is absent decodes as `{}` (decoderx's JSON type hint).
            transient_payload: f
                .object("transient_payload")
                .map(Value::Object)
                .unwrap_or_else(|| json!({})),
        }
    }

    /// `cmp.Or(address, identifier)` as `HandleLoginError` shows it back.
    fn shown_identifier(&self) -> String {
        if self.address.is_empty() {
            self.identifier.clone()
        } else {
            self.address.clone()
        }
    }
}

/// The login schema's validation of the decoded body (`resend` enum, `flow` uuid format).
fn validate(f: &Fields) -> Vec<(String, Text)> {
    let mut errors = Vec::new();
    if let Some(resend) = f.string("resend") {
        if resend != "code" {
            errors.push(("resend".to_owned(), text::generic("value must be \"code\"")));
        }
    }
    if let Some(flow) = f.string("flow") {
        if Uuid::try_parse(&flow).is_err() {
            errors.push((
                "flow".to_owned(),
                text::generic(&format!("\"{flow}\" is not valid \"uuid\"")),
            ));
        }
    }
    if let Some(raw) = f.raw("transient_payload") {
        let is_object = raw.is_object() || f.object("transient_payload").is_some();
        if !is_object && !matches!(&raw, Value::String(s) if s.is_empty()) {
            let actual = if raw.is_string() { "string" } else { "number" };
            errors.push((
                "transient_payload".to_owned(),
                text::wrong_type(&["object"], actual),
            ));
        }
    }
    errors
}

/// docs/kratos-protocol.md §1 "Submit login flow", §11 order: flow id → load → session → expiry → strategy.
async fn submit(State(state): State<AppState>, req: Req) -> Response {
    let Ok(id) = Uuid::parse_str(&req.query("flow")) else {
        return flows::nil_flow_error(
            &state,
            &req,
            ApiError::bad_request(reason::FLOW_ID_MALFORMED),
        );
    };
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
        .filter(|f| f.kind == FlowKind::Login)
        .cloned()
    else {
        // docs/kratos-protocol.md §6 login "Unknown (well-formed) flow id on submit": 404.
        return flows::nil_flow_error(&state, &req, ApiError::not_found_resource());
    };
    let now = state.now();
    let session = state.session_from_request(&store, &req, now);
    match &session {
        // docs/kratos-protocol.md §6 login "Session already available: submit": 4000001 on the flow, or 303.
        Some(_) if !flow.refresh && flow.requested_aal == "aal1" => {
            if req.is_json() || flow.flow_type == FlowType::Api {
                return flows::write_flow_error(
                    &state,
                    &mut store,
                    &req,
                    flow,
                    FlowErr::bad_request(reason::LOGIN_ALREADY_LOGGED_IN),
                );
            }
            return http::redirect(
                &req.method,
                StatusCode::SEE_OTHER,
                &state.urls.default_return,
            );
        }
        None if flow.requested_aal != "aal1" => {
            let err = ApiError::new(StatusCode::UNAUTHORIZED)
                .with_id(error_id::SESSION_AAL1_REQUIRED)
                .with_message("aal2 and aal3 can only be requested if a session exists already")
                .with_reason(
                    "You can not requested a higher AAL (AAL2/AAL3) without an active session.",
                );
            return flows::write_flow_error(&state, &mut store, &req, flow, FlowErr::Api(err));
        }
        _ => {}
    }
    // docs/kratos-protocol.md §8 "An expired flow wins over an expired code": the flow check runs first.
    if is_expired(&flow, now) {
        let expired_at = flow.expires_at;
        return flows::write_flow_error(
            &state,
            &mut store,
            &req,
            flow,
            FlowErr::Expired(expired_at),
        );
    }
    code_strategy(&state, &mut store, &req, flow, session)
}

/// The code strategy's `Login` and the handler's success path.
fn code_strategy(
    state: &AppState,
    store: &mut Store,
    req: &Req,
    mut flow: Flow,
    session: Option<SessionRec>,
) -> Response {
    // Passwordless code login answers aal1 flows only (`CheckAAL`); the password strategy, which
    // Kratos asks first, decodes the body before the code strategy does.
    if flow.requested_aal != "aal1" {
        return flows::write_flow_error(
            state,
            store,
            req,
            flow,
            FlowErr::form(text::login_no_strategy()),
        );
    }
    let fields = match http::decode_fields(req, &["POST", "PUT", "PATCH", "GET"]) {
        Ok(f) => f,
        Err(e) => {
            return flows::write_flow_error(state, store, req, flow, FlowErr::bad_request(&e.0))
        }
    };
    let method = fields.string("method").unwrap_or_default();
    if method == "password" {
        // derived: the password strategy matches the method, finds itself disabled and
        // answers 404 (`flow.MethodEnabledAndAllowed`).
        let err = ApiError::new(StatusCode::NOT_FOUND).with_reason(reason::ENDPOINT_DISABLED);
        return flows::write_flow_error(state, store, req, flow, FlowErr::Api(err));
    }
    if method != "code" {
        // docs/kratos-protocol.md §3: without method=code the strategy is not responsible → 4010002.
        return flows::write_flow_error(
            state,
            store,
            req,
            flow,
            FlowErr::form(text::login_no_strategy()),
        );
    }
    // The second decode accepts POST only and validates against the login schema.
    let mut body = Body::from_fields(&fields);
    if let Err(e) = http::check_second_decode(req, &["POST"]) {
        handle_error(state, req, &mut flow, &body, false);
        return flows::write_flow_error(state, store, req, flow, FlowErr::bad_request(&e.0));
    }
    let invalid = validate(&fields);
    if !invalid.is_empty() {
        handle_error(state, req, &mut flow, &body, false);
        return flows::write_flow_error(state, store, req, flow, FlowErr::Messages(invalid));
    }
    if let Err(e) = flows::ensure_csrf(state, req, flow.flow_type, Some(&body.csrf_token)) {
        handle_error(state, req, &mut flow, &body, false);
        return flows::write_flow_error(state, store, req, flow, e);
    }
    // `SetDefaultFlowState`: a resend starts over from choose_method.
    if body.resend.eq_ignore_ascii_case("code") {
        flow.state = FlowState::ChooseMethod;
    }
    match flow.state {
        FlowState::ChooseMethod => send_code(state, store, req, flow, &body, session.as_ref()),
        FlowState::SentEmail => {
            match verify_code(state, store, &mut flow, &mut body, session.as_ref()) {
                Ok(identity_id) => succeed(state, store, req, flow, identity_id, session),
                Err(e) => {
                    handle_error(state, req, &mut flow, &body, true);
                    flows::write_flow_error(state, store, req, flow, e)
                }
            }
        }
        // docs/kratos-protocol.md §8: in passed_challenge login answers 4010002.
        _ => {
            handle_error(state, req, &mut flow, &body, false);
            flows::write_flow_error(
                state,
                store,
                req,
                flow,
                FlowErr::form(text::login_no_strategy()),
            )
        }
    }
}

/// `HandleLoginError`: the CSRF node for every flow type, the identifier shown back, and in
/// `sent_email` a fresh hidden identifier node (docs/kratos-protocol.md §4 "Node lists on error responses").
fn handle_error(state: &AppState, req: &Req, flow: &mut Flow, body: &Body, hide_identifier: bool) {
    let identifier = body.shown_identifier();
    let token = match flow.flow_type {
        FlowType::Browser => state.request_csrf_token(req),
        FlowType::Api => String::new(),
    };
    nodes::set_csrf(&mut flow.ui.nodes, &token);
    // v1.3.1's `HandleLoginError` upserts the hidden identifier on every error.
    if hide_identifier || state.version() == KratosVersion::V1_3_1 {
        nodes::upsert(
            &mut flow.ui.nodes,
            nodes::input("identifier", Some(json!(identifier)), DEFAULT, "hidden"),
        );
    }
    nodes::set_value(&mut flow.ui.nodes, "identifier", json!(identifier));
}

/// `maybeNormalizeEmail`: lowercase when it looks like an e-mail.
fn maybe_normalize_email(s: &str) -> String {
    if s.contains('@') {
        s.to_lowercase()
    } else {
        s.to_owned()
    }
}

/// `findIdentityForIdentifier`: 4000002 when empty, 4000035 when unknown.
fn find_identity(store: &Store, identifier: &str) -> Result<Uuid, FlowErr> {
    if identifier.is_empty() {
        return Err(FlowErr::field("identifier", text::required("identifier")));
    }
    store
        .by_identifier
        .get(&schema::normalize_email(identifier))
        .copied()
        .ok_or_else(|| FlowErr::form(text::account_not_found()))
}

/// A refresh must stay with the session's identity; v26.2.0 did not check it.
fn refresh_mismatch(
    state: &AppState,
    flow: &Flow,
    session: Option<&SessionRec>,
    identity_id: Uuid,
) -> bool {
    state.version() == KratosVersion::Latest
        && flow.refresh
        && session.is_some_and(|s| s.identity_id != identity_id)
}

/// docs/kratos-protocol.md §6 login "Code sent" / "Account does not exist" / "Empty identifier".
fn send_code(
    state: &AppState,
    store: &mut Store,
    req: &Req,
    mut flow: Flow,
    body: &Body,
    session: Option<&SessionRec>,
) -> Response {
    let identifier = maybe_normalize_email(if body.identifier.is_empty() {
        &body.address
    } else {
        &body.identifier
    });
    let identity_id = match find_identity(store, &identifier) {
        Ok(id) => id,
        Err(e) => {
            handle_error(state, req, &mut flow, body, false);
            return flows::write_flow_error(state, store, req, flow, e);
        }
    };
    // On a refresh the identity is fixed by the session (ory/kratos#4194, after v26.2.0).
    if refresh_mismatch(state, &flow, session, identity_id) {
        handle_error(state, req, &mut flow, body, false);
        return flows::write_flow_error(
            state,
            store,
            req,
            flow,
            FlowErr::form(text::account_not_found()),
        );
    }
    let mut addresses = store
        .identities
        .get(&identity_id)
        .map(|i| i.code_identifiers.clone())
        .unwrap_or_default();
    let wanted = schema::normalize_email(&identifier);
    if addresses.contains(&wanted) {
        addresses = vec![wanted];
    }
    // All earlier codes of the flow are deleted before the new ones are mailed.
    let replaced = std::mem::take(&mut flow.codes);
    flow.codes = addresses
        .iter()
        .map(|a| state.send_code(store, FlowKind::Login, a, Some(identity_id), &replaced))
        .collect();
    flow.state = FlowState::SentEmail;
    sent_email_ui(state, req, &mut flow, &identifier);
    flow.active = Some("code".into());
    flow.updated_at = state.now();
    store.flows.insert(flow.id, flow.clone());
    if req.is_json() {
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

/// `populateEmailSentFlow` for login plus the identifier value (docs/kratos-protocol.md §4 "Login, sent_email").
fn sent_email_ui(state: &AppState, req: &Req, flow: &mut Flow, identifier: &str) {
    let version = state.version();
    let mut fresh: Vec<_> = flow
        .ui
        .nodes
        .iter()
        .filter(|n| matches!(nodes::name(n), "identifier" | "address"))
        .cloned()
        .map(|mut n| {
            n.attributes.input_type = Some("hidden".into());
            n.attributes.name = Some("identifier".into());
            n.messages.clear();
            n
        })
        .collect();
    nodes::upsert(
        &mut fresh,
        nodes::input("method", Some(json!("code")), CODE, "hidden"),
    );
    let mut code = nodes::required(nodes::input("code", None, CODE, "text"));
    if version == KratosVersion::Latest {
        code = nodes::autocomplete(code, "one-time-code");
    }
    nodes::upsert(&mut fresh, nodes::labelled(code, text::login_code_label()));
    fresh.push(nodes::labelled(
        nodes::input("method", Some(json!("code")), CODE, "submit"),
        text::continue_label(),
    ));
    fresh.push(nodes::labelled(
        nodes::input("resend", Some(json!("code")), CODE, "submit"),
        text::resend_code_label(),
    ));
    if flow.flow_type == FlowType::Browser {
        nodes::set_csrf(&mut fresh, &state.request_csrf_token(req));
    }
    nodes::set_value(&mut fresh, "identifier", json!(identifier));
    flow.ui.nodes = fresh;
    flow.ui.messages = vec![text::login_code_sent(
        version,
        flow.refresh || flow.requested_aal == "aal2",
    )];
}

/// `loginVerifyCode` with `UseLoginCode` (docs/kratos-protocol.md §8 "Validation order").
fn verify_code(
    state: &AppState,
    store: &mut Store,
    flow: &mut Flow,
    body: &mut Body,
    session: Option<&SessionRec>,
) -> Result<Uuid, FlowErr> {
    if body.code.is_empty() {
        return Err(FlowErr::field("code", text::required("code")));
    }
    // source notes C1: the body's identifier is replaced by its lowercased form here, so every
    // later error shows the lowercased value in the hidden identifier node.
    body.identifier = maybe_normalize_email(if body.address.is_empty() {
        &body.identifier
    } else {
        &body.address
    });
    let identity_id = find_identity(store, &body.identifier)?;
    if refresh_mismatch(state, flow, session, identity_id) {
        return Err(FlowErr::form(text::account_not_found()));
    }
    // The counter is incremented before anything is checked and never reset (docs/kratos-protocol.md §8).
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
    let Some(pos) = flow
        .codes
        .iter()
        .position(|c| c.hmac == hmac && c.identity_id == Some(identity_id))
    else {
        return Err(FlowErr::form(text::login_code_invalid()));
    };
    let code = flow.codes[pos].clone();
    if code.expires_at < now {
        // docs/kratos-protocol.md §12 "Expired code": inline 4010008 in HEAD, a flow expiry in v26.2.0.
        return Err(match state.version() {
            KratosVersion::Latest => FlowErr::form(text::login_code_invalid()),
            KratosVersion::V26_2_0 | KratosVersion::V1_3_1 => FlowErr::Expired(code.expires_at),
        });
    }
    if code.used {
        return Err(FlowErr::bad_request(reason::CODE_ALREADY_USED));
    }
    flow.codes[pos].used = true;
    flow.state = FlowState::PassedChallenge;
    flow.active = Some("code".into());
    flow.updated_at = now;
    store.flows.insert(flow.id, flow.clone());
    // On success the address the code went to becomes verified (docs/kratos-protocol.md §6 login); v1.3.1
    // verifies it after the answer's session was read, so its answer still shows it pending
    // (recorded): `succeed` does it there.
    if state.version() != KratosVersion::V1_3_1 {
        verify_address(store, identity_id, &code.address, now, true);
    }
    Ok(identity_id)
}

/// Marks an identity's verifiable address verified (v1.3.1 leaves `verified_at` unset).
fn verify_address(
    store: &mut Store,
    identity_id: Uuid,
    address: &str,
    now: time::OffsetDateTime,
    verified_at: bool,
) {
    if let Some(identity) = store.identities.get_mut(&identity_id) {
        if let Some(a) = identity
            .addresses
            .iter_mut()
            .find(|a| a.value == address && !a.verified)
        {
            a.verified = true;
            a.verified_at = verified_at.then_some(now);
            a.status = "completed";
            a.updated_at = now;
        }
    }
}

/// `PostLoginHook` (docs/kratos-protocol.md §6 login "Success" rows, §9).
fn succeed(
    state: &AppState,
    store: &mut Store,
    req: &Req,
    flow: Flow,
    identity_id: Uuid,
    session: Option<SessionRec>,
) -> Response {
    let active = store
        .identities
        .get(&identity_id)
        .is_some_and(|i| i.is_active());
    if !active {
        return disabled_identity(state, store, req, flow, identity_id);
    }
    let return_to = match state.secure_return_to(flow.return_to().as_deref()) {
        Ok(to) => to,
        Err(e) => return flows::write_flow_error(state, store, req, flow, FlowErr::Api(e)),
    };
    // A refresh keeps the session of the same identity; anything else gets a new one.
    let (session, prior_same_identity) = match session.filter(|s| s.identity_id == identity_id) {
        Some(mut s) => {
            s.activate(
                state.now(),
                state.config.session_lifespan,
                state.device(req),
            );
            store.sessions.insert(s.token.clone(), s.clone());
            (s, true)
        }
        None => (state.issue_session(store, identity_id, req), false),
    };
    let session_json = views::session(&state.urls, store, &session);
    if state.version() == KratosVersion::V1_3_1 {
        if let Some(code) = flow.codes.iter().find(|c| c.used) {
            verify_address(
                store,
                identity_id,
                &code.address.clone(),
                state.now(),
                false,
            );
        }
    }
    if flow.flow_type == FlowType::Api {
        // docs/kratos-protocol.md §6 login "Success (API)": `continue_with` is null for a code login.
        let body = LoginSuccess {
            session_token: Some(session.token.clone()),
            session: session_json,
            continue_with: None,
        };
        return http::json(StatusCode::OK, &body);
    }
    // `IssueCookie`: the anti-CSRF token is rotated first, unless the request was signed in
    // as the same identity already, then the session cookie is written.
    let mut cookies = Vec::new();
    if !prior_same_identity {
        cookies.extend(state.rotate_csrf(req));
    }
    cookies.push(state.session_cookie(store, &session));
    let res = if req.is_json() {
        let body = LoginSuccess {
            session_token: None,
            session: session_json,
            continue_with: Some(vec![ContinueWith::RedirectBrowserTo {
                action: "redirect_browser_to",
                redirect_browser_to: return_to,
            }]),
        };
        http::json(StatusCode::OK, &body)
    } else {
        http::redirect(&req.method, StatusCode::SEE_OTHER, &return_to)
    };
    http::with_cookies(res, &cookies)
}

/// docs/kratos-protocol.md §12 "Disabled identity at login": 4010011 on the flow (HEAD), a 401 envelope
/// (v26.2.0).
fn disabled_identity(
    state: &AppState,
    store: &mut Store,
    req: &Req,
    flow: Flow,
    identity_id: Uuid,
) -> Response {
    let err = match state.version() {
        KratosVersion::Latest => ApiError::bad_request("This account was disabled.")
            .with_id("identity_disabled")
            .with_message("identity is disabled")
            .with_detail("identity_id", json!(identity_id.to_string())),
        KratosVersion::V26_2_0 | KratosVersion::V1_3_1 => ApiError::new(StatusCode::UNAUTHORIZED)
            .with_reason("This account was disabled.")
            .with_message("identity is disabled")
            .with_detail("identity_id", json!(identity_id.to_string())),
    };
    flows::write_flow_error(state, store, req, flow, FlowErr::Api(err))
}
