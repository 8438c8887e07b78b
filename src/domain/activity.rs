//! Activities: the activity types of Eloqua's Bulk API and the fields each exports
//! (`{{Activity.…}}`), as Oracle's activity field reference names them. Extract tools key
//! their rows on these internal names (`ActivityDate`, `ContactId`), so they are spelled
//! exactly as Oracle spells them.

use std::fmt;

use super::contact_fields::{FieldType, RecordField, Storage};

/// An activity type (`activityType`, `'{{Activity.Type}}' = 'EmailOpen'`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityType {
    /// An email was sent to a contact.
    EmailSend,
    /// A contact opened an email.
    EmailOpen,
    /// A contact clicked a link in an email.
    EmailClickthrough,
    /// A contact subscribed (globally or to an email group).
    Subscribe,
    /// A contact unsubscribed (globally or from an email group).
    Unsubscribe,
    /// An email to an address bounced.
    Bounceback,
    /// A visit to a tracked website.
    WebVisit,
    /// One page viewed during a visit.
    PageView,
    /// A form was submitted.
    FormSubmit,
}

impl ActivityType {
    /// Every type, in the order Oracle lists them for `activityType`.
    pub const ALL: [Self; 9] = [
        Self::EmailOpen,
        Self::EmailClickthrough,
        Self::EmailSend,
        Self::Subscribe,
        Self::Unsubscribe,
        Self::Bounceback,
        Self::WebVisit,
        Self::PageView,
        Self::FormSubmit,
    ];

    /// The type's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmailSend => "EmailSend",
            Self::EmailOpen => "EmailOpen",
            Self::EmailClickthrough => "EmailClickthrough",
            Self::Subscribe => "Subscribe",
            Self::Unsubscribe => "Unsubscribe",
            Self::Bounceback => "Bounceback",
            Self::WebVisit => "WebVisit",
            Self::PageView => "PageView",
            Self::FormSubmit => "FormSubmit",
        }
    }

    /// The type named `text`, compared without regard to ASCII case.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The internal names of its fields, in the order Oracle's reference lists them.
    fn field_names(self) -> &'static [&'static str] {
        const SUBSCRIPTION: &[&str] = &[
            "ActivityId",
            "ActivityType",
            "AssetId",
            "ActivityDate",
            "EmailAddress",
            "EmailRecipientId",
            "AssetType",
            "AssetName",
            "CampaignId",
            "ExternalId",
        ];
        match self {
            Self::EmailOpen => &[
                "ActivityId",
                "ActivityType",
                "ActivityDate",
                "EmailAddress",
                "ContactId",
                "IpAddress",
                "VisitorId",
                "EmailRecipientId",
                "AssetType",
                "AssetName",
                "AssetId",
                "SubjectLine",
                "EmailWebLink",
                "VisitorExternalId",
                "CampaignId",
                "ExternalId",
                "DeploymentId",
                "EmailSendType",
                "CampaignResponseDate",
                "CampaignResponseMemberStatus",
            ],
            Self::EmailClickthrough => &[
                "ActivityId",
                "ActivityType",
                "ActivityDate",
                "EmailAddress",
                "ContactId",
                "IpAddress",
                "VisitorId",
                "EmailRecipientId",
                "AssetType",
                "AssetName",
                "AssetId",
                "SubjectLine",
                "EmailWebLink",
                "EmailClickedThruLink",
                "VisitorExternalId",
                "CampaignId",
                "ExternalId",
                "DeploymentId",
                "EmailSendType",
            ],
            Self::EmailSend => &[
                "ActivityId",
                "ActivityType",
                "ActivityDate",
                "EmailAddress",
                "ContactId",
                "EmailRecipientId",
                "AssetType",
                "AssetId",
                "AssetName",
                "SubjectLine",
                "EmailWebLink",
                "CampaignId",
                "ExternalId",
                "DeploymentId",
                "EmailSendType",
            ],
            Self::Subscribe | Self::Unsubscribe => SUBSCRIPTION,
            Self::Bounceback => &[
                "ActivityId",
                "ActivityType",
                "ActivityDate",
                "EmailAddress",
                "ContactId",
                "AssetType",
                "AssetName",
                "AssetId",
                "CampaignId",
                "CRMCampaignId",
                "CampaignName",
                "ExternalId",
                "EmailRecipientId",
                "DeploymentId",
                "SmtpErrorCode",
                "SmtpStatusCode",
                "SmtpMessage",
            ],
            Self::WebVisit => &[
                "ActivityId",
                "ActivityType",
                "ActivityDate",
                "ContactId",
                "VisitorId",
                "VisitorExternalId",
                "ReferrerUrl",
                "IpAddress",
                "NumberOfPages",
                "FirstPageViewUrl",
                "Duration",
                "ExternalId",
            ],
            Self::PageView => &[
                "ActivityId",
                "ActivityType",
                "ActivityDate",
                "ContactId",
                "CampaignId",
                "VisitorId",
                "VisitorExternalId",
                "WebVisitId",
                "Url",
                "ReferrerUrl",
                "IpAddress",
                "IsWebTrackingOptedIn",
                "ExternalId",
            ],
            Self::FormSubmit => &[
                "ActivityId",
                "ActivityType",
                "ActivityDate",
                "ContactId",
                "VisitorId",
                "VisitorExternalId",
                "AssetType",
                "AssetId",
                "AssetName",
                "RawData",
                "CampaignId",
                "ExternalId",
            ],
        }
    }

    /// Its fields, in the order Oracle's reference lists them.
    pub fn fields(self) -> Vec<&'static ActivityField> {
        self.field_names()
            .iter()
            .filter_map(|name| ActivityField::named(name))
            .collect()
    }
}

