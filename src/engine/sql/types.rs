//! Database types → the result model's [`ValueKind`] and [`Datum`], in one place per database.
//!
//! Cells run through the simple/text protocol, so every value arrives as the server's own text.
//! That text is kept exactly (NUMERIC digits, interval and timestamp formats, arrays, ranges) and
//! only converted where the result model has a native home for it: integers, floats, booleans and
//! bytes. A value that does not parse as its column's kind stays text; no type is ever an error.

use crate::result::{Datum, ValueKind};

/// The kind of a PostgreSQL type, by its name (`int4`, `_int4` or `int4[]` for arrays) and, for
/// types the driver does not know, by the `pg_type.typcategory` letter.
pub fn postgres_kind(name: &str) -> ValueKind {
    let name = name.to_ascii_lowercase();
    if name.starts_with('_') || name.ends_with("[]") {
        return ValueKind::Other;
    }
    match name.as_str() {
        "int2" | "int4" | "int8" | "smallint" | "integer" | "bigint" | "oid" | "xid" | "cid"
        | "regproc" => ValueKind::Integer,
        "float4" | "float8" | "real" | "double precision" => ValueKind::Float,
        "numeric" | "decimal" | "money" => ValueKind::Decimal,
        "bool" | "boolean" => ValueKind::Boolean,
        "text" | "varchar" | "bpchar" | "char" | "\"char\"" | "name" | "citext"
        | "character varying" | "character" | "unknown" => ValueKind::Text,
        "bytea" => ValueKind::Binary,
        "date" | "time" | "timetz" | "timestamp" | "timestamptz" | "interval" => {
            ValueKind::Temporal
        }
        "json" | "jsonb" => ValueKind::Json,
        _ => ValueKind::Other,
    }
}

/// The kind of a `pg_type.typcategory` letter, for enums, domains and extension types.
pub fn postgres_category_kind(category: &str) -> ValueKind {
    match category {
        "B" => ValueKind::Boolean,
        "D" | "T" => ValueKind::Temporal,
        "S" => ValueKind::Text,
        _ => ValueKind::Other,
    }
}

/// The name of a MySQL/MariaDB result column's type, as the kernel shows it in a column's
/// `db_type` (the names sqlx gave, which [`mysql_kind`] reads): `BIGINT UNSIGNED`, `DECIMAL`,
/// `BOOLEAN` for TINYINT(1), `VARBINARY`... A string column is binary only in the `binary`
/// character set (collation 63): the BINARY flag is also set for `_bin` collations
/// (`VARCHAR … COLLATE utf8mb4_bin`; MariaDB's JSON is LONGTEXT COLLATE utf8mb4_bin), which hold
/// text.
pub fn mysql_type_name(
    column_type: mysql_async::consts::ColumnType,
    flags: mysql_async::consts::ColumnFlags,
    length: u32,
    collation: u16,
) -> &'static str {
    use mysql_async::consts::ColumnFlags as F;
    use mysql_async::consts::ColumnType as T;
    const BINARY_COLLATION: u16 = 63;
    let binary = flags.contains(F::BINARY_FLAG) && collation == BINARY_COLLATION;
    let unsigned = flags.contains(F::UNSIGNED_FLAG);
    match column_type {
        T::MYSQL_TYPE_TINY if length == 1 => "BOOLEAN",
        T::MYSQL_TYPE_TINY if unsigned => "TINYINT UNSIGNED",
        T::MYSQL_TYPE_SHORT if unsigned => "SMALLINT UNSIGNED",
        T::MYSQL_TYPE_LONG if unsigned => "INT UNSIGNED",
        T::MYSQL_TYPE_INT24 if unsigned => "MEDIUMINT UNSIGNED",
        T::MYSQL_TYPE_LONGLONG if unsigned => "BIGINT UNSIGNED",
        T::MYSQL_TYPE_TINY => "TINYINT",
        T::MYSQL_TYPE_SHORT => "SMALLINT",
        T::MYSQL_TYPE_LONG => "INT",
        T::MYSQL_TYPE_INT24 => "MEDIUMINT",
        T::MYSQL_TYPE_LONGLONG => "BIGINT",
        T::MYSQL_TYPE_FLOAT => "FLOAT",
        T::MYSQL_TYPE_DOUBLE => "DOUBLE",
        T::MYSQL_TYPE_NULL => "NULL",
        T::MYSQL_TYPE_TIMESTAMP | T::MYSQL_TYPE_TIMESTAMP2 => "TIMESTAMP",
        T::MYSQL_TYPE_DATE | T::MYSQL_TYPE_NEWDATE => "DATE",
        T::MYSQL_TYPE_TIME | T::MYSQL_TYPE_TIME2 => "TIME",
        T::MYSQL_TYPE_DATETIME | T::MYSQL_TYPE_DATETIME2 => "DATETIME",
        T::MYSQL_TYPE_YEAR => "YEAR",
        T::MYSQL_TYPE_BIT => "BIT",
        T::MYSQL_TYPE_ENUM => "ENUM",
        T::MYSQL_TYPE_SET => "SET",
        T::MYSQL_TYPE_DECIMAL | T::MYSQL_TYPE_NEWDECIMAL => "DECIMAL",
        T::MYSQL_TYPE_GEOMETRY => "GEOMETRY",
        T::MYSQL_TYPE_JSON => "JSON",
        T::MYSQL_TYPE_VECTOR => "VECTOR",
        T::MYSQL_TYPE_STRING if binary => "BINARY",
        T::MYSQL_TYPE_STRING if flags.contains(F::ENUM_FLAG) => "ENUM",
        T::MYSQL_TYPE_STRING if flags.contains(F::SET_FLAG) => "SET",
        T::MYSQL_TYPE_STRING => "CHAR",
        T::MYSQL_TYPE_VARCHAR | T::MYSQL_TYPE_VAR_STRING if binary => "VARBINARY",
        T::MYSQL_TYPE_VARCHAR | T::MYSQL_TYPE_VAR_STRING => "VARCHAR",
        T::MYSQL_TYPE_TINY_BLOB if binary => "TINYBLOB",
        T::MYSQL_TYPE_TINY_BLOB => "TINYTEXT",
        T::MYSQL_TYPE_BLOB if binary => "BLOB",
        T::MYSQL_TYPE_BLOB => "TEXT",
        T::MYSQL_TYPE_MEDIUM_BLOB if binary => "MEDIUMBLOB",
        T::MYSQL_TYPE_MEDIUM_BLOB => "MEDIUMTEXT",
        T::MYSQL_TYPE_LONG_BLOB if binary => "LONGBLOB",
        T::MYSQL_TYPE_LONG_BLOB => "LONGTEXT",
        T::MYSQL_TYPE_TYPED_ARRAY | T::MYSQL_TYPE_UNKNOWN => "UNKNOWN",
    }
}

