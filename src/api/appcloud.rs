//! Loquat's own admin endpoints for AppCloud service instances, under `/api/loquat/1.0`.
//!
//! Eloqua creates instances and executions when a marketer drags an AppCloud step onto a
//! canvas and contacts flow into it; there is no API for that. Tests and demos use these routes
//! to set up what `{{ActionInstance(…).Execution[…]}}` destinations point at, and to read back
//! the member statuses a sync action set.
//!
//! Path segments that cannot name anything (a malformed GUID, a non-integer execution id) are
//! 404s; `/members` of a non-feeder instance is a 404 too, since only feeders hold contacts
//! outside an execution.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::error::{ErrorMessage, FailuresBody};
use super::extract::{Caller, JsonBody, parse_id};
use super::openapi::schemas::{ExecutionInput, InstanceInput, PlacementInput};
use super::rest::{ids, object, required_text, text, unknown_contact};
use super::{ApiError, ApiResult, AppState, no_content};
use crate::domain::appcloud::{Execution, InstanceKind, Member, ServiceInstance};
use crate::domain::markup::{InstanceId, Statement};
use crate::store::StoreError;

/// Routes relative to `/api/loquat/1.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/appcloud/instances",
            get(list_instances).post(create_instance),
        )
        .route(
            "/appcloud/instances/{id}",
            get(read_instance).delete(remove_instance),
        )
        .route(
            "/appcloud/instances/{id}/executions",
            get(list_executions).post(create_execution),
        )
        .route(
            "/appcloud/instances/{id}/executions/{execution_id}",
            get(read_execution),
        )
        .route(
            "/appcloud/instances/{id}/executions/{execution_id}/members",
            get(members).put(place),
        )
        .route(
            "/appcloud/instances/{id}/members",
            get(feeder_members).put(feeder_place),
        )
}

/// The instance a path names and, when it has one, the execution.
#[derive(Debug, Deserialize)]
struct Slot {
    id: String,
    execution_id: Option<String>,
}

impl Slot {
    /// The instance (a malformed GUID names nothing: 404) and the member slot: the execution,
    /// or 0 for a feeder's own members.
    fn parse(&self) -> Result<(InstanceId, i64), ApiError> {
        let instance = self.id.parse().map_err(|_| ApiError::NotFound)?;
        let execution = self.execution_id.as_deref().map(parse_id).transpose()?;
        Ok((instance, execution.unwrap_or(0)))
    }
}

/// `{"items":[…]}`: the whole collection (these are small and unpaged).
#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    /// Every item, oldest first.
    pub items: Vec<T>,
}

/// A service instance.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstanceDto {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Absent for decision instances: they answer per execution, never as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    statement: Option<String>,
    created_by: String,
    created_at: String,
}

impl From<ServiceInstance> for InstanceDto {
    fn from(instance: ServiceInstance) -> Self {
        Self {
            statement: statement(instance.kind, &instance.instance, None),
            id: instance.instance.as_str().to_owned(),
            kind: instance.kind.as_str(),
            name: instance.name,
            created_by: instance.created_by,
            created_at: instance.created_at.to_string(),
        }
    }
}

/// An execution of an action or decision instance.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionDto {
    id: i64,
    instance_id: String,
    member_count: i64,
    statement: Option<String>,
    created_by: String,
    created_at: String,
}

impl ExecutionDto {
    fn new(execution: Execution, kind: InstanceKind) -> Self {
        Self {
            statement: statement(kind, &execution.instance, Some(execution.id)),
            id: execution.id,
            instance_id: execution.instance.as_str().to_owned(),
            member_count: execution.member_count,
            created_by: execution.created_by,
            created_at: execution.created_at.to_string(),
        }
    }
}

/// A contact's status in an execution or feeder.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberDto {
    contact_id: i64,
    status: String,
    updated_at: String,
}

impl From<Member> for MemberDto {
    fn from(member: Member) -> Self {
        Self {
            contact_id: member.contact_id,
            status: member.status,
            updated_at: member.updated_at.to_string(),
        }
    }
}

