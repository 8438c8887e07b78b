//! Record types as data: what differs between contacts, accounts, custom objects and email
//! addresses in the Bulk API (spec §5), described once per type so routes, validation and
//! storage read it instead of spelling `contacts` out in each place.
//!
//! Contacts ([`CONTACTS`]) are complete. Accounts ([`ACCOUNTS`]) have their field catalogue,
//! records (REST 1.0), lists, sync actions and exports; email addresses ([`EMAIL_ADDRESSES`])
//! their imports, which are sync action definitions served under `imports`; activities
//! ([`ACTIVITIES`]) their exports. A definition belongs to a record type (a column of every
//! definition table): the same kinds and tables serve all of them, and routes of one record
//! type answer 404 for another's. A new record type touches:
//!
//! 1. this file: a new `const` description, listed in [`RecordType::ALL`];
//! 2. `src/domain/markup`: the statements of its markup root (`{{Account.Field(...)}}`, …);
//! 3. `src/domain/definition`: its identifiers and the destinations its sync actions accept
//!    (the matrix here is what those rules must agree with);
//! 4. `migrations/` and `src/store`: its tables (named here) and the reads and writes on them;
//! 5. `src/engine`: applying its imports and sync actions to those tables;
//! 6. `src/api/definitions`: a `Records` type naming the description and two routes per
//!    definition kind it lists, and `src/api/data.rs` the `…/{id}/data` route of each kind that
//!    stages (the OpenAPI operations, URIs and field checks follow from the description);
//! 7. `src/store/definitions`: its definitions are stored by the kind's existing `StoredKind`,
//!    under the record type's segment (`StoredKind::record_type` says which a definition has);
//!    their CRUD, listing, syncs and discards come with it.

use crate::domain::contact_fields::RecordField;
use crate::domain::definition::{ActionKind, Destination, MemberStatus};
use crate::domain::sync::SyncKind;
use crate::domain::{account_fields, activity, contact_fields};

/// One record type of the Bulk API.
#[derive(Debug, PartialEq, Eq)]
pub struct RecordType {
    /// The singular noun messages use ("the site has no contact field …").
    pub noun: &'static str,
    /// The Bulk path segment (`/api/bulk/2.0/contacts/…`).
    pub segment: &'static str,
    /// The markup root of its statements (`{{Contact.Field(…)}}`).
    pub markup_root: &'static str,
    /// The statements a sync action definition may name as its identifier, in the order
    /// messages list them.
    pub identifiers: &'static [&'static str],
    /// The definition kinds the Bulk API offers for it, each under its own segment.
    pub definitions: &'static [SyncKind],
    /// The segment its sync action definitions live under: `syncActions`, except for email
    /// addresses, whose sync action definitions Eloqua serves as `imports`.
    pub sync_action_segment: &'static str,
    /// What its sync actions may do, per destination (spec §5.5); empty when it has none.
    pub sync_actions: &'static [DestinationRule],
    /// Where its fields are catalogued.
    pub fields: FieldCatalogue,
    /// The prefix of the internal names Eloqua generates for its custom fields (`C_`).
    pub custom_field_prefix: &'static str,
    /// Where its records are stored.
    pub tables: Tables,
}

/// The actions and statuses one kind of destination accepts (a row of spec §5.5).
#[derive(Debug, PartialEq, Eq)]
pub struct DestinationRule {
    /// The destination's markup name (`ContactList`, `DecisionInstance`, …).
    pub destination: &'static str,
    /// The actions it accepts.
    pub actions: &'static [ActionKind],
    /// The statuses `setStatus` may set; empty when it takes no status.
    pub statuses: &'static [MemberStatus],
}

/// Where a record type's fields come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldCatalogue {
    /// The standard contact fields (`contact_fields`) and the site's custom contact fields.
    ContactFields,
    /// The standard account fields (`account_fields`) and the site's custom account fields.
    AccountFields,
    /// The activity fields (`activity`), the same for every site.
    ActivityFields,
}

