//! Unit tests for refused operands: the markup inside EXISTS, STATUS and comparisons, with byte offsets asserted.

use super::tests_errors::refused;

const GUID: &str = "da6ed61da73441dba1349582a4fa8a2c";

#[test]
fn refuses_malformed_exists() {
    let cases = [
        (
            "EXISTS '{{ContactList[1]}}'",
            7,
            "expected '(' after EXISTS",
        ),
        (
            "EXISTS()",
            7,
            "a quoted statement like '{{ContactList[123]}}' inside EXISTS(…)",
        ),
        ("EXISTS(12)", 7, "found the number 12"),
        (
            "EXISTS('{{ContactList[1]}}'",
            27,
            "')' to close EXISTS(…), found end of input",
        ),
        ("EXISTS('{{ContactList[01]}}')", 22, "leading zeros"),
        (
            "EXISTS('{{ContactList[0]}}')",
            22,
            "positive integer, found 0",
        ),
        ("EXISTS('{{ContactList[1]')", 24, "found the closing quote"),
        (
            "EXISTS('{{ContactSegment[0]}}')",
            25,
            "positive integer, found 0",
        ),
        (
            "EXISTS('{{ContactSegment[007]}}')",
            25,
            "leading zeros, found 007",
        ),
        (
            "EXISTS('{{ContactSegment[]}}')",
            25,
            "a positive integer id after '['",
        ),
        (
            "EXISTS('{{ContactSegment}}')",
            24,
            "'[' and an id after ContactSegment",
        ),
        (
            "EXISTS('{{ContactFilter[99999999999999999999]}}')",
            24,
            "too large",
        ),
        (
            "EXISTS('{{ContactFilter[5}}')",
            25,
            "']' to close the id, found '}'",
        ),
        (
            "EXISTS('{{ContactFilter[5]}')",
            27,
            "'}}' to close the statement, found the closing quote",
        ),
        (
            "EXISTS('{{ContactFilter[5]}}x')",
            28,
            "the closing quote after '}}', found 'x'",
        ),
        (
            "EXISTS('{{contactlist[1]}}')",
            10,
            "did you mean ContactList?",
        ),
        (
            "EXISTS('{{EmailGroup[1]}}')",
            10,
            "cannot test email-group membership",
        ),
        (
            "EXISTS('{{GlobalSubscribe}}')",
            10,
            "EXISTS cannot test {{GlobalSubscribe}}",
        ),
        (
            "EXISTS('{{AccountList[1]}}')",
            10,
            "EXISTS cannot test {{AccountList[1]}}",
        ),
        (
            "EXISTS('ContactList[1]')",
            8,
            "expected '{{' to open the statement",
        ),
        (
            "EXISTS('{{ContactList[1]}}') AND EXISTS('{{ContactList[2]}}')",
            33,
            "only one EXISTS or STATUS is allowed per filter; the first is at byte 0",
        ),
    ];
    for (text, at, reason) in cases {
        refused(text, at, reason);
    }
}

