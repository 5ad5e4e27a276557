//! JavaScript values ↔ BSON, as mongosh's js-bson converts them.
//!
//! To BSON: a JavaScript number is an Int32 when it is a whole number within Int32 (what js-bson
//! writes for `5`), else a Double; `Date` is a UTC datetime, `RegExp` a regular expression, a
//! function is Code (what `$where: function () {…}` needs); the wrapper classes of the prelude
//! (`ObjectId`, `Long`, `Decimal128`, …) are recognised by their `_bsontype`. `undefined` inside a
//! document is `null`, as js-bson writes it with `ignoreUndefined: false`.
//!
//! From BSON: numbers become JavaScript numbers (Int32 and Double alike, as mongosh shows them),
//! an Int64 a `Long`, dates `Date`s, regular expressions `RegExp`s (or `BSONRegExp` when their
//! flags are not JavaScript's), the other types the prelude's wrappers, built by `__bson.*`.

use bson::{Binary, Bson, Document, oid::ObjectId, spec::BinarySubtype};
use mongosh::inspect::shown;
use rquickjs::{Array, Ctx, Function, Object, Value};

/// Nesting deeper than this is taken for a cycle (`a.self = a`): BSON allows 100 levels anyway.
const MAX_DEPTH: usize = 200;

/// Why a value has no BSON form.
#[derive(Debug)]
pub struct ConvertError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, ConvertError> {
    Err(ConvertError(message.into()))
}

/// The BSON of a JavaScript value; `undefined` at the top is `Bson::Undefined` (the caller
/// decides: a printed `undefined`, a dropped argument).
pub fn to_bson<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> Result<Bson, ConvertError> {
    let classes = Classes::new(ctx);
    convert(ctx, &classes, value, 0)
}

/// The BSON the printer shows for a value: as [`to_bson`], except that what mongosh prints
/// differently from the stored form keeps its shape (a user's `Int32(3)` and `Double(2)`, class
/// instances, `Map` with any keys, `Set`), as `mongosh::inspect::shown` markers. Never stored.
pub fn to_shown_bson<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> Result<Bson, ConvertError> {
    let mut classes = Classes::new(ctx);
    classes.print = true;
    convert(ctx, &classes, value, 0)
}

struct Classes<'js> {
    date: Option<Object<'js>>,
    regexp: Option<Object<'js>>,
    map: Option<Object<'js>>,
    set: Option<Object<'js>>,
    entries: Option<Function<'js>>,
    /// Converting for the printer ([`to_shown_bson`]).
    print: bool,
}

impl<'js> Classes<'js> {
    fn new(ctx: &Ctx<'js>) -> Self {
        let globals = ctx.globals();
        let factory: Option<Object> = globals.get("__bson").ok();
        Classes {
            date: globals.get("Date").ok(),
            regexp: globals.get("RegExp").ok(),
            map: globals.get("Map").ok(),
            set: globals.get("Set").ok(),
            entries: factory.and_then(|f| f.get("entries").ok()),
            print: false,
        }
    }
}

fn is_instance<'js>(object: &Object<'js>, class: &Option<Object<'js>>) -> bool {
    class
        .as_ref()
        .is_some_and(|class| object.is_instance_of(class.as_value()))
}

fn number(n: f64) -> Bson {
    let whole = n.fract() == 0.0 && n >= i32::MIN as f64 && n <= i32::MAX as f64;
    if whole && !(n == 0.0 && n.is_sign_negative()) {
        Bson::Int32(n as i32)
    } else {
        Bson::Double(n)
    }
}

