//! Branch-name patterns for `[[rule]]` entries: `*` matches any run of characters
//! (including `/`, so `sci/*` matches `sci/a/b`), `?` matches exactly one character, and
//! every other character matches itself.

/// True when `name` matches `pattern` as a whole.
pub fn matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // Iterative matcher with single-star backtracking: linear in practice, never
    // exponential.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((star_p, star_n)) => {
                    p = star_p + 1;
                    n = star_n + 1;
                    star = Some((star_p, star_n + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_cross_slashes_and_questions_take_one() {
        assert!(matches("sci/*", "sci/a"));
        assert!(matches("sci/*", "sci/a/b"));
        assert!(matches("sci/*", "sci/"));
        assert!(!matches("sci/*", "scix/a"));
        assert!(matches("*", "anything/at/all"));
        assert!(matches("feat-?", "feat-ü"));
        assert!(!matches("feat-?", "feat-ab"));
        assert!(matches("*/fix-*-x", "team/fix-12-x"));
        assert!(!matches("*/fix-*-x", "team/fix-12-y"));
        assert!(matches("main", "main"));
        assert!(!matches("main", "mainx"));
        assert!(matches("a**b", "ab"));
    }
}
