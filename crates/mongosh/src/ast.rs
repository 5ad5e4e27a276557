//! The syntax tree the parser produces.
//!
//! It is deliberately small: only the JavaScript expressions that tutorials
//! use in the shell (literals, names, member access, calls, `new`, simple
//! operators). Everything else is rejected by the parser with an explanation,
//! so the planner never sees constructs it cannot evaluate.

use crate::span::Span;

/// A parsed cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// The statements, in source order.
    pub statements: Vec<Statement>,
}

/// One statement with its source span.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// What the statement is.
    pub kind: StatementKind,
    /// Where it is in the cell.
    pub span: Span,
}

/// Kinds of statement.
#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    /// A shell directive: `use shop`, `show dbs`, `it`, `help`, `exit`.
    Directive {
        /// The directive word (`use`, `show`, ...).
        command: String,
        /// The remaining words on the line.
        args: Vec<String>,
    },
    /// `const/let/var name = value` (one statement per declarator).
    Declare {
        /// `const`, `let` or `var`.
        keyword: String,
        /// The declared name.
        name: String,
        /// The initializer (`undefined` when absent).
        value: Expr,
    },
    /// `name = value` at statement level.
    Assign {
        /// The assigned name.
        name: String,
        /// The value.
        value: Expr,
    },
    /// An expression whose value is printed.
    Expr(Expr),
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// The expression.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x`
    Plus,
    /// `!x`
    Not,
    /// `typeof x`
    TypeOf,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `**`
    Pow,
    /// `==` and `===`
    Eq,
    /// `!=` and `!==`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `??`
    Coalesce,
}

/// A property in an object literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Property {
    /// `key: value` (also shorthand `{ a }`, where the value is the name `a`).
    KeyValue {
        /// The key, already a string.
        key: String,
        /// The value.
        value: Expr,
    },
    /// `[expr]: value`
    Computed {
        /// The key expression.
        key: Expr,
        /// The value.
        value: Expr,
    },
    /// `...expr`
    Spread(Expr),
}

/// An element of an array literal or argument list.
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    /// A plain value.
    Value(Expr),
    /// `...expr`
    Spread(Expr),
}

/// Expression kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number literal (JavaScript numbers are doubles).
    Number(f64),
    /// A string or template literal.
    Str(String),
    /// `/pattern/flags`
    Regex {
        /// Pattern text.
        pattern: String,
        /// Flag letters as written.
        flags: String,
    },
    /// `true` / `false`
    Bool(bool),
    /// `null`
    Null,
    /// `undefined`
    Undefined,
    /// A name: a variable, `db`, or a global such as `ObjectId`.
    Ident(String),
    /// `{{name}}`
    KernelVar(String),
    /// `{ ... }`
    Object(Vec<Property>),
    /// `[ ... ]`
    Array(Vec<Element>),
    /// `object.name` (or `object?.name`)
    Member {
        /// The object.
        object: Box<Expr>,
        /// The property name.
        property: String,
        /// Span of the property name (for "did you mean" errors).
        property_span: Span,
    },
    /// `object[index]`
    Index {
        /// The object.
        object: Box<Expr>,
        /// The index expression.
        index: Box<Expr>,
    },
    /// `callee(args)`
    Call {
        /// What is called.
        callee: Box<Expr>,
        /// The arguments.
        args: Vec<Element>,
    },
    /// `new callee(args)`
    New {
        /// The constructor.
        callee: Box<Expr>,
        /// The arguments.
        args: Vec<Element>,
    },
    /// A unary operation.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// A binary operation.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `test ? then : otherwise`
    Conditional {
        /// The condition.
        test: Box<Expr>,
        /// Value when truthy.
        then: Box<Expr>,
        /// Value when falsy.
        otherwise: Box<Expr>,
    },
}

impl Expr {
    /// The dotted source-like name of a member chain (`db.users.find`), used in messages.
    pub fn path_name(&self) -> String {
        match &self.kind {
            ExprKind::Ident(n) => n.clone(),
            ExprKind::Member {
                object, property, ..
            } => format!("{}.{}", object.path_name(), property),
            ExprKind::Index { object, index } => match &index.kind {
                ExprKind::Str(s) => format!("{}['{}']", object.path_name(), s),
                _ => format!("{}[...]", object.path_name()),
            },
            ExprKind::Call { callee, .. } => format!("{}(...)", callee.path_name()),
            _ => "(expression)".to_string(),
        }
    }
}
