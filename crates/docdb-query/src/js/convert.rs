//! BSON values as JavaScript values and back, with mongod's mapping.
//!
//! Into JavaScript: doubles and int32 are numbers, int64 a `NumberLong`, decimal128 a
//! `NumberDecimal`, dates `Date`, regexes `RegExp` (flags JavaScript lacks are dropped),
//! ObjectId/BinData/Timestamp/MinKey/MaxKey the prelude's objects, Code a `Code` object.
//! Back to BSON: every JavaScript number is a double (as mongod writes them), the prelude's
//! objects their BSON type, functions Code, other objects documents.

use bson::spec::BinarySubtype;
use bson::{Binary, Bson, Document};
use rquickjs::{Array, Ctx, Function, Object, Value};

use super::interpreter_failure;
use crate::error::Result;

/// Nesting deeper than this is refused when reading a value back (cycles included).
const MAX_DEPTH: usize = 150;

/// One of the prelude's BSON factories (`__bson.long(...)`).
fn factory<'js>(ctx: &Ctx<'js>, name: &str) -> rquickjs::Result<Function<'js>> {
    let bsonlib: Object = ctx.globals().get("__bson")?;
    bsonlib.get(name)
}

/// A document as a plain JavaScript object.
pub(super) fn to_js_document<'js>(ctx: &Ctx<'js>, doc: &Document) -> rquickjs::Result<Object<'js>> {
    let obj = Object::new(ctx.clone())?;
    for (k, v) in doc {
        obj.set(k.as_str(), to_js(ctx, v)?)?;
    }
    Ok(obj)
}

/// A BSON value as a JavaScript value.
pub(super) fn to_js<'js>(ctx: &Ctx<'js>, v: &Bson) -> rquickjs::Result<Value<'js>> {
    let c = ctx.clone();
    Ok(match v {
        Bson::Double(d) => Value::new_float(c, *d),
        Bson::Int32(i) => Value::new_int(c, *i),
        Bson::Boolean(b) => Value::new_bool(c, *b),
        Bson::Null => Value::new_null(c),
        Bson::Undefined => Value::new_undefined(c),
        Bson::String(s) | Bson::Symbol(s) => rquickjs::String::from_str(c, s)?.into_value(),
        Bson::Document(d) => to_js_document(ctx, d)?.into_value(),
        Bson::Array(items) => {
            let arr = Array::new(c)?;
            for (i, item) in items.iter().enumerate() {
                arr.set(i, to_js(ctx, item)?)?;
            }
            arr.into_value()
        }
        Bson::Int64(i) => factory(ctx, "long")?.call((i.to_string(),))?,
        Bson::Decimal128(d) => factory(ctx, "decimal")?.call((d.to_string(),))?,
        Bson::ObjectId(o) => factory(ctx, "oid")?.call((o.to_hex(),))?,
        Bson::DateTime(d) => factory(ctx, "date")?.call((d.timestamp_millis() as f64,))?,
        Bson::RegularExpression(r) => factory(ctx, "regex")?.call((
            r.pattern.as_str().to_string(),
            r.options.as_str().to_string(),
        ))?,
        Bson::Binary(b) => {
            let subtype: u8 = b.subtype.into();
            factory(ctx, "bin")?.call((subtype as i32, base64(&b.bytes)))?
        }
        Bson::Timestamp(t) => factory(ctx, "ts")?.call((t.time as f64, t.increment as f64))?,
        Bson::MinKey => factory(ctx, "minKey")?.call(())?,
        Bson::MaxKey => factory(ctx, "maxKey")?.call(())?,
        Bson::JavaScriptCode(code) => factory(ctx, "code")?.call((code.clone(),))?,
        Bson::JavaScriptCodeWithScope(cws) => factory(ctx, "code")?.call((cws.code.clone(),))?,
        Bson::DbPointer(_) => Value::new_null(c),
    })
}

