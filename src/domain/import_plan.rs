//! What a sync of a contact import does: which staged column feeds which contact field under
//! which update rule, how rows find contacts, and the log lines it writes.

use super::contact_fields::{FieldType, RecordField, Storage, standard_field};
use super::definition::{FieldTarget, ImportDefinition, ImportRule, UpdateRule};
use super::elq::{self, Code};
use super::plan::{LogShape, PlannedAction, Tallied, planned_actions};
use super::sync::SyncLog;

/// How an import's identifier finds contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKey {
    /// `{{Contact.Id}}`
    ContactId,
    /// `C_EmailAddress`, without regard to case.
    EmailAddress,
    /// `ContactIDExt`, exactly.
    ContactIdExt,
}

/// Where one column's values go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnTarget {
    /// A column of the contacts table.
    Standard(&'static str),
    /// A custom field, by id.
    Custom(i64),
    /// The global subscription flag.
    IsSubscribed,
    /// The bounce flag.
    IsBounced,
    /// The identifier only (`{{Contact.Id}}`): matched, never written.
    MatchOnly,
    /// The contact's account: the account whose column (`company_name`, `company_id_ext`)
    /// holds the value.
    AccountLink(&'static str),
}

/// One staged column (`v{index}`) and what it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportColumn {
    /// Position in the definition (`import_rows.v{index}`).
    pub index: usize,
    /// The column name clients upload.
    pub name: String,
    /// Where values go.
    pub target: ColumnTarget,
    /// What values must look like.
    pub data_type: FieldType,
    /// How an existing contact's value is treated.
    pub rule: UpdateRule,
}

/// Everything the engine needs to run one import sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPlan {
    /// The identifier column's position and how it matches.
    pub key: (usize, ImportKey),
    /// The `C_EmailAddress` column's position, when mapped (new contacts need it).
    pub email: Option<usize>,
    /// Every mapped column.
    pub columns: Vec<ImportColumn>,
    /// Actions run for every imported contact.
    pub actions: Vec<PlannedAction>,
    /// Update every contact the identifier matches, not only the first (by id).
    pub multiple: bool,
    /// Which rows it writes (`importRule`).
    pub rule: ImportRule,
}

impl ImportPlan {
    /// The plan of `definition` given the site's custom fields (ones it no longer has are skipped).
    pub fn of(definition: &ImportDefinition, custom: &[RecordField]) -> Self {
        let mut columns = Vec::new();
        for (index, field) in definition.fields.iter().enumerate() {
            let (target, data_type) = match &field.target {
                FieldTarget::Id => (ColumnTarget::MatchOnly, FieldType::Numeric),
                FieldTarget::IsSubscribed => (ColumnTarget::IsSubscribed, FieldType::Text),
                FieldTarget::IsBounced => (ColumnTarget::IsBounced, FieldType::Text),
                // Refused by the import rules; a stored definition never has one.
                FieldTarget::CreatedAt
                | FieldTarget::UpdatedAt
                | FieldTarget::EmailFormat
                | FieldTarget::ContactField(_) => continue,
                FieldTarget::AccountField(name) => match account_link(name) {
                    Some(column) => (ColumnTarget::AccountLink(column), FieldType::Text),
                    None => continue,
                },
                FieldTarget::Field(name) => match standard_field(name) {
                    Some(RecordField {
                        storage: Storage::Column(column),
                        data_type,
                        ..
                    }) => (ColumnTarget::Standard(column), data_type),
                    _ => match custom
                        .iter()
                        .find(|c| c.internal_name.eq_ignore_ascii_case(name))
                    {
                        Some(custom) => (ColumnTarget::Custom(custom.id), custom.data_type),
                        None => continue,
                    },
                },
            };
            columns.push(ImportColumn {
                index,
                name: field.column.clone(),
                target,
                data_type,
                rule: definition.rule_for(&field.column),
            });
        }
        let key_index = definition.identifier_index();
        let key = match &definition.fields[key_index].target {
            FieldTarget::Field(name) if name.eq_ignore_ascii_case("ContactIDExt") => {
                ImportKey::ContactIdExt
            }
            FieldTarget::Field(_) => ImportKey::EmailAddress,
            _ => ImportKey::ContactId,
        };
        let email = columns
            .iter()
            .find(|c| c.target == ColumnTarget::Standard("email_address"))
            .map(|c| c.index);
        Self {
            key: (key_index, key),
            email,
            columns,
            actions: planned_actions(&definition.sync_actions),
            multiple: definition.is_updating_multiple_matched_records,
            rule: definition.rule(),
        }
    }

    /// Whether unmatched rows can become new contacts: they need an email address, and the
    /// import must not be `updateOnly`.
    pub fn creates(&self) -> bool {
        self.email.is_some()
            && self.key.1 != ImportKey::ContactId
            && self.rule != ImportRule::UpdateOnly
    }

    /// Whether rows matching an existing contact are rejected (`createOnly`).
    pub fn refuses_existing(&self) -> bool {
        self.rule == ImportRule::CreateOnly
    }
}

/// The accounts column an import's `{{Contact.Account.Field(name)}}` links contacts by:
/// the company name or the external id; `None` for any other account field.
pub fn account_link(name: &str) -> Option<&'static str> {
    if name.eq_ignore_ascii_case("M_CompanyName") {
        Some("company_name")
    } else if name.eq_ignore_ascii_case("CompanyIDExt") {
        Some("company_id_ext")
    } else {
        None
    }
}

/// Why an import row was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportReject {
    /// No identifier value (ELQ-00061).
    Missing,
    /// An invalid email address (ELQ-00002).
    InvalidEmail,
    /// A value of the wrong type for its field (ELQ-00125).
    InvalidValue,
    /// No contact matches and none can be created (ELQ-00085).
    Unmatched,
    /// An earlier row of the sync had the same contact (ELQ-00026).
    Duplicate,
    /// A `createOnly` import's row matched an existing contact (ELQ-00048).
    Exists,
}

impl ImportReject {
    /// Every reason, in log order.
    pub const ALL: [Self; 6] = [
        Self::InvalidEmail,
        Self::InvalidValue,
        Self::Duplicate,
        Self::Exists,
        Self::Missing,
        Self::Unmatched,
    ];

    /// The code on the reject.
    pub fn code(self) -> Code {
        match self {
            Self::Missing => elq::MISSING_FIELDS,
            Self::InvalidEmail => elq::INVALID_EMAIL,
            Self::InvalidValue => elq::CONSTRAINT_FAILED,
            Self::Unmatched => elq::CONTACT_DOES_NOT_EXIST,
            Self::Duplicate => elq::DUPLICATE_IDENTIFIER,
            Self::Exists => elq::CONTACT_EXISTS,
        }
    }

    /// The reason a stored code stands for.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code().code == code)
    }
}

/// What an import sync did, added up over its batches.
pub type ImportTally = Tallied<ImportReject>;

impl ImportTally {
    /// The log of a finished import sync, ending with ELQ-00101.
    pub fn logs(&self, sync_id: i64, plan: &ImportPlan) -> Vec<SyncLog> {
        let counts = [
            (elq::CONTACTS_CREATED, self.created),
            (elq::CONTACTS_UPDATED, self.updated),
        ];
        let shape = LogShape {
            staged: elq::RECORDS_STAGED_FOR_IMPORT,
            needs_rows: true,
            counts: &counts,
            actions: &plan.actions,
            reasons: &ImportReject::ALL,
            code: &ImportReject::code,
        };
        self.log(sync_id, &shape)
    }
}
