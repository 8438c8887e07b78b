//! The properties each Bulk collection can be filtered (`q`) and sorted (`orderBy`) on.

use super::query::{FieldKind, QueryField};

/// Searchable properties of sync action definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionField {
    /// `name`
    Name,
    /// `createdAt`
    CreatedAt,
    /// `updatedAt`
    UpdatedAt,
    /// `createdBy`
    CreatedBy,
    /// `updatedBy`
    UpdatedBy,
    /// `id`
    Id,
}

impl QueryField for DefinitionField {
    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "name" => Some(Self::Name),
            "createdat" => Some(Self::CreatedAt),
            "updatedat" => Some(Self::UpdatedAt),
            "createdby" => Some(Self::CreatedBy),
            "updatedby" => Some(Self::UpdatedBy),
            "id" => Some(Self::Id),
            _ => None,
        }
    }

    fn kind(self) -> FieldKind {
        match self {
            Self::Name | Self::CreatedBy | Self::UpdatedBy => FieldKind::Text,
            Self::CreatedAt | Self::UpdatedAt => FieldKind::Time,
            Self::Id => FieldKind::Integer,
        }
    }

    fn names() -> &'static [&'static str] {
        &[
            "name",
            "createdAt",
            "updatedAt",
            "createdBy",
            "updatedBy",
            "id",
        ]
    }
}

/// Searchable properties of contact lists and email groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerField {
    /// `name`
    Name,
    /// `createdAt`
    CreatedAt,
    /// `updatedAt`
    UpdatedAt,
    /// `id`
    Id,
}

impl QueryField for ContainerField {
    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "name" => Some(Self::Name),
            "createdat" => Some(Self::CreatedAt),
            "updatedat" => Some(Self::UpdatedAt),
            "id" => Some(Self::Id),
            _ => None,
        }
    }

    fn kind(self) -> FieldKind {
        match self {
            Self::Name => FieldKind::Text,
            Self::CreatedAt | Self::UpdatedAt => FieldKind::Time,
            Self::Id => FieldKind::Integer,
        }
    }

    fn names() -> &'static [&'static str] {
        &["name", "createdAt", "updatedAt", "id"]
    }
}

/// Searchable properties of syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncField {
    /// `status`
    Status,
    /// `syncedInstanceUri`
    SyncedInstanceUri,
    /// `createdAt`
    CreatedAt,
    /// `syncStartedAt`
    SyncStartedAt,
    /// `syncEndedAt`
    SyncEndedAt,
    /// `createdBy`
    CreatedBy,
    /// `id`
    Id,
}

impl QueryField for SyncField {
    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "status" => Some(Self::Status),
            "syncedinstanceuri" => Some(Self::SyncedInstanceUri),
            "createdat" => Some(Self::CreatedAt),
            "syncstartedat" => Some(Self::SyncStartedAt),
            "syncendedat" => Some(Self::SyncEndedAt),
            "createdby" => Some(Self::CreatedBy),
            "id" => Some(Self::Id),
            _ => None,
        }
    }

    fn kind(self) -> FieldKind {
        match self {
            Self::Status | Self::SyncedInstanceUri | Self::CreatedBy => FieldKind::Text,
            Self::CreatedAt | Self::SyncStartedAt | Self::SyncEndedAt => FieldKind::Time,
            Self::Id => FieldKind::Integer,
        }
    }

    fn names() -> &'static [&'static str] {
        &[
            "status",
            "syncedInstanceUri",
            "createdAt",
            "syncStartedAt",
            "syncEndedAt",
            "createdBy",
            "id",
        ]
    }
}

/// Logs and rejects are paged but neither filtered nor sorted: a `q` or `orderBy` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoField {}

impl QueryField for NoField {
    fn from_name(_: &str) -> Option<Self> {
        None
    }

    fn kind(self) -> FieldKind {
        match self {}
    }

    fn names() -> &'static [&'static str] {
        &[]
    }
}
