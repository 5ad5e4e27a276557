//! `getCmdLineOpts`: how the server was started.
//!
//! `dbkernel mongod` records its arguments and what they mean (port, bind address, data
//! directory) in the engine when it starts ([`crate::Engine::set_command_line`]); an engine
//! embedded in another program reports that program's arguments and no parsed options.

use bson::{Document, doc};

use crate::engine::Ctx;
use crate::error::Result;

pub fn get_cmd_line_opts(ctx: &Ctx) -> Result<Document> {
    let (argv, parsed) = ctx.engine.command_line();
    Ok(doc! {"argv": argv, "parsed": parsed, "ok": 1.0})
}
