//! Contact sync action definitions: the validated shape of a request body and the rules behind it (spec §4.6, §5).
//!
//! Input is JSON the API layer has already parsed; every broken rule becomes a [`Failure`]
//! naming its JSON path, and all of them are reported at once.

mod columns;
mod destination;
mod export;
mod import;
mod input;
mod lenient;
mod rules;
mod sync_action;
mod vocabulary;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_actions;
#[cfg(test)]
mod tests_export;
#[cfg(test)]
mod tests_import;
#[cfg(test)]
mod tests_json;

use serde_json::Value;

use crate::domain::duration::IsoDuration;
use crate::domain::failure::Failure;
use crate::domain::markup::{FieldName, Statement};
use crate::domain::record_type::{ACCOUNTS, CONTACTS, EMAIL_ADDRESSES, RecordType};

pub use destination::{ContainerRef, Destination};
pub use export::{
    DEFAULT_EXPORT_RETENTION, ExportDefinition, ExportField, validate_export_definition,
    validate_export_definition_of,
};
pub use import::{
    DEFAULT_RETENTION, FieldTarget, ImportDefinition, ImportField, ImportRule, UpdateRule,
    validate_import_definition,
};
pub use input::{
    Entries, ExportDefinitionInput, ImportDefinitionInput, SyncActionDefinitionInput,
    SyncActionItem, SyncActionList,
};
use lenient::value_text;
pub use lenient::{Flag, Lenient};
use rules::{
    Failures, check_auto_delete, check_fields, check_identifier_field_name, check_name,
    check_sync_actions, check_triggered,
};
pub use sync_action::SyncAction;
pub use vocabulary::{ActionKind, MemberStatus, UnknownValue};

/// A contact sync action definition that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncActionDefinition {
    /// The definition's label.
    pub name: String,
    /// The single key of `fields`: the column uploaded rows use for the identifier.
    pub field_column: String,
    /// Which contact identifier that column holds.
    pub identifier: Identifier,
    /// The actions to run for every matched contact, in order (1 to 10).
    pub sync_actions: Vec<SyncAction>,
    /// Whether each upload immediately starts a sync; `false` when not sent.
    pub is_sync_triggered_on_import: bool,
    /// When the definition deletes itself; `None` means never.
    pub auto_delete_duration: Option<IsoDuration>,
}

impl SyncActionDefinition {
    /// The containers the actions point at, each with the index of its sync action, so the
    /// caller can check they exist and name `syncActions[i].destination` when one does not.
    /// `{{GlobalSubscribe}}` refers to no container and is left out.
    pub fn referenced_containers(&self) -> Vec<(usize, ContainerRef)> {
        self.sync_actions
            .iter()
            .enumerate()
            .filter_map(|(index, action)| action.destination.container().map(|c| (index, c)))
            .collect()
    }
}

/// "a" or "an" before `noun` in messages.
pub(crate) fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The JSON path of the `index`-th action's destination, as used in [`Failure::field`].
pub fn destination_field(index: usize) -> String {
    format!("syncActions[{index}].destination")
}

/// The identifiers a sync action definition's `fields` value may name (spec §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identifier {
    /// `{{Contact.Id}}`: Eloqua's numeric contact id.
    ContactId,
    /// `{{Contact.Field(C_EmailAddress)}}`: the email address, matched case-insensitively.
    EmailAddress,
    /// `{{Contact.Field(ContactIDExt)}}`: the external contact id.
    ContactIdExt,
    /// `{{Account.Id}}`: Eloqua's numeric account id.
    AccountId,
    /// `{{Account.Field(M_CompanyName)}}`: the company name, matched exactly.
    CompanyName,
    /// `{{Account.Field(CompanyIDExt)}}`: the external account id.
    CompanyIdExt,
    /// `{{Contact.Field(C_EmailAddress)}}` in an email address import: the address itself,
    /// matched case-insensitively against contacts' addresses.
    Address,
}

impl Identifier {
    /// Every identifier of every record type, in the order messages list them.
    pub const ALL: [Identifier; 7] = [
        Self::ContactId,
        Self::EmailAddress,
        Self::ContactIdExt,
        Self::AccountId,
        Self::CompanyName,
        Self::CompanyIdExt,
        Self::Address,
    ];