/// The kind of a MySQL/MariaDB column type as [`mysql_type_name`] names it (`BIGINT UNSIGNED`, `DECIMAL`,
/// `VARBINARY`, `BOOLEAN` for TINYINT(1), shown as the number it is).
pub fn mysql_kind(name: &str) -> ValueKind {
    let upper = name.to_ascii_uppercase();
    let base = upper.strip_suffix(" UNSIGNED").unwrap_or(&upper);
    match base {
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "BIT" => ValueKind::Integer,
        // BOOLEAN is TINYINT(1): the mysql client prints 1 and 0, for a column and for the
        // TRUE literal alike, so it stays a number here too.
        "BOOLEAN" => ValueKind::Integer,
        "FLOAT" | "DOUBLE" => ValueKind::Float,
        "DECIMAL" => ValueKind::Decimal,
        "DATE" | "TIME" | "DATETIME" | "TIMESTAMP" | "YEAR" => ValueKind::Temporal,
        "JSON" => ValueKind::Json,
        "BINARY" | "VARBINARY" | "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB" | "GEOMETRY" => {
            ValueKind::Binary
        }
        "CHAR" | "VARCHAR" | "TINYTEXT" | "TEXT" | "MEDIUMTEXT" | "LONGTEXT" => ValueKind::Text,
        _ => ValueKind::Other,
    }
}

/// The kind of a SQLite declared type as sqlx normalises it (`INTEGER`, `REAL`, `TEXT`, `BLOB`,
/// `NUMERIC`, `BOOLEAN`, `DATE`, `TIME`, `DATETIME`); `None` for expressions without a declared
/// type, whose kind then comes from the values' storage classes.
pub fn sqlite_declared_kind(name: &str) -> Option<ValueKind> {
    Some(match name.to_ascii_uppercase().as_str() {
        "INTEGER" | "INT4" | "INT8" => ValueKind::Integer,
        "REAL" => ValueKind::Float,
        "NUMERIC" => ValueKind::Decimal,
        "TEXT" => ValueKind::Text,
        "BLOB" => ValueKind::Binary,
        // BOOLEAN is only a declared type: the stored values are 1 and 0, and sqlite3 prints
        // them so.
        "BOOLEAN" => ValueKind::Integer,
        "DATE" | "TIME" | "DATETIME" => ValueKind::Temporal,
        _ => return None,
    })
}