impl FieldCatalogue {
    /// The standard field with this internal name (compared without regard to case),
    /// whatever the site adds.
    pub fn standard(self, internal_name: &str) -> Option<RecordField> {
        self.standard_fields()
            .into_iter()
            .find(|f| f.internal_name.eq_ignore_ascii_case(internal_name))
    }

    /// Every standard field, in id order.
    pub fn standard_fields(self) -> Vec<RecordField> {
        match self {
            Self::ContactFields => contact_fields::standard_fields(),
            Self::AccountFields => account_fields::standard_fields(),
            Self::ActivityFields => activity::record_fields(),
        }
    }
}

/// The tables holding a record type's records and its custom fields.
#[derive(Debug, PartialEq, Eq)]
pub struct Tables {
    /// One row per record, standard fields as columns.
    pub records: &'static str,
    /// The site's custom field definitions.
    pub custom_fields: &'static str,
    /// Custom field values, one row per record and field.
    pub custom_values: &'static str,
    /// The column of `custom_values` (and of list memberships) naming the record.
    pub record_key: &'static str,
}

/// Contacts (`/contacts`, `{{Contact.…}}`).
pub const CONTACTS: RecordType = {
    use ActionKind::{Add, Remove, SetStatus};
    use MemberStatus::{Active, Complete, Errored, No, Subscribed, Unsubscribed, Yes};
    const fn rule(
        destination: &'static str,
        actions: &'static [ActionKind],
        statuses: &'static [MemberStatus],
    ) -> DestinationRule {
        DestinationRule {
            destination,
            actions,
            statuses,
        }
    }
    RecordType {
        noun: "contact",
        segment: "contacts",
        markup_root: "Contact",
        identifiers: &[
            "{{Contact.Id}}",
            "{{Contact.Field(C_EmailAddress)}}",
            "{{Contact.Field(ContactIDExt)}}",
        ],
        definitions: &[SyncKind::SyncAction, SyncKind::Import, SyncKind::Export],
        sync_action_segment: "syncActions",
        sync_actions: &[
            rule("ContactList", &[Add, Remove], &[]),
            rule("EmailGroup", &[SetStatus], &[Subscribed, Unsubscribed]),
            rule("GlobalSubscribe", &[SetStatus], &[Subscribed, Unsubscribed]),
            rule("ActionInstance", &[SetStatus], &[Active, Complete, Errored]),
            rule("DecisionInstance", &[SetStatus], &[Yes, No, Errored]),
            rule("FeederInstance", &[SetStatus], &[Complete]),
        ],
        fields: FieldCatalogue::ContactFields,
        custom_field_prefix: "C_",
        tables: Tables {
            records: "contacts",
            custom_fields: "contact_custom_fields",
            custom_values: "contact_custom_values",
            record_key: "contact_id",
        },
    }
};

/// Accounts (`/accounts`, `{{Account.…}}`): Eloqua's companies, which contacts belong to.
pub const ACCOUNTS: RecordType = RecordType {
    noun: "account",
    segment: "accounts",
    markup_root: "Account",
    identifiers: &[
        "{{Account.Id}}",
        "{{Account.Field(M_CompanyName)}}",
        "{{Account.Field(CompanyIDExt)}}",
    ],
    definitions: &[SyncKind::SyncAction, SyncKind::Export],
    sync_action_segment: "syncActions",
    sync_actions: &[DestinationRule {
        destination: "AccountList",
        actions: &[ActionKind::Add, ActionKind::Remove],
        statuses: &[],
    }],
    fields: FieldCatalogue::AccountFields,
    custom_field_prefix: "M_",
    tables: Tables {
        records: "accounts",
        custom_fields: "account_custom_fields",
        custom_values: "account_custom_values",
        record_key: "account_id",
    },
};

