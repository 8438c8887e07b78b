//! Contact import definitions (`/contacts/imports`): which uploaded columns feed which contact
//! fields, how contacts are matched and updated, and the sync actions run on every row.

use serde_json::Value;

use super::SyncAction;
use super::columns::{check_field_map, entries_json, insert_durations, named_json};
use super::input::{Entries, ImportDefinitionInput};
use super::lenient::{Lenient, value_text};
use super::rules::{
    Failures, Reported, check_auto_delete, check_flag, check_name, check_retention,
    check_sync_actions, check_text, check_triggered,
};
use crate::domain::duration::IsoDuration;
use crate::domain::failure::Failure;
use crate::domain::markup::{EmailProperty, Statement};
use crate::domain::record_type::{CONTACTS, RecordType};

/// Most `fields` entries an import may map.
const MAX_FIELDS: usize = 100;
/// The default `dataRetentionDuration`.
pub const DEFAULT_RETENTION: &str = "P7D";

/// What an imported column writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldTarget {
    /// `{{Contact.Id}}`: matches contacts, never written.
    Id,
    /// `{{Contact.Field(name)}}`: a standard or custom field, by internal name as written.
    Field(String),
    /// `{{Contact.Email.IsSubscribed}}`: the global subscription.
    IsSubscribed,
    /// `{{Contact.Email.IsBounced}}`: the bounce flag.
    IsBounced,
    /// `{{Contact.CreatedAt}}`: read-only, exports only.
    CreatedAt,
    /// `{{Contact.UpdatedAt}}`: read-only, exports only.
    UpdatedAt,
    /// `{{Contact.Email.Format}}`: the preferred email format; Loquat records none, so it
    /// exports empty. Exports only.
    EmailFormat,
    /// `{{Contact.Account.Field(name)}}`: a standard field of the contact's account; an import
    /// links the contact to the account whose `M_CompanyName` or `CompanyIDExt` it names.
    AccountField(String),
    /// `{{Activity.Contact.Field(name)}}`: a standard field of an activity's contact
    /// (activity exports only).
    ContactField(String),
}

impl FieldTarget {
    /// What `statement` reads or writes on a record of `record_type`; `None` when it names
    /// nothing of that record type.
    pub fn of(record_type: &RecordType, statement: Statement) -> Option<Self> {
        let contact = record_type.markup_root == "Contact";
        Some(match statement {
            Statement::ContactId if contact => Self::Id,
            Statement::RecordField(field) if contact => Self::Field(field.as_str().to_owned()),
            Statement::ContactEmail(EmailProperty::IsSubscribed) if contact => Self::IsSubscribed,
            Statement::ContactEmail(EmailProperty::IsBounced) if contact => Self::IsBounced,
            Statement::ContactEmail(EmailProperty::Format) if contact => Self::EmailFormat,
            Statement::ContactAccountField(field) if contact => {
                Self::AccountField(field.as_str().to_owned())
            }
            Statement::ContactCreatedAt if contact => Self::CreatedAt,
            Statement::ContactUpdatedAt if contact => Self::UpdatedAt,
            Statement::AccountId if !contact => Self::Id,
            Statement::AccountField(field) if !contact => Self::Field(field.as_str().to_owned()),
            Statement::AccountCreatedAt if !contact => Self::CreatedAt,
            Statement::AccountUpdatedAt if !contact => Self::UpdatedAt,
            _ => return None,
        })
    }
}

/// One entry of `fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportField {
    /// The column name uploads use.
    pub column: String,
    /// What it writes.
    pub target: FieldTarget,
    /// The statement as the client sent it (echoed back).
    pub statement: String,
}

/// Which rows an import writes (`importRule`, Oracle's 26B release): matched and new ones,
/// matched ones only, or new ones only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportRule {
    /// `createAndUpdate`: the upsert every import did before the property existed.
    CreateAndUpdate,
    /// `updateOnly`: a row matching no contact is rejected (ELQ-00085), none is created.
    UpdateOnly,
    /// `createOnly`: a row matching an existing contact is rejected (ELQ-00048).
    CreateOnly,
}

