//! Arithmetic expression operators and the numeric type promotion they share with `$sum`/`$avg`.
//!
//! MongoDB keeps the narrowest type that holds the result: int32 + int32 stays int32 unless it
//! overflows (then int64, then double); any double makes a double; any decimal makes a decimal.
//! Decimal128 has no arithmetic in the bson crate, so decimals are computed as doubles and
//! converted back (exact for the small values tutorials use; a known limitation otherwise).

use super::Ctx;
use super::args::{eval_exact, eval_list, eval_range, is_nullish};
use crate::decimal;
use crate::error::{QueryError, Result};
use bson::{Bson, Decimal128};

/// A number with its type rank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    I32(i32),
    I64(i64),
    F64(f64),
    Dec(Decimal128),
}

impl Num {
    /// Reads a numeric BSON value.
    pub fn from_bson(v: &Bson) -> Option<Num> {
        Some(match v {
            Bson::Int32(i) => Num::I32(*i),
            Bson::Int64(i) => Num::I64(*i),
            Bson::Double(d) => Num::F64(*d),
            Bson::Decimal128(d) => Num::Dec(*d),
            _ => return None,
        })
    }

    fn rank(self) -> u8 {
        match self {
            Num::I32(_) => 0,
            Num::I64(_) => 1,
            Num::F64(_) => 2,
            Num::Dec(_) => 3,
        }
    }

    /// The value as a double.
    pub fn f64(self) -> f64 {
        match self {
            Num::I32(i) => f64::from(i),
            Num::I64(i) => i as f64,
            Num::F64(d) => d,
            Num::Dec(d) => crate::number::decimal_to_f64(&d),
        }
    }

    fn i64(self) -> Option<i64> {
        match self {
            Num::I32(i) => Some(i64::from(i)),
            Num::I64(i) => Some(i),
            _ => None,
        }
    }

    /// Zero of the same type as `other` (the result of `$mul` on a missing field).
    pub fn to_bson_like(self, other: Num) -> Bson {
        match other {
            Num::I32(_) => Bson::Int32(0),
            Num::I64(_) => Bson::Int64(0),
            Num::F64(_) => Bson::Double(0.0),
            Num::Dec(_) => decimal_from_f64(0.0),
        }
    }

    /// The value as an exact decimal (doubles through their shortest text).
    pub fn dec(self) -> decimal::Dec {
        match self {
            Num::I32(i) => decimal::from_i64(i64::from(i)),
            Num::I64(i) => decimal::from_i64(i),
            Num::F64(d) => decimal::from_f64(d),
            Num::Dec(d) => decimal::from_decimal(&d),
        }
    }

    /// Back to BSON.
    pub fn to_bson(self) -> Bson {
        match self {
            Num::I32(i) => Bson::Int32(i),
            Num::I64(i) => Bson::Int64(i),
            Num::F64(d) => Bson::Double(d),
            Num::Dec(d) => Bson::Decimal128(d),
        }
    }
}

/// A decimal result, falling back to the double computation if it cannot be represented.
fn exact(d: decimal::Dec, approx: f64) -> Num {
    match decimal::to_decimal128(&d) {
        Some(v) => Num::Dec(v),
        None => match decimal_from_f64(approx) {
            Bson::Decimal128(v) => Num::Dec(v),
            _ => Num::F64(approx),
        },
    }
}

/// A decimal128 holding (the shortest decimal text of) a double.
pub fn decimal_from_f64(d: f64) -> Bson {
    let text = if d.is_nan() {
        "NaN".to_string()
    } else if d.is_infinite() {
        if d > 0.0 {
            "Infinity".to_string()
        } else {
            "-Infinity".to_string()
        }
    } else {
        let plain = format!("{d}");
        if plain.len() <= 34 {
            plain
        } else {
            format!("{d:e}")
        }
    };
    match text.parse::<Decimal128>() {
        Ok(dec) => Bson::Decimal128(dec),
        Err(_) => Bson::Double(d),
    }
}

