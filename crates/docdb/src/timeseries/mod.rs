//! Time-series collections, stored as mongod stores them: measurements grouped
//! into bucket documents in `system.buckets.<name>`, and `<name>` a view over the
//! buckets whose pipeline unpacks them (`$_internalUnpackBucket`, as mongod's own
//! view definition reads).
//!
//! A bucket holds the measurements of one `meta` value whose times fall in
//! `[control.min.<time>, control.min.<time> + bucketMaxSpanSeconds)`, at most
//! [`MAX_BUCKET_COUNT`] of them, column by column:
//! `{_id, control: {version: 1, min, max}, meta, data: {<field>: {"0": v0, "1": v1}}}`.
//! `control.min.<time>` is the first measurement's time rounded down to
//! `bucketRoundingSeconds`, and the bucket's ObjectId carries that time, as in
//! mongod. Unpacking gives each measurement back with the time field first, then
//! the meta field, then its other fields in the order they were first seen in
//! the bucket (mongod's classic bucket unpacker's order).
//!
//! `options.rs` parses and shows the `timeseries` options; `commands/timeseries.rs`
//! holds the command hooks (create, insert, delete, listings).

pub mod options;

use bson::{Bson, Document, doc, oid::ObjectId};

pub use options::TimeseriesOptions;

use crate::error::{CommandError, Result, codes};

/// mongod's default cap on measurements per bucket.
pub const MAX_BUCKET_COUNT: usize = 1000;
/// The prefix of a time-series collection's buckets collection.
pub const BUCKETS_PREFIX: &str = "system.buckets.";
/// The stage mongod's time-series view definition starts with.
pub const UNPACK_STAGE: &str = "$_internalUnpackBucket";

/// `system.buckets.<name>` for a time-series collection `name`.
pub fn buckets_name(coll: &str) -> String {
    format!("{BUCKETS_PREFIX}{coll}")
}

/// Whether `coll` is a buckets collection.
pub fn is_buckets(coll: &str) -> bool {
    coll.starts_with(BUCKETS_PREFIX)
}

/// The unpack stage of a view definition, when the pipeline is a time-series view's.
pub fn unpack_spec(pipeline: &[Document]) -> Option<&Document> {
    match pipeline.first()?.get(UNPACK_STAGE) {
        Some(Bson::Document(spec)) => Some(spec),
        _ => None,
    }
}

/// The view pipeline of a time-series collection, as mongod writes it in `system.views`.
pub fn view_pipeline(o: &TimeseriesOptions) -> Vec<Bson> {
    let mut spec = doc! {"timeField": o.time_field.clone()};
    if let Some(m) = &o.meta_field {
        spec.insert("metaField", m.clone());
    }
    spec.insert("bucketMaxSpanSeconds", o.bucket_max_span_seconds as i32);
    vec![Bson::Document(doc! {UNPACK_STAGE: spec})]
}

/// The error mongod gives for a measurement without a date in its time field.
pub fn missing_time_error(time_field: &str) -> CommandError {
    CommandError::new(
        codes::BAD_VALUE,
        format!("'{time_field}' must be present and contain a valid BSON UTC datetime value"),
    )
}

/// The measurement's time (checked to be a date).
pub fn measurement_time(o: &TimeseriesOptions, doc: &Document) -> Result<bson::DateTime> {
    match doc.get(&o.time_field) {
        Some(Bson::DateTime(t)) => Ok(*t),
        _ => Err(missing_time_error(&o.time_field)),
    }
}

/// Rounds a time down to the bucket rounding (mongod's `roundTimestampToGranularity`).
pub fn round_down(o: &TimeseriesOptions, t: bson::DateTime) -> bson::DateTime {
    let step = o.bucket_rounding_seconds.max(1) * 1000;
    let ms = t.timestamp_millis();
    bson::DateTime::from_millis(ms - ms.rem_euclid(step))
}

fn bucket_len(bucket: &Document, time_field: &str) -> usize {
    bucket
        .get_document("data")
        .ok()
        .and_then(|d| d.get_document(time_field).ok())
        .map_or(0, Document::len)
}

fn bucket_min_time(bucket: &Document, time_field: &str) -> Option<i64> {
    match bucket
        .get_document("control")
        .ok()?
        .get_document("min")
        .ok()?
        .get(time_field)
    {
        Some(Bson::DateTime(t)) => Some(t.timestamp_millis()),
        _ => None,
    }
}

/// Whether `measurement` (with time `t` and meta `meta`) belongs in `bucket`.
pub fn fits(
    o: &TimeseriesOptions,
    bucket: &Document,
    meta: Option<&Bson>,
    t: bson::DateTime,
) -> bool {
    if bucket.get("meta") != meta {
        return false;
    }
    if bucket_len(bucket, &o.time_field) >= MAX_BUCKET_COUNT {
        return false;
    }
    let Some(min) = bucket_min_time(bucket, &o.time_field) else {
        return false;
    };
    let ms = t.timestamp_millis();
    ms >= min && ms < min + o.bucket_max_span_seconds * 1000
}

/// A new bucket holding one measurement.
pub fn new_bucket(o: &TimeseriesOptions, measurement: &Document) -> Result<Document> {
    let t = measurement_time(o, measurement)?;
    let rounded = round_down(o, t);
    let id = object_id_at(rounded);
    let mut bucket = doc! {
        "_id": id,
        "control": {"version": 1, "min": Document::new(), "max": Document::new()},
    };
    let meta = o.meta_field.as_ref().and_then(|m| measurement.get(m));
    if let Some(meta) = meta {
        bucket.insert("meta", meta.clone());
    }
    bucket.insert("data", Document::new());
    add_measurement(o, &mut bucket, measurement);
    // control.min of the time field is the rounded time, as in mongod.
    if let Ok(control) = bucket.get_document_mut("control")
        && let Ok(min) = control.get_document_mut("min")
    {
        min.insert(o.time_field.clone(), rounded);
    }
    Ok(bucket)
}

