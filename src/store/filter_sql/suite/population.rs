//! The suite's data, created the same way on every backend: through the store's API where it
//! can, then raw statements (shared text in `$n` placeholders) for values the API cannot set
//! and memberships no API would create (the tables keep no foreign keys), to prove the filter
//! checks the site itself.

use super::{ACTION, DECISION, FOREIGN, Facts, guid};
use crate::domain::appcloud::InstanceKind;
use crate::domain::asset::ContactListInput;
use crate::domain::contact::ContactInput;
use crate::domain::contact_fields::FieldType;
use crate::domain::record_type::CONTACTS;
use crate::store::Store;
use crate::store::sql_text::SqlValue;

fn contact(email: &str, first: Option<&str>, last: Option<&str>) -> ContactInput {
    ContactInput {
        email_address: email.to_owned(),
        contact_id_ext: None,
        first_name: first.map(str::to_owned),
        last_name: last.map(str::to_owned),
        is_subscribed: true,
        is_bounced: false,
    }
}

/// Creates two sites; site `a` gets five contacts with known values, custom fields, a list,
/// and action and decision executions; site `b` an outsider, a list and instances of its own.
/// Returns what was created, and the raw statements with their values that complete it.
pub(crate) async fn populate(store: &dyn Store) -> (Facts, Vec<(&'static str, Vec<SqlValue>)>) {
    let site = store.create_site("A").await.unwrap().id;
    let other = store.create_site("B").await.unwrap().id;
    let mut inputs = vec![
        contact("alice@example.com", Some("Alice"), Some("Smith")),
        contact("bob@Example.com", Some("bob"), None),
        contact("carol@test.org", None, Some("Jones")),
        contact("dave_x@example.com", Some("100%"), Some("")),
        contact("erin@other.net", Some("Erin_1"), Some("O'Brien")),
    ];
    inputs[1].is_subscribed = false;
    inputs[2].is_bounced = true;
    let mut ids = Vec::new();
    for input in inputs {
        ids.push(store.create_contact(site, input).await.unwrap().id);
    }
    let outsider = store.create_contact(other, contact("zed@b.com", None, None));
    let outsider = outsider.await.unwrap().id;
    let mut custom = Vec::new();
    for (name, data_type) in [
        ("C_Score1", FieldType::Numeric),
        ("C_Renewal1", FieldType::Date),
        ("C_Notes1", FieldType::LargeText),
    ] {
        let field = store.create_custom_field(site, &CONTACTS, name, name, data_type);
        custom.push(field.await.unwrap());
    }
    let list = |name: &str, members: Vec<i64>| ContactListInput {
        name: name.to_owned(),
        membership_additions: members,
        ..ContactListInput::default()
    };
    let list_a = store.create_list(site, "t", list("A", vec![ids[0], ids[2]]));
    let list_a = list_a.await.unwrap().id;
    let list_b = store.create_list(other, "t", list("B", vec![outsider]));
    let foreign_list = list_b.await.unwrap().id;

    let (action, decision) = (guid(ACTION), guid(DECISION));
    for (instance, kind) in [
        (&action, InstanceKind::Action),
        (&decision, InstanceKind::Decision),
    ] {
        let created = store.create_instance(site, "t", instance, kind, None);
        created.await.unwrap();
    }
    let run = store.create_execution(site, "t", &action, &ids[..3]);
    let action_run = run.await.unwrap().id;
    let run = store.create_execution(site, "t", &decision, &ids[3..]);
    let decision_run = run.await.unwrap().id;
    for (instance, run, members, status) in [
        (&action, action_run, &ids[..1], "complete"),
        (&action, action_run, &ids[1..2], "COMPLETE"),
        (&decision, decision_run, &ids[3..4], "yes"),
        (&decision, decision_run, &ids[4..], "no"),
    ] {
        let set = store.set_members(site, instance, run, members, status);
        set.await.unwrap();
    }
    // Site b has the action's GUID too, and a GUID of its own.
    for text in [ACTION, FOREIGN] {
        let instance = guid(text);
        let created = store.create_instance(other, "t", &instance, InstanceKind::Action, None);
        created.await.unwrap();
    }
    let foreign_run = store
        .create_execution(other, "t", &guid(FOREIGN), &[outsider])
        .await
        .unwrap()
        .id;
    let facts = Facts {
        site,
        custom,
        ids,
        list: list_a,
        foreign_list,
        action_run,
        decision_run,
        foreign_run,
    };
    let raw = raw_statements(&facts, other);
    (facts, raw)
}

/// Values the store's API cannot set, and memberships of site `b`'s list and executions.
fn raw_statements(facts: &Facts, other: i64) -> Vec<(&'static str, Vec<SqlValue>)> {
    let int = |n: i64| SqlValue::Int(Some(n));
    let text = |s: &str| SqlValue::Text(Some(s.to_owned()));
    let [alice, bob, carol, dave, erin] = facts.ids[..] else {
        unreachable!()
    };
    let (score, renewal, notes) = (facts.custom[0].id, facts.custom[1].id, facts.custom[2].id);
    let mut raw = Vec::new();
    for (field, contact, value) in [
        (score, alice, "9"),
        (score, bob, "10"),
        (score, carol, "-2.5"),
        (score, dave, "n/a"),
        (renewal, alice, "2024-05-01"),
        (renewal, bob, "2024-05-01T12:00:00Z"),
        (renewal, carol, "2024-04-30 23:00:00"),
        (renewal, dave, "soon"),
        (notes, alice, "VIP"),
    ] {
        raw.push((
            "INSERT INTO contact_custom_values (field_id, contact_id, value) VALUES ($1, $2, $3)",
            vec![int(field), int(contact), text(value)],
        ));
    }
    for (contact, zip, company) in [
        (alice, "9", "Acme"),
        (bob, "10", "ACME Corp"),
        (erin, "", ""),
    ] {
        raw.push((
            "UPDATE contacts SET zip_postal = $2, company = $3 WHERE id = $1",
            vec![int(contact), text(zip), text(company)],
        ));
    }
    raw.push((
        "INSERT INTO contact_list_members (list_id, contact_id) VALUES ($1, $2)",
        vec![int(facts.foreign_list), int(bob)],
    ));
    raw.push((
        "INSERT INTO appcloud_members (instance_id, execution_id, contact_id, status, updated_at)
         SELECT id, $2, $3, 'complete', 0 FROM appcloud_instances WHERE site_id = $1",
        vec![int(other), int(facts.foreign_run), int(carol)],
    ));
    raw
}
