//! "Did you mean ...?" suggestions for misspelled methods and names.
//!
//! Plain Levenshtein distance over the candidates, accepting a match only
//! when it is close relative to the word's length, so `fnd` suggests `find`
//! but `xyz` suggests nothing.

/// Edit distance between two strings (case-insensitive, by code point),
/// counting a swap of two neighbours (`srot` → `sort`) as one edit.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// The closest candidate to `word`, if any is close enough.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1) + usize::from(word.chars().count() > 5);
    candidates
        .filter(|c| *c != word)
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let methods = ["find", "findOne", "insertOne", "insertMany", "aggregate"];
        assert_eq!(closest("fnd", methods.into_iter()), Some("find"));
        assert_eq!(closest("insertone", methods.into_iter()), Some("insertOne"));
        assert_eq!(closest("agregate", methods.into_iter()), Some("aggregate"));
        assert_eq!(closest("xyz", methods.into_iter()), None);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(closest("srot", ["sort", "skip"].into_iter()), Some("sort"));
    }
}
