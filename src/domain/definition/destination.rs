//! Sync action destinations, the containers they refer to, and which actions and statuses each accepts (spec §5.5).

use super::vocabulary::{ActionKind, MemberStatus};
use crate::domain::appcloud::InstanceKind;
use crate::domain::markup::{InstanceId, Statement};

/// The object a contact sync action works on; the subset of [`Statement`]s valid as a destination.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Destination {
    /// `{{ContactList[id]}}`
    ContactList(u64),
    /// `{{AccountList[id]}}`
    AccountList(u64),
    /// `{{EmailGroup[id]}}`
    EmailGroup(u64),
    /// `{{GlobalSubscribe}}`: the contact's global subscription.
    GlobalSubscribe,
    /// `{{ActionInstance(guid)}}` with an optional `.Execution[id]`.
    ActionInstance {
        /// The AppCloud action service instance.
        instance: InstanceId,
        /// The canvas execution, if the action answers for one.
        execution: Option<u64>,
    },
    /// `{{DecisionInstance(guid).Execution[id]}}`
    DecisionInstance {
        /// The AppCloud decision service instance.
        instance: InstanceId,
        /// The canvas execution the decision answers for.
        execution: u64,
    },
    /// `{{FeederInstance(guid)}}`
    FeederInstance {
        /// The AppCloud feeder service instance.
        instance: InstanceId,
    },
}

/// An object a destination refers to, which the API checks exists before accepting a definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContainerRef {
    /// A contact list by id.
    ContactList(u64),
    /// An account list by id.
    AccountList(u64),
    /// An email group by id.
    EmailGroup(u64),
    /// An AppCloud service instance, optionally one execution of it.
    AppCloudInstance {
        /// Which kind of AppCloud service.
        kind: InstanceKind,
        /// The service instance.
        instance: InstanceId,
        /// The canvas execution, when the destination names one.
        execution: Option<u64>,
    },
}

/// Converts between the destinations and the statements of the same name and fields, both ways.
macro_rules! mirror_statements {
    ($($variant:ident $(($id:ident))? $({ $($field:ident),+ })?),+ $(,)?) => {
        impl Destination {
            /// The destination a statement names; `None` for statements that are not destinations.
            pub fn from_statement(statement: Statement) -> Option<Self> {
                Some(match statement {
                    $(Statement::$variant $(($id))? $({ $($field),+ })?
                        => Self::$variant $(($id))? $({ $($field),+ })?,)+
                    Statement::ContactId
                    | Statement::ContactCreatedAt
                    | Statement::ContactUpdatedAt
                    | Statement::RecordField(_)
                    | Statement::ContactEmail(_)
                    | Statement::ContactAccountField(_)
                    | Statement::AccountId
                    | Statement::AccountCreatedAt
                    | Statement::AccountUpdatedAt
                    | Statement::AccountField(_) => {
                        return None;
                    }
                })
            }

            /// The destination as a markup statement (render it for canonical text).
            pub fn statement(&self) -> Statement {
                match self.clone() {
                    $(Self::$variant $(($id))? $({ $($field),+ })?
                        => Statement::$variant $(($id))? $({ $($field),+ })?,)+
                }
            }
        }
    };
}

mirror_statements! {
    ContactList(id),
    AccountList(id),
    EmailGroup(id),
    GlobalSubscribe,
    ActionInstance { instance, execution },
    DecisionInstance { instance, execution },
    FeederInstance { instance },
}

impl Destination {
    /// The actions this destination accepts (spec §5.5).
    pub fn allowed_actions(&self) -> &'static [ActionKind] {
        match self {
            Self::ContactList(_) | Self::AccountList(_) => &[ActionKind::Add, ActionKind::Remove],
            _ => &[ActionKind::SetStatus],
        }
    }

    /// The statuses `setStatus` may set on this destination; empty for lists (spec §5.5).
    pub fn allowed_statuses(&self) -> &'static [MemberStatus] {
        use MemberStatus::*;
        match self {
            Self::ContactList(_) | Self::AccountList(_) => &[],
            Self::EmailGroup(_) | Self::GlobalSubscribe => &[Subscribed, Unsubscribed],
            Self::ActionInstance { .. } => &[Active, Complete, Errored],
            Self::DecisionInstance { .. } => &[Yes, No, Errored],
            Self::FeederInstance { .. } => &[Complete],
        }
    }

    /// Whether `updateAll` makes sense: only AppCloud destinations naming an execution (spec §5.7).
    pub fn accepts_update_all(&self) -> bool {
        matches!(
            self,
            Self::ActionInstance {
                execution: Some(_),
                ..
            } | Self::DecisionInstance { .. }
        )
    }

    /// The object this destination refers to; `None` for `{{GlobalSubscribe}}`, which needs none.
    pub fn container(&self) -> Option<ContainerRef> {
        let app = |kind, instance: &InstanceId, execution| ContainerRef::AppCloudInstance {
            kind,
            instance: instance.clone(),
            execution,
        };
        match self {
            Self::ContactList(id) => Some(ContainerRef::ContactList(*id)),
            Self::AccountList(id) => Some(ContainerRef::AccountList(*id)),
            Self::EmailGroup(id) => Some(ContainerRef::EmailGroup(*id)),
            Self::GlobalSubscribe => None,
            Self::ActionInstance {
                instance,
                execution,
            } => Some(app(InstanceKind::Action, instance, *execution)),
            Self::DecisionInstance {
                instance,
                execution,
            } => Some(app(InstanceKind::Decision, instance, Some(*execution))),
            Self::FeederInstance { instance } => Some(app(InstanceKind::Feeder, instance, None)),
        }
    }

    /// The markup name of its kind (`ContactList`, `DecisionInstance`, …), as spec §5.5 lists
    /// destinations per record type.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ContactList(_) => "ContactList",
            Self::AccountList(_) => "AccountList",
            Self::EmailGroup(_) => "EmailGroup",
            Self::GlobalSubscribe => "GlobalSubscribe",
            Self::ActionInstance { .. } => "ActionInstance",
            Self::DecisionInstance { .. } => "DecisionInstance",
            Self::FeederInstance { .. } => "FeederInstance",
        }
    }

    /// How messages refer to this kind of destination ("a ContactList destination").
    pub fn describe(&self) -> &'static str {
        match self {
            Self::ContactList(_) => "a ContactList destination",
            Self::AccountList(_) => "an AccountList destination",
            Self::EmailGroup(_) => "an EmailGroup destination",
            Self::GlobalSubscribe => "the GlobalSubscribe destination",
            Self::ActionInstance {
                execution: None, ..
            } => "an ActionInstance destination without .Execution[...]",
            Self::ActionInstance { .. } => "an ActionInstance destination",
            Self::DecisionInstance { .. } => "a DecisionInstance destination",
            Self::FeederInstance { .. } => "a FeederInstance destination",
        }
    }
}
