//! How a result is compared: order, numeric tolerance, column rules.

/// Whether order and duplicates matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Same items in the same order.
    Ordered,
    /// Order ignored, duplicates count (a bag, a multiset).
    Unordered,
    /// Order and duplicates ignored.
    Set,
}

impl Order {
    /// How the mode reads in a verdict: "compared in order".
    pub fn describe(self) -> &'static str {
        match self {
            Order::Ordered => "compared in order",
            Order::Unordered => "compared unordered",
            Order::Set => "compared as a set",
        }
    }
}

/// Every rule of one comparison. The default is the strictest sensible one: exact numbers (by
/// value), case-sensitive names, no extra columns, `_id` compared; only `order` has no default
/// here, since it depends on the query that made the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub order: Order,
    /// Numbers are equal after rounding both to this many decimal places.
    pub digits: Option<u32>,
    pub ignore_column_case: bool,
    /// Tables only: the result's columns must come in the expected order.
    pub column_order: bool,
    /// The result may have columns or fields the expectation does not name.
    pub extra_columns: bool,
    /// `_id` (a document field or a column) is left out on both sides.
    pub ignore_id: bool,
}

impl Options {
    pub fn new(order: Order) -> Self {
        Options {
            order,
            digits: None,
            ignore_column_case: false,
            column_order: false,
            extra_columns: false,
            ignore_id: false,
        }
    }

    /// A column or field name as it is matched.
    pub(crate) fn name_key(&self, name: &str) -> String {
        if self.ignore_column_case {
            name.to_lowercase()
        } else {
            name.to_string()
        }
    }
}
