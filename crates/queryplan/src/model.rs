//! The plan model every engine's parser fills: one tree of [`Node`]s plus the plan-wide figures.
//!
//! Fields are the union of what PostgreSQL, MySQL/MariaDB, SQLite and MongoDB report; a parser
//! fills what its engine has and leaves the rest `None`. Figures are kept as the engine reports
//! them (PostgreSQL's actual rows and time are per loop); the derived ones (`inclusive_ms`,
//! `exclusive_ms`, `exclusive_cost`, warnings) are computed by [`Plan::finish`] so every engine
//! gets the same arithmetic.

/// How an engine reports a node's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeBasis {
    /// Average per loop, to be multiplied by loops (PostgreSQL, MySQL's EXPLAIN ANALYZE).
    #[default]
    PerLoop,
    /// Already the node's total over all its loops (MariaDB `r_total_time_ms`, MongoDB).
    Total,
}

/// What the bars of a drawing measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Exclusive time (the plan was executed).
    Time,
    /// Exclusive share of the planner's cost (not executed).
    Cost,
    /// Keys and documents each stage examined, when the engine's stage times are all zero
    /// (MongoDB rounds them to whole milliseconds): the work is still where it is.
    Examined,
}

impl Measure {
    /// `of the time`, `of the estimated cost`, `of the documents and keys examined`.
    pub fn of(self) -> &'static str {
        match self {
            Measure::Time => "of the time",
            Measure::Cost => "of the estimated cost",
            Measure::Examined => "of the documents and keys examined",
        }
    }

    /// `time`, `cost`, `work`: what folded parts are a small share of.
    pub fn noun(self) -> &'static str {
        match self {
            Measure::Time => "time",
            Measure::Cost => "cost",
            Measure::Examined => "work",
        }
    }
}

/// Buffer counters of a node (PostgreSQL `BUFFERS`), in blocks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Buffers {
    pub shared_hit: Option<f64>,
    pub shared_read: Option<f64>,
    pub shared_dirtied: Option<f64>,
    pub shared_written: Option<f64>,
    pub temp_read: Option<f64>,
    pub temp_written: Option<f64>,
}

impl Buffers {
    pub fn is_empty(&self) -> bool {
        *self == Buffers::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing (which plan was chosen).
    Info,
    /// Likely to matter (a misestimate, an in-memory sort).
    Warn,
    /// Where the time goes or data spills to disk.
    Bad,
}

/// One plain-language finding. `node` is the node's id ([`Node::id`]) when it is about one node.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub severity: Severity,
    pub text: String,
    pub node: Option<usize>,
}

/// One operation of a plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    /// Preorder position in the plan (root 0), assigned by [`Plan::finish`].
    pub id: usize,
    /// The operation: `Seq Scan`, `Hash Join`, `IXSCAN`, `SCAN`, `ALL`.
    pub kind: String,
    /// The relation or collection it reads, with its alias when it has one.
    pub object: Option<String>,
    /// The step in the engine's own words, when they say more than kind + object (SQLite's
    /// `SEARCH users USING INDEX idx_name (name=?)`): drawn as the title.
    pub label: Option<String>,
    pub index: Option<String>,
    /// How it hangs under its parent: `Outer`, `Inner`, `InitPlan`, `SubPlan`, `Member`.
    pub relationship: Option<String>,
    /// A subplan's or CTE's name: `CTE totals`, `InitPlan 1`, `SubPlan 2`.
    pub subplan_name: Option<String>,
    /// For a scan of a CTE: the CTE it reads.
    pub cte_name: Option<String>,
    pub est_rows: Option<f64>,
    /// Actual rows: per loop when the plan's basis is [`TimeBasis::PerLoop`].
    pub actual_rows: Option<f64>,
    pub loops: Option<f64>,
    pub startup_cost: Option<f64>,
    pub total_cost: Option<f64>,
    /// Inclusive time as the engine reports it (see [`TimeBasis`]).
    pub time_ms: Option<f64>,
    /// Filter and condition texts: (`Filter`, `(a = 1)`), (`Index Cond`, ...).
    pub conditions: Vec<(String, String)>,
    /// Rows a filter read and threw away (per loop, like actual rows).
    pub rows_removed: Option<f64>,
    pub workers_planned: Option<u32>,
    pub workers_launched: Option<u32>,
    pub sort_method: Option<String>,
    /// `Memory` or `Disk`.
    pub sort_space_type: Option<String>,
    pub sort_space_kb: Option<f64>,
    pub hash_batches: Option<f64>,
    pub original_hash_batches: Option<f64>,
    pub peak_memory_kb: Option<f64>,
    pub heap_fetches: Option<f64>,
    /// MongoDB counters (totals).
    pub docs_examined: Option<f64>,
    pub keys_examined: Option<f64>,
    pub buffers: Buffers,
    /// Anything else worth showing, in the engine's words.
    pub details: Vec<(String, String)>,
    /// The plan was executed but this node never ran (PostgreSQL `never executed`).
    pub never_executed: bool,
    pub children: Vec<Node>,

    // Computed by `Plan::finish`.
    /// Wall-clock time of the node and everything under it, over all loops.
    pub inclusive_ms: Option<f64>,
    /// Time spent in this node alone; never negative.
    pub exclusive_ms: Option<f64>,
    /// Cost of this node alone; never negative.
    pub exclusive_cost: Option<f64>,
    pub warnings: Vec<Warning>,
}

impl Node {
    pub fn new(kind: impl Into<String>) -> Node {
        Node {
            kind: kind.into(),
            ..Node::default()
        }
    }

