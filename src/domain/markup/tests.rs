//! Unit tests for markup parsing and rendering: every statement shape and the error for each kind of slip.

use super::*;

const GUID: &str = "da6ed61da73441dba1349582a4fa8a2c";

fn id() -> InstanceId {
    InstanceId::parse(GUID).expect("GUID constant is valid")
}

fn field(name: &str) -> Statement {
    Statement::RecordField(FieldName::parse(name).expect("test field name is valid"))
}

#[test]
fn parses_and_renders_every_statement_shape() {
    let cases = [
        ("{{Contact.Id}}".to_owned(), Statement::ContactId),
        ("{{Account.Id}}".to_owned(), Statement::AccountId),
        (
            "{{Account.CreatedAt}}".to_owned(),
            Statement::AccountCreatedAt,
        ),
        (
            "{{Account.UpdatedAt}}".to_owned(),
            Statement::AccountUpdatedAt,
        ),
        (
            "{{Account.Field(M_CompanyName)}}".to_owned(),
            Statement::AccountField(FieldName::parse("M_CompanyName").expect("valid")),
        ),
        ("{{AccountList[3]}}".to_owned(), Statement::AccountList(3)),
        (
            "{{Contact.Account.Field(M_CompanyName)}}".to_owned(),
            Statement::ContactAccountField(FieldName::parse("M_CompanyName").expect("valid")),
        ),
        (
            "{{Contact.Field(C_EmailAddress)}}".to_owned(),
            field("C_EmailAddress"),
        ),
        (
            "{{Contact.Field(ContactIDExt)}}".to_owned(),
            field("ContactIDExt"),
        ),
        ("{{Contact.Field(x)}}".to_owned(), field("x")),
        (
            "{{Contact.Email.IsSubscribed}}".to_owned(),
            Statement::ContactEmail(EmailProperty::IsSubscribed),
        ),
        (
            "{{Contact.Email.IsBounced}}".to_owned(),
            Statement::ContactEmail(EmailProperty::IsBounced),
        ),
        (
            "{{Contact.Email.Format}}".to_owned(),
            Statement::ContactEmail(EmailProperty::Format),
        ),
        (
            "{{ContactList[12345]}}".to_owned(),
            Statement::ContactList(12345),
        ),
        (
            "{{ContactList[18446744073709551615]}}".to_owned(),
            Statement::ContactList(u64::MAX),
        ),
        ("{{EmailGroup[7]}}".to_owned(), Statement::EmailGroup(7)),
        ("{{GlobalSubscribe}}".to_owned(), Statement::GlobalSubscribe),
        (
            format!("{{{{ActionInstance({GUID})}}}}"),
            Statement::ActionInstance {
                instance: id(),
                execution: None,
            },
        ),
        (
            format!("{{{{ActionInstance({GUID}).Execution[5]}}}}"),
            Statement::ActionInstance {
                instance: id(),
                execution: Some(5),
            },
        ),
        (
            format!("{{{{DecisionInstance({GUID}).Execution[12345]}}}}"),
            Statement::DecisionInstance {
                instance: id(),
                execution: 12345,
            },
        ),
        (
            format!("{{{{FeederInstance({GUID})}}}}"),
            Statement::FeederInstance { instance: id() },
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(parse(&input), Ok(expected.clone()), "parsing {input}");
        assert_eq!(expected.to_string(), input, "rendering {expected:?}");
    }
}

#[test]
fn uppercase_guid_is_accepted_and_stored_lowercase() {
    let input = format!("{{{{FeederInstance({})}}}}", GUID.to_ascii_uppercase());
    let statement = parse(&input).expect("uppercase hex is accepted");
    assert_eq!(statement, Statement::FeederInstance { instance: id() });
    assert_eq!(
        statement.to_string(),
        format!("{{{{FeederInstance({GUID})}}}}")
    );
    let instance = InstanceId::parse(&GUID.to_ascii_uppercase()).expect("valid");
    assert_eq!(instance.as_str(), GUID);
}

#[test]
fn from_str_matches_parse() {
    let statement: Statement = "{{GlobalSubscribe}}".parse().expect("valid markup");
    assert_eq!(statement, Statement::GlobalSubscribe);
}

#[test]
fn error_display_names_the_byte_offset() {
    let err = parse("{{Contact.Id}").expect_err("missing brace");
    assert_eq!(
        err.to_string(),
        "invalid markup at byte 13: expected '}}' to close the statement, found end of input"
    );
}

/// (input, expected byte offset, text the reason must contain)
#[rustfmt::skip]
fn refused() -> Vec<(String, usize, &'static str)> {
    let long_field = format!("{{{{Contact.Field(A{})}}}}", "b".repeat(100));
    let g = GUID;
    let dashed = "da6ed61d-a734-41db-a134-9582a4fa8a2c";
    vec![
        (String::new(), 0, "expected '{{' to open the statement, found end of input"),
        ("Contact.Id".into(), 0, "expected '{{' to open the statement, found 'C'"),
        ("{Contact.Id}}".into(), 1, "expected '{{' to open the statement, found 'C'"),
        ("{{Contact.Id".into(), 12, "expected '.' or '}}', found end of input"),
        ("{{Contact.Id}}x".into(), 14, "expected end of input after '}}', found 'x'"),
        ("{{Contact.Id}}}".into(), 14, "found '}'"),
        ("{{ Contact.Id}}".into(), 2, "markup must not contain whitespace"),
        ("{{Contact.Id }}".into(), 12, "found ' ' (markup must not contain whitespace)"),
        ("{{}}".into(), 2, "expected a statement name starting with a letter, found '}'"),
        ("{{1Contact}}".into(), 2, "starting with a letter, found '1'"),
        ("{{Contact..Id}}".into(), 10, "starting with a letter, found '.'"),
        ("{{Contäct.Id}}".into(), 6, "expected '.' or '}}', found 'ä'"),
        ("{{ContactList[0]}}".into(), 14, "must be a positive integer, found 0"),
        ("{{ContactList[012]}}".into(), 14, "must not have leading zeros, found 012"),
        ("{{ContactList[]}}".into(), 14, "expected a positive integer id after '[', found ']'"),
        ("{{ContactList[-1]}}".into(), 14, "id after '[', found '-'"),
        ("{{ContactList[18446744073709551616]}}".into(), 14, "is too large"),
        ("{{ContactList[12}}".into(), 16, "expected ']' to close the id, found '}'"),
        ("{{ContactList[1][2]}}".into(), 16, "expected '.' or '}}', found '['"),
        ("{{contactlist[12]}}".into(), 2, "unknown statement 'contactlist'; did you mean ContactList?"),
        ("{{CONTACT.Id}}".into(), 2, "did you mean Contact?"),
        ("{{ContactLst[1]}}".into(), 2, "did you mean ContactList?"),
        ("{{Globalsubscribe}}".into(), 2, "did you mean GlobalSubscribe?"),
        ("{{Foo}}".into(), 2, "unknown statement 'Foo'; expected one of Contact, ContactList, Account, AccountList, EmailGroup"),
        ("{{Account.Name}}".into(), 10, "unknown Account property 'Name'"),
        ("{{Account}}".into(), 9, "expected '.Id', '.Field(<name>)', '.CreatedAt' or '.UpdatedAt' after Account"),
        ("{{Account.Id.Field(x)}}".into(), 12, "expected '}}' after Id, found '.Field'"),
        ("{{AccountList(1)}}".into(), 13, "AccountList takes an id in square brackets"),
        ("{{ContactList}}".into(), 13, "expected '[' and an id after ContactList, like {{ContactList[123]}}, found '}'"),
        ("{{ContactList(12)}}".into(), 13, "ContactList takes an id in square brackets"),
        ("{{EmailGroup}}".into(), 12, "an id after EmailGroup"),
        ("{{ContactList[12].Id}}".into(), 17, "expected '}}' after ContactList[12], found '.Id'"),
        ("{{Contact}}".into(), 9, "expected '.Id', '.Field(<name>)' or '.Email.<property>' after Contact, found '}'"),
        ("{{Contact[1].Id}}".into(), 9, "Contact takes no [id] or (argument)"),
        ("{{Contact.id}}".into(), 10, "unknown Contact property 'id'; did you mean Id?"),
        ("{{Contact.Name}}".into(), 10, "expected one of Id, Field, Email"),
        ("{{Contact.Id[1]}}".into(), 12, "Id takes no [id] or (argument), found '['"),
        ("{{Contact.Id.Field(X)}}".into(), 12, "expected '}}' after Id, found '.Field'"),
        ("{{Contact.Field}}".into(), 15, "expected '(' and an argument after Field"),
        ("{{Contact.Field[3]}}".into(), 15, "Field takes an argument in parentheses"),
        ("{{Contact.Field()}}".into(), 16, "expected an argument after '(', found ')'"),
        ("{{Contact.Field(1abc)}}".into(), 16, "a field name must start with a letter, found '1'"),
        ("{{Contact.Field(_abc)}}".into(), 16, "must start with a letter, found '_'"),
        ("{{Contact.Field(C-Email)}}".into(), 17, "may only contain letters, digits and '_', found '-'"),
        ("{{Contact.Field(C_Email Address)}}".into(), 23, "expected ')' to close the argument, found ' '"),
        ("{{Contact.Field(C_EmailAddress))}}".into(), 31, "expected '.' or '}}', found ')'"),
        (long_field, 116, "at most 100 characters, found 101"),
        ("{{Contact.Email}}".into(), 15, "expected '.IsSubscribed', '.IsBounced' or '.Format' after Contact.Email"),
        ("{{Contact.Email.isbounced}}".into(), 16, "did you mean IsBounced?"),
        ("{{Contact.Email.IsBounced.X}}".into(), 25, "expected '}}' after IsBounced, found '.X'"),
        ("{{Contact.Email.Format(x)}}".into(), 22, "Format takes no [id] or (argument)"),
        ("{{GlobalSubscribe[1]}}".into(), 17, "GlobalSubscribe takes no [id] or (argument)"),
        (format!("{{{{ActionInstance({dashed})}}}}"), 25, "write the instance GUID as 32 hex digits without dashes"),
        (format!("{{{{ActionInstance({})}}}}", &g[1..]), 17, "an instance GUID has 32 hex digits, found 31"),
        (format!("{{{{ActionInstance({g}0)}}}}"), 17, "32 hex digits, found 33"),
        (format!("{{{{ActionInstance(z{})}}}}", &g[1..]), 17, "expected a hex digit in the instance GUID, found 'z'"),
        ("{{ActionInstance[12]}}".into(), 16, "ActionInstance takes an argument in parentheses"),
        ("{{ActionInstance}}".into(), 16, "expected '(' and an argument after ActionInstance"),
        (format!("{{{{ActionInstance({g}).Execution}}}}"), 60, "expected '[' and an id after Execution"),
        (format!("{{{{ActionInstance({g}).execution[5]}}}}"), 51, "unknown instance part 'execution'; did you mean Execution?"),
        (format!("{{{{ActionInstance({g}).Execution[5].Execution[6]}}}}"), 63, "expected '}}' after Execution[5], found '.Execution'"),
        (format!("{{{{ActionInstance({g}).Execution[0]}}}}"), 61, "must be a positive integer"),
        (format!("{{{{DecisionInstance({g})}}}}"), 52, "expected '.Execution[<id>]' after DecisionInstance(...), found '}'"),
        (format!("{{{{DecisionInstance({dashed}).Execution[1]}}}}"), 27, "without dashes"),
        (format!("{{{{FeederInstance({g}).Execution[5]}}}}"), 50, "found '.Execution'"),
    ]
}

#[test]
fn refuses_invalid_markup_at_the_right_byte() {
    for (input, at, reason) in refused() {
        let err = parse(&input).expect_err(&input);
        assert_eq!(err.at, at, "offset for {input}: {err}");
        assert!(
            err.reason.contains(reason),
            "reason for {input}: got {:?}, want it to contain {reason:?}",
            err.reason
        );
    }
}

#[test]
fn field_name_accepts_exactly_100_characters() {
    let name = format!("A{}", "b".repeat(99));
    assert!(FieldName::parse(&name).is_ok());
    assert!(FieldName::parse("").is_err());
}