impl ImportRule {
    const ALL: [Self; 3] = [Self::CreateAndUpdate, Self::UpdateOnly, Self::CreateOnly];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateAndUpdate => "createAndUpdate",
            Self::UpdateOnly => "updateOnly",
            Self::CreateOnly => "createOnly",
        }
    }

    /// Parses the wire spelling (exact).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// How an import treats an existing contact's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateRule {
    /// Overwrite with the uploaded value, empty included.
    Always,
    /// Overwrite unless the uploaded value is empty.
    IfNewIsNotNull,
    /// Write only where the contact has no value yet.
    IfExistingIsNull,
    /// Per field, from `updateRuleByField` (`always` where a field has none).
    UseFieldRule,
}

impl UpdateRule {
    const ALL: [Self; 4] = [
        Self::Always,
        Self::IfNewIsNotNull,
        Self::IfExistingIsNull,
        Self::UseFieldRule,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::IfNewIsNotNull => "ifNewIsNotNull",
            Self::IfExistingIsNull => "ifExistingIsNull",
            Self::UseFieldRule => "useFieldRule",
        }
    }

    /// Parses the wire spelling (exact).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// A contact import definition that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportDefinition {
    /// Label.
    pub name: String,
    /// Column mappings, in the client's order (1 to 100).
    pub fields: Vec<ImportField>,
    /// The column whose value finds existing contacts.
    pub identifier_field_name: String,
    /// How existing contacts are updated.
    pub update_rule: UpdateRule,
    /// Per-column rules, used with `useFieldRule`.
    pub update_rule_by_field: Vec<(String, UpdateRule)>,
    /// Echoed as sent.
    pub null_identifier_field_name: Option<bool>,
    /// Which rows are written; `None` (not sent, and not echoed) is `createAndUpdate`.
    pub import_rule: Option<ImportRule>,
    /// Whether each upload starts a sync.
    pub is_sync_triggered_on_import: bool,
    /// How long unsynced uploads are kept.
    pub data_retention_duration: IsoDuration,
    /// When the definition deletes itself.
    pub auto_delete_duration: Option<IsoDuration>,
    /// Update every contact an identifier matches (else only the first, by id).
    pub is_updating_multiple_matched_records: bool,
    /// Actions run for every imported contact.
    pub sync_actions: Vec<SyncAction>,
}

impl ImportDefinition {
    /// The position in `fields` of the identifier column.
    pub fn identifier_index(&self) -> usize {
        self.fields
            .iter()
            .position(|f| f.column == self.identifier_field_name)
            .unwrap_or(0)
    }

    /// Which rows it writes.
    pub fn rule(&self) -> ImportRule {
        self.import_rule.unwrap_or(ImportRule::CreateAndUpdate)
    }

    /// The rule for `column`.
    pub fn rule_for(&self, column: &str) -> UpdateRule {
        match self.update_rule {
            UpdateRule::UseFieldRule => self
                .update_rule_by_field
                .iter()
                .find(|(c, _)| c == column)
                .map_or(UpdateRule::Always, |(_, r)| *r),
            other => other,
        }
    }
}

/// Checks an import definition body against every rule and reports all failures.
///
/// # Errors
/// Every broken rule, each naming its JSON path.
pub fn validate_import_definition(body: &Value) -> Result<ImportDefinition, Vec<Failure>> {
    let input: ImportDefinitionInput = super::read_body(body)?;
    let mut f = Failures::default();
    let name = check_name(&input.name, &mut f);
    let fields = check_import_fields(&input.fields, &mut f);
    let columns = fields.as_deref().ok();
    let identifier = check_identifier(&input.identifier_field_name, columns, &mut f);
    let rule = check_update_rule(&input.update_rule, &mut f);
    let import_rule = check_import_rule(&input.import_rule, &mut f);
    let by_field = check_rules_by_field(&input.update_rule_by_field, columns, &mut f);
    let null_identifier = check_flag(
        &input.null_identifier_field_name,
        "nullIdentifierFieldName",
        &mut f,
    );
    let multiple = check_flag(
        &input.is_updating_multiple_matched_records,
        "isUpdatingMultipleMatchedRecords",
        &mut f,
    );
    let triggered = check_triggered(&input.is_sync_triggered_on_import, &mut f);
    let retention = check_retention(&input.data_retention_duration, &mut f, DEFAULT_RETENTION);
    let auto_delete = check_auto_delete(&input.auto_delete_duration, &mut f);
    let sync_actions = check_sync_actions(&input.sync_actions, &mut f, false, &CONTACTS);
    match (
        name,
        fields,
        identifier,
        rule.and_then(|rule| import_rule.map(|import| (rule, import))),
        by_field,
        null_identifier,
        multiple,
        triggered,
        retention,
        auto_delete,
        sync_actions,
    ) {
        (
            Ok(name),
            Ok(fields),
            Ok(identifier),
            Ok((rule, import_rule)),
            Ok(by_field),
            Ok(null_id),
            Ok(multiple),
            Ok(t),
            Ok(r),
            Ok(a),
            Ok(actions),
        ) if f.0.is_empty() => Ok(ImportDefinition {
            name,
            fields,
            identifier_field_name: identifier,
            update_rule: rule,
            update_rule_by_field: by_field,
            null_identifier_field_name: null_id,
            import_rule,
            is_sync_triggered_on_import: t,
            data_retention_duration: r,
            auto_delete_duration: a,
            is_updating_multiple_matched_records: multiple.unwrap_or(false),
            sync_actions: actions,
        }),
        _ => Err(f.0),
    }
}

