use serde_json::json;

use super::*;
use crate::domain::definition::validate_contact_definition;
use crate::domain::record_type::CONTACTS;

fn plan(actions: serde_json::Value) -> ApplyPlan {
    let body = json!({
        "name": "n",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
        "identifierFieldName": "Email",
        "syncActions": actions,
    });
    ApplyPlan::of(&validate_contact_definition(&body).expect("valid"))
}

#[test]
fn each_destination_becomes_one_effect_with_its_log_line() {
    let guid = "da6ed61da73441dba1349582a4fa8a2c";
    let p = plan(json!([
        {"action": "add", "destination": "{{ContactList[12]}}"},
        {"action": "remove", "destination": "{{ContactList[13]}}"},
        {"action": "setStatus", "destination": "{{EmailGroup[7]}}", "status": "unsubscribed"},
        {"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"},
        {"action": "setStatus", "destination": format!("{{{{DecisionInstance({guid}).Execution[5]}}}}"), "status": "yes", "updateAll": true},
    ]));
    let effects: Vec<_> = p.actions.iter().map(|a| a.effect.clone()).collect();
    assert_eq!(
        effects[..4],
        [
            Effect::ListAdd(&CONTACTS, 12),
            Effect::ListRemove(&CONTACTS, 13),
            Effect::GroupStatus(7, false),
            Effect::GlobalStatus(true)
        ]
    );
    assert!(matches!(
        &effects[4],
        Effect::MemberStatus {
            target: MemberTarget::Execution(5),
            status: "yes",
            ..
        }
    ));
    let messages: Vec<_> = p
        .actions
        .iter()
        .map(|a| (a.code.code, a.message.as_str()))
        .collect();
    assert_eq!(
        messages[0],
        ("ELQ-00119", "Added members to Contact List 12.")
    );
    assert_eq!(
        messages[1],
        ("ELQ-00118", "Removed members from Contact List 13.")
    );
    assert_eq!(
        messages[2],
        ("ELQ-00116", "Unsubscribed members from Email Group 7.")
    );
    assert_eq!(
        messages[3],
        ("ELQ-00138", "Contacts email marked as subscribed.")
    );
    assert_eq!(
        messages[4].1,
        format!(
            "Updated members status to yes in service instance {{{{DecisionInstance({guid}).Execution[5]}}}}."
        )
    );
    assert!(p.works_without_rows());
}

#[test]
fn a_sync_with_rejects_logs_each_reason_and_ends_in_warning() {
    let p = plan(json!([{"action": "add", "destination": "{{ContactList[12]}}"}]));
    let mut tally = Tally {
        rows: 3,
        per_action: vec![2],
        ..Tally::default()
    };
    tally.reject(RejectReason::Unmatched, 1);
    let logs = tally.logs(384, &p);
    let lines: Vec<_> = logs
        .iter()
        .map(|l| (l.status_code, l.count, l.severity))
        .collect();
    assert_eq!(
        lines,
        [
            ("ELQ-00140", 3, Severity::Information),
            ("ELQ-00119", 2, Severity::Information),
            ("ELQ-00034", 1, Severity::Warning),
            ("ELQ-00060", 1, Severity::Warning),
            ("ELQ-00101", 0, Severity::Information),
        ]
    );
    assert_eq!(
        logs[4].message,
        "Sync processed for sync 384, resulting in Warning status."
    );
    assert_eq!(tally.outcome(), SyncStatus::Warning);
}

#[test]
fn a_sync_without_rows_reports_no_data_and_succeeds() {
    let p = plan(json!([{"action": "add", "destination": "{{ContactList[12]}}"}]));
    let mut tally = Tally {
        per_action: vec![0],
        ..Tally::default()
    };
    tally.ignored_columns.insert("Extra".into());
    let codes: Vec<_> = tally.logs(1, &p).iter().map(|l| l.status_code).collect();
    assert_eq!(codes, ["ELQ-00140", "ELQ-00111", "ELQ-00124", "ELQ-00101"]);
    assert_eq!(tally.outcome(), SyncStatus::Success);
}

#[test]
fn a_deleted_definition_ends_in_error_with_elq_00143() {
    let logs = definition_deleted_logs(9, 635);
    assert_eq!(logs[0].status_code, "ELQ-00143");
    assert!(
        logs[0]
            .message
            .ends_with("SyncAction definition for id 635 has been deleted.")
    );
    assert_eq!(
        logs[1].message,
        "Sync processed for sync 9, resulting in Error status."
    );
}