/// Integer result narrowed to int32 when it fits and both inputs were int32.
fn narrow(v: i64, wide: bool) -> Num {
    match i32::try_from(v) {
        Ok(i) if !wide => Num::I32(i),
        _ => Num::I64(v),
    }
}

/// a + b with promotion.
pub fn add(a: Num, b: Num) -> Num {
    let rank = a.rank().max(b.rank());
    match rank {
        0 | 1 => match (a.i64(), b.i64()) {
            (Some(x), Some(y)) => match x.checked_add(y) {
                Some(s) => narrow(s, rank == 1),
                None => Num::F64(x as f64 + y as f64),
            },
            _ => Num::F64(a.f64() + b.f64()),
        },
        2 => Num::F64(a.f64() + b.f64()),
        _ => exact(decimal::add(&a.dec(), &b.dec()), a.f64() + b.f64()),
    }
}

/// a × b with promotion.
pub fn multiply(a: Num, b: Num) -> Num {
    let rank = a.rank().max(b.rank());
    match rank {
        0 | 1 => match (a.i64(), b.i64()) {
            (Some(x), Some(y)) => match x.checked_mul(y) {
                Some(p) => narrow(p, rank == 1),
                None => Num::F64(x as f64 * y as f64),
            },
            _ => Num::F64(a.f64() * b.f64()),
        },
        2 => Num::F64(a.f64() * b.f64()),
        _ => exact(decimal::multiply(&a.dec(), &b.dec()), a.f64() * b.f64()),
    }
}

fn subtract(a: Num, b: Num) -> Num {
    let rank = a.rank().max(b.rank());
    match rank {
        0 | 1 => match (a.i64(), b.i64()) {
            (Some(x), Some(y)) => match x.checked_sub(y) {
                Some(d) => narrow(d, rank == 1),
                None => Num::F64(x as f64 - y as f64),
            },
            _ => Num::F64(a.f64() - b.f64()),
        },
        2 => Num::F64(a.f64() - b.f64()),
        _ => exact(
            decimal::add(&a.dec(), &decimal::negate(&b.dec())),
            a.f64() - b.f64(),
        ),
    }
}

fn type_error(op: &str, code: i32, v: &Bson) -> QueryError {
    QueryError::location(
        code,
        format!(
            "{op} only supports numeric types, not {}",
            crate::value::type_alias(v)
        ),
    )
}

fn numeric(op: &str, code: i32, v: &Bson) -> Result<Num> {
    Num::from_bson(v).ok_or_else(|| type_error(op, code, v))
}

fn unary<F: Fn(Num) -> Result<Bson>>(
    name: &str,
    arg: &Bson,
    ctx: &Ctx,
    code: i32,
    f: F,
) -> Result<Option<Bson>> {
    let v = eval_exact(name, arg, 1, ctx)?.pop().flatten();
    if is_nullish(&v) {
        return Ok(Some(Bson::Null));
    }
    let v = v.unwrap_or(Bson::Null);
    Ok(Some(f(numeric(name, code, &v)?)?))
}

fn double_op(name: &str, arg: &Bson, ctx: &Ctx, f: fn(f64) -> Result<f64>) -> Result<Option<Bson>> {
    unary(name, arg, ctx, 28765, |n| {
        let r = f(n.f64())?;
        Ok(if matches!(n, Num::Dec(_)) {
            decimal_from_f64(r)
        } else {
            Bson::Double(r)
        })
    })
}

/// Rounds `x` to `place` decimal places, half to even (as `$round`) or toward zero (`$trunc`).
fn round_to(x: f64, place: i64, truncate: bool) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let factor = 10f64.powi(place.clamp(-20, 100) as i32);
    let scaled = x * factor;
    let r = if truncate {
        scaled.trunc()
    } else {
        let floor = scaled.floor();
        let diff = scaled - floor;
        if (diff - 0.5).abs() < 1e-9 {
            if floor % 2.0 == 0.0 {
                floor
            } else {
                floor + 1.0
            }
        } else {
            scaled.round()
        }
    };
    r / factor
}