impl fmt::Display for ActivityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an activity field holds, in the Bulk API's `dataType` vocabulary for activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityDataType {
    /// An integer (ids, counts, durations).
    Number,
    /// Text.
    String,
    /// A date and time.
    Date,
    /// An email address.
    EmailAddress,
    /// True or false.
    Boolean,
}

impl ActivityDataType {
    /// The `dataType` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Number => "number",
            Self::String => "string",
            Self::Date => "date",
            Self::EmailAddress => "emailAddress",
            Self::Boolean => "boolean",
        }
    }
}

/// One activity field: its id (`/activities/fields/{id}`), internal name, display name,
/// type and statement.
#[derive(Debug, PartialEq, Eq)]
pub struct ActivityField {
    /// Field id, Loquat's own.
    pub id: i64,
    /// Internal name, the key of export rows (`ActivityDate`).
    pub internal_name: &'static str,
    /// Display name.
    pub name: &'static str,
    /// What it holds.
    pub data_type: ActivityDataType,
    /// Its statement (`{{Activity.CreatedAt}}`).
    pub statement: &'static str,
    /// The column of `activities` holding it.
    pub column: &'static str,
}

/// Every activity field once, in id order.
const FIELDS: &[ActivityField] = {
    use ActivityDataType::{Boolean, Date, EmailAddress, Number, String};
    const fn f(
        id: i64,
        internal_name: &'static str,
        name: &'static str,
        data_type: ActivityDataType,
        statement: &'static str,
        column: &'static str,
    ) -> ActivityField {
        ActivityField {
            id,
            internal_name,
            name,
            data_type,
            statement,
            column,
        }
    }
    &[
        f(
            1,
            "ActivityId",
            "Activity ID",
            Number,
            "{{Activity.Id}}",
            "id",
        ),
        f(
            2,
            "ActivityType",
            "Activity Type",
            String,
            "{{Activity.Type}}",
            "activity_type",
        ),
        f(
            3,
            "ActivityDate",
            "Activity Date",
            Date,
            "{{Activity.CreatedAt}}",
            "created_at",
        ),
        f(
            4,
            "EmailAddress",
            "Email Address",
            EmailAddress,
            "{{Activity.Field(EmailAddress)}}",
            "email_address",
        ),
        f(
            5,
            "ContactId",
            "Contact ID",
            Number,
            "{{Activity.Contact.Id}}",
            "contact_id",
        ),
        f(
            6,
            "IpAddress",
            "IP Address",
            String,
            "{{Activity.Field(IpAddress)}}",
            "ip_address",
        ),
        f(
            7,
            "VisitorId",
            "Visitor ID",
            Number,
            "{{Activity.Visitor.Id}}",
            "visitor_id",
        ),
        f(
            8,
            "EmailRecipientId",
            "Email Recipient ID",
            String,
            "{{Activity.Field(EmailRecipientId)}}",
            "email_recipient_id",
        ),
        f(
            9,
            "AssetType",
            "Asset Type",
            String,
            "{{Activity.Asset.Type}}",
            "asset_type",
        ),
        f(
            10,
            "AssetName",
            "Asset Name",
            String,
            "{{Activity.Asset.Name}}",
            "asset_name",
        ),
        f(
            11,
            "AssetId",
            "Asset ID",
            Number,
            "{{Activity.Asset.Id}}",
            "asset_id",
        ),
        f(
            12,
            "SubjectLine",
            "Subject Line",
            String,
            "{{Activity.Field(SubjectLine)}}",
            "subject_line",
        ),
        f(
            13,
            "EmailWebLink",
            "Email Web Link",
            String,
            "{{Activity.Field(EmailWebLink)}}",
            "email_web_link",
        ),
        f(
            14,
            "EmailClickedThruLink",
            "Email Clicked Thru Link",
            String,
            "{{Activity.Field(EmailClickedThruLink)}}",
            "email_clicked_thru_link",
        ),
        f(
            15,
            "VisitorExternalId",
            "Visitor External ID",
            String,
            "{{Activity.Visitor.ExternalId}}",
            "visitor_external_id",
        ),
        f(
            16,
            "CampaignId",
            "Campaign ID",
            Number,
            "{{Activity.Campaign.Id}}",
            "campaign_id",
        ),
        f(
            17,
            "ExternalId",
            "External ID",
            String,
            "{{Activity.ExternalId}}",
            "external_id",
        ),
        f(
            18,
            "DeploymentId",
            "Deployment ID",
            Number,
            "{{Activity.Field(EmailDeploymentId)}}",
            "deployment_id",
        ),
        f(
            19,
            "EmailSendType",
            "Email Send Type",
            String,
            "{{Activity.Field(EmailSendType)}}",
            "email_send_type",
        ),
        f(
            20,
            "CampaignResponseDate",
            "Campaign Response Date",
            Date,
            "{{Activity.CampaignResponse.CreatedAt}}",
            "campaign_response_date",
        ),
        f(
            21,
            "CampaignResponseMemberStatus",
            "Campaign Response Member Status",
            String,
            "{{Activity.CampaignResponse.Field(MemberStatus)}}",
            "campaign_response_member_status",
        ),
        f(
            22,
            "CRMCampaignId",
            "CRM Campaign ID",
            String,
            "{{Activity.Campaign.Field(CRMCampaignId)}}",
            "crm_campaign_id",
        ),
        f(
            23,
            "CampaignName",
            "Campaign Name",
            String,
            "{{Activity.Campaign.Field(CampaignName)}}",
            "campaign_name",
        ),
        f(
            24,
            "SmtpErrorCode",
            "SMTP Error Code",
            String,
            "{{Activity.Field(SmtpErrorCode)}}",
            "smtp_error_code",
        ),
        f(
            25,
            "SmtpStatusCode",
            "SMTP Status Code",
            String,
            "{{Activity.Field(SmtpStatusCode)}}",
            "smtp_status_code",
        ),
        f(
            26,
            "SmtpMessage",
            "SMTP Message",
            String,
            "{{Activity.Field(SmtpMessage)}}",
            "smtp_message",
        ),
        f(
            27,
            "ReferrerUrl",
            "Referrer URL",
            String,
            "{{Activity.Field(ReferrerUrl)}}",
            "referrer_url",
        ),
        f(
            28,
            "NumberOfPages",
            "Number of Pages",
            Number,
            "{{Activity.Field(NumberOfPages)}}",
            "number_of_pages",
        ),
        f(
            29,
            "FirstPageViewUrl",
            "First Page View URL",
            String,
            "{{Activity.Field(FirstPageViewUrl)}}",
            "first_page_view_url",
        ),
        f(
            30,
            "Duration",
            "Duration",
            Number,
            "{{Activity.Field(Duration)}}",
            "duration",
        ),
        f(
            31,
            "WebVisitId",
            "Web Visit ID",
            Number,
            "{{Activity.Field(WebVisitId)}}",
            "web_visit_id",
        ),
        f(32, "Url", "URL", String, "{{Activity.Field(Url)}}", "url"),
        f(
            33,
            "IsWebTrackingOptedIn",
            "Is Web Tracking Opted In",
            Boolean,
            "{{Activity.Field(IsWebTrackingOptedIn)}}",
            "is_web_tracking_opted_in",
        ),
        f(
            34,
            "RawData",
            "Raw Data",
            String,
            "{{Activity.Field(RawData)}}",
            "raw_data",
        ),
    ]
};

