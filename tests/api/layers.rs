//! The arrows between the crate's top-level modules point one way: each module may
//! use only modules of lower layers (and itself). A `crate::x` path in a lower layer
//! that names a higher one fails this test, with the file and line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Lowest first. A module may use the modules of the layers before its own, never its
/// own layer's other modules (they are peers) nor a later layer's.
const LAYERS: &[&[&str]] = &[
    // Plain types and words: no I/O.
    &["domain", "i18n", "build_info"],
    // Settings, and the files the server keeps by them.
    &["config"],
    // Handing freed memory back to the system; writing the log.
    &["memory", "logging"],
    // Files only the server's user reads; closing the listening socket.
    &["private_files", "listener_close"],
    // The database, secrets, mail: each knows nothing of HTTP or of the others.
    &["db", "crypto", "mail"],
    // What a use case answers when it does not do what it was asked: no HTTP.
    &["failure"],
    // Counters, and whether the instance is shutting down.
    &["metrics", "lifecycle"],
    // Rate limits on the database; the OpenID providers; the webhook and mail workers.
    &["limits", "oidc", "webhooks", "mail_delivery"],
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

/// Inside a top-level module, its own submodules in layers too, lowest first: a
/// submodule may use its own layer and the ones before, never a later one. Names a
/// file reaches that are not submodules (`db::update`, `db::now`) are the module's
/// root items, open to every file.
const INNER_LAYERS: &[(&str, &[&[&str]])] = &[
    (
        "db",
        &[
            // How queries run: no table's knowledge.
            &[
                "error",
                "schema",
                "observer",
                "telemetry",
                "sqlite_hooks",
                "connection",
                "query",
                "cached_update",
                "commit_signal",
            ],
            // One table (or one concern) each.
            &[
                "decisions",
                "migrations",
                "readiness",
                "backup",
                "sealed_columns",
                "throttles",
                "form_tokens",
                "single_use",
                "signing_keys",
                "management_keys",
                "mail_queue",
                "recovery_codes",
                "passkeys",
                "identities",
                "two_factor",
            ],
            // What spans tables: an account and its sessions end together; the counts;
            // the audit log and the webhook outbox, written with every change.
            &[
                "users",
                "user_object",
                "sessions",
                "overview",
                "audit",
                "webhooks",
            ],
            // Reads of many requests at once: the session check's, over sessions and
            // users.
            &["session_reads"],
        ],
    ),
    (
        "routes",
        &[
            &["embedded"],
            &["api", "admin", "api_docs", "metrics", "jwks"],
        ],
    ),
];

/// Inner peers that must not use each other: the API and the panel are two front
/// doors over the same use cases.
const SEPARATE: &[(&str, &[&str])] =
    &[("routes", &["api", "admin", "api_docs", "metrics", "jwks"])];

/// `#[macro_export]` macros live at the crate's root but belong to a module.
const MACROS: &[(&str, &str)] = &[("per_backend", "db")];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The source as the compiler reads its paths: comments and the insides of string and
/// char literals blanked (a `//` in a string is no comment, a `crate::x` in a string
/// or a comment is no path), and everything from `#[cfg(test)]` on left out (test
/// modules, at the end of a file, may reach anything).
fn code_of(source: &str) -> String {
    let source = match source.find("#[cfg(test)]") {
        Some(at) => &source[..at],
        None => source,
    };
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                out.push(if chars[i] == '\n' { '\n' } else { ' ' });
                i += 1;
            }
            i += 2;
            continue;
        }
        // A raw string: r"..." or r#"..."# (any number of #).
        if c == 'r' && (next == Some('"') || next == Some('#')) && !prev_is_ident(&chars, i) {
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) == Some(&'"') {
                out.push_str("r\"");
                j += 1;
                loop {
                    match chars.get(j) {
                        None => break,
                        Some('"') if (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) => {
                            j += 1 + hashes;
                            break;
                        }
                        Some('\n') => out.push('\n'),
                        Some(_) => out.push(' '),
                    }
                    j += 1;
                }
                out.push('"');
                i = j;
                continue;
            }
        }
        if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                out.push(if chars.get(i) == Some(&'\n') {
                    '\n'
                } else {
                    ' '
                });
                i += 1;
            }
            out.push('"');
            i += 1;
            continue;
        }
        // A char literal ('x', '\n', '"'), not a lifetime ('a).
        if c == '\'' {
            let escaped = next == Some('\\');
            let close = if escaped { i + 3 } else { i + 2 };
            if chars.get(close) == Some(&'\'')
                || (escaped && chars[i..].iter().take(12).filter(|&&c| c == '\'').count() >= 2)
            {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map_or(close, |p| i + 1 + p);
                out.push_str("' '");
                i = end + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// The paths a use tree names from `at` (just after `crate::` or a `super::` chain):
/// `a::b`, `a::{b, c::{d, *}}`, `*`; each as its segments.
fn use_tree(text: &[char], mut at: usize) -> Vec<(Vec<String>, usize)> {
    let skip_space = |at: &mut usize| {
        while text.get(*at).is_some_and(|c| c.is_whitespace()) {
            *at += 1;
        }
    };
    skip_space(&mut at);
    match text.get(at) {
        Some('{') => {
            let mut paths = Vec::new();
            at += 1;
            loop {
                skip_space(&mut at);
                match text.get(at) {
                    None => break,
                    Some('}') => break,
                    Some(',') => at += 1,
                    _ => {
                        let (mut inner, end) = tree_at(text, at);
                        paths.append(&mut inner);
                        at = end;
                    }
                }
            }
            paths
        }
        _ => tree_at(text, at).0,
    }
}

/// One branch of a use tree from `at`, and where it ends.
fn tree_at(text: &[char], mut at: usize) -> (Vec<(Vec<String>, usize)>, usize) {
    if text.get(at) == Some(&'*') {
        return (vec![(vec!["*".to_owned()], at)], at + 1);
    }
    if text.get(at) == Some(&'{') {
        let mut depth = 0;
        let start = at;
        while let Some(&c) = text.get(at) {
            if c == '{' {
                depth += 1;
            } else if c == '}' {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            at += 1;
        }
        return (use_tree(text, start), at + 1);
    }
    let ident: String = text[at..]
        .iter()
        .take_while(|c| c.is_alphanumeric() || **c == '_')
        .collect();
    let ident_at = at;
    at += ident.chars().count();
    if ident.is_empty() {
        return (Vec::new(), at + 1);
    }
    let rest: String = text[at..].iter().take(2).collect();
    if rest == "::" {
        let (inner, end) = tree_at(text, at + 2);
        let paths = if inner.is_empty() {
            vec![(vec![ident], ident_at)]
        } else {
            inner
                .into_iter()
                .map(|(mut path, _)| {
                    path.insert(0, ident.clone());
                    (path, ident_at)
                })
                .collect()
        };
        return (paths, end);
    }
    // Skip an `as` alias: the path ends at the identifier.
    (vec![(vec![ident], ident_at)], at)
}

/// The crate paths `source` names, resolved from the file's own module path (`super`
/// and `self` chains included), with their line numbers.
fn crate_paths_in(own: &[String], source: &str) -> Vec<(usize, Vec<String>)> {
    let code = code_of(source);
    let text: Vec<char> = code.chars().collect();
    let line_at = |offset: usize| text[..offset].iter().filter(|&&c| c == '\n').count() + 1;
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if prev_is_ident(&text, i) || text.get(i.wrapping_sub(1)) == Some(&'$') {
            i += 1;
            continue;
        }
        let word: String = text[i..]
            .iter()
            .take_while(|c| c.is_alphanumeric() || **c == '_')
            .collect();
        let mut base: Option<Vec<String>> = match word.as_str() {
            "crate" => Some(Vec::new()),
            "super" => own.split_last().map(|(_, parent)| parent.to_vec()),
            "self" => Some(own.to_vec()),
            _ => None,
        };
        let Some(mut base_path) = base.take() else {
            i += word.chars().count().max(1);
            continue;
        };
        let mut at = i + word.chars().count();
        if text[at..].iter().take(2).collect::<String>() != "::" {
            i = at;
            continue;
        }
        at += 2;
        // More `super::` pop further up.
        while text[at..].iter().take(7).collect::<String>() == "super::" {
            base_path.pop();
            at += 7;
        }
        for (path, path_at) in use_tree(&text, at) {
            let mut full = base_path.clone();
            full.extend(path);
            found.push((line_at(path_at), full));
        }
        i = at;
    }
    found
        .into_iter()
        .map(|(line, mut path)| {
            if let Some(first) = path.first_mut()
                && let Some((_, module)) = MACROS.iter().find(|(name, _)| name == first)
            {
                *first = (*module).to_owned();
            }
            (line, path)
        })
        .collect()
}

/// Every arrow of `source` (a file of module `module`) that points up or sideways.
fn violations(module: &str, source: &str) -> Vec<String> {
    violations_at(&[module.to_owned()], source)
}

/// The same for a file whose module path is `own` (`["db", "sessions", "listing"]`):
/// also the arrows between the submodules of its top-level module.
fn violations_at(own: &[String], source: &str) -> Vec<String> {
    let module = own[0].as_str();
    let Some(layer) = layer_of(module) else {
        return vec![format!(
            "module `{module}` is in no layer: add it to LAYERS"
        )];
    };
    let mut problems = Vec::new();
    for (line, path) in crate_paths_in(own, source) {
        let Some(target) = path.first() else {
            continue;
        };
        if target == "*" {
            problems.push(format!(
                "line {line}: `{module}` imports the whole crate (`crate::*`)"
            ));
            continue;
        }
        if target != module {
            match layer_of(target) {
                Some(l) if l < layer => {}
                Some(_) => problems.push(format!("line {line}: `{module}` uses `{target}`")),
                None => problems.push(format!("line {line}: `{target}` is in no layer")),
            }
            continue;
        }
        // Inside the module: its submodules' own layers.
        let (Some(mine), Some(theirs)) = (own.get(1), path.get(1)) else {
            continue;
        };
        if mine == theirs {
            continue;
        }
        if let Some(problem) = inner_violation(module, mine, theirs) {
            problems.push(format!("line {line}: {problem}"));
        }
    }
    problems
}

fn inner_violation(module: &str, mine: &str, theirs: &str) -> Option<String> {
    let (_, layers) = INNER_LAYERS.iter().find(|(m, _)| *m == module)?;
    let position = |name: &str| layers.iter().position(|layer| layer.contains(&name));
    let Some(my_layer) = position(mine) else {
        return Some(format!(
            "`{module}::{mine}` is in no inner layer: add it to INNER_LAYERS"
        ));
    };
    // A name that is no submodule is one of the module's root items.
    let their_layer = position(theirs)?;
    let separated = SEPARATE
        .iter()
        .any(|(m, peers)| *m == module && peers.contains(&mine) && peers.contains(&theirs));
    if their_layer > my_layer || separated {
        return Some(format!("`{module}::{mine}` uses `{module}::{theirs}`"));
    }
    None
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

/// `db/sessions/listing.rs` is `["db", "sessions", "listing"]`; `db/mod.rs` is `["db"]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut path: Vec<String> = relative
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned()
        })
        .collect();
    if path.last().is_some_and(|last| last == "mod") {
        path.pop();
    }
    path
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
        let own = module_path(relative);
        let module = own[0].clone();
        if module == "main" || module == "lib" {
            continue;
        }
        modules.insert(module.clone());
        let source = std::fs::read_to_string(file).unwrap();
        for problem in violations_at(&own, &source) {
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

#[test]
fn the_check_reads_super_chains_globs_and_strings() {
    let at = |path: &str| path.split('/').map(str::to_owned).collect::<Vec<_>>();
    // `super::super::` from db/sessions/listing.rs reaches the crate root.
    assert_eq!(
        violations_at(
            &at("db/sessions/listing"),
            "use super::super::super::routes::api;"
        ),
        ["line 1: `db` uses `routes`"]
    );
    // From a mod.rs file, `super` is the parent of the module itself.
    assert_eq!(
        violations_at(&at("db"), "use super::auth::x;"),
        ["line 1: `db` uses `auth`"]
    );
    // A glob of the crate root, and one inside a nested group.
    assert_eq!(
        violations("db", "use crate::*;"),
        ["line 1: `db` imports the whole crate (`crate::*`)"]
    );
    assert_eq!(
        violations("db", "use crate::{domain::*, routes::{api::*, admin}};"),
        ["line 1: `db` uses `routes`", "line 1: `db` uses `routes`"]
    );
    // A `//` inside a string is no comment: the path after it counts; a path inside a
    // string is no path.
    assert_eq!(
        violations("db", "let url = \"http://x\"; use crate::routes::api;"),
        ["line 1: `db` uses `routes`"]
    );
    assert!(
        violations(
            "db",
            "let s = \"crate::routes::api\"; let r = r#\"crate::routes\"#;"
        )
        .is_empty()
    );
    // A char literal of a quote does not open a string.
    assert_eq!(
        violations("db", "let q = '\"'; use crate::routes::api;"),
        ["line 1: `db` uses `routes`"]
    );
    // Inside db and routes: submodules keep their own layers.
    assert_eq!(
        violations_at(&at("db/query"), "use super::users::User;"),
        ["line 1: `db::query` uses `db::users`"]
    );
    assert!(violations_at(&at("db/users"), "use super::sessions; use super::update;").is_empty());
    assert_eq!(
        violations_at(
            &at("routes/admin/users"),
            "use crate::routes::api::dto::UserView;"
        ),
        ["line 1: `routes::admin` uses `routes::api`"]
    );
    assert!(
        violations_at(
            &at("routes/admin/assets"),
            "use crate::routes::embedded::asset;"
        )
        .is_empty()
    );
}

/// CONTRIBUTING's picture of the layers says what LAYERS says: each block of modules
/// (top to bottom) sits above every module of the blocks below it.
#[test]
fn contributing_draws_the_layers_the_test_checks() {
    let contributing =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("CONTRIBUTING.md"))
            .unwrap();
    let start = contributing
        .find("```\nroutes/")
        .expect("the layer picture");
    let picture = &contributing[start + 4..];
    let picture = &picture[..picture.find("```").unwrap()];
    // The left column of each line holds module names; a ▼ ends a block.
    let mut blocks: Vec<Vec<usize>> = vec![Vec::new()];
    for line in picture.lines() {
        if line.contains('▼') {
            blocks.push(Vec::new());
            continue;
        }
        let left = line.split("   ").next().unwrap_or_default();
        for word in left.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if let Some(layer) = layer_of(word) {
                blocks.last_mut().unwrap().push(layer);
            }
        }
    }
    blocks.retain(|block| !block.is_empty());
    assert!(blocks.len() >= 5, "{blocks:?}");
    for pair in blocks.windows(2) {
        let lowest_above = pair[0].iter().min().unwrap();
        let highest_below = pair[1].iter().max().unwrap();
        assert!(
            lowest_above > highest_below,
            "CONTRIBUTING's picture puts a module above one of a higher layer: {blocks:?}"
        );
    }
}

/// Every `src/….rs`, `tests/….rs` or `benches/…` path a comment (or clippy.toml)
/// names exists: a renamed file leaves no pointer to nowhere.
#[test]
fn files_named_in_comments_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.push(root.join("clippy.toml"));
    let mut missing = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for prefix in ["src/", "tests/", "benches/", "migrations/"] {
            for (at, _) in text.match_indices(prefix) {
                if at > 0
                    && text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '/' || c == '.')
                {
                    continue;
                }
                let named: String = text[at..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '/' | '_' | '-' | '.'))
                    .collect();
                let named = named.trim_end_matches('.');
                let looks_like_file =
                    named.ends_with(".rs") || named.ends_with(".sh") || named.ends_with(".sql");
                if looks_like_file && !root.join(named).exists() {
                    missing.push(format!("{}: {named}", file.display()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}