fn convert<'js>(
    ctx: &Ctx<'js>,
    classes: &Classes<'js>,
    value: &Value<'js>,
    depth: usize,
) -> Result<Bson, ConvertError> {
    if depth > MAX_DEPTH {
        return err(
            "the value nests too deeply (or refers to itself): it has no BSON form; BSON documents nest at most 100 levels",
        );
    }
    if value.is_undefined() {
        return Ok(Bson::Undefined);
    }
    if value.is_null() {
        return Ok(Bson::Null);
    }
    if let Some(b) = value.as_bool() {
        return Ok(Bson::Boolean(b));
    }
    if let Some(i) = value.as_int() {
        return Ok(Bson::Int32(i));
    }
    if let Some(f) = value.as_float() {
        return Ok(number(f));
    }
    if let Some(s) = value.as_string() {
        return Ok(Bson::String(js_string(s)?));
    }
    if let Some(big) = value.as_big_int() {
        return match big.clone().to_i64() {
            Ok(i) => Ok(Bson::Int64(i)),
            Err(_) => err("a BigInt beyond 64 bits has no BSON form; use NumberDecimal('...')"),
        };
    }
    if value.is_symbol() {
        return err("a Symbol has no BSON form");
    }
    if let Some(function) = value.as_function() {
        let source: String = function_source(ctx, function)?;
        return Ok(Bson::JavaScriptCode(source));
    }
    if let Some(array) = value.as_array() {
        let mut items = Vec::with_capacity(array.len());
        for index in 0..array.len() {
            let item: Value = array.get(index).map_err(js_error)?;
            items.push(nested(convert(ctx, classes, &item, depth + 1)?));
        }
        return Ok(Bson::Array(items));
    }
    let Some(object) = value.as_object() else {
        return err(format!("a {} has no BSON form", value.type_name()));
    };
    if is_instance(object, &classes.date) {
        let time: Function = object.get("getTime").map_err(js_error)?;
        let ms: f64 = time
            .call((rquickjs::function::This(object.clone()),))
            .map_err(js_error)?;
        if ms.is_nan() {
            return err("Invalid Date has no BSON form");
        }
        return Ok(Bson::DateTime(bson::DateTime::from_millis(ms as i64)));
    }
    if is_instance(object, &classes.regexp) {
        let pattern: String = object.get("source").map_err(js_error)?;
        let flags: String = object.get("flags").map_err(js_error)?;
        let mut options: Vec<char> = flags.chars().filter(|c| "imsux".contains(*c)).collect();
        options.sort_unstable();
        return Ok(Bson::RegularExpression(bson::Regex {
            pattern: to_cstr(pattern)?,
            options: to_cstr(options.into_iter().collect())?,
        }));
    }
    if classes.print
        && let Some(entries) = &classes.entries
        && (is_instance(object, &classes.map) || is_instance(object, &classes.set))
    {
        // `entries()` of a Set are `[item, item]` pairs.
        let pairs: Array = entries.call((object.clone(),)).map_err(js_error)?;
        let mut shown = Vec::with_capacity(pairs.len());
        for index in 0..pairs.len() {
            let pair: Array = pairs.get(index).map_err(js_error)?;
            let key: Value = pair.get(0).map_err(js_error)?;
            let item: Value = pair.get(1).map_err(js_error)?;
            shown.push((
                nested(convert(ctx, classes, &key, depth + 1)?),
                nested(convert(ctx, classes, &item, depth + 1)?),
            ));
        }
        return Ok(if is_instance(object, &classes.map) {
            shown::map(shown)
        } else {
            shown::set(shown.into_iter().map(|(item, _)| item).collect())
        });
    }
    // js-bson writes a Map as a document of its entries, in insertion order.
    if is_instance(object, &classes.map)
        && let Some(entries) = &classes.entries
    {
        let pairs: Array = entries.call((object.clone(),)).map_err(js_error)?;
        let mut document = Document::new();
        for index in 0..pairs.len() {
            let pair: Array = pairs.get(index).map_err(js_error)?;
            let key: Value = pair.get(0).map_err(js_error)?;
            let Some(key) = key.as_string() else {
                return err("a Map with keys that are not strings has no BSON form");
            };
            let item: Value = pair.get(1).map_err(js_error)?;
            document.insert(
                js_string(key)?,
                nested(convert(ctx, classes, &item, depth + 1)?),
            );
        }
        return Ok(Bson::Document(document));
    }
    let tag: Option<String> = object.get("_bsontype").ok();
    if let Some(tag) = tag {
        return wrapper(ctx, classes, object, &tag, depth);
    }
    let mut document = Document::new();
    for key in object.keys::<String>() {
        let key = key.map_err(js_error)?;
        let item: Value = object.get(key.as_str()).map_err(js_error)?;
        document.insert(key, nested(convert(ctx, classes, &item, depth + 1)?));
    }
    if classes.print
        && let Some(name) = crate::shell::class_name(ctx, value)
    {
        return Ok(shown::class(name, document));
    }
    Ok(Bson::Document(document))
}

