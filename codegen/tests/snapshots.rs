//! One snapshot per tiny spec under `tests/specs/`: the IR (what lowering decided) followed by
//! the emitted code of the type and operation modules (what users see) and the warnings (what
//! loading repaired). A reviewer sees in one
//! snapshot diff what a generator change does to a construct.

use std::path::Path;

fn render(spec: &str) -> String {
    let g = codegen::generate(spec, &codegen::naming::Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut out = format!("{:#?}\n", g.ir);
    // Without a feature table every type is in the shared types crate; shown under `types/`,
    // in name order, as when they were in telnyx-api itself.
    let files: std::collections::BTreeMap<String, &String> = g
        .files
        .iter()
        .map(|(name, content)| {
            let name = name.strip_prefix("telnyx-api/src/generated/").unwrap_or(name);
            (name.replace("telnyx-api/types/common/src/", "types/"), content)
        })
        .collect();
    for (name, content) in files {
        // mod.rs files and the catalogue are the same shape for every spec.
        // So are the types crates' manifests and crate roots (`tests/features.rs` shows them).
        if name.ends_with("mod.rs")
            || name.ends_with("catalogue.rs")
            || name.starts_with("tests/")
            || name.ends_with("Cargo.toml")
            || name.ends_with("/lib.rs")
        {
            continue;
        }
        // The hooks file is the same for every spec without the hooks' operations (`hooks.yaml`).
        if name.ends_with("hooks.rs") && content.matches("expands to nothing").count() == codegen::hooks::HOOKS.len() {
            continue;
        }
        // Likewise the servers file of a spec whose paths all use the document's server.
        if name.ends_with("servers.rs") && content.contains("ServerSpec] = &[];") {
            continue;
        }
        out.push_str(&format!("\n// ==== {name}\n{content}"));
    }
    // What loading repaired (and lowering noted), one line per kind.
    if !g.warnings.is_empty() {
        out.push_str("\n// ==== warnings\n");
        for w in &g.warnings {
            out.push_str(&format!("{w}\n"));
        }
    }
    out
}

/// The one-construct specs (`tests/specs/*.yaml`; subdirectories hold other tests' fixtures).
fn spec_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml"))
        .collect()
}

#[test]
fn snapshots_of_each_construct() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    let mut specs = spec_files(&dir);
    specs.sort();
    assert!(!specs.is_empty());
    for path in specs {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let rendered = render(&text);
        insta::assert_snapshot!(name, rendered);
    }
}

#[test]
fn output_is_deterministic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    for path in spec_files(&dir) {
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(render(&text), render(&text));
    }
}
