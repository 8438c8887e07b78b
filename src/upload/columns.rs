//! Which of the caller's columns a JSON key or CSV header name fills, shared by both formats and
//! by both entry points: [`Identifier`] for [`super::decode`], [`Columns`] for
//! [`super::decode_columns`]. Also the reusable row slice that `decode_columns` hands its sink.

use std::collections::HashMap;

/// Maps a column name to its position among the caller's columns; `None` means the column is
/// ignored (it goes into [`super::FileSummary::ignored_columns`]). Names match exactly.
pub(super) trait Lookup {
    /// How many positions there are.
    fn width(&self) -> usize;

    /// The position of `name`. `nth` is the 0-based ordinal of `name` within its row (JSON) or
    /// header (CSV); it is only a hint, the answer depends on `name` alone.
    fn find(&mut self, nth: usize, name: &str) -> Option<usize>;
}

/// The single identifier column of [`super::decode`], at position 0.
pub(super) struct Identifier<'a>(pub(super) &'a str);

impl Lookup for Identifier<'_> {
    fn width(&self) -> usize {
        1
    }

    #[inline]
    fn find(&mut self, _nth: usize, name: &str) -> Option<usize> {
        (name == self.0).then_some(0)
    }
}

/// The definition columns of [`super::decode_columns`]. A name listed twice fills only its
/// first position.
///
/// JSON rows produced by one client almost always list their keys in the same order, so the
/// n-th key of a row is first compared with what the n-th key of the previous row was (a
/// column, or an ignored name): one string comparison per key on the common path, a hash
/// lookup otherwise.
pub(super) struct Columns<'a> {
    names: &'a [&'a str],
    by_name: HashMap<&'a str, usize>,
    /// For each key ordinal, what the key at that ordinal was last time.
    guesses: Vec<Guess>,
}

/// What the key at one ordinal was in the previous row.
#[derive(Default)]
struct Guess {
    /// Its position, or [`Columns::IGNORED`].
    position: usize,
    /// Its name when ignored (capacity reused when the ignored name changes).
    ignored: String,
}

impl<'a> Columns<'a> {
    const IGNORED: usize = usize::MAX;

    pub(super) fn new(names: &'a [&'a str]) -> Self {
        let mut by_name = HashMap::with_capacity(names.len());
        for (position, name) in names.iter().enumerate() {
            by_name.entry(*name).or_insert(position);
        }
        Self {
            names,
            by_name,
            guesses: Vec::new(),
        }
    }
}

impl Lookup for Columns<'_> {
    fn width(&self) -> usize {
        self.names.len()
    }

    #[inline]
    fn find(&mut self, nth: usize, name: &str) -> Option<usize> {
        if let Some(guess) = self.guesses.get(nth) {
            match self.names.get(guess.position) {
                Some(known) if *known == name => return Some(guess.position),
                None if guess.ignored == name => return None,
                _ => {}
            }
        }
        let found = self.by_name.get(name).copied();
        // Keys arrive in order, so `nth` is at most one past the end: remember this answer.
        // Rows wider than every earlier one grow the list once; nothing is guessed past it.
        if nth == self.guesses.len() {
            self.guesses.push(Guess::default());
        }
        if let Some(guess) = self.guesses.get_mut(nth) {
            guess.position = found.unwrap_or(Self::IGNORED);
            guess.ignored.clear();
            if found.is_none() {
                guess.ignored.push_str(name);
            }
        }
        found
    }
}