/// A JavaScript value as BSON; `depth` counts the containers entered so far.
pub(super) fn from_js(ctx: &Ctx, v: &Value, depth: usize) -> Result<Bson> {
    if depth > MAX_DEPTH {
        return Err(interpreter_failure(
            "value too deeply nested to convert to BSON (or it refers to itself)",
        ));
    }
    if v.is_undefined() {
        return Ok(Bson::Undefined);
    }
    if v.is_null() {
        return Ok(Bson::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Bson::Boolean(b));
    }
    if let Some(n) = v.as_number() {
        return Ok(Bson::Double(n));
    }
    if let Some(s) = v.as_string() {
        return Ok(Bson::String(s.to_string().map_err(js_error)?));
    }
    if v.is_function() {
        // ToString of a function is its source text.
        let source: rquickjs::Coerced<String> = v.get().map_err(js_error)?;
        return Ok(Bson::JavaScriptCode(source.0));
    }
    if let Some(arr) = v.as_array() {
        let mut out = Vec::with_capacity(arr.len());
        for item in arr.iter::<Value>() {
            out.push(from_js(ctx, &item.map_err(js_error)?, depth + 1)?);
        }
        return Ok(Bson::Array(out));
    }
    let Some(obj) = v.as_object() else {
        // Symbols, BigInts: what a document cannot hold.
        return Err(interpreter_failure(format!(
            "cannot convert a JavaScript {} to BSON",
            v.type_name()
        )));
    };
    if let Some(special) = special_from_js(ctx, obj)? {
        return Ok(special);
    }
    let mut doc = Document::new();
    for key in obj.keys::<String>() {
        let key = key.map_err(js_error)?;
        let value: Value = obj.get(key.as_str()).map_err(js_error)?;
        doc.insert(key, from_js(ctx, &value, depth + 1)?);
    }
    Ok(Bson::Document(doc))
}

/// Dates, regexes and the prelude's BSON objects (tagged `__bsontype` on their prototypes).
fn special_from_js(ctx: &Ctx, obj: &Object) -> Result<Option<Bson>> {
    let tag: Option<String> = obj.get("__bsontype").map_err(js_error)?;
    let Some(tag) = tag else {
        return Ok(None);
    };
    let text = |name: &str| -> Result<String> {
        let v: rquickjs::Coerced<String> = obj.get(name).map_err(js_error)?;
        Ok(v.0)
    };
    let number = |name: &str| -> Result<f64> {
        let v: rquickjs::Coerced<f64> = obj.get(name).map_err(js_error)?;
        Ok(v.0)
    };
    let bad =
        |what: &str, value: &str| interpreter_failure(format!("invalid {what} value {value:?}"));
    Ok(Some(match tag.as_str() {
        "Date" => {
            let millis = number("__millis")?;
            if !millis.is_finite() {
                return Err(interpreter_failure(
                    "cannot convert an invalid Date to BSON",
                ));
            }
            Bson::DateTime(bson::DateTime::from_millis(millis as i64))
        }
        "RegExp" => {
            let pattern = text("source")?;
            let flags: String = text("flags")?
                .chars()
                .filter(|c| matches!(c, 'i' | 'm' | 's' | 'u' | 'x'))
                .collect();
            Bson::RegularExpression(bson::Regex {
                pattern: pattern.try_into().map_err(|_| bad("RegExp", "NUL"))?,
                options: flags.try_into().map_err(|_| bad("RegExp", "NUL"))?,
            })
        }
        "Long" => {
            let v = text("__v")?;
            Bson::Int64(v.parse().map_err(|_| bad("NumberLong", &v))?)
        }
        "Int" => Bson::Int32(number("__v")? as i32),
        "Decimal" => {
            let v = text("__v")?;
            Bson::Decimal128(v.parse().map_err(|_| bad("NumberDecimal", &v))?)
        }
        "ObjectId" => {
            let v = text("str")?;
            Bson::ObjectId(bson::oid::ObjectId::parse_str(&v).map_err(|_| bad("ObjectId", &v))?)
        }
        "BinData" => {
            let subtype = number("__subtype")? as u8;
            let data = text("__base64")?;
            Bson::Binary(Binary {
                subtype: BinarySubtype::from(subtype),
                bytes: unbase64(&data).ok_or_else(|| bad("BinData", &data))?,
            })
        }
        "Timestamp" => Bson::Timestamp(bson::Timestamp {
            time: number("t")? as u32,
            increment: number("i")? as u32,
        }),
        "MinKey" => Bson::MinKey,
        "MaxKey" => Bson::MaxKey,
        "Code" => Bson::JavaScriptCode(text("code")?),
        _ => {
            let _ = ctx;
            return Ok(None);
        }
    }))
}

fn js_error(e: rquickjs::Error) -> crate::error::QueryError {
    interpreter_failure(format!("converting a JavaScript value to BSON: {e}"))
}

/// Standard base64 with padding (BinData's text form).
fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unbase64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}