/// An ObjectId whose timestamp is `t` (seconds), the rest random.
fn object_id_at(t: bson::DateTime) -> ObjectId {
    let mut bytes = ObjectId::new().bytes();
    let secs = (t.timestamp_millis().div_euclid(1000)) as u32;
    bytes[..4].copy_from_slice(&secs.to_be_bytes());
    ObjectId::from_bytes(bytes)
}

/// Appends a measurement's fields (all but the meta field) to the bucket's columns and
/// widens `control.min`/`control.max`.
pub fn add_measurement(o: &TimeseriesOptions, bucket: &mut Document, measurement: &Document) {
    let index = bucket_len(bucket, &o.time_field).to_string();
    let mut mins: Vec<(String, Bson)> = Vec::new();
    if let Ok(data) = bucket.get_document_mut("data") {
        for (field, value) in measurement {
            if o.meta_field.as_deref() == Some(field.as_str()) {
                continue;
            }
            if !data.contains_key(field) {
                data.insert(field.clone(), Document::new());
            }
            if let Ok(column) = data.get_document_mut(field) {
                column.insert(index.clone(), value.clone());
            }
            mins.push((field.clone(), value.clone()));
        }
    }
    if let Ok(control) = bucket.get_document_mut("control") {
        for (side, keep_less) in [("min", true), ("max", false)] {
            if !control.contains_key(side) {
                control.insert(side, Document::new());
            }
            if let Ok(bound) = control.get_document_mut(side) {
                for (field, value) in &mins {
                    let replace = match bound.get(field) {
                        None => true,
                        Some(current) => {
                            let ord = docdb_query::value::compare(value, current);
                            if keep_less { ord.is_lt() } else { ord.is_gt() }
                        }
                    };
                    if replace {
                        bound.insert(field.clone(), value.clone());
                    }
                }
            }
        }
    }
}

/// The measurements of one bucket, in the order they were inserted.
pub fn unpack(time_field: &str, meta_field: Option<&str>, bucket: &Document) -> Vec<Document> {
    let Ok(data) = bucket.get_document("data") else {
        return Vec::new();
    };
    let Ok(times) = data.get_document(time_field) else {
        return Vec::new();
    };
    let meta = bucket.get("meta");
    times
        .iter()
        .map(|(key, time)| {
            let mut m = doc! {time_field: time.clone()};
            if let (Some(name), Some(meta)) = (meta_field, meta) {
                m.insert(name, meta.clone());
            }
            for (field, column) in data {
                if field == time_field {
                    continue;
                }
                if let Some(v) = column.as_document().and_then(|c| c.get(key)) {
                    m.insert(field.clone(), v.clone());
                }
            }
            m
        })
        .collect()
}

/// Rebuilds buckets from measurements (after a delete removed some of them), keeping
/// each bucket's `_id` when anything of it remains.
pub fn repack(
    o: &TimeseriesOptions,
    id: &Bson,
    measurements: &[Document],
) -> Result<Option<Document>> {
    let Some((first, rest)) = measurements.split_first() else {
        return Ok(None);
    };
    let mut bucket = new_bucket(o, first)?;
    bucket.insert("_id", id.clone());
    for m in rest {
        add_measurement(o, &mut bucket, m);
    }
    Ok(Some(crate::commands::write_util::with_id_first(bucket)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> TimeseriesOptions {
        TimeseriesOptions::parse(&doc! {"timeField": "ts", "metaField": "m"}).unwrap()
    }

    #[test]
    fn a_bucket_round_trips_its_measurements() {
        let o = opts();
        let t0 = bson::DateTime::from_millis(1_621_296_000_000 + 1234);
        let a = doc! {"_id": 1, "m": "s1", "ts": t0, "temp": 12};
        let b = doc! {"_id": 2, "m": "s1", "ts": bson::DateTime::from_millis(t0.timestamp_millis() + 5000), "temp": 11, "hum": 3};
        let mut bucket = new_bucket(&o, &a).unwrap();
        assert!(fits(
            &o,
            &bucket,
            Some(&Bson::String("s1".into())),
            bson::DateTime::from_millis(t0.timestamp_millis() + 5000)
        ));
        assert!(!fits(&o, &bucket, Some(&Bson::String("s2".into())), t0));
        add_measurement(&o, &mut bucket, &b);
        let back = unpack("ts", Some("m"), &bucket);
        assert_eq!(
            back[0],
            doc! {"ts": a.get("ts").unwrap().clone(), "m": "s1", "_id": 1, "temp": 12}
        );
        assert_eq!(
            back[1],
            doc! {"ts": b.get("ts").unwrap().clone(), "m": "s1", "_id": 2, "temp": 11, "hum": 3}
        );
        let control = bucket.get_document("control").unwrap();
        assert_eq!(
            control.get_document("min").unwrap().get("ts"),
            Some(&Bson::DateTime(bson::DateTime::from_millis(
                1_621_296_000_000
            )))
        );
        assert_eq!(
            control
                .get_document("max")
                .unwrap()
                .get_i32("temp")
                .unwrap(),
            12
        );
    }
}