/// `undefined` inside a document or array is written as `null`, as js-bson does.
fn nested(value: Bson) -> Bson {
    match value {
        Bson::Undefined => Bson::Null,
        other => other,
    }
}

fn wrapper<'js>(
    ctx: &Ctx<'js>,
    classes: &Classes<'js>,
    object: &Object<'js>,
    tag: &str,
    depth: usize,
) -> Result<Bson, ConvertError> {
    let text = |name: &str| -> Result<String, ConvertError> { object.get(name).map_err(js_error) };
    Ok(match tag {
        "ObjectId" => {
            let hex = text("__hex")?;
            Bson::ObjectId(
                ObjectId::parse_str(&hex).map_err(|e| ConvertError(format!("ObjectId: {e}")))?,
            )
        }
        "Long" => {
            let digits = text("__value")?;
            Bson::Int64(
                digits.parse().map_err(|_| {
                    ConvertError(format!("Long('{digits}') is not a 64-bit integer"))
                })?,
            )
        }
        // mongosh prints a user's Int32 and Double with their constructor (`Int32(3)`,
        // `Double(2)`), unlike the plain numbers a server's reply holds.
        "Int32" if classes.print => {
            let n: f64 = object.get("__value").map_err(js_error)?;
            shown::leaf(format!("Int32({})", n as i32))
        }
        "Double" if classes.print => {
            let n: f64 = object.get("__value").map_err(js_error)?;
            shown::leaf(format!("Double({})", mongosh::inspect::js_number(n)))
        }
        "Int32" => {
            let n: f64 = object.get("__value").map_err(js_error)?;
            Bson::Int32(n as i32)
        }
        "Double" => {
            let n: f64 = object.get("__value").map_err(js_error)?;
            Bson::Double(n)
        }
        "Decimal128" => {
            let digits = text("__value")?;
            Bson::Decimal128(
                digits.parse().map_err(|_| {
                    ConvertError(format!("Decimal128('{digits}') is not a decimal"))
                })?,
            )
        }
        "Binary" => {
            use base64::Engine;
            let encoded = text("__base64")?;
            let subtype: u8 = object.get::<_, i32>("__subtype").map_err(js_error)? as u8;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| ConvertError(format!("BinData: {e}")))?;
            Bson::Binary(Binary {
                subtype: BinarySubtype::from(subtype),
                bytes,
            })
        }
        "Timestamp" => {
            let t: f64 = object.get("t").map_err(js_error)?;
            let i: f64 = object.get("i").map_err(js_error)?;
            Bson::Timestamp(bson::Timestamp {
                time: t as u32,
                increment: i as u32,
            })
        }
        "MinKey" => Bson::MinKey,
        "MaxKey" => Bson::MaxKey,
        "Code" => {
            let code = text("code")?;
            let scope: Value = object.get("scope").map_err(js_error)?;
            match convert(ctx, classes, &scope, depth + 1)? {
                Bson::Document(scope) => {
                    Bson::JavaScriptCodeWithScope(bson::JavaScriptCodeWithScope { code, scope })
                }
                _ => Bson::JavaScriptCode(code),
            }
        }
        "DBRef" => {
            let collection = text("collection")?;
            let oid: Value = object.get("oid").map_err(js_error)?;
            let db: Value = object.get("db").map_err(js_error)?;
            let mut document = bson::doc! { "$ref": collection, "$id": nested(convert(ctx, classes, &oid, depth + 1)?) };
            if let Some(db) = db.as_string() {
                document.insert("$db", js_string(db)?);
            }
            Bson::Document(document)
        }
        "BSONRegExp" => Bson::RegularExpression(bson::Regex {
            pattern: to_cstr(text("pattern")?)?,
            options: to_cstr(text("options")?)?,
        }),
        "BSONSymbol" => Bson::Symbol(text("value")?),
        other => return err(format!("a {other} value has no BSON form here")),
    })
}

fn to_cstr(text: String) -> Result<bson::raw::CString, ConvertError> {
    bson::raw::CString::try_from(text).map_err(|e| {
        ConvertError(format!(
            "a regular expression cannot hold a NUL character: {e}"
        ))
    })
}