/// Builds the `&[Option<&str>]` the sink of `decode_columns` gets for each row, without
/// allocating per row, although each row's values borrow from a different place (the body,
/// the JSON arena, the current CSV record).
///
/// Up to [`View::SMALL`] columns use an array on the stack (measured: re-typing the vector
/// twice per row cost ~7 ns, a fifth of the per-row cost of a one-column JSON body). Wider
/// rows use one vector, kept empty with a `'static` element type between rows: [`View::take`]
/// hands it out with the lifetime the row needs and [`View::put_back`] takes it back, both by
/// an in-place `collect` of an empty vector, which keeps the allocation (element types of equal
/// size and alignment; checked by a unit test).
#[derive(Default)]
pub(super) struct View(Vec<Option<&'static str>>);

impl View {
    const SMALL: usize = 8;

    /// Passes `values` to `sink` as one slice: from the stack when there are few, otherwise
    /// from the reused vector.
    #[inline]
    pub(super) fn pass<'v, E>(
        &mut self,
        values: impl ExactSizeIterator<Item = Option<&'v str>>,
        sink: &mut impl FnMut(&[Option<&str>]) -> Result<(), E>,
    ) -> Result<(), E> {
        let count = values.len();
        if count <= Self::SMALL {
            let mut small = [None; Self::SMALL];
            for (slot, value) in small.iter_mut().zip(values) {
                *slot = value;
            }
            return sink(small.get(..count).unwrap_or_default());
        }
        let mut all = self.take();
        all.extend(values);
        let result = sink(&all);
        self.put_back(all);
        result
    }

    /// The empty vector to fill for one row.
    fn take<'v>(&mut self) -> Vec<Option<&'v str>> {
        recycle(std::mem::take(&mut self.0))
    }

    /// Returns the vector after the sink has seen it.
    fn put_back(&mut self, values: Vec<Option<&str>>) {
        self.0 = recycle(values);
    }
}

fn recycle<'to>(mut values: Vec<Option<&str>>) -> Vec<Option<&'to str>> {
    values.clear();
    values.into_iter().map(|_| None).collect()
}

#[cfg(test)]
mod tests {
    use super::{Columns, Identifier, Lookup, View};

    #[test]
    fn columns_find_by_exact_name_whatever_the_order_and_guesses() {
        let names = ["A", "B", "C", "A"];
        let mut columns = Columns::new(&names);
        assert_eq!(columns.width(), 4);
        let rows: [&[(&str, Option<usize>)]; 5] = [
            &[("A", Some(0)), ("B", Some(1)), ("x", None)],
            &[("A", Some(0)), ("B", Some(1)), ("x", None)],
            &[("A", Some(0)), ("B", Some(1)), ("C", Some(2))],
            &[("C", Some(2)), ("b", None), ("A", Some(0)), ("B", Some(1))],
            &[("B", Some(1)), ("C", Some(2)), ("A", Some(0)), ("a", None)],
        ];
        for row in rows {
            for (nth, (name, want)) in row.iter().enumerate() {
                assert_eq!(columns.find(nth, name), *want, "{name} at {nth}");
            }
        }
        assert_eq!(
            columns.find(7, "C"),
            Some(2),
            "ordinals past the known ones"
        );
        let mut id = Identifier("EmailAddress");
        assert_eq!(
            (id.find(0, "EmailAddress"), id.find(0, "emailaddress")),
            (Some(0), None)
        );
    }

    #[test]
    fn view_keeps_its_allocation_across_rows() {
        let mut view = View::default();
        let mut values = view.take();
        values.extend([Some("a"), None, Some("c")]);
        let pointer = values.as_ptr() as usize;
        view.put_back(values);
        let owned = String::from("row two");
        let mut values = view.take();
        assert!(values.is_empty() && values.capacity() >= 3);
        assert_eq!(values.as_ptr() as usize, pointer, "same allocation");
        values.push(Some(owned.as_str()));
        view.put_back(values);
    }

    #[test]
    fn view_passes_narrow_and_wide_rows_whole() {
        let mut view = View::default();
        for width in [0, 1, View::SMALL, View::SMALL + 1, 100] {
            let values = (0..width).map(|i| (i % 3 != 0).then_some("v"));
            let want: Vec<_> = values.clone().collect();
            let mut sink = |got: &[Option<&str>]| {
                assert_eq!(got, want, "width {width}");
                Ok::<(), ()>(())
            };
            assert_eq!(view.pass(values, &mut sink), Ok(()));
        }
    }
}