/// The markup naming an instance, or one of its executions, as sync action destinations do.
fn statement(kind: InstanceKind, instance: &InstanceId, execution: Option<i64>) -> Option<String> {
    let (instance, execution) = (instance.clone(), execution.map(i64::unsigned_abs));
    let statement = match (kind, execution) {
        (InstanceKind::Action, execution) => Statement::ActionInstance {
            instance,
            execution,
        },
        (InstanceKind::Decision, Some(execution)) => Statement::DecisionInstance {
            instance,
            execution,
        },
        (InstanceKind::Decision, None) => return None,
        (InstanceKind::Feeder, _) => Statement::FeederInstance { instance },
    };
    Some(statement.to_string())
}

/// The statuses a member may have in an instance of `kind` (`pending` is where it starts).
fn statuses(kind: InstanceKind) -> &'static [&'static str] {
    match kind {
        InstanceKind::Action | InstanceKind::Feeder => {
            &["pending", "active", "complete", "errored"]
        }
        InstanceKind::Decision => &["pending", "active", "yes", "no", "errored"],
    }
}

fn items<T: Serialize>(items: Vec<T>) -> ApiResult {
    Ok(axum::Json(Items { items }).into_response())
}

/// Registers a service instance.
#[utoipa::path(
    post,
    path = "/api/loquat/1.0/appcloud/instances",
    operation_id = "createInstance",
    tag = "appcloud (Loquat extension)",
    request_body(content = InstanceInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered", body = InstanceDto),
        (status = 400, description = "A bad property, malformed JSON or wrong Content-Type", body = FailuresBody),
        (status = 409, description = "Already registered", body = ErrorMessage),
    )
)]
async fn create_instance(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let obj = object(body)?;
    let raw_id = required_text(&obj, "id", 64)?;
    let instance = InstanceId::parse(&raw_id)
        .map_err(|e| ApiError::invalid("id", e.reason, Some(raw_id.clone())))?;
    let raw_kind = required_text(&obj, "type", 20)?;
    let kind = InstanceKind::parse(&raw_kind);
    let why = "Must be action, decision or feeder.";
    let kind = kind.ok_or_else(|| ApiError::invalid("type", why, Some(raw_kind)))?;
    let name = text(&obj, "name", 100)?;
    let store = state.store.as_ref();
    let created = store.create_instance(who.site.id, &who.user.username, &instance, kind, name);
    let created = created.await.map_err(|e| match e {
        StoreError::Conflict {
            constraint: "appcloud_instances_guid",
        } => ApiError::Conflict(format!(
            "Service instance {instance} is already registered."
        )),
        other => other.into(),
    })?;
    tracing::info!(instance = %instance, kind = kind.as_str(), "registered service instance");
    Ok((StatusCode::CREATED, axum::Json(InstanceDto::from(created))).into_response())
}

/// Lists the site's instances.
#[utoipa::path(
    get,
    path = "/api/loquat/1.0/appcloud/instances",
    operation_id = "listInstances",
    tag = "appcloud (Loquat extension)",
    responses(
        (status = 200, description = "Every instance", body = Items<InstanceDto>),
    )
)]
async fn list_instances(State(state): State<AppState>, Caller(who): Caller) -> ApiResult {
    let instances = state.store.list_instances(who.site.id).await?;
    items(instances.into_iter().map(InstanceDto::from).collect())
}

