//! `usersInfo` and `rolesInfo`: what `show users`, `show roles`, `db.getUsers()` and
//! `db.getRoles()` ask for.
//!
//! The embedded engine has no access control (like a mongod started without `--auth` and no
//! users created), so there are no users and no user-defined roles. mongod's built-in roles
//! still exist on such a server and `showBuiltinRoles: true` lists them; their privileges are
//! not modelled, so `showPrivileges` is refused rather than answered with nothing.

use bson::{Bson, Document, doc};

use crate::engine::Ctx;
use crate::error::{CommandError, Result};

/// mongod's code for an unknown field in a command.
const UNKNOWN_FIELD: i32 = 40415;

/// mongod's built-in roles of every database.
const DATABASE_ROLES: &[&str] = &["dbAdmin", "dbOwner", "read", "readWrite", "userAdmin"];
/// The built-in roles only the `admin` database has.
const ADMIN_ROLES: &[&str] = &[
    "backup",
    "clusterAdmin",
    "clusterManager",
    "clusterMonitor",
    "dbAdminAnyDatabase",
    "hostManager",
    "readAnyDatabase",
    "readWriteAnyDatabase",
    "restore",
    "root",
    "userAdminAnyDatabase",
];

fn unknown_field(command: &str, field: &str) -> CommandError {
    CommandError::new(
        UNKNOWN_FIELD,
        format!("BSON field '{command}.{field}' is an unknown field."),
    )
}

fn flag(ctx: &Ctx, command: &str, field: &str) -> Result<bool> {
    match ctx.cmd.get(field) {
        None => Ok(false),
        Some(Bson::Boolean(b)) => Ok(*b),
        Some(Bson::Int32(i)) => Ok(*i != 0),
        Some(Bson::Int64(i)) => Ok(*i != 0),
        Some(Bson::Double(d)) => Ok(*d != 0.0),
        Some(other) => Err(CommandError::type_mismatch(format!(
            "BSON field '{command}.{field}' is the wrong type '{}', expected types '[bool, long, int, decimal, double]'",
            docdb_query::value::type_alias(other)
        ))),
    }
}

/// Generic arguments any command may carry.
fn is_generic(field: &str) -> bool {
    field.starts_with('$')
        || matches!(
            field,
            "lsid"
                | "comment"
                | "maxTimeMS"
                | "readConcern"
                | "apiVersion"
                | "apiStrict"
                | "apiDeprecationErrors"
        )
}

/// `usersInfo`: no users exist, whatever is asked for.
pub fn users_info(ctx: &Ctx) -> Result<Document> {
    for field in ctx.cmd.keys().skip(1) {
        match field.as_str() {
            "showCredentials"
            | "showCustomData"
            | "showPrivileges"
            | "showAuthenticationRestrictions" => {
                flag(ctx, "usersInfo", field)?;
            }
            "filter" => {
                if !matches!(ctx.cmd.get("filter"), Some(Bson::Document(_))) {
                    return Err(CommandError::type_mismatch(
                        "BSON field 'usersInfo.filter' is the wrong type, expected type 'object'",
                    ));
                }
            }
            f if is_generic(f) => {}
            f => return Err(unknown_field("usersInfo", f)),
        }
    }
    Ok(doc! {"users": [], "ok": 1.0})
}

/// `rolesInfo`: no user-defined roles; the built-in ones with `showBuiltinRoles: true`.
pub fn roles_info(ctx: &Ctx) -> Result<Document> {
    let mut builtin = false;
    for field in ctx.cmd.keys().skip(1) {
        match field.as_str() {
            "showBuiltinRoles" => builtin = flag(ctx, "rolesInfo", field)?,
            "showPrivileges" | "showAuthenticationRestrictions" => {
                if flag(ctx, "rolesInfo", field)? {
                    return Err(CommandError::bad_value(format!(
                        "rolesInfo {field} is not available: the embedded engine has no access control, so roles carry no privileges or restrictions; ask without {field}"
                    )));
                }
            }
            f if is_generic(f) => {}
            f => return Err(unknown_field("rolesInfo", f)),
        }
    }
    let mut roles = Vec::new();
    // `rolesInfo: 1` lists the database's roles; a name or a document asks for one role,
    // which is listed only when it is a built-in one.
    let wanted: Option<String> = match ctx.cmd.get("rolesInfo") {
        Some(Bson::String(name)) => Some(name.clone()),
        Some(Bson::Document(d)) => d.get_str("role").ok().map(str::to_string),
        _ => None,
    };
    if builtin || wanted.is_some() {
        let mut names: Vec<&str> = DATABASE_ROLES.to_vec();
        if ctx.db == "admin" {
            names.extend_from_slice(ADMIN_ROLES);
        }
        names.sort_unstable();
        for name in names {
            if wanted.as_deref().is_some_and(|w| w != name) {
                continue;
            }
            roles.push(Bson::Document(doc! {
                "role": name,
                "db": ctx.db,
                "isBuiltin": true,
                "roles": [],
                "inheritedRoles": [],
            }));
        }
    }
    Ok(doc! {"roles": roles, "ok": 1.0})
}
