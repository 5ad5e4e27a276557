//! Running a `%%check` cell: find the actual value, build the expectation, compare, report.

use resultcheck::{Data, Options, Order};
use tokio_util::sync::CancellationToken;

use super::CHECK_FAILED;
use super::convert::{Kind, kind_of, variable_to_data};
use super::expect;
use super::origin::origin_of;
use crate::cell::check::{CheckCell, CheckSpec, ExpectationSource};
use crate::cell::{Cell, CellOptions};
use crate::engine::EngineError;
use crate::engine::context::{CollectingSink, ResultSink};
use crate::result::{CheckReport, QueryResult};
use crate::session::Session;

/// Where a reference query's full result is kept for the moment of the check (a name no user
/// variable collides with in practice; it is removed right after).
const REFERENCE_VARIABLE: &str = "__dbkernel_check_reference";

impl Session {
    /// Runs a `%%check` cell. A mismatch emits the verdict, then fails with `CheckFailed`.
    pub(crate) async fn run_check(
        &mut self,
        check: CheckCell,
        sink: &mut dyn ResultSink,
        cancel: CancellationToken,
    ) -> Result<(), EngineError> {
        let spec = &check.spec;
        if super::expect::only_comments(&check.body) {
            sink.emit(QueryResult::Text(format!(
                "the expectation for {} is hidden: this check runs when the assignment is graded",
                spec.actual
            )));
            return Ok(());
        }
        let actual = self.variables.lock().get(&spec.actual).cloned();
        let Some(actual) = actual else {
            let known = self.variables.lock().names();
            let known = known
                .iter()
                .filter(|n| n.as_str() != REFERENCE_VARIABLE)
                .cloned()
                .collect::<Vec<_>>();
            let known = if known.is_empty() {
                "no variables are defined yet".to_string()
            } else {
                format!("known variables: {}", known.join(", "))
            };
            return Err(EngineError::new(
                CHECK_FAILED,
                format!(
                    "there is no result named {name} to check: run the answer's cell first; it keeps its result with --out {name} ({known})",
                    name = spec.actual
                ),
            ));
        };
        let origin = self.check_origins.get(&spec.actual).cloned();
        let kind = kind_of(&actual);
        refuse_options_that_do_not_apply(spec, kind)?;
        let (expected, against) = match &spec.source {
            ExpectationSource::Inline => (
                Expected::Data(expect::inline(&check.body, check.body_line, kind)?),
                match kind {
                    Kind::Table => "the expected table",
                    Kind::Documents => "the expected documents",
                    Kind::Redis => "the expected reply",
                    Kind::Value => "the expected value",
                }
                .to_string(),
            ),
            ExpectationSource::Variable(name) => {
                if !check.body.trim().is_empty() {
                    return Err(EngineError::usage(format!(
                        "%%check --expected {name} takes its expectation from {name}: leave the cell body empty (or drop --expected to write the expectation inline)"
                    )));
                }
                let variable = self.variables.lock().get(name).cloned();
                let Some(variable) = variable else {
                    return Err(EngineError::usage(format!(
                        "--expected {name}: there is no variable {name}; keep the reference result with --out {name}"
                    )));
                };
                let origin = self.check_origins.get(name).cloned();
                (Expected::Variable(variable, origin), name.clone())
            }
            ExpectationSource::Query {
                language,
                connection,
            } => {
                let reference = Cell {
                    language: *language,
                    connection: connection.clone(),
                    options: CellOptions {
                        out: Some(REFERENCE_VARIABLE.into()),
                        ..CellOptions::default()
                    },
                    body: check.body.clone(),
                    body_line: check.body_line,
                };
                if reference.body.trim().is_empty() {
                    return Err(EngineError::usage(format!(
                        "%%check --{}: write the reference query under the %%check line",
                        language.magic()
                    )));
                }
                let reference_origin = origin_of(&reference);
                // The reference query's own output is not shown: students see the verdict only.
                let mut quiet = CollectingSink::default();
                let outcome = self
                    .run_body(reference, &mut quiet, cancel.clone(), None)
                    .await;
                let kept = self.variables.lock().remove(REFERENCE_VARIABLE);
                self.check_origins.remove(REFERENCE_VARIABLE);
                if let Err(mut error) = outcome {
                    error.evalue = format!("in the check's reference query: {}", error.evalue);
                    return Err(error);
                }
                let Some(kept) = kept else {
                    return Err(EngineError::usage(
                        "the reference query returned nothing to compare with: its last statement must return rows, documents or a reply",
                    ));
                };
                let on = match connection {
                    Some(name) => format!("the reference query on {name}"),
                    None => "the reference query".to_string(),
                };
                (Expected::Variable(kept, Some(reference_origin)), on)
            }
        };
        let order = spec.order;
        let mut options = Options {
            order: order.unwrap_or(Order::Unordered),
            digits: spec.digits,
            ignore_column_case: spec.ignore_column_case,
            column_order: spec.column_order,
            extra_columns: spec.extra_columns,
            ignore_id: spec.ignore_id,
        };
        // Converting and comparing a million kept rows takes a while: off the async threads,
        // and the stop button answers at once (the abandoned work ends by itself, touching
        // nothing shared).
        let comparison = tokio::task::spawn_blocking(move || {
            let actual_data = variable_to_data(&actual, origin.as_ref());
            let expected = match expected {
                Expected::Data(data) => data,
                Expected::Variable(variable, origin) => {
                    variable_to_data(&variable, origin.as_ref())
                }
            };
            options.order = order.unwrap_or_else(|| default_order(&actual_data, origin.as_ref()));
            resultcheck::check(expected, actual_data, &options)
        });
        let verdict = tokio::select! {
            joined = comparison => joined.map_err(|e| {
                EngineError::new("InternalError", format!("the comparison failed: {e}"))
            })?,
            _ = cancel.cancelled() => return Err(EngineError::interrupted()),
        };
        let report = CheckReport {
            variable: spec.actual.clone(),
            against,
            verdict,
            hint: spec.hint.clone(),
        };
        let passed = report.verdict.passed;
        let headline = report.headline();
        let detail = report.detail();
        sink.emit(QueryResult::Check(report));
        if passed {
            return Ok(());
        }
        let mut error = EngineError::new(CHECK_FAILED, headline);
        for line in detail {
            error = error.with_detail(line);
        }
        Err(error)
    }
}