/// Reads an instance.
#[utoipa::path(
    get,
    path = "/api/loquat/1.0/appcloud/instances/{id}",
    operation_id = "getInstance",
    tag = "appcloud (Loquat extension)",
    params(("id" = String, Path, description = "Instance GUID: 32 hex digits")),
    responses(
        (status = 200, description = "Found", body = InstanceDto),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn read_instance(
    State(state): State<AppState>,
    Caller(who): Caller,
    slot: Path<Slot>,
) -> ApiResult {
    let (instance, _) = slot.parse()?;
    let found = state.store.get_instance(who.site.id, &instance).await?;
    Ok(axum::Json(InstanceDto::from(found)).into_response())
}

#[utoipa::path(
    delete,
    path = "/api/loquat/1.0/appcloud/instances/{id}",
    operation_id = "deleteInstance",
    tag = "appcloud (Loquat extension)",
    params(("id" = String, Path, description = "Instance GUID: 32 hex digits")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
/// Deleting answers 204, as Bulk deletes do.
async fn remove_instance(
    State(state): State<AppState>,
    Caller(who): Caller,
    slot: Path<Slot>,
) -> ApiResult {
    let (instance, _) = slot.parse()?;
    state.store.delete_instance(who.site.id, &instance).await?;
    tracing::info!(instance = %instance, "deleted service instance");
    Ok(no_content())
}

/// Creates an execution holding contacts as pending.
#[utoipa::path(
    post,
    path = "/api/loquat/1.0/appcloud/instances/{id}/executions",
    operation_id = "createExecution",
    tag = "appcloud (Loquat extension)",
    params(("id" = String, Path, description = "Instance GUID: 32 hex digits")),
    request_body(content = ExecutionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = ExecutionDto),
        (status = 400, description = "A feeder instance, an unknown contact, malformed JSON or wrong Content-Type", body = FailuresBody),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn create_execution(
    State(state): State<AppState>,
    Caller(who): Caller,
    slot: Path<Slot>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let (store, site_id, (instance, _)) = (state.store.as_ref(), who.site.id, slot.parse()?);
    let kind = store.get_instance(site_id, &instance).await?.kind;
    if kind == InstanceKind::Feeder {
        let why = "Feeder instances have no executions: PUT …/members to place contacts.";
        return Err(ApiError::invalid("type", why, Some("feeder".into())));
    }
    let contact_ids = ids(&object(body)?, "contactIds")?;
    let created = store.create_execution(site_id, &who.user.username, &instance, &contact_ids);
    let execution = match created.await {
        Err(StoreError::NotFound) => {
            store.get_instance(site_id, &instance).await?;
            let fields = [("contactIds", contact_ids.as_slice())];
            return Err(unknown_contact(store, site_id, &fields).await);
        }
        other => other?,
    };
    let members = contact_ids.len();
    tracing::info!(instance = %instance, execution_id = execution.id, members, "created execution");
    let dto = ExecutionDto::new(execution, kind);
    Ok((StatusCode::CREATED, axum::Json(dto)).into_response())
}

/// Lists an instance's executions.
#[utoipa::path(
    get,
    path = "/api/loquat/1.0/appcloud/instances/{id}/executions",
    operation_id = "listExecutions",
    tag = "appcloud (Loquat extension)",
    params(("id" = String, Path, description = "Instance GUID: 32 hex digits")),
    responses(
        (status = 200, description = "Every execution", body = Items<ExecutionDto>),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn list_executions(
    State(state): State<AppState>,
    Caller(who): Caller,
    slot: Path<Slot>,
) -> ApiResult {
    let (instance, _) = slot.parse()?;
    let kind = state.store.get_instance(who.site.id, &instance).await?.kind;
    let executions = state.store.list_executions(who.site.id, &instance).await?;
    items(
        executions
            .into_iter()
            .map(|e| ExecutionDto::new(e, kind))
            .collect(),
    )
}

/// Reads an execution.
#[utoipa::path(
    get,
    path = "/api/loquat/1.0/appcloud/instances/{id}/executions/{execution_id}",
    operation_id = "getExecution",
    tag = "appcloud (Loquat extension)",
    params(("id" = String, Path, description = "Instance GUID: 32 hex digits"), ("execution_id" = i64, Path, description = "Execution id")),
    responses(
        (status = 200, description = "Found", body = ExecutionDto),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn read_execution(
    State(state): State<AppState>,
    Caller(who): Caller,
    slot: Path<Slot>,
) -> ApiResult {
    let (store, (instance, execution_id)) = (state.store.as_ref(), slot.parse()?);
    let kind = store.get_instance(who.site.id, &instance).await?.kind;
    let execution = store
        .get_execution(who.site.id, &instance, execution_id)
        .await?;
    Ok(axum::Json(ExecutionDto::new(execution, kind)).into_response())
}

#[utoipa::path(
    get,
    path = "/api/loquat/1.0/appcloud/instances/{id}/executions/{execution_id}/members",
    operation_id = "listExecutionMembers",
    tag = "appcloud (Loquat extension)",
    params(("id" = String, Path, description = "Instance GUID: 32 hex digits"), ("execution_id" = i64, Path, description = "Execution id")),
    responses(
        (status = 200, description = "Every member", body = Items<MemberDto>),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
/// The members of an execution, or of a feeder (only feeders hold members outside one).
async fn members(
    State(state): State<AppState>,
    Caller(who): Caller,
    slot: Path<Slot>,
) -> ApiResult {
    let (instance, execution_id) = slot.parse()?;
    let found = state
        .store
        .list_members_of(who.site.id, &instance, execution_id)
        .await?;
    items(found.into_iter().map(MemberDto::from).collect())
}

#[utoipa::path(
    put,
    path = "/api/loquat/1.0/appcloud/instances/{id}/executions/{execution_id}/members",
    operation_id = "setExecutionMembers",
    tag = "appcloud (Loquat extension)",
    params(("id" = String, Path, description = "Instance GUID: 32 hex digits"), ("execution_id" = i64, Path, description = "Execution id")),
    request_body(content = PlacementInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Every member", body = Items<MemberDto>),
        (status = 400, description = "A bad status, an unknown contact, malformed JSON or wrong Content-Type", body = FailuresBody),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
/// Puts contacts into a member slot with a status, answering with the slot's members.
async fn place(
    State(state): State<AppState>,
    Caller(who): Caller,
    slot: Path<Slot>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let (store, site_id, (instance, execution_id)) =
        (state.store.as_ref(), who.site.id, slot.parse()?);
    // A slot that does not exist is a 404 even when the body is also wrong.
    let kind = store.get_instance(site_id, &instance).await?.kind;
    store
        .list_members_of(site_id, &instance, execution_id)
        .await?;
    let (contact_ids, status) = placement(kind, body)?;
    let placed = store.set_members(site_id, &instance, execution_id, &contact_ids, &status);
    if let Err(err) = placed.await {
        if !matches!(err, StoreError::NotFound) {
            return Err(err.into());
        }
        store
            .list_members_of(site_id, &instance, execution_id)
            .await?;
        let fields = [("contactIds", contact_ids.as_slice())];
        return Err(unknown_contact(store, site_id, &fields).await);
    }
    let members = contact_ids.len();
    tracing::info!(instance = %instance, execution_id, members, status, "placed members");
    let found = store
        .list_members_of(site_id, &instance, execution_id)
        .await?;
    items(found.into_iter().map(MemberDto::from).collect())
}

/// Members of a feeder instance (only feeders hold contacts outside an execution).
#[utoipa::path(
    get,
    path = "/api/loquat/1.0/appcloud/instances/{id}/members",
    operation_id = "listFeederMembers",
    tag = "appcloud (Loquat extension)",
    params(("id" = String, Path, description = "Instance GUID: 32 hex digits")),
    responses(
        (status = 200, description = "Every member", body = Items<MemberDto>),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn feeder_members(state: State<AppState>, caller: Caller, slot: Path<Slot>) -> ApiResult {
    members(state, caller, slot).await
}

/// Sets member statuses in a feeder instance.
#[utoipa::path(
    put,
    path = "/api/loquat/1.0/appcloud/instances/{id}/members",
    operation_id = "setFeederMembers",
    tag = "appcloud (Loquat extension)",
    params(("id" = String, Path, description = "Instance GUID: 32 hex digits")),
    request_body(content = PlacementInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Every member", body = Items<MemberDto>),
        (status = 400, description = "A bad status, an unknown contact, malformed JSON or wrong Content-Type", body = FailuresBody),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn feeder_place(
    state: State<AppState>,
    caller: Caller,
    slot: Path<Slot>,
    body: JsonBody,
) -> ApiResult {
    place(state, caller, slot, body).await
}

/// The `contactIds` and `status` of a placement, the status checked against the instance kind.
fn placement(kind: InstanceKind, body: Value) -> Result<(Vec<i64>, String), ApiError> {
    let obj = object(body)?;
    if obj.get("contactIds").is_none_or(Value::is_null) {
        let why = "Required: an array of contact ids.";
        return Err(ApiError::invalid("contactIds", why, None));
    }
    let (contact_ids, status) = (ids(&obj, "contactIds")?, required_text(&obj, "status", 20)?);
    let allowed = statuses(kind);
    if !allowed.contains(&status.as_str()) {
        let why = format!(
            "Must be one of {} for a {} instance.",
            allowed.join(", "),
            kind.as_str()
        );
        return Err(ApiError::invalid("status", why, Some(status)));
    }
    Ok((contact_ids, status))
}
