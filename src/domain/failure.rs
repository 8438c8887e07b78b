//! The `Failure` record: one broken rule of a request, as Eloqua Bulk 2.0 reports it in `failures`.

/// One rule a request broke, rendered by the API as `{"field","constraint","value"}` (Eloqua Bulk 2.0 `failures` shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// JSON path of the offending property, e.g. `syncActions[1].destination`.
    pub field: String,
    /// Short human-readable rule that was broken; wording is not load-bearing for clients.
    pub constraint: String,
    /// The offending value as text, when the client supplied one.
    pub value: Option<String>,
}

impl Failure {
    /// Builds a failure for `field` breaking `constraint`, optionally quoting the offending `value`.
    pub fn new(
        field: impl Into<String>,
        constraint: impl Into<String>,
        value: Option<String>,
    ) -> Self {
        Self {
            field: field.into(),
            constraint: constraint.into(),
            value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_converts_its_arguments() {
        let failure = Failure::new("name", "is required", Some("x".to_owned()));
        assert_eq!(failure.field, "name");
        assert_eq!(failure.constraint, "is required");
        assert_eq!(failure.value.as_deref(), Some("x"));
    }
}
