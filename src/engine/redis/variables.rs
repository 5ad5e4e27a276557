//! `{{name}}` in a Redis cell: a kernel variable's value as the bytes of one argument.
//!
//! Only single values make sense as one argument: scalars from `%set`, and single Redis replies
//! kept with `--out` (a bulk string stays byte-exact, binary included). Tables, documents and
//! arrays are refused with a message instead of being flattened into something surprising.

use crate::result::RedisValue;
use crate::session::variables::{Scalar, Variable, Variables};

/// The bytes `{{name}}` stands for, or a message naming the known variables.
pub fn argument_bytes(variables: &Variables, name: &str) -> Result<Vec<u8>, String> {
    let Some(variable) = variables.get(name) else {
        let known = variables.names();
        let known = if known.is_empty() {
            "no variables are defined yet".to_string()
        } else {
            format!("known variables: {}", known.join(", "))
        };
        return Err(format!(
            "unknown variable '{name}' in {{{{{name}}}}}; {known}. Define it with %set {name} = VALUE or keep a result with --out {name}"
        ));
    };
    let refuse = |what: &str| {
        Err(format!(
            "variable '{name}' holds {what}; only a single value (text, number, a Redis string or integer) can stand for one argument"
        ))
    };
    match variable {
        Variable::Scalar(Scalar::Text(text)) => Ok(text.as_bytes().to_vec()),
        Variable::Scalar(Scalar::Int(i)) => Ok(i.to_string().into_bytes()),
        Variable::Scalar(Scalar::Float(f)) => Ok(f.to_string().into_bytes()),
        Variable::Scalar(Scalar::Bool(b)) => Ok(b.to_string().into_bytes()),
        Variable::Scalar(Scalar::Null) => refuse("null (Redis has no null argument)"),
        Variable::Redis(value) => match value {
            RedisValue::Bulk(bytes) => Ok(bytes.clone()),
            RedisValue::Int(i) => Ok(i.to_string().into_bytes()),
            RedisValue::Status(s) | RedisValue::BigNumber(s) => Ok(s.as_bytes().to_vec()),
            RedisValue::Double { text, .. } => Ok(text.as_bytes().to_vec()),
            RedisValue::Verbatim { text, .. } => Ok(text.as_bytes().to_vec()),
            RedisValue::Boolean(b) => Ok(if *b { b"1".to_vec() } else { b"0".to_vec() }),
            RedisValue::Nil => refuse("a nil reply"),
            _ => refuse("a Redis reply with several elements"),
        },
        Variable::Bson(bson::Bson::String(s)) => Ok(s.as_bytes().to_vec()),
        Variable::Bson(bson::Bson::Int32(i)) => Ok(i.to_string().into_bytes()),
        Variable::Bson(bson::Bson::Int64(i)) => Ok(i.to_string().into_bytes()),
        Variable::Bson(bson::Bson::Double(d)) => Ok(d.to_string().into_bytes()),
        Variable::Bson(_) => refuse("a BSON value that is not a string or number"),
        Variable::Table(_) => refuse("a table"),
        Variable::Documents(_) => refuse("documents"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_and_single_replies_become_bytes() {
        let mut vars = Variables::default();
        vars.set("name", Variable::Scalar(Scalar::Text("two words".into())));
        vars.set("n", Variable::Scalar(Scalar::Int(7)));
        vars.set("blob", Variable::Redis(RedisValue::Bulk(vec![0, 0xff])));
        assert_eq!(argument_bytes(&vars, "name").unwrap(), b"two words");
        assert_eq!(argument_bytes(&vars, "n").unwrap(), b"7");
        assert_eq!(argument_bytes(&vars, "blob").unwrap(), vec![0, 0xff]);
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let mut vars = Variables::default();
        assert!(
            argument_bytes(&vars, "x")
                .unwrap_err()
                .contains("no variables are defined yet")
        );
        vars.set("alpha", Variable::Scalar(Scalar::Int(1)));
        let e = argument_bytes(&vars, "x").unwrap_err();
        assert!(e.contains("unknown variable 'x' in {{x}}"), "{e}");
        assert!(e.contains("known variables: alpha"), "{e}");
    }

    #[test]
    fn multi_valued_variables_are_refused() {
        let mut vars = Variables::default();
        vars.set("arr", Variable::Redis(RedisValue::Array(vec![])));
        assert!(
            argument_bytes(&vars, "arr")
                .unwrap_err()
                .contains("several elements")
        );
    }
}
