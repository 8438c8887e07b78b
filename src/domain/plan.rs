//! What a sync of a contact sync action definition does: the [`ApplyPlan`] (one set-based
//! effect per action), the reasons a row is rejected, and the log lines a finished sync writes.

use super::definition::{
    ActionKind, Destination, Identifier, MemberStatus, SyncAction, SyncActionDefinition,
};
use super::elq::{self, Code};
use super::markup::InstanceId;
use super::record_type::{ACCOUNTS, CONTACTS, RecordType};

mod tally;

use super::sync::{Severity, SyncLog, SyncStatus};
pub(crate) use tally::LogShape;
pub use tally::{Tallied, final_line};

/// Which members of an AppCloud instance a status applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberTarget {
    /// Contacts of one execution (`…Execution[id]`).
    Execution(i64),
    /// The contact in whichever executions of the instance hold it (`{{ActionInstance(guid)}}`).
    WholeInstance,
    /// A feeder instance's own members.
    Feeder,
}

/// One action as the store applies it to the matched contacts of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Put the records on a list of their record type (a contact list, an account list).
    ListAdd(&'static RecordType, i64),
    /// Take the records off a list of their record type.
    ListRemove(&'static RecordType, i64),
    /// Subscribe (true) or unsubscribe (false) the contacts to an email group.
    GroupStatus(i64, bool),
    /// Set the contacts' global subscription.
    GlobalStatus(bool),
    /// Mark the contacts' email addresses as bounced.
    Bounce,
    /// Set the contacts' status in an AppCloud instance.
    MemberStatus {
        /// The instance.
        instance: InstanceId,
        /// Which members.
        target: MemberTarget,
        /// The status written.
        status: &'static str,
    },
}

/// One planned action with the log line it earns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAction {
    /// What the store does.
    pub effect: Effect,
    /// `updateAll`: after the rows, set every member of the execution.
    pub update_all: bool,
    /// The log line's code and filled-in message.
    pub code: Code,
    /// The message.
    pub message: String,
}

/// What an email address import sets on each address it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressMarks {
    /// Globally unsubscribed (every present and future contact with it).
    pub unsubscribed: bool,
    /// Bounced.
    pub bounced: bool,
}

/// Everything the engine needs to run one sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyPlan {
    /// How uploaded values find contacts.
    pub identifier: Identifier,
    /// The actions, in definition order.
    pub actions: Vec<PlannedAction>,
}

fn id(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl ApplyPlan {
    /// The plan of a definition.
    pub fn of(definition: &SyncActionDefinition) -> Self {
        Self {
            identifier: definition.identifier,
            actions: planned_actions(&definition.sync_actions),
        }
    }

    /// What an email address import records of every address it names, whether or not a
    /// contact has it; `None` for other record types.
    pub fn address_marks(&self) -> Option<AddressMarks> {
        (self.identifier == Identifier::Address).then(|| AddressMarks {
            unsubscribed: self
                .actions
                .iter()
                .any(|a| a.effect == Effect::GlobalStatus(false)),
            bounced: self.actions.iter().any(|a| a.effect == Effect::Bounce),
        })
    }

    /// Whether the sync has work even without rows (an `updateAll` action).
    pub fn works_without_rows(&self) -> bool {
        self.actions.iter().any(|a| a.update_all)
    }
}

/// The effects and log lines of sync actions (of a sync action definition or an import).
pub fn planned_actions(sync_actions: &[SyncAction]) -> Vec<PlannedAction> {
    {
        let actions = sync_actions.iter().map(|action| {
            let status = action.status.map(MemberStatus::as_str).unwrap_or_default();
            let subscribed = action.status == Some(MemberStatus::Subscribed);
            let member = |instance: &InstanceId, target| Effect::MemberStatus {
                instance: instance.clone(),
                target,
                status,
            };
            let (effect, code, values): (Effect, Code, Vec<(&str, String)>) =
                match (&action.destination, action.action) {
                    (Destination::ContactList(list), ActionKind::Remove) => (
                        Effect::ListRemove(&CONTACTS, id(*list)),
                        elq::REMOVED_FROM_LIST,
                        vec![("listId", list.to_string())],
                    ),
                    (Destination::ContactList(list), _) => (
                        Effect::ListAdd(&CONTACTS, id(*list)),
                        elq::ADDED_TO_LIST,
                        vec![("listId", list.to_string())],
                    ),
                    (Destination::AccountList(list), ActionKind::Remove) => (
                        Effect::ListRemove(&ACCOUNTS, id(*list)),
                        elq::REMOVED_FROM_ACCOUNT_LIST,
                        vec![("listId", list.to_string())],
                    ),
                    (Destination::AccountList(list), _) => (
                        Effect::ListAdd(&ACCOUNTS, id(*list)),
                        elq::ADDED_TO_ACCOUNT_LIST,
                        vec![("listId", list.to_string())],
                    ),
                    (Destination::EmailGroup(group), _) => {
                        let code = if subscribed {
                            elq::SUBSCRIBED_TO_GROUP
                        } else {
                            elq::UNSUBSCRIBED_FROM_GROUP
                        };
                        (
                            Effect::GroupStatus(id(*group), subscribed),
                            code,
                            vec![("groupId", group.to_string())],
                        )
                    }
                    (Destination::GlobalSubscribe, _)
                        if action.status == Some(MemberStatus::Bounced) =>
                    {
                        (Effect::Bounce, elq::CONTACTS_BOUNCED, Vec::new())
                    }
                    (Destination::GlobalSubscribe, _) => {
                        let code = if subscribed {
                            elq::CONTACTS_SUBSCRIBED
                        } else {
                            elq::CONTACTS_UNSUBSCRIBED
                        };
                        (Effect::GlobalStatus(subscribed), code, Vec::new())
                    }
                    (
                        Destination::ActionInstance {
                            instance,
                            execution,
                        },
                        _,
                    ) => {
                        let target = execution.map_or(MemberTarget::WholeInstance, |e| {
                            MemberTarget::Execution(id(e))
                        });
                        (
                            member(instance, target),
                            elq::MEMBER_STATUS,
                            vec![
                                ("status", status.to_owned()),
                                ("instanceML", action.destination_markup.clone()),
                            ],
                        )
                    }
                    (
                        Destination::DecisionInstance {
                            instance,
                            execution,
                        },
                        _,
                    ) => (
                        member(instance, MemberTarget::Execution(id(*execution))),
                        elq::MEMBER_STATUS,
                        vec![
                            ("status", status.to_owned()),
                            ("instanceML", action.destination_markup.clone()),
                        ],
                    ),
                    (Destination::FeederInstance { instance }, _) => (
                        member(instance, MemberTarget::Feeder),
                        elq::MEMBER_STATUS,
                        vec![
                            ("status", status.to_owned()),
                            ("instanceML", action.destination_markup.clone()),
                        ],
                    ),
                };
            let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            PlannedAction {
                effect,
                update_all: action.update_all == Some(true),
                message: code.fill(&pairs),
                code,
            }
        });
        actions.collect()
    }
}

/// Why a row was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// The row lacked the identifier column (ELQ-00061).
    Missing,
    /// The row was empty (ELQ-00059).
    Empty,
    /// No record has that identifier (ELQ-00085 for contacts, ELQ-00034 for other record
    /// types, counted under ELQ-00034).
    Unmatched,
    /// The contact was already matched by an earlier row of the sync (ELQ-00026).
    Duplicate,
}