/// Email addresses (`/emailAddresses/imports`): Eloqua's "import definitions that can only
/// be used with sync actions" (spec §4.5). Each row names an address; the address is
/// recorded whether or not a contact has it, and every present and future contact with it
/// follows its global unsubscribe and bounceback.
pub const EMAIL_ADDRESSES: RecordType = RecordType {
    noun: "email address",
    segment: "emailAddresses",
    markup_root: "Contact",
    identifiers: &["{{Contact.Field(C_EmailAddress)}}"],
    definitions: &[SyncKind::SyncAction],
    sync_action_segment: "imports",
    sync_actions: &[DestinationRule {
        destination: "GlobalSubscribe",
        actions: &[ActionKind::SetStatus],
        statuses: &[MemberStatus::Unsubscribed, MemberStatus::Bounced],
    }],
    fields: FieldCatalogue::ContactFields,
    custom_field_prefix: "C_",
    tables: CONTACTS.tables,
};

/// Activities (`/activities/exports`): exported, never imported or synced; their fields are
/// Eloqua's activity fields, the same for every site.
pub const ACTIVITIES: RecordType = RecordType {
    noun: "activity",
    segment: "activities",
    markup_root: "Activity",
    identifiers: &[],
    definitions: &[SyncKind::Export],
    sync_action_segment: "syncActions",
    sync_actions: &[],
    fields: FieldCatalogue::ActivityFields,
    custom_field_prefix: "",
    tables: Tables {
        records: "activities",
        custom_fields: "",
        custom_values: "",
        record_key: "activity_id",
    },
};

