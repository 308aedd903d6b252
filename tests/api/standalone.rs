//! The repository stands alone: a fresh clone has no sibling folder of shared
//! documents, so no file of ours may point to one (the contract lives in docs/).

use std::path::{Path, PathBuf};

/// Outputs, dependencies and local state: not part of a clone.
const NOT_OURS: &[&str] = &["target", "node_modules", ".git", "data", "dist"];

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if NOT_OURS.contains(&name.as_str()) || name.starts_with(".next") {
            continue;
        }
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn no_file_points_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(root, &mut files);
    assert!(files.len() > 100, "walked {} files", files.len());
    // Built from parts so that this file does not find itself. The sibling folder's
    // name followed by anything but a name character: a path, or a mention in prose.
    let needles = [format!("../{}", "shared"), format!("/work/{}", "shared")];
    let mut offenders = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue; // binary
        };
        for needle in &needles {
            let pointing = text.match_indices(needle.as_str()).any(|(at, _)| {
                !text[at + needle.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
            });
            if pointing {
                offenders.push(format!("{} mentions {needle}", file.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// Files the docs tell a newcomer to use must be in the repository, not only on the
/// machine that wrote them (a `.gitignore` rule can swallow them silently).
#[test]
fn files_the_docs_rely_on_are_tracked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tracked = std::process::Command::new("git")
        .args([
            "ls-files",
            "--error-unmatch",
            "examples/nextjs/.env",
            ".env.example",
        ])
        .current_dir(root)
        .output()
        .expect("git runs");
    assert!(
        tracked.status.success(),
        "{}",
        String::from_utf8_lossy(&tracked.stderr)
    );
}

/// The README is a landing page: the two commands, the picture, and where each topic
/// lives. It stays short, and every page it points to exists; so does every relative
/// link of the pages under docs/.
#[test]
fn the_readme_is_a_landing_page_whose_links_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 200,
        "README.md has {lines} lines: move a topic to docs/"
    );
    let commands = readme.split("```sh").nth(1).unwrap_or("");
    assert!(
        commands.contains("cargo run --release") && commands.contains("cargo test"),
        "the README's first block gives the two commands"
    );
    let mut pages = vec![root.join("README.md"), root.join("CONTRIBUTING.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "md") {
            pages.push(entry.path());
        }
    }
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let dir = page.parent().unwrap();
        for (at, _) in text.match_indices("](") {
            let target: String = text[at + 2..].chars().take_while(|c| *c != ')').collect();
            let path = target.split('#').next().unwrap_or("");
            if path.is_empty() || path.contains("://") || path.starts_with("mailto:") {
                continue;
            }
            if !dir.join(path).exists() {
                broken.push(format!("{}: {target}", page.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links to nothing:\n{}",
        broken.join("\n")
    );
}

/// What the FastAPI example's README tells a reader to type is what CI runs, line
/// for line, in that folder.
#[test]
fn the_fastapi_examples_commands_are_the_ones_ci_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("examples/fastapi-service/README.md")).unwrap();
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let block = readme.split("```sh").nth(1).unwrap_or("");
    let block = block.split("```").next().unwrap_or("");
    let commands: Vec<&str> = block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands.len(), 3, "{block}");
    let ci_lines: Vec<&str> = ci.lines().map(str::trim).collect();
    let start = ci_lines
        .iter()
        .position(|l| *l == "cd examples/fastapi-service")
        .expect(".ci/run enters examples/fastapi-service");
    assert_eq!(
        ci_lines.get(start + 1..start + 1 + commands.len()),
        Some(commands.as_slice()),
        "the README's commands, in order, right after the cd"
    );
}
