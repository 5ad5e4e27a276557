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

impl Script {
    /// The kernel variables the script reads (`{{rows}}`, and `rows` for `{{rows.0.name}}`), each
    /// once, in order of first use. The kernel converts only these to BSON for a cell: a large
    /// table kept in another variable costs nothing in cells that do not mention it.
    pub fn kernel_variables(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for statement in &self.statements {
            statement.add_kernel_variables(&mut names);
        }
        names
    }
}

impl Statement {
    /// The kernel variables this statement reads (see [`Script::kernel_variables`]).
    pub fn kernel_variables(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.add_kernel_variables(&mut names);
        names
    }

    fn add_kernel_variables<'a>(&'a self, names: &mut Vec<&'a str>) {
        match &self.kind {
            StatementKind::Directive { .. } => {}
            StatementKind::Declare { value, .. }
            | StatementKind::Assign { value, .. }
            | StatementKind::Expr(value) => value.kernel_variables(names),
        }
    }
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
    fn kernel_variables<'a>(&'a self, names: &mut Vec<&'a str>) {
        let elements = |items: &'a [Element], names: &mut Vec<&'a str>| {
            for item in items {
                match item {
                    Element::Value(e) | Element::Spread(e) => e.kernel_variables(names),
                }
            }
        };
        match &self.kind {
            ExprKind::KernelVar(name) => {
                let head = name.split('.').next().unwrap_or(name);
                if !names.contains(&head) {
                    names.push(head);
                }
            }
            ExprKind::Object(properties) => {
                for property in properties {
                    match property {
                        Property::KeyValue { value, .. } => value.kernel_variables(names),
                        Property::Computed { key, value } => {
                            key.kernel_variables(names);
                            value.kernel_variables(names);
                        }
                        Property::Spread(e) => e.kernel_variables(names),
                    }
                }
            }
            ExprKind::Array(items) => elements(items, names),
            ExprKind::Member { object, .. } => object.kernel_variables(names),
            ExprKind::Index { object, index } => {
                object.kernel_variables(names);
                index.kernel_variables(names);
            }
            ExprKind::Call { callee, args } | ExprKind::New { callee, args } => {
                callee.kernel_variables(names);
                elements(args, names);
            }
            ExprKind::Unary { operand, .. } => operand.kernel_variables(names),
            ExprKind::Binary { left, right, .. } => {
                left.kernel_variables(names);
                right.kernel_variables(names);
            }
            ExprKind::Conditional {
                test,
                then,
                otherwise,
            } => {
                test.kernel_variables(names);
                then.kernel_variables(names);
                otherwise.kernel_variables(names);
            }
            ExprKind::Number(_)
            | ExprKind::Str(_)
            | ExprKind::Regex { .. }
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Undefined
            | ExprKind::Ident(_) => {}
        }
    }

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
