//! The filter keywords and "did you mean" hints for misspelt ones.

/// A reserved word of the filter language; matched case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Keyword {
    And,
    Or,
    Not,
    Exists,
    Status,
}

impl Keyword {
    const ALL: [Keyword; 5] = [Self::And, Self::Or, Self::Not, Self::Exists, Self::Status];

    /// The canonical (uppercase) spelling.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::And => "AND",
            Self::Or => "OR",
            Self::Not => "NOT",
            Self::Exists => "EXISTS",
            Self::Status => "STATUS",
        }
    }

    pub(super) fn from_word(word: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(word))
    }

    /// The keyword `word` is most likely a typo of, among `candidates`.
    pub(super) fn suggest(word: &str, candidates: &[Keyword]) -> Option<Keyword> {
        let word = word.to_ascii_uppercase();
        candidates
            .iter()
            .map(|k| (typo_distance(&word, k.as_str()), *k))
            // Short keywords are all "close" to each other, so demand at least half of the keyword to match.
            .filter(|(d, k)| *d <= 2 && *d * 2 <= k.as_str().len())
            .min_by_key(|(d, _)| *d)
            .map(|(_, k)| k)
    }
}

/// Edit distance over bytes where swapping two neighbours counts as one edit (`ADN` → `AND`).
fn typo_distance(a: &str, b: &str) -> usize {
    // Words much longer or shorter than a keyword cannot be within two edits; skip the work.
    if a.len().abs_diff(b.len()) > 2 {
        return usize::MAX;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    // Three rolling rows of the optimal-string-alignment table.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_distance_counts_a_swap_as_one_edit() {
        assert_eq!(typo_distance("ADN", "AND"), 1);
        assert_eq!(typo_distance("EXIST", "EXISTS"), 1);
        assert_eq!(typo_distance("STATSU", "STATUS"), 1);
        assert_eq!(typo_distance("AND", "AND"), 0);
        assert_eq!(typo_distance("A", "STATUS"), usize::MAX);
    }

    #[test]
    fn suggest_only_offers_close_keywords() {
        let all = Keyword::ALL;
        assert_eq!(Keyword::suggest("exsits", &all), Some(Keyword::Exists));
        assert_eq!(Keyword::suggest("ANDD", &all), Some(Keyword::And));
        assert_eq!(Keyword::suggest("ORR", &all), Some(Keyword::Or));
        assert_eq!(Keyword::suggest("SELECT", &all), None);
        assert_eq!(Keyword::suggest("C_EmailAddress", &all), None);
    }
}