#[test]
fn refuses_malformed_status() {
    let step = format!("'{{{{ActionInstance({GUID}).Execution[5]}}}}'");
    // `STATUS(` is 7 bytes and the quoted statement 67, so `)` is byte 74 and the operator byte 76.
    assert_eq!(step.len(), 67);
    let cases = [
        (
            format!("STATUS({step}) > 'complete'"),
            76,
            "only be compared with '=' or '!=', found '>'",
        ),
        (
            format!("STATUS({step})"),
            75,
            "'=' or '!=' after STATUS(…), found end of input",
        ),
        (
            format!("STATUS({step}) = complete"),
            78,
            "a quoted status such as 'complete' after '='",
        ),
        (format!("STATUS({step}) = ''"), 78, "a quoted status"),
        (format!("STATUS({step}) != 1"), 79, "found the number 1"),
        (
            format!("STATUS{step} = 'a'"),
            6,
            "expected '(' after STATUS, found the string",
        ),
        (
            format!("STATUS({step} = 'a'"),
            75,
            "')' to close STATUS(…), found '='",
        ),
        (
            format!("STATUS({step}) = 'a' OR EXISTS('{{{{ContactList[1]}}}}')"),
            85,
            "only one EXISTS or STATUS",
        ),
        (
            format!("EXISTS('{{{{ContactList[1]}}}}') AND NOT STATUS({step}) = 'a'"),
            37,
            "the first is at byte 0",
        ),
        // The statement starts at byte 8, just inside the quote.
        (
            format!("STATUS('{{{{ActionInstance({GUID})}}}}') = 'complete'"),
            58,
            "'.Execution[<id>]' after ActionInstance",
        ),
        (
            format!("STATUS('{{{{DecisionInstance({GUID})}}}}') = 'yes'"),
            60,
            "'.Execution[<id>]'",
        ),
        (
            format!("STATUS('{{{{FeederInstance({GUID})}}}}') = 'complete'"),
            8,
            "STATUS cannot read {{FeederInstance",
        ),
        (
            format!(
                "STATUS('{{{{ActionInstance({}).Execution[5]}}}}') = 'a'",
                &GUID[1..]
            ),
            25,
            "32 hex digits, found 31",
        ),
        (
            format!("STATUS('{{{{ActionInstance({GUID}).Execution[0]}}}}') = 'a'"),
            69,
            "positive integer, found 0",
        ),
        (
            "STATUS('{{ContactList[1]}}') = 'complete'".to_owned(),
            8,
            "STATUS cannot read {{ContactList[1]}}",
        ),
        (
            format!("STATUS('CloudConnectorStatus({GUID})') = 'active'"),
            8,
            "cloud connector status is not supported",
        ),
    ];
    for (text, at, reason) in cases {
        refused(&text, at, reason);
    }
}

#[test]
fn refuses_malformed_comparisons() {
    let cases = [
        (
            "'{{Contact.Id}}'",
            16,
            "a comparison operator (=, !=, >, <, >=, <=, ~) after '{{Contact.Id}}', found end of input",
        ),
        ("'{{Contact.Id}}' 'x'", 17, "a comparison operator"),
        (
            "'{{Contact.Id}}' =",
            18,
            "a quoted value or a number after '=', found end of input",
        ),
        (
            "'{{Contact.Id}}' = AND",
            19,
            "a quoted value or a number after '='",
        ),
        ("'{{Contact.Id}}' ~ ('x')", 19, "found '('"),
        (
            "'C_EmailAddress' = 'x'",
            1,
            "expected a contact field on the left",
        ),
        ("'' = 'x'", 1, "expected a contact field"),
        (
            "'{{Contact.Field(C Email)}}' = 'x'",
            18,
            "markup must not contain whitespace",
        ),
        (
            "'{{Contact.Field(9lives)}}' = 'x'",
            17,
            "must start with a letter",
        ),
        ("'{{Contact.Field()}}' = 'x'", 17, "an argument after '('"),
        (
            "'{{Contact.Email.Format}}' = 'html'",
            1,
            "{{Contact.Email.Format}} cannot be compared",
        ),
        (
            "'{{Contact.Email.IsSubscribd}}' = 1",
            17,
            "did you mean IsSubscribed?",
        ),
        ("'{{Contact.Id' = 1", 13, "found the closing quote"),
        ("'{{Contact.Id}}}' = 1", 15, "end of input after '}}'"),
        (
            "'{{ContactList[4]}}' = 1",
            1,
            "test membership with EXISTS('{{ContactList[4]}}')",
        ),
        (
            "'{{EmailGroup[4]}}' = 1",
            1,
            "{{EmailGroup[4]}} is not a contact field",
        ),
        (
            "'{{Contact.Field(O''Brien)}}' = 1",
            18,
            "')' to close the argument, found '\\''",
        ),
        ("1 = '{{Contact.Id}}'", 0, "expected a condition"),
    ];
    for (text, at, reason) in cases {
        refused(text, at, reason);
    }
    let step = format!("'{{{{DecisionInstance({GUID}).Execution[5]}}}}' = 'yes'");
    refused(&step, 1, "test a step status with STATUS(");
}
