//! Which path a command takes. Nothing is allow-listed: any command the server (or a module)
//! knows runs as an ordinary request. Only commands that change how the connection itself
//! behaves need another path:
//!
//! - streaming commands (`SUBSCRIBE`, `PSUBSCRIBE`, `SSUBSCRIBE`, `MONITOR`) put a connection in a
//!   mode where replies keep coming; they run on a dedicated connection, bounded, so the cell's
//!   own connection never leaves the normal request/reply mode;
//! - blocking commands (`BLPOP`... `XREAD BLOCK`, `WAIT`) wait on the server; they run bounded by
//!   the cell's `--timeout` and are unblocked with `CLIENT UNBLOCK`;
//! - `HELLO 2|3` switches protocol, which the driver must know about, so it reconnects;
//! - replication streams (`SYNC`, `PSYNC`) would never return: refused.
//!
//! Inside `MULTI` every command is only queued, so everything is ordinary there.

use super::tokenize::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ordinary,
    Blocking,
    Stream,
    /// `HELLO` with a protocol version (`HELLO 3`): reconnect speaking that protocol.
    Hello(u8),
    Refused(&'static str),
}

/// Blocking commands, from the `blocking` flag in Redis's command table.
const BLOCKING: &[&str] = &[
    "BLPOP",
    "BRPOP",
    "BLMOVE",
    "BRPOPLPUSH",
    "BLMPOP",
    "BZPOPMIN",
    "BZPOPMAX",
    "BZMPOP",
    "WAIT",
    "WAITAOF",
];

pub fn classify(command: &Command, in_multi: bool) -> Kind {
    let name = command.name();
    if in_multi {
        return Kind::Ordinary;
    }
    match name.as_str() {
        "SUBSCRIBE" | "PSUBSCRIBE" | "SSUBSCRIBE" | "MONITOR" => Kind::Stream,
        "SYNC" | "PSYNC" => Kind::Refused(
            "replication streams (SYNC/PSYNC) never end; use redis-cli --rdb or a replica instead",
        ),
        "XREAD" | "XREADGROUP" if blocks_before_streams(command) => Kind::Blocking,
        "HELLO" => match command.arg_upper(1).as_str() {
            "2" => Kind::Hello(2),
            "3" => Kind::Hello(3),
            _ => Kind::Ordinary,
        },
        n if BLOCKING.contains(&n) => Kind::Blocking,
        _ => Kind::Ordinary,
    }
}

/// `XREAD [COUNT n] [BLOCK ms] STREAMS ...`: it blocks only when `BLOCK` precedes `STREAMS`
/// (after `STREAMS` the words are keys and ids, and a key may be called "block").
fn blocks_before_streams(command: &Command) -> bool {
    for index in 1..command.args.len() {
        match command.arg_upper(index).as_str() {
            "STREAMS" => return false,
            "BLOCK" => return true,
            _ => {}
        }
    }
    false
}

/// Commands that end a `MULTI` block, whatever their reply.
pub fn ends_transaction(name: &str) -> bool {
    matches!(name, "EXEC" | "DISCARD" | "RESET")
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
    fn streaming_and_blocking_commands_are_recognised_in_any_case() {
        assert_eq!(classify(&cmd(&["subscribe", "ch"]), false), Kind::Stream);
        assert_eq!(classify(&cmd(&["MONITOR"]), false), Kind::Stream);
        assert_eq!(classify(&cmd(&["blpop", "k", "0"]), false), Kind::Blocking);
        assert_eq!(classify(&cmd(&["GET", "k"]), false), Kind::Ordinary);
        assert_eq!(classify(&cmd(&["MODULE.CMD", "k"]), false), Kind::Ordinary);
    }

    #[test]
    fn xread_blocks_only_with_block_before_streams() {
        assert_eq!(
            classify(
                &cmd(&["XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "$"]),
                false
            ),
            Kind::Blocking
        );
        assert_eq!(
            classify(&cmd(&["XREAD", "STREAMS", "block", "0"]), false),
            Kind::Ordinary
        );
    }

    #[test]
    fn inside_multi_everything_is_queued() {
        assert_eq!(classify(&cmd(&["BLPOP", "k", "0"]), true), Kind::Ordinary);
        assert_eq!(classify(&cmd(&["SUBSCRIBE", "k"]), true), Kind::Ordinary);
    }

    #[test]
    fn hello_with_a_version_reconnects_and_sync_is_refused() {
        assert_eq!(classify(&cmd(&["hello", "3"]), false), Kind::Hello(3));
        assert_eq!(classify(&cmd(&["HELLO"]), false), Kind::Ordinary);
        assert!(matches!(
            classify(&cmd(&["PSYNC", "?", "-1"]), false),
            Kind::Refused(_)
        ));
    }
}
