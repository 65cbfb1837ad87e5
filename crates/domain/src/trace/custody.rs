//! Chain-of-custody events (来源可查、去向可追、责任可究) and their checks.
//!
//! Movement rules: `produce` creates stock at `to`; `ship`, `install` and `recall` move
//! stock from `from` to `to`; `sell` moves it out of `from` (to a consumer, or to an
//! entity when `to` is given); `receive` is the receiver's confirmation of a shipment and
//! moves nothing (a receipt with no matching shipment is flagged); `inspect` records an
//! inspection of the stock held by `from` and moves nothing.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Most events one bulk upload may carry.
pub const MAX_UPLOAD: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Produce,
    Receive,
    Ship,
    Sell,
    Install,
    Inspect,
    Recall,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::Produce,
        EventKind::Receive,
        EventKind::Ship,
        EventKind::Sell,
        EventKind::Install,
        EventKind::Inspect,
        EventKind::Recall,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EventKind::Produce => "produce",
            EventKind::Receive => "receive",
            EventKind::Ship => "ship",
            EventKind::Sell => "sell",
            EventKind::Install => "install",
            EventKind::Inspect => "inspect",
            EventKind::Recall => "recall",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::Produce => "生产",
            EventKind::Receive => "收货",
            EventKind::Ship => "发货",
            EventKind::Sell => "销售",
            EventKind::Install => "安装/使用",
            EventKind::Inspect => "检验",
            EventKind::Recall => "召回",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(s: &str) -> Option<EventKind> {
        let s = s.trim();
        EventKind::ALL
            .into_iter()
            .find(|k| k.code() == s || k.label() == s || (s == "使用" || s == "安装") && *k == EventKind::Install)
    }

    /// Whether the event moves stock along an edge `from → to` (both present).
    pub fn is_transfer(self) -> bool {
        matches!(self, EventKind::Ship | EventKind::Sell | EventKind::Install | EventKind::Recall)
    }

    /// The party responsible for the step (责任主体): who holds the goods when it happens.
    pub fn responsible_is_from(self) -> bool {
        !matches!(self, EventKind::Produce | EventKind::Receive | EventKind::Install)
    }
}

/// Checks the parties and quantity of an event; returns a Chinese reason on refusal.
pub fn check_event(kind: EventKind, from: Option<&str>, to: Option<&str>, quantity: i64) -> Result<(), String> {
    if quantity < 0 {
        return Err("数量不能为负数".into());
    }
    if quantity == 0 && kind != EventKind::Inspect {
        return Err(format!("{}事件的数量应大于 0", kind.label()));
    }
    if quantity > 1_000_000_000_000 {
        return Err("数量超出范围".into());
    }
    let need = |who: Option<&str>, what: &str| -> Result<(), String> {
        if who.is_none() {
            Err(format!("{}事件须填写{what}", kind.label()))
        } else {
            Ok(())
        }
    };
    match kind {
        EventKind::Produce => {
            need(to, "生产企业(to)")?;
            if from.is_some() {
                return Err("生产事件不应填写来源企业(from)".into());
            }
        }
        EventKind::Ship | EventKind::Receive | EventKind::Recall => {
            need(from, "发出方(from)")?;
            need(to, "接收方(to)")?;
        }
        EventKind::Sell | EventKind::Inspect => need(from, "持有企业(from)")?,
        EventKind::Install => need(to, "使用单位(to)")?,
    }
    if from.is_some() && from == to {
        return Err("发出方与接收方不能相同".into());
    }
    Ok(())
}

/// Signed stock changes of an event: `(holder, delta)`.
pub fn stock_deltas<'a>(
    kind: EventKind,
    from: Option<&'a str>,
    to: Option<&'a str>,
    quantity: i64,
) -> Vec<(&'a str, i64)> {
    let mut out = Vec::new();
    match kind {
        EventKind::Receive | EventKind::Inspect => {}
        EventKind::Produce => out.extend(to.map(|t| (t, quantity))),
        _ => {
            out.extend(from.map(|f| (f, -quantity)));
            out.extend(to.map(|t| (t, quantity)));
        }
    }
    out
}

/// Whether adding the edge `from → to` to `edges` closes a custody cycle (goods coming back
/// to a holder they passed through), i.e. `from` is reachable from `to`.
pub fn closes_cycle(edges: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([to.to_string()]);
    while let Some(n) = queue.pop_front() {
        if n == from {
            return true;
        }
        if let Some(next) = edges.get(&n) {
            for m in next {
                if seen.insert(m.clone()) {
                    queue.push_back(m.clone());
                }
            }
        }
    }
    false
}

/// Flags an event can carry (kept, shown, never silently dropped).
pub mod flag {
    pub const UNKNOWN_CODE: &str = "unknown_code";
    pub const UNKNOWN_ENTITY: &str = "unknown_entity";
    pub const CYCLE: &str = "cycle";
    pub const OVER_SHIPPED: &str = "over_shipped";
    pub const UNMATCHED_RECEIVE: &str = "unmatched_receive";

