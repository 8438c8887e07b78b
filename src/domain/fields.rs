//! The properties each Bulk collection can be filtered (`q`) and sorted (`orderBy`) on.

use super::query::{FieldKind, QueryField};

/// Declares the searchable properties of a collection: each variant with its wire name and
/// how its values compare. Names match without regard to ASCII case, as Eloqua's do.
macro_rules! query_fields {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $wire:literal as $kind:ident,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $(#[doc = concat!("`", $wire, "`")] $variant,)+
        }

        impl QueryField for $name {
            fn from_name(name: &str) -> Option<Self> {
                let fields = [$(Self::$variant),+];
                let mut names = fields.into_iter().zip(Self::names());
                names.find(|(_, wire)| wire.eq_ignore_ascii_case(name)).map(|(field, _)| field)
            }

            fn kind(self) -> FieldKind {
                match self {
                    $(Self::$variant => FieldKind::$kind,)+
                }
            }

            fn names() -> &'static [&'static str] {
                &[$($wire),+]
            }
        }
    };
}

query_fields! {
    /// Searchable properties of sync action definitions.
    DefinitionField {
        Name = "name" as Text,
        CreatedAt = "createdAt" as Time,
        UpdatedAt = "updatedAt" as Time,
        CreatedBy = "createdBy" as Text,
        UpdatedBy = "updatedBy" as Text,
        Id = "id" as Integer,
    }
}

query_fields! {
    /// Searchable properties of contact lists and email groups.
    ContainerField {
        Name = "name" as Text,
        CreatedAt = "createdAt" as Time,
        UpdatedAt = "updatedAt" as Time,
        Id = "id" as Integer,
    }
}

query_fields! {
    /// Searchable properties of syncs.
    SyncField {
        Status = "status" as Text,
        SyncedInstanceUri = "syncedInstanceUri" as Text,
        CreatedAt = "createdAt" as Time,
        SyncStartedAt = "syncStartedAt" as Time,
        SyncEndedAt = "syncEndedAt" as Time,
        CreatedBy = "createdBy" as Text,
        Id = "id" as Integer,
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
