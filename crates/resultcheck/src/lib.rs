//! Result checks: does a query's result match what the exercise expects, and if not, where not?
//!
//! A pure library (no I/O, no database, no Jupyter): callers bring both sides to [`Data`] —
//! a table, documents, a list of elements or a single [`Value`] — choose [`Options`] (order,
//! numeric tolerance, column rules) and get a [`Verdict`] listing every [`Difference`]: wrong
//! columns first, then missing rows, extra rows, and rows with wrong values (a missing and an
//! extra row that share fields are reported as one row with the wrong values).
//!
//! ```
//! use resultcheck::{check, inline, Data, Options, Order, Value};
//!
//! let expected = inline::parse_table(" name | salary\n------+-------\n Ada  | 120000\n Bob  | 90000", 1).unwrap();
//! let actual = Data::Table {
//!     columns: vec!["name".into(), "salary".into()],
//!     rows: vec![
//!         vec![Value::Text("Bob".into()), Value::from_i64(95000)],
//!         vec![Value::Text("Ada".into()), Value::number_or_text("120000.00")],
//!     ],
//! };
//! let verdict = check(expected, actual, &Options::new(Order::Unordered));
//! assert!(!verdict.passed);
//! assert_eq!(verdict.lines(20), ["wrong value in the row with name = Bob: salary is 95000, expected 90000"]);
//! ```

mod compare;
mod data;
pub mod inline;
mod number;
mod options;
mod value;
mod verdict;

pub use compare::check;
pub use data::Data;
pub use number::Decimal;
pub use options::{Options, Order};
pub use value::{FieldDifference, Value};
pub use verdict::{Difference, Verdict};