impl RejectReason {
    /// Every reason, in log order.
    pub const ALL: [Self; 4] = [Self::Duplicate, Self::Missing, Self::Empty, Self::Unmatched];

    /// The code written on the reject of a row identified by `identifier`: Eloqua has a
    /// "does not exist" code for contacts only, so other record types' unmatched rows carry
    /// the log line's own ELQ-00034.
    pub fn code_for(self, identifier: Identifier) -> Code {
        match self {
            // An email address import records any address: it rejects only invalid ones.
            Self::Unmatched if identifier == Identifier::Address => elq::INVALID_EMAIL,
            Self::Unmatched if identifier.record_type() != &CONTACTS => elq::UNMATCHED,
            _ => self.code(),
        }
    }

    /// The code written on the reject.
    pub fn code(self) -> Code {
        match self {
            Self::Missing => elq::MISSING_FIELDS,
            Self::Empty => elq::EMPTY_RECORDS,
            Self::Unmatched => elq::CONTACT_DOES_NOT_EXIST,
            Self::Duplicate => elq::DUPLICATE_IDENTIFIER,
        }
    }

    /// The reason a stored code stands for.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code().code == code)
    }
}

/// What a sync action sync did, added up over its batches.
pub type Tally = Tallied<RejectReason>;

impl Tally {
    /// The log of a sync that ran, ending with ELQ-00101; an email address import first
    /// counts the addresses it created and updated.
    pub fn logs(&self, sync_id: i64, plan: &ApplyPlan) -> Vec<SyncLog> {
        let addresses = [
            (elq::EMAIL_ADDRESSES_CREATED, self.created),
            (elq::EMAIL_ADDRESSES_UPDATED, self.updated),
        ];
        let shape = LogShape {
            staged: elq::RECORDS_STAGED,
            needs_rows: !plan.works_without_rows(),
            counts: if plan.address_marks().is_some() {
                &addresses
            } else {
                &[]
            },
            actions: &plan.actions,
            reasons: &RejectReason::ALL,
            code: &|reason: RejectReason| reason.code_for(plan.identifier),
        };
        self.log(sync_id, &shape)
    }
}

/// The log of a sync whose definition was deleted before it ran (ELQ-00143, then ELQ-00101).
pub fn definition_deleted_logs(sync_id: i64, definition_id: i64) -> Vec<SyncLog> {
    deleted_logs(sync_id, "SyncAction", definition_id)
}

/// ELQ-00143 for a deleted definition of `product` (`SyncAction`, `Import`), then ELQ-00101.
pub fn deleted_logs(sync_id: i64, product: &str, definition_id: i64) -> Vec<SyncLog> {
    let message = elq::DEFINITION_DELETED.fill(&[
        ("syncProductType", product),
        ("syncReferenceId", &definition_id.to_string()),
    ]);
    vec![
        SyncLog {
            severity: Severity::Error,
            status_code: elq::DEFINITION_DELETED.code,
            message,
            count: 0,
        },
        final_line(sync_id, SyncStatus::Error),
    ]
}

#[cfg(test)]
mod tests;