/// The expectation before conversion (converted with the actual value, off the async threads).
enum Expected {
    Data(Data),
    Variable(
        crate::session::variables::Variable,
        Option<super::origin::Origin>,
    ),
}

/// In order only when the answer's query asked for an order; a single value has none to check.
fn default_order(actual: &Data, origin: Option<&super::origin::Origin>) -> Order {
    match (actual, origin) {
        (Data::Single(_), _) => Order::Ordered,
        (_, Some(origin)) if origin.sorted => Order::Ordered,
        _ => Order::Unordered,
    }
}

/// Options that cannot mean anything for this kind of result are refused, not ignored.
fn refuse_options_that_do_not_apply(spec: &CheckSpec, kind: Kind) -> Result<(), EngineError> {
    let what = match kind {
        Kind::Table => return Ok(()),
        Kind::Documents => "documents",
        Kind::Value => "a single value",
        Kind::Redis => "a Redis reply",
    };
    if spec.column_order {
        return Err(EngineError::usage(format!(
            "--column-order applies to tables; {} holds {what}, whose field order is always ignored",
            spec.actual
        )));
    }
    if spec.ignore_id && kind != Kind::Documents && kind != Kind::Value {
        return Err(EngineError::usage(format!(
            "--ignore-id applies to tables and documents; {} holds {what}",
            spec.actual
        )));
    }
    Ok(())
}
