//! Commands whose replies redis-cli prints raw, even on a terminal.
//!
//! Most replies are printed in redis-cli's typed form (`"value"`, `(integer) 1`). A few commands
//! answer with a report meant to be read as lines (`INFO`'s `field:value` lines, one `CLIENT
//! LIST` line per client, `CLUSTER NODES`), and redis-cli prints those as the text itself rather
//! than one quoted string full of `\r\n`. The set and its argument counts are redis-cli's
//! (7.x): `INFO`, `LOLWUT`, `CLIENT LIST|INFO`, `CLUSTER NODES|INFO`, `MEMORY DOCTOR|MALLOC-STATS`,
//! `LATENCY DOCTOR|GRAPH event`, `DEBUG HTSTATS|HTSTATS-KEY` and the cluster proxy's `PROXY INFO`.

use super::tokenize::Command;

/// Does redis-cli print this command's reply raw?
pub fn prints_raw(command: &Command) -> bool {
    let argc = command.args.len();
    let sub = command.arg_upper(1);
    match command.name().as_str() {
        "INFO" | "LOLWUT" => true,
        "CLIENT" => argc >= 2 && matches!(sub.as_str(), "LIST" | "INFO"),
        "CLUSTER" => argc == 2 && matches!(sub.as_str(), "NODES" | "INFO"),
        "MEMORY" => argc >= 2 && matches!(sub.as_str(), "DOCTOR" | "MALLOC-STATS"),
        "LATENCY" => (argc == 2 && sub == "DOCTOR") || (argc == 3 && sub == "GRAPH"),
        "DEBUG" => argc >= 2 && matches!(sub.as_str(), "HTSTATS" | "HTSTATS-KEY"),
        "PROXY" => argc >= 2 && sub == "INFO",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(words: &[&str]) -> Command {
        Command {
            args: words.iter().map(|w| w.as_bytes().to_vec()).collect(),
            text: words.join(" "),
            line: 0,
        }
    }

    #[test]
    fn reports_are_raw_and_other_replies_are_not() {
        assert!(prints_raw(&cmd(&["info"])));
        assert!(prints_raw(&cmd(&["INFO", "keyspace"])));
        assert!(prints_raw(&cmd(&["client", "list", "TYPE", "normal"])));
        assert!(prints_raw(&cmd(&["CLUSTER", "NODES"])));
        assert!(prints_raw(&cmd(&["LATENCY", "GRAPH", "command"])));
        assert!(!prints_raw(&cmd(&["CLUSTER", "NODES", "x"])));
        assert!(!prints_raw(&cmd(&["CLIENT", "ID"])));
        assert!(!prints_raw(&cmd(&["CLIENT"])));
        assert!(!prints_raw(&cmd(&["GET", "info"])));
    }
}