    /// Actual rows over all loops (what the node produced in total).
    pub fn total_actual_rows(&self, basis: TimeBasis) -> Option<f64> {
        let rows = self.actual_rows?;
        Some(match basis {
            TimeBasis::PerLoop => rows * self.loops.unwrap_or(1.0),
            TimeBasis::Total => rows,
        })
    }

    /// `Seq Scan on orders`, `Index Scan using orders_pkey on orders`.
    pub fn title(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        let mut title = self.kind.clone();
        if let Some(index) = &self.index {
            title.push_str(" using ");
            title.push_str(index);
        }
        if let Some(object) = &self.object {
            title.push_str(" on ");
            title.push_str(object);
        }
        if let Some(cte) = &self.cte_name
            && self.object.is_none()
        {
            title.push_str(" on ");
            title.push_str(cte);
        }
        title
    }

    /// This node and all below it, in preorder.
    pub fn walk(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            out.push(node);
            stack.extend(node.children.iter().rev());
        }
        out
    }

    pub fn count(&self) -> usize {
        1 + self.children.iter().map(Node::count).sum::<usize>()
    }

    pub(crate) fn for_each_mut(&mut self, f: &mut impl FnMut(&mut Node)) {
        f(self);
        for child in &mut self.children {
            child.for_each_mut(f);
        }
    }
}

pub(crate) fn exclusive_of(measure: Measure, node: &Node) -> Option<f64> {
    match measure {
        Measure::Time => node.exclusive_ms,
        Measure::Cost => node.exclusive_cost,
        Measure::Examined => match (node.keys_examined, node.docs_examined) {
            (None, None) => None,
            (keys, docs) => Some(keys.unwrap_or(0.0) + docs.unwrap_or(0.0)),
        },
    }
}

/// A trigger fired by an analysed write (PostgreSQL).
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub name: String,
    pub relation: Option<String>,
    pub time_ms: f64,
    pub calls: f64,
}

/// A whole plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// `PostgreSQL`, `SQLite`, `MariaDB`, `MySQL`, `MongoDB`.
    pub engine: String,
    /// The plan was executed (ANALYZE, executionStats): actual figures are present.
    pub analyzed: bool,
    pub basis: TimeBasis,
    pub root: Node,
    pub planning_ms: Option<f64>,
    pub execution_ms: Option<f64>,
    pub triggers: Vec<Trigger>,
    /// Plans the optimizer considered and did not choose (MongoDB `rejectedPlans`).
    pub rejected: Vec<Node>,
    /// Plan-wide figures in the engine's words (`nReturned`, `query_cost`).
    pub details: Vec<(String, String)>,
    /// Said above the drawing: "the DELETE ran inside a transaction that was rolled back".
    pub notes: Vec<String>,
    /// The raw plan as the engine sent it (JSON text), carried for tools, never drawn.
    pub raw: Option<String>,

    // Computed by `finish`.
    pub summary: Vec<Warning>,
    /// What the shares measure and their sum, kept so that a share costs no walk of the tree.
    pub measured: Option<(Measure, f64)>,
}

impl Plan {
    pub fn new(engine: impl Into<String>, root: Node) -> Plan {
        Plan {
            engine: engine.into(),
            root,
            ..Plan::default()
        }
    }

    /// Numbers the nodes, computes the times and the warnings. Parsers call it last; calling
    /// it again recomputes everything.
    pub fn finish(mut self) -> Plan {
        let mut next = 0;
        self.root.for_each_mut(&mut |node| {
            node.id = next;
            next += 1;
        });
        let mut next = 0;
        for rejected in &mut self.rejected {
            rejected.for_each_mut(&mut |node| {
                node.id = next;
                next += 1;
            });
        }
        crate::timing::compute(&mut self);
        let sum_of = |plan: &Plan, measure: Measure| -> Option<(Measure, f64)> {
            let sum: f64 = plan
                .root
                .walk()
                .iter()
                .filter_map(|n| exclusive_of(measure, n))
                .sum();
            (sum > 0.0).then_some((measure, sum))
        };
        self.measured = self
            .measure_now()
            .and_then(|measure| sum_of(&self, measure))
            .or_else(|| sum_of(&self, Measure::Examined));
        crate::warnings::assess(&mut self);
        self
    }

    /// What the bars measure (computed by [`Plan::finish`]).
    pub fn measure(&self) -> Option<Measure> {
        self.measured.map(|(m, _)| m).or_else(|| self.measure_now())
    }

    fn measure_now(&self) -> Option<Measure> {
        let nodes = self.root.walk();
        if self.analyzed && nodes.iter().any(|n| n.exclusive_ms.is_some()) {
            Some(Measure::Time)
        } else if nodes.iter().any(|n| n.exclusive_cost.is_some()) {
            Some(Measure::Cost)
        } else {
            None
        }
    }

    /// The node's exclusive figure under the plan's measure.
    pub fn exclusive(&self, node: &Node) -> Option<f64> {
        exclusive_of(self.measure()?, node)
    }

    /// The sum the shares are taken of: total time (or cost) of the plan.
    pub fn total(&self) -> Option<f64> {
        self.measured.map(|(_, total)| total)
    }

    /// The node's share (0..=1) of the plan's total.
    pub fn share(&self, node: &Node) -> Option<f64> {
        Some(self.exclusive(node)? / self.total()?)
    }

    pub fn node(&self, id: usize) -> Option<&Node> {
        self.root.walk().into_iter().find(|n| n.id == id)
    }
}
