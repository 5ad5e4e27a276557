//! Short, shell-like renderings of values for error messages.
//!
//! MongoDB error messages quote the offending value (`{a: 1}`); a full extended-JSON dump would
//! be long and noisy, so this prints the relaxed form and cuts it at a readable length.

use bson::Bson;

/// A value rendered for an error message, at most about 120 characters.
pub fn short(v: &Bson) -> String {
    let text = v.clone().into_relaxed_extjson().to_string();
    if text.chars().count() > 120 {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut() {
        let v = Bson::String("x".repeat(500));
        assert!(short(&v).ends_with("..."));
        assert_eq!(short(&Bson::Int32(1)), "1");
    }
}
