//! The module map of ARCHITECTURE.md, checked on the sources: no module imports one
//! that imports it back (in `web/` and `cli/` a `mod.rs` only assembles, so its
//! children may not use it either), only the web layer and the command line import
//! Rocket, only `storage` imports Diesel, `stats` is pure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Every `.rs` file under `src/`, as (module path, source text). The binary's files
/// (`main.rs`, `cli/`) are the module `bin::…`.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(Path::new(SRC), &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(SRC).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect();
            if parts.last().is_some_and(|l| l == "mod") {
                parts.pop();
            }
            let name = match parts.first().map(String::as_str) {
                Some("lib") => "crate".to_string(),
                Some("main") => "bin".to_string(),
                Some("cli") => format!("bin::{}", parts.join("::")),
                _ => format!("crate::{}", parts.join("::")),
            };
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The code of a file without comments, string literals (a doc comment naming a path
/// is not an import) and its unit tests (their `super::` is the file's own module).
fn code_only(src: &str) -> String {
    let mut out = String::new();
    for line in src.lines() {
        if line.trim() == "#[cfg(test)]" {
            break;
        }
        let line = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        let mut in_str = false;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// Paths a file refers to: `crate::a::b`, `minyi::a::b`, `super::x` (resolved).
fn references(module: &str, src: &str) -> BTreeSet<String> {
    let code = code_only(src);
    let mut out = BTreeSet::new();
    let bytes: Vec<char> = code.chars().collect();
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let mut i = 0;
    while i < bytes.len() {
        let starts = |w: &str| {
            bytes[i..].iter().take(w.len()).copied().eq(w.chars())
                && (i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_'))
        };
        let root = if starts("crate::") || starts("minyi::") {
            Some(("crate", 7))
        } else if starts("super::") {
            Some(("super", 0))
        } else {
            None
        };
        if let Some((kind, skip)) = root {
            let mut j = i + skip;
            while j < bytes.len() && ident(bytes[j]) {
                j += 1;
            }
            let tail: String = bytes[i + skip..j].iter().collect();
            // `prefix::{a, b::c}`: one path per item of the group.
            let group: Vec<String> = if tail.ends_with("::") && bytes.get(j) == Some(&'{') {
                let close = (j..bytes.len()).find(|&k| bytes[k] == '}').unwrap_or(j);
                let inner: String = bytes[j + 1..close].iter().collect();
                inner
                    .split(',')
                    .map(|x| x.split_whitespace().next().unwrap_or("").to_string())
                    .filter(|x| !x.is_empty() && x != "self")
                    .map(|x| format!("{tail}{x}"))
                    .collect()
            } else {
                vec![tail.clone()]
            };
            for tail in group {
                let path = if kind == "crate" {
                    format!("crate::{}", tail.trim_end_matches(':'))
                } else {
                    // Each `super::` is the parent of the module the file is.
                    let mut base: Vec<&str> = module.split("::").collect();
                    let mut rest = tail.as_str();
                    while let Some(r) = rest.strip_prefix("super::") {
                        base.pop();
                        rest = r;
                    }
                    format!("{}::{}", base.join("::"), rest.trim_end_matches(':'))
                };
                out.insert(path);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// The module a path lands in: its longest prefix that is a module.
fn resolve(path: &str, known: &BTreeSet<String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|p| known.contains(p))
}

/// Paths into a module's own children written without a prefix (`child::item`).
fn child_references(module: &str, src: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let code = code_only(src);
    known
        .iter()
        .filter_map(|k| k.strip_prefix(&format!("{module}::")))
        .filter(|child| !child.contains("::"))
        .filter(|child| {
            code.match_indices(&format!("{child}::")).any(|(i, _)| {
                let before = code[..i].chars().next_back().unwrap_or(' ');
                !(before.is_alphanumeric() || before == '_' || before == ':')
            })
        })
        .map(|child| format!("{module}::{child}"))
        .collect()
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules();
    let known: BTreeSet<String> = mods.keys().cloned().collect();
    mods.iter()
        .map(|(m, src)| {
            let deps = references(m, src)
                .iter()
                .filter_map(|p| resolve(p, &known))
                // A module root declares its children and re-exports them (its
                // door): those are edges too, so a child that reaches back through
                // its root (`super::Thing` where the root re-exports `Thing`) makes
                // a circle. Children name their siblings instead.
                .chain(child_references(m, src, &known))
                // The crate root only declares modules.
                .filter(|d| d != m && d != "crate")
                .collect();
            (m.clone(), deps)
        })
        .collect()
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let g = graph();
    // Every cycle shows as a path back to where it started.
    let mut cycles = Vec::new();
    for start in g.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((m, path)) = stack.pop() {
            for d in g.get(&m).into_iter().flatten() {
                if d == start {
                    let mut p = path.clone();
                    p.push(d.clone());
                    cycles.push(p.join(" → "));
                } else if seen.insert(d.clone()) {
                    let mut p = path.clone();
                    p.push(d.clone());
                    stack.push((d.clone(), p));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import circles:\n{}", cycles.join("\n"));
}

#[test]
fn rocket_and_diesel_stay_in_their_layers() {
    for (m, src) in modules() {
        let code = code_only(&src);
        let uses = |c: &str| code.contains(&format!("use {c}")) || code.contains(&format!("{c}::"));
        let web_side = m.starts_with("crate::web") || m.starts_with("bin") || m == "crate::config";
        assert!(
            web_side || !uses("rocket"),
            "{m} imports Rocket; only web, config and the command line may"
        );
        assert!(
            m.starts_with("crate::storage") || !uses("diesel"),
            "{m} imports Diesel; only storage may"
        );
        assert!(
            m.starts_with("bin") || !uses("anyhow"),
            "{m} uses anyhow; the library has one error type per layer"
        );
    }
}

/// The statistics engine reads no files, network, clock, time zone or randomness:
/// the same input gives the same figures anywhere.
#[test]
fn stats_touches_no_files_network_clock_or_randomness() {
    let banned = [
        "rocket",
        "diesel",
        "std::fs",
        "std::net",
        "rand::",
        "chrono::Local",
        "Local::now",
        "Utc::now",
        "SystemTime",
        "Instant::now",
        "std::env",
    ];
    for (m, src) in modules()
        .iter()
        .filter(|(m, _)| m.starts_with("crate::stats"))
    {
        let code = code_only(src);
        for b in banned {
            assert!(
                !code.contains(b),
                "{m} uses `{b}`; stats is pure (its callers read files and clocks)"
            );
        }
    }
}

#[test]
fn stats_is_pure() {
    let g = graph();
    for (m, deps) in g.iter().filter(|(m, _)| m.starts_with("crate::stats")) {
        for d in deps {
            assert!(
                d.starts_with("crate::stats") || d == "crate::definition",
                "{m} depends on {d}; stats reads only definitions"
            );
        }
    }
}

/// The household sample's draws are reproducible: `sampling` reads only definitions,
/// and its random numbers come from the seed alone — no entropy, clock or files.
#[test]
fn sampling_is_pure_and_seeded() {
    let banned = [
        "rocket",
        "diesel",
        "std::fs",
        "std::net",
        "thread_rng",
        "from_entropy",
        "OsRng",
        "getrandom",
        "chrono::Local",
        "Local::now",
        "Utc::now",
        "SystemTime",
        "Instant::now",
        "std::env",
    ];
    let mods = modules();
    let sampling: Vec<_> = mods
        .iter()
        .filter(|(m, _)| m.starts_with("crate::sampling"))
        .collect();
    assert!(sampling.len() >= 5, "the sampling files are found");
    for (m, src) in sampling {
        let code = code_only(src);
        for b in banned {
            assert!(
                !code.contains(b),
                "{m} uses `{b}`; a draw must depend on its seed alone"
            );
        }
    }
    let g = graph();
    for (m, deps) in g.iter().filter(|(m, _)| m.starts_with("crate::sampling")) {
        for d in deps {
            assert!(
                d.starts_with("crate::sampling") || d == "crate::definition",
                "{m} depends on {d}; sampling reads only definitions"
            );
        }
    }
}