fn check_import_fields(
    fields: &Lenient<Entries>,
    f: &mut Failures,
) -> Result<Vec<ImportField>, Reported> {
    let checked = check_field_map(fields, &CONTACTS, MAX_FIELDS, true, f)?;
    // The contact's timestamps are the server's to keep; no email format is kept at all.
    let read_only: Vec<_> = checked
        .iter()
        .filter(|(_, target, _)| {
            matches!(
                target,
                FieldTarget::CreatedAt | FieldTarget::UpdatedAt | FieldTarget::EmailFormat
            )
        })
        .map(|(column, _, statement)| (column.clone(), statement.clone()))
        .collect();
    let mut outcome = Ok(());
    for (column, statement) in read_only {
        let why = if statement.contains("Email.Format") {
            "is read-only: Loquat keeps no email format preference to write"
        } else {
            "is read-only: the server keeps a contact's CreatedAt and UpdatedAt"
        };
        outcome = f.fail(format!("fields.{column}"), why, Some(statement));
    }
    // Contacts link to an account by its name or external id, one link per import.
    let mut links = 0;
    for (column, target, statement) in &checked {
        if let FieldTarget::AccountField(name) = target {
            links += 1;
            if crate::domain::import_plan::account_link(name).is_none() {
                outcome = f.fail(
                    format!("fields.{column}"),
                    "an import links contacts to accounts by {{Contact.Account.Field(M_CompanyName)}} or {{Contact.Account.Field(CompanyIDExt)}}",
                    Some(statement.clone()),
                );
            } else if links > 1 {
                outcome = f.fail(
                    format!("fields.{column}"),
                    "an import may link contacts to accounts by one column only",
                    Some(statement.clone()),
                );
            }
        }
    }
    outcome?;
    let fields = checked
        .into_iter()
        .map(|(column, target, statement)| ImportField {
            column,
            target,
            statement,
        });
    Ok(fields.collect())
}

/// The identifier must be a column whose field tells contacts apart.
fn check_identifier(
    name: &Lenient<String>,
    fields: Option<&[ImportField]>,
    f: &mut Failures,
) -> Result<String, Reported> {
    let name = check_text(name, "identifierFieldName", f)?;
    let Some(fields) = fields else {
        return Ok(name.to_owned());
    };
    let unique = |t: &FieldTarget| match t {
        FieldTarget::Id => true,
        FieldTarget::Field(n) => {
            n.eq_ignore_ascii_case("C_EmailAddress") || n.eq_ignore_ascii_case("ContactIDExt")
        }
        _ => false,
    };
    match fields.iter().find(|field| field.column == name) {
        None => f.fail(
            "identifierFieldName",
            "must be one of the column names in fields (ELQ-00112)",
            Some(name.to_owned()),
        ),
        Some(field) if !unique(&field.target) => f.fail(
            "identifierFieldName",
            "must name a column mapped to {{Contact.Id}}, C_EmailAddress or ContactIDExt",
            Some(name.to_owned()),
        ),
        Some(_) => Ok(name.to_owned()),
    }
}

