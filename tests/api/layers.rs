//! The arrows between the crate's top-level modules point one way: each module may
//! use only modules of lower layers (and itself). A `crate::x` path in a lower layer
//! that names a higher one fails this test, with the file and line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Lowest first. A module may use the modules of the layers before its own, never its
/// own layer's other modules (they are peers) nor a later layer's.
const LAYERS: &[&[&str]] = &[
    // Plain types and words: no I/O.
    &["domain", "i18n"],
    // Settings, and the files the server keeps by them.
    &["config"],
    // Handing freed memory back to the system; writing the log.
    &["memory", "logging"],
    &["private_files"],
    // The database, secrets, mail: each knows nothing of HTTP or of the others.
    &["db", "crypto", "mail"],
    // What a use case answers when it does not do what it was asked: no HTTP.
    &["failure"],
    &["metrics"],
    // Rate limits on the database; the OpenID providers.
    &["limits", "oidc"],
    // What every use case may reach.
    &["state"],
    // Use cases: the API's accounts and sessions, social sign-in on top of them, the
    // panel and the command line's operator set-up.
    &["auth"],
    &["social"],
    &["admin", "bootstrap"],
    // HTTP: the API's one error (codes, statuses, the envelope), made from `failure`;
    // adapters, middleware, handlers, wiring. Nothing below speaks HTTP.
    &["error"],
    &["http"],
    &["middleware"],
    &["routes"],
    &["startup"],
    &["announce", "doctor"],
    &["cli"],
];

/// `#[macro_export]` macros live at the crate's root but belong to a module.
const MACROS: &[(&str, &str)] = &[("per_backend", "db")];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level modules `source` names through `crate::`, with their line numbers.
fn crate_paths(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    // Comments may name any module.
    let code: Vec<String> = source
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => line[..at].to_owned(),
            None => line.to_owned(),
        })
        .collect();
    let text = code.join("\n");
    let line_at = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut rest = 0;
    while let Some(at) = text[rest..].find("crate::") {
        let start = rest + at + "crate::".len();
        rest = start;
        // `$crate::` inside a macro is the macro's own crate root, not a module.
        if text[..start - "crate::".len()].ends_with('$') {
            continue;
        }
        if text[start..].starts_with('{') {
            // `use crate::{a, b::{c, d}}`: the names at the first depth.
            let mut depth = 0;
            let mut name = String::new();
            let mut expecting_name = true;
            for (i, c) in text[start..].char_indices() {
                match c {
                    '{' => {
                        depth += 1;
                        if depth > 1 {
                            expecting_name = false;
                        }
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            if !name.is_empty() {
                                found.push((line_at(start + i), std::mem::take(&mut name)));
                            }
                            break;
                        }
                    }
                    ',' if depth == 1 => {
                        if !name.is_empty() {
                            found.push((line_at(start + i), std::mem::take(&mut name)));
                        }
                        expecting_name = true;
                    }
                    c if depth == 1 && expecting_name && (c.is_alphanumeric() || c == '_') => {
                        name.push(c)
                    }
                    c if depth == 1 && !c.is_whitespace() => {
                        if !name.is_empty() {
                            found.push((line_at(start + i), std::mem::take(&mut name)));
                        }
                        expecting_name = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = text[start..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push((line_at(start), name));
        }
    }
    found
        .into_iter()
        .map(|(line, name)| {
            let module = MACROS
                .iter()
                .find(|(macro_name, _)| *macro_name == name)
                .map_or(name, |(_, module)| (*module).to_owned());
            (line, module)
        })
        .collect()
}

/// Every arrow of `source` (a file of module `module`) that points up or sideways.
fn violations(module: &str, source: &str) -> Vec<String> {
    let Some(own) = layer_of(module) else {
        return vec![format!(
            "module `{module}` is in no layer: add it to LAYERS"
        )];
    };
    crate_paths(source)
        .into_iter()
        .filter(|(_, target)| target != module && !target.is_empty())
        .filter_map(|(line, target)| match layer_of(&target) {
            Some(layer) if layer < own => None,
            Some(_) => Some(format!("line {line}: `{module}` uses `{target}`")),
            None => Some(format!("line {line}: `{target}` is in no layer")),
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn lower_layers_never_use_higher_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut modules = BTreeSet::new();
    let mut problems = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_owned();
        if module == "main" || module == "lib" {
            continue;
        }
        modules.insert(module.clone());
        let source = std::fs::read_to_string(file).unwrap();
        for problem in violations(&module, &source) {
            problems.push(format!("src/{}: {problem}", relative.display()));
        }
    }
    assert!(modules.len() >= 20, "found only {modules:?}");
    assert!(
        problems.is_empty(),
        "upward imports:\n{}",
        problems.join("\n")
    );
}

/// Use cases and what they stand on answer in `failure`'s words, never in the API's
/// codes: only the HTTP layers turn a failure into a status.
#[test]
fn use_cases_do_not_speak_http() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for below in [
        "db", "auth", "admin", "social", "limits", "crypto", "mail", "domain",
    ] {
        let mut files = Vec::new();
        rust_files(&src.join(below), &mut files);
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for (n, line) in source.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if ["ApiError", "ErrorCode", "StatusCode", "HttpResponse"]
                    .iter()
                    .any(|name| code.contains(name))
                {
                    offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

#[test]
fn the_check_sees_upward_and_sideways_imports() {
    // A lower layer naming a higher one, in each form a path can take.
    assert_eq!(
        violations("db", "use crate::error::ApiError;"),
        ["line 1: `db` uses `error`"]
    );
    assert_eq!(
        violations("db", "use crate::{config::X, routes::Y};"),
        ["line 1: `db` uses `routes`"]
    );
    assert_eq!(
        violations(
            "state",
            "fn f() {\n    let x = crate::auth::credentials::check();\n}"
        ),
        ["line 2: `state` uses `auth`"]
    );
    // Use cases may use the state, which is lower.
    assert!(violations("auth", "use crate::state::AppState;").is_empty());
    // Peers of one layer do not use each other.
    assert_eq!(
        violations("crypto", "use crate::db::Pool;"),
        ["line 1: `crypto` uses `db`"]
    );
    assert_eq!(
        violations(
            "http",
            "use crate::{\n    db::{self, users},\n    routes::api,\n};"
        ),
        ["line 3: `http` uses `routes`"]
    );
    // A macro exported at the root belongs to its module; comments name anything.
    assert_eq!(
        violations(
            "config",
            "crate::per_backend!(conn, |c| x) // crate::routes"
        ),
        ["line 1: `config` uses `db`"]
    );
    assert!(violations("routes", "use crate::db::Pool; use crate::auth::x;").is_empty());
    assert_eq!(
        violations("nowhere", ""),
        ["module `nowhere` is in no layer: add it to LAYERS"]
    );
}
