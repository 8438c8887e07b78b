//! The sync action definition a push uploads to: an existing one (`--definition`), or one
//! created from the action flags (`--add-to-list 123 --identifier email` …).

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::args::{ObjectArg, PushArgs, default_column, identifier};
use super::client::Api;
use super::state::DefinitionRef;
use crate::domain::sync::SyncKind;

/// The `syncActions` the flags ask for, in Eloqua's markup (the server refuses those the
/// object does not take, before anything is created).
pub fn actions(args: &PushArgs) -> Vec<Value> {
    let mut actions = Vec::new();
    let list = if args.object == ObjectArg::Accounts {
        "AccountList"
    } else {
        "ContactList"
    };
    for id in &args.add_to_list {
        actions.push(json!({"action": "add", "destination": format!("{{{{{list}[{id}]}}}}")}));
    }
    for id in &args.remove_from_list {
        actions.push(json!({"action": "remove", "destination": format!("{{{{{list}[{id}]}}}}")}));
    }
    let group = |id: &u64, status: &str| json!({"action": "setStatus", "destination": format!("{{{{EmailGroup[{id}]}}}}"), "status": status});
    actions.extend(
        args.subscribe_group
            .iter()
            .map(|id| group(id, "subscribed")),
    );
    actions.extend(
        args.unsubscribe_group
            .iter()
            .map(|id| group(id, "unsubscribed")),
    );
    let global = |status: &str| json!({"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": status});
    if args.global_subscribe {
        actions.push(global("subscribed"));
    }
    if args.global_unsubscribe {
        actions.push(global("unsubscribed"));
    }
    if args.bounce {
        actions.push(global("bounced"));
    }
    actions
}

/// The collection a definition this push creates goes to (`/accounts/syncActions`).
pub fn collection(args: &PushArgs) -> String {
    let record_type = args.object.record_type();
    format!(
        "/{}/{}",
        record_type.segment,
        record_type.kind_segment(SyncKind::SyncAction)
    )
}

/// The body of `POST /contacts/syncActions` (or the object's collection) for the flags.
///
/// # Errors
/// No action flag was given, or an identifier the object has not.
pub fn new_definition(args: &PushArgs) -> anyhow::Result<Value> {
    let actions = actions(args);
    if actions.is_empty() {
        bail!(
            "nothing to do: give --definition URI, or at least one of --add-to-list, --remove-from-list, --subscribe-group, --unsubscribe-group, --global-subscribe, --global-unsubscribe, --bounce"
        );
    }
    let identifier = identifier(args.object, args.identifier)?;
    let column = args
        .column
        .clone()
        .unwrap_or_else(|| default_column(identifier).to_owned());
    let file = args
        .input
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let name = args.name.clone().unwrap_or_else(|| {
        let name = format!("loquat push {file}");
        name.chars().take(100).collect()
    });
    let mut fields = serde_json::Map::new();
    fields.insert(column.clone(), identifier.markup().into());
    let mut body = json!({
        "name": name,
        "fields": Value::Object(fields),
        "identifierFieldName": column,
        "syncActions": actions,
        "isSyncTriggeredOnImport": false,
    });
    if !args.auto_delete.eq_ignore_ascii_case("never") {
        body["autoDeleteDuration"] = Value::String(args.auto_delete.clone());
    }
    Ok(body)
}

/// Reads the definition at `--definition`, or creates one from the flags.
///
/// # Errors
/// The definition does not exist, or the server refuses the new one.
pub async fn prepare(api: &Api, args: &PushArgs) -> anyhow::Result<DefinitionRef> {
    let Some(given) = &args.definition else {
        let body = new_definition(args)?;
        let created = api
            .post_json(&collection(args), &body)
            .await
            .context("creating the sync action definition")?;
        return reference(&created, true);
    };
    let uri = relative_uri(given)?;
    let found = api
        .get(&uri)
        .await
        .with_context(|| format!("reading the definition {uri}"))?;
    let definition = reference(&found, false)?;
    if let Some(column) = &args.column {
        if *column != definition.column {
            bail!(
                "--column {column}: the definition {uri} identifies rows by \"{}\"",
                definition.column
            );
        }
    }
    Ok(definition)
}