fn check_import_rule(
    rule: &Lenient<String>,
    f: &mut Failures,
) -> Result<Option<ImportRule>, Reported> {
    let names = "must be createAndUpdate, updateOnly or createOnly";
    match rule {
        Lenient::Absent => Ok(None),
        Lenient::Valid(text, _) => ImportRule::parse(text).map_or_else(
            || f.fail("importRule", names, Some(text.clone())),
            |rule| Ok(Some(rule)),
        ),
        Lenient::Invalid(other) => f.fail("importRule", names, Some(value_text(other))),
    }
}

fn check_update_rule(rule: &Lenient<String>, f: &mut Failures) -> Result<UpdateRule, Reported> {
    let names = "always, ifNewIsNotNull, ifExistingIsNull or useFieldRule";
    match rule {
        Lenient::Absent => Ok(UpdateRule::Always),
        Lenient::Valid(text, _) => UpdateRule::parse(text).map_or_else(
            || f.fail("updateRule", format!("must be {names}"), Some(text.clone())),
            Ok,
        ),
        Lenient::Invalid(other) => f.fail(
            "updateRule",
            format!("must be {names}"),
            Some(value_text(other)),
        ),
    }
}

fn check_rules_by_field(
    rules: &Lenient<Entries>,
    fields: Option<&[ImportField]>,
    f: &mut Failures,
) -> Result<Vec<(String, UpdateRule)>, Reported> {
    let entries = match rules {
        Lenient::Absent => return Ok(Vec::new()),
        Lenient::Valid(entries, _) => entries,
        Lenient::Invalid(other) => {
            return f.fail(
                "updateRuleByField",
                "must be an object of column names to update rules",
                Some(value_text(other)),
            );
        }
    };
    let mut rules = Vec::new();
    let mut outcome = Ok(());
    for (column, value) in entries {
        let path = format!("updateRuleByField.{column}");
        let parsed = value
            .as_str()
            .and_then(UpdateRule::parse)
            .filter(|r| *r != UpdateRule::UseFieldRule);
        match parsed {
            None => {
                outcome = f.fail(
                    path,
                    "must be always, ifNewIsNotNull or ifExistingIsNull",
                    Some(value_text(value)),
                )
            }
            Some(_) if fields.is_some_and(|fs| !fs.iter().any(|fd| &fd.column == column)) => {
                outcome = f.fail(path, "must name a column of fields", Some(column.clone()));
            }
            Some(r) => rules.push((column.clone(), r)),
        }
    }
    outcome.map(|()| rules)
}

impl ImportDefinition {
    /// The definition as clients send and read it (without the server's properties), in
    /// Eloqua's order; validating this JSON gives the definition back, so it is also the stored form.
    pub fn to_json(&self) -> Value {
        let fields = self.fields.iter().map(|f| (&f.column, &f.statement));
        let mut obj = named_json(&self.name, fields);
        obj.insert(
            "identifierFieldName".into(),
            self.identifier_field_name.clone().into(),
        );
        obj.insert(
            "syncActions".into(),
            self.sync_actions
                .iter()
                .map(SyncAction::to_json)
                .collect::<Vec<_>>()
                .into(),
        );
        obj.insert(
            "isSyncTriggeredOnImport".into(),
            self.is_sync_triggered_on_import.into(),
        );
        insert_durations(
            &mut obj,
            &self.data_retention_duration,
            self.auto_delete_duration.as_ref(),
        );
        obj.insert("updateRule".into(), self.update_rule.as_str().into());
        if !self.update_rule_by_field.is_empty() {
            let rules = self.update_rule_by_field.iter();
            let rules = rules.map(|(column, rule)| (column, rule.as_str()));
            obj.insert("updateRuleByField".into(), entries_json(rules));
        }
        // Oracle returns importRule only when the definition was written with one.
        if let Some(rule) = self.import_rule {
            obj.insert("importRule".into(), rule.as_str().into());
        }
        if let Some(null_identifier) = self.null_identifier_field_name {
            obj.insert("nullIdentifierFieldName".into(), null_identifier.into());
        }
        obj.insert(
            "isUpdatingMultipleMatchedRecords".into(),
            self.is_updating_multiple_matched_records.into(),
        );
        Value::Object(obj)
    }
}