impl RecordType {
    /// Every record type the server offers.
    pub const ALL: &'static [&'static RecordType] =
        &[&CONTACTS, &ACCOUNTS, &EMAIL_ADDRESSES, &ACTIVITIES];

    /// Whether a site may add fields to it (activities have Eloqua's fields only).
    pub fn has_custom_fields(&self) -> bool {
        !self.tables.custom_fields.is_empty()
    }

    /// The path segment of its definitions of `kind` (`/contacts/imports`).
    pub fn kind_segment(&self, kind: SyncKind) -> &'static str {
        match kind {
            SyncKind::SyncAction => self.sync_action_segment,
            other => other.segment(),
        }
    }

    /// The record type at a Bulk path segment.
    pub fn by_segment(segment: &str) -> Option<&'static RecordType> {
        Self::ALL.iter().copied().find(|t| t.segment == segment)
    }

    /// Whether its sync actions may name `destination` (spec §5.5, record-type compatibility).
    pub fn accepts(&self, destination: &Destination) -> bool {
        self.sync_actions
            .iter()
            .any(|rule| rule.destination == destination.name())
    }

    /// The statuses its sync actions may set on `destination`: its own rule's (email
    /// addresses' `{{GlobalSubscribe}}` takes `unsubscribed` and `bounced`), else the
    /// destination's.
    pub fn statuses(&self, destination: &Destination) -> &'static [MemberStatus] {
        self.sync_actions
            .iter()
            .find(|rule| rule.destination == destination.name())
            .map_or_else(|| destination.allowed_statuses(), |rule| rule.statuses)
    }

    /// Whether the Bulk API offers definitions of `kind` for this record type.
    pub fn offers(&self, kind: SyncKind) -> bool {
        self.definitions.contains(&kind)
    }

    /// The URI of one of its definitions, as responses write it (`/contacts/imports/12`).
    pub fn definition_uri(&self, kind: SyncKind, id: i64) -> String {
        format!("/{}/{}/{id}", self.segment, self.kind_segment(kind))
    }

    /// The record type, kind and definition id a `syncedInstanceUri` names
    /// (`/accounts/syncActions/12`; segments matched without regard to case, a trailing slash
    /// allowed); `None` for anything else, including a kind the record type does not offer.
    pub fn parse_definition_uri(uri: &str) -> Option<(&'static RecordType, SyncKind, i64)> {
        let mut parts = uri.trim_end_matches('/').strip_prefix('/')?.split('/');
        let (segment, kind, id) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let record_type = Self::ALL
            .iter()
            .copied()
            .find(|t| t.segment.eq_ignore_ascii_case(segment))?;
        let kind = record_type
            .definitions
            .iter()
            .copied()
            .find(|k| record_type.kind_segment(*k).eq_ignore_ascii_case(kind))?;
        let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
        Some((record_type, kind, id))
    }

    /// The failure text for a field name the site does not have.
    pub fn missing_field(&self, name: &str) -> String {
        format!(
            "There was a missing reference: the site has no {} field {name}.",
            self.noun
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::definition::{Destination, Identifier};
    use crate::domain::markup::InstanceId;

    #[test]
    fn identifiers_are_those_the_definition_rules_accept() {
        for record_type in RecordType::ALL {
            let accepted: Vec<&str> = Identifier::of(record_type).map(|i| i.markup()).collect();
            assert_eq!(record_type.identifiers, accepted.as_slice());
            for identifier in record_type.identifiers {
                let root = format!("{{{{{}.", record_type.markup_root);
                assert!(identifier.starts_with(&root));
            }
        }
    }

    #[test]
    fn contact_matrix_agrees_with_the_destination_rules() {
        let instance = InstanceId::parse("7b1d4e2a0c3f4a5b9d6e8f7a6b5c4d3e").expect("guid");
        let destinations = [
            Destination::ContactList(1),
            Destination::EmailGroup(1),
            Destination::GlobalSubscribe,
            Destination::ActionInstance {
                instance: instance.clone(),
                execution: Some(1),
            },
            Destination::DecisionInstance {
                instance: instance.clone(),
                execution: 1,
            },
            Destination::FeederInstance { instance },
        ];
        assert_eq!(CONTACTS.sync_actions.len(), destinations.len());
        for (rule, destination) in CONTACTS.sync_actions.iter().zip(&destinations) {
            assert!(destination.describe().contains(rule.destination));
            assert_eq!(rule.actions, destination.allowed_actions());
            assert_eq!(rule.statuses, destination.allowed_statuses());
        }
    }

    #[test]
    fn reads_synced_instance_uris() {
        let parse = RecordType::parse_definition_uri;
        assert_eq!(
            parse("/contacts/syncActions/12"),
            Some((&CONTACTS, SyncKind::SyncAction, 12))
        );
        assert_eq!(
            parse("/Contacts/Imports/3/"),
            Some((&CONTACTS, SyncKind::Import, 3))
        );
        assert_eq!(
            parse("/contacts/exports/1"),
            Some((&CONTACTS, SyncKind::Export, 1))
        );
        assert_eq!(
            parse("/accounts/syncActions/4"),
            Some((&ACCOUNTS, SyncKind::SyncAction, 4))
        );
        assert_eq!(
            parse("/emailAddresses/imports/5"),
            Some((&EMAIL_ADDRESSES, SyncKind::SyncAction, 5))
        );
        for bad in [
            "/contacts/syncActions/0",
            "/accounts/imports/1",
            "/emailAddresses/syncActions/1",
            "/widgets/syncActions/1",
            "/contacts/syncActions/x",
            "/contacts/syncActions/1/data",
            "contacts/syncActions/1",
            "12",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        for record_type in RecordType::ALL {
            for kind in record_type.definitions {
                let uri = record_type.definition_uri(*kind, 7);
                assert_eq!(parse(&uri), Some((*record_type, *kind, 7)));
            }
        }
    }

    #[test]
    fn contacts_are_found_by_segment_and_write_definition_uris() {
        assert_eq!(RecordType::by_segment("contacts"), Some(&CONTACTS));
        assert_eq!(RecordType::by_segment("accounts"), Some(&ACCOUNTS));
        assert_eq!(RecordType::by_segment("widgets"), None);
        assert!(CONTACTS.offers(SyncKind::Import));
        assert_eq!(
            CONTACTS.definition_uri(SyncKind::SyncAction, 7),
            "/contacts/syncActions/7"
        );
        assert!(CONTACTS.fields.standard("C_EmailAddress").is_some());
        assert!(ACCOUNTS.fields.standard("M_CompanyName").is_some());
        assert!(ACCOUNTS.fields.standard("C_EmailAddress").is_none());
    }
}