    pub fn label(f: &str) -> &'static str {
        match f {
            UNKNOWN_CODE => "产品代码不在目录中(待补录)",
            UNKNOWN_ENTITY => "企业不在名录库中(待核实)",
            CYCLE => "流向成环",
            OVER_SHIPPED => "发出数量超过收到数量",
            UNMATCHED_RECEIVE => "收货无对应发货记录",
            _ => "其他",
        }
    }
}

/// A node reached by a trace, with its hop distance and the quantity it received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub uscc: String,
    pub depth: u32,
    pub received: i64,
}

/// Breadth-first walk over `edges` (`node → [(next, quantity)]`) from `start`, at most
/// `max_depth` hops; each node once, at its shortest distance. Quantities received over
/// every edge into a reached node are summed.
pub fn walk(edges: &BTreeMap<&str, Vec<(&str, i64)>>, start: &[&str], max_depth: u32) -> Vec<Hop> {
    let mut depth: BTreeMap<&str, u32> = start.iter().map(|s| (*s, 0)).collect();
    let mut order: Vec<&str> = start.to_vec();
    let mut queue: VecDeque<&str> = start.iter().copied().collect();
    let mut received: BTreeMap<&str, i64> = BTreeMap::new();
    while let Some(n) = queue.pop_front() {
        let d = depth[n];
        for (m, q) in edges.get(n).map(Vec::as_slice).unwrap_or(&[]) {
            if d >= max_depth {
                break;
            }
            *received.entry(m).or_default() += q;
            if !depth.contains_key(m) {
                depth.insert(m, d + 1);
                order.push(m);
                queue.push_back(m);
            }
        }
    }
    order
        .into_iter()
        .map(|u| Hop { uscc: u.to_string(), depth: depth[u], received: received.get(u).copied().unwrap_or(0) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn event_rules() {
        assert!(check_event(EventKind::Produce, None, Some("A"), 10).is_ok());
        assert_eq!(check_event(EventKind::Ship, Some("A"), Some("B"), -1).unwrap_err(), "数量不能为负数");
        assert!(check_event(EventKind::Produce, Some("A"), Some("B"), 1).is_err());
        assert!(check_event(EventKind::Ship, Some("A"), None, 1).is_err());
        assert!(check_event(EventKind::Ship, Some("A"), Some("A"), 1).is_err());
        assert!(check_event(EventKind::Inspect, Some("A"), None, 0).is_ok());
        assert!(check_event(EventKind::Sell, Some("A"), None, 0).is_err());
        assert_eq!(EventKind::parse("发货"), Some(EventKind::Ship));
        assert_eq!(EventKind::parse("使用"), Some(EventKind::Install));
        assert_eq!(EventKind::parse("x"), None);
        assert_eq!(stock_deltas(EventKind::Ship, Some("A"), Some("B"), 5), vec![("A", -5), ("B", 5)]);
        assert!(stock_deltas(EventKind::Receive, Some("A"), Some("B"), 5).is_empty());
    }

    #[test]
    fn cycles_and_walks() {
        let mut e: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        e.entry("A".into()).or_default().insert("B".into());
        e.entry("B".into()).or_default().insert("C".into());
        assert!(closes_cycle(&e, "C", "A"));
        assert!(!closes_cycle(&e, "A", "C"));
        assert!(!closes_cycle(&e, "C", "D"));
        let edges: BTreeMap<&str, Vec<(&str, i64)>> =
            [("P", vec![("D1", 60), ("D2", 40)]), ("D1", vec![("R1", 30), ("R2", 30)]), ("D2", vec![("R2", 10)])]
                .into_iter()
                .collect();
        let hops = walk(&edges, &["P"], 5);
        assert_eq!(hops.len(), 5);
        assert_eq!(hops.iter().find(|h| h.uscc == "R2").unwrap(), &Hop { uscc: "R2".into(), depth: 2, received: 40 });
        assert_eq!(walk(&edges, &["P"], 1).len(), 3);
    }

    proptest! {
        #[test]
        fn walk_visits_each_node_once(pairs in proptest::collection::vec((0u8..20, 0u8..20, 1i64..100), 0..60)) {
            let names: Vec<String> = (0..20).map(|i| format!("N{i}")).collect();
            let mut edges: BTreeMap<&str, Vec<(&str, i64)>> = BTreeMap::new();
            for (a, b, q) in &pairs {
                edges.entry(names[*a as usize].as_str()).or_default().push((names[*b as usize].as_str(), *q));
            }
            let hops = walk(&edges, &["N0"], 5);
            let set: BTreeSet<&str> = hops.iter().map(|h| h.uscc.as_str()).collect();
            prop_assert_eq!(set.len(), hops.len());
            prop_assert!(hops.iter().all(|h| h.depth <= 5));
        }

        #[test]
        fn negative_quantities_always_refused(q in i64::MIN..0) {
            for k in EventKind::ALL {
                prop_assert!(check_event(k, Some("A"), Some("B"), q).is_err());
            }
        }
    }
}
