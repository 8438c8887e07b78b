//! Unit tests for refused filters: lexical slips, keywords, parentheses and limits, each with the
//! byte offset and reason asserted (operand errors live in `tests_operands`).

use super::*;

/// Asserts `text` is refused at byte `at` with a reason containing `reason`.
#[track_caller]
pub(super) fn refused(text: &str, at: usize, reason: &str) {
    // Long generated inputs would drown the failure message.
    let shown: String = text.chars().take(120).collect();
    match parse(text) {
        Ok(filter) => panic!("{shown:?} should be refused, parsed as {filter:?}"),
        Err(error) => {
            assert_eq!(error.at, at, "{shown:?}: {error}");
            assert!(error.reason.contains(reason), "{shown:?}: {error}");
        }
    }
}

#[test]
fn refuses_empty_and_blank_filters() {
    refused("", 0, "the filter is empty");
    refused("  \t\n", 0, "the filter is empty");
}

#[test]
fn refuses_lexical_slips_at_the_offending_byte() {
    let cases = [
        (
            "'{{Contact.Id}}' == 1",
            17,
            "'==' is not an operator; use '='",
        ),
        ("'{{Contact.Id}}' <> 1", 17, "use '!='"),
        ("'{{Contact.Id}}' ! 1", 17, "use NOT"),
        (
            "EXISTS('{{ContactList[1]}}') && '{{Contact.Id}}' = 1",
            29,
            "use AND",
        ),
        (
            "EXISTS('{{ContactList[1]}}') || '{{Contact.Id}}' = 1",
            29,
            "use OR",
        ),
        ("'{{Contact.Id}}' = \"x\"", 19, "single quotes"),
        ("{{Contact.Id}} = 1", 0, "markup must be quoted"),
        (
            "'{{Contact.Id}}' = 1 ; DROP",
            21,
            "unexpected character ';'",
        ),
        ("'{{Contact.Id}}' = é", 19, "unexpected character 'é'"),
        (
            "'{{Contact.Id}}' = 12abc",
            21,
            "after the number 12, found 'a'",
        ),
        (
            "'{{Contact.Id}}' = 1.",
            21,
            "a digit after the decimal point",
        ),
        ("'{{Contact.Id}}' = 1.2.3", 22, "after the number 1.2"),
        ("'{{Contact.Id}}' = - 1", 19, "unexpected character '-'"),
    ];
    for (text, at, reason) in cases {
        refused(text, at, reason);
    }
}

#[test]
fn refuses_unterminated_strings_saying_where_they_began() {
    refused(
        "'{{Contact.Id}}' = 'abc",
        23,
        "the quote opened at byte 19 is never closed",
    );
    refused(
        "EXISTS('{{ContactList[1]}})",
        27,
        "the quote opened at byte 7",
    );
    refused(
        "'{{Contact.Id}}' = 'it''s",
        25,
        "the quote opened at byte 19",
    );
    refused("'", 1, "the quote opened at byte 0");
}

#[test]
fn refuses_misspelt_and_misplaced_keywords_with_suggestions() {
    let cases = [
        (
            "EXIST('{{ContactList[1]}}')",
            0,
            "unknown keyword 'EXIST'; did you mean EXISTS?",
        ),
        ("exsits('{{ContactList[1]}}')", 0, "did you mean EXISTS?"),
        ("STAUTS('x') = 'y'", 0, "did you mean STATUS?"),
        ("NTO '{{Contact.Id}}' = 1", 0, "did you mean NOT?"),
        (
            "C_EmailAddress = 'x'",
            0,
            "fields are written as quoted markup",
        ),
        (
            "EXISTS('{{ContactList[1]}}') ADN '{{Contact.Id}}' = 1",
            29,
            "did you mean AND?",
        ),
        (
            "EXISTS('{{ContactList[1]}}') ORR '{{Contact.Id}}' = 1",
            29,
            "did you mean OR?",
        ),
        ("AND '{{Contact.Id}}' = 1", 0, "expected a condition"),
        ("'{{Contact.Id}}' = 1 AND", 24, "found end of input"),
        (
            "'{{Contact.Id}}' = 1 OR OR '{{Contact.Id}}' = 1",
            24,
            "found 'OR'",
        ),
        ("NOT", 3, "expected a condition"),
        (
            "'{{Contact.Id}}' = 1 NOT '{{Contact.Id}}' = 1",
            21,
            "expected AND, OR or end of filter, found 'NOT'",
        ),
        (
            "'{{Contact.Id}}' = 1 '{{Contact.Id}}' = 1",
            21,
            "found the string '{{Contact.Id}}'",
        ),
    ];
    for (text, at, reason) in cases {
        refused(text, at, reason);
    }
}

#[test]
fn refuses_unbalanced_parentheses() {
    refused(
        "('{{Contact.Id}}' = 1",
        21,
        "AND, OR or ')' to close the '(' at byte 0",
    );
    refused("'{{Contact.Id}}' = 1)", 20, "unmatched ')'");
    refused("()", 1, "expected a condition");
    refused(
        "(('{{Contact.Id}}' = 1) x",
        24,
        "to close the '(' at byte 0, found 'x'",
    );
}

#[test]
fn refuses_nesting_beyond_the_limit_without_overflowing() {
    let condition = "'{{Contact.Id}}' = 1";
    let parens = format!(
        "{}{condition}{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    refused(&parens, MAX_DEPTH, "nests too deeply: at most 64 levels");
    refused(&"(".repeat(10_000), MAX_DEPTH, "nests too deeply");
    refused(&"NOT ".repeat(10_000), 4 * MAX_DEPTH, "nests too deeply");
    // Each "NOT (" opens two levels, so the 65th level is the NOT of the 33rd repetition.
    refused(&"NOT (".repeat(10_000), 5 * 32, "nests too deeply");
}

#[test]
fn refuses_more_conditions_than_the_limit() {
    let chain = vec!["'{{Contact.Id}}' = 1"; MAX_CONDITIONS + 1].join(" AND ");
    let at = MAX_CONDITIONS * "'{{Contact.Id}}' = 1 AND ".len();
    refused(&chain, at, "too many conditions: at most 1000");
}