/// Converts one value's server text to a datum of `kind`, keeping the text when it does not parse.
pub fn datum_from_text(kind: ValueKind, text: &str) -> Datum {
    match kind {
        ValueKind::Integer => text
            .parse::<i64>()
            .map(Datum::Int)
            .unwrap_or_else(|_| Datum::Text(text.to_string())),
        // The server's text is what psql and mysql print (`1e+300`, `1e-07`, `Infinity`,
        // whatever `extra_float_digits` says): kept as it is.
        ValueKind::Float => Datum::Text(text.to_string()),
        ValueKind::Boolean => match text {
            "t" | "true" | "TRUE" | "1" => Datum::Bool(true),
            "f" | "false" | "FALSE" | "0" => Datum::Bool(false),
            _ => Datum::Text(text.to_string()),
        },
        ValueKind::Binary => decode_bytea(text)
            .map(Datum::Bytes)
            .unwrap_or_else(|| Datum::Text(text.to_string())),
        _ => Datum::Text(text.to_string()),
    }
}

/// PostgreSQL's hex bytea output (`\x0a0b`); MySQL and SQLite hand over raw bytes instead.
fn decode_bytea(text: &str) -> Option<Vec<u8>> {
    let hex_digits = text.strip_prefix("\\x")?;
    hex::decode(hex_digits).ok()
}

/// MySQL `BIT(n)` values arrive as big-endian bytes.
pub fn bits_to_int(bytes: &[u8]) -> Datum {
    if bytes.len() > 8 {
        return Datum::Bytes(bytes.to_vec());
    }
    let value = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    i64::try_from(value)
        .map(Datum::Int)
        .unwrap_or_else(|_| Datum::Text(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_names_map_to_kinds() {
        assert_eq!(postgres_kind("INT4"), ValueKind::Integer);
        assert_eq!(postgres_kind("numeric"), ValueKind::Decimal);
        assert_eq!(postgres_kind("TIMESTAMPTZ"), ValueKind::Temporal);
        assert_eq!(postgres_kind("INT4[]"), ValueKind::Other);
        assert_eq!(postgres_kind("jsonb"), ValueKind::Json);
        assert_eq!(postgres_kind("tsvector"), ValueKind::Other);
    }

    #[test]
    fn text_converts_only_where_the_model_has_a_native_type() {
        assert_eq!(datum_from_text(ValueKind::Integer, "-42"), Datum::Int(-42));
        assert_eq!(
            datum_from_text(ValueKind::Integer, "18446744073709551615"),
            Datum::Text("18446744073709551615".into())
        );
        assert_eq!(
            datum_from_text(ValueKind::Float, "1e+300"),
            Datum::Text("1e+300".into())
        );
        assert_eq!(datum_from_text(ValueKind::Boolean, "t"), Datum::Bool(true));
        assert_eq!(
            datum_from_text(ValueKind::Binary, "\\x00ff"),
            Datum::Bytes(vec![0, 255])
        );
        assert_eq!(
            datum_from_text(ValueKind::Decimal, "1.500"),
            Datum::Text("1.500".into())
        );
    }

    #[test]
    fn mysql_type_names_follow_the_character_set() {
        use mysql_async::consts::ColumnFlags as F;
        use mysql_async::consts::ColumnType as T;
        let name = |t, f, len, coll| mysql_type_name(t, f, len, coll);
        // VARCHAR COLLATE utf8mb4_bin (46) has the BINARY flag and is still text.
        assert_eq!(
            name(T::MYSQL_TYPE_VAR_STRING, F::BINARY_FLAG, 40, 46),
            "VARCHAR"
        );
        assert_eq!(
            name(T::MYSQL_TYPE_VAR_STRING, F::BINARY_FLAG, 8, 63),
            "VARBINARY"
        );
        assert_eq!(name(T::MYSQL_TYPE_BLOB, F::BINARY_FLAG, 65535, 63), "BLOB");
        assert_eq!(name(T::MYSQL_TYPE_BLOB, F::empty(), 65535, 45), "TEXT");
        assert_eq!(name(T::MYSQL_TYPE_TINY, F::empty(), 1, 63), "BOOLEAN");
        assert_eq!(
            name(
                T::MYSQL_TYPE_LONGLONG,
                F::UNSIGNED_FLAG | F::BINARY_FLAG,
                20,
                63
            ),
            "BIGINT UNSIGNED"
        );
        assert_eq!(
            name(T::MYSQL_TYPE_NEWDECIMAL, F::BINARY_FLAG, 12, 63),
            "DECIMAL"
        );
    }

    #[test]
    fn mysql_names_and_bits() {
        assert_eq!(mysql_kind("BIGINT UNSIGNED"), ValueKind::Integer);
        assert_eq!(mysql_kind("VARBINARY"), ValueKind::Binary);
        assert_eq!(bits_to_int(&[0x01, 0x01]), Datum::Int(257));
    }
}
