//! Eloqua status codes (`ELQ-nnnnn`) Loquat writes in sync logs and rejects, with Oracle's
//! message text.

/// A code and its message template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// `ELQ-nnnnn`
    pub code: &'static str,
    /// Oracle's text; `{…}` placeholders are filled by the caller.
    pub message: &'static str,
}

macro_rules! codes {
    ($($name:ident = $code:literal, $message:literal;)*) => {
        $(
            #[doc = $message]
            pub const $name: Code = Code { code: $code, message: $message };
        )*

        /// Every code Loquat writes.
        pub const ALL: &[Code] = &[$($name),*];
    };
}

codes! {
    INVALID_EMAIL = "ELQ-00002", "Invalid email addresses.";
    CONTACTS_CREATED = "ELQ-00004", "Contacts created.";
    CONTACTS_BOUNCED = "ELQ-00016", "Contacts email marked as bounced.";
    CONTACTS_UNSUBSCRIBED = "ELQ-00017", "Contacts email marked as unsubscribed.";
    CONTACTS_UPDATED = "ELQ-00022", "Contacts updated.";
    DUPLICATE_IDENTIFIER = "ELQ-00026", "Duplicate identifier.";
    EMAIL_ADDRESSES_CREATED = "ELQ-00033", "Email addresses created.";
    UNMATCHED = "ELQ-00034", "Total unmatched records.";
    EMAIL_ADDRESSES_UPDATED = "ELQ-00035", "Email addresses updated.";
    EMPTY_RECORDS = "ELQ-00059", "Empty records.";
    TOTAL_REJECTED = "ELQ-00060", "Total rejected records.";
    MISSING_FIELDS = "ELQ-00061", "Rejected records (missing fields).";
    CONTACT_EXISTS = "ELQ-00048", "Contact already exists.";
    CONTACT_DOES_NOT_EXIST = "ELQ-00085", "Contact does not exist.";
    EXPORTED = "ELQ-00102", "Successfully exported members to csv file.";
    SYNC_PROCESSED = "ELQ-00101", "Sync processed for sync {syncId}, resulting in {status} status.";
    FIELD_IGNORED = "ELQ-00111", "Field {field} is not part of import definition, and will be ignored.";
    SUBSCRIBED_TO_GROUP = "ELQ-00115", "Subscribed members to Email Group {groupId}.";
    UNSUBSCRIBED_FROM_GROUP = "ELQ-00116", "Unsubscribed members from Email Group {groupId}.";
    ADDED_TO_ACCOUNT_LIST = "ELQ-00114", "Added members to Account List {listId}.";
    REMOVED_FROM_ACCOUNT_LIST = "ELQ-00117", "Removed members from Account List {listId}.";
    REMOVED_FROM_LIST = "ELQ-00118", "Removed members from Contact List {listId}.";
    ADDED_TO_LIST = "ELQ-00119", "Added members to Contact List {listId}.";
    NO_DATA = "ELQ-00124", "There was no data available to process.";
    CONSTRAINT_FAILED = "ELQ-00125", "Constraint failed.";
    RECORDS_STAGED_FOR_IMPORT = "ELQ-00130", "Total records staged for import.";
    MEMBER_STATUS = "ELQ-00128", "Updated members status to {status} in service instance {instanceML}.";
    STORAGE_EXCEEDED = "ELQ-00136", "Staging area storage limit exceeded.";
    CONTACTS_SUBSCRIBED = "ELQ-00138", "Contacts email marked as subscribed.";
    STAGING_ERROR = "ELQ-00139", "Error staging data for sync actions.";
    RECORDS_STAGED = "ELQ-00140", "Records staged for sync actions.";
    EXPORT_FAILED = "ELQ-00141", "Error when exporting members to csv file.";
    DEFINITION_DELETED = "ELQ-00143", "Sync Recovery Worker could not recover from sync error. {syncProductType} definition for id {syncReferenceId} has been deleted.";
}

/// The message of a code Loquat writes.
pub fn message(code: &str) -> Option<&'static str> {
    ALL.iter().find(|c| c.code == code).map(|c| c.message)
}

/// Most ELQ-00111 lines naming an ignored column that one sync log gets; the rest are counted
/// in one more line. A sync may gather hundreds of thousands of names across its files, and a
/// log line for each only buries the rest of the log.
pub const MAX_IGNORED_FIELD_LINES: usize = 100;

/// The ELQ-00111 lines of a sync that ignored the columns `ignored`, as (message, count): one
/// naming each of the first [`MAX_IGNORED_FIELD_LINES`] (count 0, as Eloqua writes them), then,
/// if there are more, one whose count is how many more.
pub fn ignored_fields(
    ignored: &std::collections::BTreeSet<String>,
) -> impl Iterator<Item = (String, u64)> + '_ {
    let named = ignored
        .iter()
        .take(MAX_IGNORED_FIELD_LINES)
        .map(|field| (FIELD_IGNORED.fill(&[("field", field)]), 0));
    let more = ignored.len().saturating_sub(MAX_IGNORED_FIELD_LINES) as u64;
    let rest = (more > 0).then(|| {
        let message =
            format!("{more} more fields are not part of import definition, and will be ignored.");
        (message, more)
    });
    named.chain(rest)
}

impl Code {
    /// The message with each `(placeholder, value)` filled in.
    pub fn fill(self, values: &[(&str, &str)]) -> String {
        values
            .iter()
            .fold(self.message.to_owned(), |text, (key, value)| {
                text.replace(&format!("{{{key}}}"), value)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_fields_are_named_up_to_the_cap_then_counted() {
        let few: std::collections::BTreeSet<String> = ["A".into()].into();
        assert_eq!(
            ignored_fields(&few).collect::<Vec<_>>(),
            [(
                "Field A is not part of import definition, and will be ignored.".into(),
                0
            )]
        );
        let many = (0..MAX_IGNORED_FIELD_LINES + 5)
            .map(|i| format!("F{i:04}"))
            .collect();
        let lines: Vec<_> = ignored_fields(&many).collect();
        assert_eq!(lines.len(), MAX_IGNORED_FIELD_LINES + 1);
        assert!(lines[0].0.starts_with("Field F0000 "), "{lines:?}");
        let last = lines.last().unwrap();
        assert_eq!(
            last,
            &(
                "5 more fields are not part of import definition, and will be ignored.".into(),
                5
            )
        );
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(
            ADDED_TO_LIST.fill(&[("listId", "12")]),
            "Added members to Contact List 12."
        );
        assert_eq!(
            SYNC_PROCESSED.fill(&[("syncId", "384"), ("status", "Warning")]),
            "Sync processed for sync 384, resulting in Warning status."
        );
    }
}