fn reference(definition: &Value, created: bool) -> anyhow::Result<DefinitionRef> {
    let text = |key: &str| {
        definition
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("the definition has no {key}"))
    };
    Ok(DefinitionRef {
        uri: text("uri")?,
        column: text("identifierFieldName")?,
        created,
        triggered_on_import: definition
            .get("isSyncTriggeredOnImport")
            .is_some_and(|v| v == &Value::Bool(true) || v == "true"),
    })
}

/// `/contacts/syncActions/12` from that, `contacts/syncActions/12`, or a full URL of it.
fn relative_uri(given: &str) -> anyhow::Result<String> {
    let lower = given.to_ascii_lowercase();
    let rest = match lower.find("/api/bulk/2.0/") {
        Some(at) => &given[at + "/api/bulk/2.0".len()..],
        None => given,
    };
    let uri = format!("/{}", rest.trim_matches('/'));
    if uri.len() < 2 || uri.contains(['?', '#']) {
        bail!("--definition {given}: expected a definition URI such as /contacts/syncActions/12");
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        push: PushArgs,
    }

    fn args(flags: &[&str]) -> PushArgs {
        let mut argv = vec!["push", "in.csv"];
        argv.extend_from_slice(flags);
        Wrapper::parse_from(argv).push
    }

    #[test]
    fn objects_choose_their_collection_identifier_and_lists() {
        let accounts = args(&["--object", "accounts", "--add-to-list", "4"]);
        assert_eq!(collection(&accounts), "/accounts/syncActions");
        let body = new_definition(&accounts).unwrap();
        assert_eq!(
            body["fields"],
            json!({"CompanyName": "{{Account.Field(M_CompanyName)}}"})
        );
        assert_eq!(body["syncActions"][0]["destination"], "{{AccountList[4]}}");
        let by_ext = args(&[
            "--object",
            "accounts",
            "--identifier",
            "external-id",
            "--remove-from-list",
            "4",
        ]);
        assert_eq!(
            new_definition(&by_ext).unwrap()["fields"],
            json!({"CompanyIDExt": "{{Account.Field(CompanyIDExt)}}"})
        );
        let bounces = args(&["--object", "emailAddresses", "--bounce"]);
        assert_eq!(collection(&bounces), "/emailAddresses/imports");
        let body = new_definition(&bounces).unwrap();
        assert_eq!(
            body["syncActions"],
            json!([{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "bounced"}])
        );
        assert_eq!(body["identifierFieldName"], "EmailAddress");
        let wrong = args(&[
            "--object",
            "accounts",
            "--identifier",
            "email",
            "--add-to-list",
            "4",
        ]);
        let error = new_definition(&wrong).unwrap_err().to_string();
        assert!(error.contains("accounts are identified by"), "{error}");
    }

    #[test]
    fn flags_become_eloqua_markup() {
        let body = new_definition(&args(&[
            "--add-to-list",
            "123",
            "--unsubscribe-group",
            "7",
            "--identifier",
            "external-id",
        ]))
        .unwrap();
        assert_eq!(
            body,
            json!({
                "name": "loquat push in.csv",
                "fields": {"ContactIDExt": "{{Contact.Field(ContactIDExt)}}"},
                "identifierFieldName": "ContactIDExt",
                "syncActions": [
                    {"action": "add", "destination": "{{ContactList[123]}}"},
                    {"action": "setStatus", "destination": "{{EmailGroup[7]}}", "status": "unsubscribed"},
                ],
                "isSyncTriggeredOnImport": false,
                "autoDeleteDuration": "P7D",
            })
        );
        let by_id = new_definition(&args(&[
            "--subscribe-group",
            "2",
            "--identifier",
            "id",
            "--auto-delete",
            "never",
        ]))
        .unwrap();
        assert_eq!(by_id["fields"], json!({"ContactId": "{{Contact.Id}}"}));
        assert!(by_id.get("autoDeleteDuration").is_none());
        assert!(new_definition(&args(&[])).is_err());
    }

    #[test]
    fn definition_uris_are_made_relative() {
        for given in [
            "/contacts/syncActions/12",
            "contacts/syncActions/12/",
            "https://h.example/API/Bulk/2.0/contacts/syncActions/12",
        ] {
            assert_eq!(relative_uri(given).unwrap(), "/contacts/syncActions/12");
        }
        assert!(relative_uri("/").is_err());
    }
}