fn round_op(name: &str, arg: &Bson, ctx: &Ctx, truncate: bool) -> Result<Option<Bson>> {
    let args = eval_range(name, arg, 1, 2, ctx)?;
    let place = match args.get(1) {
        Some(p) if is_nullish(p) => return Ok(Some(Bson::Null)),
        Some(Some(p)) => match crate::number::integral_i64(p) {
            Some(p) if (-20..=100).contains(&p) => p,
            _ => {
                return Err(QueryError::location(
                    51083,
                    format!(
                        "{name}: place must be an integer in [-20, 100], got {}",
                        crate::fmt::short(p)
                    ),
                ));
            }
        },
        _ => 0,
    };
    let v = args.first().cloned().flatten();
    if is_nullish(&v) {
        return Ok(Some(Bson::Null));
    }
    let v = v.unwrap_or(Bson::Null);
    let n = numeric(name, 51081, &v)?;
    Ok(Some(match n {
        Num::I32(i) if place >= 0 => Bson::Int32(i),
        Num::I64(i) if place >= 0 => Bson::Int64(i),
        Num::I32(i) => Bson::Int32(round_to(f64::from(i), place, truncate) as i32),
        Num::I64(i) => Bson::Int64(round_to(i as f64, place, truncate) as i64),
        Num::F64(d) => Bson::Double(round_to(d, place, truncate)),
        Num::Dec(_) => decimal_from_f64(round_to(n.f64(), place, truncate)),
    }))
}

/// Sum of numbers, ignoring non-numeric values (`$sum` semantics).
pub fn sum_values<'a>(values: impl IntoIterator<Item = &'a Bson>) -> Bson {
    let mut total = Num::I32(0);
    for v in values {
        if let Some(n) = Num::from_bson(v) {
            total = add(total, n);
        }
    }
    total.to_bson()
}

/// Average of numbers, ignoring non-numeric values; null when there are none.
pub fn avg_values<'a>(values: impl IntoIterator<Item = &'a Bson>) -> Bson {
    let mut total = Num::I32(0);
    let mut count = 0u64;
    for v in values {
        if let Some(n) = Num::from_bson(v) {
            total = add(total, n);
            count += 1;
        }
    }
    average(total, count)
}

/// The average of `count` numbers adding up to `total`; null when there are none.
pub fn average(total: Num, count: u64) -> Bson {
    if count == 0 {
        return Bson::Null;
    }
    match total {
        Num::Dec(_) => match decimal::divide(&total.dec(), &decimal::from_i64(count as i64)) {
            Some(q) => exact(q, total.f64() / count as f64).to_bson(),
            None => Bson::Null,
        },
        other => Bson::Double(other.f64() / count as f64),
    }
}

/// Population or sample standard deviation of the numeric values; null when undefined.
pub fn std_dev<'a>(values: impl IntoIterator<Item = &'a Bson>, sample: bool) -> Bson {
    let xs: Vec<f64> = values
        .into_iter()
        .filter_map(|v| Num::from_bson(v).map(Num::f64))
        .collect();
    let n = xs.len() as f64;
    if xs.is_empty() || (sample && xs.len() < 2) {
        return Bson::Null;
    }
    let mean = xs.iter().sum::<f64>() / n;
    let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    Bson::Double((ss / if sample { n - 1.0 } else { n }).sqrt())
}

/// Values for the expression forms of `$sum`/`$avg`/...: one array argument is spread.
fn spread(arg: &Bson, ctx: &Ctx) -> Result<Vec<Bson>> {
    let list = eval_list(arg, ctx)?;
    if (!matches!(arg, Bson::Array(_)) || list.len() == 1)
        && let Some(Some(Bson::Array(items))) = list.first()
    {
        return Ok(items.clone());
    }
    Ok(list.into_iter().flatten().collect())
}