/// The activity fields as record fields, for exports: each in its column of `activities`,
/// `ActivityDate` a time the server keeps.
pub fn record_fields() -> Vec<RecordField> {
    FIELDS
        .iter()
        .map(|f| RecordField {
            id: f.id,
            internal_name: f.internal_name.to_owned(),
            name: f.name.to_owned(),
            data_type: match f.data_type {
                ActivityDataType::Number => FieldType::Numeric,
                ActivityDataType::Date => FieldType::Date,
                ActivityDataType::EmailAddress => FieldType::EmailAddress,
                ActivityDataType::String | ActivityDataType::Boolean => FieldType::Text,
            },
            storage: if f.column == "created_at" {
                Storage::Timestamp(f.column)
            } else {
                Storage::Column(f.column)
            },
            not_null: matches!(f.column, "id" | "activity_type" | "created_at"),
            unique: f.column == "id",
            created_at: None,
        })
        .collect()
}

impl ActivityField {
    /// The field whose statement is exactly `text` (`{{Activity.Asset.Name}}`).
    pub fn with_statement(text: &str) -> Option<&'static ActivityField> {
        FIELDS.iter().find(|f| f.statement == text)
    }

    /// Every activity field, in id order.
    pub fn all() -> &'static [ActivityField] {
        FIELDS
    }

    /// The field with this internal name (exact, as export rows key on it).
    pub fn named(internal_name: &str) -> Option<&'static ActivityField> {
        FIELDS.iter().find(|f| f.internal_name == internal_name)
    }

    /// The field with this id.
    pub fn by_id(id: i64) -> Option<&'static ActivityField> {
        FIELDS.iter().find(|f| f.id == id)
    }

    /// The activity types that have this field, in [`ActivityType::ALL`] order.
    pub fn activity_types(&self) -> Vec<ActivityType> {
        ActivityType::ALL
            .into_iter()
            .filter(|t| t.field_names().contains(&self.internal_name))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_field_exists_once() {
        for activity_type in ActivityType::ALL {
            let names = activity_type.field_names();
            assert_eq!(activity_type.fields().len(), names.len(), "{activity_type}");
            let mut sorted = names.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), names.len(), "{activity_type} repeats a field");
            for common in ["ActivityId", "ActivityType", "ActivityDate"] {
                assert!(names.contains(&common), "{activity_type} lacks {common}");
            }
        }
        for (index, field) in FIELDS.iter().enumerate() {
            assert_eq!(field.id, i64::try_from(index).unwrap() + 1);
            assert!(
                !field.activity_types().is_empty(),
                "{} is unused",
                field.internal_name
            );
        }
    }

    #[test]
    fn types_parse_without_regard_to_case_and_carry_oracles_names() {
        assert_eq!(
            ActivityType::parse("emailopen"),
            Some(ActivityType::EmailOpen)
        );
        assert_eq!(ActivityType::parse("External"), None);
        let date = ActivityField::named("ActivityDate").unwrap();
        assert_eq!(date.statement, "{{Activity.CreatedAt}}");
        assert_eq!(
            date.activity_types().len(),
            9,
            "every type has ActivityDate"
        );
        let link = ActivityField::named("EmailClickedThruLink").unwrap();
        assert_eq!(link.activity_types(), [ActivityType::EmailClickthrough]);
        assert_eq!(
            ActivityType::Unsubscribe
                .fields()
                .iter()
                .map(|f| f.internal_name)
                .collect::<Vec<_>>(),
            [
                "ActivityId",
                "ActivityType",
                "AssetId",
                "ActivityDate",
                "EmailAddress",
                "EmailRecipientId",
                "AssetType",
                "AssetName",
                "CampaignId",
                "ExternalId"
            ]
        );
    }
}
