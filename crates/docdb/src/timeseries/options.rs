//! The `timeseries` option of `create`: parsed and checked as mongod 7.0 does
//! (its IDL and `checkBucketingParameters`), and shown back as `listCollections`
//! shows it.

use bson::{Bson, Document, doc};

use crate::error::{CommandError, Result, codes};

/// A time-series collection's options, with the bucketing defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeseriesOptions {
    pub time_field: String,
    pub meta_field: Option<String>,
    /// `seconds`, `minutes` or `hours`; None when custom bucketing was given.
    pub granularity: Option<String>,
    pub bucket_max_span_seconds: i64,
    pub bucket_rounding_seconds: i64,
}

fn span_of(granularity: &str) -> i64 {
    match granularity {
        "minutes" => 60 * 60 * 24,
        "hours" => 60 * 60 * 24 * 30,
        _ => 60 * 60,
    }
}

fn rounding_of(granularity: &str) -> i64 {
    match granularity {
        "minutes" => 60 * 60,
        "hours" => 60 * 60 * 24,
        _ => 60,
    }
}

fn string_field(spec: &Document, field: &str) -> Result<Option<String>> {
    match spec.get(field) {
        None => Ok(None),
        Some(Bson::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(CommandError::type_mismatch(format!(
            "BSON field 'create.timeseries.{field}' is the wrong type '{}', expected type 'string'",
            docdb_query::value::type_alias(other)
        ))),
    }
}

fn seconds_field(spec: &Document, field: &str) -> Result<Option<i64>> {
    let v = match spec.get(field) {
        None => return Ok(None),
        Some(v @ (Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_))) => {
            crate::index::spec::number(v).unwrap_or(0.0) as i64
        }
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'create.timeseries.{field}' is the wrong type '{}', expected types '[long, int, decimal, double]'",
                docdb_query::value::type_alias(other)
            )));
        }
    };
    if !(1..=31_536_000).contains(&v) {
        let rule = if v < 1 { ">= 1" } else { "<= 31536000" };
        return Err(crate::capped::error(
            51024,
            format!("BSON field 'timeseries.{field}' value must be {rule}, actual value '{v}'"),
        ));
    }
    Ok(Some(v))
}

impl TimeseriesOptions {
    /// Parses `timeseries: {...}` (the document itself).
    pub fn parse(spec: &Document) -> Result<TimeseriesOptions> {
        for key in spec.keys() {
            if !matches!(
                key.as_str(),
                "timeField"
                    | "metaField"
                    | "granularity"
                    | "bucketMaxSpanSeconds"
                    | "bucketRoundingSeconds"
            ) {
                return Err(crate::capped::error(
                    40415,
                    format!("BSON field 'create.timeseries.{key}' is an unknown field."),
                ));
            }
        }
        let Some(time_field) = string_field(spec, "timeField")? else {
            return Err(crate::capped::error(
                40414,
                "BSON field 'create.timeseries.timeField' is missing but a required field",
            ));
        };
        let meta_field = string_field(spec, "metaField")?;
        let granularity = string_field(spec, "granularity")?;
        if let Some(g) = &granularity
            && !matches!(g.as_str(), "seconds" | "minutes" | "hours")
        {
            return Err(CommandError::bad_value(format!(
                "Enumeration value '{g}' for field 'create.timeseries.granularity' is not a valid value."
            )));
        }
        let max_span = seconds_field(spec, "bucketMaxSpanSeconds")?;
        let rounding = seconds_field(spec, "bucketRoundingSeconds")?;
        let invalid = |m: String| CommandError::new(codes::INVALID_OPTIONS, m);
        let (granularity, span, round) = match (&granularity, max_span, rounding) {
            (Some(g), span, rounding) => {
                if span.is_some_and(|s| s != span_of(g)) {
                    return Err(invalid(format!(
                        "Time-series 'bucketMaxSpanSeconds' cannot be set to a value other than the default of {} for the provided granularity",
                        span_of(g)
                    )));
                }
                if rounding.is_some() {
                    return Err(invalid(
                        "Time-series 'bucketRoundingSeconds' cannot be set alongside the granularity parameter".into(),
                    ));
                }
                (Some(g.clone()), span_of(g), rounding_of(g))
            }
            (None, None, None) => (Some("seconds".to_string()), 3600, 60),
            (None, span, rounding) => {
                if span != rounding {
                    return Err(invalid(
                        "Time-series 'bucketRoundingSeconds' must be equal to 'bucketMaxSpanSeconds'"
                            .into(),
                    ));
                }
                let s = span.unwrap_or(3600);
                (None, s, s)
            }
        };
        if time_field.contains('.') {
            return Err(invalid(
                "'timeField' must be a top-level field and not contain a '.'".into(),
            ));
        }
        if let Some(m) = &meta_field {
            if m == "_id" {
                return Err(invalid("'metaField' cannot be \"_id\"".into()));
            }
            if *m == time_field {
                return Err(invalid(
                    "'metaField' cannot be the same as 'timeField'".into(),
                ));
            }
            if m.contains('.') {
                return Err(invalid(
                    "'metaField' must be a top-level field and not contain a '.'".into(),
                ));
            }
        }
        Ok(TimeseriesOptions {
            time_field,
            meta_field,
            granularity,
            bucket_max_span_seconds: span,
            bucket_rounding_seconds: round,
        })
    }