pub(super) fn dispatch(name: &str, arg: &Bson, ctx: &Ctx) -> Result<Option<Option<Bson>>> {
    let r = match name {
        "$add" => add_op(arg, ctx)?,
        "$subtract" => subtract_op(arg, ctx)?,
        "$multiply" => {
            let mut acc = Num::I32(1);
            for v in eval_list(arg, ctx)? {
                if is_nullish(&v) {
                    return Ok(Some(Some(Bson::Null)));
                }
                acc = multiply(acc, numeric("$multiply", 16555, &v.unwrap_or(Bson::Null))?);
            }
            Some(acc.to_bson())
        }
        "$divide" => {
            let args = eval_exact(name, arg, 2, ctx)?;
            if args.iter().any(is_nullish) {
                return Ok(Some(Some(Bson::Null)));
            }
            let a = numeric(name, 16609, args[0].as_ref().unwrap_or(&Bson::Null))?;
            let b = numeric(name, 16609, args[1].as_ref().unwrap_or(&Bson::Null))?;
            let q = a.f64() / b.f64();
            if a.rank() == 3 || b.rank() == 3 {
                match decimal::divide(&a.dec(), &b.dec()) {
                    Some(d) => Some(exact(d, q).to_bson()),
                    None => return Err(QueryError::location(2, "can't $divide by zero")),
                }
            } else if b.f64() == 0.0 {
                return Err(QueryError::location(2, "can't $divide by zero"));
            } else {
                Some(Bson::Double(q))
            }
        }
        "$mod" => {
            let args = eval_exact(name, arg, 2, ctx)?;
            if args.iter().any(is_nullish) {
                return Ok(Some(Some(Bson::Null)));
            }
            let a = numeric(name, 16611, args[0].as_ref().unwrap_or(&Bson::Null))?;
            let b = numeric(name, 16611, args[1].as_ref().unwrap_or(&Bson::Null))?;
            if b.f64() == 0.0 {
                return Err(QueryError::location(16610, "can't $mod by zero"));
            }
            let rank = a.rank().max(b.rank());
            Some(match (a.i64(), b.i64()) {
                (Some(x), Some(y)) if rank <= 1 => narrow(x.wrapping_rem(y), rank == 1).to_bson(),
                _ if rank == 3 => decimal_from_f64(a.f64() % b.f64()),
                _ => Bson::Double(a.f64() % b.f64()),
            })
        }
        "$abs" => unary(name, arg, ctx, 28765, |n| {
            Ok(match n {
                Num::I32(i) => i
                    .checked_abs()
                    .map_or(Bson::Int64(-i64::from(i)), Bson::Int32),
                Num::I64(i) => i
                    .checked_abs()
                    .map_or(Bson::Double((i as f64).abs()), Bson::Int64),
                Num::F64(d) => Bson::Double(d.abs()),
                Num::Dec(d) => {
                    let v = decimal::from_decimal(&d);
                    let neg = matches!(
                        v,
                        decimal::Dec::Finite { negative: true, .. }
                            | decimal::Dec::Infinity { negative: true }
                    );
                    exact(if neg { decimal::negate(&v) } else { v }, n.f64().abs()).to_bson()
                }
            })
        })?,
        "$ceil" | "$floor" => {
            let up = name == "$ceil";
            unary(name, arg, ctx, 28765, |n| {
                Ok(match n {
                    Num::F64(d) => Bson::Double(if up { d.ceil() } else { d.floor() }),
                    Num::Dec(_) => {
                        decimal_from_f64(if up { n.f64().ceil() } else { n.f64().floor() })
                    }
                    other => other.to_bson(),
                })
            })?
        }
        "$round" => round_op(name, arg, ctx, false)?,
        "$trunc" => round_op(name, arg, ctx, true)?,
        "$sqrt" => double_op(name, arg, ctx, |x| {
            if x < 0.0 {
                Err(QueryError::location(
                    28714,
                    "$sqrt's argument must be greater than or equal to 0",
                ))
            } else {
                Ok(x.sqrt())
            }
        })?,
        "$exp" => double_op(name, arg, ctx, |x| Ok(x.exp()))?,
        "$ln" => double_op(name, arg, ctx, |x| {
            if x <= 0.0 {
                Err(QueryError::location(
                    28766,
                    "$ln's argument must be a positive number",
                ))
            } else {
                Ok(x.ln())
            }
        })?,
        "$log10" => double_op(name, arg, ctx, |x| {
            if x <= 0.0 {
                Err(QueryError::location(
                    28761,
                    "$log10's argument must be a positive number",
                ))
            } else {
                Ok(x.log10())
            }
        })?,
        "$log" => {
            let args = eval_exact(name, arg, 2, ctx)?;
            if args.iter().any(is_nullish) {
                return Ok(Some(Some(Bson::Null)));
            }
            let x = numeric(name, 28756, args[0].as_ref().unwrap_or(&Bson::Null))?.f64();
            let b = numeric(name, 28757, args[1].as_ref().unwrap_or(&Bson::Null))?.f64();
            if x <= 0.0 || b <= 0.0 || b == 1.0 {
                return Err(QueryError::location(
                    28758,
                    "$log's argument must be positive and its base positive and not 1",
                ));
            }
            Some(Bson::Double(x.ln() / b.ln()))
        }
        "$pow" => {
            let args = eval_exact(name, arg, 2, ctx)?;
            if args.iter().any(is_nullish) {
                return Ok(Some(Some(Bson::Null)));
            }
            let base = numeric(name, 28762, args[0].as_ref().unwrap_or(&Bson::Null))?;
            let exp = numeric(name, 28763, args[1].as_ref().unwrap_or(&Bson::Null))?;
            if base.f64() == 0.0 && exp.f64() < 0.0 {
                return Err(QueryError::location(
                    28764,
                    "$pow cannot take a base of 0 and a negative exponent",
                ));
            }
            Some(pow(base, exp))
        }
        "$sin" | "$cos" | "$tan" | "$asin" | "$acos" | "$atan" | "$sinh" | "$cosh" | "$tanh"
        | "$asinh" | "$acosh" | "$atanh" | "$degreesToRadians" | "$radiansToDegrees" => {
            trig(name, arg, ctx)?
        }
        "$atan2" => {
            let args = eval_exact(name, arg, 2, ctx)?;
            if args.iter().any(is_nullish) {
                return Ok(Some(Some(Bson::Null)));
            }
            let y = numeric(name, 51044, args[0].as_ref().unwrap_or(&Bson::Null))?;
            let x = numeric(name, 51045, args[1].as_ref().unwrap_or(&Bson::Null))?;
            let r = y.f64().atan2(x.f64());
            Some(if y.rank() == 3 || x.rank() == 3 {
                decimal_from_f64(r)
            } else {
                Bson::Double(r)
            })
        }
        "$sum" => Some(sum_values(spread(arg, ctx)?.iter())),
        "$avg" => Some(avg_values(spread(arg, ctx)?.iter())),
        "$stdDevPop" => Some(std_dev(spread(arg, ctx)?.iter(), false)),
        "$stdDevSamp" => Some(std_dev(spread(arg, ctx)?.iter(), true)),
        "$min" | "$max" => {
            let values = spread(arg, ctx)?;
            let want_max = name == "$max";
            let mut best: Option<Bson> = None;
            for v in values
                .into_iter()
                .filter(|v| !matches!(v, Bson::Null | Bson::Undefined))
            {
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let o = crate::value::compare_with(&v, &b, ctx.vars.collation());
                        if (want_max && o.is_gt()) || (!want_max && o.is_lt()) {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            Some(best.unwrap_or(Bson::Null))
        }
        _ => return Ok(None),
    };
    Ok(Some(r))
}

/// Trigonometric operators: doubles (decimals stay decimals), with MongoDB's domain checks.
fn trig(name: &str, arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    unary(name, arg, ctx, 28765, |n| {
        let x = n.f64();
        let domain = |ok: bool| -> Result<()> {
            if ok || x.is_nan() {
                Ok(())
            } else {
                Err(QueryError::location(
                    50989,
                    format!("cannot apply {name} to {x}, value must be in its domain"),
                ))
            }
        };
        let r = match name {
            "$sin" => {
                domain(x.is_finite())?;
                x.sin()
            }
            "$cos" => {
                domain(x.is_finite())?;
                x.cos()
            }
            "$tan" => {
                domain(x.is_finite())?;
                x.tan()
            }
            "$asin" => {
                domain((-1.0..=1.0).contains(&x))?;
                x.asin()
            }
            "$acos" => {
                domain((-1.0..=1.0).contains(&x))?;
                x.acos()
            }
            "$atan" => x.atan(),
            "$sinh" => x.sinh(),
            "$cosh" => x.cosh(),
            "$tanh" => x.tanh(),
            "$asinh" => x.asinh(),
            "$acosh" => {
                domain(x >= 1.0)?;
                x.acosh()
            }
            "$atanh" => {
                domain((-1.0..=1.0).contains(&x))?;
                x.atanh()
            }
            "$degreesToRadians" => x.to_radians(),
            _ => x.to_degrees(),
        };
        Ok(if matches!(n, Num::Dec(_)) {
            decimal_from_f64(r)
        } else {
            Bson::Double(r)
        })
    })
}

fn pow(base: Num, exp: Num) -> Bson {
    let rank = base.rank().max(exp.rank());
    if rank <= 1 {
        if let (Some(b), Some(e)) = (base.i64(), exp.i64())
            && (0..=u32::MAX as i64).contains(&e)
            && let Some(r) = b.checked_pow(e as u32)
        {
            return narrow(r, rank == 1).to_bson();
        }
        return Bson::Double(base.f64().powf(exp.f64()));
    }
    let r = base.f64().powf(exp.f64());
    if rank == 3 {
        decimal_from_f64(r)
    } else {
        Bson::Double(r)
    }
}

fn add_op(arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    let mut total = Num::I32(0);
    let mut date: Option<i64> = None;
    for v in eval_list(arg, ctx)? {
        match v {
            None | Some(Bson::Null) | Some(Bson::Undefined) => return Ok(Some(Bson::Null)),
            Some(Bson::DateTime(d)) => {
                if date.is_some() {
                    return Err(QueryError::location(
                        16612,
                        "only one date allowed in an $add expression",
                    ));
                }
                date = Some(d.timestamp_millis());
            }
            Some(other) => {
                let n = Num::from_bson(&other).ok_or_else(|| {
                    QueryError::location(
                        16554,
                        format!(
                            "$add only supports numeric or date types, not {}",
                            crate::value::type_alias(&other)
                        ),
                    )
                })?;
                total = add(total, n);
            }
        }
    }
    Ok(Some(match date {
        Some(ms) => Bson::DateTime(bson::DateTime::from_millis(
            ms.saturating_add(total.f64().round() as i64),
        )),
        None => total.to_bson(),
    }))
}

fn subtract_op(arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    let args = eval_exact("$subtract", arg, 2, ctx)?;
    if args.iter().any(is_nullish) {
        return Ok(Some(Bson::Null));
    }
    let a = args[0].clone().unwrap_or(Bson::Null);
    let b = args[1].clone().unwrap_or(Bson::Null);
    Ok(Some(match (&a, &b) {
        (Bson::DateTime(x), Bson::DateTime(y)) => {
            Bson::Int64(x.timestamp_millis().saturating_sub(y.timestamp_millis()))
        }
        (Bson::DateTime(x), _) => {
            let n = numeric("$subtract", 16556, &b)?;
            Bson::DateTime(bson::DateTime::from_millis(
                x.timestamp_millis().saturating_sub(n.f64().round() as i64),
            ))
        }
        _ => {
            let x = Num::from_bson(&a);
            let y = Num::from_bson(&b);
            match (x, y) {
                (Some(x), Some(y)) => subtract(x, y).to_bson(),
                _ => {
                    return Err(QueryError::location(
                        16556,
                        format!(
                            "cant $subtract a {} from a {}",
                            crate::value::type_alias(&b),
                            crate::value::type_alias(&a)
                        ),
                    ));
                }
            }
        }
    }))
}
