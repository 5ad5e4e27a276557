//! Named time zones and offsets in date expressions. Expected values are the examples of
//! MongoDB's reference pages for `$dateToString`, `$dateToParts`, `$dateFromParts` and
//! `$dateFromString` (docs/manual/reference/operator/aggregation/<name>/), and, for daylight
//! saving transitions, the IANA rules (US zones: second Sunday of March 02:00 -> EDT, first Sunday
//! of November 02:00 -> EST; EU zones: last Sunday of March/October 01:00 UTC).

use bson::{Bson, DateTime, Document, doc};
use docdb_query::{Variables, evaluate};

fn date(iso: &str) -> Bson {
    Bson::DateTime(DateTime::parse_rfc3339_str(iso).unwrap_or_else(|e| panic!("{iso}: {e}")))
}

fn eval(expr: Document, root: &Document) -> Bson {
    evaluate(&Bson::Document(expr), root, &Variables::new()).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn date_to_string_reference_examples() {
    let sale = doc! {"date": date("2014-01-01T08:15:39.736Z")};
    let cases = [
        (doc! {"format": "%Y-%m-%d", "date": "$date"}, "2014-01-01"),
        (
            doc! {"format": "%H:%M:%S:%L%z", "date": "$date", "timezone": "America/New_York"},
            "03:15:39:736-0500",
        ),
        (
            doc! {"format": "%H:%M:%S:%L%z", "date": "$date", "timezone": "+04:30"},
            "12:45:39:736+0430",
        ),
        (
            doc! {"format": "%Z", "date": "$date", "timezone": "America/New_York"},
            "-300",
        ),
        (
            doc! {"format": "%Z", "date": "$date", "timezone": "+04:30"},
            "270",
        ),
    ];
    for (spec, want) in cases {
        assert_eq!(
            eval(doc! {"$dateToString": spec.clone()}, &sale),
            Bson::String(want.into()),
            "{spec}"
        );
    }
}

#[test]
fn date_to_parts_reference_examples() {
    let sale = doc! {"date": date("2017-01-01T01:29:09.123Z")};
    assert_eq!(
        eval(doc! {"$dateToParts": {"date": "$date"}}, &sale),
        Bson::Document(
            doc! {"year": 2017, "month": 1, "day": 1, "hour": 1, "minute": 29, "second": 9, "millisecond": 123}
        )
    );
    assert_eq!(
        eval(
            doc! {"$dateToParts": {"date": "$date", "iso8601": true}},
            &sale
        ),
        Bson::Document(
            doc! {"isoWeekYear": 2016, "isoWeek": 52, "isoDayOfWeek": 7, "hour": 1, "minute": 29, "second": 9, "millisecond": 123}
        )
    );
    assert_eq!(
        eval(
            doc! {"$dateToParts": {"date": "$date", "timezone": "America/New_York"}},
            &sale
        ),
        Bson::Document(
            doc! {"year": 2016, "month": 12, "day": 31, "hour": 20, "minute": 29, "second": 9, "millisecond": 123}
        )
    );
}

#[test]
fn date_from_parts_and_from_string_reference_examples() {
    let none = doc! {};
    assert_eq!(
        eval(
            doc! {"$dateFromParts": {"year": 2016, "month": 12, "day": 31, "hour": 23, "minute": 46, "second": 12, "timezone": "America/New_York"}},
            &none
        ),
        date("2017-01-01T04:46:12Z")
    );
    let logs = [
        (
            "2017-02-08T12:10:40.787",
            "America/New_York",
            "2017-02-08T17:10:40.787Z",
        ),
        ("2017-02-08", "-05:00", "2017-02-08T05:00:00Z"),
        ("2017-02-09", "Europe/London", "2017-02-09T00:00:00Z"),
        (
            "2017-02-09T03:35:02.055",
            "+0530",
            "2017-02-08T22:05:02.055Z",
        ),
    ];
    for (text, tz, want) in logs {
        assert_eq!(
            eval(
                doc! {"$dateFromString": {"dateString": text, "timezone": tz}},
                &none
            ),
            date(want),
            "{text} in {tz}"
        );
    }
}

#[test]
fn daylight_saving_time_changes_the_offset() {
    let summer = doc! {"date": date("2021-07-01T12:00:00Z")};
    assert_eq!(
        eval(
            doc! {"$dateToString": {"format": "%H:%M%z", "date": "$date", "timezone": "America/New_York"}},
            &summer
        ),
        Bson::String("08:00-0400".into())
    );
    assert_eq!(
        eval(
            doc! {"$hour": {"date": "$date", "timezone": "Europe/Amsterdam"}},
            &summer
        ),
        Bson::Int32(14)
    );
    let winter = doc! {"date": date("2021-01-01T12:00:00Z")};
    assert_eq!(
        eval(
            doc! {"$hour": {"date": "$date", "timezone": "Europe/Amsterdam"}},
            &winter
        ),
        Bson::Int32(13)
    );
    // Either side of the spring change in New York (2021-03-14 07:00Z = 03:00 EDT).
    let before = doc! {"date": date("2021-03-14T06:59:59Z")};
    let after = doc! {"date": date("2021-03-14T07:00:00Z")};
    let hour = doc! {"$hour": {"date": "$date", "timezone": "America/New_York"}};
    assert_eq!(eval(hour.clone(), &before), Bson::Int32(1));
    assert_eq!(eval(hour, &after), Bson::Int32(3));
    // A wall-clock day across the change is 23 hours long: 07:00 EST + 1 day = 07:00 EDT.
    assert_eq!(
        eval(
            doc! {"$dateAdd": {"startDate": date("2021-03-13T12:00:00Z"), "unit": "day", "amount": 1, "timezone": "America/New_York"}},
            &before
        ),
        date("2021-03-14T11:00:00Z")
    );
    // Truncating to the local day in autumn (2021-10-31 is the EU change day, 25 hours long).
    assert_eq!(
        eval(
            doc! {"$dateTrunc": {"date": date("2021-10-31T20:00:00Z"), "unit": "day", "timezone": "Europe/Amsterdam"}},
            &before
        ),
        date("2021-10-30T22:00:00Z")
    );
    assert_eq!(
        eval(
            doc! {"$dateDiff": {"startDate": date("2021-10-30T22:00:00Z"), "endDate": date("2021-10-31T23:00:00Z"), "unit": "day", "timezone": "Europe/Amsterdam"}},
            &before
        ),
        Bson::Int64(1)
    );
}

#[test]
fn an_offset_in_the_string_and_a_timezone_argument_conflict() {
    // $dateFromString reference: a dateString with its own offset cannot be combined with
    // `timezone` (mongod: ConversionFailure); without `timezone` the string's offset applies.
    let with_offset = "2017-02-08T12:10:40.787+02:00";
    let err = evaluate(
        &Bson::Document(
            doc! {"$dateFromString": {"dateString": with_offset, "timezone": "America/New_York"}},
        ),
        &doc! {},
        &Variables::new(),
    )
    .unwrap_err();
    assert_eq!(err.code, 241, "{err:?}");
    assert_eq!(
        eval(
            doc! {"$dateFromString": {"dateString": with_offset}},
            &doc! {}
        ),
        date("2017-02-08T10:10:40.787Z")
    );
    assert_eq!(
        eval(
            doc! {"$dateFromString": {"dateString": with_offset, "timezone": "UTC", "onError": "bad"}},
            &doc! {}
        ),
        Bson::String("bad".into())
    );
}

#[test]
fn unknown_zones_are_error_40485() {
    for tz in ["Mars/Olympus", "america/new_york", "+5:3", "EST5"] {
        let err = evaluate(
            &Bson::Document(doc! {"$hour": {"date": date("2021-01-01T00:00:00Z"), "timezone": tz}}),
            &doc! {},
            &Variables::new(),
        )
        .unwrap_err();
        assert_eq!(err.code, 40485, "{tz}: {err:?}");
    }
}