    /// The options as `listCollections` shows them.
    pub fn to_document(&self) -> Document {
        let mut d = doc! {"timeField": self.time_field.clone()};
        if let Some(m) = &self.meta_field {
            d.insert("metaField", m.clone());
        }
        match &self.granularity {
            Some(g) => {
                d.insert("granularity", g.clone());
            }
            None => {
                d.insert("bucketRoundingSeconds", self.bucket_rounding_seconds as i32);
            }
        }
        d.insert("bucketMaxSpanSeconds", self.bucket_max_span_seconds as i32);
        d
    }

    /// Reads back what [`TimeseriesOptions::to_document`] wrote (stored options).
    pub fn from_stored(d: &Document) -> Option<TimeseriesOptions> {
        let n = |k: &str| {
            d.get(k)
                .and_then(crate::index::spec::number)
                .map(|f| f as i64)
        };
        Some(TimeseriesOptions {
            time_field: d.get_str("timeField").ok()?.to_string(),
            meta_field: d.get_str("metaField").ok().map(str::to_string),
            granularity: d.get_str("granularity").ok().map(str::to_string),
            bucket_max_span_seconds: n("bucketMaxSpanSeconds")?,
            bucket_rounding_seconds: n("bucketRoundingSeconds")
                .unwrap_or_else(|| rounding_of(d.get_str("granularity").unwrap_or("seconds"))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_listing_follow_mongod() {
        let o = TimeseriesOptions::parse(&doc! {"timeField": "timestamp", "metaField": "metadata"})
            .unwrap();
        assert_eq!(
            o.to_document(),
            doc! {"timeField": "timestamp", "metaField": "metadata", "granularity": "seconds", "bucketMaxSpanSeconds": 3600}
        );
        let o = TimeseriesOptions::parse(&doc! {"timeField": "t", "granularity": "hours"}).unwrap();
        assert_eq!(o.bucket_max_span_seconds, 2_592_000);
        assert_eq!(o.bucket_rounding_seconds, 86_400);
    }

    #[test]
    fn bucketing_errors_are_mongods() {
        let code = |d: Document| TimeseriesOptions::parse(&d).unwrap_err().code;
        assert_eq!(code(doc! {"metaField": "m"}), 40414);
        assert_eq!(code(doc! {"timeField": "t", "granularity": "days"}), 2);
        assert_eq!(
            code(doc! {"timeField": "t", "bucketMaxSpanSeconds": 100}),
            72
        );
        assert_eq!(
            code(doc! {"timeField": "t", "granularity": "seconds", "bucketRoundingSeconds": 60}),
            72
        );
        assert_eq!(code(doc! {"timeField": "t", "metaField": "t"}), 72);
        assert_eq!(code(doc! {"timeField": "t", "metaField": "_id"}), 72);
    }
}