    /// The identifiers of `record_type`'s sync action definitions.
    pub fn of(record_type: &RecordType) -> impl Iterator<Item = Identifier> + '_ {
        Self::ALL
            .into_iter()
            .filter(move |i| i.record_type() == record_type)
    }

    /// The record type whose records it identifies.
    pub fn record_type(self) -> &'static RecordType {
        match self {
            Self::ContactId | Self::EmailAddress | Self::ContactIdExt => &CONTACTS,
            Self::AccountId | Self::CompanyName | Self::CompanyIdExt => &ACCOUNTS,
            Self::Address => &EMAIL_ADDRESSES,
        }
    }

    /// Whether a value names one record at most (a numeric id or an email address); other
    /// identifiers may match several records, and a sync applies its actions to each.
    pub fn is_unique(self) -> bool {
        matches!(
            self,
            Self::ContactId | Self::EmailAddress | Self::AccountId | Self::Address
        )
    }

    /// The statement exactly as it appears in `fields`.
    pub fn markup(self) -> &'static str {
        match self {
            Self::ContactId => "{{Contact.Id}}",
            Self::EmailAddress | Self::Address => "{{Contact.Field(C_EmailAddress)}}",
            Self::ContactIdExt => "{{Contact.Field(ContactIDExt)}}",
            Self::AccountId => "{{Account.Id}}",
            Self::CompanyName => "{{Account.Field(M_CompanyName)}}",
            Self::CompanyIdExt => "{{Account.Field(CompanyIDExt)}}",
        }
    }

    /// The identifier as a parsed markup statement.
    pub fn statement(self) -> Statement {
        let name = |name| FieldName::parse(name).expect("constant field names are valid");
        match self {
            Self::ContactId => Statement::ContactId,
            Self::EmailAddress | Self::Address => Statement::RecordField(name("C_EmailAddress")),
            Self::ContactIdExt => Statement::RecordField(name("ContactIDExt")),
            Self::AccountId => Statement::AccountId,
            Self::CompanyName => Statement::AccountField(name("M_CompanyName")),
            Self::CompanyIdExt => Statement::AccountField(name("CompanyIDExt")),
        }
    }

    /// The identifier of `record_type` whose [`markup`](Self::markup) is exactly `text` (how
    /// the store keeps it).
    pub fn from_markup(record_type: &RecordType, text: &str) -> Option<Self> {
        Self::of(record_type).find(|i| i.markup() == text)
    }

    /// The identifier of `record_type` a statement names, if it is one of the allowed ones.
    pub fn from_statement(record_type: &RecordType, statement: &Statement) -> Option<Self> {
        Self::of(record_type).find(|i| i.statement() == *statement)
    }
}

/// Checks a contact sync action definition body (see [`validate_sync_action_definition`]).
///
/// # Errors
/// Every broken rule, each naming its JSON path (`name`, `syncActions[1].destination`, …).
pub fn validate_contact_definition(body: &Value) -> Result<SyncActionDefinition, Vec<Failure>> {
    validate_sync_action_definition(&CONTACTS, body)
}

/// Checks a sync action definition body of `record_type` against every rule and reports all
/// failures: its identifier must be one of the record type's and its destinations of kinds
/// the record type's sync actions accept (spec §4.3, §5.5).
///
/// # Errors
/// Every broken rule, each naming its JSON path (`name`, `syncActions[1].destination`, …).
pub fn validate_sync_action_definition(
    record_type: &RecordType,
    body: &Value,
) -> Result<SyncActionDefinition, Vec<Failure>> {
    let input: SyncActionDefinitionInput = read_body(body)?;
    let mut f = Failures::default();
    let name = check_name(&input.name, &mut f);
    let fields = check_fields(&input.fields, record_type, &mut f);
    let column = fields.as_ref().ok().map(|(key, _)| key.as_str());
    let identifier_field =
        check_identifier_field_name(&input.identifier_field_name, column, &mut f);
    let sync_actions = check_sync_actions(&input.sync_actions, &mut f, true, record_type);
    let triggered = check_triggered(&input.is_sync_triggered_on_import, &mut f);
    let auto_delete = check_auto_delete(&input.auto_delete_duration, &mut f);
    match (
        name,
        fields,
        identifier_field,
        sync_actions,
        triggered,
        auto_delete,
    ) {
        (Ok(name), Ok((field_column, Ok(identifier))), Ok(()), Ok(sync_actions), Ok(t), Ok(a))
            if f.0.is_empty() =>
        {
            Ok(SyncActionDefinition {
                name,
                field_column,
                identifier,
                sync_actions,
                is_sync_triggered_on_import: t,
                auto_delete_duration: a,
            })
        }
        // Every `Err(Reported)` pushed a failure, so the list is never empty here.
        _ => Err(f.0),
    }
}

/// Reads a definition body into its input type; the body must be a JSON object.
///
/// # Errors
/// The failure reported for a body that is not an object.
fn read_body<T: serde::de::DeserializeOwned>(body: &Value) -> Result<T, Vec<Failure>> {
    let failure = || {
        let value = Some(value_text(body));
        vec![Failure::new("body", "must be a JSON object", value)]
    };
    if !body.is_object() {
        return Err(failure());
    }
    // Every property is lenient, so any object reads; unknown properties are ignored.
    T::deserialize(body).map_err(|_| failure())
}
