//! Editing the pairs of a vector attribute (a VM's DISK or NIC, an address range) the way
//! OpenNebula's `VectorAttribute` does: one value per key, `replace` overwrites or appends,
//! empty values count as unset for lookups that need a value.

/// The value of `key` (the first one when a parsed vector repeats it).
pub fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The value of `key` when present and not empty.
pub fn get_set<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    get(pairs, key).filter(|v| !v.is_empty())
}

/// Sets `key` to `value`: the first occurrence is overwritten and any repeat removed, or the
/// pair is appended.
pub fn replace(pairs: &mut Vec<(String, String)>, key: &str, value: impl Into<String>) {
    let value = value.into();
    match pairs.iter().position(|(k, _)| k == key) {
        Some(i) => {
            pairs[i].1 = value;
            let mut seen = false;
            pairs.retain(|(k, _)| {
                if k != key {
                    return true;
                }
                let keep = !seen;
                seen = true;
                keep
            });
        }
        None => pairs.push((key.to_owned(), value)),
    }
}

/// Removes every pair named `key`.
pub fn remove(pairs: &mut Vec<(String, String)>, key: &str) {
    pairs.retain(|(k, _)| k != key);
}

/// A boolean as OpenNebula writes it in vectors: `YES` or `NO`.
pub fn yes_no(value: bool) -> &'static str {
    if value { "YES" } else { "NO" }
}

/// Whether a value reads as true (`YES`, any case).
pub fn is_yes(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case("YES"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_overwrites_once_and_appends() {
        let mut p = vec![("A".to_owned(), "1".to_owned()), ("B".to_owned(), "".to_owned())];
        p.push(("A".into(), "dup".into()));
        replace(&mut p, "A", "2");
        assert_eq!(p, vec![("A".to_owned(), "2".to_owned()), ("B".to_owned(), "".to_owned())]);
        replace(&mut p, "C", "3");
        assert_eq!(get(&p, "C"), Some("3"));
        assert_eq!(get(&p, "B"), Some(""));
        assert_eq!(get_set(&p, "B"), None);
        remove(&mut p, "A");
        assert_eq!(get(&p, "A"), None);
        assert!(is_yes(Some("yes")) && !is_yes(Some("NO")) && !is_yes(None));
        assert_eq!(yes_no(true), "YES");
    }
}