fn function_source<'js>(ctx: &Ctx<'js>, function: &Function<'js>) -> Result<String, ConvertError> {
    let to_string: Function = ctx.eval("Function.prototype.toString").map_err(js_error)?;
    to_string
        .call((rquickjs::function::This(function.clone()),))
        .map_err(js_error)
}

fn js_string(s: &rquickjs::String<'_>) -> Result<String, ConvertError> {
    s.to_string().map_err(js_error)
}

fn js_error(e: rquickjs::Error) -> ConvertError {
    ConvertError(e.to_string())
}

/// The JavaScript value of a BSON value, built with the prelude's classes.
pub fn from_bson<'js>(ctx: &Ctx<'js>, value: &Bson) -> rquickjs::Result<Value<'js>> {
    let factory: Object = ctx.globals().get("__bson")?;
    build(ctx, &factory, value)
}

fn call<'js, A: rquickjs::function::IntoArgs<'js>>(
    factory: &Object<'js>,
    name: &str,
    args: A,
) -> rquickjs::Result<Value<'js>> {
    let function: Function = factory.get(name)?;
    function.call(args)
}

fn build<'js>(ctx: &Ctx<'js>, factory: &Object<'js>, value: &Bson) -> rquickjs::Result<Value<'js>> {
    let ctx = ctx.clone();
    Ok(match value {
        Bson::Double(d) => Value::new_float(ctx, *d),
        Bson::Int32(i) => Value::new_int(ctx, *i),
        Bson::Int64(i) => call(factory, "Long", (i.to_string(),))?,
        Bson::String(s) => rquickjs::String::from_str(ctx, s)?.into_value(),
        Bson::Boolean(b) => Value::new_bool(ctx, *b),
        Bson::Null => Value::new_null(ctx),
        Bson::Undefined => Value::new_undefined(ctx),
        Bson::Array(items) => {
            let array = Array::new(ctx.clone())?;
            for (index, item) in items.iter().enumerate() {
                array.set(index, build(&ctx, factory, item)?)?;
            }
            array.into_value()
        }
        Bson::Document(document) => {
            if let (Some(Bson::String(collection)), Some(id)) =
                (document.get("$ref"), document.get("$id"))
            {
                let db = match document.get("$db") {
                    Some(Bson::String(db)) => Some(db.clone()),
                    _ => None,
                };
                let id = build(&ctx, factory, id)?;
                return call(factory, "DBRef", (collection.clone(), id, db));
            }
            let object = Object::new(ctx.clone())?;
            for (key, item) in document {
                object.set(key.as_str(), build(&ctx, factory, item)?)?;
            }
            object.into_value()
        }
        Bson::ObjectId(oid) => call(factory, "ObjectId", (oid.to_hex(),))?,
        Bson::DateTime(dt) => call(factory, "date", (dt.timestamp_millis() as f64,))?,
        Bson::Decimal128(d) => call(factory, "Decimal128", (d.to_string(),))?,
        Bson::Binary(binary) => {
            use base64::Engine;
            let encoded = base64::engine::general_purpose::STANDARD.encode(&binary.bytes);
            call(
                factory,
                "Binary",
                (encoded, u8::from(binary.subtype) as i32),
            )?
        }
        Bson::RegularExpression(regex) => {
            let options = regex.options.as_str();
            if options.chars().all(|c| "imsu".contains(c)) {
                call(factory, "regexp", (regex.pattern.as_str(), options))?
            } else {
                call(factory, "BSONRegExp", (regex.pattern.as_str(), options))?
            }
        }
        Bson::Timestamp(ts) => call(factory, "Timestamp", (ts.time as f64, ts.increment as f64))?,
        Bson::MinKey => call(factory, "MinKey", ())?,
        Bson::MaxKey => call(factory, "MaxKey", ())?,
        Bson::JavaScriptCode(code) => call(
            factory,
            "Code",
            (code.as_str(), Value::new_undefined(ctx.clone())),
        )?,
        Bson::JavaScriptCodeWithScope(code) => {
            let scope = build(&ctx, factory, &Bson::Document(code.scope.clone()))?;
            call(factory, "Code", (code.code.as_str(), scope))?
        }
        Bson::Symbol(s) => call(factory, "BSONSymbol", (s.as_str(),))?,
        Bson::DbPointer(_) => Value::new_null(ctx),
    })
}
