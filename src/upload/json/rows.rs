//! What a JSON row keeps of its members and hands to the sink: the only part in which
//! [`super::decode`] (one identifier, classified) and [`super::decode_columns`] (every
//! definition column, by position) differ. The walk itself is shared.

use super::member::Scalar;
use crate::upload::RowValue;
use crate::upload::columns::{Columns, Identifier, Lookup, View};

/// Receives the members of each row, then ends the row.
pub(super) trait Rows<'de> {
    /// The sink's error.
    type Error;

    /// A new row starts.
    fn begin(&mut self);

    /// The position of the column named `key`, the next key of the row; `None` if ignored.
    fn find(&mut self, key: &str) -> Option<usize>;

    /// Where the value of the column at `position` (`None`: an ignored column) is appended when
    /// it cannot be borrowed from the body; [`Scalar::InBuffer`] ranges index into it.
    fn buffer(&mut self, position: Option<usize>) -> &mut String;

    /// The value just read into the column at `position`.
    fn keep(&mut self, position: Option<usize>, value: Scalar<'de>);

    /// The row is complete: pass it to the sink.
    fn end(&mut self) -> Result<(), Self::Error>;
}

/// For [`super::decode`]: the identifier's value and whether any member had a non-empty value.
pub(super) struct OneColumn<'de, 'i, F> {
    lookup: Identifier<'i>,
    sink: F,
    id: Scalar<'de>,
    /// The identifier's value when it is not borrowed from the body.
    id_text: String,
    /// Other columns' values when not borrowed; only their emptiness matters.
    other_text: String,
    /// Whether the current row has a non-empty value in any column.
    filled: bool,
}

impl<'i, F> OneColumn<'_, 'i, F> {
    pub(super) fn new(identifier: &'i str, sink: F) -> Self {
        Self {
            lookup: Identifier(identifier),
            sink,
            id: Scalar::Null,
            id_text: String::new(),
            other_text: String::new(),
            filled: false,
        }
    }
}

impl<'de, F, E> Rows<'de> for OneColumn<'de, '_, F>
where
    F: FnMut(RowValue<'_>) -> Result<(), E>,
{
    type Error = E;

    #[inline]
    fn begin(&mut self) {
        self.id = Scalar::Null;
        self.filled = false;
    }

    #[inline]
    fn find(&mut self, key: &str) -> Option<usize> {
        self.lookup.find(0, key)
    }

    #[inline]
    fn buffer(&mut self, position: Option<usize>) -> &mut String {
        let buffer = match position {
            Some(_) => &mut self.id_text,
            None => &mut self.other_text,
        };
        buffer.clear();
        buffer
    }

    #[inline]
    fn keep(&mut self, position: Option<usize>, value: Scalar<'de>) {
        self.filled |= !value.is_empty();
        if position.is_some() {
            self.id = value;
        }
    }

    #[inline]
    fn end(&mut self) -> Result<(), E> {
        let value = match self.id.text(&self.id_text) {
            "" if self.filled => RowValue::Missing,
            "" => RowValue::Empty,
            text => RowValue::Value(text),
        };
        (self.sink)(value)
    }
}

/// For [`super::decode_columns`]: one slot per definition column. Values that cannot be
/// borrowed from the body go into one arena per row, cleared (not freed) when the next begins.
pub(super) struct ManyColumns<'de, 'c, F> {
    lookup: Columns<'c>,
    sink: F,
    /// How many keys the current row has had so far.
    nth: usize,
    slots: Vec<Scalar<'de>>,
    arena: String,
    /// Values of ignored columns that cannot be borrowed: read to be checked, then dropped.
    scratch: String,
    view: View,
}

impl<'c, F> ManyColumns<'_, 'c, F> {
    pub(super) fn new(columns: &'c [&'c str], sink: F) -> Self {
        Self {
            lookup: Columns::new(columns),
            sink,
            nth: 0,
            slots: vec![Scalar::Null; columns.len()],
            arena: String::new(),
            scratch: String::new(),
            view: View::default(),
        }
    }
}

impl<'de, F, E> Rows<'de> for ManyColumns<'de, '_, F>
where
    F: FnMut(&[Option<&str>]) -> Result<(), E>,
{
    type Error = E;

    #[inline]
    fn begin(&mut self) {
        self.nth = 0;
        self.slots.fill(Scalar::Null);
        self.arena.clear();
    }

    #[inline]
    fn find(&mut self, key: &str) -> Option<usize> {
        let nth = self.nth;
        self.nth += 1;
        self.lookup.find(nth, key)
    }

    #[inline]
    fn buffer(&mut self, position: Option<usize>) -> &mut String {
        match position {
            Some(_) => &mut self.arena,
            None => {
                self.scratch.clear();
                &mut self.scratch
            }
        }
    }

    #[inline]
    fn keep(&mut self, position: Option<usize>, value: Scalar<'de>) {
        if let Some(slot) = position.and_then(|p| self.slots.get_mut(p)) {
            *slot = value;
        }
    }

    #[inline]
    fn end(&mut self) -> Result<(), E> {
        let arena = &self.arena;
        let values = self.slots.iter().map(|slot| match slot {
            Scalar::Null => None,
            value => Some(value.text(arena)),
        });
        self.view.pass(values, &mut self.sink)
    }
}
